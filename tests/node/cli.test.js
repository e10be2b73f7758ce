'use strict'
// `npx patter`: the package's bin runs the core's command line over calls written from Node.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { tmpDir } = require('./helpers')

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
const patter = require('patter')

test('the patter bin lists and shows calls', async () => {
  const root = tmpDir()
  const logger = new patter.CallLogger({ persist: root })
  for (let i = 0; i < 2; i++) {
    const call = patter.Call.start({ callId: `CA-jscli-${i}`, direction: 'inbound', providerMode: 'pipeline', logger })
    const llm = call.llm('openai', { model: 'gpt-4o-mini' })
    llm.usage(100, 20)
    llm.end()
    call.end()
  }
  assert.equal(await logger.flush(10000), true)
  // What npx runs: the bin npm linked into node_modules/.bin for the installed package.
  const pkgDir = path.dirname(require.resolve('patter/package.json'))
  const bin = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).bin.patter
  const run = (...args) => spawnSync(process.execPath, [path.join(pkgDir, bin), ...args], { encoding: 'utf8' })

  const calls = run('calls', '--dir', root)
  assert.equal(calls.status, 0, calls.stderr)
  const rows = calls.stdout.trim().split('\n')
  assert.ok(rows[0].startsWith('STARTED (UTC)'))
  assert.ok(rows[1].endsWith('CA-jscli-1'), calls.stdout)
  const shown = run('show', 'CA-jscli-0', '--dir', root, '--json')
  assert.equal(shown.status, 0, shown.stderr)
  assert.equal(JSON.parse(shown.stdout).call_id, 'CA-jscli-0')
  const bad = run('nope')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /usage: patter/)
  assert.deepEqual(patter.cliRun(['calls', '--dir', root, '--limit', '1', '--json']).code, 0)
})
