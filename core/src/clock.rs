//! Time and identifiers, injectable so that a scripted call yields the same bytes every run.
//!
//! Production uses [`SystemClock`] and [`RandomIds`]; tests and the conformance runners use
//! [`ManualClock`] (time moves only when told) and [`SequentialIds`] (ids derived from a seed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time: nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Builds a timestamp from milliseconds since the epoch.
    pub fn from_millis(ms: u64) -> Self {
        Timestamp(ms.saturating_mul(1_000_000))
    }

    /// Whole milliseconds since the epoch (truncated).
    pub fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// Converts to a `SystemTime` (for span timestamps).
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + std::time::Duration::from_nanos(self.0)
    }

    /// Milliseconds from `earlier` to `self`, as a float (0 if `earlier` is later).
    pub fn millis_since(self, earlier: Timestamp) -> f64 {
        self.0.saturating_sub(earlier.0) as f64 / 1_000_000.0
    }

    /// Formats as UTC ISO-8601 with milliseconds, e.g. `2026-04-23T18:02:12.413Z`
    /// (milliseconds truncated, never rounded up into the next second).
    pub fn to_iso8601(self) -> String {
        let ms_total = self.as_millis();
        let ms = ms_total % 1000;
        let secs = ms_total / 1000;
        let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
        let sod = secs % 86_400;
        format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", sod / 3600, (sod / 60) % 60, sod % 60)
    }

    /// The UTC calendar date `(year, month, day)` of this instant.
    pub fn utc_date(self) -> (i64, u32, u32) {
        civil_from_days((self.0 / 1_000_000_000 / 86_400) as i64)
    }

    /// Parses the ISO-8601 UTC forms this library and the reference SDK write
    /// (`YYYY-MM-DDTHH:MM:SS[.fff…](Z|+00:00)`). Returns `None` for anything else.
    pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u64> {
            let t = s.get(r)?;
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let mut rest = &s[19..];
        let mut nanos: u64 = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                return None;
            }
            let mut n = 0u64;
            for (i, c) in digits.chars().take(9).enumerate() {
                n += (c as u64 - '0' as u64) * 10u64.pow(8 - i as u32);
            }
            nanos = n;
            rest = &frac[digits.len()..];
        }
        if !(rest == "Z" || rest == "+00:00" || rest.is_empty()) {
            return None;
        }
        let days = days_from_civil(y as i64, mo as u32, d as u32);
        if days < 0 {
            return None;
        }
        let secs = days as u64 * 86_400 + h * 3600 + mi * 60 + se;
        Some(Timestamp(secs * 1_000_000_000 + nanos))
    }
}

impl serde::Serialize for Timestamp {
    /// Timestamps serialise as UTC ISO-8601 with milliseconds, like every record on disk.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso8601())
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A proleptic Gregorian date to days since 1970-01-01 (inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u64;
    let mp = if m > 2 { m - 3 } else { m + 9 } as u64;
    let doy = (153 * mp + 2) / 5 + d as u64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

/// Source of "now" for everything a Call measures and stamps.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The wall clock, made monotonic: it never goes backwards within a process, so span
/// durations are never negative even if the system time is stepped back.
#[derive(Debug, Default)]
pub struct SystemClock {
    last: AtomicU64,
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
        let prev = self.last.fetch_max(wall, Ordering::Relaxed);
        Timestamp(prev.max(wall))
    }
}

/// A clock that only moves when told: the deterministic clock of tests and conformance runs.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock { now: AtomicU64::new(start.0) }
    }
    /// Sets the time (it may not go backwards; earlier values are ignored).
    pub fn set(&self, t: Timestamp) {
        self.now.fetch_max(t.0, Ordering::SeqCst);
    }
    /// Moves the time forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: u64) {
        self.now.fetch_add(ms.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now.load(Ordering::SeqCst))
    }
}

/// Source of trace and span ids for a Call.
pub trait IdSource: Send + Sync + std::fmt::Debug {
    /// A new non-zero 16-byte trace id.
    fn trace_id(&self) -> [u8; 16];
    /// A new non-zero 8-byte span id.
    fn span_id(&self) -> [u8; 8];
}

/// Random ids (xorshift seeded from the OS-randomised std hasher, per thread).
#[derive(Debug, Default)]
pub struct RandomIds;

fn random_u64() -> u64 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7));
            h.finish() | 1
        });
    }
    STATE.with(|s| {
        // xorshift64*
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

impl IdSource for RandomIds {
    fn trace_id(&self) -> [u8; 16] {
        loop {
            let mut out = [0u8; 16];
            out[..8].copy_from_slice(&random_u64().to_be_bytes());
            out[8..].copy_from_slice(&random_u64().to_be_bytes());
            if out != [0; 16] {
                return out;
            }
        }
    }
    fn span_id(&self) -> [u8; 8] {
        loop {
            let v = random_u64();
            if v != 0 {
                return v.to_be_bytes();
            }
        }
    }
}

/// Deterministic ids: trace ids and span ids count up from values derived from `seed`,
/// so a scripted call gets the same ids on every run and in every language.
#[derive(Debug)]
pub struct SequentialIds {
    seed: u64,
    next_trace: AtomicU64,
    next_span: AtomicU64,
}

impl SequentialIds {
    /// A generator whose first trace id is `seed` (high half) / 1 (low half) and whose span ids
    /// are `seed << 32 | n` for n = 1, 2, ….
    pub fn new(seed: u64) -> Self {
        SequentialIds { seed, next_trace: AtomicU64::new(1), next_span: AtomicU64::new(1) }
    }
}

impl IdSource for SequentialIds {
    fn trace_id(&self) -> [u8; 16] {
        let n = self.next_trace.fetch_add(1, Ordering::SeqCst);
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.seed.to_be_bytes());
        out[8..].copy_from_slice(&n.to_be_bytes());
        out
    }
    fn span_id(&self) -> [u8; 8] {
        let n = self.next_span.fetch_add(1, Ordering::SeqCst);
        ((self.seed << 32) | (n & 0xffff_ffff)).to_be_bytes()
    }
}

/// The process-wide default clock.
pub fn system_clock() -> Arc<dyn Clock> {
    static CLOCK: std::sync::OnceLock<Arc<SystemClock>> = std::sync::OnceLock::new();
    CLOCK.get_or_init(|| Arc::new(SystemClock::default())).clone()
}

/// Lower-case hex of a byte slice (trace ids in metadata.json).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_format_truncates_millis_and_roundtrips() {
        let t = Timestamp(1_776_967_332_413_999_999);
        assert_eq!(t.to_iso8601(), "2026-04-23T18:02:12.413Z");
        let back = Timestamp::parse_iso8601("2026-04-23T18:02:12.413Z").unwrap();
        assert_eq!(back.as_millis(), 1_776_967_332_413);
        assert_eq!(Timestamp::parse_iso8601("2026-04-23T18:02:12+00:00").unwrap().as_millis() % 1000, 0);
        assert_eq!(Timestamp(0).to_iso8601(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn iso_parse_rejects_garbage() {
        for bad in [
            "",
            "2026",
            "2026-13-01T00:00:00Z",
            "2026-04-23T25:00:00Z",
            "2026-04-23T18:02:12.Z",
            "2026-04-23T18:02:12+02:00",
            "２０２６-04-23T18:02:12Z",
        ] {
            assert!(Timestamp::parse_iso8601(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn civil_roundtrip_across_leap_years() {
        for days in [-1000i64, 0, 59, 60, 11_016, 20_566, 50_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn system_clock_never_goes_back() {
        let c = SystemClock::default();
        let mut prev = c.now();
        for _ in 0..1000 {
            let n = c.now();
            assert!(n >= prev);
            prev = n;
        }
    }

    #[test]
    fn sequential_ids_are_deterministic_and_nonzero() {
        let a = SequentialIds::new(42);
        let b = SequentialIds::new(42);
        assert_eq!(a.trace_id(), b.trace_id());
        assert_eq!(a.span_id(), b.span_id());
        assert_ne!(a.span_id(), [0; 8]);
        let r = RandomIds;
        assert_ne!(r.span_id(), r.span_id());
    }
}
