'use strict'
// The core's argument rules as Node sees them (issue 13): bad numbers are
// PATTER_INVALID_ARGUMENT naming the argument as the core spells it, counters never wrap,
// omitted options get the core's defaults, a second live call with the same id and side is
// rejected.

const test = require('node:test')
const assert = require('node:assert/strict')
const patter = require('patter')
const { Call, CallLogger, MetricsStore } = patter

const quiet = (callId, extra = {}) =>
  Call.start({ callId, direction: 'inbound', providerMode: 'pipeline', logger: new CallLogger({ persist: false }), ...extra })
const invalidOn = (arg) => (e) => e.code === 'PATTER_INVALID_ARGUMENT' && e.message.includes(`\`${arg}\``)

test('audio seconds and confidence: NaN, inf, negative, out of [0, 1] are invalid', () => {
  const call = quiet('CA-node-rules-stt')
  const stt = call.stt('deepgram')
  for (const v of [NaN, Infinity, -Infinity, -1]) {
    assert.throws(() => stt.transcript('hi', { audioSeconds: v }), invalidOn('audio_seconds'), String(v))
  }
  for (const v of [NaN, 2.0, -0.5]) {
    assert.throws(() => stt.transcript('hi', { confidence: v, audioSeconds: 1 }), invalidOn('confidence'), String(v))
  }
  stt.transcript('hi')
  assert.equal(call.usage().sttSeconds ?? call.usage().stt_seconds, 0)
  stt.end()
  call.end()
})

test('token counters never wrap', () => {
  const call = quiet('CA-node-rules-tokens')
  const llm = call.llm('openai')
  llm.usage(2 ** 52, 0)
  assert.throws(() => llm.usage(2 ** 52, 0), invalidOn('input_tokens'))
  assert.throws(() => llm.usage(2 ** 62, 0), invalidOn('input_tokens'))
  llm.end()
  const u = call.usage()
  assert.equal(u.llmInputTokens ?? u.llm_input_tokens, 2 ** 52)
  call.end()
})

test('defaults come from the core: store capacity, tool transport, timeouts', async () => {
  const store = new MetricsStore()
  assert.equal(store.capacity, 500)
  assert.throws(() => new MetricsStore({ capacity: 0 }), invalidOn('capacity'))
  assert.throws(() => new MetricsStore({ redactPhone: 'rot13' }), invalidOn('redact_phone'))
  assert.throws(() => patter.forceFlush(NaN), invalidOn('timeout_ms'))
  const call = quiet('CA-node-rules-tool', { store })
  call.tool('lookup').end()
  call.end()
  const rec = store.getCall('CA-node-rules-tool')
  assert.ok(JSON.stringify(rec.events).includes('"transport":"handler"'), JSON.stringify(rec.events))
})

test('a second live call with the same id and side is rejected', () => {
  const first = quiet('CA-node-rules-dup')
  assert.throws(() => quiet('CA-node-rules-dup'), invalidOn('call_id'))
  const other = quiet('CA-node-rules-dup', { side: 'agent' })
  first.end()
  quiet('CA-node-rules-dup').end()
  other.end()
})

test('tts takes (provider, text, options)', () => {
  const call = quiet('CA-node-rules-tts')
  call.tts('elevenlabs', 'hello', { model: 'eleven_flash_v2_5' }).end()
  call.end()
})
