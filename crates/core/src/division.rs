//! Administrative divisions (行政区划): GB/T 2260 six-digit codes for province, city and county,
//! nine-digit township and twelve-digit village statistical codes.
//!
//! Containment is level-aware (design §7): a province is its 2-digit prefix, a city its
//! 4-digit, a county its 6-digit, a township its 9-digit, a village its full code. This makes
//! municipalities (110000 ⊃ 110100 ⊃ 110101) and county-level units directly under a province
//! (429004 仙桃市, whose 4-digit prefix has no city) come out right without special tables.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
            Level::Township => "乡级",
            Level::Village => "村级",
        }
    }
    /// Length of the code prefix that everything inside a division of this level shares.
    fn prefix_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }
}

/// A normalised division code: 6, 9 or 12 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses and normalises: 12-digit codes padded with zeros (as many public tables ship
    /// them, e.g. `330106000000`) shrink to their natural length.
    pub fn parse(s: &str) -> Result<Self, crate::Msg> {
        let t = s.trim();
        let bad = || {
            crate::Msg::new(
                "BAD_DIVISION_CODE",
                format!(
                    "行政区划代码“{t}”无效：应为 6 位（省市县）、9 位（乡镇）或 12 位（村）数字"
                ),
                format!(
                    "invalid division code '{t}': expected 6 (province/city/county), 9 (township) or 12 (village) digits"
                ),
            )
        };
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let code = match t.len() {
            6 | 9 => t,
            12 if t.ends_with("000000") => &t[..6],
            12 if t.ends_with("000") => &t[..9],
            12 => t,
            _ => return Err(bad()),
        };
        if code.len() == 6 && (&code[..2] == "00" || code == "000000") {
            return Err(bad());
        }
        if code.len() > 6 && code[6..9] == *"000" {
            return Err(bad());
        }
        Ok(DivisionCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        let c = self.0.as_bytes();
        match c.len() {
            12 => Level::Village,
            9 => Level::Township,
            _ if &c[2..] == b"0000" => Level::Province,
            _ if &c[4..] == b"00" => Level::City,
            _ => Level::County,
        }
    }

    /// The prefix shared by every code inside this division.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// Whether `other` lies inside this division (a division contains itself).
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(self.prefix()) && self.level() <= other.level()
    }

    /// Candidate parents, nearest first. A county's city may not exist (429004 lies directly
    /// under 420000), so callers pick the first candidate that is known.
    pub fn parent_candidates(&self) -> Vec<DivisionCode> {
        let c = &self.0;
        match self.level() {
            Level::Province => vec![],
            Level::City => vec![DivisionCode(format!("{}0000", &c[..2]))],
            Level::County => vec![
                DivisionCode(format!("{}00", &c[..4])),
                DivisionCode(format!("{}0000", &c[..2])),
            ],
            Level::Township => vec![DivisionCode(c[..6].to_owned())],
            Level::Village => vec![DivisionCode(c[..9].to_owned())],
        }
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = crate::Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = crate::Msg;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

/// One row of the division table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub level: Level,
    pub parent: Option<DivisionCode>,
    /// Centroid, degrees (datum as published, commonly GCJ-02).
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

/// The province/city/county table that ships with the product, derived from the public
/// `adcodes.csv` (data as of 2025-12-31), sorted by code.
const BUILTIN_CSV: &str = include_str!("../data/divisions.csv");

pub fn builtin() -> &'static [Division] {
    static TABLE: OnceLock<Vec<Division>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<(DivisionCode, String, Option<f64>, Option<f64>)> = BUILTIN_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut f = l.split(',');
                let code = DivisionCode::parse(f.next().unwrap_or_default())
                    .expect("shipped division table holds valid codes");
                let name = f.next().unwrap_or_default().to_owned();
                let lon = f.next().and_then(|v| v.parse().ok());
                let lat = f.next().and_then(|v| v.parse().ok());
                (code, name, lon, lat)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let known = |c: &DivisionCode| rows.binary_search_by(|r| r.0.cmp(c)).is_ok();
        let parents: Vec<Option<DivisionCode>> = rows
            .iter()
            .map(|r| r.0.parent_candidates().into_iter().find(|p| known(p)))
            .collect();
        rows.into_iter()
            .zip(parents)
            .map(|((code, name, longitude, latitude), parent)| Division {
                level: code.level(),
                code,
                name,
                parent,
                longitude,
                latitude,
            })
            .collect()
    })
}

/// Looks a code up in the shipped table.
pub fn builtin_lookup(code: &DivisionCode) -> Option<&'static Division> {
    let t = builtin();
    t.binary_search_by(|d| d.code.cmp(code)).ok().map(|i| &t[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn normalises_padded_codes() {
        assert_eq!(c("330106000000").as_str(), "330106");
        assert_eq!(c("330106001000").as_str(), "330106001");
        assert_eq!(c("330106001002").as_str(), "330106001002");
        assert!(DivisionCode::parse("33010").is_err());
        assert!(DivisionCode::parse("33010a").is_err());
        assert!(DivisionCode::parse("000000").is_err());
    }

    #[test]
    fn levels() {
        assert_eq!(c("330000").level(), Level::Province);
        assert_eq!(c("330100").level(), Level::City);
        assert_eq!(c("330106").level(), Level::County);
        assert_eq!(c("330106001").level(), Level::Township);
        assert_eq!(c("330106001002").level(), Level::Village);
        assert_eq!(c("110100").level(), Level::City);
    }

    #[test]
    fn containment_is_level_aware() {
        let zj = c("330000");
        let hz = c("330100");
        let xihu = c("330106");
        let town = c("330106001");
        let village = c("330106001002");
        for (outer, inner) in [
            (&zj, &hz),
            (&zj, &xihu),
            (&hz, &xihu),
            (&xihu, &town),
            (&town, &village),
            (&zj, &village),
        ] {
            assert!(outer.contains(inner), "{outer} ⊃ {inner}");
            assert!(!inner.contains(outer), "{inner} ⊅ {outer}");
        }
        assert!(xihu.contains(&xihu));
        assert!(!hz.contains(&c("330200")));
        assert!(!xihu.contains(&c("330105")));
        // municipality: 110000 ⊃ 110100 ⊃ 110101
        assert!(c("110000").contains(&c("110101")));
        assert!(c("110100").contains(&c("110101")));
        assert!(!c("110100").contains(&c("110000")));
        // county-level city directly under a province
        assert!(c("420000").contains(&c("429004")));
        assert!(!c("420100").contains(&c("429004")));
        assert!(!c("429004").contains(&c("429005")));
    }

    #[test]
    fn shipped_table_matches_its_source() {
        let t = builtin();
        assert_eq!(t.len(), 3428);
        let count = |l: Level| t.iter().filter(|d| d.level == l).count();
        assert_eq!(count(Level::Province), 34);
        assert_eq!(count(Level::City), 346);
        assert_eq!(count(Level::County), 3048);
        let xihu = builtin_lookup(&c("330106")).unwrap();
        assert_eq!(xihu.name, "西湖区");
        assert_eq!(xihu.parent, Some(c("330100")));
        let xiantao = builtin_lookup(&c("429004")).unwrap();
        assert_eq!(xiantao.parent, Some(c("420000")));
        assert_eq!(builtin_lookup(&c("330000")).unwrap().parent, None);
    }
}
