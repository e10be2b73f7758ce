'use strict'
/**
 * patter: voice-call observability (OpenTelemetry traces, cost, per-call records) from the
 * libpatter Rust core. This entry loads the addon and assembles the API; `lib/` holds the few
 * things done in JS: error codes, span objects, the current call (AsyncLocalStorage), exporters.
 * @module patter
 */

const native = require('./patter.node')
const { ErrorCode, wrap, wrapClass } = require('./lib/errors')
const { installSpans } = require('./lib/span')
const { installContext } = require('./lib/context')
const { exporterFunctions } = require('./lib/exporter')
const { diagnosticsFunctions } = require('./lib/diagnostics')
const { installHostContext } = require('./lib/otel')

const exported = {}
for (const [key, value] of Object.entries(native)) {
  if (key.startsWith('__')) continue // internal: used by lib/
  if (typeof value === 'function' && /^[A-Z]/.test(key)) {
    exported[key] = wrapClass(value)
  } else if (typeof value === 'function') {
    exported[key] = wrap(value)
  } else {
    exported[key] = value
  }
}

exported.Call = installHostContext(exported.Call)
const Span = installSpans(native, exported.Call)
const context = installContext(exported.Call)
const exporters = exporterFunctions(exported.attachSpanExporter, exported.detachSpanExporter)
const diagnostics = diagnosticsFunctions(exported.setDiagnosticsHandler)

module.exports = Object.freeze({ ...exported, ...exporters, ...diagnostics, ...context, Span, ErrorCode })
