"""A simulated two-turn call through the Python binding, with asyncio tasks reporting to the
current call. Spans go to the console (and to a collector if PATTER_OTEL_ENABLED=1 and
OTEL_EXPORTER_OTLP_ENDPOINT point at one).

    pip install ./bindings/python && python examples/python/call_demo.py
"""

import asyncio
import json

import patter
from patter.observability import attach_span_exporter, decode_spans, init_tracing, shutdown_tracing

SHOWN = ("getpatter.", "patter.cost", "patter.latency")


def print_spans(batch: bytes) -> None:
    """An exporter: each batch is OTLP protobuf (forward it as is, or decode it)."""
    for rs in decode_spans(batch)["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                attrs = {a["key"]: next(iter(a["value"].values())) for a in s.get("attributes", [])
                         if a["key"].startswith(SHOWN)}
                ms = (int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"])) / 1e6
                print(f"  {s['name']:<20} {ms:7.1f} ms  {attrs}")


async def speak(sentence: str) -> None:
    with patter.tts("elevenlabs", sentence, "eleven_flash_v2_5") as tts:  # the current call
        await asyncio.sleep(0.03)
        tts.first_byte()
        await asyncio.sleep(0.05)


async def main() -> None:
    init_tracing(service_name="python-demo")  # False unless PATTER_OTEL_ENABLED=1
    attach_span_exporter(print_spans)
    with patter.Call("CA-demo-1", direction="inbound", provider_mode="pipeline", telephony_provider="twilio",
                     agent={"provider": "pipeline", "model": "gpt-4o-mini", "voice": "rachel"}) as call:
        for said, answer in [("What's my balance?", ["Let me check.", "It is $12."]), ("Thanks!", ["Bye!"])]:
            call.start_turn()
            with patter.stt("deepgram", "nova-3") as stt:
                await asyncio.sleep(0.02)
                stt.transcript(said, confidence=0.93, audio_seconds=1.2)
            with patter.llm("openai", "gpt-4o-mini", history_size=2) as llm:
                await asyncio.sleep(0.04)
                llm.first_token()
                llm.usage(input_tokens=420, output_tokens=30)
            for sentence in answer:
                await asyncio.create_task(speak(sentence))  # tasks inherit the current call
    print(json.dumps(call.ended(), indent=2))


if __name__ == "__main__":
    asyncio.run(main())
    shutdown_tracing()
