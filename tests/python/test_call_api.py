"""The Call API from Python: spans as context managers, the span tree the core builds, the end
record, deterministic clock and ids."""

import pytest

import patter
import sim


def test_scripted_call_span_tree(collector):
    end = sim.run_call("CA-tree")
    spans = collector.of_call("CA-tree")
    assert len(spans) == sim.SPANS_PER_CALL
    by_id = {s.span_id: s for s in spans}
    names = [s.name for s in spans]
    assert names.count("getpatter.call") == 1 and names.count("getpatter.turn") == 3
    assert names.count("getpatter.llm") == 4 and names.count("getpatter.tool") == 1
    for s in spans:
        if s.name == "getpatter.call":
            assert s.parent_span_id is None
        elif s.name == "getpatter.turn":
            assert by_id[s.parent_span_id].name == "getpatter.call"
        else:
            assert by_id[s.parent_span_id].name == "getpatter.turn"
        assert len({s.trace_id for s in spans}) == 1
        assert s.end_time >= s.start_time > 0
        for value in s.attributes.values():
            for secret in sim.SECRETS:
                assert secret not in str(value), f"{s.name} leaks {secret!r}"
    llm = [s for s in spans if s.name == "getpatter.llm"]
    assert sorted(s.attributes["getpatter.llm.iteration"] for s in llm) == [1, 1, 1, 2]
    assert all(s.attributes["patter.call_id"] == "CA-tree" and s.attributes["patter.side"] == "uut" for s in llm)
    stt = next(s for s in spans if s.name == "getpatter.stt")
    assert stt.attributes["getpatter.stt.text_len"] == len(sim.USER[0])
    assert stt.attributes["patter.cost.stt_seconds"] == 2.0
    assert stt.attributes["getpatter.stt.confidence"] == pytest.approx(0.94)
    call = next(s for s in spans if s.name == "getpatter.call")
    assert call.attributes["getpatter.call.status"] == "completed"
    assert call.attributes["patter.telephony"] == "twilio"
    interrupted = [s for s in spans if s.name == "getpatter.turn" and s.attributes["getpatter.turn.interrupted"]]
    assert [t.attributes["getpatter.turn.number"] for t in interrupted] == [2]
    assert end["status"] == "completed" and end["turns"] == 3
    assert end["usage"]["llm_input_tokens"] == 310 + 350 + 390 + 360
    assert end["usage"]["tts_chars"] == sum(len(s) for t in sim.AGENT for s in t)
    assert set(end["cost"]) == {"total", "telephony", "stt", "tts", "llm", "realtime"}


def test_exported_span_to_dict(collector):
    with patter.Call("CA-dict", direction="outbound", provider_mode="pipeline") as call:
        with call.llm("openai", "gpt-4o") as llm:
            llm.usage(5, 6)
    s = next(s for s in collector.of_call("CA-dict") if s.name == "getpatter.llm")
    d = s.to_dict()
    assert d["name"] == "getpatter.llm" and d["attributes"]["gen_ai.request.model"] == "gpt-4o"
    assert len(d["trace_id"]) == 32 and len(d["span_id"]) == 16 and d["status_code"] == "UNSET"
    assert d["resource"]["service.name"] == "patter"


def test_exception_in_a_span_marks_it_failed_and_propagates(collector):
    with pytest.raises(KeyError):
        with patter.Call("CA-exc", direction="inbound", provider_mode="pipeline") as call:
            with call.tool("lookup", "webhook"):
                raise KeyError("boom")
    spans = {s.name: s for s in collector.of_call("CA-exc")}
    assert spans["getpatter.tool"].status_code == "ERROR"
    assert spans["getpatter.tool"].status_description == "KeyError"
    assert spans["getpatter.call"].status_code == "ERROR"
    assert call.ended()["status"] == "failed" and call.ended()["error"] == "KeyError"


def test_span_methods_check_kind_and_state():
    call = patter.Call("CA-kind", direction="inbound", provider_mode="pipeline")
    span = call.stt("deepgram")
    with pytest.raises(patter.InvalidArgumentError):
        span.first_token()
    assert span.kind == "stt" and span.name == "getpatter.stt" and span.turn == 1
    span.end()
    span.end()  # twice is a no-op
    assert span.is_ended
    with pytest.raises(patter.StateError):
        span.transcript("late")
    end = call.end()
    assert end["status"] == "completed"
    with pytest.raises(patter.StateError):
        call.end()
    with pytest.raises(patter.StateError):
        call.llm("openai")
    assert call.is_ended and call.ended() == end


def test_failed_end_and_fatal_error():
    call = patter.Call("CA-fail", direction="inbound", provider_mode="pipeline")
    assert call.end(error="timeout")["status"] == "failed"
    other = patter.Call("CA-fatal", direction="inbound", provider_mode="pipeline")
    other.error("stt_connection", "socket closed", fatal=True)
    other.event("custom", {"n": 1, "nested": {"ok": [True, None, 1.5]}})
    end = other.end()
    assert end["status"] == "failed" and end["error"] == "stt_connection"


def test_spans_forgotten_open_are_ended_by_the_call(collector):
    call = patter.Call("CA-open", direction="inbound", provider_mode="pipeline")
    forgotten = call.llm("openai")  # never ended by the host
    call.end()
    assert forgotten.is_ended is False  # the handle did not end it; the call's end did
    llm = next(s for s in collector.of_call("CA-open") if s.name == "getpatter.llm")
    assert llm.status_code == "ERROR"


def test_manual_clock_and_sequential_ids_are_deterministic(collector):
    def once(call_id):
        clock = patter.ManualClock(1_776_967_332_000)
        end = sim.run_call(call_id, clock=clock, ids=patter.SequentialIds(7))
        assert clock.now_ms == 1_776_967_332_000 + end["duration_ms"]
        return end, collector.of_call(call_id)

    end_a, spans_a = once("CA-det")
    end_b, spans_b = once("CA-det")
    assert end_a == end_b
    assert end_a["ended_at"].startswith("2026-04-23T18:02:")
    key = lambda s: (s.span_id, s.name, s.start_time, s.end_time, s.parent_span_id, s.trace_id)  # noqa: E731
    assert sorted(map(key, spans_a)) == sorted(map(key, spans_b[len(spans_a):]))
    assert spans_a[0].trace_id == "0000000000000007" + "0000000000000001"
    turns = [s for s in spans_a if s.name == "getpatter.turn"]
    # endpoint starts 250 ms into turn 1; the first TTS byte comes at 990 ms
    assert turns[0].attributes["patter.latency.ttfb_ms"] == 740.0
    llm = next(s for s in spans_a if s.name == "getpatter.llm")
    assert llm.attributes["getpatter.llm.ttft_ms"] == 180.0
    clock = patter.ManualClock(5)
    clock.set(3)  # never backwards
    assert clock.now_ms == 5
    clock.advance(10)
    assert clock.now_ms == 15 and clock.now_ns == 15_000_000
    assert patter.SequentialIds(9).seed == 9


def test_realtime_call_bills_minutes(collector):
    clock = patter.ManualClock(0)
    with patter.Call("CA-rt", direction="inbound", provider_mode="openai_realtime", clock=clock,
                     realtime_provider="openai_realtime", realtime_model="gpt-realtime"):
        clock.advance(90_000)
    call_span = next(s for s in collector.of_call("CA-rt") if s.name == "getpatter.call")
    assert call_span.attributes["patter.cost.realtime_minutes"] == 1.5
    assert call_span.attributes["patter.realtime.provider"] == "openai_realtime"


def test_reprs():
    call = patter.Call("CA-repr", direction="inbound", provider_mode="pipeline")
    assert "CA-repr" in repr(call)
    assert "getpatter.tts" in repr(call.tts("openai", "hi"))
    call.end()
    assert "ended" in repr(call)
