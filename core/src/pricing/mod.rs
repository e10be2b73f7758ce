//! Pricing: turns usage (minutes, characters, tokens) into USD. OWNED BY THE PRICING WORK (issue 4):
//! this file currently holds only the interface the Call is written against.

use crate::records::{CostBreakdown, Direction};
use std::sync::Arc;

/// A table of rates (defaults plus overrides).
#[derive(Debug, Default)]
pub struct PricingTable {}

impl PricingTable {
    /// The built-in default rates, shared.
    pub fn defaults() -> Arc<PricingTable> {
        Arc::new(PricingTable {})
    }
}

/// Accumulates usage and its cost by category for one call (or one turn).
#[derive(Debug, Clone)]
pub struct CostMeter {
    table: Arc<PricingTable>,
    parts: CostBreakdown,
    unpriced: Vec<String>,
}

impl CostMeter {
    /// A meter that prices with `table`.
    pub fn new(table: Arc<PricingTable>) -> Self {
        CostMeter { table, parts: CostBreakdown::default(), unpriced: Vec::new() }
    }
    /// Adds STT audio seconds; returns the USD added.
    pub fn add_stt(&mut self, _provider: &str, _model: Option<&str>, _seconds: f64) -> f64 {
        let _ = &self.table;
        0.0
    }
    /// Adds TTS characters; returns the USD added.
    pub fn add_tts(&mut self, _provider: &str, _model: Option<&str>, _chars: u64) -> f64 {
        0.0
    }
    /// Adds LLM tokens (input excludes cached input); returns the USD added.
    pub fn add_llm(&mut self, _provider: &str, _model: Option<&str>, _input: u64, _output: u64, _cached_input: u64) -> f64 {
        0.0
    }
    /// Adds carrier time; returns the USD added.
    pub fn add_telephony(&mut self, _provider: &str, _direction: Direction, _seconds: f64) -> f64 {
        0.0
    }
    /// Adds realtime session minutes; returns the USD added.
    pub fn add_realtime(&mut self, _provider: &str, _model: Option<&str>, _minutes: f64) -> f64 {
        0.0
    }
    /// Cost so far, each part rounded to 6 decimals, total = sum of rounded parts.
    pub fn breakdown(&self) -> CostBreakdown {
        self.parts
    }
    /// Providers/models that had no price, as `"category:provider[/model]"`, deduplicated.
    pub fn unpriced(&self) -> Vec<String> {
        self.unpriced.clone()
    }
}
