'use strict'
// The one place where the addon's errors get their stable `PATTER_*` codes: the addon sets them
// (from the core's error table) on what it throws itself; napi-rs's own argument errors and
// panics are mapped here. No code is spelled in JS: they all come from the addon.

const native = require('../patter.node')

/**
 * Stable `code` values of the errors patter throws, by name (`ErrorCode.INVALID_ARGUMENT` is
 * `'PATTER_INVALID_ARGUMENT'`): the core's error table, as the addon's `errorCodes()` gives it.
 */
const ErrorCode = Object.freeze(Object.fromEntries(native.errorCodes().map((e) => [e.name, e.code])))
const CODES = new Set(Object.values(ErrorCode))

// napi-rs reports its own failures with its status names (napi-rs's `Status`): argument
// conversions, and the rest (a Rust panic is `GenericFailure`).
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
  'ArrayBufferExpected', 'DetachableArraybufferExpected',
])
const NAPI_OTHER_STATUSES = new Set([
  'GenericFailure', 'PendingException', 'Cancelled', 'EscapeCalledTwice', 'HandleScopeMismatch',
  'CallbackScopeMismatch', 'QueueFull', 'Closing', 'WouldDeadlock', 'NoExternalBuffersAllowed',
  'CannotRunJs', 'Unknown',
])

function setCode(err, code) {
  try {
    Object.defineProperty(err, 'code', { value: code, writable: true, configurable: true, enumerable: true })
  } catch {
    // a frozen error keeps its code
  }
  return err
}

/**
 * Gives an error thrown by the addon its stable `PATTER_*` code (the one mapping point).
 * The addon's own errors already carry one; napi-rs's (its status names) get theirs here, and
 * a `TypeError` without a code of its own is a bad argument the engine caught (a wrong
 * receiver, a value of the wrong type). Any other error was thrown by the host's own code
 * while patter ran it (a getter or a Proxy trap of an argument) and passes through untouched,
 * as in Python: it is not a fault of patter's.
 */
function mapError(err) {
  if (err !== null && typeof err === 'object') {
    const code = err.code
    if (CODES.has(code)) return err
    if (NAPI_ARGUMENT_STATUSES.has(code) || (code === undefined && err instanceof TypeError)) {
      setCode(err, ErrorCode.INVALID_ARGUMENT)
    } else if (NAPI_OTHER_STATUSES.has(code)) {
      setCode(err, ErrorCode.INTERNAL)
    }
  }
  return err
}

/** A `TypeError` coded `PATTER_INVALID_ARGUMENT`: a bad argument this package's JS found. */
function invalidArgument(message) {
  return setCode(new TypeError(message), ErrorCode.INVALID_ARGUMENT)
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

module.exports = { ErrorCode, invalidArgument, mapError, wrap, wrapClass }
