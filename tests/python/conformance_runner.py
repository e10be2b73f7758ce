"""Conformance runner for Python: reads a scenario (tests/conformance/scenarios/*.json) and
drives the public ``patter`` API step by step with a manual clock and seeded ids, exactly as the
Rust runner drives patter-core. Tracing, the call log and their destinations come from the
environment the harness sets (``init_tracing()`` and the default ``CallLogger``).

Usage: ``python conformance_runner.py SCENARIO.json``
"""

from __future__ import annotations

import json
import math
import sys

import patter
from patter.observability import init_tracing, shutdown_tracing


_SPECIAL = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}


def num(ev: dict, key: str):
    """A number field: JSON number, or "NaN" / "inf" / "-inf" (what JSON cannot carry)."""
    v = ev[key]
    return _SPECIAL[v] if isinstance(v, str) else v


def opt(ev: dict, key: str, conv=None) -> dict:
    """``{key: value}`` when the scenario gives the field, else {} (the argument is omitted)."""
    if key not in ev:
        return {}
    return {key: conv(ev, key) if conv else ev[key]}


def code_of(exc: Exception) -> str:
    if isinstance(exc, patter.InvalidArgumentError):
        return "invalid_argument"
    if isinstance(exc, patter.StateError):
        return "state"
    return "other"


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        sc = json.load(fh)
    start_ms = sc["start_ms"]
    clock = patter.ManualClock(start_ms)
    init_tracing()
    logger = patter.CallLogger.default()

    c = sc["call"]
    rt = c.get("realtime") or {}
    options = dict(
        direction=c["direction"], provider_mode=c["provider_mode"], side=c.get("side"),
        caller=c.get("caller"), callee=c.get("callee"), telephony_provider=c.get("telephony_provider"),
        realtime_provider=rt.get("provider"), realtime_model=rt.get("model"), agent=c.get("agent"),
        logger=logger, clock=clock, ids=patter.SequentialIds(sc.get("seed", 1)),
        traceparent=c.get("traceparent"), tracestate=c.get("tracestate"),
    )
    call = patter.Call(c["call_id"], **options)
    spans: dict = {}
    for ev in sc["events"]:
        clock.set(start_ms + ev["at"])
        op = ev["op"]
        want = ev.get("expect_error")
        try:
            if op == "start_duplicate":
                patter.Call(c["call_id"], **options)
            elif op == "start_other":
                patter.Call(ev["call_id"], direction=c["direction"], provider_mode=c["provider_mode"], logger=logger,
                            clock=clock, ids=patter.SequentialIds(99), **opt(ev, "traceparent"),
                            **opt(ev, "tracestate"))
            elif op == "traceparent":
                header = spans[ev["span"]].traceparent() if "span" in ev else call.traceparent()
                call.event("traceparent", {"of": ev.get("span", "call"), "traceparent": header})
            elif op == "audio_played":
                spans[ev["span"]].audio_played_ms(num(ev, "ms"))
            elif op == "start_turn":
                call.start_turn()
            elif op == "end_turn":
                call.end_turn()
            elif op == "stt":
                spans[ev["span"]] = call.stt(ev["provider"], ev.get("model"))
            elif op == "endpoint":
                spans[ev["span"]] = call.endpoint()
            elif op == "llm":
                spans[ev["span"]] = call.llm(ev["provider"], ev.get("model"), **opt(ev, "history_size"))
            elif op == "record_llm":
                call.record_llm(ev["provider"], num(ev, "duration_ms"), **opt(ev, "model"), **opt(ev, "history_size"),
                                **opt(ev, "ttft_ms", num), **opt(ev, "input_tokens"), **opt(ev, "output_tokens"),
                                **opt(ev, "cached_input_tokens"))
            elif op == "tts":
                spans[ev["span"]] = call.tts(ev["provider"], ev["text"], ev.get("model"))
            elif op == "bargein":
                spans[ev["span"]] = call.bargein(ev["cancelled_text"], **opt(ev, "audio_played_ms", num))
            elif op == "tool":
                spans[ev["span"]] = call.tool(ev["name"], **opt(ev, "transport"), **opt(ev, "arguments"),
                                              **opt(ev, "tool_call_id"))
            elif op == "transcript":
                spans[ev["span"]].transcript(ev["text"], **opt(ev, "confidence", num), **opt(ev, "audio_seconds", num))
            elif op == "silence":
                spans[ev["span"]].silence_ms(num(ev, "ms"))
            elif op == "first_token":
                spans[ev["span"]].first_token()
            elif op == "first_byte":
                spans[ev["span"]].first_byte()
            elif op == "usage":
                spans[ev["span"]].usage(ev.get("input_tokens", 0), ev.get("output_tokens", 0),
                                        **opt(ev, "cached_input_tokens"))
            elif op == "tool_result":
                spans[ev["span"]].tool_result(ev["result"])
            elif op == "fail":
                spans[ev["span"]].fail(ev["code"])
            elif op == "end":
                spans.pop(ev["span"]).end()
            elif op == "error":
                call.error(ev["code"], ev["message"], ev.get("fatal", False))
            elif op == "end_call":
                call.end(None if ev["outcome"] == "completed" else ev["error"])
            else:
                raise SystemExit(f"scenario: unknown op {op!r}")
        except patter.PatterError as exc:
            if want is None or code_of(exc) != want:
                raise
            call.event("expected_error", {"op": op, "code": want, "message": str(exc)})
        else:
            if want is not None:
                raise SystemExit(f"scenario: {op} at {ev['at']} succeeded; expected {want}")
    shutdown_tracing()
    logger.flush()


if __name__ == "__main__":
    main(sys.argv[1])
