//! What a Call hands to its sinks (the call log on disk and the MetricsStore).
//!
//! These types are the one contract between the Call handle and the record pipeline: the
//! Call produces them, `calllog` serialises them to the documented files, `store` keeps them
//! in its ring buffer. Every binding reaches them only through the Call.

use crate::clock::Timestamp;
use serde::Serialize;

/// Direction of a phone call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The caller dialled the agent.
    Inbound,
    /// The agent dialled out.
    Outbound,
}

impl Direction {
    /// The wire spelling: `"inbound"` / `"outbound"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// Parses the wire spelling (case-insensitive).
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            _ => {
                Err(crate::PatterError::invalid("direction", format!("must be \"inbound\" or \"outbound\", got {s:?}")))
            }
        }
    }
}

/// Final status of a call as written to metadata.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// Started, not yet ended.
    InProgress,
    /// Ended normally.
    Completed,
    /// Ended with an error (the `error` field says which).
    Failed,
    /// The host dropped the Call without ending it.
    Abandoned,
}

impl CallStatus {
    /// The wire spelling: `in_progress`, `completed`, `failed`, `abandoned`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::InProgress => "in_progress",
            CallStatus::Completed => "completed",
            CallStatus::Failed => "failed",
            CallStatus::Abandoned => "abandoned",
        }
    }
}

/// The agent configuration snapshot stored in metadata.json's `agent` object.
/// Absent fields are omitted from the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentInfo {
    /// Agent/engine provider, e.g. `openai_realtime` or `pipeline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// LLM or realtime model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// TTS voice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// Conversation language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// STT provider (pipeline mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stt_provider: Option<String>,
    /// TTS provider (pipeline mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tts_provider: Option<String>,
    /// LLM provider (pipeline mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm_provider: Option<String>,
}

impl AgentInfo {
    /// Sets the field named `key` from a host's map (Python's `agent` dict, Node's `agent`
    /// object): the metadata.json name (`stt_provider`) or its camelCase form (`sttProvider`),
    /// the same in every language; `None` clears it. Any other key is an invalid argument.
    pub fn set(&mut self, key: &str, value: Option<String>) -> crate::Result<()> {
        let slot = match key {
            "provider" => &mut self.provider,
            "model" => &mut self.model,
            "voice" => &mut self.voice,
            "language" => &mut self.language,
            "stt_provider" | "sttProvider" => &mut self.stt_provider,
            "tts_provider" | "ttsProvider" => &mut self.tts_provider,
            "llm_provider" | "llmProvider" => &mut self.llm_provider,
            other => {
                return Err(crate::PatterError::invalid(
                    "agent",
                    format!(
                        "unknown key {other:?} (known: provider, model, voice, language, stt_provider, \
                         tts_provider, llm_provider, or their camelCase forms)"
                    ),
                ))
            }
        };
        *slot = value;
        Ok(())
    }
}

/// Everything known when a call starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallStart {
    /// The host's call id, verbatim (the on-disk directory name is derived from it safely).
    pub call_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// `pipeline`, `openai_realtime`, `elevenlabs_convai`, …
    pub provider_mode: String,
    /// Routing tag for cost/latency spans (`uut` by default).
    pub side: String,
    /// Caller number, raw (the call log redacts it).
    pub caller: Option<String>,
    /// Callee number, raw (the call log redacts it).
    pub callee: Option<String>,
    /// `twilio`, `telnyx`, … (None when there is no carrier, e.g. a web call).
    pub telephony_provider: Option<String>,
    /// Agent snapshot.
    pub agent: AgentInfo,
    /// Start instant.
    pub started_at: Timestamp,
    /// Hex trace id of the call span when tracing records it, else None.
    pub trace_id: Option<String>,
}

/// Who spoke in a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The caller.
    User,
    /// The agent.
    Assistant,
}

impl Role {
    /// The wire spelling: `user` / `assistant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Latency measures of one turn, in milliseconds (None when the step did not happen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TurnLatency {
    /// End of user speech (or turn start) to the first agent audio byte: the latency a caller hears.
    pub ttfb_ms: Option<f64>,
    /// Turn start to turn end.
    pub turn_ms: Option<f64>,
    /// Duration of the final STT span(s).
    pub stt_ms: Option<f64>,
    /// Trailing silence before end-of-utterance was declared.
    pub endpoint_ms: Option<f64>,
    /// Time to first token of the turn's first LLM iteration.
    pub llm_ttft_ms: Option<f64>,
    /// Total LLM time of the turn (all iterations).
    pub llm_ms: Option<f64>,
    /// First TTS span start to its first audio byte.
    pub tts_ttfb_ms: Option<f64>,
}

/// Cost in USD, by category. Each part is rounded to 6 decimals; `total` is the sum of the
/// rounded parts (so every binding prints the same number).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CostBreakdown {
    /// Sum of the parts below.
    pub total: f64,
    /// Carrier minutes.
    pub telephony: f64,
    /// Speech-to-text.
    pub stt: f64,
    /// Text-to-speech.
    pub tts: f64,
    /// LLM tokens.
    pub llm: f64,
    /// Realtime (speech-to-speech) sessions.
    pub realtime: f64,
}

/// Usage counted for one turn (or a whole call): the units pricing turns into dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Seconds of audio billed by STT.
    pub stt_seconds: f64,
    /// Characters sent to TTS.
    pub tts_chars: u64,
    /// LLM input tokens (uncached).
    pub llm_input_tokens: u64,
    /// LLM output tokens.
    pub llm_output_tokens: u64,
    /// LLM input tokens served from cache.
    pub llm_cached_input_tokens: u64,
}

/// One line of transcript.jsonl: a speaker's turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    /// 1-based turn number within the call (a user line and its answer share it).
    pub turn_index: u32,
    /// Who spoke.
    pub role: Role,
    /// What was said (PII: goes to disk only, never to a span).
    pub text: String,
    /// When the line was complete.
    pub ts: Timestamp,
    /// Whether the agent was cut off (assistant lines only).
    pub interrupted: bool,
    /// The turn's latency (assistant lines carry it; user lines have None).
    pub latency: Option<TurnLatency>,
    /// The turn's usage (assistant lines).
    pub usage: Option<Usage>,
    /// The turn's cost (assistant lines).
    pub cost: Option<CostBreakdown>,
}

/// One line of events.jsonl: an operational event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLine {
    /// `tool_call`, `tool_result`, `barge_in`, `error`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened.
    pub ts: Timestamp,
    /// Event payload, serialised in insertion order (tool payloads are PII: disk only).
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// Latency percentiles of a call's turns, in milliseconds (type-7 linear interpolation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// Everything known when a call ends (bindings return it to the host as JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallEnd {
    /// End instant.
    pub ended_at: Timestamp,
    /// `ended_at - started_at` in milliseconds.
    pub duration_ms: u64,
    /// Final status.
    pub status: CallStatus,
    /// Number of turns (interrupted ones included).
    pub turns: u32,
    /// Cost of the call.
    pub cost: CostBreakdown,
    /// Usage of the whole call.
    pub usage: Usage,
    /// Percentiles over the turns' `ttfb_ms`; None when no turn was measured.
    pub latency: Option<LatencySummary>,
    /// Error code/message when status is `failed`.
    pub error: Option<String>,
    /// Providers/models that had no price (cost counted as 0), e.g. `"tts:acme"`.
    pub unpriced: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::AgentInfo;

    #[test]
    fn agent_keys_in_either_naming_convention_and_nothing_else() {
        let mut a = AgentInfo::default();
        a.set("voice", Some("nova".into())).unwrap();
        a.set("stt_provider", Some("deepgram".into())).unwrap();
        a.set("ttsProvider", Some("elevenlabs".into())).unwrap();
        a.set("llmProvider", Some("openai".into())).unwrap();
        a.set("llm_provider", None).unwrap();
        assert_eq!(a.voice.as_deref(), Some("nova"));
        assert_eq!(a.stt_provider.as_deref(), Some("deepgram"));
        assert_eq!(a.tts_provider.as_deref(), Some("elevenlabs"));
        assert_eq!(a.llm_provider, None, "None clears");
        for bad in ["colour", "Voice", "stt-provider", "sttprovider", "", "__proto__"] {
            let e = a.set(bad, Some("x".into())).unwrap_err().to_string();
            assert!(e.contains("agent") && e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
