"""CallLogger (persist semantics), the call record on disk, MetricsStore (live + hydrate) and
pricing overrides, through the Python API."""

import json
import os
import stat
from pathlib import Path

import pytest

import patter
import sim
from conftest import last_json, run_py
from patter.dashboard.store import MetricsStore
from patter.services.call_log import CallLogger

REQ = dict(direction="inbound", provider_mode="pipeline")


def call_dir(root: Path, call_id: str) -> Path:
    found = [p for p in (root / "calls").glob("*/*/*/*") if p.is_dir()]
    matches = [p for p in found if json.loads((p / "metadata.json").read_text())["call_id"] == call_id]
    assert len(matches) == 1, found
    return matches[0]


def read_jsonl(path: Path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_persist_semantics(tmp_path, monkeypatch):
    monkeypatch.delenv("PATTER_LOG_DIR", raising=False)
    assert CallLogger().enabled is False and CallLogger().root is None
    assert CallLogger(None).enabled is False
    monkeypatch.setenv("PATTER_LOG_DIR", str(tmp_path / "from-env"))
    assert CallLogger().root == str(tmp_path / "from-env")
    assert CallLogger(False).enabled is False  # force-off even with the env var set
    assert CallLogger(str(tmp_path / "explicit")).root == str(tmp_path / "explicit")  # explicit beats env
    assert CallLogger(tmp_path / "pathlike").root == str(tmp_path / "pathlike")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert CallLogger(True).root == str(tmp_path / "xdg" / "patter")
    assert CallLogger("~/logs").root == str(tmp_path / "home" / "logs")
    with pytest.raises(patter.ConfigError) as info:
        CallLogger("")
    assert info.value.key == "persist"
    for bad in (1, 2.5, b"/tmp", ["x"]):
        with pytest.raises(TypeError):
            CallLogger(bad)
    assert not (tmp_path / "explicit").exists()  # nothing is created before a call starts


def test_a_full_call_is_written_to_disk(tmp_path):
    logger = CallLogger(tmp_path)
    end = sim.run_call("CA-disk", logger=logger, clock=patter.ManualClock(1_776_967_332_413))
    assert logger.flush(timeout_ms=10_000) is True
    assert logger.stats()["errors"] == 0 and logger.stats()["dropped"] == 0
    d = call_dir(tmp_path, "CA-disk")
    assert d.relative_to(tmp_path).parts[:4] == ("calls", "2026", "04", "23")
    meta = json.loads((d / "metadata.json").read_text())
    assert meta["status"] == "completed" and meta["turns"] == 3 and meta["schema_version"] == "1.0"
    assert meta["caller"] == "***0123" and meta["callee"] == "***0100"  # masked by default
    assert meta["started_at"] == "2026-04-23T18:02:12.413Z"
    assert meta["duration_ms"] == end["duration_ms"] and meta["cost"] == end["cost"]
    transcript = read_jsonl(d / "transcript.jsonl")
    assert [(t["turn_index"], t["role"]) for t in transcript] == [
        (1, "user"), (1, "assistant"), (2, "user"), (2, "assistant"), (3, "user"), (3, "assistant")]
    assert transcript[0]["text"] == sim.USER[0]
    assert transcript[1]["text"] == " ".join(sim.AGENT[0])
    assert transcript[3]["interrupted"] is True
    assert transcript[1]["latency"]["ttfb_ms"] == 740.0
    kinds = [e["type"] for e in read_jsonl(d / "events.jsonl")]
    assert kinds == ["tool_call", "tool_result", "barge_in"]
    # transcripts are PII: owner-only files and directories
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(d / "transcript.jsonl").st_mode) == 0o600


def test_hostile_call_id_stays_inside_the_root(tmp_path):
    logger = CallLogger(tmp_path / "root")
    with patter.Call("../../../escape", logger=logger, **REQ) as call:
        call.event("note", {"x": 1})
    logger.flush()
    assert not (tmp_path / "escape").exists()
    d = call_dir(tmp_path / "root", "../../../escape")
    assert (tmp_path / "root") in d.parents


def test_metrics_store_live_and_hydrated(tmp_path):
    logger, store = CallLogger(tmp_path), MetricsStore(capacity=10)
    live = patter.Call("CA-live", logger=logger, store=store, caller="+15555550123", **REQ)
    with live.stt("deepgram") as s:
        s.transcript("hello there", 0.9, 1.0)
    active = store.get_active_calls()
    assert [c["call_id"] for c in active] == ["CA-live"] and active[0]["status"] == "in_progress"
    live.end()
    for i in range(3):
        sim.run_call(f"CA-store-{i}", logger=logger, store=store)
    assert len(store) == 4 and store.capacity == 10
    assert [c["call_id"] for c in store.get_calls(limit=2)] == ["CA-store-2", "CA-store-1"]
    assert [c["call_id"] for c in store.get_calls(limit=10, offset=3)] == ["CA-live"]
    rec = store.get_call("CA-live")
    assert rec["caller"] == "***0123" and rec["transcript"][0]["text"] == "hello there"
    assert store.get_call("nope") is None
    agg = store.get_aggregates()
    assert agg["total_calls"] == 4 and agg["completed"] == 4 and agg["active_calls"] == 0
    logger.flush()

    fresh = MetricsStore()
    assert fresh.hydrate(tmp_path) == 4
    assert fresh.hydrate(str(tmp_path)) == 0  # idempotent
    assert {c["call_id"] for c in fresh.get_calls()} == {"CA-live", "CA-store-0", "CA-store-1", "CA-store-2"}
    assert all(c["source"] == "disk" for c in fresh.get_calls())
    assert fresh.get_call("CA-store-1")["transcript"] == store.get_call("CA-store-1")["transcript"]
    assert fresh.get_aggregates()["total_cost"] == pytest.approx(agg["total_cost"])


def test_hydrate_tolerates_garbage(tmp_path):
    bad = tmp_path / "calls" / "2026" / "04" / "23" / "broken"
    bad.mkdir(parents=True)
    (bad / "metadata.json").write_text("{not json")
    store = MetricsStore()
    report = store.hydrate_report(tmp_path)
    assert report["loaded"] == 0 and report["corrupt"] == 1
    assert store.hydrate(tmp_path / "does-not-exist") == 0
    with pytest.raises(TypeError):
        store.hydrate(None)


def test_store_argument_errors():
    with pytest.raises(patter.InvalidArgumentError, match="capacity"):
        MetricsStore(0)
    with pytest.raises(patter.InvalidArgumentError, match="redact_phone"):
        MetricsStore(redact_phone="rot13")
    with pytest.raises(TypeError):
        MetricsStore("500")
    store = MetricsStore(redact_phone="hash_only", hash_key="secret")
    with patter.Call("CA-hash", store=store, caller="+15555550123", **REQ):
        pass
    assert store.get_call("CA-hash")["caller"].startswith("hmac-sha256:")
    with pytest.raises(TypeError):
        patter.Call("CA-bad-store", store=object(), **REQ)


def test_pricing_overrides_reach_the_cost():
    pricing = patter.Pricing({"tts": {"acme": 0.02}, "llm": {"mistral": {"input": 1.0, "output": 2.0}}})
    with patter.Call("CA-price", pricing=pricing, **REQ) as call:
        with call.tts("acme", "x" * 1000):
            pass
        with call.llm("mistral", "mistral-small") as llm:
            llm.usage(1_000_000, 500_000)
    cost = call.ended()["cost"]
    assert cost["tts"] == pytest.approx(0.02) and cost["llm"] == pytest.approx(2.0)
    assert call.ended()["unpriced"] == []
    with patter.Call("CA-unpriced", **REQ) as other:
        with other.tts("acme", "hello"):
            pass
    assert other.ended()["unpriced"] == ["tts:acme"]
    table = patter.Pricing.defaults().to_dict()
    assert {"telephony", "stt", "tts", "llm", "realtime"} <= set(table)
    with pytest.raises(patter.PatterError):
        patter.Pricing({"nonsense": {}})
    with pytest.raises(TypeError):
        patter.Pricing([("tts", 1)])
    with pytest.raises(patter.StorageError):
        patter.Pricing(file="/nonexistent/pricing.json")


def test_env_persistence_and_exit_flush_in_a_fresh_process(tmp_path, receiver):
    # PATTER_LOG_DIR + tracing, no explicit flush or shutdown: both reach their destination.
    run_py(
        """
        import sim
        from patter.observability import init_tracing
        assert init_tracing()
        sim.run_call("CA-env-disk")
        """,
        env={"PATTER_LOG_DIR": str(tmp_path), "PATTER_OTEL_ENABLED": "1",
             "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "PATTER_OTEL_BATCH_DELAY_MS": "60000"},
    )
    d = call_dir(tmp_path, "CA-env-disk")
    meta = json.loads((d / "metadata.json").read_text())
    assert meta["status"] == "completed" and len(meta["trace_id"]) == 32
    assert len(read_jsonl(d / "transcript.jsonl")) == 6
    spans = receiver.wait_for_spans(sim.SPANS_PER_CALL)
    assert len(spans) == sim.SPANS_PER_CALL
    assert {s["trace_id"] for s in spans} == {meta["trace_id"]}


def test_hydrate_releases_the_gil(tmp_path):
    proc = run_py(
        f"""
        import json, threading, time
        import patter, sim
        logger = patter.CallLogger({str(tmp_path)!r})
        for i in range(60):
            sim.run_call(f"CA-h-{{i}}", logger=logger)
        logger.flush()
        ticks, stop = [], threading.Event()
        def tick():
            while not stop.is_set():
                ticks.append(time.perf_counter())
        t = threading.Thread(target=tick); t.start()
        time.sleep(0.05)
        spans, n = [], 0
        for _ in range(20):
            t0 = time.perf_counter()
            n += patter.MetricsStore().hydrate({str(tmp_path)!r})
            spans.append((t0, time.perf_counter()))
        stop.set(); t.join()
        # Ticks stamped while a hydrate() was running: impossible if it held the GIL.
        inside = sum(1 for x in ticks if any(a < x < b for a, b in spans))
        print(json.dumps({{"n": n, "inside": inside}}))
        """
    )
    out = last_json(proc)
    assert out["n"] == 20 * 60
    assert out["inside"] > 0
