//! What the letters need from the indicator catalogue (the store does not link the engine, so
//! the caller maps its catalogue to [`IndicatorInfo`]), and which people a hit concerns.

use crate::HitRecord;
use chrono::NaiveDate;
use qinglian_core::UnitKind;
use qinglian_letters::{HitSummary, IndicatorSummary, KeyArea, Severity};
use serde::Serialize;
use serde_json::Value;

/// One indicator as the letters and the triage queue use it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorInfo {
    pub id: String,
    pub domain: String,
    pub name_zh: String,
    pub why_zh: String,
    pub legal_basis_zh: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Empty: every unit kind.
    pub unit_kinds: Vec<UnitKind>,
    /// Measured values that are amounts of money in fen: those the indicator's explanation
    /// quotes with the `yuan` or `wan` format.
    pub money_values: Vec<String>,
}

/// The key posts (关键岗位) whose business an indicator domain screens. A post in one of these
/// areas (or the unit's head) is concerned by the domain's hits; the risk list of a post lists
/// the indicators of the domains that touch its area. A new domain adds its line here.
pub fn domain_key_areas(domain: &str) -> &'static [KeyArea] {
    match domain {
        "soe_leasing" => &[KeyArea::PropertyTrading],
        "village_assets" => &[
            KeyArea::CollectiveAssets,
            KeyArea::PropertyTrading,
            KeyArea::Finance,
        ],
        "procurement" => &[KeyArea::Procurement, KeyArea::Bidding],
        "hospitals" => &[KeyArea::MedicalPurchasing, KeyArea::Procurement],
        "schools" => &[KeyArea::Admissions, KeyArea::Procurement],
        "enforcement" => &[KeyArea::Enforcement],
        "services" => &[KeyArea::Approval],
        _ => &[],
    }
}

/// A key area written as its code (`property_trading`) or Chinese name (产权交易与资产出租).
pub fn parse_key_area(s: &str) -> Option<KeyArea> {
    let t = s.trim();
    KeyArea::ALL.into_iter().find(|a| {
        serde_json::to_value(a)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            == Some(t.into())
            || a.name_zh() == t
    })
}

fn severity(s: &str) -> Severity {
    match s {
        "high" => Severity::High,
        "medium" => Severity::Medium,
        _ => Severity::Low,
    }
}

impl IndicatorInfo {
    /// The risk list's view of the indicator.
    pub fn summary(&self) -> IndicatorSummary {
        IndicatorSummary {
            id: self.id.clone(),
            name_zh: self.name_zh.clone(),
            why_zh: self.why_zh.clone(),
            legal_basis_zh: self.legal_basis_zh.clone(),
            severity: severity(&self.severity),
            unit_kinds: self.unit_kinds.clone(),
            key_areas: domain_key_areas(&self.domain).to_vec(),
            measure_zh: None,
        }
    }
}

/// The Asia/Shanghai calendar day of a Unix time.
pub(crate) fn shanghai_day(t: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .unwrap_or_default()
        .date_naive()
}

/// A post as the concern test needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PostFacts {
    pub post_id: String,
    pub unit_id: String,
    pub person_id: String,
    pub title: String,
    pub key_area: Option<String>,
    pub is_head: bool,
    pub start_date: String,
    pub end_date: Option<String>,
}

impl PostFacts {
    pub fn area(&self) -> Option<KeyArea> {
        self.key_area.as_deref().and_then(parse_key_area)
    }

    /// Held on `day` (dates are ISO text; a post without an end is current).
    pub fn held_on(&self, day: NaiveDate) -> bool {
        let d = day.to_string();
        self.start_date.as_str() <= d.as_str()
            && self.end_date.as_deref().is_none_or(|e| e >= d.as_str())
    }

    /// Whether a hit concerns the holder of this post: the hit is about the post's unit, the
    /// post is the unit's head or sits in a key area the hit's domain screens, and the post was
    /// held when the hit was last seen.
    pub fn concerns(&self, hit: &HitRecord) -> bool {
        self.unit_id == hit.unit_id
            && (self.is_head
                || self
                    .area()
                    .is_some_and(|a| domain_key_areas(&hit.domain).contains(&a)))
            && self.held_on(shanghai_day(hit.last_seen_at.max(hit.first_seen_at)))
    }
}

/// A measured value as a letter prints it: money in yuan, booleans as 是/否, English texts left
/// out (the letters are Chinese).
fn display_value(name: &str, v: &Value, money: bool) -> Option<String> {
    if name.ends_with("_en") {
        return None;
    }
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Value::Number(n) if money => match n.as_i64() {
            Some(fen) => format!("{} 元", qinglian_core::money::format_yuan(fen)),
            None => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The reminder letter's view of a hit.
pub(crate) fn hit_summary(h: &HitRecord, info: Option<&IndicatorInfo>) -> HitSummary {
    let money = info.map(|i| i.money_values.as_slice()).unwrap_or_default();
    let values = h
        .values
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| display_value(k, v, money.contains(k)).map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default();
    HitSummary {
        indicator_id: h.indicator_id.clone(),
        indicator_name_zh: info.map_or_else(|| h.indicator_id.clone(), |i| i.name_zh.clone()),
        explanation_zh: h.explanation_zh.clone(),
        values,
        date: shanghai_day(h.first_seen_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_areas_parse_both_ways_and_domains_map() {
        for a in KeyArea::ALL {
            assert_eq!(parse_key_area(a.name_zh()), Some(a));
            let code = serde_json::to_value(a).unwrap();
            assert_eq!(parse_key_area(code.as_str().unwrap()), Some(a));
        }
        assert_eq!(
            parse_key_area("property_trading"),
            Some(KeyArea::PropertyTrading)
        );
        assert_eq!(parse_key_area("lunch"), None);
        assert!(domain_key_areas("soe_leasing").contains(&KeyArea::PropertyTrading));
        assert!(domain_key_areas("nothing").is_empty());
    }

    #[test]
    fn values_print_money_in_yuan_and_drop_english() {
        assert_eq!(
            display_value("annual_rent", &serde_json::json!(6_000_000), true).as_deref(),
            Some("60000.00 元")
        );
        assert_eq!(
            display_value("ratio", &serde_json::json!(0.43), false).as_deref(),
            Some("0.43")
        );
        assert_eq!(
            display_value("links_en", &serde_json::json!("x"), false),
            None
        );
        assert_eq!(
            display_value("shell", &serde_json::json!(true), false).as_deref(),
            Some("是")
        );
    }
}
