//! Call id → one safe, stable, non-colliding directory name.
//!
//! An id that is already safe stays verbatim: 1-64 bytes of `[A-Za-z0-9._-]`, not starting or
//! ending with `.` (so never `.` or `..`), and not a Windows reserved device name (`CON`, `NUL`,
//! `COM1`, `lpt9.txt`, …). Every other id becomes
//! `<readable prefix>@<16 hex of SHA-256(id)>`, where the prefix is the id with every character
//! outside the safe set replaced by `_`, cut to 48 characters, leading dots replaced by `_`
//! (`id` when nothing is left) and `_`-prefixed if its stem is a reserved name.
//!
//! Verbatim names never contain `@` and hashed names always do, so a verbatim name never equals a
//! hashed one; two hashed names collide only if 64 bits of SHA-256 do. The original id is kept
//! verbatim in metadata.json. Caveat: on case-insensitive file systems (macOS, Windows defaults)
//! two *verbatim* ids differing only in letter case share a directory.

use super::hash::sha256_hex_prefix;

/// Longest id kept verbatim.
pub const MAX_VERBATIM: usize = 64;
/// Longest readable prefix of a hashed name.
const PREFIX_LEN: usize = 48;
/// Hex digits of the hash suffix.
const HASH_HEX: usize = 16;

fn safe_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

fn is_reserved_stem(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    match stem.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        s if s.len() == 4 && (s.starts_with("COM") || s.starts_with("LPT")) => s.as_bytes()[3].is_ascii_digit(),
        _ => false,
    }
}

/// Whether `id` is used verbatim as its directory name.
pub fn is_verbatim_safe(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_VERBATIM
        && id.bytes().all(safe_byte)
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !is_reserved_stem(id)
}

/// The directory name of call `id` (see the module documentation).
pub fn safe_segment(id: &str) -> String {
    if is_verbatim_safe(id) {
        return id.to_string();
    }
    let mut prefix: String =
        id.chars().take(PREFIX_LEN).map(|c| if c.is_ascii() && safe_byte(c as u8) { c } else { '_' }).collect();
    let leading_dots = prefix.bytes().take_while(|b| *b == b'.').count();
    if leading_dots > 0 {
        prefix.replace_range(..leading_dots, &"_".repeat(leading_dots));
    }
    if prefix.is_empty() {
        prefix.push_str("id");
    }
    if is_reserved_stem(&prefix) {
        prefix.insert(0, '_');
    }
    format!("{prefix}@{}", sha256_hex_prefix(id.as_bytes(), HASH_HEX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn assert_safe(name: &str) {
        assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
        assert!(name != "." && name != "..", "{name:?}");
        assert!(!name.starts_with('.') && !name.ends_with('.'), "{name:?}");
        assert!(name.bytes().all(|b| safe_byte(b) || b == b'@'), "{name:?}");
        assert!(!is_reserved_stem(name), "{name:?}");
    }

    #[test]
    fn hostile_ids() {
        let long = "x".repeat(10 * 1024);
        let cases = [
            "../../etc/passwd",
            "a/b",
            "a\\b",
            "..",
            ".",
            "",
            "a\0b",
            long.as_str(),
            "llamada-ñ-通话",
            "CON",
            "con.txt",
            "Lpt1",
            "nul",
            "COM9.log",
            "..hidden",
            "trailing.",
            " spaced ",
            "CA/../x y",
        ];
        let mut seen = HashMap::new();
        for id in cases {
            let s = safe_segment(id);
            assert_safe(&s);
            assert_eq!(s, safe_segment(id), "stable");
            assert!(s.contains('@'), "{id:?} must be hashed, got {s}");
            assert!(seen.insert(s.clone(), id).is_none(), "collision on {s}");
        }
        assert!(safe_segment("../../etc/passwd").starts_with("___.._etc_passwd@"));
        assert!(safe_segment("con.txt").starts_with("_con.txt@"));
        assert!(safe_segment(&long).len() <= PREFIX_LEN + 1 + HASH_HEX);
    }

    #[test]
    fn safe_ids_stay_verbatim() {
        for id in
            ["CA9a2b3c4d", "call-1", "a.b_c-d", "v3:0".replace(':', "-").as_str(), "COM10", "CONSOLE", &"y".repeat(64)]
        {
            assert_eq!(safe_segment(id), id);
        }
        assert_ne!(safe_segment(&"y".repeat(65)), "y".repeat(65));
    }

    /// Property test: distinct ids never share a directory; every name is safe; sanitised
    /// look-alikes (`a/b` vs `a_b`, long ids with a common prefix) stay apart.
    #[test]
    fn property_distinct_ids_distinct_names() {
        let alphabet: Vec<char> = "aZ09._-/\\\0 @~é通.\u{2028}:".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut names: HashMap<String, String> = HashMap::new();
        for i in 0..20_000 {
            let len = match i % 10 {
                0 => 60 + (next() % 10) as usize, // around the verbatim limit
                1 => 200,
                _ => (next() % 12) as usize,
            };
            let id: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let name = safe_segment(&id);
            assert_safe(&name);
            if let Some(prev) = names.insert(name.clone(), id.clone()) {
                assert_eq!(prev, id, "distinct ids {prev:?} and {id:?} collide on {name}");
            }
        }
        // Deliberate look-alikes.
        let pairs = [("a/b", "a_b"), ("a b", "a_b"), ("x", "x@"), (".", "_")];
        for (a, b) in pairs {
            assert_ne!(safe_segment(a), safe_segment(b), "{a:?} vs {b:?}");
        }
        let base = "p".repeat(100);
        assert_ne!(safe_segment(&format!("{base}1")), safe_segment(&format!("{base}2")));
    }
}
