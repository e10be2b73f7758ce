'use strict'
// The host's current OpenTelemetry span, read through `@opentelemetry/api` when the host has it
// (never a dependency of patter; resolved from patter, the main module or the cwd, else read
// through the API's global registry): a call started inside an active span joins that span's
// trace unless it is given a `traceparent`. This only reads the context; the core decides
// whether it is a parent and builds every header.

const { createRequire } = require('node:module')
const path = require('node:path')

let api // undefined: not looked up yet; null: not found

/** `@opentelemetry/api` as the host resolves it (from patter, the main module, or the cwd). */
function loadApi() {
  if (api !== undefined) return api
  api = null
  const from = [__filename]
  if (require.main && require.main.filename) from.push(require.main.filename)
  from.push(path.join(process.cwd(), 'package.json'))
  for (const file of from) {
    try {
      const candidate = createRequire(file)('@opentelemetry/api')
      if (candidate && candidate.trace && candidate.context) {
        api = candidate
        break
      }
    } catch (_) {
      // not resolvable from there
    }
  }
  return api
}

// Where every copy of `@opentelemetry/api` 1.x registers the global context manager, and the
// context key of the active span: how the API itself finds the span when the host's copy is not
// resolvable from here (pnpm, bundlers, monorepos).
const GLOBAL_API = Symbol.for('opentelemetry.js.api.1')
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN')

/** The active span's context through the API's global registry (a copy loaded by the host). */
function globalSpanContext() {
  const g = globalThis[GLOBAL_API]
  if (!g || !g.context || typeof g.context.active !== 'function') return undefined
  const ctx = g.context.active()
  const span = ctx && typeof ctx.getValue === 'function' ? ctx.getValue(SPAN_KEY) : undefined
  return span && typeof span.spanContext === 'function' ? span.spanContext() : undefined
}

/**
 * The active span context of the host as `{ traceId, spanId, traceFlags, traceState }`, or
 * undefined (no API, no active span). Never throws.
 */
function hostContext() {
  try {
    const otel = loadApi()
    const sc = otel !== null ? otel.trace.getSpanContext(otel.context.active()) : globalSpanContext()
    if (!sc) return undefined
    const ts = sc.traceState && typeof sc.traceState.serialize === 'function' ? sc.traceState.serialize() : undefined
    return { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags, traceState: ts }
  } catch (_) {
    return undefined
  }
}

/**
 * Makes `Call.start(options)` and `new Call(options)` pass the host's context along; returns
 * the Call class to export.
 * @param {Function} Call the (wrapped) Call class
 */
function installHostContext(Call) {
  const start = Call.start
  Object.defineProperty(Call, 'start', {
    value: function start_(options) {
      return start.call(this, options, hostContext())
    },
    writable: true,
    configurable: true,
  })
  Object.defineProperty(Call.start, 'name', { value: 'start' })
  return new Proxy(Call, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, [args[0], hostContext()], newTarget)
    },
  })
}

module.exports = { installHostContext, hostContext }
