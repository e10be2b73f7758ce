"""Whole calls from Python exported over OTLP/HTTP to a real receiver (decoding with the
official opentelemetry-proto), each in a fresh interpreter: tracing state is process-global."""

import json
import time

from conftest import last_json, run_py
import sim

EXPECTED_TYPES = {
    "getpatter.call": {"getpatter.call.id": "string", "getpatter.call.direction": "string",
                       "getpatter.call.provider_mode": "string", "getpatter.call.status": "string",
                       "patter.cost.telephony_minutes": "double", "patter.telephony": "string",
                       "patter.direction": "string", "patter.call_id": "string", "patter.side": "string"},
    "getpatter.turn": {"getpatter.turn.number": "int", "getpatter.turn.interrupted": "bool",
                       "patter.latency.ttfb_ms": "double", "patter.latency.turn_ms": "double"},
    "getpatter.stt": {"getpatter.stt.text_len": "int", "getpatter.stt.confidence": "double",
                      "patter.cost.stt_seconds": "double", "patter.stt.provider": "string"},
    "getpatter.endpoint": {"getpatter.endpoint.silence_ms": "double"},
    "getpatter.llm": {"getpatter.llm.iteration": "int", "getpatter.llm.history_size": "int",
                      "getpatter.llm.ttft_ms": "double", "patter.cost.llm_input_tokens": "int",
                      "patter.cost.llm_output_tokens": "int", "patter.llm.provider": "string",
                      "gen_ai.request.model": "string"},
    "getpatter.tts": {"getpatter.tts.text_len": "int", "patter.cost.tts_chars": "int", "patter.tts.provider": "string"},
    "getpatter.bargein": {"getpatter.bargein.cancelled_text_len": "int"},
    "getpatter.tool": {"getpatter.tool.name": "string", "getpatter.tool.transport": "string"},
}


def test_full_call_reaches_the_receiver(receiver):
    proc = run_py(
        """
        import json, sim
        from patter.observability import init_tracing, shutdown_tracing, tracing_stats
        assert init_tracing(service_name="py-e2e", resource_attributes={"deployment.environment": "test"})
        ends = [sim.run_call("CA-e2e-1"), sim.run_call("CA-e2e-2")]
        shutdown_tracing()
        print(json.dumps({"stats": tracing_stats(), "ends": ends}))
        """,
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
             "OTEL_EXPORTER_OTLP_HEADERS": "x-team=voice"},
    )
    out = last_json(proc)
    total = 2 * sim.SPANS_PER_CALL
    assert out["stats"]["exported"] == total and out["stats"]["dropped"] == 0 and out["stats"]["failed"] == 0
    spans = receiver.wait_for_spans(total)
    assert len(spans) == total and receiver.errors == []
    assert all(r["path"] == "/v1/traces" and r["headers"]["x-team"] == "voice" for r in receiver.requests)
    by_id = {s["span_id"]: s for s in spans}
    for s in spans:
        assert s["resource"]["service.name"] == ("string", "py-e2e")
        assert s["resource"]["deployment.environment"] == ("string", "test")
        assert s["scope"] == "getpatter"
        for key, typ in EXPECTED_TYPES[s["name"]].items():
            assert s["attributes"][key][0] == typ, (s["name"], key, s["attributes"].get(key))
        assert s["attributes"]["getpatter.call.id"][0] == "string"
        if s["name"] != "getpatter.call":
            assert by_id[s["parent_span_id"]]["trace_id"] == s["trace_id"]
        for _, value in s["attributes"].values():
            for secret in sim.SECRETS:
                assert secret not in str(value)
    assert sorted(s["attributes"]["getpatter.call.id"][1] for s in spans if s["name"] == "getpatter.call") == [
        "CA-e2e-1", "CA-e2e-2"]
    assert [e["status"] for e in out["ends"]] == ["completed", "completed"]


def test_unflushed_spans_are_sent_at_interpreter_exit(receiver):
    # Ends spans and exits without shutdown_tracing(): the atexit hook flushes them.
    proc = run_py(
        """
        import patter
        from patter.observability import init_tracing
        assert init_tracing()
        call = patter.Call("CA-atexit", direction="inbound", provider_mode="pipeline")
        for i in range(50):
            with call.llm("openai") as llm:
                llm.usage(i, 1)
        call.end()
        print("exiting")
        """,
        # A long batch delay: without the exit hook nothing would be sent before the exit.
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
             "PATTER_OTEL_BATCH_DELAY_MS": "60000"},
    )
    assert proc.stdout.strip() == "exiting"
    spans = receiver.wait_for_spans(52, timeout=5)
    assert len(spans) == 52  # call + turn + 50 llm spans
    assert sorted(s["attributes"]["patter.cost.llm_input_tokens"][1] for s in spans if s["name"] == "getpatter.llm") == list(range(50))


def test_python_exporter_and_side_at_exit(tmp_path):
    # A Python exporter attached with a side (no init_tracing, no PATTER_OTEL_ENABLED) gets
    # every span, even those still queued when the interpreter exits.
    out = tmp_path / "spans.jsonl"
    run_py(
        f"""
        import json, patter, otlp_spans
        from patter.observability import attach_span_exporter

        class FileExporter:
            def export(self, batch):
                with open({str(out)!r}, "a") as fh:
                    for s in otlp_spans.flatten(batch):
                        fh.write(json.dumps(s.to_dict()) + "\\n")

        attach_span_exporter(FileExporter(), side="driver")
        with patter.Call("CA-side", direction="outbound", provider_mode="pipeline") as call:
            with patter.tts("openai_tts", "hello") as t:
                t.first_byte()
        """,
        env={"PATTER_OTEL_BATCH_DELAY_MS": "60000"},
    )
    spans = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(s["name"] for s in spans) == ["getpatter.call", "getpatter.tts", "getpatter.turn"]
    tts = next(s for s in spans if s["name"] == "getpatter.tts")
    assert tts["attributes"]["patter.side"] == "driver"


def test_dead_collector_never_blocks_calls():
    proc = run_py(
        """
        import json, time, sim
        from patter.observability import init_tracing, shutdown_tracing, tracing_stats
        init_tracing(otlp_endpoint="http://127.0.0.1:9")
        t0 = time.monotonic()
        for i in range(10):
            sim.run_call(f"CA-dead-{i}")
        calls_s = time.monotonic() - t0
        t0 = time.monotonic()
        shutdown_tracing()
        print(json.dumps({"calls_s": calls_s, "shutdown_s": time.monotonic() - t0, "stats": tracing_stats()}))
        """,
        env={"PATTER_OTEL_ENABLED": "1", "PATTER_OTEL_EXPORT_TIMEOUT_MS": "500"},
    )
    out = last_json(proc)
    assert out["calls_s"] < 2.0, out
    assert out["shutdown_s"] < 5.0, out
    assert out["stats"]["exported"] == 0


def test_disabled_by_default_sends_nothing(receiver):
    proc = run_py(
        """
        import sim
        from patter.observability import init_tracing, is_enabled
        print(init_tracing(), is_enabled())
        sim.run_call("CA-off")
        """,
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    assert proc.stdout.split() == ["False", "False"]
    time.sleep(0.3)
    assert receiver.spans() == []


def test_init_options_switch_metrics_and_call_record_logs(receiver):
    # The Python keyword arguments reach the core: logs on, metrics off, texts off.
    proc = run_py(
        """
        import json, sim
        from patter.observability import init_tracing, shutdown_tracing, tracing_stats
        assert init_tracing(service_name="py-logs", otel_logs=True, metrics=False)
        assert tracing_stats()["telemetry"]["logs_enabled"] is True
        sim.run_call("CA-py-logs")
        shutdown_tracing()
        print(json.dumps(tracing_stats()))
        """,
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    tel = last_json(proc)["telemetry"]
    assert tel["log_records_emitted"] > 0 and tel["log_records_exported"] == tel["log_records_emitted"], tel
    assert tel["metric_exports"] == 0
    logs = receiver.wait_for("logs", tel["log_records_exported"])
    assert {"patter.call.start", "patter.call.end", "patter.transcript"} <= {r["event_name"] for r in logs}
    assert all(r["attributes"]["gen_ai.conversation.id"] == ("string", "CA-py-logs") for r in logs)
    assert all(r["body"] is None for r in logs)
    dump = json.dumps(logs)
    for secret in sim.SECRETS + ["+15555550123"]:
        assert secret not in dump
    assert receiver.metric_requests == []


def test_log_texts_option_and_metrics_on_with_tracing(receiver):
    proc = run_py(
        """
        import json, sim
        from patter.observability import init_tracing, shutdown_tracing, tracing_stats
        assert init_tracing(service_name="py-texts", otel_logs=True, otel_log_texts=True)
        sim.run_call("CA-py-texts")
        shutdown_tracing()
        print(json.dumps(tracing_stats()))
        """,
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    tel = last_json(proc)["telemetry"]
    assert tel["metric_exports"] == 1, tel
    logs = receiver.wait_for("logs", tel["log_records_exported"])
    bodies = [r["body"] for r in logs if r["event_name"] == "patter.transcript"]
    assert sim.USER[0] in bodies
    metrics = receiver.wait_for("metrics", 1)
    calls = [p for m in metrics if m["name"] == "patter.calls" for p in m["points"]]
    assert [p["value"] for p in calls] == [1]
