'use strict'
// Diagnostics: the core's warnings reach JS — by default as process warnings (type
// PatterWarning, code = the diagnostic's code), rate-limited per code; a host handler gets
// `{ level, code, message, suppressed }`; a throwing handler never becomes an uncaught exception.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { tmpDir } = require('./helpers')

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
const patter = require('patter')
const { Call, CallLogger } = patter

const tick = () => new Promise((resolve) => setTimeout(resolve, 50))

test('a failing call log is reported once as a PatterWarning, the rest counted', async () => {
  const warnings = []
  const onWarning = (w) => { if (w.name === 'PatterWarning') warnings.push(w) }
  process.on('warning', onWarning)
  const root = tmpDir()
  fs.writeFileSync(path.join(root, 'calls'), 'a file where the calls directory should be')
  const logger = new CallLogger({ persist: root })
  for (let i = 0; i < 100; i++) {
    Call.start({ callId: `CA-diag-${i}`, direction: 'inbound', providerMode: 'pipeline', logger }).end()
  }
  assert.equal(await logger.flush(10000), true)
  assert.equal(await patter.flushDiagnostics(), true)
  await tick()
  process.off('warning', onWarning)
  const writes = warnings.filter((w) => w.code === 'calllog.write_failed')
  assert.equal(writes.length, 1, JSON.stringify(warnings.map((w) => [w.code, w.message])))
  assert.ok(writes[0].message.includes(root))
  const st = patter.diagnosticsStats()
  assert.ok(st.raised >= 200 && st.suppressed >= 199, JSON.stringify(st))
  assert.equal(st.dropped, 0)
})

test('a host handler receives diagnostics; a throwing one is reported, not thrown', async () => {
  const got = []
  patter.setDiagnosticsHandler((d) => { got.push(d); throw new Error('handler bug') })
  const warnings = []
  const onWarning = (w) => { if (w.name === 'PatterWarning') warnings.push(w) }
  process.on('warning', onWarning)
  const refuse = () => false // every batch this exporter gets fails
  patter.attachSpanExporter(refuse)
  Call.start({ callId: 'CA-diag-export', direction: 'inbound', providerMode: 'pipeline' }).end()
  await patter.forceFlush(5000)
  assert.equal(await patter.flushDiagnostics(5000), true)
  await tick()
  process.off('warning', onWarning)
  await patter.detachSpanExporter(refuse)
  const failed = got.filter((d) => d.code === 'tracing.export_failed')
  assert.equal(failed.length, 1, JSON.stringify(got))
  assert.equal(failed[0].level, 'warn')
  assert.equal(typeof failed[0].message, 'string')
  assert.equal(failed[0].suppressed, 0)
  assert.ok(warnings.some((w) => w.message.includes('handler bug')), 'the throw became a warning')
  patter.setDiagnosticsHandler(null) // back to stderr
  assert.throws(() => patter.setDiagnosticsHandler(42), { code: 'PATTER_INVALID_ARGUMENT' })
})
