'use strict'
// Joining the host's trace: an app instrumented with the official OpenTelemetry JS API and SDK
// (@opentelemetry/api, @opentelemetry/sdk-trace-base: dev dependencies of the package, never
// runtime ones) opens a span and starts a Call inside it; the real OTLP receiver sees the call
// span under the host's span, in the host's trace. Plus explicit traceparents, a parent that is
// not sampled and malformed headers.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { ROOT, startReceiver } = require('./helpers')

const DEV = path.join(ROOT, 'bindings', 'node', 'node_modules')
const api = require(path.join(DEV, '@opentelemetry', 'api'))
const sdk = require(path.join(DEV, '@opentelemetry', 'sdk-trace-base'))

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

/** A synchronous context manager (the SDK's async-hooks one is another package). */
class StackContextManager {
  constructor() {
    this.stack = [api.ROOT_CONTEXT]
  }
  active() {
    return this.stack[this.stack.length - 1]
  }
  with(ctx, fn, thisArg, ...args) {
    this.stack.push(ctx)
    try {
      return fn.call(thisArg, ...args)
    } finally {
      this.stack.pop()
    }
  }
  bind(_ctx, target) {
    return target
  }
  enable() {
    return this
  }
  disable() {
    this.stack = [api.ROOT_CONTEXT]
    return this
  }
}

let rx
let patter
const hostSpans = new sdk.InMemorySpanExporter()
const sampled = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(hostSpans)] })
const unsampled = new sdk.BasicTracerProvider({ sampler: new sdk.AlwaysOffSampler() })

test.before(async () => {
  rx = await startReceiver('ok')
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
  process.env.PATTER_OTEL_ENABLED = '1'
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = rx.endpoint
  api.context.setGlobalContextManager(new StackContextManager())
  patter = require('patter')
  assert.equal(patter.initTracing({ serviceName: 'node-host' }), true)
})

test.after(() => rx.stop())

const opts = (callId, extra = {}) => ({ callId, direction: 'inbound', providerMode: 'pipeline', ...extra })
const ofCall = (id) => (s) => s.attributes['getpatter.call.id'] === id

test('a call started inside a host span joins its trace (the API read through its global registry)', async () => {
  const tracer = sampled.getTracer('host-app')
  let host
  let callHeader
  let llmHeader
  tracer.startActiveSpan('POST /twilio/voice', (span) => {
    host = span.spanContext()
    const call = patter.Call.start(opts('CA-node-host'))
    callHeader = call.traceparent()
    const llm = call.llm('openai', { model: 'gpt-4o-mini' })
    llmHeader = llm.traceparent()
    llm.usage(300, 25, 256)
    llm.end()
    call.end()
    span.end()
  })
  assert.match(callHeader, new RegExp(`^00-${host.traceId}-[0-9a-f]{16}-01$`))
  assert.notEqual(llmHeader, callHeader)
  assert.equal(await patter.forceFlush(), true)
  const spans = await rx.waitForSpans(3, 15_000, ofCall('CA-node-host'))
  assert.equal(spans.length, 3)
  const root = spans.find((s) => s.name === 'getpatter.call')
  assert.equal(root.traceId, host.traceId)
  assert.equal(root.parentSpanId, host.spanId)
  assert.equal(root.flags, 0x301) // sampled, has is_remote, is_remote
  assert.equal(callHeader, `00-${root.traceId}-${root.spanId}-01`)
  for (const s of spans) {
    assert.equal(s.traceId, host.traceId, 'one trace: the host span, the call and its spans')
    assert.equal(s.attributes['gen_ai.conversation.id'], 'CA-node-host')
  }
  const llm = spans.find((s) => s.name === 'getpatter.llm')
  assert.equal(llmHeader, `00-${llm.traceId}-${llm.spanId}-01`)
  assert.equal(llm.attributes['gen_ai.usage.cache_read.input_tokens'], 256)
  assert.equal(llm.attributes['gen_ai.usage.input_tokens'], 556)
  const exported = hostSpans.getFinishedSpans()
  assert.equal(exported.length, 1)
  assert.equal(exported[0].spanContext().spanId, root.parentSpanId)
})

test('an explicit traceparent and tracestate win over the host context', async () => {
  const tracer = sampled.getTracer('host-app')
  tracer.startActiveSpan('webhook', (span) => {
    const call = patter.Call.start(opts('CA-node-explicit', { traceparent: PARENT, tracestate: 'congo=t61rcWkgMzE' }))
    call.end()
    span.end()
  })
  assert.equal(await patter.forceFlush(), true)
  const [root] = await rx.waitForSpans(1, 15_000, ofCall('CA-node-explicit'))
  assert.equal(root.traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(root.parentSpanId, '00f067aa0ba902b7')
  assert.equal(root.traceState, 'congo=t61rcWkgMzE')
})

test('a host span that is not sampled: nothing exported, the parent propagated, costs computed', async () => {
  const tracer = unsampled.getTracer('host-app')
  let header
  let host
  let end
  tracer.startActiveSpan('sampled out', (span) => {
    host = span.spanContext()
    const call = patter.Call.start(opts('CA-node-unsampled'))
    assert.equal(call.isRecording, false)
    header = call.traceparent()
    const tts = call.tts('elevenlabs', 'Hello there.')
    assert.equal(tts.traceparent(), header)
    tts.end()
    end = call.end()
    span.end()
  })
  assert.equal(header, `00-${host.traceId}-${host.spanId}-00`)
  assert.equal(end.cost.tts, 0.0006)
  // A later call that is exported proves the earlier one's spans would have arrived by now.
  patter.Call.start(opts('CA-node-after')).end()
  assert.equal(await patter.forceFlush(), true)
  await rx.waitForSpans(1, 15_000, ofCall('CA-node-after'))
  assert.equal(rx.spans().filter(ofCall('CA-node-unsampled')).length, 0)
})

test('malformed headers are refused with the core message, naming the argument', () => {
  const bad = [
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'traceparent', 'the trace id is all zeros'],
    [PARENT.toUpperCase(), 'traceparent', 'the trace id is not 32 lowercase hex digits'],
    [`${PARENT}-x`, 'traceparent', 'expected 55 for version 00'],
  ]
  for (const [tp, name, why] of bad) {
    assert.throws(() => patter.Call.start(opts('CA-node-bad', { traceparent: tp })), (err) => {
      assert.equal(err.code, 'PATTER_INVALID_ARGUMENT')
      assert.ok(err.message.startsWith(`invalid argument \`${name}\`: must be a W3C traceparent`), err.message)
      assert.ok(err.message.includes(why), err.message)
      return true
    })
  }
  assert.throws(() => patter.Call.start(opts('CA-node-bad', { tracestate: 'a=1' })), {
    code: 'PATTER_INVALID_ARGUMENT',
    message: 'invalid argument `tracestate`: needs traceparent',
  })
  assert.throws(() => patter.Call.start(opts('CA-node-bad', { traceparent: PARENT, tracestate: 'A=1' })), {
    code: 'PATTER_INVALID_ARGUMENT',
  })
  const call = patter.Call.start(opts('CA-node-args'))
  assert.throws(() => call.bargein('x', { audioPlayedMs: -1 }), { code: 'PATTER_INVALID_ARGUMENT' })
  assert.throws(() => call.tool('t', null, null, { toolCallId: '' }), { code: 'PATTER_INVALID_ARGUMENT' })
  const b = call.bargein('x', { audioPlayedMs: 320 })
  assert.throws(() => b.toolCallId('c1'), { code: 'PATTER_INVALID_ARGUMENT' })
  b.end()
  call.end()
})

test('the API resolved as a package (NODE_PATH) and tracing off: the host parent propagated as is', () => {
  const script = `
    const api = require('@opentelemetry/api')
    const sdk = require('@opentelemetry/sdk-trace-base')
    const patter = require('patter')
    const stack = [api.ROOT_CONTEXT]
    api.context.setGlobalContextManager({
      active: () => stack[stack.length - 1],
      with: (ctx, fn, self, ...a) => { stack.push(ctx); try { return fn.call(self, ...a) } finally { stack.pop() } },
      bind: (_c, t) => t, enable() { return this }, disable() { return this },
    })
    const provider = new sdk.BasicTracerProvider()
    provider.getTracer('t').startActiveSpan('host', (span) => {
      const call = patter.Call.start({ callId: 'CA-node-off', direction: 'inbound', providerMode: 'pipeline' })
      const sc = span.spanContext()
      console.log(JSON.stringify({ header: call.traceparent(), recording: call.isRecording,
                                   host: '00-' + sc.traceId + '-' + sc.spanId + '-01' }))
      call.end()
      span.end()
    })
    const outside = patter.Call.start({ callId: 'CA-node-off-2', direction: 'inbound', providerMode: 'pipeline' })
    console.log(JSON.stringify({ outside: outside.traceparent() }))
    outside.end()
  `
  const env = { ...process.env, NODE_PATH: [path.resolve(require.resolve('patter'), '..', '..'), DEV].join(path.delimiter) }
  delete env.PATTER_OTEL_ENABLED
  const res = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })
  assert.equal(res.status, 0, res.stderr)
  const [first, second] = res.stdout.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(first.recording, false)
  assert.equal(first.header, first.host)
  assert.equal(second.outside, null)
})
