'use strict'
// A simulated two-turn phone call through the Node binding: spans to the console (or to your
// collector), the call record on disk, the MetricsStore, the cost.
//
//   cd bindings/node && npm install && npm run build && cd ../..
//   PATTER_OTEL_ENABLED=1 OTEL_CONSOLE_EXPORT=true node examples/node/call.js
//
// With a collector: PATTER_OTEL_ENABLED=1 OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 …

const os = require('node:os')
const path = require('node:path')
const fs = require('node:fs')
const patter = require(process.env.PATTER_MODULE || '../../bindings/node')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** What a voice agent's pipeline does for one turn; it finds the call through the context. */
async function agentTurn(userSays, agentSays) {
  const call = patter.currentCall()
  const stt = call.stt('deepgram', { model: 'nova-3' })
  await sleep(30)
  stt.transcript(userSays, { confidence: 0.94, audioSeconds: 1.6 })
  stt.end()
  const ep = call.endpoint()
  await sleep(20)
  ep.silenceMs(300)
  ep.end()
  const llm = call.llm('openai', { model: 'gpt-4o-mini', historySize: 3 })
  await sleep(40)
  llm.firstToken()
  await sleep(20)
  llm.usage(420, 35)
  llm.end()
  const tts = call.tts('elevenlabs', agentSays, { model: 'eleven_flash_v2_5' })
  await sleep(60)
  tts.firstByte()
  await sleep(100)
  tts.end()
  call.endTurn()
}

async function main() {
  const enabled = patter.initTracing({ serviceName: 'patter-node-example' })
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'patter-example-'))
  const logger = new patter.CallLogger({ persist: root })
  const store = new patter.MetricsStore()

  const call = patter.Call.start({
    callId: `CA-example-${Date.now()}`,
    direction: 'inbound',
    providerMode: 'pipeline',
    telephonyProvider: 'twilio',
    caller: '+15555550123',
    callee: '+15555550100',
    agent: { provider: 'pipeline', voice: 'rachel', sttProvider: 'deepgram', ttsProvider: 'elevenlabs', llmProvider: 'openai' },
    logger,
    store,
  })
  await call.run(async () => {
    await agentTurn('Hi, when are you open?', 'We open at nine and close at five.')
    const tool = patter.currentCall().tool('check_calendar', 'handler', JSON.stringify({ day: 'friday' }))
    await sleep(25)
    tool.toolResult(JSON.stringify({ open: true }))
    tool.end()
    await agentTurn('Can I come on Friday?', 'Yes, Friday works.')
  })
  const end = call.end()
  await logger.flush()
  await patter.shutdownTracing()

  process.stdout.write(`tracing ${enabled ? 'on' : 'off (set PATTER_OTEL_ENABLED=1)'}; trace ${call.traceId ?? '-'}\n`)
  process.stdout.write(`call ${call.callId}: ${end.status}, ${end.turns} turns, ${end.duration_ms} ms, $${end.cost.total.toFixed(6)}\n`)
  process.stdout.write(`record on disk: ${root}/calls/…/${call.callId}/ (metadata.json, transcript.jsonl, events.jsonl)\n`)
  process.stdout.write(`store: ${JSON.stringify(store.getAggregates())}\n`)
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`)
  process.exit(1)
})
