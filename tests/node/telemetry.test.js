'use strict'
// The initTracing options for OTLP metrics and call-record logs reach the core: checked on the
// real test receiver (tests/receiver, decoding with the official opentelemetry-proto package).

const test = require('node:test')
const assert = require('node:assert/strict')
const { startReceiver, pipelineTurn } = require('./helpers')

const logRecords = (rx) =>
  rx.logRequests().flatMap((r) =>
    (r.request.resourceLogs || []).flatMap((rl) => (rl.scopeLogs || []).flatMap((sl) => sl.logRecords || [])),
  )
const attr = (rec, key) => (rec.attributes || []).find((kv) => kv.key === key)?.value

test('otelLogs / otelLogTexts / metrics options switch the exports', async (t) => {
  const rx = await startReceiver('ok')
  t.after(() => rx.stop())
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
  process.env.PATTER_OTEL_ENABLED = '1'
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = rx.endpoint
  const patter = require('patter')

  // Logs on without texts, metrics off.
  assert.equal(patter.initTracing({ serviceName: 'node-logs', otelLogs: true, metrics: false }), true)
  let tel = patter.tracingStats().telemetry
  assert.equal(tel.logsEnabled, true)
  assert.equal(tel.metricsEnabled, false)
  const call = patter.Call.start({ callId: 'CA-node-logs', direction: 'inbound', providerMode: 'pipeline', caller: '+15555550123' })
  await call.run(async () => pipelineTurn(patter.currentCall(), 'my account is 4111-2222', 'your balance is 1,234.56'))
  call.end()
  await patter.shutdownTracing()
  tel = patter.tracingStats().telemetry
  assert.ok(tel.logRecordsEmitted > 0)
  assert.equal(tel.logRecordsExported, tel.logRecordsEmitted)
  assert.equal(tel.metricExports, 0)
  let recs = logRecords(rx)
  assert.equal(recs.length, tel.logRecordsExported)
  const names = new Set(recs.map((r) => r.eventName))
  for (const n of ['patter.call.start', 'patter.call.end', 'patter.transcript']) assert.ok(names.has(n), n)
  for (const r of recs) {
    assert.equal(attr(r, 'gen_ai.conversation.id').stringValue, 'CA-node-logs')
    assert.equal(r.body, undefined)
  }
  const raw = JSON.stringify(recs)
  for (const pii of ['4111-2222', '1,234.56', '+15555550123']) assert.ok(!raw.includes(pii), pii)
  assert.equal(rx.metricRequests().length, 0)

  // Texts on, metrics back to their default (on with tracing).
  assert.equal(patter.initTracing({ serviceName: 'node-texts', otelLogs: true, otelLogTexts: true }), true)
  const c2 = patter.Call.start({ callId: 'CA-node-texts', direction: 'outbound', providerMode: 'pipeline' })
  await c2.run(async () => pipelineTurn(patter.currentCall(), 'my account is 4111-2222', 'ok'))
  c2.end()
  await patter.shutdownTracing()
  assert.equal(patter.tracingStats().telemetry.metricExports, 1)
  recs = logRecords(rx).filter((r) => attr(r, 'gen_ai.conversation.id').stringValue === 'CA-node-texts')
  assert.ok(recs.some((r) => r.body?.stringValue === 'my account is 4111-2222'))
  const metricNames = rx.metricRequests().flatMap((r) =>
    r.request.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name))),
  )
  assert.ok(metricNames.includes('patter.calls'))
  assert.ok(metricNames.includes('gen_ai.client.token.usage'))
})
