//! The exact bytes of metadata.json, transcript.jsonl and events.jsonl lines
//! (documented in `docs/call-record.md`). Pure functions: no I/O.

use crate::config::PhoneRedaction;
use crate::records::{
    AgentInfo, CallEnd, CallStart, CostBreakdown, EventLine, LatencySummary, TranscriptLine, TurnLatency, Usage,
};
use serde::Serialize;

/// `schema_version` written in every file.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Serialize)]
struct Metadata<'a> {
    schema_version: &'static str,
    call_id: &'a str,
    direction: &'static str,
    trace_id: Option<&'a str>,
    started_at: String,
    ended_at: Option<String>,
    duration_ms: Option<u64>,
    status: &'static str,
    caller: Option<String>,
    callee: Option<String>,
    telephony_provider: Option<&'a str>,
    provider_mode: &'a str,
    agent: &'a AgentInfo,
    turns: u32,
    cost: Option<&'a CostBreakdown>,
    latency: Option<&'a LatencySummary>,
    error: Option<&'a str>,
    unpriced: &'a [String],
}

/// metadata.json: pretty-printed (2-space indent), fixed key order, trailing newline.
/// With `end = None` this is the start form (`status: "in_progress"`, end fields null).
pub fn metadata_json(start: &CallStart, end: Option<&CallEnd>, redaction: &PhoneRedaction) -> Vec<u8> {
    let m = Metadata {
        schema_version: SCHEMA_VERSION,
        call_id: &start.call_id,
        direction: start.direction.as_str(),
        trace_id: start.trace_id.as_deref(),
        started_at: start.started_at.to_iso8601(),
        ended_at: end.map(|e| e.ended_at.to_iso8601()),
        duration_ms: end.map(|e| e.duration_ms),
        status: end.map_or("in_progress", |e| e.status.as_str()),
        caller: redaction.apply(start.caller.as_deref()),
        callee: redaction.apply(start.callee.as_deref()),
        telephony_provider: start.telephony_provider.as_deref(),
        provider_mode: &start.provider_mode,
        agent: &start.agent,
        turns: end.map_or(0, |e| e.turns),
        cost: end.map(|e| &e.cost),
        latency: end.and_then(|e| e.latency.as_ref()),
        error: end.and_then(|e| e.error.as_deref()),
        unpriced: end.map_or(&[], |e| e.unpriced.as_slice()),
    };
    // Serialising plain structs of strings/numbers/maps into a Vec cannot fail.
    let mut out = serde_json::to_vec_pretty(&m).unwrap_or_default();
    out.push(b'\n');
    out
}

#[derive(Serialize)]
struct TranscriptRow<'a> {
    schema_version: &'static str,
    turn_index: u32,
    role: &'static str,
    text: &'a str,
    ts: String,
    interrupted: bool,
    latency: Option<&'a TurnLatency>,
    usage: Option<&'a Usage>,
    cost: Option<&'a CostBreakdown>,
}

/// One transcript.jsonl line, compact JSON, newline-terminated.
pub fn transcript_line(line: &TranscriptLine) -> Vec<u8> {
    let row = TranscriptRow {
        schema_version: SCHEMA_VERSION,
        turn_index: line.turn_index,
        role: line.role.as_str(),
        text: &line.text,
        ts: line.ts.to_iso8601(),
        interrupted: line.interrupted,
        latency: line.latency.as_ref(),
        usage: line.usage.as_ref(),
        cost: line.cost.as_ref(),
    };
    let mut out = serde_json::to_vec(&row).unwrap_or_default();
    out.push(b'\n');
    out
}

#[derive(Serialize)]
struct EventRow<'a> {
    schema_version: &'static str,
    #[serde(rename = "type")]
    kind: &'a str,
    ts: String,
    data: &'a serde_json::Map<String, serde_json::Value>,
}

/// One events.jsonl line, compact JSON, newline-terminated.
pub fn event_line(ev: &EventLine) -> Vec<u8> {
    let row = EventRow { schema_version: SCHEMA_VERSION, kind: &ev.kind, ts: ev.ts.to_iso8601(), data: &ev.data };
    let mut out = serde_json::to_vec(&row).unwrap_or_default();
    out.push(b'\n');
    out
}
