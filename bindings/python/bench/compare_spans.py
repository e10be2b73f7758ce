"""Benchmark (not a test), part of ``make bench-compare``: one ``getpatter.llm`` span through
patter's Python binding versus the OpenTelemetry Python SDK, with fair settings on both sides.

Both sides:
  * tracing on, the same real sink kind: OTLP/HTTP protobuf to a loopback collector
    (``collector.py``, one per side, each in its own process, counting the spans it decodes);
  * the same queue bound (65,536 spans), batch size (512) and batch delay (500 ms): patter's
    defaults, given explicitly to the SDK's ``BatchSpanProcessor``;
  * the same span: name, parent (a turn span under a call span) and attributes; the SDK uses its
    plain ``tracer.start_span`` (no context attach: patter attaches none);
  * the same timing work by the host: each side reads ``time.monotonic()`` where its API needs a
    host-measured time. The SDK side reads it twice (span start, first token: the TTFT
    attribute; the SDK reads its own clock at start and end). patter records the finished
    iteration in one call, ``call.record_llm("openai", duration_ms, "gpt-4o-mini", 3, ttft_ms,
    412, 36)`` (positional), so its host reads the clock three times (start, first token, end)
    and computes both durations in the loop. ``PATTER_BENCH_FORM=spans`` measures the span form
    instead (``with call.llm(...) as span: span.first_token(); span.usage(412, 36)``: the core
    reads its clock);
  * every round ends with a force-flush, so each side's export work is charged to its round.

Measured per round of N spans, rounds interleaved (A B, then B A): caller time (the calling
thread's CPU time over the loop, ``thread_time``, so other load on the machine does not count;
the loop's wall time is recorded too) and process CPU (``process_time`` over the loop and the flush: the export
threads included). Ratios are per round, reported as min / median / max. ``--memory SIDE`` runs
a 1M-span burst in a fresh process and reports resident memory before, right after, and 2 s
after the flush.

Writes a JSON result (``--out``); prints a short summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Callable, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
N = int(os.environ.get("PATTER_BENCH_N", "20000"))
ROUNDS = int(os.environ.get("PATTER_BENCH_ROUNDS", "9"))
# The patter side's form: "record" (one call per finished iteration, the default) or "spans".
FORM = os.environ.get("PATTER_BENCH_FORM", "record")
QUEUE, BATCH, DELAY_MS = 65536, 512, 500

os.environ["PATTER_OTEL_ENABLED"] = "1"
os.environ.setdefault("PATTER_OTEL_QUEUE_SIZE", str(QUEUE))
os.environ.setdefault("PATTER_OTEL_MAX_BATCH", str(BATCH))
os.environ.setdefault("PATTER_OTEL_BATCH_DELAY_MS", str(DELAY_MS))


class Collector:
    """A collector process on a loopback port."""

    def __init__(self) -> None:
        fd, self.port_file = tempfile.mkstemp(prefix="patter-bench-port-")
        os.close(fd)
        os.unlink(self.port_file)
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "collector.py"), self.port_file])
        deadline = time.time() + 20
        while not os.path.exists(self.port_file) or not open(self.port_file).read():
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("bench: the collector did not start")
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def spans(self) -> int:
        with urllib.request.urlopen(f"{self.endpoint}/count", timeout=10) as r:
            return json.loads(r.read())["spans"]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        os.unlink(self.port_file)


ATTRS = {
    "getpatter.call.id": "CA-bench",
    "gen_ai.conversation.id": "CA-bench",
    "openinference.span.kind": "LLM",
    "patter.call_id": "CA-bench",
    "patter.side": "uut",
    "getpatter.llm.history_size": 3,
    "patter.llm.provider": "openai",
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
}


def patter_side(endpoint: str):
    import patter
    from patter.observability import force_flush, init_tracing, tracing_stats

    if not init_tracing(service_name="bench", otlp_endpoint=endpoint):
        raise SystemExit("bench: patter init_tracing returned False")
    call = patter.Call("CA-bench", direction="inbound", provider_mode="pipeline")
    call.start_turn()

    def run_spans(n: int) -> None:
        llm = call.llm
        for _ in range(n):
            with llm("openai", "gpt-4o-mini", 3) as span:
                span.first_token()
                span.usage(412, 36)

    def run_record(n: int) -> None:
        record_llm, now = call.record_llm, time.monotonic
        for _ in range(n):
            t0 = now()
            t_first = now()  # the first token
            t_end = now()  # the last token
            record_llm("openai", (t_end - t0) * 1000, "gpt-4o-mini", 3, (t_first - t0) * 1000, 412, 36)

    run = {"record": run_record, "spans": run_spans}[FORM]

    def flush() -> None:
        if not force_flush():
            raise SystemExit("bench: patter force_flush timed out")

    def dropped() -> int:
        return tracing_stats()["dropped"]

    return run, flush, dropped


def otel_side(endpoint: str):
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"), max_queue_size=QUEUE,
                           max_export_batch_size=BATCH, schedule_delay_millis=DELAY_MS)
    )
    tracer = provider.get_tracer("getpatter")
    call_span = tracer.start_span("getpatter.call", attributes={"getpatter.call.id": "CA-bench"})
    turn = tracer.start_span("getpatter.turn", context=trace.set_span_in_context(call_span),
                             attributes={"getpatter.call.id": "CA-bench", "getpatter.turn.number": 1})
    turn_ctx = trace.set_span_in_context(turn)
    it = [0]

    def run(n: int) -> None:
        start_span = tracer.start_span
        for _ in range(n):
            it[0] += 1
            t0 = time.monotonic()
            span = start_span("getpatter.llm", context=turn_ctx, attributes=ATTRS)
            span.set_attribute("getpatter.llm.iteration", it[0])
            span.set_attribute("getpatter.llm.ttft_ms", round((time.monotonic() - t0) * 1000, 1))
            span.set_attributes({
                "patter.cost.llm_input_tokens": 412,
                "patter.cost.llm_output_tokens": 36,
                "gen_ai.usage.input_tokens": 412,
                "gen_ai.usage.output_tokens": 36,
                "patter.cost.usd": 0.000083,
            })
            span.end()

    def flush() -> None:
        if not provider.force_flush(30_000):
            raise SystemExit("bench: SDK force_flush timed out")

    return run, flush, provider


def one_round(run: Callable[[int], None], flush: Callable[[], None], n: int) -> Dict[str, float]:
    c0 = time.process_time()
    w0 = time.perf_counter()
    t0 = time.thread_time()
    run(n)
    caller = time.thread_time() - t0
    wall = time.perf_counter() - w0
    flush()
    cpu = time.process_time() - c0
    return {"caller_us": caller / n * 1e6, "caller_wall_us": wall / n * 1e6, "cpu_us": cpu / n * 1e6}


def spread(xs: List[float]) -> Dict[str, float]:
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def compare() -> dict:
    col_p, col_o = Collector(), Collector()
    try:
        p_run, p_flush, p_dropped = patter_side(col_p.endpoint)
        o_run, o_flush, provider = otel_side(col_o.endpoint)
        # Warm-up (imports, allocator, connections), not counted.
        one_round(p_run, p_flush, 2000)
        one_round(o_run, o_flush, 2000)
        base_p, base_o = col_p.spans(), col_o.spans()
        rounds = []
        for r in range(ROUNDS):
            order = [("patter", p_run, p_flush), ("otel", o_run, o_flush)]
            if r % 2:
                order.reverse()
            res = {name: one_round(run, flush, N) for name, run, flush in order}
            rounds.append(res)
        delivered_p, delivered_o = col_p.spans() - base_p, col_o.spans() - base_o
        provider.shutdown()
        out = {
            "n_per_round": N,
            "rounds": ROUNDS,
            "patter_form": FORM,
            "patter": {k: [r["patter"][k] for r in rounds] for k in ("caller_us", "caller_wall_us", "cpu_us")},
            "otel": {k: [r["otel"][k] for r in rounds] for k in ("caller_us", "caller_wall_us", "cpu_us")},
            "ratio_caller": spread([r["otel"]["caller_us"] / r["patter"]["caller_us"] for r in rounds]),
            "ratio_cpu": spread([r["otel"]["cpu_us"] / r["patter"]["cpu_us"] for r in rounds]),
            "delivered": {"patter": delivered_p, "otel": delivered_o, "expected": N * ROUNDS},
            "patter_dropped": p_dropped(),
        }
        return out
    finally:
        col_p.close()
        col_o.close()


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory(side: str, n: int) -> dict:
    import logging

    logging.disable(logging.WARNING)  # the SDK logs one line per dropped span
    col = Collector()
    try:
        if side == "patter":
            run, flush, _ = patter_side(col.endpoint)
        else:
            run, flush, _ = otel_side(col.endpoint)
        run(2000)
        flush()
        before = rss_kib()
        run(n)
        peak = rss_kib()
        flush()
        time.sleep(2)
        after = rss_kib()
        return {"side": side, "spans": n, "rss_before_kib": before, "rss_after_burst_kib": peak,
                "rss_after_flush_kib": after, "delivered": col.spans()}
    finally:
        col.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--memory", choices=["patter", "otel"])
    ap.add_argument("--burst", type=int, default=1_000_000)
    a = ap.parse_args()
    if a.memory:
        res = memory(a.memory, a.burst)
        print(f"memory {a.memory}: RSS {res['rss_before_kib'] // 1024} MiB -> {res['rss_after_burst_kib'] // 1024} MiB "
              f"(burst) -> {res['rss_after_flush_kib'] // 1024} MiB (flushed); delivered {res['delivered']}")
    else:
        res = compare()
        print(f"python LLM span, caller: patter {statistics.median(res['patter']['caller_us']):.2f} us, "
              f"SDK {statistics.median(res['otel']['caller_us']):.2f} us, ratio {res['ratio_caller']['median']:.1f}x "
              f"({res['ratio_caller']['min']:.1f}-{res['ratio_caller']['max']:.1f})")
        print(f"python LLM span, process CPU: patter {statistics.median(res['patter']['cpu_us']):.2f} us, "
              f"SDK {statistics.median(res['otel']['cpu_us']):.2f} us, ratio {res['ratio_cpu']['median']:.1f}x "
              f"({res['ratio_cpu']['min']:.1f}-{res['ratio_cpu']['max']:.1f})")
        print(f"delivered: {res['delivered']}")
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
