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

function wrap(fn) {
  const wrapped = function (...args) {
    try {
      return fn.apply(this, args)
    } catch (err) {
      throw mapError(err)
    }
  }
  Object.defineProperty(wrapped, 'name', { value: fn.name })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}

/** Wraps every method, getter and static of a native class in place. */
function wrapClass(cls) {
  for (const target of [cls.prototype, cls]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (key === 'constructor' || key === 'prototype' || key === 'length' || key === 'name') continue
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

module.exports = Object.freeze({ ...exported, ErrorCode, currentCall })
