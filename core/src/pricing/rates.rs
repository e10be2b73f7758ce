//! Rate types and model-id matching.

use std::collections::BTreeMap;

/// LLM rates in USD per 1,000,000 tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenRates {
    /// Uncached input (prompt) tokens.
    pub input: f64,
    /// Output (completion) tokens.
    pub output: f64,
    /// Input tokens served from the provider's prompt cache ("cache read"). None = billed at
    /// the `input` rate (the conservative choice when a provider publishes no cached price).
    pub cached_input: Option<f64>,
}

impl TokenRates {
    /// Rates without a separate cached-input price.
    pub fn new(input: f64, output: f64) -> Self {
        TokenRates { input, output, cached_input: None }
    }

    /// The same rates with a cached-input price.
    pub fn with_cached(self, cached_input: f64) -> Self {
        TokenRates { cached_input: Some(cached_input), ..self }
    }

    /// The rate applied to cached input tokens.
    pub fn cached_rate(&self) -> f64 {
        self.cached_input.unwrap_or(self.input)
    }

    /// USD for the given token counts (`input` excludes `cached_input`).
    pub fn cost(&self, input: u64, output: u64, cached_input: u64) -> f64 {
        (input as f64 * self.input + output as f64 * self.output + cached_input as f64 * self.cached_rate())
            / 1_000_000.0
    }
}

/// One provider's rates within a category: a provider default, per-model rates and, for
/// telephony, the whole-minute round-up flag. `R` is `f64` (USD per base unit) for every
/// category except LLM, where it is [`TokenRates`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRates<R> {
    /// Used when no model key matches (or no model is given). None = such usage is unpriced.
    pub default: Option<R>,
    /// Telephony only: bill each leg in whole minutes, rounded up.
    pub round_up: bool,
    /// Per-model rates keyed by lowercase model id or prefix (for telephony: `inbound` /
    /// `outbound`). A key ending in `*` is a plain prefix (see [`match_model_key`]).
    pub models: BTreeMap<String, R>,
}

impl<R> Default for ProviderRates<R> {
    fn default() -> Self {
        ProviderRates { default: None, round_up: false, models: BTreeMap::new() }
    }
}

impl<R> ProviderRates<R> {
    /// The rate for `model`: the model key that [`match_model_key`] picks, else the provider
    /// default. `model` is normalised (trimmed, lowercased); an empty model counts as none.
    pub fn resolve(&self, model: Option<&str>) -> Option<&R> {
        match model.map(normalize_model).filter(|m| !m.is_empty()) {
            Some(m) => match match_model_key(self.models.keys().map(String::as_str), &m) {
                Some(key) => self.models.get(key),
                None => self.default.as_ref(),
            },
            None => self.default.as_ref(),
        }
    }
}

/// Trims and lowercases a model id (model keys are stored the same way).
pub fn normalize_model(model: &str) -> String {
    model.trim().to_lowercase()
}

/// Characters after which a shorter key may match a longer model id: the key
/// `claude-haiku-4-5` matches `claude-haiku-4-5-20251001` but `gpt-realtime-2` does not match
/// `gpt-realtime-2025-08-28`. A `.` is not a boundary (`gpt-4` never prices `gpt-4.1`).
const BOUNDARIES: &[u8] = b"-_:@/";

/// Picks the key that prices `model` (already normalised):
/// 1. a key equal to `model` (exact match always wins);
/// 2. else the longest key that is a prefix of `model` ending at a boundary (`-`, `_`, `:`,
///    `@`, `/`), or a key `stem*` whose stem is a plain prefix of `model`; on equal length a
///    boundary key beats a `*` key;
/// 3. else, when `model` contains `/` (`models/gemini-2.5-flash`, `openai/gpt-4o`), the same
///    search on the part after the last `/`.
pub fn match_model_key<'a>(keys: impl Iterator<Item = &'a str> + Clone, model: &str) -> Option<&'a str> {
    if let Some(found) = best_key(keys.clone(), model) {
        return Some(found);
    }
    match model.rsplit_once('/') {
        Some((_, tail)) if !tail.is_empty() => best_key(keys, tail),
        _ => None,
    }
}

fn best_key<'a>(keys: impl Iterator<Item = &'a str>, model: &str) -> Option<&'a str> {
    let mut best: Option<(usize, bool, &'a str)> = None;
    for key in keys {
        let (len, plain) = if key == model {
            return Some(key);
        } else if let Some(stem) = key.strip_suffix('*') {
            if !model.starts_with(stem) {
                continue;
            }
            (stem.len(), false)
        } else if model.len() > key.len() && model.starts_with(key) && BOUNDARIES.contains(&model.as_bytes()[key.len()])
        {
            (key.len(), true)
        } else {
            continue;
        };
        if best.is_none_or(|(bl, bp, _)| (len, plain) > (bl, bp)) {
            best = Some((len, plain, key));
        }
    }
    best.map(|(_, _, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick<'a>(keys: &[&'a str], model: &str) -> Option<&'a str> {
        match_model_key(keys.iter().copied(), model)
    }

    #[test]
    fn exact_then_longest_boundary_prefix() {
        let keys = ["gpt-4o", "gpt-4o-mini", "gpt-realtime", "gpt-realtime-2"];
        assert_eq!(pick(&keys, "gpt-4o"), Some("gpt-4o"));
        assert_eq!(pick(&keys, "gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
        assert_eq!(pick(&keys, "gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(pick(&keys, "gpt-realtime-2025-08-28"), Some("gpt-realtime"));
        assert_eq!(pick(&keys, "gpt-4o1"), None);
        assert_eq!(pick(&keys, "gpt-4"), None);
    }

    #[test]
    fn wildcard_and_path_tail() {
        let keys = ["gpt-4*", "gpt-4o"];
        assert_eq!(pick(&keys, "gpt-4.1"), Some("gpt-4*"));
        assert_eq!(pick(&keys, "gpt-4o-mini"), Some("gpt-4o"));
        assert_eq!(pick(&["gemini-2.5-flash"], "models/gemini-2.5-flash"), Some("gemini-2.5-flash"));
        assert_eq!(pick(&["x"], "a/"), None);
    }

    #[test]
    fn boundary_key_beats_wildcard_of_same_length() {
        assert_eq!(pick(&["nova*", "nova"], "nova-3"), Some("nova"));
    }
}
