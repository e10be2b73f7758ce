//! Span names and attribute keys, exactly as the Patter tracing docs (0.6) spell them.
//! Bindings re-export these so hosts can query their backend with the same strings.

/// Root span, one per call.
pub const SPAN_CALL: &str = "getpatter.call";
/// One per conversational turn, child of the call span (Pipecat-style level).
pub const SPAN_TURN: &str = "getpatter.turn";
/// One per final transcript.
pub const SPAN_STT: &str = "getpatter.stt";
/// One per detected end-of-utterance.
pub const SPAN_ENDPOINT: &str = "getpatter.endpoint";
/// One per LLM iteration, tool rounds included.
pub const SPAN_LLM: &str = "getpatter.llm";
/// One per synthesized sentence.
pub const SPAN_TTS: &str = "getpatter.tts";
/// One per barge-in.
pub const SPAN_BARGEIN: &str = "getpatter.bargein";
/// One per tool invocation.
pub const SPAN_TOOL: &str = "getpatter.tool";

/// Every span: the host's call id.
pub const CALL_ID: &str = "getpatter.call.id";
/// Call span: `inbound` / `outbound`.
pub const CALL_DIRECTION: &str = "getpatter.call.direction";
/// Call span: `pipeline`, `openai_realtime`, …
pub const CALL_PROVIDER_MODE: &str = "getpatter.call.provider_mode";
/// Call span: final status (`completed`, `failed`, `abandoned`).
pub const CALL_STATUS: &str = "getpatter.call.status";

/// Turn span: 1-based turn number.
pub const TURN_NUMBER: &str = "getpatter.turn.number";
/// Turn span: whether a barge-in cut the agent off.
pub const TURN_INTERRUPTED: &str = "getpatter.turn.interrupted";

/// STT span: characters in the final transcript.
pub const STT_TEXT_LEN: &str = "getpatter.stt.text_len";
/// STT span: recogniser confidence.
pub const STT_CONFIDENCE: &str = "getpatter.stt.confidence";
/// Endpoint span: trailing silence before end-of-utterance.
pub const ENDPOINT_SILENCE_MS: &str = "getpatter.endpoint.silence_ms";
/// LLM span: 1-based iteration within the turn.
pub const LLM_ITERATION: &str = "getpatter.llm.iteration";
/// LLM span: messages in the prompt history.
pub const LLM_HISTORY_SIZE: &str = "getpatter.llm.history_size";
/// LLM span: time to first token of this iteration.
pub const LLM_TTFT_MS: &str = "getpatter.llm.ttft_ms";
/// TTS span: characters synthesized.
pub const TTS_TEXT_LEN: &str = "getpatter.tts.text_len";
/// Barge-in span: characters of agent text that were cut off.
pub const BARGEIN_CANCELLED_TEXT_LEN: &str = "getpatter.bargein.cancelled_text_len";
/// Tool span: tool name.
pub const TOOL_NAME: &str = "getpatter.tool.name";
/// Tool span: `handler`, `webhook`, `mcp`, …
pub const TOOL_TRANSPORT: &str = "getpatter.tool.transport";

/// Cost/latency spans: routing tag, the call id.
pub const PATTER_CALL_ID: &str = "patter.call_id";
/// Cost/latency spans: routing tag, the side (`uut` by default).
pub const PATTER_SIDE: &str = "patter.side";
/// Call span at end: carrier minutes.
pub const COST_TELEPHONY_MINUTES: &str = "patter.cost.telephony_minutes";
/// Call span at end: carrier name.
pub const TELEPHONY: &str = "patter.telephony";
/// Call span at end: direction.
pub const DIRECTION: &str = "patter.direction";
/// STT span: billed audio seconds.
pub const COST_STT_SECONDS: &str = "patter.cost.stt_seconds";
/// STT span: provider.
pub const STT_PROVIDER: &str = "patter.stt.provider";
/// TTS span: billed characters.
pub const COST_TTS_CHARS: &str = "patter.cost.tts_chars";
/// TTS span: provider.
pub const TTS_PROVIDER: &str = "patter.tts.provider";
/// LLM span: input tokens.
pub const COST_LLM_INPUT_TOKENS: &str = "patter.cost.llm_input_tokens";
/// LLM span: output tokens.
pub const COST_LLM_OUTPUT_TOKENS: &str = "patter.cost.llm_output_tokens";
/// LLM span: provider.
pub const LLM_PROVIDER: &str = "patter.llm.provider";
/// Call span at end (realtime mode): session minutes.
pub const COST_REALTIME_MINUTES: &str = "patter.cost.realtime_minutes";
/// Call span at end (realtime mode): provider.
pub const REALTIME_PROVIDER: &str = "patter.realtime.provider";
/// Turn span: end of user speech to first agent audio.
pub const LATENCY_TTFB_MS: &str = "patter.latency.ttfb_ms";
/// Turn span: turn duration.
pub const LATENCY_TURN_MS: &str = "patter.latency.turn_ms";

/// OTel GenAI: operation (`chat`).
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// OTel GenAI: provider.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// OTel GenAI: requested model.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// OTel GenAI: input tokens.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// OTel GenAI: output tokens.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";

/// Instrumentation scope name of every span libpatter makes.
pub const SCOPE_NAME: &str = "getpatter";

/// OTel GenAI: the conversation (= the call id) on every span; backends group sessions by it.
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// OTel GenAI: input tokens read from the provider's cache (a part of `gen_ai.usage.input_tokens`).
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// OTel GenAI: tool name (tool spans, with `gen_ai.operation.name=execute_tool`).
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// OTel GenAI: the tool call id the model gave (tool spans, when the host reports it).
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.operation.name` of LLM spans.
pub const OPERATION_CHAT: &str = "chat";
/// `gen_ai.operation.name` of STT spans (as Pipecat names the stage).
pub const OPERATION_STT: &str = "stt";
/// `gen_ai.operation.name` of TTS spans (as Pipecat names the stage).
pub const OPERATION_TTS: &str = "tts";
/// `gen_ai.operation.name` of tool spans (OTel GenAI).
pub const OPERATION_EXECUTE_TOOL: &str = "execute_tool";

/// OpenInference: the span kind GenAI backends (Arize Phoenix, Arize AX) classify spans by.
pub const OPENINFERENCE_SPAN_KIND: &str = "openinference.span.kind";
/// OpenInference kind of call, turn, STT, TTS, endpoint and barge-in spans (a pipeline step;
/// OpenInference has no speech kind).
pub const KIND_CHAIN: &str = "CHAIN";
/// OpenInference kind of LLM spans.
pub const KIND_LLM: &str = "LLM";
/// OpenInference kind of tool spans.
pub const KIND_TOOL: &str = "TOOL";

/// Barge-in span: milliseconds of the agent's audio the caller heard before talking over it
/// (when the host reports it).
pub const BARGEIN_AUDIO_PLAYED_MS: &str = "getpatter.bargein.audio_played_ms";
/// USD cost (6 decimals, as in metadata.json) of a billable span (STT, TTS, LLM), of a turn
/// (its services) and of the call (everything, telephony and realtime included).
pub const COST_USD: &str = "patter.cost.usd";
