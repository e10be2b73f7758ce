"""Writes BENCHMARKS.md from bench_compare.py's results (see that file)."""

from __future__ import annotations

import statistics


def _differing(d) -> str:
    """The calls only one side kept, with the times each side orders them by."""
    if not d or not (d.get("patter_only") or d.get("reference_only")):
        return ""
    def one(c):
        return f"`{c['call_id']}` started {c.get('started_at')}, ended {c.get('ended_at')}"
    return ("; kept by libpatter only: " + ", ".join(one(c) for c in d["patter_only"])
            + "; by the reference only: " + ", ".join(one(c) for c in d["reference_only"])
            + " (the reference orders by `started_at`, ties in directory order; libpatter by `ended_at`, ties by "
              "call id; both times are written in milliseconds, so calls the generator wrote within one "
              "millisecond tie)")



def _node_caller_clock(clock) -> str:
    """How compare-spans.js timed the caller, in words."""
    if clock == "thread-cpu":
        return ("Caller time is the calling thread's CPU time over each chunk, on both sides (the addon's "
                "`__threadCpuNs`, `CLOCK_THREAD_CPUTIME_ID`, as the Python side's `time.thread_time()`; Node 20 "
                "has no per-thread CPU clock of its own): libpatter's export thread and the collector processes, "
                "which share the machine's cores, do not count.")
    return ("Caller time is the loop's wall time (no per-thread CPU clock here): libpatter's export thread "
            "and the collector processes compete with the caller for the machine's cores while the loop runs, "
            "whereas the SDK's export work runs between chunks, outside the caller's time.")


def _python_form(form: str) -> str:
    """What the patter side of compare_spans.py does per span, in words."""
    if form == "record":
        return ("libpatter side: one call per finished LLM iteration, `call.record_llm(\"openai\", duration_ms, "
                "\"gpt-4o-mini\", 3, ttft_ms, 412, 36)` (positional arguments), its host reading `time.monotonic()` "
                "three times per span (start, first token, end) and computing both durations in the loop; the core "
                "checks the arguments and builds the same span, usage, cost and metrics as the span form.")
    return ("libpatter side: the span form, `with call.llm(\"openai\", \"gpt-4o-mini\", 3) as span: "
            "span.first_token(); span.usage(412, 36)` (5 crossings; the core reads its own clock).")


def _node_form(form: str) -> str:
    """What the patter side of compare-spans.js does per span, in words."""
    if form == "record":
        return ("patter side: one call per finished LLM iteration, `call.recordLlm('openai', durationMs, { model, "
                "historySize, ttftMs, inputTokens, outputTokens })`, its host reading `performance.now()` three times "
                "per span (start, first token, end) and building the options object in the loop.")
    return ("patter side: the span form, `call.llm('openai', { model, historySize })`, `firstToken()`, "
            "`usage(412, 36)`, `end()` (4 crossings; the core reads its own clock).")

def _r(s: dict) -> str:
    return f"{s['min']:.1f}× / **{s['median']:.1f}×** / {s['max']:.1f}×"


def _med(xs) -> float:
    return statistics.median(xs)


def write(res: dict, path: str) -> None:
    m = res["machine"]
    ps, ns, off = res["python_spans"], res["node_spans"], res["node_off"]
    rows = [
        ("Python LLM span, caller time", f"{_med(ps['patter']['caller_us']):.2f} µs",
         f"{_med(ps['otel']['caller_us']):.2f} µs", _r(ps["ratio_caller"]), "≥ 30×"),
        ("Python LLM span, process CPU (export thread included)", f"{_med(ps['patter']['cpu_us']):.2f} µs",
         f"{_med(ps['otel']['cpu_us']):.2f} µs", _r(ps["ratio_cpu"]), "≥ 10×"),
        ("Node LLM span, caller time", f"{_med(ns['patter']['caller_ns']):.0f} ns",
         f"{_med(ns['otel']['caller_ns']):.0f} ns", _r(ns["ratio_caller"]), "≥ 4×"),
        ("Node LLM span, process CPU (export thread included)", f"{_med(ns['patter']['cpu_ns']):.0f} ns",
         f"{_med(ns['otel']['cpu_ns']):.0f} ns", _r(ns["ratio_cpu"]), "≥ 2×"),
        ("Node span, tracing off vs OTel API no-op tracer, caller", f"{_med(off['patter']['caller_ns']):.0f} ns",
         f"{_med(off['otel']['caller_ns']):.0f} ns", _r(off["ratio_caller"]), "≥ 1×"),
    ]
    for h in res["hydrate"]:
        rows.append((f"hydrate {h['calls']:,} calls (reference layout, one day), warm",
                     f"{h['warm_ms']['patter']['median']:.1f} ms", f"{h['warm_ms']['reference']['median']:.1f} ms",
                     _r(h["warm_ratio"]), "≤ 50 ms" if h["calls"] == 20000 else "flat from 1k to 100k"))
        if h.get("cold_ms"):
            rows.append((f"hydrate {h['calls']:,} calls, cold (page, dentry and inode caches dropped)",
                         f"{h['cold_ms']['patter']['median']:.0f} ms", f"{h['cold_ms']['reference']['median']:.0f} ms",
                         _r(h["cold_ratio"]), "≤ 500 ms" if h["calls"] == 20000 else "flat from 1k to 100k"))
    mem = {x["side"]: x for x in res["memory"]}

    def mib(x, k):
        return (x[k] - x["rss_before_kib"]) / 1024

    if "patter" in mem and "otel" in mem:
        rows.append(("RSS growth after a 1M-span burst, 2 s after flush (Python)",
                     f"{mib(mem['patter'], 'rss_after_flush_kib'):+.0f} MiB",
                     f"{mib(mem['otel'], 'rss_after_flush_kib'):+.0f} MiB", "—", "≤ queue bound"))

    L = []
    L.append("# Benchmarks\n")
    L.append("Written by `make bench-compare` — do not edit by hand; rerun it. Every figure below was "
             "measured in the one run described here, both sides in the same run, rounds interleaved. "
             "Ratios are reference ÷ libpatter per round (min / **median** / max): above 1× libpatter is "
             "cheaper. A benchmark reports numbers; it is not a test and asserts nothing.\n")
    L.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, Linux {m['kernel']}; "
             f"Python {m['python']}, Node {m['node']}, {m['rustc']}. Run {m['date']}.\n")
    L.append("| measure | libpatter | reference | ratio (min / median / max) | goal (issue 14) |")
    L.append("|---|---|---|---|---|")
    for r in rows:
        L.append("| " + " | ".join(r) + " |")
    L.append("")
    L.append("## Settings of both sides\n")
    pv, nv = res["python_versions"], res["node_versions"]
    L.append(f"* **Python spans** (`bindings/python/bench/compare_spans.py`): {ps['rounds']} rounds × "
             f"{ps['n_per_round']:,} spans per side. libpatter {pv.get('patter')} (abi3 wheel, release) with "
             f"`init_tracing(otlp_endpoint=…)`; reference opentelemetry-sdk {pv.get('opentelemetry-sdk')} "
             f"`TracerProvider` + `BatchSpanProcessor` + `OTLPSpanExporter` (opentelemetry-exporter-otlp-proto-http "
             f"{pv.get('opentelemetry-exporter-otlp-proto-http')}), plain `tracer.start_span` + `set_attribute` (iteration, "
             "TTFT) + `set_attributes` (usage, cost) + `end()`, its host reading `time.monotonic()` twice per span (start, "
             "first token). " + _python_form(ps.get("patter_form", "spans")) + " Both: OTLP/HTTP "
             "protobuf to their own loopback collector process (decodes and counts spans), queue 65,536, batch 512, "
             "delay 500 ms, force-flush at the end of every round (charged to that round's CPU). Same span name, "
             "parent and 17 attributes. libpatter runs with its defaults, so it also does work the SDK side "
             "does not: it prices each usage report (`patter.cost.usd`) and records its OTLP metrics "
             "(token usage, operation duration, cost; on by default with tracing, exported every 60 s). Caller time = the calling thread's CPU time over the loop (`time.thread_time()`, immune to other load); process CPU = `time.process_time()` over loop and "
             f"flush. Spans delivered: {ps['delivered']}; libpatter dropped {ps['patter_dropped']}.")
    L.append(f"* **Node spans** (`bindings/node/bench/compare-spans.js`): {ns['rounds']} rounds × {ns['n_per_round']:,} "
             f"spans. patter addon {nv.get('patter')} (release); reference @opentelemetry/sdk-trace-base "
             f"{nv.get('@opentelemetry/sdk-trace-base')} `BasicTracerProvider` + `BatchSpanProcessor` + "
             f"`OTLPTraceExporter` (@opentelemetry/exporter-trace-otlp-proto {nv.get('@opentelemetry/exporter-trace-otlp-proto')}), "
             "same queue/batch/delay, same collectors, `tracer.startSpan` + `setAttribute` (iteration, TTFT) + "
             "`setAttributes` (usage, cost) + `end()`, its host reading `performance.now()` twice per span (start, "
             "first token). " + _node_form(ns.get("patter_form", "spans")) + " libpatter with its defaults (cost and "
             "OTLP metrics recorded too, as above). The loop yields to the event loop every "
             "1,000 spans (the SDK exports on the event loop; that time is not caller time). "
             + _node_caller_clock(ns.get("caller_clock")) + " Process CPU = `process.cpuUsage()` (all threads) over "
             f"loop and flush. Spans delivered: {ns.get('delivered')}; libpatter dropped {ns.get('patter_dropped')}.")
    L.append(f"* **Node, tracing off**: patter with `PATTER_OTEL_ENABLED` unset versus `@opentelemetry/api` "
             f"{nv.get('@opentelemetry/api')} `trace.getTracer()` with no provider registered (the no-op tracer); "
             "each side makes the same calls as with tracing on (the host's clock reads included). "
             + _node_form(off.get("patter_form", "spans")))
    for h in res["hydrate"]:
        L.append(f"* **Hydrate, {h['calls']:,} calls** (`bindings/python/bench/compare_hydrate.py`): tree written by "
                 f"getpatter {pv.get('getpatter')}'s own `CallLogger` (one day directory; metadata.json rewritten at "
                 "end, 3 transcript rows, 1 event per call). Both sides: a fresh 500-call store and `hydrate(root)`; "
                 f"{h.get('rounds', 7)} warm rounds (after one untimed run of each), {h.get('cold_rounds', 3)} cold. "
                 f"Same 500 call ids kept: **{h['same_ids']}** (kept: {h['kept']})" + _differing(h.get("differing"))
                 + f". libpatter's report: {h['patter_report']}.")
    L.append("* **Memory**: a fresh process per side, 2,000 warm-up spans, then 1,000,000 spans in a tight loop "
             "(more than the 65,536 queue holds: the rest is dropped and counted, never blocking), flush, 2 s idle. "
             + "; ".join(f"{s}: RSS {x['rss_before_kib'] // 1024} → {x['rss_after_burst_kib'] // 1024} (burst) → "
                         f"{x['rss_after_flush_kib'] // 1024} MiB (flushed), delivered {x['delivered']:,}"
                         for s, x in mem.items()) + ".")
    if res.get("rust_encode"):
        L.append("\n## The export thread (Rust, criterion and a sustained-export run)\n")
        L.append("`cargo bench -p patter-core --bench encode` (libpatter's direct encoders versus the "
                 "prost/serde structures the official exporter builds) and `--bench export_throughput` "
                 "(sustained export with the real sinks; export-thread CPU from /proc):\n")
        L.append("```text")
        L.append(res["rust_encode"].strip())
        L.append("")
        L.append(res["rust_export"].strip())
        L.append("```")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
