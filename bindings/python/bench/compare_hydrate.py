"""Benchmark (not a test), part of ``make bench-compare``: ``MetricsStore.hydrate`` of patter
versus the reference SDK (getpatter 0.7.0) on a tree written by the reference SDK itself.

The tree: ``--calls`` calls written by getpatter's own ``CallLogger`` (the reference layout: one
UTC day directory holding every call, each with metadata.json written at start and rewritten at
end, three per-turn rows in transcript.jsonl and one event). Generation patches ``os.fsync`` to a
no-op inside getpatter's call_log module (the bytes and layout are unchanged; only generation
time) and sets ``PATTER_LOG_RETENTION_DAYS=0`` so its random retention sweep never runs. The tree
is cached under ``--root`` and reused.

Both sides build a fresh 500-call store per run. Warm: page cache warm (after one untimed run of
each), rounds interleaved. Cold: ``sync; echo 3 > /proc/sys/vm/drop_caches`` before every run
(needs root; reported as not measured otherwise). Checks that both keep the same 500 call ids.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

os.environ["PATTER_LOG_RETENTION_DAYS"] = "0"


def generate(root: str, calls: int) -> float:
    import getpatter.services.call_log as ref_log

    ref_log.os.fsync = lambda _fd: None  # generation speed only; same bytes, same layout
    logger = ref_log.CallLogger(root)
    t0 = time.perf_counter()
    for i in range(calls):
        cid = f"CA{i:032x}"
        logger.log_call_start(cid, caller="+15555550100", callee="+15555550199", direction="inbound",
                              telephony_provider="twilio", provider_mode="pipeline",
                              agent={"provider": "pipeline", "model": "gpt-4o-mini", "mode": "pipeline"})
        for t in range(3):
            logger.log_turn(cid, {"turn_index": t, "user_text": "I need to move my appointment to Thursday.",
                                  "agent_text": "Sure, Thursday at 3 pm works. Anything else?",
                                  "latency": {"stt_ms": 120.0, "llm_ms": 300.0, "tts_ms": 90.0, "total_ms": 640.0,
                                              "agent_response_ms": 590.0},
                                  "stt_audio_seconds": 2.1, "tts_characters": 44, "timestamp": time.time()})
        logger.log_event(cid, "tool_call", {"name": "reschedule"})
        logger.log_call_end(cid, duration_seconds=42.0 + i % 60, turns=3,
                            cost={"stt": 0.01, "tts": 0.02, "llm": 0.003, "telephony": 0.0134, "total": 0.0464},
                            latency={"p50_ms": 412.0, "p95_ms": 870.0, "p99_ms": 1240.0,
                                     "avg": {"total_ms": 500.0}, "p50": {"total_ms": 412.0},
                                     "p95": {"total_ms": 870.0}, "p99": {"total_ms": 1240.0}})
    return time.perf_counter() - t0


def drop_caches() -> bool:
    subprocess.run(["sync"], check=False)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def run_ref(root: str):
    from getpatter.dashboard.store import MetricsStore as RefStore

    t0 = time.perf_counter()
    s = RefStore(500)
    n = s.hydrate(root)
    dt = time.perf_counter() - t0
    return dt, n, {c["call_id"] for c in s.get_calls(limit=500)}


def run_patter(root: str):
    import patter

    t0 = time.perf_counter()
    s = patter.MetricsStore(500)
    n = s.hydrate(root)
    dt = time.perf_counter() - t0
    return dt, n, {c["call_id"] for c in s.get_calls(limit=500)}


def differing(root: str, ids_p: set, ids_r: set) -> dict:
    """The calls only one side kept (at most 5 each), with the times each side orders by: the
    reference sorts by ``started_at`` (ties in directory order), libpatter by ``ended_at`` (ties
    by call id); both are written in milliseconds, so calls of a fast generator can tie."""
    import glob

    def times(cid):
        for d in glob.glob(os.path.join(root, "calls", "*", "*", "*", glob.escape(cid))):
            with open(os.path.join(d, "metadata.json"), encoding="utf-8") as f:
                m = json.load(f)
            return {"call_id": cid, "started_at": m.get("started_at"), "ended_at": m.get("ended_at")}
        return {"call_id": cid}

    return {"patter_only": [times(c) for c in sorted(ids_p - ids_r)[:5]],
            "reference_only": [times(c) for c in sorted(ids_r - ids_p)[:5]]}


def spread(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("PATTER_BENCH_ROUNDS", "7")))
    ap.add_argument("--cold-rounds", type=int, default=3)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    marker = os.path.join(a.root, ".complete")
    gen_s = None
    if not os.path.exists(marker):
        subprocess.run(["rm", "-rf", a.root], check=True)
        gen_s = generate(a.root, a.calls)
        open(marker, "w").close()
    import patter

    report = patter.MetricsStore(500).hydrate_report(a.root)
    # Warm.
    run_ref(a.root)
    run_patter(a.root)
    warm = {"patter": [], "reference": []}
    ids_p = ids_r = None
    for r in range(a.rounds):
        order = [("patter", run_patter), ("reference", run_ref)]
        if r % 2:
            order.reverse()
        for name, fn in order:
            dt, _, ids = fn(a.root)
            warm[name].append(dt * 1000)
            if name == "patter":
                ids_p = ids
            else:
                ids_r = ids
    cold = {"patter": [], "reference": []}
    cold_ok = True
    for r in range(a.cold_rounds):
        for name, fn in ([("patter", run_patter), ("reference", run_ref)] if r % 2 == 0
                         else [("reference", run_ref), ("patter", run_patter)]):
            if not drop_caches():
                cold_ok = False
                break
            dt, _, _ = fn(a.root)
            cold[name].append(dt * 1000)
    res = {
        "differing": differing(a.root, ids_p or set(), ids_r or set()),
        "calls": a.calls,
        "rounds": a.rounds,
        "cold_rounds": a.cold_rounds if cold_ok else 0,
        "generation_s": gen_s,
        "same_ids": ids_p == ids_r,
        "kept": {"patter": len(ids_p or ()), "reference": len(ids_r or ())},
        "patter_report": report,
        "warm_ms": {k: spread(v) for k, v in warm.items()},
        "warm_ratio": spread([r / p for p, r in zip(warm["patter"], warm["reference"])]),
    }
    if cold_ok and cold["patter"]:
        res["cold_ms"] = {k: spread(v) for k, v in cold.items()}
        res["cold_ratio"] = spread([r / p for p, r in zip(cold["patter"], cold["reference"])])
    else:
        res["cold_ms"] = None
    print(f"hydrate {a.calls} calls (reference layout): warm patter {res['warm_ms']['patter']['median']:.1f} ms, "
          f"reference {res['warm_ms']['reference']['median']:.1f} ms; "
          + (f"cold patter {res['cold_ms']['patter']['median']:.0f} ms, reference {res['cold_ms']['reference']['median']:.0f} ms; "
             if res["cold_ms"] else "cold not measured (drop_caches needs root); ")
          + f"same 500 ids: {res['same_ids']}")
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
