'use strict'
// attachSpanExporter / detachSpanExporter: idempotency, the side default, a throwing or
// refusing exporter counted as failed (never thrown into the call), stats.

const test = require('node:test')
const assert = require('node:assert/strict')
const { collector, pipelineTurn } = require('./helpers')

delete process.env.PATTER_OTEL_ENABLED
const patter = require('patter')
const { Call } = patter

const start = (id, extra = {}) => Call.start({ callId: id, direction: 'outbound', providerMode: 'pipeline', ...extra })

test('an attached exporter records spans without PATTER_OTEL_ENABLED', async () => {
  const sink = collector()
  assert.equal(patter.isRecording(), false)
  assert.equal(patter.attachSpanExporter(sink.fn, { side: 'driver' }), true)
  assert.equal(patter.attachSpanExporter(sink.fn), false, 'attaching twice is a no-op')
  assert.equal(patter.isRecording(), true)
  assert.equal(patter.isEnabled(), false)

  const call = start('CA-exp-1')
  assert.equal(call.side, 'driver', 'side of attachSpanExporter is the default side')
  assert.match(call.traceId, /^[0-9a-f]{32}$/)
  pipelineTurn(call, 'my card is 4111-2222', 'your balance is 1,234.56')
  call.end()
  assert.equal(await patter.forceFlush(5000), true)

  const spans = sink.spans()
  assert.deepEqual(spans.map((s) => s.name).sort(), [
    'getpatter.call', 'getpatter.endpoint', 'getpatter.llm', 'getpatter.stt', 'getpatter.tts', 'getpatter.turn',
  ])
  for (const s of spans) {
    assert.equal(s.traceId, call.traceId)
    assert.equal(s.scope, 'getpatter')
  }
  const raw = JSON.stringify(sink.batches)
  assert.ok(!raw.includes('4111-2222') && !raw.includes('1,234.56'), 'no utterance text in spans')

  const stats = patter.tracingStats()
  assert.equal(stats.recording, true)
  const cb = stats.sinks.find((s) => s.name.startsWith('callback:'))
  assert.ok(cb)
  assert.equal(cb.exported, spans.length)
  assert.equal(cb.failed, 0)

  assert.equal(await patter.detachSpanExporter(sink.fn), true)
  assert.equal(await patter.detachSpanExporter(sink.fn), false)
  assert.equal(patter.isRecording(), false)
  assert.equal(start('CA-exp-off').isRecording, false)
})

test('a throwing or refusing exporter counts failures; the call never sees them', async () => {
  const thrower = () => {
    throw new Error('exporter is down')
  }
  const refuser = () => false
  const good = collector()
  assert.equal(patter.attachSpanExporter(thrower), true)
  assert.equal(patter.attachSpanExporter(refuser), true)
  assert.equal(patter.attachSpanExporter(good.fn), true)
  const call = start('CA-exp-2', { side: 'uut' })
  pipelineTurn(call, 'hi', 'hello')
  call.end()
  assert.equal(await patter.forceFlush(5000), true)
  const stats = patter.tracingStats()
  const bySink = stats.sinks.filter((s) => s.name.startsWith('callback:'))
  assert.equal(bySink.length, 3)
  const failed = bySink.filter((s) => s.failed === 6)
  assert.equal(failed.length, 2, JSON.stringify(bySink))
  assert.ok(failed.some((s) => /exporter is down/.test(s.lastError)), JSON.stringify(bySink))
  assert.ok(failed.some((s) => /returned false/.test(s.lastError)), JSON.stringify(bySink))
  assert.equal(good.spans().length, 6)
  // Host exporters deliver on threads of their own: the pipeline's totals count a batch once it
  // is queued for them; what each exporter made of it is its line in `sinks` (checked above).
  assert.equal(stats.failed, 0)

  // Shutdown removes every exporter; attaching again afterwards works.
  await patter.shutdownTracing()
  assert.equal(patter.isRecording(), false)
  assert.equal(patter.tracingStats().sinks.length, 0)
  assert.equal(patter.attachSpanExporter(good.fn), true)
  assert.equal(await patter.detachSpanExporter(good.fn), true)
})

test('the process exits with an exporter attached (the exporter does not hold the event loop)', async () => {
  const { spawnSync } = require('node:child_process')
  const script = `
    const p = require('patter')
    p.attachSpanExporter(() => {})
    const c = p.Call.start({ callId: 'CA-exit', direction: 'inbound', providerMode: 'x' })
    c.llm('openai').end()
    c.end()
  `
  const r = spawnSync(process.execPath, ['-e', script], { env: process.env, timeout: 20_000, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
})

test('an async exporter that rejects does not crash the host', async () => {
  const { spawnSync } = require('node:child_process')
  const script = `
    const p = require('patter')
    const ex = async () => { throw new Error('async exporter down') }
    p.attachSpanExporter(ex)
    const c = p.Call.start({ callId: 'CA-async', direction: 'inbound', providerMode: 'x' })
    c.llm('openai').end()
    c.end()
    p.forceFlush(5000).then(async (ok) => {
      await new Promise((r) => setTimeout(r, 50))
      const detached = await p.detachSpanExporter(ex)
      process.stdout.write(JSON.stringify({ ok, detached }))
    })
  `
  const r = spawnSync(process.execPath, ['-e', script], { env: process.env, timeout: 20_000, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { ok: true, detached: true })
})

test('every exporter gets OTLP protobuf; decodeSpans reads it, and rejects what is not a batch', async () => {
  const got = []
  const fn = (batch) => { got.push(batch) }
  assert.equal(patter.attachSpanExporter(fn), true)
  const call = start('CA-exp-pb')
  call.llm('openai').end()
  call.end()
  assert.equal(await patter.forceFlush(5000), true)
  assert.equal(await patter.detachSpanExporter(fn), true)
  assert.ok(got.length > 0 && got.every((b) => Buffer.isBuffer(b)))
  const names = got.flatMap((b) => patter.decodeSpans(b).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name))))
  assert.deepEqual(names.sort(), ['getpatter.call', 'getpatter.llm', 'getpatter.turn'])
  assert.deepEqual(patter.decodeSpans(Buffer.alloc(0)), { resourceSpans: [] })
  assert.throws(() => patter.decodeSpans(Buffer.from([0xff, 0xff, 0xff])), (e) => e.code === 'PATTER_INVALID_ARGUMENT' && /batch/.test(e.message))
})
