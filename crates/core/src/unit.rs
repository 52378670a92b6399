//! The eight kinds of clean unit (清廉单元).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Organ,
    Soe,
    PrivateEnterprise,
    Village,
    School,
    Hospital,
    Transport,
    Culture,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] = [
        UnitKind::Organ,
        UnitKind::Soe,
        UnitKind::PrivateEnterprise,
        UnitKind::Village,
        UnitKind::School,
        UnitKind::Hospital,
        UnitKind::Transport,
        UnitKind::Culture,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Organ => "organ",
            UnitKind::Soe => "soe",
            UnitKind::PrivateEnterprise => "private_enterprise",
            UnitKind::Village => "village",
            UnitKind::School => "school",
            UnitKind::Hospital => "hospital",
            UnitKind::Transport => "transport",
            UnitKind::Culture => "culture",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            UnitKind::Organ => "机关",
            UnitKind::Soe => "国企",
            UnitKind::PrivateEnterprise => "民企",
            UnitKind::Village => "村居",
            UnitKind::School => "学校",
            UnitKind::Hospital => "医院",
            UnitKind::Transport => "交通",
            UnitKind::Culture => "文化",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            UnitKind::Organ => "government organ",
            UnitKind::Soe => "state-owned enterprise",
            UnitKind::PrivateEnterprise => "private enterprise",
            UnitKind::Village => "village or community",
            UnitKind::School => "school",
            UnitKind::Hospital => "hospital",
            UnitKind::Transport => "transport",
            UnitKind::Culture => "culture",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitKind {
    type Err = ();
    /// Accepts the English identifier or the Chinese short name (as in Excel sheets).
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        UnitKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name_zh() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_languages() {
        for k in UnitKind::ALL {
            assert_eq!(k.as_str().parse::<UnitKind>(), Ok(k));
            assert_eq!(k.name_zh().parse::<UnitKind>(), Ok(k));
        }
        assert!("工厂".parse::<UnitKind>().is_err());
    }
}
