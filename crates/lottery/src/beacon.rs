//! drand beacons, verified offline against pinned chain parameters (LOT1 §2, §4.7 step 3).
//!
//! Quicknet (`bls-unchained-g1-rfc9380`) signs SHA-256(round_be); the chained mainnet
//! (`pedersen-bls-chained`) signs SHA-256(previous_signature ‖ round_be). In both,
//! `randomness = SHA-256(signature)`. The BLS pairing check is `drand-verify` 0.6.2.

use drand_verify::{G1Pubkey, G2PubkeyRfc, Pubkey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hash::{Hash32, parse_hex_lower, parse_hex32, sha256, sha256_parts, to_hex};
use crate::params::{Fallback, SCHEME_CHAINED, SCHEME_QUICKNET};

/// A drand network whose parameters the tool carries, so a verifier can warn when
/// `params.txt` pins something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chain {
    pub name: &'static str,
    pub scheme: &'static str,
    pub chain_hash: &'static str,
    pub public_key: &'static str,
    pub genesis_unix: i64,
    pub period_secs: i64,
}

pub const QUICKNET: Chain = Chain {
    name: "quicknet",
    scheme: SCHEME_QUICKNET,
    chain_hash: "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key: "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    genesis_unix: 1_692_803_367,
    period_secs: 3,
};

pub const MAINNET_DEFAULT: Chain = Chain {
    name: "mainnet-default",
    scheme: SCHEME_CHAINED,
    chain_hash: "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    public_key: "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31",
    genesis_unix: 1_595_431_050,
    period_secs: 30,
};

pub const PINNED: [Chain; 2] = [QUICKNET, MAINNET_DEFAULT];

pub fn pinned_chain(chain_hash: &Hash32) -> Option<&'static Chain> {
    PINNED.iter().find(|c| c.chain_hash == to_hex(chain_hash))
}

impl Chain {
    /// `time(r) = genesis + (r − 1)·period`.
    pub fn time_of_round(&self, round: u64) -> i64 {
        let r = i64::try_from(round).unwrap_or(i64::MAX);
        self.genesis_unix
            .saturating_add(r.saturating_sub(1).saturating_mul(self.period_secs))
    }

    /// `round(t) = floor((t − genesis)/period) + 1` (0 before genesis).
    pub fn round_at(&self, unix: i64) -> u64 {
        if unix < self.genesis_unix {
            return 0;
        }
        u64::try_from((unix - self.genesis_unix) / self.period_secs + 1).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BeaconError {
    #[error(
        "签名长度错误：应为 {expected} 字节，实为 {got} 字节 / invalid signature length: expected {expected} bytes, got {got}"
    )]
    SignatureLength { expected: usize, got: usize },
    #[error("无效的曲线点（{0}）/ invalid point ({0})")]
    InvalidPoint(String),
    #[error("BLS 签名验证失败 / BLS signature does not verify")]
    SignatureMismatch,
    #[error(
        "randomness 字段不等于 SHA-256(signature) / randomness field is not SHA-256(signature)"
    )]
    RandomnessMismatch,
    #[error("链式信标缺少 previous_signature / chained beacon lacks previous_signature")]
    MissingPreviousSignature,
    #[error("未知的信标方案“{0}”/ unknown beacon scheme '{0}'")]
    UnknownScheme(String),
    #[error("beacon.json 格式错误：{0} / malformed beacon.json: {0}")]
    Malformed(String),
    #[error(
        "信标与 params.txt 的固定值不符：{0} / beacon does not match the values pinned in params.txt: {0}"
    )]
    PinMismatch(String),
}

/// Verifies one drand beacon and returns its randomness, SHA-256(signature).
pub fn verify_drand(
    scheme: &str,
    public_key: &[u8],
    round: u64,
    signature: &[u8],
    previous_signature: &[u8],
) -> Result<Hash32, BeaconError> {
    let ok = match scheme {
        SCHEME_QUICKNET => {
            if signature.len() != 48 {
                return Err(BeaconError::SignatureLength {
                    expected: 48,
                    got: signature.len(),
                });
            }
            let pk: [u8; 96] = public_key.try_into().map_err(|_| {
                BeaconError::InvalidPoint(format!("public key of {} bytes", public_key.len()))
            })?;
            let pk = G2PubkeyRfc::from_fixed(pk)
                .map_err(|e| BeaconError::InvalidPoint(e.to_string()))?;
            pk.verify(round, b"", signature)
        }
        SCHEME_CHAINED => {
            if signature.len() != 96 {
                return Err(BeaconError::SignatureLength {
                    expected: 96,
                    got: signature.len(),
                });
            }
            if previous_signature.is_empty() {
                return Err(BeaconError::MissingPreviousSignature);
            }
            let pk: [u8; 48] = public_key.try_into().map_err(|_| {
                BeaconError::InvalidPoint(format!("public key of {} bytes", public_key.len()))
            })?;
            let pk =
                G1Pubkey::from_fixed(pk).map_err(|e| BeaconError::InvalidPoint(e.to_string()))?;
            pk.verify(round, previous_signature, signature)
        }
        other => return Err(BeaconError::UnknownScheme(other.to_owned())),
    };
    match ok {
        Ok(true) => Ok(sha256(signature)),
        Ok(false) => Err(BeaconError::SignatureMismatch),
        Err(e) => Err(BeaconError::InvalidPoint(e.to_string())),
    }
}

/// `beacon.json`: a drand beacon, or (only if `params.txt` declares one) a fallback value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beacon {
    Drand {
        chain_hash: Hash32,
        round: u64,
        signature: Vec<u8>,
        previous_signature: Option<Vec<u8>>,
        /// As stated in the file; a verifier recomputes it and compares.
        randomness: Option<Hash32>,
    },
    /// `{"scheme": "fallback", "value": "…"}`; randomness = SHA-256("LOT1|FALLBACK|" + value).
    Fallback { value: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBeacon {
    chain_hash: Option<String>,
    round: Option<u64>,
    randomness: Option<String>,
    signature: Option<String>,
    previous_signature: Option<String>,
    scheme: Option<String>,
    value: Option<String>,
}

#[derive(Serialize)]
struct OutDrand<'a> {
    chain_hash: &'a str,
    round: u64,
    randomness: &'a str,
    signature: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_signature: Option<&'a str>,
}

fn malformed(s: &str) -> BeaconError {
    BeaconError::Malformed(s.to_owned())
}

impl Beacon {
    pub fn parse(bytes: &[u8]) -> Result<Self, BeaconError> {
        if bytes.starts_with(b"\xef\xbb\xbf") || bytes.contains(&b'\r') {
            return Err(malformed("BOM or CR"));
        }
        let raw: RawBeacon =
            serde_json::from_slice(bytes).map_err(|e| BeaconError::Malformed(e.to_string()))?;
        if raw.scheme.as_deref() == Some("fallback") {
            let only_value = raw.chain_hash.is_none()
                && raw.round.is_none()
                && raw.randomness.is_none()
                && raw.signature.is_none()
                && raw.previous_signature.is_none();
            let value = raw
                .value
                .filter(|v| !v.is_empty() && only_value)
                .ok_or_else(|| malformed("fallback beacon needs exactly scheme and value"))?;
            return Ok(Self::Fallback { value });
        }
        if raw.scheme.is_some() || raw.value.is_some() {
            return Err(malformed("scheme/value are only for fallback beacons"));
        }
        let hexf = |f: Option<String>, name: &str| -> Result<Option<Vec<u8>>, BeaconError> {
            f.map(|s| {
                parse_hex_lower(&s)
                    .ok_or_else(|| BeaconError::Malformed(format!("{name} is not lowercase hex")))
            })
            .transpose()
        };
        let chain_hash = raw
            .chain_hash
            .as_deref()
            .and_then(parse_hex32)
            .ok_or_else(|| malformed("chain_hash must be 64 lowercase hex"))?;
        let round = raw
            .round
            .filter(|r| *r >= 1)
            .ok_or_else(|| malformed("round ≥ 1 is required"))?;
        let signature =
            hexf(raw.signature, "signature")?.ok_or_else(|| malformed("signature is required"))?;
        let previous_signature = hexf(raw.previous_signature, "previous_signature")?;
        let randomness = match raw.randomness {
            None => None,
            Some(s) => Some(
                parse_hex32(&s).ok_or_else(|| malformed("randomness must be 64 lowercase hex"))?,
            ),
        };
        Ok(Self::Drand {
            chain_hash,
            round,
            signature,
            previous_signature,
            randomness,
        })
    }

    /// The beacon randomness that enters the seed (no signature check; see [`Beacon::verify`]).
    pub fn randomness(&self) -> Hash32 {
        match self {
            Self::Drand { signature, .. } => sha256(signature),
            Self::Fallback { value } => fallback_randomness(value),
        }
    }

    /// Checks the beacon against the pins of `params.txt` (chain, key, scheme, round), the BLS
    /// signature and the stated randomness. Returns the randomness.
    pub fn verify(
        &self,
        pin: &crate::params::BeaconPin,
        fallback: Option<&Fallback>,
    ) -> Result<Hash32, BeaconError> {
        match self {
            Self::Drand {
                chain_hash,
                round,
                signature,
                previous_signature,
                randomness,
            } => {
                if *chain_hash != pin.chain_hash {
                    return Err(BeaconError::PinMismatch(format!(
                        "chain_hash {} ≠ {}",
                        to_hex(chain_hash),
                        to_hex(&pin.chain_hash)
                    )));
                }
                if *round != pin.round {
                    return Err(BeaconError::PinMismatch(format!(
                        "round {round} ≠ beacon.round {}",
                        pin.round
                    )));
                }
                let r = verify_drand(
                    &pin.scheme,
                    &pin.pubkey,
                    *round,
                    signature,
                    previous_signature.as_deref().unwrap_or_default(),
                )?;
                if randomness.is_some_and(|x| x != r) {
                    return Err(BeaconError::RandomnessMismatch);
                }
                Ok(r)
            }
            Self::Fallback { value } => {
                let f = fallback.ok_or_else(|| {
                    BeaconError::PinMismatch("params.txt declares no fallback.* source".into())
                })?;
                if !f.matches(value) {
                    return Err(BeaconError::PinMismatch(format!(
                        "fallback value does not match fallback.format {}",
                        f.format
                    )));
                }
                Ok(fallback_randomness(value))
            }
        }
    }

    /// Canonical JSON (two-space indent, final LF), the layout drand relays and the vectors use.
    pub fn to_bytes(&self) -> Vec<u8> {
        let text = match self {
            Self::Drand {
                chain_hash,
                round,
                signature,
                previous_signature,
                ..
            } => {
                let ch = to_hex(chain_hash);
                let r = to_hex(&sha256(signature));
                let sig = hex::encode(signature);
                let prev = previous_signature.as_ref().map(hex::encode);
                serde_json::to_string_pretty(&OutDrand {
                    chain_hash: &ch,
                    round: *round,
                    randomness: &r,
                    signature: &sig,
                    previous_signature: prev.as_deref(),
                })
            }
            Self::Fallback { value } => serde_json::to_string_pretty(
                &serde_json::json!({"scheme": "fallback", "value": value}),
            ),
        };
        let mut out = text.unwrap_or_default().into_bytes();
        out.push(b'\n');
        out
    }
}

pub fn fallback_randomness(value: &str) -> Hash32 {
    sha256_parts(&[b"LOT1|FALLBACK|", value.as_bytes()])
}
