'use strict'
// Exporters: the addon calls a wrapper, so that a promise an exporter returns can never become an
// unhandled rejection (which would end the host process). One wrapper per function keeps
// attach idempotent and lets detach find it.
const exporterWrappers = new WeakMap()
function exporterWrapper(fn) {
  if (typeof fn !== 'function') return fn // the addon reports the wrong type
  let w = exporterWrappers.get(fn)
  if (w === undefined) {
    w = function patterSpanExporter(batch) {
      const r = fn(batch)
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

/**
 * `attachSpanExporter` / `detachSpanExporter` over the addon's (error-mapped) ones.
 * @param {Function} nativeAttach
 * @param {Function} nativeDetach
 */
function exporterFunctions(nativeAttach, nativeDetach) {
  return {
    attachSpanExporter: function attachSpanExporter(exporter, options) {
      return nativeAttach(exporterWrapper(exporter), options)
    },
    detachSpanExporter: function detachSpanExporter(exporter) {
      return nativeDetach(exporterWrapper(exporter))
    },
  }
}

module.exports = { exporterFunctions }
