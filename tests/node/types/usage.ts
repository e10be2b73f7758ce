// Type-checked (never run) by `make test-node` with `tsc --noEmit` against the installed
// package: the public API as a TypeScript user writes it, strict mode.

import * as patter from 'patter'
import {
  Call, CallEnd, CallOptions, ErrorCode, ManualClock, PatterError, SequentialIds, PatterErrorCode, Span, TracingStats,
  attachSpanExporter, currentCall, decodeSpans, detachSpanExporter, forceFlush, initTracing, isEnabled, shutdownTracing,
  tracingStats,
} from 'patter'

async function main(): Promise<void> {
  const enabled: boolean = initTracing({
    serviceName: 'ts-usage',
    otlpEndpoint: 'http://127.0.0.1:4318',
    resourceAttributes: { 'deployment.environment': 'test' },
    headers: { authorization: 'Bearer x' },
    console: false,
  })
  const on: boolean = isEnabled()
  const exporter = (batch: Uint8Array): boolean => Array.isArray(decodeSpans(batch).resourceSpans)
  const attached: boolean = attachSpanExporter(exporter, { side: 'uut' })

  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const options: CallOptions = {
    callId: 'CA-ts',
    direction: 'inbound',
    providerMode: 'pipeline',
    telephonyProvider: 'twilio',
    agent: { provider: 'pipeline', voice: 'nova' },
    clock,
    ids: new SequentialIds(7),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'congo=t61rcWkgMzE',
  }
  const call: Call = Call.start(options)
  const id: string = call.callId
  const trace: string | null = call.traceId
  const header: string | null = call.traceparent()

  const answer: number = await call.run(async (n: number) => {
    const c = currentCall()
    if (!c) throw new Error('no current call')
    const turn: number = c.startTurn()
    const stt: Span = c.stt('deepgram', { model: 'nova-3' })
    stt.transcript('hello', { confidence: 0.9, audioSeconds: 1 })
    stt.end()
    const ep = c.endpoint()
    ep.silenceMs(300)
    ep.end()
    const llm = c.llm('openai', { model: 'gpt-4o', historySize: 2 })
    llm.firstToken()
    llm.usage(10, 2)
    llm.usage(10, 2, 1)
    llm.end()
    const tts = c.tts('elevenlabs', 'hi', { model: 'eleven_flash_v2_5' })
    tts.firstByte()
    tts.end()
    const tool = c.tool('lookup', 'handler', JSON.stringify({ q: 1 }), { toolCallId: 'call_1' })
    const toolHeader: string | null = tool.traceparent()
    void toolHeader
    tool.toolCallId('call_2')
    tool.toolResult('{}')
    tool.fail('not_found')
    tool.end()
    c.bargein('cut').end()
    const b = c.bargein('cut', { audioPlayedMs: 1250 })
    b.audioPlayedMs(1300)
    b.end()
    c.event('custom', { any: ['json', 1] })
    c.error('stt_timeout', 'slow', { fatal: false })
    clock.advance(1000)
    c.endTurn()
    return turn + n
  }, 1)

  const cost: number = call.cost().total
  const end: CallEnd = call.end({ error: 'timeout' })
  const status: 'in_progress' | 'completed' | 'failed' | 'abandoned' = end.status
  const p95: number | undefined = end.latency?.p95_ms
  const again: CallEnd | null = call.ended()

  await call.run(() => {
    const s: Span = patter.llm('openai', { model: 'gpt-4o' })
    s.end()
    patter.event('x', { y: 1 })
    const id: string | undefined = patter.currentCallId()
    void id
  })
  const ids = new patter.SequentialIds(3)
  const pricing = new patter.Pricing({ overrides: { tts: { elevenlabs: { price: 0.1 } } } })
  const logger = new patter.CallLogger({ persist: false })
  const store = new patter.MetricsStore({ capacity: 10 })
  const other = Call.start({ callId: 'CA-2', direction: 'outbound', providerMode: 'p', ids, pricing, logger, store })
  other.end()
  const calls: patter.CallSummary[] = store.getCalls({ limit: 10 })
  const rec: patter.CallRecord | null = store.getCall('CA-2')
  const agg: patter.Aggregates = store.getAggregates()
  const loaded: number = await store.hydrate('/tmp/none')
  const report: patter.HydrateReport = await store.hydrateReport('/tmp/none')
  const ok: boolean = await logger.flush(100)
  const ls: patter.LogStats = logger.stats()
  const sweep: patter.SweepReport = await logger.sweepNow()
  const dflt: patter.CallLogger = patter.CallLogger.default()
  void [calls, rec?.transcript[0]?.text, agg.total_cost, loaded, report.loaded, ok, ls.written, sweep.days_removed, dflt.root]
  const flushed: boolean = await forceFlush(1000)
  const detached: boolean = await detachSpanExporter(exporter)
  const stats: TracingStats = tracingStats()
  const dropped: number = stats.dropped
  await shutdownTracing()

  try {
    call.end()
  } catch (e) {
    const err = e as PatterError
    const code: PatterErrorCode = err.code
    if (code === ErrorCode.STATE) {
      void err.message
    }
  }
  const names: string[] = [patter.SPAN_CALL, patter.SPAN_TURN, patter.SPAN_LLM, patter.CALL_ID, patter.PATTER_SIDE]
  void [enabled, on, attached, id, trace, header, answer, cost, status, p95, again, flushed, detached, dropped, names]
}

// Wrong uses must not type-check.
function negative(call: Call): void {
  // @ts-expect-error direction is 'inbound' | 'outbound'
  Call.start({ callId: 'x', direction: 'sideways', providerMode: 'p' })
  // @ts-expect-error callId is required
  Call.start({ direction: 'inbound', providerMode: 'p' })
  // @ts-expect-error provider must be a string
  call.llm(5)
  // @ts-expect-error historySize is a number
  call.llm('openai', { historySize: '3' })
  // @ts-expect-error the exporter receives bytes
  attachSpanExporter((batch: number) => true)
}

void main
void negative
