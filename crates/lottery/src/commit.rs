//! Applicant commitments and registration receipts (LOT1 §4.3).
//!
//! `C_i = SHA-256("LOT1|APPLICANT|" + lottery_id + "|" + id_norm + "|" + salt_hex32)`.
//! The raw ID never leaves registration; only `C_i` is published.

use qinglian_core::ids::{normalize_citizen_id, validate_citizen_id};

use crate::hash::{Hash32, is_code, sha256_parts, to_hex};
use crate::{LotteryError, Result};

/// A 128-bit salt as 32 lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salt(String);

impl Salt {
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        let ok = t.len() == 32 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(LotteryError::BadSalt)
        }
    }

    /// A fresh salt from the OS CSPRNG (registration only, never the draw path).
    pub fn generate() -> Result<Self> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| LotteryError::Entropy(e.to_string()))?;
        Ok(Self(hex::encode(b)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The commitment over an already-normalised ID. Callers that take raw input use
/// [`register`] (enforces the checksum) or [`commitment_lenient`] (normalises and warns).
pub fn commitment(lottery_id: &str, id_norm: &str, salt: &Salt) -> Hash32 {
    sha256_parts(&[
        b"LOT1|APPLICANT|",
        lottery_id.as_bytes(),
        b"|",
        id_norm.as_bytes(),
        b"|",
        salt.0.as_bytes(),
    ])
}

/// What a family keeps: the salt and its commitment. Printable, bilingual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub lottery_id: String,
    pub salt: Salt,
    pub commitment: Hash32,
}

impl Receipt {
    pub fn to_text(&self) -> String {
        format!(
            "阳光招生派位回执 / Admission lottery receipt\n\
             抽签编号 / lottery_id: {}\n\
             盐值 / salt: {}\n\
             承诺值 / commitment C_i: {}\n\
             请妥善保管盐值，核验本人号码时需要。/ Keep the salt: you need it to check your own number.\n",
            self.lottery_id,
            self.salt.as_str(),
            to_hex(&self.commitment)
        )
    }
}

/// Registration: normalises the ID, **enforces** the GB 11643 checksum, and commits.
pub fn register(lottery_id: &str, raw_id: &str, salt: Salt) -> Result<Receipt> {
    check_lottery_id(lottery_id)?;
    let id = normalize_citizen_id(raw_id);
    validate_citizen_id(&id).map_err(|m| LotteryError::CitizenId { zh: m.zh, en: m.en })?;
    Ok(Receipt {
        lottery_id: lottery_id.to_owned(),
        commitment: commitment(lottery_id, &id, &salt),
        salt,
    })
}

/// Family-side recomputation: normalises the ID and returns a bilingual warning instead of an
/// error when the checksum fails (synthetic or mistyped IDs must still be checkable).
pub fn commitment_lenient(lottery_id: &str, raw_id: &str, salt: &Salt) -> (Hash32, Option<String>) {
    let id = normalize_citizen_id(raw_id);
    let warning = validate_citizen_id(&id).err().map(|m| {
        format!(
            "警告：{}（仍按此号码计算承诺值）/ warning: {} (commitment computed anyway)",
            m.zh, m.en
        )
    });
    (commitment(lottery_id, &id, salt), warning)
}

pub fn check_lottery_id(lottery_id: &str) -> Result<()> {
    if is_code(lottery_id) {
        Ok(())
    } else {
        Err(LotteryError::rules(
            format!("lottery_id “{lottery_id}” 须为 [A-Z0-9-]{{1,64}}"),
            format!("lottery_id '{lottery_id}' must match [A-Z0-9-]{{1,64}}"),
        ))
    }
}
