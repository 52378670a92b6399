//! RFC 6962 / RFC 9162 hashing: the 0x00 / 0x01 prefixes keep leaves and inner nodes apart,
//! so a 64-byte entry can never pose as an inner node (second preimage).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use crate::error::ProofError;

/// A SHA-256 digest: a leaf hash, an inner node hash or a tree root.
pub type Hash = [u8; 32];

/// Length of a [`Hash`](type@Hash) in bytes.
pub const HASH_LEN: usize = 32;

/// Root of the empty tree: SHA-256 of the empty string (`e3b0c442…b855`).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Leaf hash: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// Inner node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One contiguous 65-byte buffer: a single update is measurably faster than three.
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Converts bytes of unknown length (e.g. decoded from base64) into a [`Hash`](type@Hash).
pub fn hash_from_slice(bytes: &[u8]) -> Result<Hash, ProofError> {
    bytes
        .try_into()
        .map_err(|_| ProofError::HashLength { len: bytes.len() })
}

/// Standard base64 with padding, as used in checkpoints, proofs and receipts.
pub fn hash_to_base64(hash: &Hash) -> String {
    B64.encode(hash)
}

/// Strict inverse of [`hash_to_base64`]: canonical padded base64 of exactly 32 bytes.
pub fn hash_from_base64(text: &str) -> Result<Hash, ProofError> {
    let bytes = B64.decode(text).map_err(|_| ProofError::HashBase64)?;
    hash_from_slice(&bytes)
}

/// Lowercase hex, for logs and messages.
pub fn hash_to_hex(hash: &Hash) -> String {
    use std::fmt::Write as _;
    hash.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Inverse of [`hash_to_hex`] (either case); `None` unless exactly 64 hex digits.
pub fn hash_from_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
    }

    #[test]
    fn record_hash_hello_world() {
        // golang/mod sumdb/tlog RecordHash("hello world").
        assert_eq!(
            hash_to_base64(&leaf_hash(b"hello world")),
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="
        );
    }

    #[test]
    fn node_hash_matches_streaming_definition() {
        let (l, r) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l);
        h.update(r);
        assert_eq!(node_hash(&l, &r), <[u8; 32]>::from(h.finalize()));
    }

    #[test]
    fn base64_roundtrip_and_strictness() {
        let h = leaf_hash(b"x");
        assert_eq!(hash_from_base64(&hash_to_base64(&h)).unwrap(), h);
        assert_eq!(hash_from_hex(&hash_to_hex(&h)), Some(h));
        assert_eq!(hash_from_hex(&hash_to_hex(&h).to_uppercase()), Some(h));
        assert_eq!(hash_from_hex(&hash_to_hex(&h)[1..]), None);
        assert_eq!(hash_from_hex(&format!("{}g", &hash_to_hex(&h)[1..])), None);
        assert_eq!(hash_from_hex(&format!("+{}", &hash_to_hex(&h)[1..])), None);
        assert!(matches!(
            hash_from_base64("YWJjZGVm"),
            Err(ProofError::HashLength { len: 6 })
        ));
        assert!(matches!(
            hash_from_base64("not base64!"),
            Err(ProofError::HashBase64)
        ));
        // Missing padding is non-canonical.
        let unpadded = hash_to_base64(&h).trim_end_matches('=').to_string();
        assert!(hash_from_base64(&unpadded).is_err());
    }
}
