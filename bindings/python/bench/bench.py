"""Benchmark (not a test): the cost of libpatter's Python binding against pure-Python references,
both measured in the same run.

1. One ``getpatter.llm`` span with the same 14 attributes (call id, routing tags, iteration,
   history size, provider, gen_ai.* names and usage, TTFT) under a turn span:
   ``patter`` (Rust core, tracing on, spans queued to the export thread, no exporter attached)
   versus the OpenTelemetry Python SDK (``BatchSpanProcessor`` with a no-op exporter).

Prints one line per case and the ratio. Run with ``make bench-python``.
"""

from __future__ import annotations

import os
import statistics
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
                    "patter.call_id": "bench-call",
                    "patter.side": "uut",
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
                })

    run.provider = provider  # type: ignore[attr-defined]
    return run


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
    shutdown_tracing()


if __name__ == "__main__":
    main()
