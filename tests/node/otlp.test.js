'use strict'
// A full call exported over OTLP/HTTP to the real test receiver (tests/receiver, decoding with
// the official opentelemetry-proto package), configured through the environment like a user
// would.

const test = require('node:test')
const assert = require('node:assert/strict')
const { startReceiver, pipelineTurn } = require('./helpers')

test('a full call reaches the OTLP receiver with the catalogue attributes', async (t) => {
  const rx = await startReceiver('ok')
  t.after(() => rx.stop())
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
  process.env.PATTER_OTEL_ENABLED = '1'
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = rx.endpoint
  process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-test-token=s3cret'
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=test'
  const patter = require('patter')

  assert.equal(patter.initTracing({ serviceName: 'node-e2e', resourceAttributes: { 'team': 'voice' } }), true)
  assert.equal(patter.isEnabled(), true)
  assert.equal(patter.initTracing(), true, 'a second init keeps the running configuration')

  const call = patter.Call.start({
    callId: 'CA-node-e2e', direction: 'inbound', providerMode: 'pipeline', telephonyProvider: 'twilio',
    caller: '+15555550100', callee: '+15555550199',
  })
  assert.equal(call.isRecording, true)
  await call.run(async () => {
    const c = patter.currentCall()
    pipelineTurn(c, 'what is my balance on account 4111-2222', 'your balance is 1,234.56')
    c.endTurn()
    await new Promise((r) => setTimeout(r, 5))
    c.startTurn()
    const tool = c.tool('lookup_account', 'handler', '{"account":"4111-2222"}')
    tool.toolResult('{"balance":1234.56}')
    tool.end()
    pipelineTurn(c, 'move my appointment to Friday', 'done, shall I book it')
    const b = c.bargein('shall I book it')
    b.end()
  })
  const end = call.end()
  assert.equal(end.status, 'completed')
  assert.equal(end.turns, 2)
  await patter.shutdownTracing()
  assert.equal(patter.isEnabled(), false)

  const spans = await rx.waitForSpans(13)
  const names = spans.map((s) => s.name).sort()
  assert.deepEqual(names, [
    'getpatter.bargein', 'getpatter.call', 'getpatter.endpoint', 'getpatter.endpoint', 'getpatter.llm', 'getpatter.llm',
    'getpatter.stt', 'getpatter.stt', 'getpatter.tool', 'getpatter.tts', 'getpatter.tts', 'getpatter.turn', 'getpatter.turn',
  ])
  const reqs = rx.requests()
  assert.ok(reqs.every((r) => r.path === '/v1/traces'))
  assert.ok(reqs.every((r) => r.headers['x-test-token'] === 's3cret'))
  const root = spans.find((s) => s.name === 'getpatter.call')
  assert.equal(root.traceId, call.traceId)
  assert.equal(root.parentSpanId, '')
  assert.equal(root.resource['service.name'], 'node-e2e')
  assert.equal(root.resource['deployment.environment'], 'test')
  assert.equal(root.resource.team, 'voice')
  assert.equal(root.attributes['getpatter.call.id'], 'CA-node-e2e')
  assert.equal(root.attributes['getpatter.call.direction'], 'inbound')
  assert.equal(root.attributes['getpatter.call.provider_mode'], 'pipeline')
  assert.equal(root.attributes['getpatter.call.status'], 'completed')
  assert.equal(root.attributes['patter.telephony'], 'twilio')
  assert.equal(root.attributes['patter.direction'], 'inbound')
  assert.equal(root.types['patter.cost.telephony_minutes'], 'double')

  const turns = spans.filter((s) => s.name === 'getpatter.turn').sort((a, b) => a.attributes['getpatter.turn.number'] - b.attributes['getpatter.turn.number'])
  assert.deepEqual(turns.map((s) => s.attributes['getpatter.turn.number']), [1, 2])
  assert.deepEqual(turns.map((s) => s.attributes['getpatter.turn.interrupted']), [false, true])
  for (const turn of turns) {
    assert.equal(turn.parentSpanId, root.spanId)
    assert.equal(turn.types['patter.latency.ttfb_ms'], 'double')
    assert.equal(turn.types['patter.latency.turn_ms'], 'double')
  }
  const turnIds = new Set(turns.map((s) => s.spanId))
  for (const s of spans) {
    assert.equal(s.traceId, call.traceId)
    assert.equal(s.attributes['getpatter.call.id'], 'CA-node-e2e')
    if (!['getpatter.call', 'getpatter.turn'].includes(s.name)) assert.ok(turnIds.has(s.parentSpanId), s.name)
  }
  const llm = spans.find((s) => s.name === 'getpatter.llm')
  assert.equal(llm.attributes['patter.llm.provider'], 'openai')
  assert.equal(llm.attributes['gen_ai.request.model'], 'gpt-4o-mini')
  assert.equal(llm.attributes['patter.cost.llm_input_tokens'], 120)
  assert.equal(llm.attributes['gen_ai.usage.input_tokens'], 128)
  assert.equal(llm.attributes['getpatter.llm.history_size'], 4)
  assert.equal(llm.types['getpatter.llm.ttft_ms'], 'double')
  assert.equal(llm.attributes['patter.side'], 'uut')
  const stt = spans.find((s) => s.name === 'getpatter.stt')
  assert.equal(stt.attributes['getpatter.stt.text_len'], 'what is my balance on account 4111-2222'.length)
  assert.equal(stt.attributes['patter.cost.stt_seconds'], 1.5)
  const tool = spans.find((s) => s.name === 'getpatter.tool')
  assert.equal(tool.attributes['getpatter.tool.name'], 'lookup_account')
  assert.equal(tool.attributes['getpatter.tool.transport'], 'handler')
  const bargein = spans.find((s) => s.name === 'getpatter.bargein')
  assert.equal(bargein.attributes['getpatter.bargein.cancelled_text_len'], 'shall I book it'.length)

  const raw = JSON.stringify(reqs) + JSON.stringify(spans, (k, v) => (typeof v === 'bigint' ? String(v) : v))
  for (const pii of ['4111-2222', 'balance on account', 'appointment to Friday', '1,234.56', '1234.56', '+15555550100']) {
    assert.ok(!raw.includes(pii), `PII ${pii} leaked into the export`)
  }
  const stats = patter.tracingStats()
  assert.equal(stats.dropped, 0)
  assert.equal(stats.failed, 0)
})
