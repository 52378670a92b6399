//! Letter numbers (文书编号): `西湖纪〔2026〕提醒 第 0007 号`.
//!
//! The sequence is allocated by the store (one counter per issuer, year and kind); this module
//! only formats and parses, so the same number always comes out of the same parts.

use crate::error::{Error, Result};
use crate::model::LetterKind;

/// The parts of a letter number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterNumber {
    pub issuer_short_zh: String,
    pub year: i32,
    pub kind: LetterKind,
    pub sequence: u32,
}

impl LetterNumber {
    /// Checks the parts; the short name is printed inside the number, so it must not be able
    /// to imitate the brackets or spacing that delimit the other parts.
    pub fn new(issuer_short_zh: &str, year: i32, kind: LetterKind, sequence: u32) -> Result<Self> {
        let ok = !issuer_short_zh.is_empty()
            && issuer_short_zh.chars().count() <= 16
            && !issuer_short_zh
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "〔〕[]".contains(c));
        if !ok {
            return Err(Error::BadShortName(issuer_short_zh.to_owned()));
        }
        if !(1000..=9999).contains(&year) {
            return Err(Error::BadYear(year));
        }
        if sequence == 0 {
            return Err(Error::ZeroSequence);
        }
        Ok(Self {
            issuer_short_zh: issuer_short_zh.to_owned(),
            year,
            kind,
            sequence,
        })
    }

    /// Reads a number written by [`LetterNumber::to_string`] (e.g. typed into `letters ack`).
    pub fn parse(s: &str) -> Option<Self> {
        let (short, rest) = s.trim().split_once('〔')?;
        let (year, rest) = rest.split_once('〕')?;
        let (tag, rest) = rest.split_once(" 第 ")?;
        let seq = rest.strip_suffix(" 号")?;
        let kind = LetterKind::ALL
            .into_iter()
            .find(|k| k.number_tag_zh() == tag)?;
        if !seq.bytes().all(|b| b.is_ascii_digit()) || seq.len() < 4 {
            return None;
        }
        Self::new(short, year.parse().ok()?, kind, seq.parse().ok()?).ok()
    }
}

impl std::fmt::Display for LetterNumber {
    /// At least four digits, so numbers sort and align in registers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}〔{}〕{} 第 {:04} 号",
            self.issuer_short_zh,
            self.year,
            self.kind.number_tag_zh(),
            self.sequence
        )
    }
}

/// The formatted number, e.g. `西湖纪〔2026〕提醒 第 0007 号`.
pub fn letter_number(
    issuer_short_zh: &str,
    year: i32,
    kind: LetterKind,
    sequence: u32,
) -> Result<String> {
    Ok(LetterNumber::new(issuer_short_zh, year, kind, sequence)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_house_style() {
        assert_eq!(
            letter_number("西湖纪", 2026, LetterKind::Reminder, 7).unwrap(),
            "西湖纪〔2026〕提醒 第 0007 号"
        );
        assert_eq!(
            letter_number("杭纪", 2027, LetterKind::Notice, 12345).unwrap(),
            "杭纪〔2027〕告知 第 12345 号"
        );
        assert_eq!(
            letter_number("杭纪", 2026, LetterKind::RiskList, 1).unwrap(),
            "杭纪〔2026〕清单 第 0001 号"
        );
    }

    #[test]
    fn refuses_bad_parts() {
        let e = letter_number("", 2026, LetterKind::Notice, 1).unwrap_err();
        assert_eq!(e.code(), "LETTER_BAD_SHORT_NAME");
        assert!(letter_number("西 湖", 2026, LetterKind::Notice, 1).is_err());
        assert!(letter_number("西〔湖", 2026, LetterKind::Notice, 1).is_err());
        assert_eq!(
            letter_number("西湖纪", 2026, LetterKind::Notice, 0)
                .unwrap_err()
                .code(),
            "LETTER_ZERO_SEQUENCE"
        );
        assert_eq!(
            letter_number("西湖纪", 226, LetterKind::Notice, 1)
                .unwrap_err()
                .code(),
            "LETTER_BAD_YEAR"
        );
    }

    #[test]
    fn parses_what_it_prints() {
        for kind in LetterKind::ALL {
            for seq in [1, 7, 9999, 10000, 4_000_000] {
                let n = LetterNumber::new("西湖纪", 2026, kind, seq).unwrap();
                assert_eq!(LetterNumber::parse(&n.to_string()), Some(n));
            }
        }
        assert_eq!(LetterNumber::parse("西湖纪〔2026〕提醒 第 7 号"), None);
        assert_eq!(LetterNumber::parse("西湖纪〔2026〕通报 第 0007 号"), None);
        assert_eq!(LetterNumber::parse("西湖纪2026提醒 第 0007 号"), None);
    }
}
