//! SHA-256 / HMAC-SHA256 helpers shared by redaction and call-id folding.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Lower-case hex of the first `n_hex` hex digits of SHA-256(`data`).
pub fn sha256_hex_prefix(data: &[u8], n_hex: usize) -> String {
    let digest = Sha256::digest(data);
    truncate_hex(&crate::clock::hex(&digest), n_hex)
}

/// Lower-case hex of the first `n_hex` hex digits of HMAC-SHA256(`key`, `data`).
pub fn hmac_sha256_hex_prefix(key: &[u8], data: &[u8], n_hex: usize) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return sha256_hex_prefix(data, n_hex),
    };
    mac.update(data);
    truncate_hex(&crate::clock::hex(&mac.finalize().into_bytes()), n_hex)
}

fn truncate_hex(s: &str, n: usize) -> String {
    s[..n.min(s.len())].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // SHA-256("abc")
        assert_eq!(sha256_hex_prefix(b"abc", 16), "ba7816bf8f01cfea");
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assert_eq!(hmac_sha256_hex_prefix(b"Jefe", b"what do ya want for nothing?", 16), "5bdcc146bf60754e");
    }
}
