'use strict'
// Deterministic mode (what the conformance runners use): a ManualClock at a given epoch and
// ids from a seed give byte-identical spans on every run.

const test = require('node:test')
const assert = require('node:assert/strict')
const { collector } = require('./helpers')

delete process.env.PATTER_OTEL_ENABLED
const patter = require('patter')
const { Call, ManualClock, SequentialIds } = patter

const EPOCH = Date.UTC(2026, 3, 23, 18, 2, 12, 413)
const SEED = 0x5eed

function scriptedCall(callId) {
  const clock = new ManualClock(EPOCH)
  const call = Call.start({ callId, direction: 'outbound', providerMode: 'pipeline', telephonyProvider: 'twilio', clock, ids: new SequentialIds(SEED) })
  clock.advance(1200)
  const stt = call.stt('deepgram')
  clock.advance(300)
  stt.transcript('hello', { confidence: 0.5, audioSeconds: 1.25 })
  stt.end()
  const llm = call.llm('openai', { model: 'gpt-4o' })
  clock.advance(420)
  llm.firstToken()
  clock.advance(80)
  llm.usage(50, 7)
  llm.end()
  const tts = call.tts('cartesia', 'Hi there')
  clock.advance(150)
  tts.firstByte()
  clock.advance(900)
  tts.end()
  clock.advance(10_000)
  return { call, end: call.end() }
}

test('a scripted call yields identical spans and records on every run', async () => {
  const sink = collector()
  patter.attachSpanExporter(sink.fn)
  const a = scriptedCall('CA-det')
  await patter.forceFlush(5000)
  const first = sink.spans()
  sink.batches.length = 0
  const b = scriptedCall('CA-det')
  await patter.forceFlush(5000)
  const second = sink.spans()
  await patter.detachSpanExporter(sink.fn)

  assert.equal(first.length, 5)
  const canon = (spans) => JSON.stringify([...spans].sort((x, y) => (x.spanId < y.spanId ? -1 : 1)), (k, v) => (typeof v === 'bigint' ? String(v) : v))
  assert.equal(canon(first), canon(second))
  assert.deepEqual(a.end, b.end)
  assert.equal(a.call.traceId, '0000000000005eed0000000000000001')
  const root = first.find((s) => s.name === 'getpatter.call')
  assert.equal(root.traceId, a.call.traceId)
  assert.equal(root.spanId, '00005eed00000001')
  assert.equal(root.start, BigInt(EPOCH) * 1_000_000n)
  assert.equal(root.end, BigInt(EPOCH + 13_050) * 1_000_000n)
  assert.equal(a.end.duration_ms, 13_050)
  assert.equal(a.end.ended_at, '2026-04-23T18:02:25.463Z')
  const llm = first.find((s) => s.name === 'getpatter.llm')
  assert.equal(llm.attributes['getpatter.llm.ttft_ms'], 420)
  const turn = first.find((s) => s.name === 'getpatter.turn')
  assert.equal(turn.attributes['patter.latency.ttfb_ms'], 650) // end of speech (stt end) to first audio byte
})
