'use strict'
// The Call API without tracing: lifecycle, records returned to JS, deterministic clock,
// current-call scope, promises. (Tracing is process-global: the files that enable it run in
// their own processes, which `node --test` does per file.)

const test = require('node:test')
const assert = require('node:assert/strict')

delete process.env.PATTER_OTEL_ENABLED
const patter = require('patter')
const { Call, Span, ManualClock, ErrorCode, currentCall } = patter

const T0 = Date.UTC(2026, 3, 23, 18, 2, 12, 413)
const opts = (extra = {}) => ({ callId: 'CA-api', direction: 'inbound', providerMode: 'pipeline', ...extra })

test('exports the span catalogue and the API', () => {
  assert.equal(patter.SPAN_CALL, 'getpatter.call')
  assert.equal(patter.SPAN_TURN, 'getpatter.turn')
  assert.equal(patter.SPAN_STT, 'getpatter.stt')
  assert.equal(patter.SPAN_ENDPOINT, 'getpatter.endpoint')
  assert.equal(patter.SPAN_LLM, 'getpatter.llm')
  assert.equal(patter.SPAN_TTS, 'getpatter.tts')
  assert.equal(patter.SPAN_BARGEIN, 'getpatter.bargein')
  assert.equal(patter.SPAN_TOOL, 'getpatter.tool')
  assert.equal(patter.CALL_ID, 'getpatter.call.id')
  assert.equal(patter.PATTER_SIDE, 'patter.side')
  assert.equal(patter.LATENCY_TTFB_MS, 'patter.latency.ttfb_ms')
  for (const fn of ['initTracing', 'isEnabled', 'isRecording', 'shutdownTracing', 'forceFlush', 'tracingStats',
    'attachSpanExporter', 'detachSpanExporter', 'currentCall']) {
    assert.equal(typeof patter[fn], 'function', fn)
  }
  assert.equal(ErrorCode.INVALID_ARGUMENT, 'PATTER_INVALID_ARGUMENT')
  assert.ok(Object.isFrozen(patter) && Object.isFrozen(ErrorCode))
})

test('tracing stays off without PATTER_OTEL_ENABLED', async () => {
  assert.equal(patter.initTracing({ serviceName: 'x' }), false)
  assert.equal(patter.isEnabled(), false)
  assert.equal(patter.isRecording(), false)
  const call = Call.start(opts())
  assert.equal(call.isRecording, false)
  assert.equal(call.traceId, null)
  call.end()
  assert.equal(await patter.forceFlush(1000), true)
  assert.equal(await patter.shutdownTracing(), undefined)
  const s = patter.tracingStats()
  assert.equal(s.enabled, false)
  assert.ok(Array.isArray(s.sinks))
})

test('a call: turns, spans, usage and its end record', () => {
  const clock = new ManualClock(T0)
  const call = Call.start(opts({ side: 'driver', telephonyProvider: 'twilio', clock, agent: { provider: 'pipeline', voice: 'nova' } }))
  assert.equal(call.callId, 'CA-api')
  assert.equal(call.side, 'driver')
  assert.equal(call.isEnded, false)
  assert.equal(call.currentTurn, null)
  assert.equal(call.ended(), null)

  assert.equal(call.startTurn(), 1)
  const stt = call.stt('deepgram')
  assert.ok(stt instanceof Span)
  assert.equal(stt.name, patter.SPAN_STT)
  assert.equal(stt.turn, 1)
  clock.advance(250)
  stt.transcript('hello there', { confidence: 0.9, audioSeconds: 2.5 })
  stt.end()
  assert.equal(stt.isEnded, true)
  stt.end() // idempotent
  const llm = call.llm('openai', { model: 'gpt-4o', historySize: 2 })
  clock.advance(100)
  llm.firstToken()
  llm.usage(100, 20, 5)
  llm.end()
  const tts = call.tts('elevenlabs', 'Hi! How can I help?')
  tts.firstByte()
  tts.end()
  call.endTurn()
  assert.equal(call.currentTurn, null)

  const tool = call.tool('lookup', 'handler', '{"q":1}')
  tool.toolResult('{"ok":true}')
  tool.end()
  call.event('custom', { a: 1, nested: { b: [1, 2] } })
  call.error('tts_timeout', 'slow synthesis')

  assert.deepEqual(call.usage(), { stt_seconds: 2.5, tts_chars: 19, llm_input_tokens: 100, llm_output_tokens: 20, llm_cached_input_tokens: 5 })
  clock.advance(60_000)
  const end = call.end()
  assert.equal(end.status, 'completed')
  assert.equal(end.turns, 2)
  assert.equal(end.duration_ms, 60_350)
  assert.equal(end.ended_at, new Date(T0 + 60_350).toISOString())
  assert.equal(typeof end.cost.total, 'number')
  assert.ok(Array.isArray(end.unpriced))
  assert.equal(call.isEnded, true)
  assert.deepEqual(call.ended(), end)
})

test('ending twice, or using an ended call, throws PATTER_STATE', () => {
  const call = Call.start(opts())
  const open = call.llm('openai')
  call.end({ error: 'timeout' })
  assert.equal(call.ended().status, 'failed')
  assert.equal(call.ended().error, 'timeout')
  for (const f of [() => call.end(), () => call.llm('openai'), () => call.startTurn(), () => call.event('x')]) {
    assert.throws(f, (e) => e instanceof Error && e.code === 'PATTER_STATE')
  }
  assert.equal(open.isEnded, true, "the call's end ended its open span")
  assert.equal(open.turn, null)
  open.end() // no-op
  assert.throws(() => open.firstToken(), { code: 'PATTER_STATE' })
})

test('a fatal error fails an otherwise normal end', () => {
  const call = Call.start(opts())
  call.error('stt_connection', 'socket closed', { fatal: true })
  const end = call.end()
  assert.equal(end.status, 'failed')
  assert.equal(end.error, 'stt_connection')
})

test('span methods of another kind are rejected', () => {
  const call = Call.start(opts())
  const tts = call.tts('elevenlabs', 'x')
  assert.throws(() => tts.firstToken(), { code: 'PATTER_INVALID_ARGUMENT' })
  assert.throws(() => tts.transcript('x'), { code: 'PATTER_INVALID_ARGUMENT' })
  assert.throws(() => tts.silenceMs(10), { code: 'PATTER_INVALID_ARGUMENT' })
  tts.fail('tts_error')
  tts.end()
  const b = call.bargein('cut off text')
  b.end()
  call.end()
})

test('new Call(options) is Call.start(options); spans cannot be constructed', () => {
  const call = new Call(opts({ callId: 'CA-new' }))
  assert.ok(call instanceof Call)
  assert.equal(call.callId, 'CA-new')
  call.end()
  assert.throws(() => new Span(), { code: 'PATTER_INVALID_ARGUMENT' })
})

test('ManualClock moves only when told, never backwards', () => {
  const c = new ManualClock(1000)
  assert.equal(c.nowMs, 1000)
  c.advance(5)
  assert.equal(c.nowMs, 1005)
  assert.equal(c.nowMs, 1005)
  assert.equal(c.nowNs, 1_005_000_000n)
  c.set(900)
  assert.equal(c.nowMs, 1005)
  c.set(2000)
  assert.equal(c.nowMs, 2000)
})

test('call.run binds the current call across awaits, timers and nested runs', async () => {
  const a = Call.start(opts({ callId: 'CA-a' }))
  const b = Call.start(opts({ callId: 'CA-b' }))
  assert.equal(currentCall(), undefined)
  const r = await a.run(async (x, y) => {
    assert.equal(currentCall(), a)
    await new Promise((res) => setTimeout(res, 5))
    assert.equal(currentCall(), a)
    await b.run(async () => {
      await null
      assert.equal(currentCall(), b)
    })
    assert.equal(currentCall(), a)
    const viaTimer = await new Promise((res) => setImmediate(() => res(currentCall())))
    assert.equal(viaTimer, a)
    return x + y
  }, 2, 3)
  assert.equal(r, 5)
  assert.equal(currentCall(), undefined)
  // The host's own errors pass through untouched.
  const mine = new RangeError('mine')
  assert.throws(() => a.run(() => { throw mine }), (e) => e === mine && e.code === undefined)
  a.end()
  b.end()
})

test('module-level helpers report to the current call', async () => {
  const call = Call.start(opts({ callId: 'CA-helpers', side: 'driver' }))
  assert.throws(() => patter.llm('openai'), { code: 'PATTER_STATE' })
  assert.equal(patter.currentCallId(), undefined)
  await call.run(async () => {
    await null
    assert.equal(patter.currentCallId(), 'CA-helpers')
    assert.equal(patter.currentSide(), 'driver')
    assert.equal(patter.startTurn(), 1)
    const s = patter.stt('deepgram', { model: 'nova-3' })
    s.transcript('hi', { audioSeconds: 1 })
    s.end()
    patter.endpoint().end()
    const l = patter.llm('openai', { historySize: 1 })
    l.usage(3, 4)
    l.end()
    patter.tts('elevenlabs', 'hello').end()
    patter.tool('lookup', 'handler').end()
    patter.event('custom', { a: 1 })
    patter.error('minor', 'not fatal')
    patter.bargein('hel').end()
    patter.endTurn()
    assert.throws(() => patter.llm(5), { code: 'PATTER_INVALID_ARGUMENT' })
  })
  assert.deepEqual(call.usage(), { stt_seconds: 1, tts_chars: 5, llm_input_tokens: 3, llm_output_tokens: 4, llm_cached_input_tokens: 0 })
  assert.equal(call.end().turns, 1)
})

test('SequentialIds: shared by calls, continuing its sequence; a fresh one per seed', () => {
  const ids = new patter.SequentialIds(42)
  assert.equal(ids.seed, 42)
  patter.attachSpanExporter(() => {})
  try {
    const a = Call.start(opts({ callId: 'CA-ids-a', ids }))
    const b = Call.start(opts({ callId: 'CA-ids-b', ids }))
    assert.equal(a.traceId, '000000000000002a0000000000000001')
    assert.equal(b.traceId, '000000000000002a0000000000000002')
    const c = Call.start(opts({ callId: 'CA-ids-c', ids: new patter.SequentialIds(42) }))
    assert.equal(c.traceId, a.traceId)
    assert.throws(() => new patter.SequentialIds(-1), { code: 'PATTER_INVALID_ARGUMENT' })
    for (const x of [a, b, c]) x.end()
  } finally {
    return patter.shutdownTracing()
  }
})

test('promises resolve off the JS thread', async () => {
  const p = patter.forceFlush()
  assert.ok(p instanceof Promise)
  assert.equal(await p, true)
  assert.ok(patter.shutdownTracing() instanceof Promise)
})
