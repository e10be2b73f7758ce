"""The core's argument rules as Python sees them (issue 13): bad numbers are
InvalidArgumentError naming the argument, counters never wrap, omitted options get the core's
defaults, and a second live call with the same id and side is rejected."""

import math

import pytest

import patter
from patter.observability import force_flush

REQ = dict(direction="inbound", provider_mode="pipeline")


def quiet(call_id, **kw):
    return patter.Call(call_id, logger=patter.CallLogger(None), store=kw.pop("store", None), **REQ, **kw)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -1.0])
def test_audio_seconds_must_be_finite_and_non_negative(bad):
    call = quiet(f"CA-rules-secs-{bad}")
    with call.stt("deepgram") as stt:
        with pytest.raises(patter.InvalidArgumentError, match="audio_seconds") as e:
            stt.transcript("hi", audio_seconds=bad)
        assert e.value.argument == "audio_seconds"
    assert call.usage()["stt_seconds"] == 0
    call.end()


@pytest.mark.parametrize("bad", [math.nan, 2.0, -0.5, math.inf])
def test_confidence_must_be_in_unit_interval(bad):
    call = quiet(f"CA-rules-conf-{bad}")
    with call.stt("deepgram") as stt:
        with pytest.raises(patter.InvalidArgumentError, match="confidence"):
            stt.transcript("hi", confidence=bad, audio_seconds=1.0)
        stt.transcript("hi")  # both omitted: fine, billed 0 s
    assert call.usage()["stt_seconds"] == 0
    call.end()


def test_token_counters_never_wrap():
    call = quiet("CA-rules-tokens")
    with call.llm("openai", "gpt-4o-mini") as llm:
        with pytest.raises(patter.InvalidArgumentError, match="input_tokens"):
            llm.usage(2**62, 0)
        llm.usage(2**52, 0)
        with pytest.raises(patter.InvalidArgumentError, match="input_tokens"):
            llm.usage(2**52, 0)
        with pytest.raises(patter.InvalidArgumentError, match="cached_input_tokens"):
            llm.usage(0, 0, -1)
    assert call.usage()["llm_input_tokens"] == 2**52
    call.end()


def test_defaults_come_from_the_core(tmp_path):
    store = patter.MetricsStore()
    assert store.capacity == 500
    with pytest.raises(patter.InvalidArgumentError, match="capacity"):
        patter.MetricsStore(capacity=0)
    with pytest.raises(patter.InvalidArgumentError, match="timeout"):
        force_flush(math.nan)
    with pytest.raises(patter.InvalidArgumentError, match="timeout"):
        patter.CallLogger(None).flush(-1)
    assert patter.CallLogger(None).flush() is True
    call = quiet("CA-rules-tool", store=store)
    call.tool("lookup").end()
    call.end()
    events = store.get_call("CA-rules-tool")["events"]
    assert any(e.get("data", e).get("transport") == "handler" for e in events), events


def test_a_second_live_call_with_the_same_id_and_side_is_rejected():
    first = quiet("CA-rules-dup")
    with pytest.raises(patter.InvalidArgumentError, match="call_id") as e:
        quiet("CA-rules-dup")
    assert "already exists" in str(e.value)
    other_side = quiet("CA-rules-dup", side="agent")
    first.end()
    quiet("CA-rules-dup").end()
    other_side.end()


def test_tts_takes_text_before_model():
    call = quiet("CA-rules-tts")
    with call.tts("elevenlabs", "hello", model="eleven_flash_v2_5"):
        pass
    call.end()


def test_record_llm_checks_everything_before_recording():
    call = quiet("CA-rules-record-llm")
    call.record_llm("openai", 250.0, "gpt-4o-mini", 3, 120.0, 412, 36)
    call.record_llm("openai", 100.0, model="gpt-4o-mini")  # no usage reported
    assert (call.usage()["llm_input_tokens"], call.usage()["llm_output_tokens"]) == (412, 36)
    assert call.current_turn == 1
    bad = [
        (dict(duration_ms=10.0, ttft_ms=11.0, input_tokens=1), "ttft_ms"),
        (dict(duration_ms=math.nan), "duration_ms"),
        (dict(duration_ms=-1.0), "duration_ms"),
        (dict(duration_ms=10.0, input_tokens=-1), "input_tokens"),
        (dict(duration_ms=10.0, history_size=2**53), "history_size"),
        (dict(duration_ms=10.0, cached_input_tokens=2**53), "cached_input_tokens"),
    ]
    for kw, name in bad:
        with pytest.raises(patter.InvalidArgumentError) as e:
            call.record_llm("openai", **kw)
        assert e.value.argument == name, kw
    with pytest.raises(patter.InvalidArgumentError):
        call.record_llm("", 1.0)
    with pytest.raises(TypeError, match="duration_ms"):
        call.record_llm("openai", "10")
    assert call.usage()["llm_input_tokens"] == 412, "failed reports record nothing"
    call.end()
    with pytest.raises(patter.StateError):
        call.record_llm("openai", 1.0)
