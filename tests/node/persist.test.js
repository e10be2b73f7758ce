'use strict'
// The call record on disk (CallLogger), the MetricsStore fed live and rebuilt by hydrate, and a
// full call exported to the real OTLP receiver and written to disk in the same run.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { tmpDir, startReceiver, pipelineTurn } = require('./helpers')

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_') || k.startsWith('PATTER_')) delete process.env[k]
const patter = require('patter')
const { Call, CallLogger, MetricsStore, ManualClock } = patter

const EPOCH = Date.UTC(2026, 3, 23, 18, 2, 12, 413)
const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))

test('CallLogger persist semantics', () => {
  assert.equal(new CallLogger().enabled, false, 'unset and no PATTER_LOG_DIR: off')
  assert.equal(CallLogger.default().enabled, false, 'the process logger follows PATTER_LOG_DIR')
  assert.equal(new CallLogger({ persist: false }).enabled, false)
  assert.equal(new CallLogger({ persist: null }).enabled, false)
  const dir = tmpDir()
  const log = new CallLogger({ persist: dir })
  assert.equal(log.enabled, true)
  assert.equal(log.root, dir)
  assert.throws(() => new CallLogger({ persist: 5 }), { code: 'PATTER_INVALID_ARGUMENT' })
  assert.throws(() => new CallLogger('dir'), { code: 'PATTER_INVALID_ARGUMENT' })
})

test('a full call: exported to the OTLP receiver and written to disk, kept in the store, hydrated back', async (t) => {
  const rx = await startReceiver('ok')
  t.after(() => rx.stop())
  process.env.PATTER_OTEL_ENABLED = '1'
  assert.equal(patter.initTracing({ serviceName: 'node-persist', otlpEndpoint: rx.endpoint }), true)

  const root = tmpDir()
  const logger = new CallLogger({ persist: root })
  const store = new MetricsStore({ capacity: 10 })
  const clock = new ManualClock(EPOCH)
  const call = Call.start({
    callId: 'CA-disk-1', direction: 'inbound', providerMode: 'pipeline', telephonyProvider: 'twilio',
    caller: '+15555550100', callee: '+15555550199', agent: { provider: 'pipeline', voice: 'nova', sttProvider: 'deepgram' },
    logger, store, clock,
  })
  assert.equal(store.getActiveCalls().length, 1)
  await call.run(async () => {
    const c = patter.currentCall()
    clock.advance(1000)
    pipelineTurn(c, 'what is my balance', 'your balance is ten dollars')
    clock.advance(2000)
    c.endTurn()
    const tool = c.tool('lookup', 'handler', '{"id":1}')
    tool.toolResult('{"ok":true}')
    tool.end()
    c.event('custom', { k: 'v' })
  })
  clock.advance(60_000)
  const end = call.end()
  assert.equal(end.status, 'completed')
  assert.ok(end.cost.total > 0, 'twilio, deepgram, openai and elevenlabs have default prices')
  assert.ok(end.cost.telephony > 0)
  assert.deepEqual(Object.keys(end).sort(), ['cost', 'duration_ms', 'ended_at', 'error', 'latency', 'status', 'turns', 'unpriced', 'usage'])

  // Disk.
  assert.equal(await logger.flush(10_000), true)
  const dir = path.join(root, 'calls', '2026', '04', '23', 'CA-disk-1')
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'))
  assert.equal(meta.schema_version, '1.0')
  assert.equal(meta.call_id, 'CA-disk-1')
  assert.equal(meta.status, 'completed')
  assert.equal(meta.started_at, '2026-04-23T18:02:12.413Z')
  assert.equal(meta.duration_ms, end.duration_ms)
  assert.equal(meta.trace_id, call.traceId)
  assert.equal(meta.caller, '***0100')
  assert.equal(meta.callee, '***0199')
  assert.equal(meta.telephony_provider, 'twilio')
  assert.equal(meta.agent.voice, 'nova')
  assert.equal(meta.agent.stt_provider, 'deepgram')
  assert.deepEqual(meta.cost, end.cost)
  const transcript = readJsonl(path.join(dir, 'transcript.jsonl'))
  assert.deepEqual(transcript.map((l) => [l.role, l.text]), [['user', 'what is my balance'], ['assistant', 'your balance is ten dollars']])
  const events = readJsonl(path.join(dir, 'events.jsonl'))
  assert.deepEqual(events.map((e) => e.type), ['tool_call', 'tool_result', 'custom'])
  if (process.platform !== 'win32') {
    assert.equal(fs.statSync(path.join(dir, 'metadata.json')).mode & 0o777, 0o600)
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700)
  }
  const stats = logger.stats()
  assert.deepEqual(Object.keys(stats).sort(), ['dropped', 'errors', 'sweeps', 'written'])
  // (A sweep here would remove the call: it is dated April, past the 30-day default retention.)
  assert.deepEqual(Object.keys(await new CallLogger({ persist: tmpDir() }).sweepNow()).sort(), ['days_removed', 'errors', 'months_removed', 'years_removed'])
  assert.equal(stats.dropped, 0)
  assert.equal(stats.errors, 0)
  assert.ok(stats.written >= 5)

  // OTLP.
  await patter.shutdownTracing()
  const spans = await rx.waitForSpans(8)
  assert.equal(spans.length, 8)
  assert.ok(spans.every((s) => s.traceId === call.traceId && s.attributes['getpatter.call.id'] === 'CA-disk-1'))
  const raw = fs.readFileSync(rx.out, 'utf8')
  assert.ok(!raw.includes('balance') && !raw.includes('5555550100'), 'no transcript text or number in spans')

  // Live store.
  assert.equal(store.getActiveCalls().length, 0)
  assert.equal(store.size, 1)
  const [summary] = store.getCalls()
  assert.equal(summary.call_id, 'CA-disk-1')
  assert.equal(summary.source, 'live')
  assert.equal(summary.caller, '***0100')
  // The record shapes index.d.ts declares (CallSummary, CallRecord, Aggregates, HydrateReport).
  assert.deepEqual(Object.keys(summary).sort(), ['agent', 'call_id', 'callee', 'caller', 'cost', 'direction', 'duration_ms',
    'ended_at', 'error', 'latency', 'provider_mode', 'source', 'started_at', 'status', 'telephony_provider', 'trace_id', 'turns', 'unpriced'])
  assert.deepEqual(Object.keys(store.getAggregates()).sort(), ['abandoned', 'active_calls', 'avg_cost', 'avg_duration_ms', 'completed',
    'cost_breakdown', 'failed', 'latency', 'total_calls', 'total_cost'])
  const live = store.getCall('CA-disk-1')
  assert.deepEqual(Object.keys(live.transcript[1]).sort(), ['cost', 'interrupted', 'latency', 'role', 'text', 'ts', 'turn_index'])
  assert.deepEqual(Object.keys(live.transcript[1].latency).sort(), ['endpoint_ms', 'llm_ms', 'llm_ttft_ms', 'stt_ms', 'ttfb_ms', 'tts_ttfb_ms', 'turn_ms'])
  assert.deepEqual(Object.keys(live.events[0]).sort(), ['data', 'ts', 'type'])
  assert.equal(live.transcript.length, 2)
  assert.equal(live.events.length, 3)
  assert.equal(store.getCall('nope'), null)
  const agg = store.getAggregates()
  assert.equal(agg.total_calls, 1)
  assert.equal(agg.completed, 1)
  assert.equal(agg.total_cost, end.cost.total)

  // A second process's store, rebuilt from disk (idempotent).
  const fresh = new MetricsStore()
  assert.equal(fresh.capacity, 500)
  assert.equal(await fresh.hydrate(root), 1)
  assert.equal(await fresh.hydrate(root), 0)
  const report = await fresh.hydrateReport(root)
  assert.deepEqual(Object.keys(report).sort(), ['already_present', 'corrupt', 'days_scanned', 'loaded', 'missing_metadata',
    'not_read', 'not_retained', 'stopped_early', 'too_large', 'wrong_type'])
  assert.equal(report.loaded, 0)
  assert.equal(report.already_present, 1)
  const disk = fresh.getCall('CA-disk-1')
  assert.equal(disk.source, 'disk')
  assert.deepEqual(disk.cost, live.cost)
  assert.deepEqual(disk.transcript.map((l) => l.text), live.transcript.map((l) => l.text))
  assert.deepEqual(fresh.getAggregates().cost_breakdown, agg.cost_breakdown)
})

test('hydrate tolerates a missing root and garbage; arguments are checked', async () => {
  const store = new MetricsStore({ capacity: 3 })
  assert.equal(await store.hydrate(path.join(tmpDir(), 'does-not-exist')), 0)
  const root = tmpDir()
  const bad = path.join(root, 'calls', '2026', '01', '02', 'CA-bad')
  fs.mkdirSync(bad, { recursive: true })
  fs.writeFileSync(path.join(bad, 'metadata.json'), '{not json')
  const report = await store.hydrateReport(root)
  assert.equal(report.loaded, 0)
  assert.equal(report.corrupt, 1)
  for (const f of [() => store.hydrate(), () => store.hydrate(5), () => store.getCall(), () => store.getCalls({ limit: -1 }),
    () => store.getCalls('x'), () => new MetricsStore({ capacity: 1.5 }), () => new MetricsStore(7)]) {
    assert.throws(f, { code: 'PATTER_INVALID_ARGUMENT' }, f.toString())
  }
  assert.deepEqual(store.getCalls({ limit: 0 }), [])
})

test('pricing: defaults, overrides from code, JSON round trip', () => {
  const { Pricing } = patter
  const defaults = Pricing.defaults()
  const json = defaults.toJSON()
  assert.equal(typeof json.version, 'string')
  assert.deepEqual(Pricing.fromJson(JSON.stringify(json)).toJSON(), json)
  const cheap = defaults.withOverrides({ tts: { elevenlabs: { price: 0 } } })
  const call = (pricing) => {
    const c = Call.start({ callId: 'CA-price', direction: 'outbound', providerMode: 'pipeline', pricing })
    c.tts('elevenlabs', 'x'.repeat(1000)).end()
    return c.end().cost.tts
  }
  assert.ok(call(defaults) > 0)
  assert.equal(call(cheap), 0)
  const loaded = new Pricing({ overrides: { tts: { elevenlabs: { price: 1000 } } } })
  assert.equal(call(loaded), 1000)
  assert.throws(() => defaults.withOverrides({ tts: { elevenlabs: { price: -1 } } }), { code: 'PATTER_CONFIG' })
  assert.throws(() => defaults.withOverrides('{}'), { code: 'PATTER_INVALID_ARGUMENT' })
  assert.throws(() => Pricing.fromJson('{'), (e) => e.code === 'PATTER_CONFIG' || e.code === 'PATTER_CORRUPT')
  assert.throws(() => new Pricing({ file: path.join(tmpDir(), 'missing.json') }), { code: 'PATTER_IO' })
  assert.deepEqual(new Pricing().toJSON(), json, 'no file, no overrides: the defaults')
  const unpriced = Call.start({ callId: 'CA-unpriced', direction: 'outbound', providerMode: 'pipeline' })
  unpriced.tts('acme-voices', 'hello').end()
  assert.deepEqual(unpriced.end().unpriced, ['tts:acme_voices'])
})

test('records reach the disk when the process exits without flushing', () => {
  const { spawnSync } = require('node:child_process')
  const root = tmpDir()
  const script = `
    const p = require('patter')
    const logger = new p.CallLogger({ persist: ${JSON.stringify(root)} })
    for (let i = 0; i < 50; i++) {
      const c = p.Call.start({ callId: 'CA-exit-' + i, direction: 'inbound', providerMode: 'pipeline', logger })
      c.stt('deepgram').transcript('hello ' + i)
      c.end()
    }
  `
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PATTER_OTEL_ENABLED: '' }, timeout: 30_000, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const days = path.join(root, 'calls')
  const dirs = fs.readdirSync(days, { recursive: true }).filter((p) => p.endsWith('metadata.json'))
  assert.equal(dirs.length, 50)
  for (const m of dirs) assert.equal(JSON.parse(fs.readFileSync(path.join(days, m), 'utf8')).status, 'completed')
})

test('texts and names of every length around the addon\'s stack buffer reach the disk whole', async () => {
  // Strings under ~256 UTF-8 bytes are read into a stack buffer, longer ones into the heap; the
  // cut-over must never truncate, in particular not inside a multi-byte character.
  const root = tmpDir()
  const logger = new CallLogger({ persist: root })
  const call = Call.start({ callId: 'CA-lengths', direction: 'inbound', providerMode: 'pipeline', logger, clock: new ManualClock(EPOCH) })
  const texts = []
  for (const unit of ['a', 'é', '€', '😀']) {
    for (let bytes = 240; bytes <= 270; bytes++) {
      const n = Math.ceil(bytes / Buffer.byteLength(unit))
      texts.push(unit.repeat(n))
    }
  }
  for (const text of texts) {
    const stt = call.stt('p'.repeat(250 + (text.length % 10)), { model: 'm'.repeat(text.length % 300) || undefined })
    stt.transcript(text, { audioSeconds: 1 })
    stt.end()
    const tts = call.tts('elevenlabs', text)
    tts.end()
    call.endTurn()
  }
  call.end()
  assert.equal(await logger.flush(10_000), true)
  const lines = readJsonl(path.join(root, 'calls', '2026', '04', '23', 'CA-lengths', 'transcript.jsonl'))
  assert.deepEqual(lines.map((l) => l.text), texts.flatMap((t) => [t, t]))
})
