//! User overrides merged on top of a table: built in code or parsed from JSON (see
//! `docs/pricing.md` for the file format). Overrides apply to every category, LLM included.

use super::aliases::canonical_provider;
use super::rates::{normalize_model, TokenRates};
use super::table::PricingTable;
use super::units::{convert_price, Category, Unit};
use crate::{PatterError, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// LLM token rates to set; absent fields keep the rate being overridden.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenOverride {
    /// USD per unit of uncached input tokens.
    pub input: Option<f64>,
    /// USD per unit of output tokens.
    pub output: Option<f64>,
    /// USD per unit of cached input tokens (cache read).
    pub cached_input: Option<f64>,
}

impl TokenOverride {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.input.is_none() && self.output.is_none() && self.cached_input.is_none()
    }
}

/// The rate of one model key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelOverride {
    /// USD per unit (telephony, STT, TTS, realtime).
    Price(f64),
    /// LLM token rates.
    Tokens(TokenOverride),
}

/// Overrides for one provider of one category. Every field is optional; what is absent keeps
/// the current value. Model entries are merged per model key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderOverride {
    /// The unit the prices of this entry are written in (default: the category's base unit).
    /// Prices are converted to the base unit when applied.
    pub unit: Option<Unit>,
    /// Provider default price (not LLM).
    pub price: Option<f64>,
    /// Telephony only: bill each leg in whole minutes, rounded up.
    pub round_up: Option<bool>,
    /// LLM only: provider default token rates.
    pub tokens: TokenOverride,
    /// Per-model (telephony: per-direction) rates, keyed by model id or prefix.
    pub models: BTreeMap<String, ModelOverride>,
}

/// A set of overrides, keyed by category and canonical provider name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    entries: BTreeMap<Category, BTreeMap<String, ProviderOverride>>,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Overrides::default()
    }

    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.entries.values().all(BTreeMap::is_empty)
    }

    /// The entry for `provider` (name normalised and alias-resolved), created empty if needed.
    pub fn provider_mut(&mut self, category: Category, provider: &str) -> &mut ProviderOverride {
        self.entries.entry(category).or_default().entry(canonical_provider(category, provider)).or_default()
    }

    /// The entry for `provider`, if any.
    pub fn provider(&self, category: Category, provider: &str) -> Option<&ProviderOverride> {
        self.entries.get(&category)?.get(&canonical_provider(category, provider))
    }

    /// Every entry as `(category, canonical provider, entry)`, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &str, &ProviderOverride)> {
        self.entries.iter().flat_map(|(c, m)| m.iter().map(move |(n, p)| (*c, n.as_str(), p)))
    }

    /// Sets a provider's default price (USD per the category's base unit, or per `unit` if set
    /// on the entry). Not for LLM (use [`Overrides::with_llm_rates`]).
    pub fn with_price(mut self, category: Category, provider: &str, price: f64) -> Self {
        self.provider_mut(category, provider).price = Some(price);
        self
    }

    /// Sets the price of one model key (telephony: `inbound` / `outbound`). Not for LLM.
    pub fn with_model_price(mut self, category: Category, provider: &str, model: &str, price: f64) -> Self {
        self.provider_mut(category, provider).models.insert(model.to_string(), ModelOverride::Price(price));
        self
    }

    /// Sets an LLM provider's default token rates (USD per 1M tokens unless a unit is set).
    pub fn with_llm_rates(mut self, provider: &str, rates: TokenOverride) -> Self {
        self.provider_mut(Category::Llm, provider).tokens = rates;
        self
    }

    /// Sets the token rates of one LLM model key (USD per 1M tokens unless a unit is set).
    pub fn with_llm_model(mut self, provider: &str, model: &str, rates: TokenOverride) -> Self {
        self.provider_mut(Category::Llm, provider).models.insert(model.to_string(), ModelOverride::Tokens(rates));
        self
    }

    /// Sets a telephony provider's whole-minute round-up flag.
    pub fn with_round_up(mut self, provider: &str, round_up: bool) -> Self {
        self.provider_mut(Category::Telephony, provider).round_up = Some(round_up);
        self
    }

    /// Sets the unit the prices of a provider's entry are written in.
    pub fn with_unit(mut self, category: Category, provider: &str, unit: Unit) -> Self {
        self.provider_mut(category, provider).unit = Some(unit);
        self
    }

    /// Parses the JSON override format (see `docs/pricing.md`) and checks every value.
    /// Errors are [`PatterError::Config`] with key `pricing` and a reason naming the field.
    pub fn from_json_str(text: &str) -> Result<Overrides> {
        super::json::parse_overrides(text).map_err(config_error)
    }

    /// Reads and parses an override file. Unreadable file: [`PatterError::Io`]; malformed
    /// content: [`PatterError::Corrupt`] naming the file and the field.
    pub fn from_json_file(path: &Path) -> Result<Overrides> {
        let text = read_limited(path)?;
        super::json::parse_overrides(&text).map_err(|reason| corrupt(path, reason))
    }

    pub(crate) fn insert(&mut self, category: Category, canonical: String, entry: ProviderOverride) {
        self.entries.entry(category).or_default().insert(canonical, entry);
    }

    pub(crate) fn get_mut_canonical(&mut self, category: Category, canonical: &str) -> Option<&mut ProviderOverride> {
        self.entries.get_mut(&category)?.get_mut(canonical)
    }

    /// Checks what can be checked without a base table: units, price values, model keys and
    /// fields used in the wrong category. The reason names the offending field.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        for (category, name, entry) in self.iter() {
            let path = format!("{category}.{name}");
            if name.is_empty() {
                return Err(format!("{category}: a provider name must not be empty"));
            }
            if let Some(unit) = entry.unit {
                if unit.dimension() != category.dimension() {
                    return Err(format!(
                        "{path}.unit: `{unit}` cannot measure {category} usage; expected one of {}",
                        Unit::spellings(category.dimension())
                    ));
                }
            }
            if entry.round_up.is_some() && category != Category::Telephony {
                return Err(format!("{path}.round_up: only telephony rates can round up to whole minutes"));
            }
            if category == Category::Llm {
                if entry.price.is_some() {
                    return Err(format!(
                        "{path}.price: LLM rates are `input`, `output` and `cached_input`, not `price`"
                    ));
                }
                check_tokens(&path, &entry.tokens)?;
            } else {
                if !entry.tokens.is_empty() {
                    return Err(format!(
                        "{path}: `input`/`output`/`cached_input` are LLM rates; {category} uses `price`"
                    ));
                }
                if let Some(p) = entry.price {
                    check_price(&format!("{path}.price"), p)?;
                }
            }
            for (key, rate) in &entry.models {
                let model_path = format!("{path}.models.{key}");
                let norm = normalize_model(key);
                if norm.is_empty() || norm == "*" {
                    return Err(format!("{path}.models: a model key must not be empty (got {key:?})"));
                }
                if category == Category::Telephony && norm != "inbound" && norm != "outbound" {
                    return Err(format!(
                        "{model_path}: telephony rates are keyed by direction, `inbound` or `outbound`"
                    ));
                }
                match (category, rate) {
                    (Category::Llm, ModelOverride::Tokens(t)) => check_tokens(&model_path, t)?,
                    (Category::Llm, ModelOverride::Price(_)) => {
                        return Err(format!(
                            "{model_path}: an LLM model needs {{\"input\", \"output\", \"cached_input\"}}, not a single price"
                        ))
                    }
                    (_, ModelOverride::Price(p)) => check_price(&model_path, *p)?,
                    (_, ModelOverride::Tokens(_)) => {
                        return Err(format!("{model_path}: {category} rates are a single price, not token rates"))
                    }
                }
            }
        }
        Ok(())
    }
}

impl PricingTable {
    /// A copy of this table with `overrides` merged on top: provider fields replace the
    /// current ones, model keys are merged one by one (an LLM model key merges field by field;
    /// a new LLM rate needs both `input` and `output`), unknown providers are added.
    /// Invalid values (negative or non-finite prices, wrong units, misplaced fields) give a
    /// [`PatterError::Config`] naming the field; nothing is ever silently ignored.
    pub fn with_overrides(&self, overrides: &Overrides) -> Result<PricingTable> {
        self.apply(overrides).map_err(config_error)
    }

    /// [`PricingTable::with_overrides`] with overrides parsed from JSON text.
    pub fn with_overrides_json(&self, text: &str) -> Result<PricingTable> {
        let overrides = Overrides::from_json_str(text)?;
        self.with_overrides(&overrides)
    }

    /// [`PricingTable::with_overrides`] with overrides read from a JSON file; any problem with
    /// the content is a [`PatterError::Corrupt`] naming the file.
    pub fn with_overrides_file(&self, path: &Path) -> Result<PricingTable> {
        let overrides = Overrides::from_json_file(path)?;
        self.apply(&overrides).map_err(|reason| corrupt(path, reason))
    }

    /// A table holding exactly what the JSON text describes (no built-in defaults), in the
    /// format [`PricingTable::to_json`] writes, so a dumped table loads back unchanged.
    pub fn from_json_str(text: &str) -> Result<PricingTable> {
        PricingTable::empty().with_overrides_json(text)
    }

    fn apply(&self, overrides: &Overrides) -> std::result::Result<PricingTable, String> {
        overrides.validate()?;
        let mut table = self.clone();
        for (category, name, entry) in overrides.iter() {
            let path = format!("{category}.{name}");
            let unit = entry.unit.unwrap_or(category.base_unit());
            let conv = |p: f64| convert_price(p, unit, category.base_unit());
            if let Some(providers) = table.flat_mut(category) {
                let rates = providers.entry(name.to_string()).or_default();
                if let Some(p) = entry.price {
                    rates.default = Some(conv(p));
                }
                if let Some(r) = entry.round_up {
                    rates.round_up = r;
                }
                for (key, rate) in &entry.models {
                    if let ModelOverride::Price(p) = rate {
                        rates.models.insert(normalize_model(key), conv(*p));
                    }
                }
            } else {
                let rates = table.llm_mut().entry(name.to_string()).or_default();
                if !entry.tokens.is_empty() {
                    rates.default = Some(merge_tokens(&path, rates.default, &entry.tokens, conv)?);
                }
                for (key, rate) in &entry.models {
                    if let ModelOverride::Tokens(t) = rate {
                        let norm = normalize_model(key);
                        let merged =
                            merge_tokens(&format!("{path}.models.{key}"), rates.models.get(&norm).copied(), t, conv)?;
                        rates.models.insert(norm, merged);
                    }
                }
            }
        }
        Ok(table)
    }
}

fn merge_tokens(
    path: &str,
    current: Option<TokenRates>,
    o: &TokenOverride,
    conv: impl Fn(f64) -> f64,
) -> std::result::Result<TokenRates, String> {
    let missing = |field: &str| {
        format!("{path}: `{field}` is required for a new LLM rate (both `input` and `output` must be given)")
    };
    let input = o.input.map(&conv).or(current.map(|c| c.input)).ok_or_else(|| missing("input"))?;
    let output = o.output.map(&conv).or(current.map(|c| c.output)).ok_or_else(|| missing("output"))?;
    let cached_input = o.cached_input.map(&conv).or(current.and_then(|c| c.cached_input));
    Ok(TokenRates { input, output, cached_input })
}

fn check_price(path: &str, price: f64) -> std::result::Result<(), String> {
    if price.is_finite() && price >= 0.0 {
        Ok(())
    } else {
        Err(format!("{path}: a price must be a finite number >= 0, got {price}"))
    }
}

fn check_tokens(path: &str, t: &TokenOverride) -> std::result::Result<(), String> {
    for (field, value) in [("input", t.input), ("output", t.output), ("cached_input", t.cached_input)] {
        if let Some(v) = value {
            check_price(&format!("{path}.{field}"), v)?;
        }
    }
    Ok(())
}

fn config_error(reason: String) -> PatterError {
    PatterError::Config { key: "pricing".to_string(), reason }
}

fn corrupt(path: &Path, reason: String) -> PatterError {
    PatterError::Corrupt { path: path.display().to_string(), reason }
}

/// Largest override file accepted (1 MiB): a pricing table is a few kilobytes.
pub const MAX_OVERRIDE_FILE_BYTES: u64 = 1024 * 1024;

fn read_limited(path: &Path) -> Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| PatterError::io(path, &e))?;
    let mut bytes = Vec::new();
    file.take(MAX_OVERRIDE_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| PatterError::io(path, &e))?;
    if bytes.len() as u64 > MAX_OVERRIDE_FILE_BYTES {
        return Err(corrupt(path, format!("larger than {MAX_OVERRIDE_FILE_BYTES} bytes; not a pricing file")));
    }
    String::from_utf8(bytes).map_err(|e| corrupt(path, format!("not UTF-8: {e}")))
}
