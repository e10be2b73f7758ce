// The ES module entry: named imports and the default export are the same API.
import test from 'node:test'
import assert from 'node:assert/strict'
import patter, { Call, ManualClock, SPAN_LLM, currentCall, initTracing, ErrorCode } from 'patter'

test('named ES module imports work', () => {
  assert.equal(Call, patter.Call)
  assert.equal(SPAN_LLM, 'getpatter.llm')
  assert.equal(typeof initTracing, 'function')
  assert.equal(ErrorCode.STATE, 'PATTER_STATE')
  const call = Call.start({ callId: 'CA-esm', direction: 'inbound', providerMode: 'x', clock: new ManualClock(0) })
  call.run(() => assert.equal(currentCall(), call))
  assert.equal(call.end().duration_ms, 0)
})
