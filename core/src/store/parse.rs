//! Tolerant readers of the on-disk JSON written by this library *and* by the reference SDK
//! (getpatter 0.7: per-turn rows with `user_text`/`agent_text`, `latency` with avg/p50/p95/p99
//! objects, `duration_ms` as a float, missing `direction`/`provider_mode`). Unknown keys are
//! ignored, missing optional keys defaulted, wrong-typed optional values treated as absent.

use super::record::{CallSummary, EventEntry, RecordSource, TranscriptEntry};
use crate::clock::Timestamp;
use crate::config::PhoneRedaction;
use crate::records::{AgentInfo, CostBreakdown, LatencySummary, TurnLatency};
use serde_json::{Map, Value};

fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn f64_of(o: &Map<String, Value>, k: &str) -> Option<f64> {
    o.get(k).and_then(Value::as_f64).filter(|v| v.is_finite())
}

fn nonneg_u64(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f.round() as u64))
}

/// An instant written as ISO-8601 text or as epoch seconds (the reference's `timestamp`).
pub fn parse_instant(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => Timestamp::parse_iso8601(s),
        Value::Number(n) => {
            let secs = n.as_f64().filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e11)?;
            Some(Timestamp((secs * 1e9) as u64))
        }
        _ => None,
    }
}

fn parse_cost(v: Option<&Value>) -> Option<CostBreakdown> {
    let o = v?.as_object()?;
    let g = |k: &str| f64_of(o, k).unwrap_or(0.0);
    let mut c = CostBreakdown {
        total: 0.0,
        telephony: g("telephony"),
        stt: g("stt"),
        tts: g("tts"),
        llm: g("llm"),
        realtime: g("realtime"),
    };
    c.total = f64_of(o, "total").unwrap_or(c.telephony + c.stt + c.tts + c.llm + c.realtime);
    Some(c)
}

fn parse_latency_summary(v: Option<&Value>) -> Option<LatencySummary> {
    let o = v?.as_object()?;
    // Ours (and the reference's top level): p50_ms/p95_ms/p99_ms. The reference also keeps full
    // breakdown objects under p50/p95/p99; fall back to their total_ms.
    let pick = |flat: &str, obj: &str| {
        f64_of(o, flat).or_else(|| o.get(obj).and_then(Value::as_object).and_then(|b| f64_of(b, "total_ms")))
    };
    let (p50, p95, p99) = (pick("p50_ms", "p50"), pick("p95_ms", "p95"), pick("p99_ms", "p99"));
    if p50.is_none() && p95.is_none() && p99.is_none() {
        return None;
    }
    Some(LatencySummary { p50_ms: p50.unwrap_or(0.0), p95_ms: p95.unwrap_or(0.0), p99_ms: p99.unwrap_or(0.0) })
}

fn parse_agent(v: Option<&Value>) -> AgentInfo {
    let Some(o) = v.and_then(Value::as_object) else { return AgentInfo::default() };
    let s = |k: &str| str_of(o, k).map(str::to_string);
    AgentInfo {
        provider: s("provider"),
        model: s("model"),
        voice: s("voice"),
        language: s("language"),
        stt_provider: s("stt_provider"),
        tts_provider: s("tts_provider"),
        llm_provider: s("llm_provider"),
    }
}

/// Applies the store's redaction to a number read from disk, unless it is already redacted.
fn redact_disk_number(v: Option<&str>, redaction: &PhoneRedaction) -> Option<String> {
    let v = v.filter(|s| !s.is_empty())?;
    if v.starts_with("***") || v.starts_with("sha256:") || v.starts_with("hmac-sha256:") {
        return Some(v.to_string());
    }
    redaction.apply(Some(v))
}

/// Why a metadata document was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaError {
    /// Not a JSON object.
    NotAnObject,
    /// `started_at` missing or unparseable: the call cannot be placed in time.
    NoStart,
}

/// Turns a metadata.json document into a summary. `dir_name` is the fallback call id.
///
/// A call still marked `in_progress` on disk (its process died) becomes `abandoned` with no end
/// and no duration, so it is never averaged as a completed call.
pub fn summary_from_metadata(
    doc: &Value,
    dir_name: &str,
    redaction: &PhoneRedaction,
) -> Result<CallSummary, MetaError> {
    let o = doc.as_object().ok_or(MetaError::NotAnObject)?;
    summary_from_fields(&|k| o.get(k), dir_name, redaction)
}

/// The top-level fields of a metadata.json, deserialised without building a map (unknown keys
/// are skipped by serde, every known value is kept as loose JSON so a wrong type never fails
/// the document). Several times faster than a `Value` for hydrate's hot loop.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct RawMeta {
    call_id: Option<Value>,
    direction: Option<Value>,
    trace_id: Option<Value>,
    started_at: Option<Value>,
    ended_at: Option<Value>,
    duration_ms: Option<Value>,
    status: Option<Value>,
    caller: Option<Value>,
    callee: Option<Value>,
    telephony_provider: Option<Value>,
    provider_mode: Option<Value>,
    agent: Option<Value>,
    turns: Option<Value>,
    cost: Option<Value>,
    latency: Option<Value>,
    error: Option<Value>,
    unpriced: Option<Value>,
}

impl RawMeta {
    fn get(&self, k: &str) -> Option<&Value> {
        match k {
            "call_id" => self.call_id.as_ref(),
            "direction" => self.direction.as_ref(),
            "trace_id" => self.trace_id.as_ref(),
            "started_at" => self.started_at.as_ref(),
            "ended_at" => self.ended_at.as_ref(),
            "duration_ms" => self.duration_ms.as_ref(),
            "status" => self.status.as_ref(),
            "caller" => self.caller.as_ref(),
            "callee" => self.callee.as_ref(),
            "telephony_provider" => self.telephony_provider.as_ref(),
            "provider_mode" => self.provider_mode.as_ref(),
            "agent" => self.agent.as_ref(),
            "turns" => self.turns.as_ref(),
            "cost" => self.cost.as_ref(),
            "latency" => self.latency.as_ref(),
            "error" => self.error.as_ref(),
            "unpriced" => self.unpriced.as_ref(),
            _ => None,
        }
    }
}

/// Parses metadata.json bytes. Not an object (or not JSON, or a duplicated known key) → Err.
pub(crate) fn summary_from_bytes(
    buf: &[u8],
    dir_name: &str,
    redaction: &PhoneRedaction,
) -> Result<CallSummary, MetaError> {
    // A derived struct would also accept a JSON array (positional fields): objects only.
    if buf.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(MetaError::NotAnObject);
    }
    let raw: RawMeta = serde_json::from_slice(buf).map_err(|_| MetaError::NotAnObject)?;
    summary_from_fields(&|k| raw.get(k), dir_name, redaction)
}

fn summary_from_fields<'a>(
    get: &dyn Fn(&str) -> Option<&'a Value>,
    dir_name: &str,
    redaction: &PhoneRedaction,
) -> Result<CallSummary, MetaError> {
    let s_of = |k: &str| get(k).and_then(Value::as_str);
    let started = get("started_at").and_then(parse_instant).ok_or(MetaError::NoStart)?;
    let call_id = s_of("call_id").filter(|s| !s.is_empty()).unwrap_or(dir_name).to_string();
    let raw_status = s_of("status").map(|s| s.to_ascii_lowercase());
    let mut ended = get("ended_at").and_then(parse_instant);
    let mut duration_ms = get("duration_ms").and_then(nonneg_u64);
    let status = match raw_status.as_deref() {
        Some("in_progress") | Some("in-progress") | Some("initiated") => {
            ended = None;
            duration_ms = None;
            "abandoned".to_string()
        }
        Some(s) if !s.is_empty() => s.to_string(),
        _ if ended.is_some() => "completed".to_string(),
        _ => "abandoned".to_string(),
    };
    if duration_ms.is_none() {
        if let Some(e) = ended {
            duration_ms = Some(e.0.saturating_sub(started.0) / 1_000_000);
        }
    }
    let turns = match get("turns") {
        Some(Value::Array(a)) => a.len() as u32,
        Some(v) => nonneg_u64(v).map(|n| n.min(u32::MAX as u64) as u32).unwrap_or(0),
        None => 0,
    };
    let error = match get("error") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let unpriced = get("unpriced")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok(CallSummary {
        call_id,
        direction: s_of("direction").unwrap_or("inbound").to_string(),
        trace_id: s_of("trace_id").map(str::to_string),
        started_at: started.to_iso8601(),
        ended_at: ended.map(|e| e.to_iso8601()),
        duration_ms,
        status,
        caller: redact_disk_number(s_of("caller"), redaction),
        callee: redact_disk_number(s_of("callee"), redaction),
        telephony_provider: s_of("telephony_provider").map(str::to_string),
        provider_mode: s_of("provider_mode").unwrap_or("").to_string(),
        agent: parse_agent(get("agent")),
        turns,
        cost: parse_cost(get("cost")),
        latency: parse_latency_summary(get("latency")),
        error,
        unpriced,
        source: RecordSource::Disk,
        started_ns: started.0,
        order_ns: ended.unwrap_or(started).0,
    })
}

fn parse_turn_latency(v: Option<&Value>) -> Option<TurnLatency> {
    let o = v?.as_object()?;
    if o.contains_key("ttfb_ms")
        || o.contains_key("turn_ms")
        || o.contains_key("llm_ttft_ms") && !o.contains_key("total_ms")
    {
        // Ours.
        return Some(TurnLatency {
            ttfb_ms: f64_of(o, "ttfb_ms"),
            turn_ms: f64_of(o, "turn_ms"),
            stt_ms: f64_of(o, "stt_ms"),
            endpoint_ms: f64_of(o, "endpoint_ms"),
            llm_ttft_ms: f64_of(o, "llm_ttft_ms"),
            llm_ms: f64_of(o, "llm_ms"),
            tts_ttfb_ms: f64_of(o, "tts_ttfb_ms"),
        });
    }
    // The reference's LatencyBreakdown.
    let pos = |k: &str| f64_of(o, k).filter(|v| *v > 0.0);
    Some(TurnLatency {
        ttfb_ms: pos("agent_response_ms").or_else(|| pos("total_ms")),
        turn_ms: None,
        stt_ms: pos("stt_ms"),
        endpoint_ms: pos("endpoint_ms"),
        llm_ttft_ms: pos("llm_ttft_ms"),
        llm_ms: pos("llm_total_ms"),
        tts_ttfb_ms: pos("tts_ms"),
    })
}

fn ts_of(o: &Map<String, Value>) -> Option<String> {
    o.get("ts").and_then(parse_instant).or_else(|| o.get("timestamp").and_then(parse_instant)).map(|t| t.to_iso8601())
}

/// Turns one transcript.jsonl row into entries: one for our rows; zero to two (user, then
/// assistant) for the reference's per-turn rows. Non-objects give none.
pub fn transcript_entries(doc: &Value, out: &mut Vec<TranscriptEntry>) {
    let Some(o) = doc.as_object() else { return };
    let turn_index = o.get("turn_index").and_then(nonneg_u64).map(|n| n.min(u32::MAX as u64) as u32).unwrap_or(0);
    let ts = ts_of(o);
    if let Some(role) = str_of(o, "role") {
        out.push(TranscriptEntry {
            turn_index,
            role: role.to_string(),
            text: str_of(o, "text").unwrap_or("").to_string(),
            ts,
            interrupted: o.get("interrupted").and_then(Value::as_bool).unwrap_or(false),
            latency: parse_turn_latency(o.get("latency")),
            cost: parse_cost(o.get("cost")),
        });
        return;
    }
    if let Some(user) = str_of(o, "user_text").filter(|t| !t.is_empty()) {
        out.push(TranscriptEntry {
            turn_index,
            role: "user".into(),
            text: user.to_string(),
            ts: ts.clone(),
            interrupted: false,
            latency: None,
            cost: None,
        });
    }
    if let Some(agent) = str_of(o, "agent_text").filter(|t| !t.is_empty()) {
        let interrupted = agent == "[interrupted]";
        out.push(TranscriptEntry {
            turn_index,
            role: "assistant".into(),
            text: if interrupted { String::new() } else { agent.to_string() },
            ts,
            interrupted,
            latency: parse_turn_latency(o.get("latency")),
            cost: parse_cost(o.get("cost")),
        });
    }
}

/// Turns one events.jsonl row into an entry (None for non-objects or rows without a type).
pub fn event_entry(doc: &Value) -> Option<EventEntry> {
    let o = doc.as_object()?;
    Some(EventEntry {
        kind: str_of(o, "type")?.to_string(),
        ts: ts_of(o),
        data: o.get("data").and_then(Value::as_object).cloned().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_metadata_and_rows() {
        let doc = json!({
            "schema_version": "1.0", "call_id": "CAref", "trace_id": null,
            "started_at": "2026-04-23T18:02:12.413Z", "ended_at": "2026-04-23T18:03:47.892Z",
            "duration_ms": 95479.4, "status": "completed", "caller": "+15555554567", "callee": "***7890",
            "telephony_provider": "twilio", "provider_mode": "openai_realtime",
            "agent": {"provider": "openai_realtime", "voice": "nova", "engine": "x"}, "turns": 8,
            "cost": {"total": 0.1234, "stt": 0.01, "tts": 0.02, "llm": 0.08, "telephony": 0.0134, "llm_cached_savings": 0},
            "latency": {"p50_ms": 412, "p95_ms": 870, "p99_ms": 1240, "avg": {"total_ms": 500.0}, "p50": {"total_ms": 412.0}},
            "error": null, "unknown_key": [1, 2]
        });
        let s = summary_from_metadata(&doc, "dir", &PhoneRedaction::Mask).unwrap();
        assert_eq!(s.call_id, "CAref");
        assert_eq!(s.direction, "inbound");
        assert_eq!(s.duration_ms, Some(95479));
        assert_eq!(s.caller.as_deref(), Some("***4567"));
        assert_eq!(s.callee.as_deref(), Some("***7890"));
        assert_eq!(s.turns, 8);
        assert_eq!(s.cost.unwrap().total, 0.1234);
        assert_eq!(s.cost.unwrap().realtime, 0.0);
        assert_eq!(s.latency.unwrap().p95_ms, 870.0);
        assert_eq!(s.agent.voice.as_deref(), Some("nova"));

        let row = json!({"schema_version": "1.0", "ts": "2026-04-23T18:02:20.000Z", "turn_index": 1,
            "user_text": "hi", "agent_text": "hello!", "latency": {"stt_ms": 100.0, "llm_ms": 0.0, "tts_ms": 80.0,
            "total_ms": 600.0, "agent_response_ms": 550.0}, "stt_audio_seconds": 0.0, "tts_characters": 6, "timestamp": 1.0});
        let mut out = Vec::new();
        transcript_entries(&row, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].role.as_str(), out[0].text.as_str()), ("user", "hi"));
        assert_eq!((out[1].role.as_str(), out[1].text.as_str()), ("assistant", "hello!"));
        assert_eq!(out[1].latency.unwrap().ttfb_ms, Some(550.0));
        let row = json!({"turn_index": 2, "user_text": "", "agent_text": "[interrupted]", "timestamp": 1776967400.5});
        transcript_entries(&row, &mut out);
        assert_eq!(out.len(), 3);
        assert!(out[2].interrupted);
        assert_eq!(out[2].ts.as_deref(), Some("2026-04-23T18:03:20.500Z"));
    }

    #[test]
    fn bytes_parser_matches_value_parser() {
        let doc = json!({"call_id": "c", "started_at": "2026-04-23T18:02:12.413Z", "ended_at": "2026-04-23T18:03:12.413Z",
            "status": "completed", "caller": "+15555554567", "turns": 3, "cost": {"total": 1.5}, "x": {"deep": [1]}});
        let a = summary_from_metadata(&doc, "d", &PhoneRedaction::Mask).unwrap();
        let b = summary_from_bytes(doc.to_string().as_bytes(), "d", &PhoneRedaction::Mask).unwrap();
        assert_eq!(a, b);
        assert_eq!(b.duration_ms, Some(60_000));
        let arr = br#"  [1, 2, 3, "2026-04-23T18:02:12.413Z"]"#;
        assert_eq!(summary_from_bytes(arr, "d", &PhoneRedaction::Mask), Err(MetaError::NotAnObject));
        assert!(
            summary_from_bytes(br#"{"started_at": 5, "turns": "x", "agent": 7}"#, "d", &PhoneRedaction::Mask).is_ok()
        );
    }

    #[test]
    fn crashed_and_degenerate_metadata() {
        let doc = json!({"call_id": "c", "started_at": "2026-04-23T18:02:12.413Z", "status": "in_progress",
            "ended_at": null, "duration_ms": null, "turns": "many", "cost": "free", "latency": 5, "agent": []});
        let s = summary_from_metadata(&doc, "dir", &PhoneRedaction::Mask).unwrap();
        assert_eq!(s.status, "abandoned");
        assert_eq!((s.ended_at.clone(), s.duration_ms, s.turns, s.cost, s.latency), (None, None, 0, None, None));
        assert_eq!(summary_from_metadata(&json!([1]), "d", &PhoneRedaction::Mask), Err(MetaError::NotAnObject));
        assert_eq!(
            summary_from_metadata(&json!({"call_id": "x"}), "d", &PhoneRedaction::Mask),
            Err(MetaError::NoStart)
        );
        assert_eq!(
            summary_from_metadata(&json!({"started_at": "yesterday"}), "d", &PhoneRedaction::Mask),
            Err(MetaError::NoStart)
        );
        // Epoch-seconds start, missing id → directory name.
        let s =
            summary_from_metadata(&json!({"started_at": 1776967332.413}), "dirname", &PhoneRedaction::Mask).unwrap();
        assert_eq!(s.call_id, "dirname");
        assert_eq!(s.status, "abandoned");
    }
}
