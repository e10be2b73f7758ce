#!/usr/bin/env node
'use strict'
// Benchmark (not a test), part of `make bench-compare`: one `getpatter.llm` span through patter's
// Node addon versus the official JS SDK, with fair settings on both sides.
//
// Tracing on (default mode): both sides export OTLP/HTTP protobuf to their own loopback collector
// (a separate process, given as COLLECTOR_P and COLLECTOR_O), with the same queue bound (65,536),
// batch size (512) and delay (500 ms) — patter's defaults, given explicitly to the SDK's
// BatchSpanProcessor + OTLPTraceExporter (@opentelemetry/exporter-trace-otlp-proto). Same span,
// same parent, same attributes; the SDK's plain tracer.startSpan. Per round of N spans, rounds
// interleaved (A B, then B A): caller time (the calling thread's CPU time over the loop, see
// CALLER_CLOCK below; the loop yields to the event loop every 1,000 spans so the SDK's exporter
// can run, as it would in a server, and that time is not counted) and process CPU
// (process.cpuUsage over the loop and the flush: every thread, the addon's export thread too).
//
// Same timing work by the host on both sides: each reads `performance.now()` where its API needs a
// host-measured time. The SDK side reads it twice (span start, first token: the TTFT attribute;
// the SDK reads its own clock at start and end). patter records the finished iteration in one
// call, `call.recordLlm('openai', durationMs, { model, historySize, ttftMs, inputTokens,
// outputTokens })`, so its host reads the clock three times (start, first token, end) and
// computes both durations in the loop. PATTER_BENCH_FORM=spans measures the span form instead
// (`llm()`, `firstToken()`, `usage()`, `end()`: the core reads its clock).
//
// `--off`: tracing off in patter (PATTER_OTEL_ENABLED unset) versus the OTel API's no-op tracer
// (no provider registered), caller time only.
//
// Usage: node compare-spans.js OUT.json [--off]   (N, ROUNDS from PATTER_BENCH_N/ROUNDS)

const fs = require('node:fs')
const { performance } = require('node:perf_hooks')

const OUT = process.argv[2]
const OFF = process.argv.includes('--off')
const N = Number(process.env.PATTER_BENCH_N || 20_000)
const ROUNDS = Number(process.env.PATTER_BENCH_ROUNDS || 9)
const FORM = process.env.PATTER_BENCH_FORM || 'record'
const CHUNK = 1_000
const QUEUE = 65_536
const BATCH = 512
const DELAY_MS = 500

if (OFF) delete process.env.PATTER_OTEL_ENABLED
else process.env.PATTER_OTEL_ENABLED = '1'
const api = require('@opentelemetry/api')
const patter = require('patter')

// Caller time is the calling thread's CPU time, read from the addon's thread CPU clock
// (`__threadCpuNs`, CLOCK_THREAD_CPUTIME_ID) for both sides alike, as Python's side reads
// `time.thread_time()`: other threads and processes sharing the cores (patter's export thread,
// the collectors) do not count. Without that clock (not Linux/Unix): the loop's wall time.
const native = require(require('node:path').join(require('node:path').dirname(require.resolve('patter')), 'patter.node'))
const threadCpu = typeof native.__threadCpuNs === 'function' && native.__threadCpuNs() !== null ? native.__threadCpuNs : null
const CALLER_CLOCK = threadCpu ? 'thread-cpu' : 'wall'
const callerNs = threadCpu || (() => Number(process.hrtime.bigint()))

const tick = () => new Promise((r) => setImmediate(r))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const spread = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) })

const ATTRS = {
  'getpatter.call.id': 'CA-bench',
  'gen_ai.conversation.id': 'CA-bench',
  'openinference.span.kind': 'LLM',
  'patter.call_id': 'CA-bench',
  'patter.side': 'uut',
  'getpatter.llm.history_size': 3,
  'patter.llm.provider': 'openai',
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
}

function patterSide(endpoint) {
  if (!OFF) {
    process.env.PATTER_OTEL_QUEUE_SIZE = String(QUEUE)
    process.env.PATTER_OTEL_MAX_BATCH = String(BATCH)
    process.env.PATTER_OTEL_BATCH_DELAY_MS = String(DELAY_MS)
    if (!patter.initTracing({ serviceName: 'bench', otlpEndpoint: endpoint })) throw new Error('initTracing returned false')
  }
  const call = patter.Call.start({ callId: 'CA-bench', direction: 'inbound', providerMode: 'pipeline' })
  call.startTurn()
  const spans = () => {
    const s = call.llm('openai', { model: 'gpt-4o-mini', historySize: 3 })
    s.firstToken()
    s.usage(412, 36)
    s.end()
  }
  const record = () => {
    const t0 = performance.now()
    const tFirst = performance.now() // the first token
    const tEnd = performance.now() // the last token
    call.recordLlm('openai', tEnd - t0, {
      model: 'gpt-4o-mini', historySize: 3, ttftMs: tFirst - t0, inputTokens: 412, outputTokens: 36,
    })
  }
  return {
    span: { record, spans }[FORM],
    async flush() {
      if (!OFF && !(await patter.forceFlush())) throw new Error('patter forceFlush timed out')
    },
  }
}

function sdkSide(endpoint) {
  let tracer
  let provider = null
  if (OFF) {
    tracer = api.trace.getTracer('getpatter') // no provider registered: the API's no-op tracer
  } else {
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto')
    const { resourceFromAttributes } = require('@opentelemetry/resources')
    const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'bench' }),
      spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: QUEUE, maxExportBatchSize: BATCH, scheduledDelayMillis: DELAY_MS })],
    })
    tracer = provider.getTracer('getpatter')
  }
  const callSpan = tracer.startSpan('getpatter.call', { attributes: { 'getpatter.call.id': 'CA-bench' } })
  const turn = tracer.startSpan('getpatter.turn', { attributes: { 'getpatter.call.id': 'CA-bench', 'getpatter.turn.number': 1 } },
    api.trace.setSpan(api.context.active(), callSpan))
  const turnCtx = api.trace.setSpan(api.context.active(), turn)
  let it = 0
  return {
    provider,
    span() {
      const t0 = performance.now()
      const s = tracer.startSpan('getpatter.llm', { attributes: ATTRS }, turnCtx)
      s.setAttribute('getpatter.llm.iteration', ++it)
      s.setAttribute('getpatter.llm.ttft_ms', Math.round((performance.now() - t0) * 10) / 10)
      s.setAttributes({
        'patter.cost.llm_input_tokens': 412,
        'patter.cost.llm_output_tokens': 36,
        'gen_ai.usage.input_tokens': 412,
        'gen_ai.usage.output_tokens': 36,
        'patter.cost.usd': 0.000083,
      })
      s.end()
    },
    async flush() {
      if (provider) await provider.forceFlush()
    },
  }
}

async function round(side, n) {
  const c0 = process.cpuUsage()
  let caller = 0
  for (let done = 0; done < n; done += CHUNK) {
    const t0 = callerNs()
    for (let i = 0; i < CHUNK; i++) side.span()
    caller += callerNs() - t0
    await tick()
  }
  await side.flush()
  const c = process.cpuUsage(c0)
  return { caller_ns: caller / n, cpu_ns: ((c.user + c.system) * 1000) / n }
}

async function collectorSpans(endpoint) {
  const r = await fetch(`${endpoint}/count`)
  return (await r.json()).spans
}

async function main() {
  const epP = process.env.COLLECTOR_P
  const epO = process.env.COLLECTOR_O
  const p = patterSide(epP)
  const o = sdkSide(epO)
  await round(p, 2_000)
  await round(o, 2_000)
  const base = OFF ? null : [await collectorSpans(epP), await collectorSpans(epO)]
  const rounds = []
  for (let r = 0; r < ROUNDS; r++) {
    const res = {}
    const order = r % 2 ? [['otel', o], ['patter', p]] : [['patter', p], ['otel', o]]
    for (const [name, side] of order) res[name] = await round(side, N)
    rounds.push(res)
  }
  const out = {
    mode: OFF ? 'tracing off vs OTel API no-op tracer' : 'tracing on, OTLP/HTTP protobuf both sides',
    n_per_round: N,
    rounds: ROUNDS,
    patter_form: FORM,
    caller_clock: CALLER_CLOCK,
    patter: { caller_ns: rounds.map((r) => r.patter.caller_ns), cpu_ns: rounds.map((r) => r.patter.cpu_ns) },
    otel: { caller_ns: rounds.map((r) => r.otel.caller_ns), cpu_ns: rounds.map((r) => r.otel.cpu_ns) },
    ratio_caller: spread(rounds.map((r) => r.otel.caller_ns / r.patter.caller_ns)),
    ratio_cpu: spread(rounds.map((r) => r.otel.cpu_ns / r.patter.cpu_ns)),
  }
  if (!OFF) {
    out.delivered = {
      patter: (await collectorSpans(epP)) - base[0],
      otel: (await collectorSpans(epO)) - base[1],
      expected: N * ROUNDS,
    }
    out.patter_dropped = patter.tracingStats().dropped
    await patter.shutdownTracing()
    await o.provider.shutdown()
  }
  const m = (xs) => median(xs).toFixed(0)
  process.stdout.write(
    `node LLM span (${OFF ? 'tracing off' : 'tracing on'}): caller patter ${m(out.patter.caller_ns)} ns, ` +
      `${OFF ? 'OTel no-op' : 'SDK'} ${m(out.otel.caller_ns)} ns, ratio ${out.ratio_caller.median.toFixed(2)}x; ` +
      `CPU patter ${m(out.patter.cpu_ns)} ns, other ${m(out.otel.cpu_ns)} ns, ratio ${out.ratio_cpu.median.toFixed(2)}x` +
      (out.delivered ? `; delivered ${JSON.stringify(out.delivered)}` : '') + '\n',
  )
  fs.writeFileSync(OUT, JSON.stringify(out, null, 2))
}

main().catch((e) => {
  process.stderr.write(`${(e && e.stack) || require("node:util").inspect(e)}\n`)
  process.exit(1)
})
