//! The byte-level writer behind the direct OTLP-JSON encoder (`wire`): appends literals, escaped
//! strings, integers, doubles and hex ids to one reused `String`, with serde_json's exact output.
//!
//! Space is reserved once per piece of the request (a span's fixed fields, one attribute) for
//! the most that piece can take, escaping included; the writes inside that room copy bytes
//! without a capacity check each, and short strings (keys, values, ids: mostly under 32 bytes)
//! with a few unaligned loads and stores instead of a `memcpy` call.

use std::ptr;

/// Extra room kept past every reservation: the short-string copies may store up to this many
/// bytes beyond the end of what they write (never read past the end of their source).
const SLACK: usize = 32;

/// Room a string of `len` bytes can take once escaped (`\u00XX` is six bytes per byte).
pub(crate) const fn escaped_room(len: usize) -> usize {
    6 * len
}

/// Appends to a `String`, one reservation at a time.
///
/// Invariant: everything appended is whole UTF-8 strings or ASCII, so the `String` stays valid.
/// Every `unsafe` write below relies on the reservation made by [`room`](Self::room) before it:
/// the caller reserves at least the bytes the writes until the next `room` add up to.
///
/// The write position is a pointer into the buffer's spare capacity, kept in a register by the
/// inlined writes; the `Vec`'s length catches up at each reservation and when the writer is
/// dropped.
pub(crate) struct JsonWriter<'a> {
    buf: &'a mut Vec<u8>,
    /// Where the next byte goes: `buf`'s data pointer plus the bytes written so far.
    at: *mut u8,
    /// End of `buf`'s capacity, or of the first `chunk` bytes when streaming.
    end: *mut u8,
    /// Streaming: the buffer is handed to `out` and emptied whenever a reservation would take
    /// it past `chunk` bytes, so that it stays small enough to be in the CPU's cache when it
    /// is written out (see [`streaming`](Self::streaming)).
    stream: Option<Stream<'a>>,
    /// Bytes still reserved (not counting [`SLACK`]): checked in debug builds.
    #[cfg(debug_assertions)]
    left: usize,
}

/// Where a streaming writer hands its buffer, and its first error.
struct Stream<'a> {
    out: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    chunk: usize,
    error: Option<std::io::Error>,
}

impl Drop for JsonWriter<'_> {
    fn drop(&mut self) {
        self.sync();
    }
}

impl<'a> JsonWriter<'a> {
    /// A writer appending to `out`.
    pub(crate) fn new(out: &'a mut String) -> Self {
        // SAFETY: only whole UTF-8 strings and ASCII are appended (see the type's invariant).
        let buf = unsafe { out.as_mut_vec() };
        let (at, end) = Self::bounds(buf, usize::MAX);
        JsonWriter {
            buf,
            at,
            end,
            stream: None,
            #[cfg(debug_assertions)]
            left: 0,
        }
    }

    /// A writer that hands `out` what it wrote, in pieces of about `chunk` bytes: whenever a
    /// reservation would take `out` past `chunk` bytes its content goes to `to` and it is
    /// emptied. What is left at the end stays in `out`. After an error
    /// from `out` nothing more is handed over; [`finish`](Self::finish) returns the error.
    pub(crate) fn streaming(
        out: &'a mut String,
        chunk: usize,
        to: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Self {
        out.reserve(chunk + SLACK);
        let mut w = Self::new(out);
        w.stream = Some(Stream { out: to, chunk, error: None });
        (w.at, w.end) = Self::bounds(w.buf, chunk);
        w
    }

    /// Ends the writer: the first error its `out` returned, if any.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        match self.stream.as_mut().and_then(|s| s.error.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The write position and the end of the room: the capacity, or at most `limit` bytes
    /// (but at least the capacity's first `len` bytes).
    fn bounds(buf: &mut Vec<u8>, limit: usize) -> (*mut u8, *mut u8) {
        let base = buf.as_mut_ptr();
        let end = buf.capacity().min(limit.max(buf.len()));
        // SAFETY: `len` and `end` are within (or one past) the allocation.
        unsafe { (base.add(buf.len()), base.add(end)) }
    }

    /// Sets the `Vec`'s length to the bytes written.
    fn sync(&mut self) {
        // SAFETY: `at` lies between the data pointer and the end of the capacity, and every byte
        // before it was written (see `put`, `lit`, `byte`, `uint`, `hex`).
        unsafe {
            let len = self.at.offset_from(self.buf.as_ptr()) as usize;
            self.buf.set_len(len);
        }
    }

    /// Reserves room for `n` more bytes (plus the slack the short copies may overwrite).
    #[inline(always)]
    pub(crate) fn room(&mut self, n: usize) {
        if (self.end as usize) - (self.at as usize) < n + SLACK {
            self.grow(n + SLACK);
        }
        #[cfg(debug_assertions)]
        {
            self.left = n;
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, n: usize) {
        self.sync();
        let mut limit = usize::MAX;
        if let Some(s) = self.stream.as_mut() {
            if !self.buf.is_empty() && self.buf.len() + n > s.chunk {
                if s.error.is_none() {
                    if let Err(e) = (s.out)(self.buf) {
                        s.error = Some(e);
                    }
                }
                self.buf.clear();
            }
            limit = s.chunk.max(n);
        }
        self.buf.reserve(n);
        (self.at, self.end) = Self::bounds(self.buf, limit);
    }

    #[inline(always)]
    fn spend(&mut self, _n: usize) {
        #[cfg(debug_assertions)]
        {
            assert!(_n <= self.left, "JsonWriter: {} bytes written with {} reserved", _n, self.left);
            self.left -= _n;
        }
    }

    /// Appends bytes known to be valid UTF-8 or ASCII, within the reserved room.
    #[inline(always)]
    fn put(&mut self, b: &[u8]) {
        self.spend(b.len());
        // SAFETY: `room` reserved `b.len() + SLACK` bytes past `at` (checked in debug builds);
        // `copy_short` stores at most `SLACK` bytes past the copy's end, reads none past `b`.
        unsafe {
            copy_short(self.at, b.as_ptr(), b.len());
            self.at = self.at.add(b.len());
        }
    }

    /// Appends a literal (ASCII or UTF-8), within the reserved room.
    #[inline(always)]
    pub(crate) fn lit(&mut self, s: &'static str) {
        self.spend(s.len());
        // SAFETY: as in `put`; the length is a constant, so this compiles to plain moves.
        unsafe {
            ptr::copy_nonoverlapping(s.as_ptr(), self.at, s.len());
            self.at = self.at.add(s.len());
        }
    }

    /// Appends one ASCII byte, within the reserved room.
    #[inline(always)]
    pub(crate) fn byte(&mut self, b: u8) {
        debug_assert!(b.is_ascii());
        self.spend(1);
        // SAFETY: as in `put`.
        unsafe {
            *self.at = b;
            self.at = self.at.add(1);
        }
    }

    /// A string's body with serde_json's escaping (`"`, `\\`, `\b \f \n \r \t`, other control
    /// characters as `\u00XX`; everything else, non-ASCII included, as is), no quotes. Needs
    /// [`escaped_room`] of its length reserved.
    #[inline(always)]
    pub(crate) fn str_body(&mut self, s: &str) {
        let bytes = s.as_bytes();
        #[cfg(target_arch = "x86_64")]
        if (16..=32).contains(&bytes.len()) {
            // Most keys: checked and copied as two overlapping 16-byte vectors (SSE2, always
            // there on x86-64), loaded once.
            use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};
            let n = bytes.len();
            // SAFETY: both loads lie within `bytes` (16 <= n); the stores within the room
            // reserved for `n` bytes (as in `put`).
            unsafe {
                let a = _mm_loadu_si128(bytes.as_ptr() as *const __m128i);
                let b = _mm_loadu_si128(bytes.as_ptr().add(n - 16) as *const __m128i);
                if escape_mask(a) | escape_mask(b) == 0 {
                    self.spend(n);
                    _mm_storeu_si128(self.at as *mut __m128i, a);
                    _mm_storeu_si128(self.at.add(n - 16) as *mut __m128i, b);
                    self.at = self.at.add(n);
                    return;
                }
            }
            return self.escape(bytes);
        }
        // Fast path: nothing to escape (ids, keys, provider names, most texts).
        if !needs_escape(bytes) {
            self.put(bytes);
        } else {
            self.escape(bytes);
        }
    }

    #[cold]
    fn escape(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0x00..=0x1f => b"",
                _ => continue,
            };
            // Escaped bytes are ASCII, so `start..i` falls on character boundaries.
            self.put(&bytes[start..i]);
            if esc.is_empty() {
                self.put(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            } else {
                self.put(esc);
            }
            start = i + 1;
        }
        self.put(&bytes[start..]);
    }

    /// An unsigned integer in decimal (what `Display` writes), digits written in place, two at
    /// a time. Needs 20 bytes reserved.
    #[inline(always)]
    pub(crate) fn uint(&mut self, n: u64) {
        let digits = decimal_len(n);
        self.spend(digits);
        // SAFETY: `digits` (at most 20) bytes reserved past `at` (as in `put`); every byte
        // written is an ASCII digit, at offsets below `digits`.
        unsafe {
            write_decimal(self.at, digits, n);
            self.at = self.at.add(digits);
        }
    }

    /// A signed integer in decimal (what `Display` writes). Needs 20 bytes reserved.
    #[inline(always)]
    pub(crate) fn int(&mut self, n: i64) {
        if n < 0 {
            self.byte(b'-');
        }
        self.uint(n.unsigned_abs());
    }

    /// A finite double as serde_json writes it: shortest round-trip digits (ryu), an exponent
    /// with its sign. Needs 25 bytes reserved.
    pub(crate) fn finite_f64(&mut self, f: f64) {
        if let Some((m, k)) = short_decimal(f) {
            // What ryu writes for these: the digits with the point `k` from the right ("0."
            // and zeros in front when under 1), ".0" after a whole number.
            if f < 0.0 {
                self.byte(b'-');
            }
            let scale = POW10_U64[k];
            self.uint(m / scale);
            self.byte(b'.');
            if k == 0 {
                self.byte(b'0');
            } else {
                let frac = m % scale;
                let digits = decimal_len(frac);
                for _ in digits..k {
                    self.byte(b'0');
                }
                self.uint(frac);
            }
            return;
        }
        let mut b = ryu::Buffer::new();
        let text = b.format_finite(f).as_bytes();
        match text.iter().position(|&c| c == b'e') {
            Some(e) if text.get(e + 1) != Some(&b'-') => {
                self.put(&text[..=e]);
                self.byte(b'+');
                self.put(&text[e + 1..]);
            }
            _ => self.put(text),
        }
    }

    /// Lowercase hex of an id (8 or 16 bytes), two digits per table lookup. Needs twice its
    /// length reserved.
    #[inline(always)]
    pub(crate) fn hex(&mut self, bytes: &[u8]) {
        let n = 2 * bytes.len();
        self.spend(n);
        // SAFETY: `2 * bytes.len()` bytes reserved past `at` (as in `put`); every byte written
        // comes from `HEX_PAIRS`, all ASCII.
        unsafe {
            for (i, &b) in bytes.iter().enumerate() {
                ptr::copy_nonoverlapping(HEX_PAIRS[b as usize].as_ptr(), self.at.add(2 * i), 2);
            }
            self.at = self.at.add(n);
        }
    }
}

/// Most decimals after the point [`short_decimal`] tries.
const SHORT_DECIMALS: usize = 7;
const POW10_F64: [f64; SHORT_DECIMALS + 1] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
const POW10_U64: [u64; SHORT_DECIMALS + 1] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// `|f|` as `m / 10^k` with the fewest decimals `k` (at most [`SHORT_DECIMALS`]) that parse back
/// to `f`, when there are such `m < 10^15` and `1e-5 <= |f| < 1e15`: the values the core writes
/// (latencies rounded to 0.1 ms, costs rounded to a few decimals), which ryu prints as exactly
/// these digits in plain notation.
///
/// Why the digits are ryu's: `m / 10^k` is computed exactly rounded (both are exact doubles),
/// so it equals `f` exactly when the decimal parses to `f`. A decimal of at most 15 significant
/// digits is the only one of its length that parses to its double (15 = `f64::DIGITS`), and one
/// with fewer decimals would have been found at a smaller `k` (`|f| * 10^k` is within 0.35 of
/// it, so rounding finds it), so this is the shortest round-trip decimal, which ryu prints;
/// ryu's notation is plain (not exponent) for `1e-5 <= |f| < 1e16`.
#[inline]
fn short_decimal(f: f64) -> Option<(u64, usize)> {
    let a = f.abs();
    if !(1e-5..1e15).contains(&a) {
        return None;
    }
    for (k, p) in POW10_F64.iter().enumerate() {
        let scaled = a * p;
        if scaled >= 1e15 {
            return None;
        }
        // Rounded to nearest (`scaled` is within 0.35 of the integer sought, see above): the
        // conversion truncates, and is one instruction where `round` is a libm call.
        let m = (scaled + 0.5) as u64;
        if m as f64 / p == a {
            return Some((m, k));
        }
    }
    None
}

/// `DIGIT_PAIRS[n]`: the two decimal digits of `n` (0..100).
static DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// `POW10[i]` = 10^i.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Number of decimal digits of `n` (1 for 0): from its bit length (log10(2) ~ 1233 / 4096,
/// which is one under or exact), corrected by one comparison.
#[inline(always)]
fn decimal_len(n: u64) -> usize {
    let bits = 64 - (n | 1).leading_zeros() as usize;
    let guess = (bits * 1233) >> 12; // digits - 1 or digits
    if guess < 20 && n >= POW10[guess] {
        guess + 1
    } else {
        guess.max(1)
    }
}

/// Writes the `digits` decimal digits of `n` at `dst`, last first: eight at a time in `u32`
/// arithmetic, two per table lookup.
///
/// # Safety
/// `dst` is writable for `digits` bytes, and `digits == decimal_len(n)`.
#[inline(always)]
unsafe fn write_decimal(dst: *mut u8, digits: usize, mut n: u64) {
    let mut end = digits;
    let pair = |at: usize, v: u32| {
        ptr::copy_nonoverlapping(DIGIT_PAIRS[v as usize].as_ptr(), dst.add(at), 2);
    };
    while n >= 100_000_000 {
        let chunk = (n % 100_000_000) as u32;
        n /= 100_000_000;
        let (hi, lo) = (chunk / 10_000, chunk % 10_000);
        pair(end - 2, lo % 100);
        pair(end - 4, lo / 100);
        pair(end - 6, hi % 100);
        pair(end - 8, hi / 100);
        end -= 8;
    }
    let mut m = n as u32;
    while m >= 100 {
        pair(end - 2, m % 100);
        m /= 100;
        end -= 2;
    }
    if m >= 10 {
        pair(end - 2, m);
    } else {
        *dst.add(end - 1) = b'0' + m as u8;
    }
}

/// `HEX_PAIRS[b]`: the two lowercase hex digits of `b`.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    t
};

/// Copies `n` bytes from `src` to `dst`: up to 32 bytes with two overlapping unaligned
/// loads/stores of the largest width that fits, longer with `memcpy`.
///
/// # Safety
/// `src` is readable for `n` bytes and `dst` writable for `n` bytes; they do not overlap.
#[inline(always)]
unsafe fn copy_short(dst: *mut u8, src: *const u8, n: usize) {
    macro_rules! two {
        ($t:ty) => {{
            const W: usize = std::mem::size_of::<$t>();
            let a = ptr::read_unaligned(src as *const $t);
            let b = ptr::read_unaligned(src.add(n - W) as *const $t);
            ptr::write_unaligned(dst as *mut $t, a);
            ptr::write_unaligned(dst.add(n - W) as *mut $t, b);
        }};
    }
    if n > 32 {
        ptr::copy_nonoverlapping(src, dst, n);
    } else if n >= 16 {
        two!(u128)
    } else if n >= 8 {
        two!(u64)
    } else if n >= 4 {
        two!(u32)
    } else if n > 0 {
        *dst = *src;
        *dst.add(n / 2) = *src.add(n / 2);
        *dst.add(n - 1) = *src.add(n - 1);
    }
}

/// A bit per byte of `v` that is a control character, `"` or `\\`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn escape_mask(v: std::arch::x86_64::__m128i) -> i32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64; these only compute on registers.
    unsafe {
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Unsigned `byte <= 0x1f`: max(byte, 0x1f) is 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
    }
}

/// Whether any of the eight bytes of `v` is a control character, `"` or `\\` (the classic
/// "has byte less than / has zero byte" bit tricks, exact for these values).
#[inline(always)]
fn escapes_in(v: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = v.wrapping_sub(ONES * 0x20) & !v & HIGH;
    control | has_zero(v ^ (ONES * b'"' as u64)) | has_zero(v ^ (ONES * b'\\' as u64)) != 0
}

/// Whether any byte is a control character, `"` or `\\`: eight bytes at a time, the last
/// eight overlapping the ones before (a string under eight bytes is read as overlapping
/// halves, or as its first, middle and last bytes padded with spaces when under four).
#[inline(always)]
pub(crate) fn needs_escape(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([b' '; 8]));
    if n < 8 {
        let v = if n >= 4 {
            let lo = u32::from_le_bytes(bytes[..4].try_into().unwrap_or([b' '; 4])) as u64;
            let hi = u32::from_le_bytes(bytes[n - 4..].try_into().unwrap_or([b' '; 4])) as u64;
            lo | (hi << 32)
        } else if n > 0 {
            // The first, middle and last bytes (they overlap under three) and spaces.
            let (a, b, c) = (bytes[0] as u64, bytes[n / 2] as u64, bytes[n - 1] as u64);
            a | (b << 8) | (c << 16) | (u64::from_le_bytes([b' '; 8]) & !0xff_ffff)
        } else {
            return false;
        };
        return escapes_in(v);
    }
    let mut i = 0;
    while i + 8 <= n {
        if escapes_in(word(i)) {
            return true;
        }
        i += 8;
    }
    i < n && escapes_in(word(n - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut JsonWriter<'_>)) -> String {
        let mut s = String::from(">");
        f(&mut JsonWriter::new(&mut s));
        s
    }

    #[test]
    fn a_streaming_writer_hands_out_everything_in_pieces_of_about_its_chunk() {
        let piece: String = (0..50u8).map(|i| (b'a' + i % 26) as char).collect();
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        let mut to = |b: &[u8]| {
            pieces.push(b.to_vec());
            Ok(())
        };
        let mut buf = String::new();
        let mut w = JsonWriter::streaming(&mut buf, 256, &mut to);
        for i in 0..100 {
            w.room(60 + if i == 50 { 1000 } else { 0 });
            w.str_body(&piece);
            if i == 50 {
                w.str_body(&"z".repeat(1000)); // more than a chunk in one reservation
            }
        }
        w.finish().unwrap();
        let mut all: Vec<u8> = pieces.concat();
        assert!(pieces.len() > 10 && pieces.iter().all(|p| p.len() <= 1100), "{}", pieces.len());
        all.extend_from_slice(buf.as_bytes());
        let mut expect = String::new();
        for i in 0..100 {
            expect.push_str(&piece);
            if i == 50 {
                expect.push_str(&"z".repeat(1000));
            }
        }
        assert_eq!(String::from_utf8(all).unwrap(), expect);
    }

    #[test]
    fn a_streaming_writer_reports_the_first_error_and_hands_out_nothing_after_it() {
        let mut calls = 0;
        let mut to = |_: &[u8]| {
            calls += 1;
            Err(std::io::Error::other(format!("full {calls}")))
        };
        let mut buf = String::new();
        let mut w = JsonWriter::streaming(&mut buf, 64, &mut to);
        for _ in 0..100 {
            w.room(40);
            w.lit("0123456789012345678901234567890123456789");
        }
        assert_eq!(w.finish().unwrap_err().to_string(), "full 1");
    }

    #[test]
    fn short_copies_of_every_length_are_exact() {
        let src: String = (0..200u8).map(|i| (b'a' + i % 26) as char).collect();
        for n in 0..=200 {
            let out = written(|w| {
                w.room(n);
                w.str_body(&src[..n]);
            });
            assert_eq!(&out[1..], &src[..n], "{n}");
        }
    }

    #[test]
    fn escape_detection_matches_a_byte_scan() {
        for len in 0..=20 {
            for pos in 0..len {
                for b in (0u8..0x80).chain([0xC3, 0xFF]) {
                    let mut v = vec![b'a'; len];
                    v[pos] = b;
                    let expect = v.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
                    assert_eq!(needs_escape(&v), expect, "{v:?}");
                }
            }
        }
    }

    #[test]
    fn hex_pairs_and_ints() {
        let out = written(|w| {
            w.room(64);
            w.hex(&[0x00, 0x0f, 0xa5, 0xff]);
            w.byte(b' ');
            w.uint(u64::MAX);
            w.byte(b' ');
            w.int(i64::MIN);
        });
        assert_eq!(out, ">000fa5ff 18446744073709551615 -9223372036854775808");
    }

    #[test]
    fn short_decimals_are_written_as_ryu_writes_them() {
        // Every scale the fast path takes and the ones around it, with 1 to 17 digits (the
        // fast path stops at 15), both signs, against serde_json (ryu).
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut values = vec![1e-5, 0.99999e-5, 1e15, 999_999_999_999_999.0, 0.1 + 0.2, 1.0 / 3.0];
        for k in 0..=10 {
            for digits in 1..=17u32 {
                for _ in 0..200 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let m = x % 10u64.pow(digits);
                    let v = m as f64 / 10f64.powi(k);
                    values.extend([v, -v]);
                }
            }
        }
        for v in values {
            let out = written(|w| {
                w.room(32);
                w.finite_f64(v);
            });
            assert_eq!(out[1..], serde_json::to_string(&v).unwrap(), "{v:e}");
        }
    }

    #[test]
    fn decimal_lengths_at_every_power_of_ten() {
        for d in 1..=20u32 {
            let lo = if d == 1 { 0 } else { 10u64.pow(d - 1) };
            let hi = if d == 20 { u64::MAX } else { 10u64.pow(d) - 1 };
            for n in [lo, lo + 1, hi - 1, hi, lo / 2 + hi / 2] {
                assert_eq!(decimal_len(n), n.to_string().len(), "{n}");
            }
        }
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        let mut values: Vec<u64> = vec![0, 1, 9, 10, 99, 100, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(q) = p.checked_mul(10) {
            values.extend([p - 1, p, p + 1, q - 1]);
            p = q;
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.extend([x, x >> 20, x >> 40, x % 1000]);
        }
        for v in values {
            assert_eq!(
                written(|w| {
                    w.room(20);
                    w.uint(v);
                }),
                format!(">{v}")
            );
            let i = v as i64;
            assert_eq!(
                written(|w| {
                    w.room(21);
                    w.int(i);
                }),
                format!(">{i}")
            );
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "reserved")]
    fn writing_past_the_reservation_is_caught_in_debug_builds() {
        written(|w| {
            w.room(3);
            w.lit("four");
        });
    }
}
