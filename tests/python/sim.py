"""A scripted three-turn call through the public Python API (STT, endpoint, LLM with a tool
round, TTS, one barge-in), shared by the tests and runnable in a subprocess."""

from __future__ import annotations

import patter

USER = ["I'd like to check the balance on account 4111-2222.", "Move my appointment to Friday?", "Never mind."]
AGENT = [["Sure, let me look.", "Your balance is $1,234.56."], ["Friday at 3 pm is free, shall I book it?"], ["OK."]]
SECRETS = ["4111-2222", "balance on account", "1,234.56", "shall I book it", "Friday"]
SPANS_PER_CALL = 1 + 3 + 3 * 3 + 4 + 2 + 1  # call, turns, stt/endpoint/llm per turn, tts, tool round, bargein


def run_call(call_id: str = "CA-py-0001", clock=None, ids=None, **kw) -> dict:
    """Runs the scripted call; returns its end record."""
    opts = dict(direction="inbound", provider_mode="pipeline", telephony_provider="twilio",
                caller="+15555550123", callee="+15555550100",
                agent={"provider": "pipeline", "model": "gpt-4o-mini", "voice": "rachel"})
    opts.update(kw)
    tick = (lambda ms: clock.advance(ms)) if clock is not None else (lambda ms: None)
    with patter.Call(call_id, clock=clock, ids=ids, **opts) as call:
        for i, said in enumerate(USER):
            call.start_turn()
            with patter.stt("deepgram", "nova-3") as stt:
                tick(250)
                stt.transcript(said, confidence=0.94, audio_seconds=2.0 + i)
            with patter.endpoint() as ep:
                tick(120)
                ep.silence_ms(120.0)
            with patter.llm("openai", "gpt-4o-mini", history_size=2 + 2 * i) as llm:
                tick(180)
                llm.first_token()
                tick(60)
                llm.usage(310 + 40 * i, 28)
            if i == 0:
                with patter.tool("lookup_balance", "handler", {"account": "4111-2222"}) as tool:
                    tick(90)
                    tool.tool_result('{"balance": 1234.56}')
                with patter.llm("openai", "gpt-4o-mini", history_size=4) as llm:
                    tick(150)
                    llm.first_token()
                    llm.usage(360, 20)
            for sentence in AGENT[i]:
                with patter.tts("elevenlabs", sentence, "eleven_flash_v2_5") as tts:
                    tick(140)
                    tts.first_byte()
                    tick(400)
            if i == 1:
                with patter.bargein(AGENT[i][0]) as b:
                    tick(200)
        tick(500)
    return call.ended()
