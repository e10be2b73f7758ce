/* ErrorCode: written here by scripts/build.js from the addon's errorCodes() (the core's error table). */

/** One of the {@link ErrorCode} values. */
export type PatterErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** What patter throws: a plain `Error` with a stable `code`. */
export interface PatterError extends Error {
  code: PatterErrorCode
}

/** The call bound by the innermost enclosing `call.run(…)`, or undefined. */
export declare function currentCall(): Call | undefined
/** The id of the current call, or undefined. */
export declare function currentCallId(): string | undefined
/** The side of the current call, or undefined. */
export declare function currentSide(): string | undefined

// The Call's methods on the current call (throw PATTER_STATE outside `call.run(…)`).
/** `currentCall().startTurn()` */
export declare function startTurn(): number
/** `currentCall().endTurn()` */
export declare function endTurn(): void
/** `currentCall().stt(…)` */
export declare function stt(provider: string, options?: SttOptions | null): Span
/** `currentCall().endpoint()` */
export declare function endpoint(): Span
/** `currentCall().llm(…)` */
export declare function llm(provider: string, options?: LlmOptions | null): Span
/** `currentCall().tts(…)` */
export declare function tts(provider: string, text: string, options?: TtsOptions | null): Span
/** `currentCall().bargein(…)` */
export declare function bargein(cancelledText?: string | null, options?: BargeinOptions | null): Span
/** `currentCall().tool(…)` */
export declare function tool(
  name: string,
  transport?: string | null,
  arguments?: string | null,
  options?: ToolOptions | null,
): Span
/** `currentCall().event(…)` */
export declare function event(kind: string, data?: Record<string, unknown>): void
/** `currentCall().error(…)` */
export declare function error(code: string, message?: string | null, options?: ErrorOptions | null): void

/** Options of {@link Call.stt}. */
export interface SttOptions {
  /** Recogniser model (priced per model when known). */
  model?: string | null
}

/** Options of {@link Call.llm}. */
export interface LlmOptions {
  /** Requested model (`gen_ai.request.model`). */
  model?: string | null
  /** Messages in the prompt history (default 0). */
  historySize?: number | null
}

/** Options of {@link Call.recordLlm}: what the finished LLM iteration reports (each may be omitted). */
export interface RecordLlmOptions {
  /** Requested model (`gen_ai.request.model`). */
  model?: string | null
  /** Messages in the prompt history (default 0). */
  historySize?: number | null
  /** Milliseconds from the iteration's start to its first token (at most `durationMs`). */
  ttftMs?: number | null
  /** Uncached input tokens; usage is reported when any token count is given (others count 0). */
  inputTokens?: number | null
  /** Output tokens. */
  outputTokens?: number | null
  /** Input tokens served from the provider's prompt cache. */
  cachedInputTokens?: number | null
}

/** Options of {@link Call.tts}. */
export interface TtsOptions {
  /** Voice model (priced per model when known). */
  model?: string | null
}

/** Options of {@link Call.bargein}. */
export interface BargeinOptions {
  /** How much of the agent's audio the caller heard (ms; `getpatter.bargein.audio_played_ms`). */
  audioPlayedMs?: number | null
}

/** Options of {@link Call.tool}. */
export interface ToolOptions {
  /** The id the model gave this tool call (`gen_ai.tool.call.id`). */
  toolCallId?: string | null
}

/** Options of {@link Span.transcript}. */
export interface TranscriptOptions {
  /** Recogniser confidence, 0..1. */
  confidence?: number | null
  /** Billed audio seconds (default 0). */
  audioSeconds?: number | null
}

/**
 * A service span of a call, started by the Call's methods (`call.llm(…)`, …); never built with
 * `new`. End it with `end()` when the work is done; spans left open are ended by the call's end.
 * Texts handed to a span go to the call record on disk; the span only gets their lengths.
 */
export declare class Span {
  private constructor()
  /** The span name (`getpatter.stt`, `getpatter.llm`, …). */
  readonly name: string
  /** The span kind: `stt`, `endpoint`, `llm`, `tts`, `bargein` or `tool`. */
  get kind(): 'stt' | 'endpoint' | 'llm' | 'tts' | 'bargein' | 'tool'
  /** The turn this span belongs to (null once the span has ended). */
  get turn(): number | null
  /** Whether the span has ended (or its call did). */
  get isEnded(): boolean
  /** STT: the final transcript (to transcript.jsonl; the span gets its length). */
  transcript(text: string, options?: TranscriptOptions | null): void
  /** Endpoint: the trailing silence (ms) after which end-of-utterance was declared. */
  silenceMs(ms: number): void
  /** LLM: the first token arrived (sets `getpatter.llm.ttft_ms`; later calls are ignored). */
  firstToken(): void
  /** LLM: token usage of this iteration (`inputTokens` excludes `cachedInputTokens`). */
  usage(inputTokens: number, outputTokens: number, cachedInputTokens?: number | null): void
  /** TTS: the first audio byte of this sentence is out (the turn's first sets its TTFB). */
  firstByte(): void
  /** Tool: the tool's result (to events.jsonl only). */
  toolResult(result: string): void
  /** Barge-in: how much of the agent's audio the caller heard (ms). */
  audioPlayedMs(ms: number): void
  /** Tool: the id the model gave this tool call (`gen_ai.tool.call.id`). */
  toolCallId(toolCallId: string): void
  /**
   * The W3C `traceparent` header of this span, for the request it measures (null once the span
   * has ended; a span that is not recorded gives the call's `traceparent()`).
   */
  traceparent(): string | null
  /** Marks the span failed with an error code (no user content in it). */
  fail(code: string): void
  /** Ends the span. Ending twice, or after the call ended, is a no-op. */
  end(): void
}

export interface Call {
  /**
   * Starts a `getpatter.stt` span (one per final transcript); report it with
   * `span.transcript(text, …)`.
   */
  stt(provider: string, options?: SttOptions | null): Span
  /** Starts a `getpatter.endpoint` span (end-of-utterance detection). */
  endpoint(): Span
  /** Starts a `getpatter.llm` span: one per LLM iteration, tool rounds included. */
  llm(provider: string, options?: LlmOptions | null): Span
  /**
   * Records a finished LLM iteration in one call: the `getpatter.llm` span (and turn latencies,
   * usage, cost) that `llm()` + `firstToken()` + `usage()` + `end()` record. It ends now and
   * started `durationMs` earlier; `ttftMs` places the first token.
   */
  recordLlm(provider: string, durationMs: number, options?: RecordLlmOptions | null): void
  /**
   * Starts a `getpatter.tts` span for one sentence. The text goes to the transcript on disk;
   * the span only gets its length.
   */
  tts(provider: string, text: string, options?: TtsOptions | null): Span
  /**
   * Starts a `getpatter.bargein` span: the caller talked over the agent. `cancelledText` is what
   * the agent did not get to say. Ending the span ends the turn as interrupted.
   */
  bargein(cancelledText?: string | null, options?: BargeinOptions | null): Span
  /** Starts a `getpatter.tool` span (`transport` omitted: the core default, `handler`). `arguments` (e.g. JSON) goes to events.jsonl only. */
  tool(name: string, transport?: string | null, arguments?: string | null, options?: ToolOptions | null): Span
  /**
   * Runs `fn(...args)` with this call as the current call: {@link currentCall} returns it inside
   * `fn` and in every promise, timer and callback started from it (AsyncLocalStorage), so
   * concurrent calls never mix. Returns what `fn` returns.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R
}

// Records: plain objects with the field names of metadata.json and the JSONL files on disk
// (snake_case), identical across the Python, Node and C bindings.

/** Cost in USD by category; each part is rounded to 6 decimals and `total` is their sum. */
export interface CostBreakdown {
  total: number
  telephony: number
  stt: number
  tts: number
  llm: number
  realtime: number
}

/** Usage counted for a call or a turn: the units pricing turns into dollars. */
export interface Usage {
  stt_seconds: number
  tts_chars: number
  /** Uncached input tokens. */
  llm_input_tokens: number
  llm_output_tokens: number
  llm_cached_input_tokens: number
}

/** Turn latency percentiles in milliseconds (Hyndman-Fan type 7). */
export interface LatencySummary {
  p50_ms: number
  p95_ms: number
  p99_ms: number
}

/** Latency measures of one turn in milliseconds (null when the step did not happen). */
export interface TurnLatency {
  ttfb_ms: number | null
  turn_ms: number | null
  stt_ms: number | null
  endpoint_ms: number | null
  llm_ttft_ms: number | null
  llm_ms: number | null
  tts_ttfb_ms: number | null
}

/** What `call.end()` returns: the call's final record. */
export interface CallEnd {
  /** UTC ISO-8601 with milliseconds. */
  ended_at: string
  duration_ms: number
  status: 'in_progress' | 'completed' | 'failed' | 'abandoned'
  turns: number
  cost: CostBreakdown
  usage: Usage
  latency: LatencySummary | null
  /** Error code of a failed call. */
  error: string | null
  /** Providers/models without a price (counted as 0), e.g. `"tts:acme"`. */
  unpriced: string[]
}

/** The agent snapshot of a record (metadata.json's `agent`; absent fields omitted). */
export interface AgentRecord {
  provider?: string
  model?: string
  voice?: string
  language?: string
  stt_provider?: string
  tts_provider?: string
  llm_provider?: string
}

/** One call as `MetricsStore.getCalls()` lists it: the fields of metadata.json. */
export interface CallSummary {
  call_id: string
  direction: string
  trace_id: string | null
  started_at: string
  ended_at: string | null
  duration_ms: number | null
  status: string
  /** Redacted. */
  caller: string | null
  /** Redacted. */
  callee: string | null
  telephony_provider: string | null
  provider_mode: string
  agent: AgentRecord
  turns: number
  cost: CostBreakdown | null
  latency: LatencySummary | null
  error: string | null
  unpriced: string[]
  /** `live` (reported in this process) or `disk` (read by hydrate). */
  source: 'live' | 'disk'
}

/** One transcript.jsonl row. */
export interface TranscriptEntry {
  turn_index: number
  role: string
  text: string
  ts: string | null
  interrupted: boolean
  latency: TurnLatency | null
  cost: CostBreakdown | null
}

/** One events.jsonl row. */
export interface EventEntry {
  type: string
  ts: string | null
  data: Record<string, unknown>
}

/** A call with its transcript and events (`getCall`, `getActiveCalls`). */
export interface CallRecord extends CallSummary {
  transcript: TranscriptEntry[]
  events: EventEntry[]
}

/** Statistics over the finished calls a MetricsStore holds. */
export interface Aggregates {
  total_calls: number
  completed: number
  failed: number
  abandoned: number
  active_calls: number
  total_cost: number
  avg_cost: number
  cost_breakdown: CostBreakdown
  avg_duration_ms: number | null
  latency: LatencySummary | null
}

/** What `MetricsStore.hydrateReport()` did. */
export interface HydrateReport {
  loaded: number
  already_present: number
  not_retained: number
  /** Calls never opened: their metadata.json is older than the newest calls kept. */
  not_read: number
  corrupt: number
  wrong_type: number
  too_large: number
  missing_metadata: number
  days_scanned: number
  stopped_early: boolean
}

/** Counters of a CallLogger. */
export interface LogStats {
  written: number
  dropped: number
  errors: number
  sweeps: number
}

/** What a retention sweep removed. */
export interface SweepReport {
  days_removed: number
  months_removed: number
  years_removed: number
  errors: number
}
