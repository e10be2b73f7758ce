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

test('recordLlm: one call per finished iteration; types and values checked, nothing recorded on error', () => {
  const call = quiet('CA-node-rules-record-llm')
  call.recordLlm('openai', 250, { model: 'gpt-4o-mini', historySize: 3, ttftMs: 120, inputTokens: 412, outputTokens: 36 })
  call.recordLlm('openai', 100) // no usage reported
  let usage = call.usage()
  assert.equal(usage.llm_input_tokens, 412)
  assert.equal(usage.llm_output_tokens, 36)
  assert.equal(call.currentTurn, 1)
  assert.throws(() => call.recordLlm('openai', 10, { ttftMs: 11, inputTokens: 1 }), invalidOn('ttft_ms'))
  assert.throws(() => call.recordLlm('openai', NaN), invalidOn('duration_ms'))
  assert.throws(() => call.recordLlm('openai', '10'), invalidOn('duration_ms'))
  assert.throws(() => call.recordLlm('openai'), invalidOn('duration_ms'))
  assert.throws(() => call.recordLlm('openai', 10, { inputTokens: 1.5 }), invalidOn('input_tokens'))
  assert.throws(() => call.recordLlm('openai', 10, { outputTokens: '7' }), invalidOn('output_tokens'))
  assert.throws(() => call.recordLlm('openai', 10, { historySize: -1 }), invalidOn('history_size'))
  assert.throws(() => call.recordLlm('', 10), invalidOn('provider'))
  assert.throws(() => call.recordLlm(5, 10), invalidOn('provider'))
  assert.throws(() => call.recordLlm('openai', 10, { model: 5 }), invalidOn('model'))
  assert.throws(() => call.recordLlm('openai', 10, 'gpt'), invalidOn('options'))
  usage = call.usage()
  assert.equal(usage.llm_input_tokens, 412, 'failed reports record nothing')
  call.end()
  assert.throws(() => call.recordLlm('openai', 10), (e) => e.code === 'PATTER_STATE')
})

test('recordLlm: providers and models reach the core as given, whatever the order of calls', () => {
  // The binding passes a provider or model string only when it differs from the previous
  // call's; alternate, repeat and interleave failures to check every report lands on its own.
  const pricing = patter.Pricing.defaults()
  const call = quiet('CA-node-rules-record-llm-names', { pricing })
  const seq = [
    ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o-mini'], ['anthropic', 'claude-haiku-4-5'], ['openai', 'gpt-4o-mini'],
    ['openai', undefined], ['openai', 'gpt-4o'], [5, 'gpt-4o'], ['openai', 'gpt-4o'], ['openai', null], ['openai', 'gpt-4o'],
  ]
  const other = quiet('CA-node-rules-record-llm-names-2', { pricing })
  const expected = quiet('CA-node-rules-record-llm-names-3', { pricing })
  for (const [provider, model] of seq) {
    let ok = true
    try {
      call.recordLlm(provider, 1, { model, inputTokens: 1000, outputTokens: 100 })
    } catch (e) {
      ok = false
      assert.equal(e.code, 'PATTER_INVALID_ARGUMENT')
    }
    other.recordLlm('openai', 1, { model: 'gpt-4o', inputTokens: 1 }) // another call in between
    if (ok) {
      const s = expected.llm(provider, { model })
      s.usage(1000, 100)
      s.end()
    }
  }
  assert.deepEqual(call.cost(), expected.cost())
  assert.deepEqual(call.usage(), expected.usage())
  for (const c of [call, other, expected]) c.end()
})
