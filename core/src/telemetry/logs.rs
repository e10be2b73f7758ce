//! Call records as OTLP log records (opt-in): the call's start and end, each transcript line
//! and each events.jsonl event, with the call's trace and span ids and
//! `gen_ai.conversation.id`.
//!
//! What is kept out unless texts are enabled (`PATTER_OTEL_LOG_TEXTS=1`): transcript texts and
//! every string of an event's payload except ids the core itself checks (tool name, transport,
//! error code) — tool arguments and results, error messages, cancelled text, custom payloads.
//! Without texts a record carries lengths, numbers and flags only. Phone numbers are redacted
//! exactly as in metadata.json (`PATTER_LOG_REDACT_PHONE`, `PATTER_LOG_HASH_KEY`).

use super::names::{CONVERSATION_ID, EVENT_CALL_END, EVENT_CALL_START, EVENT_PREFIX, EVENT_TRANSCRIPT};
use crate::config::LogsConfig;
use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};
use std::borrow::Cow;

/// A log attribute value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LogValue {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// One OTLP log record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogRecord {
    pub time_ns: u64,
    pub observed_ns: u64,
    pub severity_number: i32,
    pub severity_text: &'static str,
    pub event_name: String,
    pub body: Option<String>,
    pub attributes: Vec<(Cow<'static, str>, LogValue)>,
    /// All zero when the call records no spans.
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
}

impl LogRecord {
    /// W3C trace flags: sampled when the record belongs to a trace.
    pub(crate) fn flags(&self) -> u32 {
        u32::from(self.trace_id != [0; 16])
    }
}

/// `SEVERITY_NUMBER_INFO`.
const INFO: (i32, &str) = (9, "INFO");
/// `SEVERITY_NUMBER_ERROR`.
const ERROR: (i32, &str) = (17, "ERROR");

/// Event payload strings that are identifiers the core validates, never user content.
const SAFE_STRING_KEYS: &[&str] = &["name", "transport", "code", "error"];

/// The ids a call's records carry.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ctx<'a> {
    pub call_id: &'a str,
    pub side: &'a str,
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

fn chars(s: &str) -> i64 {
    s.chars().count() as i64
}

fn base(ctx: &Ctx<'_>, ts: u64, event: String, severity: (i32, &'static str)) -> LogRecord {
    LogRecord {
        time_ns: ts,
        observed_ns: now_ns(),
        severity_number: severity.0,
        severity_text: severity.1,
        event_name: event,
        body: None,
        attributes: vec![
            (CONVERSATION_ID.into(), LogValue::Str(ctx.call_id.to_string())),
            ("patter.side".into(), LogValue::Str(ctx.side.to_string())),
        ],
        trace_id: ctx.trace_id,
        span_id: ctx.span_id,
    }
}

fn push(r: &mut LogRecord, k: &'static str, v: LogValue) {
    r.attributes.push((k.into(), v));
}

fn push_opt_ms(r: &mut LogRecord, k: &'static str, v: Option<f64>) {
    if let Some(v) = v {
        push(r, k, LogValue::Double(v));
    }
}

/// A transcript line (`patter.transcript`).
pub(crate) fn transcript(cfg: &LogsConfig, ctx: &Ctx<'_>, line: &TranscriptLine) -> LogRecord {
    let mut r = base(ctx, line.ts.0, EVENT_TRANSCRIPT.into(), INFO);
    push(&mut r, "patter.turn.index", LogValue::Int(line.turn_index as i64));
    push(&mut r, "patter.role", LogValue::Str(line.role.as_str().into()));
    push(&mut r, "patter.interrupted", LogValue::Bool(line.interrupted));
    push(&mut r, "patter.text_len", LogValue::Int(chars(&line.text)));
    if let Some(l) = &line.latency {
        push_opt_ms(&mut r, "patter.latency.ttfb_ms", l.ttfb_ms);
        push_opt_ms(&mut r, "patter.latency.turn_ms", l.turn_ms);
        push_opt_ms(&mut r, "patter.latency.stt_ms", l.stt_ms);
        push_opt_ms(&mut r, "patter.latency.endpoint_ms", l.endpoint_ms);
        push_opt_ms(&mut r, "patter.latency.llm_ttft_ms", l.llm_ttft_ms);
        push_opt_ms(&mut r, "patter.latency.llm_ms", l.llm_ms);
        push_opt_ms(&mut r, "patter.latency.tts_ttfb_ms", l.tts_ttfb_ms);
    }
    if let Some(c) = &line.cost {
        push(&mut r, "patter.cost.total_usd", LogValue::Double(c.total));
    }
    if cfg.texts {
        r.body = Some(line.text.clone());
    }
    r
}

/// An events.jsonl event (`patter.event.<type>`).
pub(crate) fn event(cfg: &LogsConfig, ctx: &Ctx<'_>, ev: &EventLine) -> LogRecord {
    let severity = if ev.kind == "error" { ERROR } else { INFO };
    let mut r = base(ctx, ev.ts.0, format!("{EVENT_PREFIX}{}", ev.kind), severity);
    push(&mut r, "patter.event.type", LogValue::Str(ev.kind.clone()));
    for (k, v) in &ev.data {
        let value = match v {
            serde_json::Value::Bool(b) => LogValue::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => LogValue::Int(i),
                None => LogValue::Double(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) if SAFE_STRING_KEYS.contains(&k.as_str()) => LogValue::Str(s.clone()),
            _ => continue,
        };
        r.attributes.push((Cow::Owned(format!("patter.event.{k}")), value));
    }
    if cfg.texts {
        r.body = Some(serde_json::Value::Object(ev.data.clone()).to_string());
    }
    r
}

fn call_common(cfg: &LogsConfig, r: &mut LogRecord, start: &CallStart) {
    push(r, "patter.call.direction", LogValue::Str(start.direction.as_str().into()));
    push(r, "patter.call.provider_mode", LogValue::Str(start.provider_mode.clone()));
    if let Some(t) = &start.telephony_provider {
        push(r, "patter.telephony", LogValue::Str(t.clone()));
    }
    if let Some(c) = cfg.redaction.apply(start.caller.as_deref()) {
        push(r, "patter.caller", LogValue::Str(c));
    }
    if let Some(c) = cfg.redaction.apply(start.callee.as_deref()) {
        push(r, "patter.callee", LogValue::Str(c));
    }
}

/// The call started (`patter.call.start`).
pub(crate) fn call_start(cfg: &LogsConfig, ctx: &Ctx<'_>, start: &CallStart) -> LogRecord {
    let mut r = base(ctx, start.started_at.0, EVENT_CALL_START.into(), INFO);
    call_common(cfg, &mut r, start);
    r
}

/// The call ended (`patter.call.end`): status, duration, turns, cost.
pub(crate) fn call_end(cfg: &LogsConfig, ctx: &Ctx<'_>, start: &CallStart, end: &CallEnd) -> LogRecord {
    let severity = if end.status == crate::records::CallStatus::Completed { INFO } else { ERROR };
    let mut r = base(ctx, end.ended_at.0, EVENT_CALL_END.into(), severity);
    call_common(cfg, &mut r, start);
    push(&mut r, "patter.call.outcome", LogValue::Str(end.status.as_str().into()));
    push(&mut r, "patter.call.duration_ms", LogValue::Int(end.duration_ms as i64));
    push(&mut r, "patter.call.turns", LogValue::Int(end.turns as i64));
    push(&mut r, "patter.cost.total_usd", LogValue::Double(end.cost.total));
    if let Some(l) = &end.latency {
        push(&mut r, "patter.latency.ttfb_p50_ms", LogValue::Double(l.p50_ms));
        push(&mut r, "patter.latency.ttfb_p95_ms", LogValue::Double(l.p95_ms));
    }
    if let Some(e) = &end.error {
        push(&mut r, "patter.call.error", LogValue::Str(e.clone()));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::config::PhoneRedaction;
    use crate::records::{AgentInfo, Direction, Role};

    fn cfg(texts: bool) -> LogsConfig {
        LogsConfig {
            url: "http://x/v1/logs".into(),
            headers: vec![],
            texts,
            redaction: PhoneRedaction::Mask,
            queue_capacity: 16,
            max_batch: 8,
            batch_delay: std::time::Duration::from_millis(10),
        }
    }

    const CTX: Ctx<'static> = Ctx { call_id: "CA-1", side: "uut", trace_id: [1; 16], span_id: [2; 8] };

    fn has(r: &LogRecord, needle: &str) -> bool {
        format!("{:?}", r).contains(needle)
    }

    #[test]
    fn texts_only_when_enabled() {
        let line = TranscriptLine {
            turn_index: 1,
            role: Role::User,
            text: "my card is 4111".into(),
            ts: Timestamp(5),
            interrupted: false,
            latency: None,
            usage: None,
            cost: None,
        };
        let off = transcript(&cfg(false), &CTX, &line);
        assert!(!has(&off, "4111") && off.body.is_none());
        assert!(off.attributes.contains(&("patter.text_len".into(), LogValue::Int(15))));
        assert!(off.attributes.contains(&(CONVERSATION_ID.into(), LogValue::Str("CA-1".into()))));
        assert_eq!((off.event_name.as_str(), off.time_ns, off.flags()), ("patter.transcript", 5, 1));
        let on = transcript(&cfg(true), &CTX, &line);
        assert_eq!(on.body.as_deref(), Some("my card is 4111"));

        let mut data = serde_json::Map::new();
        data.insert("name".into(), "lookup".into());
        data.insert("arguments".into(), "{\"account\":\"4111\"}".into());
        data.insert("turn_index".into(), 1.into());
        data.insert("duration_ms".into(), 12.5.into());
        let ev = EventLine { kind: "tool_call".into(), ts: Timestamp(9), data };
        let off = event(&cfg(false), &CTX, &ev);
        assert!(!has(&off, "4111"), "{off:?}");
        assert!(off.attributes.contains(&("patter.event.name".into(), LogValue::Str("lookup".into()))));
        assert!(off.attributes.contains(&("patter.event.turn_index".into(), LogValue::Int(1))));
        assert!(off.attributes.contains(&("patter.event.duration_ms".into(), LogValue::Double(12.5))));
        assert_eq!(off.event_name, "patter.event.tool_call");
        assert!(event(&cfg(true), &CTX, &ev).body.unwrap().contains("4111"));
    }

    #[test]
    fn phone_numbers_are_redacted_as_on_disk() {
        let start = CallStart {
            call_id: "CA-1".into(),
            direction: Direction::Inbound,
            provider_mode: "pipeline".into(),
            side: "uut".into(),
            caller: Some("+15555550123".into()),
            callee: None,
            telephony_provider: Some("twilio".into()),
            agent: AgentInfo::default(),
            started_at: Timestamp(1),
            trace_id: None,
        };
        for texts in [false, true] {
            let r = call_start(&cfg(texts), &CTX, &start);
            assert!(!has(&r, "5550123"), "{r:?}");
            assert!(r.attributes.contains(&("patter.caller".into(), LogValue::Str("***0123".into()))));
            assert!(!r.attributes.iter().any(|(k, _)| k == "patter.callee"));
        }
        let hashed = LogsConfig { redaction: PhoneRedaction::HashOnly { key: None }, ..cfg(true) };
        let r = call_start(&hashed, &CTX, &start);
        assert!(!has(&r, "5550123") && has(&r, "sha256:"));
    }
}
