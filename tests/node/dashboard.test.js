'use strict'
// serveDashboard(store) and `npx patter dashboard`: the core's dashboard from Node.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const readline = require('node:readline')
const { tmpDir } = require('./helpers')

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
const patter = require('patter')

function get (port, p, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    }).on('error', reject)
  })
}

test('serveDashboard serves a live store, token and Host checked', async () => {
  const store = new patter.MetricsStore()
  const logger = new patter.CallLogger({ persist: false })
  const done = patter.Call.start({ callId: 'CA-jsdash-1', direction: 'inbound', providerMode: 'pipeline', logger, store })
  done.end()
  const live = patter.Call.start({ callId: 'CA-jsdash-live', direction: 'outbound', providerMode: 'pipeline', logger, store })
  const dashboard = patter.serveDashboard(store)
  try {
    const port = dashboard.port
    assert.match(dashboard.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[0-9a-f]{64}$`))
    const auth = { Authorization: 'Bearer ' + dashboard.url.split('token=')[1] }
    assert.equal((await get(port, '/api/calls')).status, 401)
    assert.equal((await get(port, '/api/calls', { ...auth, Host: 'evil.example' })).status, 421)
    assert.equal((await get(port, '/api/calls', { ...auth, Origin: 'http://evil.example' })).status, 403)
    const r = await get(port, '/api/calls', auth)
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-frame-options'], 'DENY')
    assert.equal(r.headers['access-control-allow-origin'], undefined)
    assert.equal(JSON.parse(r.body).calls[0].call_id, 'CA-jsdash-1')
    assert.equal(JSON.parse((await get(port, '/api/active', auth)).body)[0].call_id, 'CA-jsdash-live')
  } finally {
    dashboard.close()
    live.end()
  }
  assert.equal(dashboard.closed, true)
  assert.throws(() => patter.serveDashboard(store, { port: 70000 }), { code: 'PATTER_INVALID_ARGUMENT' })
})

test('npx patter dashboard prints the URL and serves the directory', async () => {
  const root = tmpDir()
  const logger = new patter.CallLogger({ persist: root })
  patter.Call.start({ callId: 'CA-jsdash-cli', direction: 'inbound', providerMode: 'pipeline', logger }).end()
  assert.equal(await logger.flush(10000), true)
  const pkgDir = path.dirname(require.resolve('patter/package.json'))
  const bin = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).bin.patter
  const child = spawn(process.execPath, [path.join(pkgDir, bin), 'dashboard', '--dir', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const url = await new Promise((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve))
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    const port = Number(new URL(url).port)
    const r = await get(port, '/api/calls', { Authorization: 'Bearer ' + url.split('token=')[1] })
    assert.equal(JSON.parse(r.body).calls[0].call_id, 'CA-jsdash-cli')
  } finally {
    child.kill('SIGINT')
    await new Promise((resolve) => child.once('exit', resolve))
  }
})
