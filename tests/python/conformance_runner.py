"""Conformance runner for Python: reads a scenario (tests/conformance/scenarios/*.json) and
drives the public ``patter`` API step by step with a manual clock and seeded ids, exactly as the
Rust runner drives patter-core. Tracing, the call log and their destinations come from the
environment the harness sets (``init_tracing()`` and the default ``CallLogger``).

Usage: ``python conformance_runner.py SCENARIO.json``
"""

from __future__ import annotations

import json
import sys

import patter
from patter.observability import init_tracing, shutdown_tracing


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        sc = json.load(fh)
    start_ms = sc["start_ms"]
    clock = patter.ManualClock(start_ms)
    init_tracing()
    logger = patter.CallLogger.default()

    c = sc["call"]
    rt = c.get("realtime") or {}
    call = patter.Call(
        c["call_id"], direction=c["direction"], provider_mode=c["provider_mode"], side=c.get("side"),
        caller=c.get("caller"), callee=c.get("callee"), telephony_provider=c.get("telephony_provider"),
        realtime_provider=rt.get("provider"), realtime_model=rt.get("model"), agent=c.get("agent"),
        logger=logger, clock=clock, ids=patter.SequentialIds(sc.get("seed", 1)),
    )
    spans: dict = {}
    for ev in sc["events"]:
        clock.set(start_ms + ev["at"])
        op = ev["op"]
        if op == "start_turn":
            call.start_turn()
        elif op == "end_turn":
            call.end_turn()
        elif op == "stt":
            spans[ev["span"]] = call.stt(ev["provider"], ev.get("model"))
        elif op == "endpoint":
            spans[ev["span"]] = call.endpoint()
        elif op == "llm":
            spans[ev["span"]] = call.llm(ev["provider"], ev.get("model"), ev.get("history_size", 0))
        elif op == "tts":
            spans[ev["span"]] = call.tts(ev["provider"], ev["text"], ev.get("model"))
        elif op == "bargein":
            spans[ev["span"]] = call.bargein(ev["cancelled_text"])
        elif op == "tool":
            spans[ev["span"]] = call.tool(ev["name"], ev["transport"], ev["arguments"])
        elif op == "transcript":
            spans[ev["span"]].transcript(ev["text"], ev.get("confidence"), ev["audio_seconds"])
        elif op == "silence":
            spans[ev["span"]].silence_ms(ev["ms"])
        elif op == "first_token":
            spans[ev["span"]].first_token()
        elif op == "first_byte":
            spans[ev["span"]].first_byte()
        elif op == "usage":
            spans[ev["span"]].usage(ev.get("input_tokens", 0), ev.get("output_tokens", 0),
                                    ev.get("cached_input_tokens", 0))
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
    shutdown_tracing()
    logger.flush()


if __name__ == "__main__":
    main(sys.argv[1])
