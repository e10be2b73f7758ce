//! One conversational turn: its span, what was said, and the measures its latency comes from.

use super::ledger::Ledger;
use super::otel::OtelSpan;
use crate::clock::Timestamp;
use crate::records::{TurnLatency, Usage};

/// State of the open turn.
pub(crate) struct TurnState {
    pub(crate) number: u32,
    pub(crate) otel: Option<OtelSpan>,
    pub(crate) started_at: Timestamp,
    pub(crate) user_text: String,
    pub(crate) agent_text: String,
    /// Start of the latest endpoint span: when the user stopped speaking.
    pub(crate) endpoint_start: Option<Timestamp>,
    /// End of the latest final-transcript span.
    pub(crate) last_stt_end: Option<Timestamp>,
    pub(crate) first_audio: Option<Timestamp>,
    pub(crate) interrupted: bool,
    pub(crate) llm_iterations: u32,
    pub(crate) agent_activity: bool,
    pub(crate) latency: TurnLatency,
    pub(crate) usage: Usage,
    pub(crate) ledger: Ledger,
}

impl TurnState {
    pub(crate) fn new(number: u32, started_at: Timestamp, otel: Option<OtelSpan>) -> Self {
        TurnState {
            number,
            otel,
            started_at,
            user_text: String::new(),
            agent_text: String::new(),
            endpoint_start: None,
            last_stt_end: None,
            first_audio: None,
            interrupted: false,
            llm_iterations: 0,
            agent_activity: false,
            latency: TurnLatency::default(),
            usage: Usage::default(),
            ledger: Ledger::default(),
        }
    }

    /// When the user stopped speaking: the endpoint span's start, else the end of the last
    /// final transcript, else the turn's start.
    pub(crate) fn speech_end(&self) -> Timestamp {
        self.endpoint_start.or(self.last_stt_end).unwrap_or(self.started_at)
    }

    /// Records the first agent audio byte of the turn (later ones are ignored).
    pub(crate) fn mark_first_audio(&mut self, at: Timestamp) {
        if self.first_audio.is_none() {
            self.first_audio = Some(at);
            self.latency.ttfb_ms = Some(round1(at.millis_since(self.speech_end())));
        }
    }
}

/// Appends `piece` to `text`, separated by one space.
pub(crate) fn append_text(text: &mut String, piece: &str) {
    if piece.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(piece);
}

/// Rounds milliseconds to 0.1 ms, the precision every record uses.
pub(crate) fn round1(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// Adds `ms` to an optional sum.
pub(crate) fn add_ms(slot: &mut Option<f64>, ms: f64) {
    *slot = Some(round1(slot.unwrap_or(0.0) + ms));
}
