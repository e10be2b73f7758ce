"""patter.observability: the documented names, host exporters, record_patter_attrs, and the GIL
released around anything that waits."""

import subprocess
import sys
import textwrap
import threading
import time

import pytest

import otlp_spans
import patter
from conftest import clean_env
from patter.observability import (
    attach_span_exporter,
    decode_spans,
    diagnostics_stats,
    flush_diagnostics,
    detach_span_exporter,
    force_flush,
    init_tracing,
    is_enabled,
    is_recording,
    record_patter_attrs,
    tracing_stats,
)

REQ = dict(direction="inbound", provider_mode="pipeline")


def test_init_tracing_is_off_without_the_flag():
    # The suite runs with PATTER_OTEL_ENABLED unset (see clean environments in conftest).
    assert init_tracing(service_name="x", otlp_endpoint="http://127.0.0.1:9") is False
    assert is_enabled() is False


def test_without_exporters_spans_are_no_ops():
    assert is_recording() is False
    with patter.Call("CA-noop", **REQ) as call:
        assert call.is_recording is False and call.trace_id is None
        with call.llm("openai") as llm:
            llm.usage(1, 1)
    assert call.ended()["usage"]["llm_input_tokens"] == 1  # cost and usage still work


def test_attach_is_idempotent_and_callables_work():
    got = []

    def fn(batch):
        got.extend(otlp_spans.flatten(batch))

    assert attach_span_exporter(fn) is True
    assert attach_span_exporter(fn) is False
    assert is_recording()
    try:
        with patter.Call("CA-callable", **REQ) as call:
            assert call.is_recording and len(call.trace_id) == 32
        assert force_flush(10_000)
        assert [s.name for s in got if s.attributes["getpatter.call.id"] == "CA-callable"] == ["getpatter.call"]
    finally:
        assert detach_span_exporter(fn) is True
        assert detach_span_exporter(fn) is False
    assert not is_recording()


def test_failing_exporters_are_counted_not_raised():
    # Host exporters run on threads of their own: their failures are reported as diagnostics
    # (to the `patter` logger), never raised into a call.
    class Failing:
        def export(self, batch):
            raise RuntimeError("collector exploded")

    class Refusing:
        def export(self, batch):
            return False

    bad, refusing = Failing(), Refusing()
    attach_span_exporter(bad)
    attach_span_exporter(refusing)
    before = diagnostics_stats()["raised"]
    try:
        with patter.Call("CA-failing", **REQ):
            pass
        assert force_flush(10_000)
        mine = [s for s in tracing_stats()["sinks"] if s["failed"]]
        assert len(mine) == 2, mine
        assert any("collector exploded" in (s["last_error"] or "") for s in mine)
        assert any("returned False" in (s["last_error"] or "") for s in mine)
        assert flush_diagnostics(10_000)
        assert diagnostics_stats()["raised"] >= before + 2
    finally:
        detach_span_exporter(bad)
        detach_span_exporter(refusing)


def test_a_slow_exporter_does_not_hold_up_the_otlp_export(receiver):
    # A child process whose host exporter never returns: its spans still reach the OTLP
    # collector while the exporter is stuck (host exporters have threads of their own).
    code = textwrap.dedent(f"""
        import threading, time, patter
        from patter.observability import attach_span_exporter, init_tracing, force_flush
        def stuck(batch):
            threading.Event().wait(60)
        assert init_tracing(otlp_endpoint={receiver.endpoint!r})
        attach_span_exporter(stuck)
        for i in range(3):
            with patter.Call(f"CA-stuck-{{i}}", direction="inbound", provider_mode="pipeline"):
                pass
        force_flush(100)
        print("ready", flush=True)
        time.sleep(60)
    """)
    env = clean_env({"PATTER_OTEL_ENABLED": "1", "PATTER_OTEL_BATCH_DELAY_MS": "10"})
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        calls = receiver.wait_for_spans(3, timeout=10, where=lambda s: s["name"] == "getpatter.call")
        assert len(calls) == 3
    finally:
        child.kill()
        child.wait()


def test_decode_spans_rejects_what_is_not_a_batch():
    with pytest.raises(patter.InvalidArgumentError, match="batch"):
        decode_spans(b"\xff\xff\xff")
    assert decode_spans(b"") == {"resourceSpans": []}


def test_exporter_shutdown_is_called_on_detach(collector):
    detach_span_exporter(collector)
    assert collector.shutdowns == 1


def test_flush_releases_the_gil_while_a_python_exporter_runs():
    # The exporter needs the GIL on the export thread while the main thread waits in
    # force_flush: without releasing the GIL this would deadlock.
    ticks = []

    def slow_export(batch):
        time.sleep(0.3)

    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.005)

    attach_span_exporter(slow_export)
    t = threading.Thread(target=ticker)
    try:
        with patter.Call("CA-gil", **REQ):
            pass
        t.start()
        before = len(ticks)
        assert force_flush(10_000)
        assert len(ticks) - before > 5  # another Python thread ran meanwhile
    finally:
        stop.set()
        t.join()
        detach_span_exporter(slow_export)


def test_record_patter_attrs_routes_billable_events(collector):
    with pytest.raises(patter.StateError):
        record_patter_attrs({"patter.cost.stt_seconds": 1.0, "patter.stt.provider": "deepgram"})
    with patter.Call("CA-attrs", **REQ) as call:
        record_patter_attrs({"patter.cost.stt_seconds": 2.5, "patter.stt.provider": "deepgram",
                             "patter.call_id": "CA-attrs", "patter.side": "uut"})
        record_patter_attrs({"patter.cost.llm_input_tokens": 100, "patter.cost.llm_output_tokens": 7,
                             "patter.llm.provider": "openai"})
        for bad, match in [
            ({"patter.cost.tts_chars": 3, "patter.tts.provider": "openai_tts"}, "call.tts"),
            ({"patter.cost.telephony_minutes": 1.0}, "telephony_provider"),
            ({"patter.latency.ttfb_ms": 1.0}, "latency"),
            ({"patter.cost.stt_seconds": 1.0}, "patter.stt.provider"),
            ({"custom.key": 1}, "unsupported"),
            ({}, "unsupported"),
            ({"patter.cost.stt_seconds": 1.0, "patter.stt.provider": "d", "patter.call_id": "other"}, "does not match"),
        ]:
            with pytest.raises(patter.InvalidArgumentError, match=match):
                record_patter_attrs(bad)
        with pytest.raises(TypeError):
            record_patter_attrs({"patter.cost.llm_input_tokens": "100", "patter.llm.provider": "openai"})
        with pytest.raises(TypeError):
            record_patter_attrs([("patter.cost.stt_seconds", 1.0)])
    usage = call.ended()["usage"]
    assert usage["stt_seconds"] == 2.5 and usage["llm_input_tokens"] == 100 and usage["llm_output_tokens"] == 7
    spans = {s.name: s for s in collector.of_call("CA-attrs")}
    assert spans["getpatter.stt"].attributes["patter.cost.stt_seconds"] == 2.5
    assert spans["getpatter.stt"].attributes["getpatter.stt.text_len"] == 0
    assert spans["getpatter.llm"].attributes["patter.cost.llm_output_tokens"] == 7


def test_stats_shape():
    st = tracing_stats()
    assert {"enabled", "recording", "spans_ended", "dropped", "exported", "failed", "sinks"} <= set(st)
