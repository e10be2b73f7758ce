#!/usr/bin/env node
'use strict'
// Benchmark (not a test): the cost of one `getpatter.llm` span, made through patter versus the
// official JS SDK (@opentelemetry/sdk-trace-base, BatchSpanProcessor, no-op exporter), with the
// same attributes and the same parent, measured in the same process and run. Prints ns/span of
// each and the ratio.
//
// Usage: node bench/span-bench.js [spansPerRound=50000] [rounds=7]

const { performance } = require('node:perf_hooks')
const api = require('@opentelemetry/api')
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')

process.env.PATTER_OTEL_ENABLED = '1'
const patter = require('..')

const PER_ROUND = Number(process.argv[2] || 50_000)
const ROUNDS = Number(process.argv[3] || 7)
const CHUNK = 5_000 // spans between yields, so both exporters' background work can run
const QUEUE = 65_536 // same queue size on both sides (patter's default)

const tick = () => new Promise((r) => setImmediate(r))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// --- patter: tracing on, no network sink (spans are queued, batched and discarded) ---------
patter.initTracing({ serviceName: 'bench', disableOtlp: true })
const call = patter.Call.start({ callId: 'CA-bench', direction: 'inbound', providerMode: 'pipeline' })
call.startTurn()

function patterSpan() {
  const s = call.llm('openai', { model: 'gpt-4o-mini', historySize: 4 })
  s.firstToken()
  s.usage(120, 30)
  s.end()
}

// --- the JS SDK: same span, same attributes, same parent ---------------------------------
const noopExporter = {
  export(spans, done) {
    done({ code: 0 })
  },
  shutdown: () => Promise.resolve(),
}
const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopExporter, { maxQueueSize: QUEUE, maxExportBatchSize: 512, scheduledDelayMillis: 500 })],
})
const tracer = provider.getTracer('getpatter')
const rootSpan = tracer.startSpan('getpatter.call', { attributes: { 'getpatter.call.id': 'CA-bench' } })
const turnSpan = tracer.startSpan('getpatter.turn', {}, api.trace.setSpan(api.context.active(), rootSpan))
const turnCtx = api.trace.setSpan(api.context.active(), turnSpan)
let iteration = 0

function sdkSpan() {
  const t0 = performance.now()
  const s = tracer.startSpan('getpatter.llm', {
    attributes: {
      'getpatter.call.id': 'CA-bench',
      'gen_ai.conversation.id': 'CA-bench',
      'patter.call_id': 'CA-bench',
      'patter.side': 'uut',
      'openinference.span.kind': 'LLM',
      'getpatter.llm.iteration': ++iteration,
      'getpatter.llm.history_size': 4,
      'patter.llm.provider': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
    },
  }, turnCtx)
  s.setAttribute('getpatter.llm.ttft_ms', Math.round((performance.now() - t0) * 10) / 10)
  s.setAttributes({
    'patter.cost.llm_input_tokens': 120,
    'patter.cost.llm_output_tokens': 30,
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 30,
    'patter.cost.usd': 0.000036,
  })
  s.end()
}

async function round(fn) {
  let busy = 0
  for (let done = 0; done < PER_ROUND; done += CHUNK) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < CHUNK; i++) fn()
    busy += Number(process.hrtime.bigint() - t0)
    await tick()
  }
  return busy / PER_ROUND
}

async function main() {
  // Warm-up (JIT, allocator, export threads).
  await round(patterSpan)
  await round(sdkSpan)
  const p = []
  const o = []
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate so machine noise hits both sides alike.
    p.push(await round(patterSpan))
    o.push(await round(sdkSpan))
    await patter.forceFlush(10_000)
  }
  call.end()
  await patter.shutdownTracing()
  await provider.shutdown()
  const stats = patter.tracingStats()
  const pm = median(p)
  const om = median(o)
  const out = {
    spansPerRound: PER_ROUND,
    rounds: ROUNDS,
    patterNsPerSpan: Math.round(pm),
    otelJsNsPerSpan: Math.round(om),
    ratio: Number((om / pm).toFixed(2)),
    patterRounds: p.map(Math.round),
    otelJsRounds: o.map(Math.round),
    patterSpansEnded: stats.spansEnded,
    patterDropped: stats.dropped,
  }
  process.stdout.write(
    `span cost: patter ${out.patterNsPerSpan} ns/span, @opentelemetry/sdk-trace-base ${out.otelJsNsPerSpan} ns/span ` +
      `-> patter is ${out.ratio}x cheaper (median of ${ROUNDS} rounds x ${PER_ROUND} spans; patter dropped ${out.patterDropped})\n`,
  )
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`)
  process.exit(1)
})
