'use strict'
// Conformance runner for Node: reads a scenario (tests/conformance/scenarios/*.json) and drives
// the public `patter` API step by step with a manual clock and seeded ids, exactly as the Rust
// runner drives patter-core. Tracing, the call log and their destinations come from the
// environment the harness sets (`initTracing()` and a `CallLogger` without `persist`).
//
// Usage: node conformance_runner.js SCENARIO.json   (`patter` must resolve: NODE_PATH)

const fs = require('node:fs')
const patter = require('patter')

function need(obj, key) {
  if (typeof obj[key] !== 'string') throw new Error(`scenario: missing string ${JSON.stringify(key)} in ${JSON.stringify(obj)}`)
  return obj[key]
}

// Numbers JSON cannot carry are the strings "NaN", "inf", "-inf" (the same in every runner).
const SPECIAL = { NaN: NaN, inf: Infinity, '-inf': -Infinity }
const num = (v) => (typeof v === 'string' ? SPECIAL[v] : v)
const codeOf = (err) => String(err.code || '').replace(/^PATTER_/, '').toLowerCase()

async function main(file) {
  const sc = JSON.parse(fs.readFileSync(file, 'utf8'))
  const start = sc.start_ms
  const clock = new patter.ManualClock(start)
  patter.initTracing()
  const logger = new patter.CallLogger()

  const c = sc.call
  const rt = c.realtime || {}
  const a = c.agent
  const options = {
    callId: need(c, 'call_id'),
    direction: need(c, 'direction'),
    providerMode: need(c, 'provider_mode'),
    side: c.side,
    caller: c.caller,
    callee: c.callee,
    telephonyProvider: c.telephony_provider,
    realtimeProvider: rt.provider,
    realtimeModel: rt.model,
    agent: a && {
      provider: a.provider, model: a.model, voice: a.voice, language: a.language,
      sttProvider: a.stt_provider, ttsProvider: a.tts_provider, llmProvider: a.llm_provider,
    },
    logger,
    clock,
    ids: new patter.SequentialIds(sc.seed ?? 1),
    traceparent: c.traceparent,
    tracestate: c.tracestate,
  }
  const call = patter.Call.start(options)

  const spans = new Map()
  const span = (ev) => {
    const s = spans.get(need(ev, 'span'))
    if (!s) throw new Error(`scenario: unknown span ${ev.span}`)
    return s
  }
  for (const ev of sc.events) {
    clock.set(start + ev.at)
    const want = ev.expect_error
    try {
      run(ev)
    } catch (err) {
      if (want === undefined || codeOf(err) !== want) throw err
      call.event('expected_error', { op: ev.op, code: want, message: err.message })
      continue
    }
    if (want !== undefined) throw new Error(`scenario: ${ev.op} at ${ev.at} succeeded; expected ${want}`)
  }

  function run(ev) {
    switch (ev.op) {
      case 'start_duplicate': patter.Call.start(options); break
      case 'start_other':
        patter.Call.start({
          callId: need(ev, 'call_id'), direction: options.direction, providerMode: options.providerMode, logger, clock,
          ids: new patter.SequentialIds(99), traceparent: ev.traceparent, tracestate: ev.tracestate,
        })
        break
      case 'traceparent': {
        const header = ev.span === undefined ? call.traceparent() : span(ev).traceparent()
        call.event('traceparent', { of: ev.span ?? 'call', traceparent: header })
        break
      }
      case 'audio_played': span(ev).audioPlayedMs(num(ev.ms)); break
      case 'start_turn': call.startTurn(); break
      case 'end_turn': call.endTurn(); break
      case 'stt': spans.set(ev.span, call.stt(need(ev, 'provider'), { model: ev.model })); break
      case 'endpoint': spans.set(ev.span, call.endpoint()); break
      case 'llm': spans.set(ev.span, call.llm(need(ev, 'provider'), { model: ev.model, historySize: ev.history_size })); break
      case 'record_llm':
        call.recordLlm(need(ev, 'provider'), num(ev.duration_ms), {
          model: ev.model, historySize: ev.history_size, ttftMs: num(ev.ttft_ms), inputTokens: ev.input_tokens,
          outputTokens: ev.output_tokens, cachedInputTokens: ev.cached_input_tokens,
        })
        break
      case 'tts': spans.set(ev.span, call.tts(need(ev, 'provider'), need(ev, 'text'), { model: ev.model })); break
      case 'bargein':
        spans.set(ev.span, call.bargein(need(ev, 'cancelled_text'), { audioPlayedMs: num(ev.audio_played_ms) }))
        break
      case 'tool':
        spans.set(ev.span, call.tool(need(ev, 'name'), ev.transport, ev.arguments, { toolCallId: ev.tool_call_id }))
        break
      case 'transcript': span(ev).transcript(need(ev, 'text'), { confidence: num(ev.confidence), audioSeconds: num(ev.audio_seconds) }); break
      case 'silence': span(ev).silenceMs(num(ev.ms)); break
      case 'first_token': span(ev).firstToken(); break
      case 'first_byte': span(ev).firstByte(); break
      case 'usage': span(ev).usage(ev.input_tokens ?? 0, ev.output_tokens ?? 0, ev.cached_input_tokens); break
      case 'tool_result': span(ev).toolResult(need(ev, 'result')); break
      case 'fail': span(ev).fail(need(ev, 'code')); break
      case 'end': span(ev).end(); spans.delete(ev.span); break
      case 'error': call.error(need(ev, 'code'), need(ev, 'message'), { fatal: ev.fatal ?? false }); break
      case 'end_call':
        call.end(ev.outcome === 'completed' ? undefined : { error: need(ev, 'error') })
        break
      default: throw new Error(`scenario: unknown op ${JSON.stringify(ev.op)}`)
    }
  }
  await patter.shutdownTracing()
  await logger.flush()
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(`${err.stack || err}\n`)
  process.exit(1)
})
