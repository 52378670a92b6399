//! `ceremony.txt`: the witnessed inputs of the live ceremony (LOT1 §4.2 T5, §4.3).
//!
//! Template: `key=value` lines sorted by key. `dice` is a comma list of digits 1–6; any other
//! key `[a-z][a-z0-9_]*` carries one token of `[0-9A-Za-z.,:-]` (e.g. `start=0417`). The file
//! is hashed as bytes, so the template exists to stop ambiguous spellings, not to interpret.

use std::collections::BTreeMap;

use crate::FormatError;
use crate::hash::canonical_lines;

const ART: &str = "ceremony.txt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub fields: BTreeMap<String, String>,
}

impl Ceremony {
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let lines = canonical_lines(ART, bytes)?;
        if lines.is_empty() {
            return Err(FormatError::new(
                ART,
                0,
                "仪式输入为空",
                "the ceremony has no inputs",
            ));
        }
        let mut fields = BTreeMap::new();
        let mut prev: Option<&str> = None;
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            let bad = |zh: &str, en: &str| FormatError::new(ART, n, zh, en);
            let (k, v) = l
                .split_once('=')
                .ok_or_else(|| bad("须为 key=value", "expected key=value"))?;
            let key_ok = k.starts_with(|c: char| c.is_ascii_lowercase())
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                return Err(bad(
                    "键须为 [a-z][a-z0-9_]*",
                    "key must match [a-z][a-z0-9_]*",
                ));
            }
            if prev.is_some_and(|p| k.as_bytes() <= p.as_bytes()) {
                return Err(bad(
                    "键须按字节序严格递增",
                    "keys must be strictly sorted in byte order",
                ));
            }
            prev = Some(k);
            let val_ok = if k == "dice" {
                !v.is_empty()
                    && v.split(',')
                        .all(|d| d.len() == 1 && (b'1'..=b'6').contains(&d.as_bytes()[0]))
            } else {
                !v.is_empty()
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".,:-".contains(&b))
            };
            if !val_ok {
                return Err(bad(
                    "值不合模板（dice 为 1–6 的逗号列表）",
                    "value does not fit the template (dice: comma list of 1–6)",
                ));
            }
            fields.insert(k.to_owned(), v.to_owned());
        }
        Ok(Self { fields })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in &self.fields {
            out.extend_from_slice(format!("{k}={v}\n").as_bytes());
        }
        out
    }
}
