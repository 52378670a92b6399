//! The seed (LOT1 §4.4): everything fixed before time(R) plus the beacon randomness.

use crate::hash::{Hash32, sha256, sha256_parts, to_hex};

/// `SHA-256("LOT1|SEED|" + lottery_id + "|" + roster_sha256 + "|" + params_sha256 + "|"
/// + ceremony_sha256 + "|" + beacon_randomness)`, all hashes as lowercase hex.
pub fn seed(
    lottery_id: &str,
    roster_sha256: &Hash32,
    params_sha256: &Hash32,
    ceremony_sha256: &Hash32,
    beacon_randomness: &Hash32,
) -> Hash32 {
    sha256_parts(&[
        b"LOT1|SEED|",
        lottery_id.as_bytes(),
        b"|",
        to_hex(roster_sha256).as_bytes(),
        b"|",
        to_hex(params_sha256).as_bytes(),
        b"|",
        to_hex(ceremony_sha256).as_bytes(),
        b"|",
        to_hex(beacon_randomness).as_bytes(),
    ])
}

/// Seed straight from the artefact bytes.
pub fn seed_from_files(
    lottery_id: &str,
    roster: &[u8],
    params: &[u8],
    ceremony: &[u8],
    beacon_randomness: &Hash32,
) -> Hash32 {
    seed(
        lottery_id,
        &sha256(roster),
        &sha256(params),
        &sha256(ceremony),
        beacon_randomness,
    )
}

/// `seed.txt`: 64 hex and LF.
pub fn seed_file(seed: &Hash32) -> Vec<u8> {
    let mut s = to_hex(seed).into_bytes();
    s.push(b'\n');
    s
}
