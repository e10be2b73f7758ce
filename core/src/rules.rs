//! The argument rules every binding applies by calling them: number checks, counters that
//! never wrap, and the defaults of omitted options (timeouts, store capacity, tool transport).
//!
//! Bindings only convert types (a Python `int`, a JS number, a C `uint64_t`) and hand the raw,
//! possibly omitted value to these functions, so the same input gives the same result — and
//! the same `InvalidArgument` message, naming the argument — in Rust, Python, Node and C.
//!
//! The rules (documented in docs/call-api.md):
//! - seconds, milliseconds: finite and `>= 0` (NaN, ±inf, negative: `InvalidArgument`);
//! - confidence: omitted, or finite in `[0, 1]`;
//! - counts (tokens, history size, seeds, capacities): integers in `0..=MAX_COUNT` (2^53 − 1,
//!   the largest integer every language holds exactly);
//! - running totals (a call's tokens, characters, seconds) never wrap or saturate: a report
//!   that would take a total past `MAX_COUNT` (or seconds past `f64::MAX`) is rejected with
//!   `InvalidArgument` and changes nothing;
//! - an options object's key that is none of its options: `InvalidArgument` ([`unknown_option`]);
//! - omitted timeouts are [`DEFAULT_TIMEOUT`]; omitted tool transport is
//!   [`DEFAULT_TOOL_TRANSPORT`]; omitted store capacity is [`DEFAULT_STORE_CAPACITY`].

use crate::{PatterError, Result};
use std::time::Duration;

/// The largest count or running total accepted: 2^53 − 1 (exact as a JS number and a double).
pub const MAX_COUNT: u64 = (1 << 53) - 1;
/// Timeout of `force_flush` and of a call logger's flush when none is given: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Transport of a tool span when none is given.
pub const DEFAULT_TOOL_TRANSPORT: &str = "handler";
/// Calls per page of a MetricsStore's `get_calls` when no limit is given.
pub const DEFAULT_PAGE_LIMIT: u64 = 50;
/// Finished calls a MetricsStore keeps when no capacity is given.
pub const DEFAULT_STORE_CAPACITY: u64 = crate::store::DEFAULT_CAPACITY as u64;

/// A duration in seconds or milliseconds: finite and `>= 0`.
pub fn non_negative(name: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        // -0.0 becomes 0.0 so every language prints the same number.
        Ok(v + 0.0)
    } else {
        Err(PatterError::invalid(name, format!("must be a finite number >= 0, got {}", show(v))))
    }
}

/// An optional duration: omitted is `default`, else [`non_negative`].
pub fn non_negative_or(name: &'static str, v: Option<f64>, default: f64) -> Result<f64> {
    v.map_or(Ok(default), |v| non_negative(name, v))
}

/// A recogniser confidence: omitted, or finite in `[0, 1]`.
pub fn confidence(name: &'static str, v: Option<f64>) -> Result<Option<f64>> {
    match v {
        None => Ok(None),
        Some(c) if c.is_finite() && (0.0..=1.0).contains(&c) => Ok(Some(c + 0.0)),
        Some(c) => Err(PatterError::invalid(name, format!("must be a finite number in [0, 1], got {}", show(c)))),
    }
}

/// A count given as an unsigned integer (C): at most [`MAX_COUNT`].
#[inline]
pub fn count(name: &'static str, v: u64) -> Result<u64> {
    if v <= MAX_COUNT {
        Ok(v)
    } else {
        Err(count_error(name, &v.to_string()))
    }
}

/// A count given as a signed integer (Python `int`): `0..=MAX_COUNT`.
#[inline]
pub fn count_i64(name: &'static str, v: i64) -> Result<u64> {
    if (0..=MAX_COUNT as i64).contains(&v) {
        Ok(v as u64)
    } else {
        Err(count_error(name, &v.to_string()))
    }
}

/// A count given as a double (JS number): an integer in `0..=MAX_COUNT`.
#[inline]
pub fn count_f64(name: &'static str, v: f64) -> Result<u64> {
    // `(v as u64) as f64 == v` is the integer test without a libm call; NaN fails the range
    // test, -0.0 maps to 0.
    let n = v as u64;
    if v >= 0.0 && v <= MAX_COUNT as f64 && n as f64 == v {
        Ok(n)
    } else {
        Err(count_error(name, &show(v)))
    }
}

/// An optional count: omitted is `default`, else [`count`].
pub fn count_or(name: &'static str, v: Option<u64>, default: u64) -> Result<u64> {
    v.map_or(Ok(default), |v| count(name, v))
}

#[cold]
fn count_error(name: &'static str, shown: &str) -> PatterError {
    PatterError::invalid(name, format!("must be an integer in 0..={MAX_COUNT}, got {shown}"))
}

/// `total + n` for a running total, or `InvalidArgument` on `name` when it would pass
/// [`MAX_COUNT`] (totals never wrap).
#[inline]
pub fn add_count(name: &'static str, total: u64, n: u64) -> Result<u64> {
    match total.checked_add(n) {
        Some(t) if t <= MAX_COUNT => Ok(t),
        _ => Err(PatterError::invalid(name, format!("would take the call's total past {MAX_COUNT}"))),
    }
}

/// `total + v` for a running total of seconds, or `InvalidArgument` when it is not finite.
pub fn add_seconds(name: &'static str, total: f64, v: f64) -> Result<f64> {
    let t = total + v;
    if t.is_finite() {
        Ok(t)
    } else {
        Err(PatterError::invalid(name, "would take the call's total past the largest finite number"))
    }
}

/// A timeout in milliseconds (every language: `timeout_ms`): omitted is [`DEFAULT_TIMEOUT`],
/// else finite and `>= 0`.
pub fn timeout_ms(name: &'static str, v: Option<f64>) -> Result<Duration> {
    let Some(v) = v else { return Ok(DEFAULT_TIMEOUT) };
    let v = non_negative(name, v)?;
    Duration::try_from_secs_f64(v / 1000.0)
        .map_err(|_| PatterError::invalid(name, format!("is too large: {}", show(v))))
}

/// A page of `get_calls` (`limit`, `offset`, already checked counts): omitted limit is
/// [`DEFAULT_PAGE_LIMIT`], omitted offset 0.
pub fn page(limit: Option<u64>, offset: Option<u64>) -> (usize, usize) {
    let to_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    (to_usize(limit.unwrap_or(DEFAULT_PAGE_LIMIT)), to_usize(offset.unwrap_or(0)))
}

/// A MetricsStore capacity: omitted is [`DEFAULT_STORE_CAPACITY`], else `1..=MAX_COUNT`.
pub fn store_capacity(name: &'static str, v: Option<u64>) -> Result<usize> {
    match v {
        None => Ok(DEFAULT_STORE_CAPACITY as usize),
        Some(0) => Err(PatterError::invalid(name, "must be at least 1")),
        Some(c) => count(name, c).map(|c| c as usize),
    }
}

/// MetricsStore options from their raw values (the same names in every language):
/// `capacity` (omitted: 500; else `1..=MAX_COUNT`), `redact_phone` (omitted: `mask`; else
/// `mask`, `full` or `hash_only`) and `hash_key` (keys `hash_only` as HMAC; empty: unkeyed).
pub fn store_options(
    capacity: Option<u64>,
    redact_phone: Option<&str>,
    hash_key: Option<&[u8]>,
) -> Result<crate::store::StoreConfig> {
    use crate::config::{HashKey, PhoneRedaction};
    let capacity = store_capacity("capacity", capacity)?;
    if hash_key.is_some_and(|k| k.len() > crate::error::MAX_ID_BYTES) {
        return Err(PatterError::invalid("hash_key", format!("is longer than {} bytes", crate::error::MAX_ID_BYTES)));
    }
    let key = hash_key.and_then(|k| HashKey::new(k.to_vec()));
    let redaction = match redact_phone {
        None | Some("mask") => PhoneRedaction::Mask,
        Some("full") => PhoneRedaction::Full,
        Some("hash_only") => PhoneRedaction::HashOnly { key },
        Some(other) => {
            return Err(PatterError::invalid(
                "redact_phone",
                format!("must be \"mask\", \"full\" or \"hash_only\", got {other:?}"),
            ))
        }
    };
    Ok(crate::store::StoreConfig { capacity, redaction })
}

/// An options object (Node's option arguments, a C-style map) with a key that is none of its
/// options, `known`: `InvalidArgument` on `name`, listing them. A misspelt option never goes
/// unnoticed (Python's interpreter rejects an unknown keyword argument the same way).
pub fn unknown_option(name: &'static str, key: &str, known: &[&str]) -> PatterError {
    PatterError::invalid(name, format!("unknown key {key:?} (known: {})", known.join(", ")))
}

/// A tool transport: omitted is [`DEFAULT_TOOL_TRANSPORT`].
pub fn tool_transport(v: Option<&str>) -> &str {
    v.unwrap_or(DEFAULT_TOOL_TRANSPORT)
}

/// How a number is shown in messages: the same text in every language (`NaN`, `inf`,
/// `-inf`, shortest round-trip decimal otherwise).
pub fn show(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_invalid<T: std::fmt::Debug>(r: Result<T>, name: &str) -> String {
        match r {
            Err(PatterError::InvalidArgument { name: n, reason }) => {
                assert_eq!(n, name);
                format!("invalid argument `{n}`: {reason}")
            }
            other => panic!("expected InvalidArgument on {name}, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_option_names_the_key_and_the_known_ones() {
        let msg = is_invalid::<()>(
            Err(unknown_option("options", "otlpEndpont", &["serviceName", "otlpEndpoint"])),
            "options",
        );
        assert_eq!(msg, "invalid argument `options`: unknown key \"otlpEndpont\" (known: serviceName, otlpEndpoint)");
    }

    #[test]
    fn seconds_reject_nan_inf_negative() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, -1e-300] {
            is_invalid(non_negative("audio_seconds", v), "audio_seconds");
        }
        assert_eq!(non_negative("x", 0.0).unwrap(), 0.0);
        assert!(non_negative("x", -0.0).unwrap().is_sign_positive());
        assert_eq!(non_negative("x", 2.5).unwrap(), 2.5);
        assert_eq!(non_negative_or("x", None, 0.0).unwrap(), 0.0);
        let msg = is_invalid(non_negative("audio_seconds", f64::NAN), "audio_seconds");
        assert_eq!(msg, "invalid argument `audio_seconds`: must be a finite number >= 0, got NaN");
    }

    #[test]
    fn confidence_is_omitted_or_in_unit_interval() {
        for v in [f64::NAN, f64::INFINITY, 2.0, -0.5, 1.0000001] {
            is_invalid(confidence("confidence", Some(v)), "confidence");
        }
        assert_eq!(confidence("c", None).unwrap(), None);
        assert_eq!(confidence("c", Some(0.0)).unwrap(), Some(0.0));
        assert_eq!(confidence("c", Some(1.0)).unwrap(), Some(1.0));
    }

    #[test]
    fn counts_from_every_representation() {
        assert_eq!(count("n", MAX_COUNT).unwrap(), MAX_COUNT);
        is_invalid(count("n", MAX_COUNT + 1), "n");
        is_invalid(count_i64("n", -1), "n");
        is_invalid(count_i64("n", i64::MAX), "n");
        assert_eq!(count_i64("n", 7).unwrap(), 7);
        for v in [f64::NAN, f64::INFINITY, -1.0, 1.5, 9_007_199_254_740_992.0] {
            is_invalid(count_f64("n", v), "n");
        }
        assert_eq!(count_f64("n", -0.0).unwrap(), 0);
        assert_eq!(count_f64("n", 9_007_199_254_740_991.0).unwrap(), MAX_COUNT);
        assert_eq!(count_or("n", None, 3).unwrap(), 3);
    }

    #[test]
    fn totals_never_wrap() {
        let half = 1u64 << 52;
        let t = add_count("input_tokens", 0, half).unwrap();
        is_invalid(add_count("input_tokens", t, half), "input_tokens");
        is_invalid(add_count("input_tokens", u64::MAX, 1), "input_tokens");
        assert_eq!(add_count("x", MAX_COUNT - 1, 1).unwrap(), MAX_COUNT);
        is_invalid(add_seconds("audio_seconds", f64::MAX, f64::MAX), "audio_seconds");
    }

    #[test]
    fn timeouts_default_once() {
        assert_eq!(timeout_ms("timeout_ms", None).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(timeout_ms("timeout_ms", Some(250.0)).unwrap(), Duration::from_millis(250));
        for v in [f64::NAN, f64::INFINITY, -1.0] {
            is_invalid(timeout_ms("timeout_ms", Some(v)), "timeout_ms");
        }
        is_invalid(timeout_ms("timeout_ms", Some(1e300)), "timeout_ms");
    }

    #[test]
    fn page_defaults() {
        assert_eq!(page(None, None), (50, 0));
        assert_eq!(page(Some(3), Some(7)), (3, 7));
    }

    #[test]
    fn store_capacity_and_transport_defaults() {
        assert_eq!(store_capacity("capacity", None).unwrap(), 500);
        assert_eq!(store_capacity("capacity", Some(3)).unwrap(), 3);
        is_invalid(store_capacity("capacity", Some(0)), "capacity");
        assert_eq!(tool_transport(None), "handler");
        let c = store_options(None, None, None).unwrap();
        assert_eq!((c.capacity, c.redaction), (500, crate::config::PhoneRedaction::Mask));
        is_invalid(store_options(Some(0), None, None), "capacity");
        is_invalid(store_options(None, Some("hash"), None), "redact_phone");
        assert!(matches!(
            store_options(Some(2), Some("hash_only"), Some(b"k")).unwrap().redaction,
            crate::config::PhoneRedaction::HashOnly { key: Some(_) }
        ));
        assert_eq!(tool_transport(Some("mcp")), "mcp");
    }
}
