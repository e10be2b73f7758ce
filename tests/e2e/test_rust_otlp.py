"""The Rust core's spans, checked by a real OTLP/HTTP receiver that decodes them with the
official OpenTelemetry protobuf definitions (not with the crates that produced them)."""

import json
import os
import subprocess
import time

import pytest

from conftest import ROOT, target_dir

SCRIPTED = target_dir() / "debug" / "examples" / "scripted_call"
SPANS_PER_CALL = 22  # call + 3 turns + 18 service spans (see core/examples/common/sim.rs)

# Every attribute each span must carry, with its OTLP type.
EXPECTED = {
    "getpatter.call": {"getpatter.call.id": "string", "getpatter.call.direction": "string",
                       "getpatter.call.provider_mode": "string", "getpatter.call.status": "string",
                       "patter.cost.telephony_minutes": "double", "patter.telephony": "string",
                       "patter.direction": "string", "patter.call_id": "string", "patter.side": "string"},
    "getpatter.turn": {"getpatter.call.id": "string", "getpatter.turn.number": "int",
                       "getpatter.turn.interrupted": "bool", "patter.latency.ttfb_ms": "double",
                       "patter.latency.turn_ms": "double", "patter.call_id": "string", "patter.side": "string"},
    "getpatter.stt": {"getpatter.call.id": "string", "getpatter.stt.text_len": "int",
                      "getpatter.stt.confidence": "double", "patter.cost.stt_seconds": "double",
                      "patter.stt.provider": "string", "patter.call_id": "string", "patter.side": "string"},
    "getpatter.endpoint": {"getpatter.call.id": "string", "getpatter.endpoint.silence_ms": "double"},
    "getpatter.llm": {"getpatter.call.id": "string", "getpatter.llm.iteration": "int",
                      "getpatter.llm.history_size": "int", "getpatter.llm.ttft_ms": "double",
                      "patter.cost.llm_input_tokens": "int", "patter.cost.llm_output_tokens": "int",
                      "patter.llm.provider": "string", "gen_ai.operation.name": "string",
                      "gen_ai.provider.name": "string", "gen_ai.request.model": "string",
                      "gen_ai.usage.input_tokens": "int", "gen_ai.usage.output_tokens": "int",
                      "patter.call_id": "string", "patter.side": "string"},
    "getpatter.tts": {"getpatter.call.id": "string", "getpatter.tts.text_len": "int",
                      "patter.cost.tts_chars": "int", "patter.tts.provider": "string",
                      "patter.call_id": "string", "patter.side": "string"},
    "getpatter.bargein": {"getpatter.call.id": "string", "getpatter.bargein.cancelled_text_len": "int"},
    "getpatter.tool": {"getpatter.call.id": "string", "getpatter.tool.name": "string",
                       "getpatter.tool.transport": "string"},
}

PII = ["4111-2222", "balance on account", "appointment to Friday", "1,234.56", "shall I book it",
       "\"account\"", "1234.56"]


def run(endpoint, calls=1, extra_env=None, timeout=120, scale=None):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith(("OTEL_", "PATTER_")):
            del env[k]
    env.update({"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
    env.update(extra_env or {})
    t0 = time.monotonic()
    args = [str(SCRIPTED), str(calls)] + ([str(scale)] if scale is not None else [])
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.monotonic() - t0
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    summary["wall_s"] = wall
    return summary


def test_full_call_reaches_a_real_receiver(receiver):
    summary = run(receiver.endpoint, calls=2, extra_env={
        "OTEL_EXPORTER_OTLP_HEADERS": "x-team=voice,authorization=Bearer%20t0ken",
        "OTEL_RESOURCE_ATTRIBUTES": "service.version=1.2.3",
    })
    assert summary["enabled"] is True
    assert receiver.errors == []
    spans = receiver.wait_for_spans(2 * SPANS_PER_CALL)
    assert len(spans) == 2 * SPANS_PER_CALL
    assert summary["stats"]["exported"] == 2 * SPANS_PER_CALL
    assert summary["stats"]["dropped"] == 0 and summary["stats"]["failed"] == 0
    for entry in receiver.requests:
        assert entry["path"] == "/v1/traces"
        assert entry["headers"]["x-team"] == "voice"
        assert entry["headers"]["authorization"] == "Bearer t0ken"
    by_id = {s["span_id"]: s for s in spans}
    for s in spans:
        assert s["resource"]["service.name"] == ("string", "scripted-call")
        assert s["resource"]["deployment.environment"] == ("string", "test")
        assert s["resource"]["service.version"] == ("string", "1.2.3")
        assert s["scope"] == "getpatter"
        want = EXPECTED[s["name"]]
        for key, typ in want.items():
            assert key in s["attributes"], f"{s['name']} lacks {key}"
            assert s["attributes"][key][0] == typ, f"{s['name']}.{key} is {s['attributes'][key][0]}, want {typ}"
        assert s["end"] >= s["start"] > 0
        # Hierarchy: call > turn > service spans, all in one trace per call.
        if s["name"] == "getpatter.call":
            assert s["parent_span_id"] == ""
            assert s["trace_id"] in summary["trace_ids"]
        elif s["name"] == "getpatter.turn":
            assert by_id[s["parent_span_id"]]["name"] == "getpatter.call"
        else:
            assert by_id[s["parent_span_id"]]["name"] == "getpatter.turn"
        assert by_id.get(s["parent_span_id"], s)["trace_id"] == s["trace_id"]
        for key, (_, value) in s["attributes"].items():
            for secret in PII:
                assert secret not in str(value), f"{s['name']}.{key} leaks {secret!r}"
    calls = [s for s in spans if s["name"] == "getpatter.call"]
    assert sorted(c["attributes"]["getpatter.call.id"][1] for c in calls) == ["CA-scripted-0000", "CA-scripted-0001"]
    turns = [s for s in spans if s["name"] == "getpatter.turn"]
    interrupted = [t for t in turns if t["attributes"]["getpatter.turn.interrupted"][1]]
    assert len(interrupted) == 2  # the barge-in of turn 2, in each call
    assert all(t["attributes"]["getpatter.turn.number"][1] == 2 for t in interrupted)
    llm_iters = sorted(s["attributes"]["getpatter.llm.iteration"][1] for s in spans if s["name"] == "getpatter.llm")
    assert llm_iters == [1] * 6 + [2] * 2  # 3 turns per call; turn 1 has a tool round


def test_dead_collector_never_blocks_a_call():
    # Nothing listens on port 9 of loopback: every export fails fast or times out.
    summary = run("http://127.0.0.1:9", calls=20)
    assert summary["max_op_us"] < 200_000, summary
    assert summary["calls_ms"] < 2_000, summary
    assert summary["stats"]["failed"] > 0
    assert summary["stats"]["exported"] == 0
    assert summary["shutdown_ms"] < 8_000


def test_500_answers_are_counted_as_failures(make_receiver):
    rx = make_receiver("fail500")
    summary = run(rx.endpoint, calls=3)
    assert summary["stats"]["failed"] == 3 * SPANS_PER_CALL
    assert summary["stats"]["exported"] == 0
    assert summary["max_op_us"] < 200_000


def test_slow_collector_drops_and_counts_but_never_blocks(make_receiver):
    rx = make_receiver("slow", delay=3.0)
    summary = run(rx.endpoint, calls=100, extra_env={
        "PATTER_OTEL_QUEUE_SIZE": "64", "PATTER_OTEL_MAX_BATCH": "32", "PATTER_OTEL_EXPORT_TIMEOUT_MS": "300",
    })
    total = 100 * SPANS_PER_CALL
    st = summary["stats"]
    assert st["spans_ended"] == total
    assert st["dropped"] > 0, st
    assert st["pending"] == 0 and st["dropped"] + st["failed"] + st["exported"] + st["discarded"] == total, st
    # Every export blocks 300 ms (then times out): a call path that waited on it would show it.
    assert summary["max_op_us"] < 250_000, summary
    assert summary["calls_ms"] < 5_000, summary
    assert summary["shutdown_ms"] < 5_000, summary


def test_disabled_by_default_sends_nothing(receiver):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
    out = subprocess.run([str(SCRIPTED), "1"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["enabled"] is False
    assert summary["trace_ids"] == [None]
    time.sleep(0.3)
    assert receiver.spans() == []


def accounted(st):
    """Every ended span is in exactly one outcome once shutdown has returned."""
    return st["pending"] == 0 and st["spans_ended"] == st["exported"] + st["dropped"] + st["failed"] + st["discarded"]


def test_dead_collector_accounts_for_every_span_after_shutdown():
    summary = run("http://127.0.0.1:9", calls=200, extra_env={"PATTER_OTEL_EXPORT_TIMEOUT_MS": "500"})
    st = summary["stats"]
    assert st["spans_ended"] == 200 * SPANS_PER_CALL
    assert accounted(st), st
    assert st["exported"] == 0
    assert summary["shutdown_ms"] < 500 + 1000 + 500, summary


def test_hung_collector_bounds_shutdown_and_counts_what_was_given_up(make_receiver):
    # The collector accepts every request and never answers (for a minute).
    rx = make_receiver("slow", delay=60.0)
    summary = run(rx.endpoint, calls=300, extra_env={"PATTER_OTEL_EXPORT_TIMEOUT_MS": "700"})
    st = summary["stats"]
    assert st["spans_ended"] == 300 * SPANS_PER_CALL
    assert accounted(st), st
    assert st["exported"] == 0
    assert st["discarded"] > 0, st  # still queued when the deadline passed: counted, not lost
    # Documented bound: the export timeout + 1 s (plus scheduling slack on a busy 2-core machine).
    assert summary["shutdown_ms"] < 700 + 1000 + 500, summary
    # And the whole process, calls included, exits promptly rather than waiting for the collector.
    assert summary["wall_s"] < 10, summary
