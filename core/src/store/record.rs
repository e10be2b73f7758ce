//! What the MetricsStore returns: serialisable records mirroring metadata.json, plus the
//! transcript and events of a call, and the aggregates.

use crate::records::{AgentInfo, CostBreakdown, LatencySummary, TurnLatency};
use serde::Serialize;

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// Reported by a live Call in this process.
    Live,
    /// Read from disk by `hydrate`.
    Disk,
}

/// One call, as listed by `get_calls`: the fields of metadata.json (same names and meaning).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSummary {
    /// The host's call id, verbatim.
    pub call_id: String,
    /// `inbound` / `outbound`.
    pub direction: String,
    /// Hex trace id of the call span, when traced.
    pub trace_id: Option<String>,
    /// Start, ISO-8601 UTC with milliseconds.
    pub started_at: String,
    /// End, None while active (and for calls whose process died mid-call).
    pub ended_at: Option<String>,
    /// Duration in ms, None when unknown.
    pub duration_ms: Option<u64>,
    /// `in_progress`, `completed`, `failed`, `abandoned` (or another value read from disk).
    pub status: String,
    /// Caller, redacted.
    pub caller: Option<String>,
    /// Callee, redacted.
    pub callee: Option<String>,
    /// Carrier, e.g. `twilio`.
    pub telephony_provider: Option<String>,
    /// `pipeline`, `openai_realtime`, … (empty when unknown).
    pub provider_mode: String,
    /// Agent snapshot.
    pub agent: AgentInfo,
    /// Number of turns.
    pub turns: u32,
    /// Cost, None while active or when not recorded.
    pub cost: Option<CostBreakdown>,
    /// Percentiles of the turns' latency, None when not measured.
    pub latency: Option<LatencySummary>,
    /// Error code/message of a failed call.
    pub error: Option<String>,
    /// Providers/models without a price.
    pub unpriced: Vec<String>,
    /// `live` or `disk`.
    pub source: RecordSource,
    /// Start in ns since the epoch (ordering).
    #[serde(skip)]
    pub(crate) started_ns: u64,
    /// Ordering key: end instant, else start instant.
    #[serde(skip)]
    pub(crate) order_ns: u64,
}

/// One transcript line of a call (a transcript.jsonl row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptEntry {
    /// 1-based turn number (0 when unknown).
    pub turn_index: u32,
    /// `user` / `assistant`.
    pub role: String,
    /// What was said.
    pub text: String,
    /// When, ISO-8601 UTC (None when unknown).
    pub ts: Option<String>,
    /// Whether the agent was cut off.
    pub interrupted: bool,
    /// The turn's latency (assistant lines).
    pub latency: Option<TurnLatency>,
    /// The turn's cost (assistant lines).
    pub cost: Option<CostBreakdown>,
}

/// One operational event of a call (an events.jsonl row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventEntry {
    /// `tool_call`, `barge_in`, `error`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// When, ISO-8601 UTC (None when unknown).
    pub ts: Option<String>,
    /// Payload.
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A call with its transcript and events, as returned by `get_call` / `get_active_calls`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// The metadata fields.
    #[serde(flatten)]
    pub summary: CallSummary,
    /// Transcript lines in order.
    pub transcript: Vec<TranscriptEntry>,
    /// Events in order.
    pub events: Vec<EventEntry>,
    /// For hydrated calls: the directory whose JSONL files hold the transcript and events,
    /// read on demand by `get_call`.
    #[serde(skip)]
    pub(crate) disk_dir: Option<std::path::PathBuf>,
}

/// Summary statistics over the finished calls in the ring buffer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregates {
    /// Finished calls in the ring.
    pub total_calls: u64,
    /// Of which `completed`.
    pub completed: u64,
    /// Of which `failed`.
    pub failed: u64,
    /// Of which `abandoned` (includes calls whose process died mid-call).
    pub abandoned: u64,
    /// Calls in progress now.
    pub active_calls: u64,
    /// Sum of `cost.total` (USD, 6 decimals).
    pub total_cost: f64,
    /// `total_cost` / calls that have a cost (0 when none).
    pub avg_cost: f64,
    /// Sum per category (6 decimals); its `total` equals `total_cost`.
    pub cost_breakdown: CostBreakdown,
    /// Mean `duration_ms` over calls that have one (None when none).
    pub avg_duration_ms: Option<f64>,
    /// Type-7 percentiles over the calls' own median turn latency (`latency.p50_ms`), None
    /// when no call has a latency.
    pub latency: Option<LatencySummary>,
}
