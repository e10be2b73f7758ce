//! The span catalogue: span names and attribute keys, re-exported from the core so hosts
//! query their backend with the very strings the spans carry.

use napi_derive::napi;
use patter_core::tracing::names as n;

macro_rules! names {
    ($($id:ident => $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            #[napi]
            pub const $id: &str = n::$id;
        )*
    };
}

names! {
    SPAN_CALL => "Root span, one per call: `getpatter.call`.",
    SPAN_TURN => "One per conversational turn: `getpatter.turn`.",
    SPAN_STT => "One per final transcript: `getpatter.stt`.",
    SPAN_ENDPOINT => "One per end-of-utterance: `getpatter.endpoint`.",
    SPAN_LLM => "One per LLM iteration: `getpatter.llm`.",
    SPAN_TTS => "One per synthesized sentence: `getpatter.tts`.",
    SPAN_BARGEIN => "One per barge-in: `getpatter.bargein`.",
    SPAN_TOOL => "One per tool invocation: `getpatter.tool`.",
    CALL_ID => "Every span: `getpatter.call.id`.",
    CALL_DIRECTION => "Call span: `getpatter.call.direction`.",
    CALL_PROVIDER_MODE => "Call span: `getpatter.call.provider_mode`.",
    CALL_STATUS => "Call span: `getpatter.call.status`.",
    TURN_NUMBER => "Turn span: `getpatter.turn.number`.",
    TURN_INTERRUPTED => "Turn span: `getpatter.turn.interrupted`.",
    STT_TEXT_LEN => "STT span: `getpatter.stt.text_len`.",
    STT_CONFIDENCE => "STT span: `getpatter.stt.confidence`.",
    ENDPOINT_SILENCE_MS => "Endpoint span: `getpatter.endpoint.silence_ms`.",
    LLM_ITERATION => "LLM span: `getpatter.llm.iteration`.",
    LLM_HISTORY_SIZE => "LLM span: `getpatter.llm.history_size`.",
    LLM_TTFT_MS => "LLM span: `getpatter.llm.ttft_ms`.",
    TTS_TEXT_LEN => "TTS span: `getpatter.tts.text_len`.",
    BARGEIN_CANCELLED_TEXT_LEN => "Barge-in span: `getpatter.bargein.cancelled_text_len`.",
    TOOL_NAME => "Tool span: `getpatter.tool.name`.",
    TOOL_TRANSPORT => "Tool span: `getpatter.tool.transport`.",
    PATTER_CALL_ID => "Cost/latency spans: `patter.call_id`.",
    PATTER_SIDE => "Cost/latency spans: `patter.side`.",
    COST_TELEPHONY_MINUTES => "Call span at end: `patter.cost.telephony_minutes`.",
    TELEPHONY => "Call span at end: `patter.telephony`.",
    DIRECTION => "Call span at end: `patter.direction`.",
    COST_STT_SECONDS => "STT span: `patter.cost.stt_seconds`.",
    STT_PROVIDER => "STT span: `patter.stt.provider`.",
    COST_TTS_CHARS => "TTS span: `patter.cost.tts_chars`.",
    TTS_PROVIDER => "TTS span: `patter.tts.provider`.",
    COST_LLM_INPUT_TOKENS => "LLM span: `patter.cost.llm_input_tokens`.",
    COST_LLM_OUTPUT_TOKENS => "LLM span: `patter.cost.llm_output_tokens`.",
    LLM_PROVIDER => "LLM span: `patter.llm.provider`.",
    COST_REALTIME_MINUTES => "Call span at end (realtime): `patter.cost.realtime_minutes`.",
    REALTIME_PROVIDER => "Call span at end (realtime): `patter.realtime.provider`.",
    LATENCY_TTFB_MS => "Turn span: `patter.latency.ttfb_ms`.",
    LATENCY_TURN_MS => "Turn span: `patter.latency.turn_ms`.",
    GEN_AI_OPERATION_NAME => "OTel GenAI: `gen_ai.operation.name`.",
    GEN_AI_PROVIDER_NAME => "OTel GenAI: `gen_ai.provider.name`.",
    GEN_AI_REQUEST_MODEL => "OTel GenAI: `gen_ai.request.model`.",
    GEN_AI_USAGE_INPUT_TOKENS => "OTel GenAI: `gen_ai.usage.input_tokens`.",
    GEN_AI_USAGE_OUTPUT_TOKENS => "OTel GenAI: `gen_ai.usage.output_tokens`.",
    GEN_AI_CONVERSATION_ID => "`gen_ai.conversation.id` (= the call id) on every span.",
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS => "OTel GenAI: `gen_ai.usage.cache_read.input_tokens`.",
    GEN_AI_TOOL_NAME => "OTel GenAI: `gen_ai.tool.name`.",
    GEN_AI_TOOL_CALL_ID => "OTel GenAI: `gen_ai.tool.call.id`.",
    OPENINFERENCE_SPAN_KIND => "OpenInference: `openinference.span.kind`.",
    BARGEIN_AUDIO_PLAYED_MS => "Barge-in span: `getpatter.bargein.audio_played_ms`.",
    COST_USD => "Billable, turn and call spans: `patter.cost.usd`.",
    SCOPE_NAME => "Instrumentation scope of every libpatter span: `getpatter`.",
}

/// Span name to span kind (`getpatter.llm` → `llm`), from the core, for `span.kind`.
#[napi(js_name = "__spanKinds", skip_typescript)]
pub fn span_kinds() -> std::collections::HashMap<String, String> {
    patter_core::call::SpanKind::ALL.iter().map(|k| (k.span_name().to_string(), k.as_str().to_string())).collect()
}
