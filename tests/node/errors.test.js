'use strict'
// Bad arguments: wrong types, undefined, out-of-range numbers, hostile ids. Every failure is a
// JS Error with a stable PATTER_* code; nothing crashes the process.

const test = require('node:test')
const assert = require('node:assert/strict')

delete process.env.PATTER_OTEL_ENABLED
const patter = require('patter')
const { Call, ManualClock, SequentialIds } = patter

const base = { callId: 'CA-err', direction: 'inbound', providerMode: 'pipeline' }
const invalid = (e) => e instanceof Error && e.code === 'PATTER_INVALID_ARGUMENT' && typeof e.message === 'string'

test('wrong types and missing values in CallOptions', () => {
  const bad = [
    undefined, null, 42, 'CA-1', [], () => {},
    {}, { ...base, callId: undefined }, { ...base, callId: 5 }, { ...base, callId: null },
    { ...base, callId: Symbol('x') }, { ...base, callId: {} }, { ...base, callId: 10n },
    { ...base, direction: undefined }, { ...base, direction: 'sideways' }, { ...base, direction: 1 },
    { ...base, providerMode: '' }, { ...base, side: '' }, { ...base, side: 3 },
    { ...base, agent: 'nope' }, { ...base, agent: { voice: 7 } }, { ...base, agent: { colour: 'red' } },
    { ...base, agent: { Voice: 'nova' } }, { ...base, agent: { 'stt-provider': 'deepgram' } },
    { ...base, clock: {} }, { ...base, clock: Date }, { ...base, clock: 5 },
    { ...base, realtimeModel: 'gpt-realtime' },
  ]
  for (const o of bad) {
    assert.throws(() => Call.start(o), invalid, `Call.start(${String(o && typeof o === 'object' ? JSON.stringify(o, (k, v) => typeof v === 'bigint' ? `${v}n` : v) : typeof o)})`)
  }
  for (const o of bad.slice(0, 3)) assert.throws(() => new Call(o), invalid)
})

test('agent keys: the core decides (either naming convention, as in Python), inherited keys unread', () => {
  const store = new patter.MetricsStore()
  const agent = Object.assign(Object.create({ inherited: 'never read' }), {
    voice: 'nova', sttProvider: 'deepgram', tts_provider: 'elevenlabs', model: null, language: undefined,
  })
  Call.start({ ...base, callId: 'CA-agent-keys', store, agent }).end()
  assert.deepEqual(store.getCall('CA-agent-keys').agent, { voice: 'nova', stt_provider: 'deepgram', tts_provider: 'elevenlabs' })
  assert.throws(() => Call.start({ ...base, agent: { colour: 'red' } }), (e) => invalid(e) && /unknown key "colour"/.test(e.message))
})

test('every options argument rejects a key that is none of its options (Python: an unknown keyword)', async () => {
  // The options each takes, read from index.d.ts: all of them are accepted (so index.d.ts and
  // the checks never drift apart), and any other own key is PATTER_INVALID_ARGUMENT naming it.
  const dts = require('node:fs').readFileSync(require('node:path').join(require('node:path').dirname(require.resolve('patter')), 'index.d.ts'), 'utf8')
  const keysOf = (name) => {
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
    assert.ok(body, `interface ${name} in index.d.ts`)
    const keys = [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1])
    assert.ok(keys.length > 0, name)
    return keys
  }
  const allUndefined = (name, extra = {}) => Object.assign(Object.fromEntries(keysOf(name).map((k) => [k, undefined])), extra)
  const store = new patter.MetricsStore()
  const call = Call.start({ ...base, callId: 'CA-unknown-keys', store })
  const stt = call.stt('deepgram')
  const exporter = () => {}
  const uses = {
    TracingOptions: (o) => patter.initTracing(o),
    PricingOptions: (o) => new patter.Pricing(o),
    AttachOptions: (o) => { patter.attachSpanExporter(exporter, o); patter.detachSpanExporter(exporter) },
    CallOptions: (o) => Call.start({ ...base, callId: 'CA-unknown-keys-2', ...o }).end(),
    NewCallOptions: (o) => new Call({ ...base, callId: 'CA-unknown-keys-3', ...o }).end(),
    ErrorOptions: (o) => call.error('probe', 'm', o),
    EndOptions: (o) => {
      const c = Call.start({ ...base, callId: 'CA-unknown-keys-4' })
      try {
        c.end(o)
      } finally {
        if (!c.isEnded) c.end()
      }
    },
    DashboardOptions: (o) => patter.serveDashboard(store, o).close(),
    CallLoggerOptions: (o) => new patter.CallLogger(o),
    MetricsStoreOptions: (o) => new patter.MetricsStore(o),
    GetCallsOptions: (o) => store.getCalls(o),
    SttOptions: (o) => call.stt('deepgram', o).end(),
    LlmOptions: (o) => call.llm('openai', o).end(),
    RecordLlmOptions: (o) => call.recordLlm('openai', 1, o),
    TtsOptions: (o) => call.tts('elevenlabs', 'hi', o).end(),
    BargeinOptions: (o) => call.bargein('hi', o).end(),
    ToolOptions: (o) => call.tool('lookup', 'handler', '{}', o).end(),
    TranscriptOptions: (o) => stt.transcript('hi', o),
  }
  for (const [name, use] of Object.entries(uses)) {
    const iface = name === 'NewCallOptions' ? 'CallOptions' : name
    const known = allUndefined(iface, iface === 'CallOptions' ? { callId: undefined, direction: undefined, providerMode: undefined } : {})
    if (iface === 'CallOptions') for (const k of ['callId', 'direction', 'providerMode']) delete known[k]
    const r = use(known)
    if (r instanceof Promise) await r
    assert.throws(() => use({ bogus: 1 }), (e) => invalid(e) && /unknown key "bogus"/.test(e.message) && /known: /.test(e.message), name)
    // Own keys only: an inherited one is not the caller's option.
    const inherited = use(Object.create({ bogus: 1 }))
    if (inherited instanceof Promise) await inherited
  }
  // An array is no options object, here as for the span methods' options.
  for (const use of [() => new patter.MetricsStore([]), () => store.getCalls([1]), () => call.tts('elevenlabs', 'hi', [])]) {
    assert.throws(use, invalid)
  }
  // A misspelt option names itself and the right one.
  assert.throws(() => patter.initTracing({ otlpEndpont: 'http://127.0.0.1:4318' }),
    (e) => invalid(e) && /unknown key "otlpEndpont"/.test(e.message) && /otlpEndpoint/.test(e.message))
  assert.equal(patter.isRecording(), false, 'a rejected initTracing changed nothing')
  stt.end()
  call.end({ error: undefined })
  assert.throws(() => call.end({ bogus: 1 }), (e) => invalid(e) && /unknown key "bogus"/.test(e.message))
})

test('direction is case-insensitive; a real ManualClock instance is required', () => {
  Call.start({ ...base, direction: 'OUTBOUND' }).end()
  Call.start({ ...base, clock: new ManualClock(0), ids: new SequentialIds(0) }).end()
})

test('hostile ids are kept verbatim or rejected cleanly', () => {
  const hostile = [
    '../../../../etc/passwd', '..', '.', '/', 'C:\\Windows\\System32', 'a/b\\c', '\0', 'nul\0byte',
    'CA\r\nInjected: header', '\u202e\u0644\u0627', '☎️📞', '\ud800', 'x\udfffy', 'CON', 'aux.txt',
    ' ', '\t', '%2e%2e%2f', '$(rm -rf /)', '`id`', "'; DROP TABLE calls; --", '<script>alert(1)</script>',
    '__proto__', 'constructor', 'x'.repeat(16 * 1024),
  ]
  for (const id of hostile) {
    const call = Call.start({ ...base, callId: id, side: id, caller: id, telephonyProvider: 'twilio' })
    assert.equal(typeof call.callId, 'string')
    const s = call.llm(id, { model: id })
    s.end()
    call.tool(id, id, id).end()
    call.event(id, { [id]: id })
    call.end({ error: id })
    assert.equal(call.ended().status, 'failed')
  }
  // Longer than the 16 KiB id limit: rejected, not truncated.
  assert.throws(() => Call.start({ ...base, callId: 'x'.repeat(16 * 1024 + 1) }), invalid)
  const call = Call.start(base)
  assert.throws(() => call.llm('p'.repeat(16 * 1024 + 1)), invalid)
  assert.throws(() => call.llm(''), invalid)
  assert.throws(() => call.tool('', 'handler'), invalid)
  assert.throws(() => call.error(''), invalid)
  assert.throws(() => call.end({ error: '' }), invalid)
  call.end()
})

test('wrong types on Call and Span methods', () => {
  const call = Call.start(base)
  const cases = [
    () => call.stt(), () => call.stt(undefined), () => call.stt(1), () => call.stt('x', 'model'),
    () => call.stt('x', { model: 1 }),
    () => call.llm(null), () => call.llm('x', { historySize: -1 }), () => call.llm('x', { historySize: 0.5 }),
    () => call.llm('x', { historySize: '3' }), () => call.llm('x', { historySize: NaN }),
    () => call.tts('x'), () => call.tts('x', 5), () => call.tts('x', undefined),
    () => call.bargein(5), () => call.tool('x', 5),
    () => call.error(5), () => call.event(), () => call.event(5), () => call.event('x', 'str'),
    () => call.event('x', [1, 2]), () => call.event('x', 5), () => call.end('completed'), () => call.end({ error: 5 }),
  ]
  for (const f of cases) assert.throws(f, invalid, f.toString())

  const stt = call.stt('deepgram')
  for (const f of [
    () => stt.transcript(), () => stt.transcript(5), () => stt.transcript('x', { confidence: 'high' }),
    () => stt.transcript('x', { audioSeconds: Infinity }), () => stt.transcript('x', { confidence: NaN }),
  ]) assert.throws(f, invalid, f.toString())
  stt.end()
  const ep = call.endpoint()
  for (const f of [() => ep.silenceMs(), () => ep.silenceMs(-1), () => ep.silenceMs(NaN), () => ep.silenceMs('5')]) {
    assert.throws(f, invalid, f.toString())
  }
  ep.end()
  const llm = call.llm('openai')
  for (const f of [
    () => llm.usage(), () => llm.usage(1), () => llm.usage(-1, 1), () => llm.usage(1, 1.5), () => llm.usage(1, 1, -3),
    () => llm.usage(2 ** 54, 1), () => llm.usage('1', '2'),
  ]) assert.throws(f, invalid, f.toString())
  llm.end()
  call.end()
})

test('methods called on the wrong receiver', () => {
  const call = Call.start(base)
  const span = call.llm('openai')
  assert.throws(() => patter.Call.prototype.end.call({}), invalid)
  assert.throws(() => patter.Call.prototype.llm.call(span, 'x'), invalid)
  assert.throws(() => patter.Span.prototype.end.call(call), invalid)
  assert.throws(() => Object.getOwnPropertyDescriptor(patter.Call.prototype, 'callId').get.call(null), invalid)
  assert.throws(() => patter.Call.prototype.run.call({}, () => 1), invalid)
  assert.throws(() => call.run(), invalid)
  assert.throws(() => call.run('not a function'), invalid)
  span.end()
  call.end()
})

test('hostile objects: throwing getters, proxies and toString are not trusted', () => {
  const throwing = { get callId() { throw new Error('boom from getter') }, direction: 'inbound', providerMode: 'x' }
  assert.throws(() => Call.start(throwing), (e) => e instanceof Error)
  const trap = new Proxy({}, { get() { throw new Error('proxy trap') } })
  assert.throws(() => Call.start(trap), (e) => e instanceof Error)
  const sneaky = { toString() { return 'CA-sneaky' } }
  assert.throws(() => Call.start({ ...base, callId: sneaky }), invalid)
  const call = Call.start(base)
  try {
    call.event('x', { big: 10n, fn() {}, sym: Symbol('s'), undef: undefined })
  } catch (e) {
    assert.ok(invalid(e), String(e))
  }
  const cyclic = {}
  cyclic.self = cyclic
  assert.throws(() => call.event('x', cyclic), (e) => e instanceof Error)
  call.end()
})

test("the host's own exceptions (a getter, a Proxy trap) pass through untouched, as in Python", () => {
  // Thrown by the host's code while patter reads an argument: the same object, and no code
  // added (before, every such error was stamped PATTER_INTERNAL, a fault of patter's). A
  // TypeError is the one exception: read as the engine's verdict on a bad argument.
  const call = Call.start(base)
  const cases = [
    ['Call.start getter', (mine) => Call.start({ ...base, get callId() { throw mine } })],
    ['Call.start Proxy get', (mine) => Call.start(new Proxy({ ...base }, { get() { throw mine } }))],
    ['Call.start Proxy ownKeys', (mine) => Call.start(new Proxy({ ...base }, { ownKeys() { throw mine } }))],
    ['initTracing getter', (mine) => patter.initTracing({ get serviceName() { throw mine } })],
    ['initTracing Proxy ownKeys', (mine) => patter.initTracing(new Proxy({}, { ownKeys() { throw mine } }))],
    ['recordLlm getter', (mine) => call.recordLlm('openai', 1, { get model() { throw mine } })],
    ['llm Proxy ownKeys', (mine) => call.llm('openai', new Proxy({}, { ownKeys() { throw mine } }))],
    ['event data getter', (mine) => call.event('x', { get big() { throw mine } })],
  ]
  try {
    for (const [what, f] of cases) {
      for (const mine of [new RangeError(`mine: ${what}`), new Error(`mine too: ${what}`)]) {
        assert.throws(() => f(mine), (e) => e === mine && e.code === undefined, what)
      }
      const typeError = new TypeError(`a type error: ${what}`)
      assert.throws(() => f(typeError), (e) => e === typeError && invalid(e), what)
    }
  } finally {
    call.end()
  }
})

test('tracing configuration errors are PATTER_CONFIG or PATTER_INVALID_ARGUMENT', () => {
  process.env.PATTER_OTEL_ENABLED = '1'
  try {
    for (const ep of ['ftp://x', 'localhost:4318', 'http://', 'http://a b']) {
      assert.throws(() => patter.initTracing({ otlpEndpoint: ep }), { code: 'PATTER_CONFIG' }, ep)
    }
    for (const o of [5, 'x', { serviceName: 5 }, { headers: 'a=b' }, { headers: { a: 5 } }, { console: 'yes' }]) {
      assert.throws(() => patter.initTracing(o), invalid, JSON.stringify(o))
    }
    assert.equal(patter.isEnabled(), false)
  } finally {
    delete process.env.PATTER_OTEL_ENABLED
  }
  for (const f of [() => patter.forceFlush(-1), () => patter.forceFlush('1'), () => patter.attachSpanExporter(),
    () => patter.attachSpanExporter('fn'), () => patter.attachSpanExporter(() => {}, { side: '' }),
    () => patter.detachSpanExporter(5), () => new ManualClock(), () => new ManualClock(-5), () => new ManualClock('0')]) {
    assert.throws(f, invalid, f.toString())
  }
})

test('ErrorCode is the core error table, the same codes and C statuses as patter.h', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const { ROOT } = require('./helpers')
  const rows = patter.errorCodes()
  assert.ok(rows.length >= 7)
  assert.deepEqual(Object.entries(patter.ErrorCode), rows.map((e) => [e.name, e.code]))
  const header = fs.readFileSync(path.join(ROOT, 'include', 'patter.h'), 'utf8')
  const dts = fs.readFileSync(path.join(path.dirname(require.resolve('patter')), 'index.d.ts'), 'utf8')
  for (const e of rows) {
    assert.equal(e.code, `PATTER_${e.name}`)
    assert.ok(header.includes(`PATTER_STATUS_${e.name} = ${e.status},`), `patter.h: PATTER_STATUS_${e.name} = ${e.status}`)
    assert.ok(dts.includes(`readonly ${e.name}: '${e.code}'`), `index.d.ts declares ${e.name}`)
    assert.ok(e.meaning.length > 0)
  }
  // Errors from the core carry codes from the table.
  assert.throws(() => new Call({ ...base, callId: '' }), (e) => e.code === patter.ErrorCode.INVALID_ARGUMENT)
})
