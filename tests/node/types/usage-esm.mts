// Type-checked (never run) by `make test-node`: the package from an ES module with Node16
// resolution (the `exports` map's `types` condition).

import patter, { Call, ManualClock, currentCall, initTracing, type CallEnd } from 'patter'

initTracing()
const call = Call.start({ callId: 'CA-esm', direction: 'outbound', providerMode: 'pipeline', clock: new ManualClock(0) })
call.run(() => currentCall()?.llm('openai').end())
const end: CallEnd = call.end()
const same: typeof Call = patter.Call
void [end.duration_ms, same]
