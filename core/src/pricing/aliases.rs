//! Provider-name normalisation: case, separators and the aliases the Patter SDKs use.

use super::units::Category;

/// `(alias, canonical)` pairs per category. Names are compared after [`normalize_provider`].
fn aliases(category: Category) -> &'static [(&'static str, &'static str)] {
    match category {
        Category::Telephony => &[("twilio_voice", "twilio"), ("telnyx_voice", "telnyx")],
        Category::Stt => &[
            ("openai", "openai_transcribe"),
            ("openai_stt", "openai_transcribe"),
            ("gpt_4o_transcribe", "openai_transcribe"),
            ("openai_whisper", "whisper"),
            ("whisper_stt", "whisper"),
            ("deepgram_stt", "deepgram"),
            ("assembly_ai", "assemblyai"),
            ("assemblyai_stt", "assemblyai"),
            ("soniox_stt", "soniox"),
            ("speechmatics_stt", "speechmatics"),
            ("cartesia_stt", "cartesia"),
        ],
        Category::Tts => &[
            ("openai_tts", "openai"),
            ("openai_hd", "openai_tts_hd"),
            ("elevenlabs_tts", "elevenlabs"),
            ("elevenlabs_ws", "elevenlabs"),
            ("eleven_labs", "elevenlabs"),
            ("eleven", "elevenlabs"),
            ("cartesia_tts", "cartesia"),
            ("lmnt_tts", "lmnt"),
            ("rime_tts", "rime"),
            ("inworld_tts", "inworld"),
        ],
        Category::Llm => &[
            ("openai_llm", "openai"),
            ("anthropic_llm", "anthropic"),
            ("claude", "anthropic"),
            ("gemini", "google"),
            ("google_gemini", "google"),
            ("google_genai", "google"),
            ("google_llm", "google"),
            ("gemini_llm", "google"),
            ("groq_llm", "groq"),
            ("cerebras_llm", "cerebras"),
        ],
        Category::Realtime => &[
            ("openai", "openai_realtime"),
            ("openai_realtime_2", "openai_realtime"),
            ("gpt_realtime", "openai_realtime"),
            ("elevenlabs", "elevenlabs_convai"),
            ("convai", "elevenlabs_convai"),
            ("elevenlabs_agents", "elevenlabs_convai"),
            ("elevenlabs_conversational", "elevenlabs_convai"),
        ],
    }
}

/// Trims, lowercases and turns `-` and spaces into `_` (`Eleven-Labs` → `eleven_labs`).
pub fn normalize_provider(name: &str) -> String {
    name.trim().chars().map(|c| if c == '-' || c.is_whitespace() { '_' } else { c }).collect::<String>().to_lowercase()
}

/// The table key for `name` in `category`: normalised, then mapped through the category's
/// aliases (e.g. TTS `openai_tts` → `openai`, STT `openai` → `openai_transcribe`, LLM
/// `gemini` → `google`, realtime `openai` → `openai_realtime`). Unknown names are returned
/// normalised, unchanged otherwise.
pub fn canonical_provider(category: Category, name: &str) -> String {
    let n = normalize_provider(name);
    match aliases(category).iter().find(|(alias, _)| *alias == n) {
        Some((_, canonical)) => (*canonical).to_string(),
        None => n,
    }
}

/// Every `(alias, canonical)` pair of `category` (for docs and bindings).
pub fn provider_aliases(category: Category) -> Vec<(&'static str, &'static str)> {
    aliases(category).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_per_category() {
        assert_eq!(canonical_provider(Category::Tts, " OpenAI_TTS "), "openai");
        assert_eq!(canonical_provider(Category::Stt, "openai"), "openai_transcribe");
        assert_eq!(canonical_provider(Category::Llm, "Gemini"), "google");
        assert_eq!(canonical_provider(Category::Realtime, "openai"), "openai_realtime");
        assert_eq!(canonical_provider(Category::Tts, "Eleven-Labs"), "elevenlabs");
        assert_eq!(canonical_provider(Category::Tts, "acme"), "acme");
    }

    #[test]
    fn every_alias_target_is_normalised() {
        for c in Category::ALL {
            for (alias, canonical) in aliases(c) {
                assert_eq!(normalize_provider(alias), *alias);
                assert_eq!(normalize_provider(canonical), *canonical);
            }
        }
    }
}
