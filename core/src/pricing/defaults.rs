//! The built-in default rates.
//!
//! Provenance: rates as published by each provider, taken from getpatter 0.7.0's pricing
//! table (its `PRICING_LAST_UPDATED` is 2026-05-08) and assembled here on 2026-11-23. They are
//! list prices: volume discounts, plan tiers, regions and taxes are not modelled, and libpatter
//! has not re-verified them against every provider's site. Entries marked *estimate* are not
//! from that table; their derivation is in the comment and in `docs/pricing.md`. Hosts that
//! know their real rates should override them (`PATTER_PRICING_FILE` or
//! [`super::PricingTable::with_overrides`]).

use super::rates::{ProviderRates, TokenRates};
use super::table::PricingTable;
use super::units::Category;

fn flat(default: f64, round_up: bool, models: &[(&str, f64)]) -> ProviderRates<f64> {
    ProviderRates {
        default: Some(default),
        round_up,
        models: models.iter().map(|(k, p)| (k.to_string(), *p)).collect(),
    }
}

/// `(model, input, output, cached_input)` in USD per 1M tokens; no provider default, so a
/// model the table does not know stays unpriced instead of being guessed.
fn llm(models: &[(&str, f64, f64, Option<f64>)]) -> ProviderRates<TokenRates> {
    ProviderRates {
        default: None,
        round_up: false,
        models: models
            .iter()
            .map(|(k, i, o, c)| (k.to_string(), TokenRates { input: *i, output: *o, cached_input: *c }))
            .collect(),
    }
}

/// Builds the default table (see the module documentation for provenance).
pub(crate) fn default_table() -> PricingTable {
    let mut t = PricingTable::empty();

    // Telephony, USD per minute; the model key is the call direction.
    if let Some(m) = t.flat_mut(Category::Telephony) {
        // Twilio US local: $0.0085/min to receive; outbound ($0.013/min) is an *estimate* taken
        // from Twilio's support article on volume pricing. Twilio bills whole minutes.
        m.insert("twilio".into(), flat(0.0085, true, &[("inbound", 0.0085), ("outbound", 0.013)]));
        // Telnyx bills per second (no round-up); inbound and outbound differ.
        m.insert("telnyx".into(), flat(0.007, false, &[("inbound", 0.0035), ("outbound", 0.007)]));
        m.insert("plivo".into(), flat(0.0055, true, &[("inbound", 0.0055), ("outbound", 0.0115)]));
    }

    // Speech-to-text, USD per minute of audio.
    if let Some(m) = t.flat_mut(Category::Stt) {
        m.insert(
            "deepgram".into(),
            flat(
                0.0048,
                false,
                &[
                    ("nova-3", 0.0048),
                    ("nova-3-multilingual", 0.0058),
                    ("flux", 0.0065),
                    ("flux-english", 0.0065),
                    ("flux-multilingual", 0.0078),
                    ("nova-2", 0.0058),
                    ("nova", 0.0043),
                    ("whisper-large", 0.0048),
                    ("whisper-medium", 0.0048),
                ],
            ),
        );
        m.insert(
            "whisper".into(),
            flat(
                0.006,
                false,
                &[
                    ("whisper-1", 0.006),
                    ("gpt-4o-transcribe", 0.006),
                    ("gpt-4o-mini-transcribe", 0.003),
                    ("gpt-realtime-whisper", 0.017),
                ],
            ),
        );
        m.insert(
            "openai_transcribe".into(),
            flat(
                0.006,
                false,
                &[("gpt-4o-transcribe", 0.006), ("gpt-4o-mini-transcribe", 0.003), ("whisper-1", 0.006)],
            ),
        );
        m.insert("assemblyai".into(), flat(0.0025, false, &[]));
        m.insert("cartesia".into(), flat(0.0025, false, &[]));
        m.insert("soniox".into(), flat(0.002, false, &[]));
        m.insert("speechmatics".into(), flat(0.004, false, &[]));
    }

    // Text-to-speech, USD per 1,000 characters.
    if let Some(m) = t.flat_mut(Category::Tts) {
        m.insert(
            "elevenlabs".into(),
            flat(
                0.05,
                false,
                &[
                    ("eleven_flash_v2_5", 0.05),
                    ("eleven_turbo_v2_5", 0.05),
                    ("eleven_multilingual_v2", 0.10),
                    ("eleven_monolingual_v1", 0.10),
                    ("eleven_v3", 0.10),
                ],
            ),
        );
        m.insert(
            "openai".into(),
            flat(0.015, false, &[("tts-1", 0.015), ("tts-1-hd", 0.030), ("gpt-4o-mini-tts", 0.012)]),
        );
        m.insert("openai_tts_hd".into(), flat(0.030, false, &[]));
        m.insert("cartesia".into(), flat(0.030, false, &[]));
        m.insert("rime".into(), flat(0.030, false, &[("mistv2", 0.030), ("mist", 0.030), ("arcana", 0.040)]));
        m.insert("lmnt".into(), flat(0.050, false, &[]));
        m.insert(
            "inworld".into(),
            flat(
                0.025,
                false,
                &[("inworld-tts-2", 0.025), ("inworld-tts-1.5-max", 0.035), ("inworld-tts-1.5-mini", 0.015)],
            ),
        );
    }

    // Realtime sessions, USD per session minute: *estimates* (getpatter prices realtime per
    // token). OpenAI: audio is 600 input tokens per minute (1 token / 100 ms) and 1,200 output
    // tokens per minute of agent speech (1 token / 50 ms); a session minute is taken as one
    // minute of caller audio in plus half a minute of agent audio out, i.e.
    // 600 × audio-in rate + 600 × audio-out rate. Text tokens, cache hits and the re-reading of
    // conversation context on every response are not included, so long sessions cost more.
    if let Some(m) = t.flat_mut(Category::Realtime) {
        m.insert(
            "openai_realtime".into(),
            flat(
                0.018, // = gpt-realtime-mini, getpatter's default realtime model
                false,
                &[
                    ("gpt-realtime", 0.0576),                // 600 × 32e-6 + 600 × 64e-6
                    ("gpt-realtime-2", 0.0576),              // same audio rates as gpt-realtime
                    ("gpt-realtime-mini", 0.018),            // 600 × 10e-6 + 600 × 20e-6
                    ("gpt-4o-realtime-preview", 0.072),      // 600 × 40e-6 + 600 × 80e-6
                    ("gpt-4o-mini-realtime-preview", 0.018), // same rates as gpt-realtime-mini
                ],
            ),
        );
        // ElevenLabs Agents (ConvAI): $0.10 per connected minute, the list price of its
        // Creator/Pro plans (Business is lower, overage on Creator works out to about $0.12).
        // The LLM is passed through separately by ElevenLabs and is not included.
        m.insert("elevenlabs_convai".into(), flat(0.10, false, &[]));
    }

    // LLM, USD per 1M tokens: (model, input, output, cached input / cache read).
    let l = t.llm_mut();
    l.insert(
        "openai".into(),
        llm(&[
            ("gpt-4o", 2.5, 10.0, Some(1.25)),
            ("gpt-4o-mini", 0.15, 0.6, Some(0.075)),
            ("gpt-4.1", 2.0, 8.0, Some(0.5)),
            ("gpt-4.1-mini", 0.4, 1.6, Some(0.1)),
            ("o3", 2.0, 8.0, Some(0.5)),
            ("o4-mini", 1.1, 4.4, Some(0.275)),
        ]),
    );
    l.insert(
        "anthropic".into(),
        llm(&[
            ("claude-opus-4-7", 15.0, 75.0, Some(1.5)),
            ("claude-sonnet-4-6", 3.0, 15.0, Some(0.3)),
            ("claude-haiku-4-5", 1.0, 5.0, Some(0.1)),
        ]),
    );
    l.insert(
        "google".into(),
        llm(&[
            ("gemini-2.5-pro", 1.25, 10.0, None),
            ("gemini-2.5-flash", 0.3, 2.5, None),
            ("gemini-live-2.5-flash-native-audio", 0.3, 2.5, None),
        ]),
    );
    l.insert(
        "groq".into(),
        llm(&[
            ("llama-3.3-70b-versatile", 0.59, 0.79, None),
            ("llama-3.1-8b-instant", 0.05, 0.08, None),
            ("llama-3.3-70b-specdec", 0.59, 0.99, None),
            ("llama3-70b-8192", 0.59, 0.79, None),
            ("llama3-8b-8192", 0.05, 0.08, None),
            ("mixtral-8x7b-32768", 0.27, 0.27, None),
            ("gemma2-9b-it", 0.2, 0.2, None),
        ]),
    );
    l.insert(
        "cerebras".into(),
        llm(&[
            ("gpt-oss-120b", 0.35, 0.75, None),
            ("llama3.1-8b", 0.1, 0.1, None),
            ("llama-3.3-70b", 0.85, 1.2, None),
            ("qwen-3-32b", 0.4, 0.8, None),
            ("qwen-3-235b-a22b-instruct-2507", 0.6, 1.2, None),
            ("qwen-3-coder-480b", 2.0, 2.0, None),
            ("zai-glm-4.7", 0.85, 1.2, None),
        ]),
    );
    t
}
