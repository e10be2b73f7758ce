"""The Rust core's OTLP metrics and call-record logs, checked by the real OTLP/HTTP receiver
(decoding with the official opentelemetry-proto definitions, not with the crates that produced
them). The scripted call is core/examples/common/sim.rs: 3 turns, 4 LLM requests (turn 1 has a
tool round), one barge-in, carrier twilio."""

import json
import os
import subprocess

from test_rust_otlp import PII, SCRIPTED, run

CALLER = "+15555550123"
CALLEE = "+15555550100"
LLM_PER_CALL = 4
TURNS_PER_CALL = 3
INPUT_TOKENS_PER_CALL = 310 + 350 + 390 + (380 + 256)  # cached input counts as input
OUTPUT_TOKENS_PER_CALL = 28 * 3 + 22
LATENCY_BOUNDS = [50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0,
                  7500.0, 10000.0]

UNITS = {
    "gen_ai.client.token.usage": ("{token}", "histogram"),
    "gen_ai.client.operation.duration": ("s", "histogram"),
    "patter.call.cost": ("USD", "sum"),
    "patter.latency.ttfb": ("ms", "histogram"),
    "patter.latency.turn": ("ms", "histogram"),
    "patter.llm.ttft": ("ms", "histogram"),
    "patter.calls": ("{call}", "sum"),
    "patter.calls.active": ("{call}", "sum"),
    "patter.pipeline.items": ("{item}", "sum"),
    "patter.pipeline.sink.spans": ("{span}", "sum"),
}


def points(metrics, name):
    return [p for m in metrics if m["name"] == name for p in m["points"]]


def attrs(p):
    return {k: v for k, (_, v) in p["attributes"].items()}


def no_pii_or_ids(metrics):
    for m in metrics:
        for p in m["points"]:
            for key, (_, value) in p["attributes"].items():
                assert "call_id" not in key and not key.endswith(".id"), (m["name"], key)
                text = str(value)
                assert "CA-scripted" not in text, (m["name"], key, text)
                assert "5555550" not in text, (m["name"], key, text)
                for secret in PII:
                    assert secret not in text, (m["name"], key, text)


def test_metrics_of_scripted_calls_reach_a_real_receiver(receiver):
    summary = run(receiver.endpoint, calls=2, extra_env={"OTEL_EXPORTER_OTLP_HEADERS": "x-team=voice"})
    assert summary["stats"]["telemetry"]["metrics_enabled"] is False  # after shutdown
    assert summary["stats"]["telemetry"]["metric_exports"] >= 1, summary["stats"]
    metrics = receiver.wait_for("metrics", len(UNITS) - 1)
    assert receiver.errors == []
    assert all(r["path"] == "/v1/metrics" and r["headers"]["x-team"] == "voice" for r in receiver.metric_requests)
    # The default interval is 60 s: the one export is the final one, at shutdown.
    assert len(receiver.metric_requests) == 1
    names = {m["name"] for m in metrics}
    assert names >= set(UNITS) - {"patter.pipeline.sink.spans"}, names
    for m in metrics:
        unit, kind = UNITS[m["name"]]
        assert (m["unit"], m["type"]) == (unit, kind), m["name"]
        assert m["description"]
        assert m["resource"]["service.name"] == ("string", "scripted-call")
        assert m["resource"]["deployment.environment"] == ("string", "test")
        assert m["scope"] == "getpatter"
        assert m["temporality"] == 2  # cumulative by default
        for p in m["points"]:
            assert p["time"] >= p["start"] > 0
    no_pii_or_ids(metrics)

    tokens = points(metrics, "gen_ai.client.token.usage")
    by_type = {attrs(p)["gen_ai.token.type"]: p for p in tokens}
    assert set(by_type) == {"input", "output"}
    for p in tokens:
        assert attrs(p) | {"gen_ai.token.type": None} == {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini", "gen_ai.token.type": None}
        assert p["count"] == 2 * LLM_PER_CALL and sum(p["bucket_counts"]) == p["count"]
    assert by_type["input"]["sum"] == 2 * INPUT_TOKENS_PER_CALL
    assert by_type["output"]["sum"] == 2 * OUTPUT_TOKENS_PER_CALL
    assert by_type["input"]["min"] == 310 and by_type["input"]["max"] == 636

    [duration] = points(metrics, "gen_ai.client.operation.duration")
    assert duration["count"] == 2 * LLM_PER_CALL
    [ttft] = points(metrics, "patter.llm.ttft")
    assert ttft["count"] == 2 * LLM_PER_CALL and ttft["explicit_bounds"] == LATENCY_BOUNDS
    for name in ("patter.latency.turn", "patter.latency.ttfb"):
        [p] = points(metrics, name)
        assert attrs(p) == {"patter.call.direction": "inbound", "patter.call.provider_mode": "pipeline"}
        assert p["count"] == 2 * TURNS_PER_CALL, name
        assert p["explicit_bounds"] == LATENCY_BOUNDS and len(p["bucket_counts"]) == len(LATENCY_BOUNDS) + 1

    [calls] = points(metrics, "patter.calls")
    assert attrs(calls) == {"patter.call.direction": "inbound", "patter.call.provider_mode": "pipeline",
                            "patter.call.outcome": "completed"}
    assert calls["value"] == 2
    [active] = points(metrics, "patter.calls.active")
    assert active["value"] == 0
    assert [m["monotonic"] for m in metrics if m["name"] == "patter.calls.active"] == [False]

    cost = {(attrs(p)["patter.cost.category"], attrs(p)["patter.provider"], attrs(p).get("patter.model")): p["value"]
            for p in points(metrics, "patter.call.cost")}
    assert set(cost) == {("telephony", "twilio", None), ("stt", "deepgram", "nova-3"),
                         ("tts", "elevenlabs", "eleven_flash_v2_5"), ("llm", "openai", "gpt-4o-mini")}, cost
    # Without pauses the call lasts ~0 s, so the carrier's minutes cost nothing; the services do.
    assert all(v > 0 for k, v in cost.items() if k[0] != "telephony") and cost[("telephony", "twilio", None)] >= 0

    items = {(attrs(p)["patter.pipeline"], attrs(p)["patter.pipeline.outcome"]) for p in
             points(metrics, "patter.pipeline.items")}
    assert {("spans", "exported"), ("spans", "dropped"), ("call_records", "dropped")} <= items
    assert not any(pipeline == "log_records" for pipeline, _ in items), "logs are off"


def test_metrics_exporter_none_sends_no_metrics(receiver):
    summary = run(receiver.endpoint, calls=1, extra_env={"OTEL_METRICS_EXPORTER": "none"})
    assert receiver.wait_for_spans(22)
    assert summary["stats"]["telemetry"]["metric_exports"] == 0
    assert receiver.metric_requests == [] and receiver.log_requests == []


def test_delta_temporality_and_export_interval(receiver):
    # Time scale 0.3: the call lasts about a second, so several 100 ms exports happen during it.
    summary = run(receiver.endpoint, calls=1, extra_env={
        "OTEL_METRIC_EXPORT_INTERVAL": "100", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
    }, scale=0.3)
    assert summary["stats"]["telemetry"]["metric_exports"] >= 3, summary["stats"]["telemetry"]
    metrics = receiver.metrics()
    assert len(receiver.metric_requests) >= 3
    for m in metrics:
        want = 2 if m["name"] == "patter.calls.active" else 1
        assert m["temporality"] == want, m["name"]
    # Delta points add up to the call's totals, each measurement in exactly one export.
    assert sum(p["count"] for p in points(metrics, "patter.llm.ttft")) == LLM_PER_CALL
    assert sum(p["count"] for p in points(metrics, "patter.latency.turn")) == TURNS_PER_CALL
    assert sum(p["value"] for p in points(metrics, "patter.calls")) == 1
    tokens = [p for p in points(metrics, "gen_ai.client.token.usage") if attrs(p)["gen_ai.token.type"] == "input"]
    assert sum(p["sum"] for p in tokens) == INPUT_TOKENS_PER_CALL
    # The up-down counter stays cumulative: 1 while the call is live, 0 at the end.
    active = [p["value"] for p in points(metrics, "patter.calls.active")]
    assert active[-1] == 0 and 1 in active, active


def log_records(receiver, n):
    return receiver.wait_for("logs", n)


def test_logs_are_off_by_default(receiver):
    summary = run(receiver.endpoint, calls=1)
    assert receiver.wait_for_spans(22)
    assert summary["stats"]["telemetry"]["logs_enabled"] is False
    assert summary["stats"]["telemetry"]["log_records_emitted"] == 0
    assert receiver.log_requests == []


def test_call_records_as_logs_without_texts(receiver):
    summary = run(receiver.endpoint, calls=2, extra_env={"PATTER_OTEL_LOGS": "1"})
    per_call = 2 + 6 + 3  # start + end, 6 transcript lines, tool_call + tool_result + barge_in
    logs = log_records(receiver, 2 * per_call)
    assert len(logs) == 2 * per_call, [r["event_name"] for r in logs]
    tel = summary["stats"]["telemetry"]
    assert tel["log_records_emitted"] == tel["log_records_exported"] == 2 * per_call, tel
    assert all(r["path"] == "/v1/logs" for r in receiver.log_requests)
    spans = receiver.wait_for_spans(44)
    span_ids = {s["span_id"]: s for s in spans}
    for r in logs:
        assert r["resource"]["service.name"] == ("string", "scripted-call")
        assert r["scope"] == "getpatter"
        call_id = r["attributes"]["gen_ai.conversation.id"][1]
        assert call_id in ("CA-scripted-0000", "CA-scripted-0001")
        assert r["trace_id"] == summary["trace_ids"][int(call_id[-1])]
        span = span_ids[r["span_id"]]
        assert span["trace_id"] == r["trace_id"]
        assert span["name"] == ("getpatter.turn" if r["event_name"] == "patter.transcript" else "getpatter.call")
        assert r["flags"] == 1 and r["time"] > 0 and r["severity_text"] == "INFO"
        assert r["body"] is None, r
        dump = json.dumps(r)
        for secret in PII + [CALLER, CALLEE, "5550123"]:
            assert secret not in dump, (secret, r)
    names = sorted(r["event_name"] for r in logs if r["attributes"]["gen_ai.conversation.id"][1] == "CA-scripted-0000")
    assert names == sorted(["patter.call.start", "patter.call.end", "patter.event.tool_call",
                            "patter.event.tool_result", "patter.event.barge_in"] + ["patter.transcript"] * 6)
    start = next(r for r in logs if r["event_name"] == "patter.call.start")
    assert start["attributes"]["patter.caller"] == ("string", "***0123")
    assert start["attributes"]["patter.callee"] == ("string", "***0100")
    end = next(r for r in logs if r["event_name"] == "patter.call.end")
    assert end["attributes"]["patter.call.outcome"] == ("string", "completed")
    assert end["attributes"]["patter.call.turns"] == ("int", 3)
    tool = next(r for r in logs if r["event_name"] == "patter.event.tool_call")
    assert tool["attributes"]["patter.event.name"] == ("string", "lookup_balance")
    assert "patter.event.arguments" not in tool["attributes"]
    users = [r for r in logs if r["event_name"] == "patter.transcript" and r["attributes"]["patter.role"][1] == "user"]
    assert len(users) == 6 and all(r["attributes"]["patter.text_len"][1] > 0 for r in users)


def test_log_texts_and_hashed_numbers_when_asked(receiver):
    run(receiver.endpoint, calls=1, extra_env={
        "PATTER_OTEL_LOGS": "1", "PATTER_OTEL_LOG_TEXTS": "1",
        "PATTER_LOG_REDACT_PHONE": "hash_only", "PATTER_LOG_HASH_KEY": "k3y",
    })
    logs = log_records(receiver, 11)
    bodies = " ".join(r["body"] or "" for r in logs)
    assert "balance on account 4111-2222" in bodies
    assert "4111-2222" in next(r["body"] for r in logs if r["event_name"] == "patter.event.tool_call")
    start = next(r for r in logs if r["event_name"] == "patter.call.start")
    assert start["attributes"]["patter.caller"][1].startswith("hmac-sha256:")
    assert CALLER not in json.dumps(logs)


def test_dead_collector_with_metrics_and_logs_never_blocks():
    summary = run("http://127.0.0.1:9", calls=20, extra_env={"PATTER_OTEL_LOGS": "1",
                                                              "PATTER_OTEL_EXPORT_TIMEOUT_MS": "500"})
    assert summary["max_op_us"] < 200_000, summary
    assert summary["shutdown_ms"] < 500 + 1000 + 500, summary
    tel = summary["stats"]["telemetry"]
    assert tel["log_records_exported"] == 0 and tel["metric_exports"] == 0
    assert tel["log_records_emitted"] == 20 * 11
    assert tel["log_records_failed"] + tel["log_records_discarded"] + tel["log_records_dropped"] == 20 * 11, tel


def test_nothing_exported_when_tracing_is_off(receiver):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "PATTER_OTEL_LOGS": "1"})
    out = subprocess.run([str(SCRIPTED), "1"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert receiver.metric_requests == [] and receiver.log_requests == [] and receiver.requests == []
