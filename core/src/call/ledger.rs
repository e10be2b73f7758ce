//! Usage by (service, provider, model), accumulated on the call path and priced only when a
//! cost is needed (turn end, call end, `Call::cost`). Adding to an entry already seen is a
//! short linear scan with no allocation; pricing (name normalisation, model matching) stays
//! off the hot path.

use crate::pricing::{CostMeter, PricingTable};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Stt,
    Tts,
    Llm,
}

#[derive(Debug, Clone)]
struct Entry {
    service: Service,
    provider: Box<str>,
    model: Option<Box<str>>,
    /// STT seconds or TTS characters.
    amount: f64,
    input: u64,
    output: u64,
    cached: u64,
}

/// String equality without a `memcmp` call for the short provider and model names compared on
/// every billable event (lengths first, then 8 bytes at a time).
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while i + 8 < a.len() {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last 8 bytes (overlapping the previous word when the length is not a multiple of 8).
    word(a, a.len() - 8) == word(b, b.len() - 8)
}

/// The 8 bytes of `s` at `i` as one word (the caller keeps `i + 8 <= s.len()`).
#[inline(always)]
fn word(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_ne_bytes(w)
}

#[inline]
fn opt_same(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Billable usage not yet priced.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    entries: Vec<Entry>,
}

impl Ledger {
    fn entry(&mut self, service: Service, provider: &str, model: Option<&str>) -> &mut Entry {
        let pos = self
            .entries
            .iter()
            .position(|e| e.service == service && same(&e.provider, provider) && opt_same(e.model.as_deref(), model));
        let i = match pos {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    service,
                    provider: provider.into(),
                    model: model.map(Into::into),
                    amount: 0.0,
                    input: 0,
                    output: 0,
                    cached: 0,
                });
                self.entries.len() - 1
            }
        };
        &mut self.entries[i]
    }

    /// Adds STT audio seconds.
    pub(crate) fn add_stt(&mut self, provider: &str, model: Option<&str>, seconds: f64) {
        self.entry(Service::Stt, provider, model).amount += seconds;
    }

    /// Adds TTS characters.
    pub(crate) fn add_tts(&mut self, provider: &str, model: Option<&str>, chars: u64) {
        self.entry(Service::Tts, provider, model).amount += chars as f64;
    }

    /// Adds LLM tokens.
    pub(crate) fn add_llm(&mut self, provider: &str, model: Option<&str>, input: u64, output: u64, cached: u64) {
        let e = self.entry(Service::Llm, provider, model);
        e.input += input;
        e.output += output;
        e.cached += cached;
    }

    /// Each entry priced on its own, for `patter.call.cost`: (category, provider, model, USD).
    /// Usage covered by the realtime minutes (`included_in`) is left out, as in [`Self::price`].
    pub(crate) fn priced_entries(
        &self,
        table: &Arc<PricingTable>,
        included_in: Option<&str>,
    ) -> Vec<(&'static str, &str, Option<&str>, f64)> {
        let mut m = CostMeter::new(table.clone());
        self.entries
            .iter()
            .filter(|e| Some(&*e.provider) != included_in)
            .map(|e| {
                let model = e.model.as_deref();
                let (category, usd) = match e.service {
                    Service::Stt => ("stt", m.add_stt(&e.provider, model, e.amount)),
                    Service::Tts => ("tts", m.add_tts(&e.provider, model, e.amount as u64)),
                    Service::Llm => ("llm", m.add_llm(&e.provider, model, e.input, e.output, e.cached)),
                };
                (category, &*e.provider, model, usd)
            })
            .collect()
    }

    /// Prices everything into a fresh meter (to which telephony/realtime can still be added).
    /// Usage reported under `included_in` (the realtime provider of a realtime call) is covered
    /// by the realtime minutes, so it is counted but not priced again.
    pub(crate) fn price(&self, table: &Arc<PricingTable>, included_in: Option<&str>) -> CostMeter {
        let mut m = CostMeter::new(table.clone());
        for e in self.entries.iter().filter(|e| Some(&*e.provider) != included_in) {
            let model = e.model.as_deref();
            match e.service {
                Service::Stt => m.add_stt(&e.provider, model, e.amount),
                Service::Tts => m.add_tts(&e.provider, model, e.amount as u64),
                Service::Llm => m.add_llm(&e.provider, model, e.input, e.output, e.cached),
            };
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_is_string_equality() {
        let words = [
            "",
            "a",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "eleven_flash_v2_5",
            "eleven_flash_v2_6",
            "élevé",
            "gpt-4o-mini-2024-07-18",
        ];
        for a in words {
            for b in words {
                assert_eq!(same(a, b), a == b, "{a:?} vs {b:?}");
            }
            // One byte changed anywhere.
            for i in 0..a.len() {
                let mut v = a.as_bytes().to_vec();
                v[i] ^= 1;
                assert!(!same(a, &String::from_utf8_lossy(&v)) || String::from_utf8_lossy(&v) == a);
            }
        }
        assert!(opt_same(None, None) && !opt_same(Some("a"), None) && opt_same(Some("ab"), Some("ab")));
    }

    #[test]
    fn sums_per_provider_and_model_then_prices_once() {
        let mut l = Ledger::default();
        for _ in 0..3 {
            l.add_tts("elevenlabs", None, 500);
            l.add_stt("deepgram", Some("nova-3"), 20.0);
        }
        l.add_llm("openai", Some("gpt-4o-mini"), 500_000, 0, 0);
        l.add_llm("openai", Some("gpt-4o-mini"), 500_000, 0, 0);
        l.add_tts("acme", None, 10);
        assert_eq!(l.entries.len(), 4);
        let m = l.price(&PricingTable::defaults(), None);
        let c = m.breakdown();
        assert_eq!(c.tts, 0.075); // 1500 chars × $0.05/1k
        assert_eq!(c.stt, 0.0048); // 60 s × $0.0048/min
        assert_eq!(c.llm, 0.15); // 1M input × $0.15/M
        assert_eq!(m.unpriced(), vec!["tts:acme".to_string()]);
        let covered = l.price(&PricingTable::defaults(), Some("elevenlabs")).breakdown();
        assert_eq!(covered.tts, 0.0);
        assert_eq!(covered.stt, 0.0048);
    }
}
