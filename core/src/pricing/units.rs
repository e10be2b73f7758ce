//! Cost categories and billing units.
//!
//! Every category has one *base unit* in which the table stores its prices (per minute for
//! telephony, STT and realtime; per 1,000 characters for TTS; per 1,000,000 tokens for LLM).
//! Overrides may be written in any unit of the same dimension; they are converted on load.

/// A cost category: one part of [`crate::records::CostBreakdown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Carrier minutes (priced per direction).
    Telephony,
    /// Speech-to-text audio.
    Stt,
    /// Text-to-speech characters.
    Tts,
    /// LLM tokens (input, output, cached input).
    Llm,
    /// Realtime (speech-to-speech) session minutes.
    Realtime,
}

impl Category {
    /// All categories, in the order of the JSON table.
    pub const ALL: [Category; 5] =
        [Category::Telephony, Category::Stt, Category::Tts, Category::Llm, Category::Realtime];

    /// The wire spelling: `telephony`, `stt`, `tts`, `llm`, `realtime`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Telephony => "telephony",
            Category::Stt => "stt",
            Category::Tts => "tts",
            Category::Llm => "llm",
            Category::Realtime => "realtime",
        }
    }

    /// Parses the wire spelling (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim().to_ascii_lowercase();
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The unit prices of this category are stored in.
    pub fn base_unit(self) -> Unit {
        match self {
            Category::Telephony | Category::Stt | Category::Realtime => Unit::Minute,
            Category::Tts => Unit::ThousandChars,
            Category::Llm => Unit::MillionTokens,
        }
    }

    /// What this category measures.
    pub fn dimension(self) -> Dimension {
        self.base_unit().dimension()
    }

    /// Index into per-category arrays (the order of [`Category::ALL`]).
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Seconds of audio or connection time.
    Time,
    /// Characters of text.
    Characters,
    /// Model tokens.
    Tokens,
}

/// A billing unit: a price is "USD per one of these".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One second.
    Second,
    /// One minute (base unit of telephony, STT and realtime).
    Minute,
    /// One hour.
    Hour,
    /// One character.
    Char,
    /// 1,000 characters (base unit of TTS).
    ThousandChars,
    /// 1,000,000 characters.
    MillionChars,
    /// One token.
    Token,
    /// 1,000 tokens.
    ThousandTokens,
    /// 1,000,000 tokens (base unit of LLM).
    MillionTokens,
}

impl Unit {
    /// Every unit, for error messages and docs.
    pub const ALL: [Unit; 9] = [
        Unit::Second,
        Unit::Minute,
        Unit::Hour,
        Unit::Char,
        Unit::ThousandChars,
        Unit::MillionChars,
        Unit::Token,
        Unit::ThousandTokens,
        Unit::MillionTokens,
    ];

    /// The JSON spelling: `second`, `minute`, `hour`, `char`, `1k_chars`, `1m_chars`, `token`,
    /// `1k_tokens`, `1m_tokens`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Second => "second",
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Char => "char",
            Unit::ThousandChars => "1k_chars",
            Unit::MillionChars => "1m_chars",
            Unit::Token => "token",
            Unit::ThousandTokens => "1k_tokens",
            Unit::MillionTokens => "1m_tokens",
        }
    }

    /// Parses the JSON spelling (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Unit> {
        let s = s.trim().to_ascii_lowercase();
        Unit::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// What the unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Second | Unit::Minute | Unit::Hour => Dimension::Time,
            Unit::Char | Unit::ThousandChars | Unit::MillionChars => Dimension::Characters,
            Unit::Token | Unit::ThousandTokens | Unit::MillionTokens => Dimension::Tokens,
        }
    }

    /// How many seconds, characters or tokens one unit holds.
    pub fn size(self) -> f64 {
        match self {
            Unit::Second | Unit::Char | Unit::Token => 1.0,
            Unit::Minute => 60.0,
            Unit::Hour => 3600.0,
            Unit::ThousandChars | Unit::ThousandTokens => 1_000.0,
            Unit::MillionChars | Unit::MillionTokens => 1_000_000.0,
        }
    }

    /// Units of the given dimension, for error messages.
    pub(crate) fn spellings(dimension: Dimension) -> String {
        Unit::ALL.iter().filter(|u| u.dimension() == dimension).map(|u| u.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Converts `price` (USD per `from`) into USD per `to` (same dimension), kept to 12
/// significant digits so that e.g. `2.5e-6` per token prints as `2.5` per million tokens.
pub(crate) fn convert_price(price: f64, from: Unit, to: Unit) -> f64 {
    if from == to {
        return price;
    }
    let converted = price * (to.size() / from.size());
    format!("{converted:.11e}").parse::<f64>().unwrap_or(converted)
}
