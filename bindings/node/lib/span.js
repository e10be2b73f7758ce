'use strict'
// Spans: plain JS objects holding a handle into the addon's span table, and the Call methods
// that start them. The hot path calls the addon's plain N-API functions directly (no rest/apply
// wrapper) and maps errors on the way out.

const { invalidArgument, mapError } = require('./errors')

/**
 * Adds the span starters (`stt`, `endpoint`, `llm`, `tts`, `bargein`, `tool`) and `recordLlm` to
 * `Call` and returns the `Span` class.
 * @param {object} native the addon
 * @param {Function} Call the (wrapped) Call class
 */
function installSpans(native, Call) {
  const {
    __spanTranscript: nTranscript, __spanSilenceMs: nSilenceMs, __spanFirstToken: nFirstToken, __spanUsage: nUsage,
    __spanFirstByte: nFirstByte, __spanToolResult: nToolResult, __spanFail: nFail, __spanEnd: nEnd, __spanTurn: nTurn,
    __spanIsEnded: nIsEnded, __spanAudioPlayedMs: nAudioPlayedMs, __spanToolCallId: nToolCallId,
    __spanTraceparent: nTraceparent, __unknownOption: nUnknownOption,
  } = native
  const KINDS = native.__spanKinds()
  const HANDLE = Symbol('patter.span')
  const NO_OPTIONS = Object.freeze({})

  const hasOwn = Object.prototype.hasOwnProperty
  // The options each method takes (its signature, as Python's keyword arguments are): any other
  // own key is an error worded by the core, never silently ignored.
  const TRANSCRIPT_OPTIONS = ['confidence', 'audioSeconds']
  const MODEL_OPTIONS = ['model']
  const LLM_OPTIONS = ['model', 'historySize']
  const RECORD_LLM_OPTIONS = ['model', 'historySize', 'ttftMs', 'inputTokens', 'outputTokens', 'cachedInputTokens']
  const BARGEIN_OPTIONS = ['audioPlayedMs']
  const TOOL_OPTIONS = ['toolCallId']
  function options(value, name, known) {
    if (value === undefined || value === null) return NO_OPTIONS
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalidArgument(`invalid argument \`${name}\`: must be an object`)
    }
    for (const key in value) {
      // Throws the core's error (every caller maps it on the way out).
      if (!known.includes(key) && hasOwn.call(value, key)) nUnknownOption(key, known)
    }
    return value
  }

  /**
   * A service span of a call (`getpatter.stt`, `.endpoint`, `.llm`, `.tts`, `.bargein`, `.tool`),
   * started by the Call's methods. End it with `end()` when the work is done; spans left open are
   * ended by the call's end.
   */
  class Span {
    constructor(token, handle, name) {
      if (token !== HANDLE) {
        throw invalidArgument("invalid argument: spans are started by a Call's methods (call.stt(), call.llm(), …), not with new")
      }
      this._h = handle
      this.name = name
    }

    /** `stt`, `endpoint`, `llm`, `tts`, `bargein` or `tool`. */
    get kind() {
      return KINDS[this.name]
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
      try {
        const o = options(opts, 'options', TRANSCRIPT_OPTIONS)
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

    /** Barge-in: how much of the agent's audio the caller heard (ms). */
    audioPlayedMs(ms) {
      try {
        nAudioPlayedMs(this._h, ms)
      } catch (err) {
        throw mapError(err)
      }
    }

    /** Tool: the id the model gave this tool call (`gen_ai.tool.call.id`). */
    toolCallId(toolCallId) {
      try {
        nToolCallId(this._h, toolCallId)
      } catch (err) {
        throw mapError(err)
      }
    }

    /**
     * The W3C `traceparent` header of this span, for the request it measures (null once the span
     * has ended; a span that is not recorded gives the call's `traceparent()`).
     */
    traceparent() {
      try {
        return nTraceparent(this._h)
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
    __callTool: nTool, __callRecordLlm: nRecordLlm,
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
      h = nStt(keyOf(this), provider, options(opts, 'options', MODEL_OPTIONS).model)
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
    let h
    try {
      const o = options(opts, 'options', LLM_OPTIONS)
      h = nLlm(keyOf(this), provider, o.model, o.historySize)
    } catch (err) {
      throw mapError(err)
    }
    return new Span(HANDLE, h, SPAN_LLM)
  })
  // recordLlm's numbers travel in a scratch buffer of the addon (see src/fast.rs): the call key
  // and each number as a double with a type tag (0 omitted, 1 number, 2 another type), then a
  // tag per string (1: the same string as this state's previous call, which the addon need not
  // read again), under this state's owner number (states sharing the addon never mix strings).
  const RECORD = native.__recordLlmArgs
  const SLOTS = 8
  const NUM = new Float64Array(RECORD, 0, SLOTS)
  const TAG = new Uint8Array(RECORD, SLOTS * 8, SLOTS + 2)
  const OWNER = (native.__recordLlmOwners = (native.__recordLlmOwners || 0) + 1)
  let lastProvider = null
  let lastModel = null
  function put(i, v) {
    if (typeof v === 'number') {
      NUM[i] = v
      TAG[i] = 1
    } else {
      TAG[i] = v === undefined || v === null ? 0 : 2
    }
  }
  defineMethod('recordLlm', function recordLlm(provider, durationMs, opts) {
    // Every option is read (any getter runs) before the buffer is written; what a getter
    // throws is mapped as the other methods map it.
    let model, historySize, ttftMs, inputTokens, outputTokens, cachedInputTokens
    try {
      ;({ model, historySize, ttftMs, inputTokens, outputTokens, cachedInputTokens } = options(opts, 'options', RECORD_LLM_OPTIONS))
    } catch (err) {
      throw mapError(err)
    }
    const key = keyOf(this)
    NUM[0] = key
    TAG[0] = 1
    put(1, durationMs)
    put(2, historySize)
    put(3, ttftMs)
    put(4, inputTokens)
    put(5, outputTokens)
    put(6, cachedInputTokens)
    NUM[7] = OWNER
    TAG[7] = 1
    const sameProvider = typeof provider === 'string' && provider === lastProvider
    const sameModel = typeof model === 'string' && model === lastModel
    TAG[SLOTS] = sameProvider ? 1 : 0
    TAG[SLOTS + 1] = sameModel ? 1 : 0
    // The addon keeps the strings it reads (its first step, before anything can fail).
    lastProvider = typeof provider === 'string' ? provider : null
    lastModel = typeof model === 'string' ? model : null
    try {
      nRecordLlm(provider, model)
    } catch (err) {
      lastProvider = lastModel = null // pass both again next time, whatever failed
      throw mapError(err)
    }
  })
  defineMethod('tts', function tts(provider, text, opts) {
    let h
    try {
      h = nTts(keyOf(this), provider, text, options(opts, 'options', MODEL_OPTIONS).model)
    } catch (err) {
      throw mapError(err)
    }
    return new Span(HANDLE, h, SPAN_TTS)
  })
  defineMethod('bargein', function bargein(cancelledText, opts) {
    let h
    try {
      h = nBargein(keyOf(this), cancelledText, options(opts, 'options', BARGEIN_OPTIONS).audioPlayedMs)
    } catch (err) {
      throw mapError(err)
    }
    return new Span(HANDLE, h, SPAN_BARGEIN)
  })
  defineMethod('tool', function tool(name, transport, toolArguments, opts) {
    let h
    try {
      h = nTool(keyOf(this), name, transport, toolArguments, options(opts, 'options', TOOL_OPTIONS).toolCallId)
    } catch (err) {
      throw mapError(err)
    }
    return new Span(HANDLE, h, SPAN_TOOL)
  })

  return Span
}

module.exports = { installSpans }
