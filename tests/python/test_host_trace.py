"""Joining the host's trace: an app instrumented with the official OpenTelemetry Python SDK opens a
span and starts a Call inside it; the real OTLP receiver (decoding with the official
opentelemetry-proto) gets the host span from the SDK's own OTLP exporter and the call's spans from
libpatter, in one trace with the call span under the host span. Plus explicit traceparents, a
parent that is not sampled, tracing off, and malformed headers (each in a fresh interpreter:
tracing state is process-global)."""

import textwrap

import pytest

import patter
from conftest import last_json, run_py

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

HOST_SDK = """
    import json
    import patter
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from patter.observability import init_tracing, shutdown_tracing

    provider = TracerProvider(sampler=ALWAYS_OFF if SAMPLED_OUT else ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=ENDPOINT + "/v1/traces")))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("host-app")
    init_tracing(service_name="py-host")
"""


def host_program(endpoint: str, body: str, sampled_out: bool = False) -> str:
    head = f"ENDPOINT = {endpoint!r}\nSAMPLED_OUT = {sampled_out!r}\n"
    return head + textwrap.dedent(HOST_SDK) + textwrap.dedent(body)


def test_a_call_inside_a_host_span_joins_its_trace(receiver):
    proc = run_py(
        host_program(receiver.endpoint, """
            with tracer.start_as_current_span("POST /twilio/voice") as host:
                with patter.Call("CA-py-host", direction="inbound", provider_mode="pipeline") as call:
                    header = call.traceparent()
                    with call.llm("openai", "gpt-4o-mini") as llm:
                        llm_header = llm.traceparent()
                        llm.usage(300, 25, cached_input_tokens=256)
            ctx = host.get_span_context()
            provider.shutdown()
            shutdown_tracing()
            print(json.dumps({"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x"),
                              "flags": int(ctx.trace_flags), "header": header, "llm_header": llm_header}))
        """),
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    out = last_json(proc)
    spans = receiver.wait_for_spans(4)  # the host span, call, turn, llm
    assert len(spans) == 4
    assert receiver.errors == []
    by_name = {s["name"]: s for s in spans}
    host = by_name["POST /twilio/voice"]
    assert (host["trace_id"], host["span_id"]) == (out["trace_id"], out["span_id"])
    assert {s["trace_id"] for s in spans} == {out["trace_id"]}, "one trace"
    call = by_name["getpatter.call"]
    assert call["parent_span_id"] == host["span_id"]
    # The trace flags of the host (sampled; the random flag of W3C level 2 when its SDK sets it) in
    # the low byte, with context-has-is-remote and is-remote.
    assert out["flags"] & 1 and call["flags"] == 0x300 | out["flags"]
    assert call["resource"]["service.name"] == ("string", "py-host")
    flags = f"{out['flags']:02x}"
    assert out["header"] == f"00-{call['trace_id']}-{call['span_id']}-{flags}"
    llm = by_name["getpatter.llm"]
    assert llm["flags"] == 0x100 | out["flags"]
    assert out["llm_header"] == f"00-{llm['trace_id']}-{llm['span_id']}-{flags}"
    assert llm["attributes"]["gen_ai.usage.input_tokens"] == ("int", 556)
    assert llm["attributes"]["gen_ai.usage.cache_read.input_tokens"] == ("int", 256)
    for s in spans:
        if s["name"].startswith("getpatter."):
            assert s["attributes"]["gen_ai.conversation.id"] == ("string", "CA-py-host")


def test_an_explicit_traceparent_wins_over_the_host_span(receiver):
    run_py(
        host_program(receiver.endpoint, f"""
            with tracer.start_as_current_span("webhook"):
                patter.Call("CA-py-explicit", direction="inbound", provider_mode="pipeline",
                            traceparent={PARENT!r}, tracestate="congo=t61rcWkgMzE").end()
            provider.shutdown()
            shutdown_tracing()
        """),
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
    )
    spans = receiver.wait_for_spans(1, where=lambda s: s["name"] == "getpatter.call")
    call = spans[0]
    assert (call["trace_id"], call["parent_span_id"]) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    assert call["trace_state"] == "congo=t61rcWkgMzE"


def test_a_host_span_not_sampled_exports_nothing_but_costs_are_computed(receiver, tmp_path):
    proc = run_py(
        host_program(receiver.endpoint, """
            with tracer.start_as_current_span("sampled out") as host:
                with patter.Call("CA-py-unsampled", direction="inbound", provider_mode="pipeline") as call:
                    recording = call.is_recording
                    header = call.traceparent()
                    with call.tts("elevenlabs", "Hello there.") as tts:
                        span_header = tts.traceparent()
            with patter.Call("CA-py-after", direction="inbound", provider_mode="pipeline") as after:
                pass
            ctx = host.get_span_context()
            shutdown_tracing()
            print(json.dumps({"recording": recording, "header": header, "span_header": span_header,
                              "cost": call.ended()["cost"],
                              "host": f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"}))
        """, sampled_out=True),
        env={"PATTER_OTEL_ENABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
             "PATTER_LOG_DIR": str(tmp_path)},
    )
    out = last_json(proc)
    assert out["recording"] is False
    assert out["header"] == out["span_header"] == out["host"]
    assert not int(out["host"][-2:], 16) & 1, "the host span is not sampled"
    assert out["cost"]["tts"] == 0.0006
    spans = receiver.wait_for_spans(1, where=lambda s: s["name"] == "getpatter.call")
    assert [s["attributes"]["getpatter.call.id"][1] for s in spans] == ["CA-py-after"]
    assert list(tmp_path.glob("calls/*/*/*/CA-py-unsampled/metadata.json")), "the call record is still written"


def test_tracing_off_propagates_the_host_parent_unchanged():
    proc = run_py(
        """
        import json
        import patter
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider

        trace.set_tracer_provider(TracerProvider())
        with trace.get_tracer("h").start_as_current_span("host") as host:
            call = patter.Call("CA-py-off", direction="inbound", provider_mode="pipeline")
        ctx = host.get_span_context()
        outside = patter.Call("CA-py-off-2", direction="inbound", provider_mode="pipeline")
        print(json.dumps({"header": call.traceparent(), "recording": call.is_recording,
                          "host": f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}",
                          "outside": outside.traceparent()}))
        call.end(); outside.end()
        """
    )
    out = last_json(proc)
    assert out["recording"] is False and out["header"] == out["host"] and out["outside"] is None


@pytest.mark.parametrize("traceparent, why", [
    ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "the trace id is all zeros"),
    ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "the parent id is all zeros"),
    (PARENT.upper(), "the trace id is not 32 lowercase hex digits"),
    ("ff" + PARENT[2:], "version ff is not allowed"),
    (PARENT + "-", "expected 55 for version 00"),
])
def test_malformed_traceparent_is_invalid_argument(traceparent, why):
    with pytest.raises(patter.InvalidArgumentError) as exc:
        patter.Call("CA-py-bad", direction="inbound", provider_mode="pipeline", traceparent=traceparent)
    msg = str(exc.value)
    assert msg.startswith("invalid argument `traceparent`: must be a W3C traceparent"), msg
    assert why in msg


def test_tracestate_rules_and_new_span_arguments():
    with pytest.raises(patter.InvalidArgumentError, match="^invalid argument `tracestate`: needs traceparent$"):
        patter.Call("CA-py-bad", direction="inbound", provider_mode="pipeline", tracestate="a=1")
    with pytest.raises(patter.InvalidArgumentError, match="`tracestate`"):
        patter.Call("CA-py-bad", direction="inbound", provider_mode="pipeline", traceparent=PARENT, tracestate="A=1")
    # A later version is read as version 00 and propagated as 00.
    call = patter.Call("CA-py-v1", direction="inbound", provider_mode="pipeline",
                       traceparent="01" + PARENT[2:] + "-later")
    assert call.traceparent().startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    with pytest.raises(patter.InvalidArgumentError, match="`audio_played_ms`"):
        call.bargein("x", audio_played_ms=float("nan"))
    with pytest.raises(patter.InvalidArgumentError, match="`tool_call_id`"):
        call.tool("lookup", tool_call_id="")
    with call.tool("lookup", tool_call_id="call_1") as tool:
        with pytest.raises(patter.InvalidArgumentError):
            tool.audio_played_ms(1.0)
    with call.bargein("x", audio_played_ms=120.0) as b:
        b.audio_played_ms(130.0)
    call.end()
