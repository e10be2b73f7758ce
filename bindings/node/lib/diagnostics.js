'use strict'
// Diagnostics: the core's warnings (a failed export, a full disk, a refused file…) reach JS as
// `{ level, code, message, suppressed }`. At load the package routes them to
// `process.emitWarning` (type `PatterWarning`, the diagnostic's code as the warning code); a
// host may route them elsewhere with `setDiagnosticsHandler(fn)`, or to stderr with `null`.
// A throwing handler is reported as a warning instead of becoming an uncaught exception.

/** The package's default handler. */
function emitWarning(d) {
  const text = d.suppressed > 0 ? `${d.message} (${d.suppressed} similar suppressed)` : d.message
  process.emitWarning(text, { type: 'PatterWarning', code: d.code })
}

function guarded(handler) {
  if (typeof handler !== 'function') return handler // the addon reports the wrong type
  return function patterDiagnosticsHandler(d) {
    try {
      handler(d)
    } catch (e) {
      process.emitWarning(`patter diagnostics handler threw: ${e && e.message ? e.message : e}`, {
        type: 'PatterWarning',
        code: d.code,
      })
    }
  }
}

/**
 * `setDiagnosticsHandler` over the addon's (error-mapped) one, installing the default.
 * @param {Function} nativeSet
 */
function diagnosticsFunctions(nativeSet) {
  nativeSet(emitWarning)
  return {
    setDiagnosticsHandler: function setDiagnosticsHandler(handler) {
      return nativeSet(guarded(handler))
    },
  }
}

module.exports = { diagnosticsFunctions }
