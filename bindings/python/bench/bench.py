"""Benchmark (not a test): the cost of libpatter's Python binding against pure-Python references,
both measured in the same run.

1. One ``getpatter.llm`` span with the same 17 attributes (call id, conversation id, routing tags,
   span kind, iteration, history size, provider, gen_ai.* names and usage, TTFT, cost) under a
   turn span:
   ``patter`` (Rust core, tracing on, spans queued to the export thread, no exporter attached)
   versus the OpenTelemetry Python SDK (``BatchSpanProcessor`` with a no-op exporter).

2. A call's transcript lines written to disk: ``patter`` (turns reported through the Call API,
   lines queued to the core's writer thread, tracing off) versus a plain-Python logger whose
   caller builds each line's dict and puts it on a queue, and whose thread appends the JSON lines
   to the file. Both are timed from the first turn until every line is on disk.

Prints one line per case and the ratio. Run with ``make bench-python``.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import statistics
import tempfile
import threading
from datetime import datetime, timezone
import sys
import time
from typing import Callable, List

os.environ["PATTER_OTEL_ENABLED"] = "1"

import patter  # noqa: E402
from patter.observability import init_tracing, shutdown_tracing, tracing_stats  # noqa: E402

N = int(os.environ.get("PATTER_BENCH_N", "20000"))
ROUNDS = int(os.environ.get("PATTER_BENCH_ROUNDS", "7"))


def best_per_op(fn: Callable[[int], None], n: int = N, rounds: int = ROUNDS) -> float:
    """Median over ``rounds`` of the per-operation time (seconds) of ``fn(n)``."""
    fn(min(n, 2000))  # warm-up
    samples: List[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


# ---------------------------------------------------------------- patter
def patter_spans() -> Callable[[int], None]:
    if not init_tracing(service_name="bench", disable_otlp=True):
        sys.exit("bench: init_tracing returned False")
    call = patter.Call("bench-call", direction="inbound", provider_mode="pipeline")
    call.start_turn()

    def run(n: int) -> None:
        llm = call.llm
        for _ in range(n):
            with llm("openai", "gpt-4o-mini", 3) as span:
                span.first_token()
                span.usage(412, 36)

    return run


# ---------------------------------------------------------------- OpenTelemetry Python SDK
def otel_spans() -> Callable[[int], None]:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class NoopExporter(SpanExporter):
        def export(self, spans):  # noqa: D401 - SDK interface
            return SpanExportResult.SUCCESS

        def shutdown(self):
            pass

    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    provider.add_span_processor(BatchSpanProcessor(NoopExporter(), max_queue_size=65536))
    tracer = provider.get_tracer("getpatter")
    call_span = tracer.start_span("getpatter.call", attributes={"getpatter.call.id": "bench-call"})
    turn_ctx = trace.set_span_in_context(
        tracer.start_span(
            "getpatter.turn",
            context=trace.set_span_in_context(call_span),
            attributes={"getpatter.call.id": "bench-call", "patter.call_id": "bench-call", "patter.side": "uut",
                        "getpatter.turn.number": 1},
        )
    )
    state = {"iteration": 0}

    def run(n: int) -> None:
        for _ in range(n):
            state["iteration"] += 1
            t0 = time.monotonic()
            with tracer.start_as_current_span(
                "getpatter.llm",
                context=turn_ctx,
                attributes={
                    "getpatter.call.id": "bench-call",
                    "gen_ai.conversation.id": "bench-call",
                    "patter.call_id": "bench-call",
                    "patter.side": "uut",
                    "openinference.span.kind": "LLM",
                    "getpatter.llm.iteration": state["iteration"],
                    "getpatter.llm.history_size": 3,
                    "patter.llm.provider": "openai",
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                },
            ) as span:
                span.set_attribute("getpatter.llm.ttft_ms", round((time.monotonic() - t0) * 1000, 1))
                span.set_attributes({
                    "patter.cost.llm_input_tokens": 412,
                    "patter.cost.llm_output_tokens": 36,
                    "gen_ai.usage.input_tokens": 412,
                    "gen_ai.usage.output_tokens": 36,
                    "patter.cost.usd": 0.000083,
                })

    run.provider = provider  # type: ignore[attr-defined]
    return run


# ---------------------------------------------------------------- transcript lines
TURNS = int(os.environ.get("PATTER_BENCH_TURNS", "5000"))
USER_TEXT = "Hi, I'd like to check the balance on my account please."
AGENT_TEXT = "Sure, let me look that up for you: your balance is $1,234.56."


def patter_transcripts(root: str) -> float:
    """Seconds per transcript line through patter (2 lines per turn), flush included."""
    logger = patter.CallLogger(root)
    t0 = time.perf_counter()
    call = patter.Call("bench-transcript", direction="inbound", provider_mode="pipeline", logger=logger)
    for _ in range(TURNS):
        call.start_turn()
        with call.stt("deepgram") as stt:
            stt.transcript(USER_TEXT, 0.93, 1.5)
        with call.tts("elevenlabs", AGENT_TEXT):
            pass
        call.end_turn()
    call.end()
    logger.flush()
    return (time.perf_counter() - t0) / (2 * TURNS)


class PlainLogger:
    """The plain-Python reference: the caller enqueues dicts, a thread appends JSON lines."""

    def __init__(self, path: str) -> None:
        self.q: "queue.Queue" = queue.Queue(maxsize=65536)
        self.fh = open(path, "a", encoding="utf-8")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.q.get()
            if item is None:
                break
            self.fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.fh.flush()

    def log(self, line: dict) -> None:
        self.q.put(line)

    def close(self) -> None:
        self.q.put(None)
        self.thread.join()
        self.fh.close()


def plain_transcripts(root: str) -> float:
    log = PlainLogger(os.path.join(root, "transcript.jsonl"))
    t0 = time.perf_counter()
    for i in range(TURNS):
        ts = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log.log({"schema_version": "1.0", "turn_index": i + 1, "role": "user", "text": USER_TEXT, "ts": ts,
                 "interrupted": False, "latency": None, "usage": None, "cost": None})
        log.log({"schema_version": "1.0", "turn_index": i + 1, "role": "assistant", "text": AGENT_TEXT, "ts": ts,
                 "interrupted": False,
                 "latency": {"ttfb_ms": 0.1, "turn_ms": 0.2, "stt_ms": 0.0, "endpoint_ms": None,
                             "llm_ttft_ms": None, "llm_ms": None, "tts_ttfb_ms": None},
                 "usage": {"stt_seconds": 1.5, "tts_chars": len(AGENT_TEXT), "llm_input_tokens": 0,
                           "llm_output_tokens": 0, "llm_cached_input_tokens": 0},
                 "cost": {"total": 0.0, "telephony": 0.0, "stt": 0.0, "tts": 0.0, "llm": 0.0, "realtime": 0.0}})
    log.close()
    return (time.perf_counter() - t0) / (2 * TURNS)


def best_of(fn: Callable[[str], float], rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        root = tempfile.mkdtemp(prefix="patter-bench-")
        try:
            samples.append(fn(root))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return statistics.median(samples)


def main() -> None:
    print(f"python {sys.version.split()[0]}, patter {patter.__version__}, N={N} x {ROUNDS} rounds (median)")
    p_run = patter_spans()
    o_run = otel_spans()
    # Interleave so both see the same machine load.
    p = best_per_op(p_run)
    o = best_per_op(o_run)
    p2 = best_per_op(p_run)
    o2 = best_per_op(o_run)
    p, o = min(p, p2), min(o, o2)
    print(f"span  patter (Rust core)          {p * 1e6:8.2f} us/span")
    print(f"span  opentelemetry-sdk (Python)  {o * 1e6:8.2f} us/span")
    print(f"span  ratio                       {o / p:8.1f}x cheaper through patter (target >= 25x)")
    stats = tracing_stats()
    print(f"      patter pipeline: ended={stats['spans_ended']} dropped={stats['dropped']}")
    o_run.provider.shutdown()  # type: ignore[attr-defined]
    shutdown_tracing()  # tracing off for the disk benchmark

    pt = min(best_of(patter_transcripts), best_of(patter_transcripts))
    lt = min(best_of(plain_transcripts), best_of(plain_transcripts))
    print(f"line  patter (Rust writer thread)     {pt * 1e6:8.2f} us/transcript line ({TURNS} turns, to disk)")
    print(f"line  plain Python JSONL thread       {lt * 1e6:8.2f} us/transcript line")
    print(f"line  ratio                           {lt / pt:8.1f}x cheaper through patter")


if __name__ == "__main__":
    main()
