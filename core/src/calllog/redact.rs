//! Phone-number redaction for metadata.json (`PATTER_LOG_REDACT_PHONE`).

use super::hash::{hmac_sha256_hex_prefix, sha256_hex_prefix};
use crate::config::PhoneRedaction;

/// Hex digits kept from the (keyed) hash.
const HASH_HEX: usize = 16;

impl PhoneRedaction {
    /// Redacts one number. `None` and the empty string give `None` (written as `null`).
    ///
    /// * `Mask`: `***` + the last 4 characters; values of 4 characters or fewer → `***`.
    /// * `Full`: verbatim.
    /// * `HashOnly`: `sha256:` + 16 hex of SHA-256(raw bytes); with a key
    ///   `hmac-sha256:` + 16 hex of HMAC-SHA256(key, raw bytes). The number is hashed verbatim
    ///   (no normalisation), as the reference SDK does.
    pub fn apply(&self, raw: Option<&str>) -> Option<String> {
        let raw = raw.filter(|r| !r.is_empty())?;
        Some(match self {
            PhoneRedaction::Full => raw.to_string(),
            PhoneRedaction::Mask => mask(raw),
            PhoneRedaction::HashOnly { key: None } => format!("sha256:{}", sha256_hex_prefix(raw.as_bytes(), HASH_HEX)),
            PhoneRedaction::HashOnly { key: Some(k) } => {
                format!("hmac-sha256:{}", hmac_sha256_hex_prefix(k.as_bytes(), raw.as_bytes(), HASH_HEX))
            }
        })
    }
}

/// `***` + last 4 characters (Unicode scalar values), or `***` for 4 characters or fewer.
pub fn mask(raw: &str) -> String {
    let n = raw.chars().count();
    if n <= 4 {
        return "***".to_string();
    }
    let tail: String = raw.chars().skip(n - 4).collect();
    format!("***{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HashKey;

    #[test]
    fn modes() {
        let m = PhoneRedaction::Mask;
        assert_eq!(m.apply(Some("+15555554567")).as_deref(), Some("***4567"));
        assert_eq!(m.apply(Some("4567")).as_deref(), Some("***"));
        assert_eq!(m.apply(Some("12")).as_deref(), Some("***"));
        assert_eq!(m.apply(Some("")), None);
        assert_eq!(m.apply(None), None);
        assert_eq!(m.apply(Some("+44 ☎ 12345")).as_deref(), Some("***2345"));
        assert_eq!(m.apply(Some("ab☎☎☎☎")).as_deref(), Some("***☎☎☎☎"));
        assert_eq!(PhoneRedaction::Full.apply(Some("+15555554567")).as_deref(), Some("+15555554567"));
        let h = PhoneRedaction::HashOnly { key: None }.apply(Some("abc")).unwrap();
        assert_eq!(h, "sha256:ba7816bf8f01cfea");
        let k = PhoneRedaction::HashOnly { key: HashKey::new(b"Jefe".to_vec()) };
        assert_eq!(k.apply(Some("what do ya want for nothing?")).unwrap(), "hmac-sha256:5bdcc146bf60754e");
        // Keyed and unkeyed hashes of the same number differ, and keys matter.
        let k2 = PhoneRedaction::HashOnly { key: HashKey::new(b"other".to_vec()) };
        let a = k.apply(Some("+15555554567")).unwrap();
        let b = k2.apply(Some("+15555554567")).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "hmac-sha256:".len() + 16);
    }
}
