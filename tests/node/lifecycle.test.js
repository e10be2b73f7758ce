'use strict'
// Process-level lifecycle: a Call collected without end() is recorded as abandoned (its open
// spans are released), and the addon works in worker threads.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')

const run = (args, script) => spawnSync(process.execPath, [...args, '-e', script], {
  env: { ...process.env, PATTER_OTEL_ENABLED: '' }, timeout: 30_000, encoding: 'utf8',
})

test('a call dropped without end() is recorded as abandoned', () => {
  const r = run(['--expose-gc'], `
    const p = require('patter')
    const store = new p.MetricsStore()
    ;(function () {
      const c = p.Call.start({ callId: 'CA-gc', direction: 'inbound', providerMode: 'x', store })
      c.llm('openai') // left open too
    })()
    setTimeout(async () => {
      for (let i = 0; i < 10 && store.getActiveCalls().length; i++) { global.gc(); await new Promise((r) => setImmediate(r)) }
      process.stdout.write(JSON.stringify(store.getCalls().map((c) => [c.call_id, c.status])))
    }, 5)
  `)
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), [['CA-gc', 'abandoned']])
})

test('worker threads each get their own calls, spans and exporters', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const os = require('node:os')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patter-worker-'))
  const file = path.join(dir, 'w.js')
  fs.writeFileSync(file, `
    const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads')
    const p = require(${JSON.stringify(require.resolve('patter'))})
    if (isMainThread) {
      const results = []
      const ws = [0, 1, 2].map((i) => new Worker(__filename, { workerData: i }))
      for (const w of ws) {
        w.on('message', (m) => { results.push(m); if (results.length === 3) process.stdout.write(JSON.stringify(results)) })
        w.on('error', (e) => { process.stderr.write(String(e.stack)); process.exitCode = 1 })
      }
    } else {
      const mine = []
      const exporter = (json) => { mine.push(json) }
      p.attachSpanExporter(exporter)
      const c = p.Call.start({ callId: 'CA-worker-' + workerData, direction: 'inbound', providerMode: 'x' })
      c.run(() => { const s = p.currentCall().llm('openai'); s.usage(1, 1); s.end() })
      const end = c.end()
      p.forceFlush(5000).then(async (ok) => {
        await p.detachSpanExporter(exporter)
        const ids = new Set(mine.flatMap((j) => p.decodeSpans(j).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.attributes.find((a) => a.key === 'getpatter.call.id').value.stringValue)))))
        parentPort.postMessage({ i: workerData, ok, status: end.status, sawOwn: ids.has('CA-worker-' + workerData) })
      })
    }
  `)
  const w = spawnSync(process.execPath, [file], { timeout: 30_000, encoding: 'utf8' })
  fs.rmSync(dir, { recursive: true, force: true })
  assert.equal(w.status, 0, w.stderr)
  const results = JSON.parse(w.stdout).sort((a, b) => a.i - b.i)
  assert.deepEqual(results.map((x) => [x.i, x.ok, x.status, x.sawOwn]), [[0, true, 'completed', true], [1, true, 'completed', true], [2, true, 'completed', true]])
})
