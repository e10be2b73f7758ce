//! The core's error type. Every binding maps these variants once (C status codes, Python
//! exceptions, JS error codes), so the variants are coarse and stable.

use thiserror::Error;

/// Errors returned by the libpatter core. None of them is ever raised into a live call's hot
/// path: span, record and store operations swallow and count their failures instead.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PatterError {
    /// An argument was malformed: empty where a value is required, too long, wrong enum value.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name as the public API spells it.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration value (explicit or from the environment) could not be used.
    #[error("invalid configuration {key}: {reason}")]
    Config {
        /// The option or environment variable.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The operation needs a state the object is no longer in (e.g. a span on an ended call).
    #[error("invalid state: {0}")]
    State(String),
    /// A filesystem operation failed (only surfaced by explicit, non-call-path operations).
    #[error("i/o error on {path}: {reason}")]
    Io {
        /// The path the operation was about.
        path: String,
        /// The OS error text.
        reason: String,
    },
    /// Stored data could not be parsed.
    #[error("corrupt data in {path}: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
    /// An exporter could not be built or attached.
    #[error("exporter error: {0}")]
    Exporter(String),
}

/// Shorthand used throughout the core.
pub type Result<T, E = PatterError> = std::result::Result<T, E>;

/// The longest string accepted anywhere in the API (utterances included): 16 MiB.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// The longest identifier-like string accepted (call ids, provider names, models): 16 KiB; ids
/// longer than this are rejected with a clear error rather than silently truncated.
pub const MAX_ID_BYTES: usize = 16 * 1024;

impl PatterError {
    /// Builds an [`PatterError::InvalidArgument`].
    pub fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        PatterError::InvalidArgument { name, reason: reason.into() }
    }

    /// Builds an [`PatterError::Io`] from a path and an OS error.
    pub fn io(path: impl AsRef<std::path::Path>, err: &std::io::Error) -> Self {
        PatterError::Io { path: path.as_ref().display().to_string(), reason: err.to_string() }
    }
}

/// Validates an identifier-like argument: non-empty and at most [`MAX_ID_BYTES`] long. NUL and
/// other control characters are allowed (they are data; the call log maps ids to safe names).
pub fn check_id(name: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(PatterError::invalid(name, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(PatterError::invalid(name, format!("is {} bytes long; the limit is {MAX_ID_BYTES}", value.len())));
    }
    Ok(())
}

/// Validates a free-text argument (utterances, tool payloads): at most [`MAX_TEXT_BYTES`].
pub fn check_text(name: &'static str, value: &str) -> Result<()> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(PatterError::invalid(
            name,
            format!("is {} bytes long; the limit is {MAX_TEXT_BYTES}", value.len()),
        ));
    }
    Ok(())
}
