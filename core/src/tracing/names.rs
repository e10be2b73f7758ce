//! Span names and attribute keys, exactly as the Patter tracing docs (0.6) spell them.
//! Bindings re-export these so hosts can query their backend with the same strings.
//!
//! [`CATALOGUE`] lists every one of them with its kind and doc, as data: the C header's
//! `#define`s and Python's `NAMES` are built from it.

/// What a catalogue entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A span name (`getpatter.llm`).
    Span,
    /// An attribute key (`getpatter.call.id`).
    Attribute,
    /// A value an attribute takes (`chat` for `gen_ai.operation.name`).
    Value,
    /// The instrumentation scope name.
    Scope,
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The constant's name (`SPAN_LLM`).
    pub name: &'static str,
    /// The string spans carry (`getpatter.llm`).
    pub value: &'static str,
    /// What it names.
    pub kind: NameKind,
    /// Its doc comment (lines joined with spaces).
    pub doc: &'static str,
}

/// Defines each constant and the [`CATALOGUE`] that lists them, from one list.
macro_rules! catalogue {
    ($($(#[doc = $doc:literal])+ $kind:ident $id:ident = $value:literal;)*) => {
        $(
            $(#[doc = $doc])+
            pub const $id: &str = $value;
        )*

        /// Every span name, attribute key and value above, in definition order.
        pub const CATALOGUE: &[CatalogueEntry] = &[$(
            CatalogueEntry { name: stringify!($id), value: $id, kind: NameKind::$kind, doc: concat!($($doc),+) },
        )*];
    };
}

catalogue! {
    /// Root span, one per call.
    Span SPAN_CALL = "getpatter.call";
    /// One per conversational turn, child of the call span (Pipecat-style level).
    Span SPAN_TURN = "getpatter.turn";
    /// One per final transcript.
    Span SPAN_STT = "getpatter.stt";
    /// One per detected end-of-utterance.
    Span SPAN_ENDPOINT = "getpatter.endpoint";
    /// One per LLM iteration, tool rounds included.
    Span SPAN_LLM = "getpatter.llm";
    /// One per synthesized sentence.
    Span SPAN_TTS = "getpatter.tts";
    /// One per barge-in.
    Span SPAN_BARGEIN = "getpatter.bargein";
    /// One per tool invocation.
    Span SPAN_TOOL = "getpatter.tool";

    /// Every span: the host's call id.
    Attribute CALL_ID = "getpatter.call.id";
    /// Call span: `inbound` / `outbound`.
    Attribute CALL_DIRECTION = "getpatter.call.direction";
    /// Call span: `pipeline`, `openai_realtime`, …
    Attribute CALL_PROVIDER_MODE = "getpatter.call.provider_mode";
    /// Call span: final status (`completed`, `failed`, `abandoned`).
    Attribute CALL_STATUS = "getpatter.call.status";

    /// Turn span: 1-based turn number.
    Attribute TURN_NUMBER = "getpatter.turn.number";
    /// Turn span: whether a barge-in cut the agent off.
    Attribute TURN_INTERRUPTED = "getpatter.turn.interrupted";

    /// STT span: characters in the final transcript.
    Attribute STT_TEXT_LEN = "getpatter.stt.text_len";
    /// STT span: recogniser confidence.
    Attribute STT_CONFIDENCE = "getpatter.stt.confidence";
    /// Endpoint span: trailing silence before end-of-utterance.
    Attribute ENDPOINT_SILENCE_MS = "getpatter.endpoint.silence_ms";
    /// LLM span: 1-based iteration within the turn.
    Attribute LLM_ITERATION = "getpatter.llm.iteration";
    /// LLM span: messages in the prompt history.
    Attribute LLM_HISTORY_SIZE = "getpatter.llm.history_size";
    /// LLM span: time to first token of this iteration.
    Attribute LLM_TTFT_MS = "getpatter.llm.ttft_ms";
    /// TTS span: characters synthesized.
    Attribute TTS_TEXT_LEN = "getpatter.tts.text_len";
    /// Barge-in span: characters of agent text that were cut off.
    Attribute BARGEIN_CANCELLED_TEXT_LEN = "getpatter.bargein.cancelled_text_len";
    /// Tool span: tool name.
    Attribute TOOL_NAME = "getpatter.tool.name";
    /// Tool span: `handler`, `webhook`, `mcp`, …
    Attribute TOOL_TRANSPORT = "getpatter.tool.transport";

    /// Cost/latency spans: routing tag, the call id.
    Attribute PATTER_CALL_ID = "patter.call_id";
    /// Cost/latency spans: routing tag, the side (`uut` by default).
    Attribute PATTER_SIDE = "patter.side";
    /// Call span at end: carrier minutes.
    Attribute COST_TELEPHONY_MINUTES = "patter.cost.telephony_minutes";
    /// Call span at end: carrier name.
    Attribute TELEPHONY = "patter.telephony";
    /// Call span at end: direction.
    Attribute DIRECTION = "patter.direction";
    /// STT span: billed audio seconds.
    Attribute COST_STT_SECONDS = "patter.cost.stt_seconds";
    /// STT span: provider.
    Attribute STT_PROVIDER = "patter.stt.provider";
    /// TTS span: billed characters.
    Attribute COST_TTS_CHARS = "patter.cost.tts_chars";
    /// TTS span: provider.
    Attribute TTS_PROVIDER = "patter.tts.provider";
    /// LLM span: input tokens.
    Attribute COST_LLM_INPUT_TOKENS = "patter.cost.llm_input_tokens";
    /// LLM span: output tokens.
    Attribute COST_LLM_OUTPUT_TOKENS = "patter.cost.llm_output_tokens";
    /// LLM span: provider.
    Attribute LLM_PROVIDER = "patter.llm.provider";
    /// Call span at end (realtime mode): session minutes.
    Attribute COST_REALTIME_MINUTES = "patter.cost.realtime_minutes";
    /// Call span at end (realtime mode): provider.
    Attribute REALTIME_PROVIDER = "patter.realtime.provider";
    /// Turn span: end of user speech to first agent audio.
    Attribute LATENCY_TTFB_MS = "patter.latency.ttfb_ms";
    /// Turn span: turn duration.
    Attribute LATENCY_TURN_MS = "patter.latency.turn_ms";

    /// OTel GenAI: operation (`chat`).
    Attribute GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
    /// OTel GenAI: provider.
    Attribute GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
    /// OTel GenAI: requested model.
    Attribute GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
    /// OTel GenAI: input tokens.
    Attribute GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
    /// OTel GenAI: output tokens.
    Attribute GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

    /// Instrumentation scope name of every span libpatter makes.
    Scope SCOPE_NAME = "getpatter";

    /// OTel GenAI: the conversation (= the call id) on every span; backends group sessions by it.
    Attribute GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";
    /// OTel GenAI: input tokens read from the provider's cache (a part of `gen_ai.usage.input_tokens`).
    Attribute GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
    /// OTel GenAI: tool name (tool spans, with `gen_ai.operation.name=execute_tool`).
    Attribute GEN_AI_TOOL_NAME = "gen_ai.tool.name";
    /// OTel GenAI: the tool call id the model gave (tool spans, when the host reports it).
    Attribute GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
    /// `gen_ai.operation.name` of LLM spans.
    Value OPERATION_CHAT = "chat";
    /// `gen_ai.operation.name` of STT spans (as Pipecat names the stage).
    Value OPERATION_STT = "stt";
    /// `gen_ai.operation.name` of TTS spans (as Pipecat names the stage).
    Value OPERATION_TTS = "tts";
    /// `gen_ai.operation.name` of tool spans (OTel GenAI).
    Value OPERATION_EXECUTE_TOOL = "execute_tool";

    /// OpenInference: the span kind GenAI backends (Arize Phoenix, Arize AX) classify spans by.
    Attribute OPENINFERENCE_SPAN_KIND = "openinference.span.kind";
    /// OpenInference kind of call, turn, STT, TTS, endpoint and barge-in spans (a pipeline step;
    /// OpenInference has no speech kind).
    Value KIND_CHAIN = "CHAIN";
    /// OpenInference kind of LLM spans.
    Value KIND_LLM = "LLM";
    /// OpenInference kind of tool spans.
    Value KIND_TOOL = "TOOL";

    /// Barge-in span: milliseconds of the agent's audio the caller heard before talking over it
    /// (when the host reports it).
    Attribute BARGEIN_AUDIO_PLAYED_MS = "getpatter.bargein.audio_played_ms";
    /// USD cost (6 decimals, as in metadata.json) of a billable span (STT, TTS, LLM), of a turn
    /// (its services) and of the call (everything, telephony and realtime included).
    Attribute COST_USD = "patter.cost.usd";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_lists_each_constant_once() {
        let names: HashSet<_> = CATALOGUE.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), CATALOGUE.len());
        let spans: Vec<_> = CATALOGUE.iter().filter(|e| e.kind == NameKind::Span).map(|e| e.value).collect();
        assert_eq!(spans, [SPAN_CALL, SPAN_TURN, SPAN_STT, SPAN_ENDPOINT, SPAN_LLM, SPAN_TTS, SPAN_BARGEIN, SPAN_TOOL]);
        let e = CATALOGUE.iter().find(|e| e.name == "GEN_AI_TOOL_CALL_ID").unwrap();
        assert_eq!((e.value, e.kind), (GEN_AI_TOOL_CALL_ID, NameKind::Attribute));
        for e in CATALOGUE {
            assert!(!e.doc.trim().is_empty() && !e.value.is_empty(), "{e:?}");
            assert!(e.value.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'), "{e:?}");
        }
    }
}
