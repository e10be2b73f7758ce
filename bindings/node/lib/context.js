'use strict'
// The current call: bound by `call.run(fn)` through AsyncLocalStorage, so every promise, timer
// and callback started under a call reports to it; plus the Call's methods on the current call.

const { AsyncLocalStorage } = require('node:async_hooks')
const { ErrorCode, invalidArgument, mapError } = require('./errors')

/**
 * Adds `run` to `Call`; returns `currentCall`, `currentCallId`, `currentSide` and the Call's
 * methods on the current call.
 * @param {Function} Call the (wrapped) Call class
 */
function installContext(Call) {
  const callScope = new AsyncLocalStorage()

  /**
   * Runs `fn` with this call as the current call: `currentCall()` returns it in `fn` and in every
   * promise, timer and callback started from it, so concurrent calls never mix.
   */
  Object.defineProperty(Call.prototype, 'run', {
    value: function run(fn, ...args) {
      if (typeof fn !== 'function') {
        throw invalidArgument('invalid argument `fn`: must be a function')
      }
      if (!(this instanceof Call)) {
        throw invalidArgument('run() must be called on a Call')
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

  return { currentCall, currentCallId, currentSide, ...helpers }
}

module.exports = { installContext }
