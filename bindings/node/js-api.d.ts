/** Stable `code` values of the errors patter throws. */
export declare const ErrorCode: {
  /** Bad argument: wrong type, empty or oversized id, out-of-range number, unknown enum value. */
  readonly INVALID_ARGUMENT: 'PATTER_INVALID_ARGUMENT'
  /** Unusable configuration (explicit or from the environment). */
  readonly CONFIG: 'PATTER_CONFIG'
  /** The object is no longer in a state that allows the operation (e.g. the call has ended). */
  readonly STATE: 'PATTER_STATE'
  /** Filesystem failure of an explicit (non call-path) operation. */
  readonly IO: 'PATTER_IO'
  /** Stored data could not be parsed. */
  readonly CORRUPT: 'PATTER_CORRUPT'
  /** An exporter could not be built or attached. */
  readonly EXPORTER: 'PATTER_EXPORTER'
  /** A bug in patter (a Rust panic caught at the boundary). */
  readonly INTERNAL: 'PATTER_INTERNAL'
}

/** One of the {@link ErrorCode} values. */
export type PatterErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** What patter throws: a plain `Error` with a stable `code`. */
export interface PatterError extends Error {
  code: PatterErrorCode
}

/** The call bound by the innermost enclosing `call.run(…)`, or undefined. */
export declare function currentCall(): Call | undefined

export interface Call {
  /**
   * Runs `fn(...args)` with this call as the current call: {@link currentCall} returns it inside
   * `fn` and in every promise, timer and callback started from it (AsyncLocalStorage), so
   * concurrent calls never mix. Returns what `fn` returns.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R
}
