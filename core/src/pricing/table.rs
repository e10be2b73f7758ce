//! The rate table and its lookups.

use super::aliases::canonical_provider;
use super::rates::{normalize_model, ProviderRates, TokenRates};
use super::units::Category;
use crate::records::Direction;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Providers of one category, keyed by canonical name.
pub type Providers<R> = BTreeMap<String, ProviderRates<R>>;

/// A table of rates: the built-in defaults ([`PricingTable::defaults`]) with any user
/// overrides merged on top. Prices are stored in each category's base unit (USD per minute
/// for telephony, STT and realtime; per 1,000 characters for TTS; per 1,000,000 tokens for
/// LLM). `Default` is the empty table, which prices nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PricingTable {
    telephony: Providers<f64>,
    stt: Providers<f64>,
    tts: Providers<f64>,
    realtime: Providers<f64>,
    llm: Providers<TokenRates>,
}

/// Why a lookup found no rate: the `unpriced()` label, `"category:provider[/model]"`.
pub(crate) type Unpriced = String;

impl PricingTable {
    /// The built-in default rates, shared (built once per process).
    pub fn defaults() -> Arc<PricingTable> {
        static DEFAULTS: OnceLock<Arc<PricingTable>> = OnceLock::new();
        Arc::clone(DEFAULTS.get_or_init(|| Arc::new(super::defaults::default_table())))
    }

    /// A table with no rates at all (everything is unpriced).
    pub fn empty() -> PricingTable {
        PricingTable::default()
    }

    pub(crate) fn flat(&self, category: Category) -> Option<&Providers<f64>> {
        match category {
            Category::Telephony => Some(&self.telephony),
            Category::Stt => Some(&self.stt),
            Category::Tts => Some(&self.tts),
            Category::Realtime => Some(&self.realtime),
            Category::Llm => None,
        }
    }

    pub(crate) fn flat_mut(&mut self, category: Category) -> Option<&mut Providers<f64>> {
        match category {
            Category::Telephony => Some(&mut self.telephony),
            Category::Stt => Some(&mut self.stt),
            Category::Tts => Some(&mut self.tts),
            Category::Realtime => Some(&mut self.realtime),
            Category::Llm => None,
        }
    }

    pub(crate) fn llm(&self) -> &Providers<TokenRates> {
        &self.llm
    }

    pub(crate) fn llm_mut(&mut self) -> &mut Providers<TokenRates> {
        &mut self.llm
    }

    /// Canonical names of the providers priced in `category`, sorted.
    pub fn providers(&self, category: Category) -> Vec<String> {
        match self.flat(category) {
            Some(map) => map.keys().cloned().collect(),
            None => self.llm.keys().cloned().collect(),
        }
    }

    /// The rates of one provider (name case-insensitive, aliases accepted); None for LLM
    /// (see [`PricingTable::llm_provider`]) or an unknown provider.
    pub fn provider(&self, category: Category, provider: &str) -> Option<&ProviderRates<f64>> {
        self.flat(category)?.get(&canonical_provider(category, provider))
    }

    /// The token rates of one LLM provider (name case-insensitive, aliases accepted).
    pub fn llm_provider(&self, provider: &str) -> Option<&ProviderRates<TokenRates>> {
        self.llm.get(&canonical_provider(Category::Llm, provider))
    }

    /// USD per base unit for `provider`/`model` in a non-LLM category (telephony: the model
    /// is the direction, `inbound`/`outbound`), or None when unpriced.
    pub fn flat_rate(&self, category: Category, provider: &str, model: Option<&str>) -> Option<f64> {
        self.lookup_flat(category, provider, model).ok().map(|(price, _)| price)
    }

    /// LLM rates (USD per 1M tokens) for `provider`/`model`, or None when unpriced.
    pub fn llm_rates(&self, provider: &str, model: Option<&str>) -> Option<TokenRates> {
        self.lookup_llm(provider, model).ok()
    }

    /// USD for `seconds` of carrier time in `direction` (rounded up to whole minutes when the
    /// provider bills that way); None when unpriced. Bad inputs count as 0 seconds.
    pub fn telephony_cost(&self, provider: &str, direction: Direction, seconds: f64) -> Option<f64> {
        self.price_telephony(provider, direction, seconds).ok()
    }

    /// USD for `seconds` of STT audio; None when unpriced.
    pub fn stt_cost(&self, provider: &str, model: Option<&str>, seconds: f64) -> Option<f64> {
        self.price_stt(provider, model, seconds).ok()
    }

    /// USD for `chars` characters of TTS; None when unpriced.
    pub fn tts_cost(&self, provider: &str, model: Option<&str>, chars: u64) -> Option<f64> {
        self.price_tts(provider, model, chars).ok()
    }

    /// USD for LLM tokens (`input` excludes `cached_input`); None when unpriced.
    pub fn llm_cost(
        &self,
        provider: &str,
        model: Option<&str>,
        input: u64,
        output: u64,
        cached_input: u64,
    ) -> Option<f64> {
        self.price_llm(provider, model, input, output, cached_input).ok()
    }

    /// USD for `minutes` of a realtime session; None when unpriced.
    pub fn realtime_cost(&self, provider: &str, model: Option<&str>, minutes: f64) -> Option<f64> {
        self.price_realtime(provider, model, minutes).ok()
    }

    pub(crate) fn price_telephony(&self, provider: &str, direction: Direction, seconds: f64) -> Result<f64, Unpriced> {
        let (price, round_up) = self.lookup_flat(Category::Telephony, provider, Some(direction.as_str()))?;
        let minutes = clamp_usage(seconds) / 60.0;
        let billed = if round_up { minutes.ceil() } else { minutes };
        Ok(finite(billed * price))
    }

    pub(crate) fn price_stt(&self, provider: &str, model: Option<&str>, seconds: f64) -> Result<f64, Unpriced> {
        let (price, _) = self.lookup_flat(Category::Stt, provider, model)?;
        Ok(finite(clamp_usage(seconds) / 60.0 * price))
    }

    pub(crate) fn price_tts(&self, provider: &str, model: Option<&str>, chars: u64) -> Result<f64, Unpriced> {
        let (price, _) = self.lookup_flat(Category::Tts, provider, model)?;
        Ok(finite(chars as f64 / 1000.0 * price))
    }

    pub(crate) fn price_llm(
        &self,
        provider: &str,
        model: Option<&str>,
        input: u64,
        output: u64,
        cached_input: u64,
    ) -> Result<f64, Unpriced> {
        let rates = self.lookup_llm(provider, model)?;
        Ok(finite(rates.cost(input, output, cached_input)))
    }

    /// USD of an LLM report at `rates` (from [`llm_rates`](Self::llm_rates), for a caller
    /// that prices the same provider and model often): the value
    /// [`llm_cost`](Self::llm_cost) gives.
    pub(crate) fn llm_cost_at(rates: &TokenRates, input: u64, output: u64, cached_input: u64) -> f64 {
        finite(rates.cost(input, output, cached_input))
    }

    pub(crate) fn price_realtime(&self, provider: &str, model: Option<&str>, minutes: f64) -> Result<f64, Unpriced> {
        let (price, _) = self.lookup_flat(Category::Realtime, provider, model)?;
        Ok(finite(clamp_usage(minutes) * price))
    }

    fn lookup_flat(&self, category: Category, provider: &str, model: Option<&str>) -> Result<(f64, bool), Unpriced> {
        let name = canonical_provider(category, provider);
        let rates = self.flat(category).and_then(|m| m.get(&name)).ok_or_else(|| label(category, &name, None))?;
        rates.resolve(model).map(|p| (*p, rates.round_up)).ok_or_else(|| label(category, &name, model))
    }

    fn lookup_llm(&self, provider: &str, model: Option<&str>) -> Result<TokenRates, Unpriced> {
        let name = canonical_provider(Category::Llm, provider);
        let rates = self.llm.get(&name).ok_or_else(|| label(Category::Llm, &name, None))?;
        rates.resolve(model).copied().ok_or_else(|| label(Category::Llm, &name, model))
    }
}

/// `"category:provider"` or `"category:provider/model"` (model normalised).
fn label(category: Category, provider: &str, model: Option<&str>) -> String {
    let provider = if provider.is_empty() { "(empty)" } else { provider };
    match model.map(normalize_model).filter(|m| !m.is_empty()) {
        Some(m) => format!("{category}:{provider}/{m}"),
        None => format!("{category}:{provider}"),
    }
}

/// Usage that is negative, NaN or infinite counts as 0.
pub(crate) fn clamp_usage(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

fn finite(usd: f64) -> f64 {
    if usd.is_finite() && usd > 0.0 {
        usd
    } else {
        0.0
    }
}
