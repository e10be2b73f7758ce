//! Per-call (or per-turn) cost accumulation.

use super::round::round_usd;
use super::table::{clamp_usage, PricingTable, Unpriced};
use super::units::Category;
use crate::records::{CostBreakdown, Direction};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Accumulates usage and its cost by category for one call (or one turn).
///
/// Sums are kept unrounded; [`CostMeter::breakdown`] rounds each category once, so adding many
/// small amounts never accumulates rounding error. Unknown providers or models add 0 USD and
/// are listed by [`CostMeter::unpriced`]; nothing here ever fails.
#[derive(Debug, Clone)]
pub struct CostMeter {
    table: Arc<PricingTable>,
    sums: [f64; 5],
    unpriced: BTreeSet<String>,
}

impl CostMeter {
    /// A meter that prices with `table`.
    pub fn new(table: Arc<PricingTable>) -> Self {
        CostMeter { table, sums: [0.0; 5], unpriced: BTreeSet::new() }
    }

    /// The table this meter prices with.
    pub fn table(&self) -> &Arc<PricingTable> {
        &self.table
    }

    /// Adds STT audio seconds; returns the USD added.
    pub fn add_stt(&mut self, provider: &str, model: Option<&str>, seconds: f64) -> f64 {
        let priced = self.table.price_stt(provider, model, seconds);
        self.record(Category::Stt, priced)
    }

    /// Adds TTS characters; returns the USD added.
    pub fn add_tts(&mut self, provider: &str, model: Option<&str>, chars: u64) -> f64 {
        let priced = self.table.price_tts(provider, model, chars);
        self.record(Category::Tts, priced)
    }

    /// Adds LLM tokens (input excludes cached input); returns the USD added.
    pub fn add_llm(&mut self, provider: &str, model: Option<&str>, input: u64, output: u64, cached_input: u64) -> f64 {
        let priced = self.table.price_llm(provider, model, input, output, cached_input);
        self.record(Category::Llm, priced)
    }

    /// Adds carrier time for one call leg in `direction` (rounded up to whole minutes when
    /// the provider bills that way, so call this once per leg); returns the USD added.
    pub fn add_telephony(&mut self, provider: &str, direction: Direction, seconds: f64) -> f64 {
        let priced = self.table.price_telephony(provider, direction, seconds);
        self.record(Category::Telephony, priced)
    }

    /// Adds realtime session minutes; returns the USD added.
    pub fn add_realtime(&mut self, provider: &str, model: Option<&str>, minutes: f64) -> f64 {
        let priced = self.table.price_realtime(provider, model, minutes);
        self.record(Category::Realtime, priced)
    }

    /// Adds an amount already known in USD (e.g. the carrier's own charge for the call) to
    /// `category`; negative or non-finite amounts count as 0. Returns the USD added.
    pub fn add_usd(&mut self, category: Category, usd: f64) -> f64 {
        self.record(category, Ok(clamp_usage(usd)))
    }

    /// The unrounded sum of one category so far.
    pub fn unrounded(&self, category: Category) -> f64 {
        self.sums[category.index()]
    }

    /// Cost so far: each part is its unrounded sum rounded to 6 decimals (half away from zero,
    /// see [`super::round_half_away`]); `total` is the sum of the rounded parts, rounded to 6
    /// decimals again, so `total` always equals what the parts add up to when printed.
    pub fn breakdown(&self) -> CostBreakdown {
        let part = |c: Category| round_usd(self.sums[c.index()]);
        let telephony = part(Category::Telephony);
        let stt = part(Category::Stt);
        let tts = part(Category::Tts);
        let llm = part(Category::Llm);
        let realtime = part(Category::Realtime);
        let total = round_usd(telephony + stt + tts + llm + realtime);
        CostBreakdown { total, telephony, stt, tts, llm, realtime }
    }

    /// Providers/models that had no price, as `"category:provider"` (unknown provider) or
    /// `"category:provider/model"` (known provider, no rate for that model or direction),
    /// with canonical provider names and lowercase models; deduplicated and sorted.
    pub fn unpriced(&self) -> Vec<String> {
        self.unpriced.iter().cloned().collect()
    }

    fn record(&mut self, category: Category, priced: Result<f64, Unpriced>) -> f64 {
        match priced {
            Ok(usd) => {
                self.sums[category.index()] += usd;
                usd
            }
            Err(label) => {
                if !self.unpriced.contains(&label) {
                    self.unpriced.insert(label);
                }
                0.0
            }
        }
    }
}
