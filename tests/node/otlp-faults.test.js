'use strict'
// The collector failing or gone: calls never see it; failures are counted in tracingStats();
// shutdown stays bounded.

const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { startReceiver, pipelineTurn } = require('./helpers')

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
process.env.PATTER_OTEL_ENABLED = '1'
process.env.PATTER_OTEL_EXPORT_TIMEOUT_MS = '2000'
const patter = require('patter')

async function oneCall(id) {
  const call = patter.Call.start({ callId: id, direction: 'inbound', providerMode: 'pipeline' })
  await call.run(async () => {
    pipelineTurn(patter.currentCall(), 'hello', 'hi there')
  })
  return call.end()
}

test('a collector answering 500: calls complete, failures are counted', async (t) => {
  const rx = await startReceiver('fail500')
  t.after(() => rx.stop())
  assert.equal(patter.initTracing({ otlpEndpoint: rx.endpoint }), true)
  const end = await oneCall('CA-fail500')
  assert.equal(end.status, 'completed')
  const t0 = Date.now()
  assert.equal(await patter.forceFlush(10_000), true)
  const stats = patter.tracingStats()
  const otlp = stats.sinks.find((s) => s.name.startsWith('otlp:'))
  assert.ok(otlp.failed >= 6, JSON.stringify(stats))
  assert.equal(otlp.exported, 0)
  assert.ok(otlp.lastError)
  await patter.shutdownTracing()
  assert.ok(Date.now() - t0 < 10_000)
})

test('no collector at all: shutdown stays bounded', async () => {
  const port = await new Promise((resolve) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const p = srv.address().port
      srv.close(() => resolve(p))
    })
  })
  assert.equal(patter.initTracing({ otlpEndpoint: `http://127.0.0.1:${port}` }), true)
  const before = patter.tracingStats().failed
  await oneCall('CA-nocollector')
  const t0 = Date.now()
  await patter.shutdownTracing()
  assert.ok(Date.now() - t0 < 10_000, 'shutdown took too long')
  assert.ok(patter.tracingStats().failed > before)
})
