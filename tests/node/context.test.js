'use strict'
// 100 concurrent calls with interleaved awaits: every span made through `currentCall()` in
// async work started under `call.run(…)` lands under its own call (id, side and trace).

const test = require('node:test')
const assert = require('node:assert/strict')
const { collector } = require('./helpers')

delete process.env.PATTER_OTEL_ENABLED
const patter = require('patter')
const { Call, currentCall } = patter

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const jitter = () => sleep(Math.floor(Math.random() * 4))

async function agentTurn(userText) {
  // Deliberately never names the call: everything goes through the async context.
  await jitter()
  const stt = currentCall().stt('deepgram')
  await jitter()
  stt.transcript(userText, { audioSeconds: 1 })
  stt.end()
  const llm = currentCall().llm('openai', { model: 'gpt-4o-mini' })
  await Promise.all([jitter(), jitter()])
  llm.firstToken()
  llm.usage(10, 5)
  llm.end()
  await new Promise((r) => setImmediate(r))
  const tts = currentCall().tts('elevenlabs', 'ok')
  await jitter()
  tts.firstByte()
  tts.end()
  currentCall().endTurn()
}

test('100 concurrent calls: every span lands under its own call', async () => {
  const sink = collector()
  assert.equal(patter.attachSpanExporter(sink.fn), true)
  const N = 100
  const TURNS = 3
  const calls = []
  await Promise.all(
    Array.from({ length: N }, (_, i) => {
      const call = Call.start({ callId: `CA-ctx-${i}`, direction: 'inbound', providerMode: 'pipeline', side: i % 2 ? 'driver' : 'uut' })
      calls.push(call)
      return call.run(async () => {
        for (let t = 0; t < TURNS; t++) {
          await agentTurn(`caller ${i} turn ${t}`)
          assert.equal(currentCall(), call)
        }
        // Fire-and-forget work started under the call still sees it later.
        await new Promise((resolve) => setTimeout(() => {
          currentCall().event('late', { i })
          resolve()
        }, 2))
        currentCall().end()
      })
    }),
  )
  assert.equal(currentCall(), undefined)
  assert.equal(await patter.forceFlush(10_000), true)

  const spans = sink.spans()
  const perCall = 1 + TURNS * 4
  assert.equal(spans.length, N * perCall)
  const byId = new Map(calls.map((c) => [c.callId, c]))
  const seen = new Map()
  for (const s of spans) {
    const id = s.attributes['getpatter.call.id']
    const call = byId.get(id)
    assert.ok(call, `span ${s.name} has an unknown call id ${id}`)
    assert.equal(s.traceId, call.traceId, `${s.name} of ${id} is in another call's trace`)
    if ('patter.call_id' in s.attributes) {
      assert.equal(s.attributes['patter.call_id'], id)
      assert.equal(s.attributes['patter.side'], call.side)
    }
    seen.set(id, (seen.get(id) || 0) + 1)
  }
  assert.equal(seen.size, N)
  for (const [id, n] of seen) assert.equal(n, perCall, id)
  // Parent links stay inside the call: service span -> turn -> call.
  const byKey = new Map(spans.map((s) => [s.spanId, s]))
  for (const s of spans) {
    if (s.name === 'getpatter.call') {
      assert.equal(s.parentSpanId, '')
      continue
    }
    const parent = byKey.get(s.parentSpanId)
    assert.ok(parent, `${s.name} has no parent`)
    assert.equal(parent.attributes['getpatter.call.id'], s.attributes['getpatter.call.id'])
    assert.equal(parent.name, s.name === 'getpatter.turn' ? 'getpatter.call' : 'getpatter.turn')
  }
  assert.equal(await patter.detachSpanExporter(sink.fn), true)
})

test('2000 concurrent calls through the context: nothing dropped, nothing mixed', async () => {
  const sink = collector()
  patter.attachSpanExporter(sink.fn)
  const N = 2000
  const calls = Array.from({ length: N }, (_, i) => Call.start({ callId: `CA-many-${i}`, direction: 'outbound', providerMode: 'pipeline' }))
  await Promise.all(calls.map((call, i) => call.run(async () => {
    await jitter()
    const s = currentCall().llm('openai')
    await jitter()
    s.usage(i, 1)
    s.end()
    currentCall().end()
  })))
  assert.equal(await patter.forceFlush(20_000), true)
  const spans = sink.spans()
  assert.equal(spans.length, N * 3) // call, turn, llm
  for (const s of spans.filter((x) => x.name === 'getpatter.llm')) {
    const i = Number(s.attributes['getpatter.call.id'].slice('CA-many-'.length))
    assert.equal(s.attributes['patter.cost.llm_input_tokens'], i)
  }
  assert.equal(patter.tracingStats().dropped, 0)
  await patter.detachSpanExporter(sink.fn)
})
