'use strict'
/**
 * patter: voice-call observability (OpenTelemetry traces, cost, per-call records) from the
 * libpatter Rust core. This file only loads the native addon, maps its errors to stable
 * `PATTER_*` codes, and binds the current call through AsyncLocalStorage.
 * @module patter
 */

const { AsyncLocalStorage } = require('node:async_hooks')
const native = require('./patter.node')

/** Stable `code` values of the errors patter throws. */
const ErrorCode = Object.freeze({
  INVALID_ARGUMENT: 'PATTER_INVALID_ARGUMENT',
  CONFIG: 'PATTER_CONFIG',
  STATE: 'PATTER_STATE',
  IO: 'PATTER_IO',
  CORRUPT: 'PATTER_CORRUPT',
  EXPORTER: 'PATTER_EXPORTER',
  INTERNAL: 'PATTER_INTERNAL',
})

// napi-rs reports argument conversion failures with its own status names.
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
  'ArrayBufferExpected', 'DetachableArraybufferExpected',
])

/** Gives an error thrown by the addon its stable `PATTER_*` code (the one mapping point). */
function mapError(err) {
  if (err !== null && typeof err === 'object') {
    const code = err.code
    if (typeof code !== 'string' || !code.startsWith('PATTER_')) {
      const mapped = NAPI_ARGUMENT_STATUSES.has(code) || err instanceof TypeError
        ? ErrorCode.INVALID_ARGUMENT
        : ErrorCode.INTERNAL
      try {
        Object.defineProperty(err, 'code', { value: mapped, writable: true, configurable: true, enumerable: true })
      } catch {
        // a frozen error keeps its code
      }
    }
  }
  return err
}

function rethrowMapped(err) {
  throw mapError(err)
}

function wrap(fn) {
  const wrapped = function (...args) {
    let result
    try {
      result = fn.apply(this, args)
    } catch (err) {
      throw mapError(err)
    }
    return result instanceof Promise ? result.catch(rethrowMapped) : result
  }
  Object.defineProperty(wrapped, 'name', { value: fn.name })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}

/** Wraps every method, getter and static of a native class in place. */
function wrapClass(cls) {
  for (const target of [cls.prototype, cls]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (key === 'constructor' || key === 'prototype' || key === 'length' || key === 'name' || key.startsWith('__')) continue
      const d = Object.getOwnPropertyDescriptor(target, key)
      if (typeof d.value === 'function') d.value = wrap(d.value)
      if (typeof d.get === 'function') d.get = wrap(d.get)
      if (typeof d.set === 'function') d.set = wrap(d.set)
      Object.defineProperty(target, key, d)
    }
  }
  // `new Class(…)` cannot be wrapped like a method: trap it so its errors get codes too.
  return new Proxy(cls, {
    construct(target, args, newTarget) {
      try {
        return Reflect.construct(target, args, newTarget)
      } catch (err) {
        throw mapError(err)
      }
    },
  })
}

const exported = {}
for (const [key, value] of Object.entries(native)) {
  if (key.startsWith('__')) continue // internal: used below
  if (typeof value === 'function' && /^[A-Z]/.test(key)) {
    exported[key] = wrapClass(value)
  } else if (typeof value === 'function') {
    exported[key] = wrap(value)
  } else {
    exported[key] = value
  }
}

const { Call } = exported
const callScope = new AsyncLocalStorage()

// Spans are plain JS objects holding a handle into the addon's span table: the class machinery
// of a native object per span cost several times the span itself.
const {
  __spanTranscript: nTranscript, __spanSilenceMs: nSilenceMs, __spanFirstToken: nFirstToken, __spanUsage: nUsage,
  __spanFirstByte: nFirstByte, __spanToolResult: nToolResult, __spanFail: nFail, __spanEnd: nEnd, __spanTurn: nTurn,
  __spanIsEnded: nIsEnded,
} = native
const HANDLE = Symbol('patter.span')
const NO_OPTIONS = Object.freeze({})

function options(value, name) {
  if (value === undefined || value === null) return NO_OPTIONS
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw mapError(new TypeError(`invalid argument \`${name}\`: must be an object`))
  }
  return value
}

// The hot path calls the addon directly (no rest/apply wrapper); errors are mapped on the way out.
/**
 * A service span of a call (`getpatter.stt`, `.endpoint`, `.llm`, `.tts`, `.bargein`, `.tool`),
 * started by the Call's methods. End it with `end()` when the work is done; spans left open are
 * ended by the call's end.
 */
class Span {
  constructor(token, handle, name) {
    if (token !== HANDLE) {
      throw mapError(new TypeError("invalid argument: spans are started by a Call's methods (call.stt(), call.llm(), …), not with new"))
    }
    this._h = handle
    this.name = name
  }

  /** The turn this span belongs to (null once the span has ended). */
  get turn() {
    try {
      return nTurn(this._h)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** Whether the span has ended. */
  get isEnded() {
    try {
      return nIsEnded(this._h)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** STT: the final transcript (to transcript.jsonl; the span gets its length). */
  transcript(text, opts) {
    const o = options(opts, 'options')
    try {
      nTranscript(this._h, text, o.confidence, o.audioSeconds)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** Endpoint: the trailing silence (ms) after which end-of-utterance was declared. */
  silenceMs(ms) {
    try {
      nSilenceMs(this._h, ms)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** LLM: the first token arrived (sets `getpatter.llm.ttft_ms`; later calls are ignored). */
  firstToken() {
    try {
      nFirstToken(this._h)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** LLM: token usage of this iteration (`inputTokens` excludes `cachedInputTokens`). */
  usage(inputTokens, outputTokens, cachedInputTokens) {
    try {
      nUsage(this._h, inputTokens, outputTokens, cachedInputTokens)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** TTS: the first audio byte of this sentence is out. */
  firstByte() {
    try {
      nFirstByte(this._h)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** Tool: the tool's result (to events.jsonl only). */
  toolResult(result) {
    try {
      nToolResult(this._h, result)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** Marks the span failed with an error code (no user content in it). */
  fail(code) {
    try {
      nFail(this._h, code)
    } catch (err) {
      throw mapError(err)
    }
  }

  /** Ends the span. Ending twice, or after the call ended, is a no-op. */
  end() {
    try {
      nEnd(this._h)
    } catch (err) {
      throw mapError(err)
    }
  }
}
Object.defineProperty(Span.prototype, Symbol.toStringTag, { value: 'Span' })

// Span starters are free functions of the addon taking the call's key (cheaper than a method);
// the key is read once per Call and cached on the object.
const {
  __callStt: nStt, __callEndpoint: nEndpoint, __callLlm: nLlm, __callTts: nTts, __callBargein: nBargein,
  __callTool: nTool,
} = native
const getKey = Object.getOwnPropertyDescriptor(Call.prototype, '__key').get
delete Call.prototype.__key
const KEY = Symbol('patter.call')

function keyOf(call) {
  const k = call[KEY]
  if (k !== undefined) return k
  const key = getKey.call(call)
  Object.defineProperty(call, KEY, { value: key })
  return key
}
const SPAN_STT = native.SPAN_STT
const SPAN_ENDPOINT = native.SPAN_ENDPOINT
const SPAN_LLM = native.SPAN_LLM
const SPAN_TTS = native.SPAN_TTS
const SPAN_BARGEIN = native.SPAN_BARGEIN
const SPAN_TOOL = native.SPAN_TOOL

function defineMethod(name, fn) {
  Object.defineProperty(Call.prototype, name, { value: fn, writable: true, configurable: true })
}
defineMethod('stt', function stt(provider, opts) {
  let h
  try {
    h = nStt(keyOf(this), provider, options(opts, 'options').model)
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_STT)
})
defineMethod('endpoint', function endpoint() {
  let h
  try {
    h = nEndpoint(keyOf(this))
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_ENDPOINT)
})
defineMethod('llm', function llm(provider, opts) {
  const o = options(opts, 'options')
  let h
  try {
    h = nLlm(keyOf(this), provider, o.model, o.historySize)
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_LLM)
})
defineMethod('tts', function tts(provider, text, opts) {
  let h
  try {
    h = nTts(keyOf(this), provider, text, options(opts, 'options').model)
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_TTS)
})
defineMethod('bargein', function bargein(cancelledText) {
  let h
  try {
    h = nBargein(keyOf(this), cancelledText)
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_BARGEIN)
})
defineMethod('tool', function tool(name, transport, args) {
  let h
  try {
    h = nTool(keyOf(this), name, transport, args)
  } catch (err) {
    throw mapError(err)
  }
  return new Span(HANDLE, h, SPAN_TOOL)
})

/**
 * Runs `fn` with this call as the current call: `currentCall()` returns it in `fn` and in every
 * promise, timer and callback started from it, so concurrent calls never mix.
 */
Object.defineProperty(Call.prototype, 'run', {
  value: function run(fn, ...args) {
    if (typeof fn !== 'function') {
      throw mapError(new TypeError('invalid argument `fn`: must be a function'))
    }
    if (!(this instanceof Call)) {
      throw mapError(new TypeError('run() must be called on a Call'))
    }
    return callScope.run(this, fn, ...args)
  },
  writable: true,
  configurable: true,
})

/** The call bound by the innermost enclosing `call.run(…)`, or undefined. */
function currentCall() {
  return callScope.getStore()
}

/** The id of the current call, or undefined. */
function currentCallId() {
  const call = callScope.getStore()
  return call === undefined ? undefined : call.callId
}

/** The side of the current call, or undefined. */
function currentSide() {
  const call = callScope.getStore()
  return call === undefined ? undefined : call.side
}

function requireCall(what) {
  const call = callScope.getStore()
  if (call === undefined) {
    const err = new Error(`invalid state: ${what}() needs a current call (run it inside call.run(…))`)
    err.code = ErrorCode.STATE
    throw err
  }
  return call
}

// The Call's methods on the current call: code deep inside an agent reports without a handle.
const helpers = {}
for (const name of ['startTurn', 'endTurn', 'stt', 'endpoint', 'llm', 'tts', 'bargein', 'tool', 'event', 'error']) {
  const method = Call.prototype[name]
  helpers[name] = {
    [name](...args) {
      return method.apply(requireCall(name), args)
    },
  }[name]
}

// Exporters: the addon calls a wrapper, so that a promise an exporter returns can never become an
// unhandled rejection (which would end the host process). One wrapper per function keeps
// attach idempotent and lets detach find it.
const exporterWrappers = new WeakMap()
function exporterWrapper(fn) {
  if (typeof fn !== 'function') return fn // the addon reports the wrong type
  let w = exporterWrappers.get(fn)
  if (w === undefined) {
    w = function patterSpanExporter(batchJson) {
      const r = fn(batchJson)
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
        r.then(undefined, () => {})
        return undefined
      }
      return r
    }
    exporterWrappers.set(fn, w)
  }
  return w
}
const nativeAttach = exported.attachSpanExporter
const nativeDetach = exported.detachSpanExporter
exported.attachSpanExporter = function attachSpanExporter(exporter, options) {
  return nativeAttach(exporterWrapper(exporter), options)
}
exported.detachSpanExporter = function detachSpanExporter(exporter) {
  return nativeDetach(exporterWrapper(exporter))
}

module.exports = Object.freeze({ ...exported, ...helpers, Span, ErrorCode, currentCall, currentCallId, currentSide })
