//! The fixed wording of the letters, read from `content/zh.toml` (compiled in).

use crate::model::{Counterparty, KeyArea};
use qinglian_core::UnitKind;
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Content {
    pub notice: NoticeText,
    pub risk_list: RiskListText,
    pub reminder: ReminderText,
    pub ack: AckText,
    pub measure: Vec<Measure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeText {
    pub intro: String,
    pub duties_heading: String,
    pub prohibitions_heading: String,
    pub report_heading: String,
    pub report: Vec<String>,
    pub closing: String,
    pub duty: Vec<Rule>,
    pub prohibition: Vec<Rule>,
}

/// One requirement, narrowed by the lists that are present (absent = applies to all).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    pub text: String,
    #[serde(default)]
    pub unit_kinds: Vec<UnitKind>,
    #[serde(default)]
    pub key_areas: Vec<KeyArea>,
    #[serde(default)]
    pub counterparties: Vec<Counterparty>,
}

impl Rule {
    /// A rule narrowed to key areas applies only when the letter names a post in one of them.
    pub fn applies(&self, kind: UnitKind, area: Option<KeyArea>, cp: Option<Counterparty>) -> bool {
        (self.unit_kinds.is_empty() || self.unit_kinds.contains(&kind))
            && (self.key_areas.is_empty() || area.is_some_and(|a| self.key_areas.contains(&a)))
            && (self.counterparties.is_empty()
                || cp.is_some_and(|c| self.counterparties.contains(&c)))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskListText {
    pub intro: String,
    pub columns: Vec<String>,
    pub closing: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReminderText {
    pub intro: String,
    pub columns: Vec<String>,
    pub request_by: String,
    pub request: String,
    pub prior: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AckText {
    pub heading: String,
    pub statement: String,
    pub signer: String,
    pub date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Measure {
    pub key_area: KeyArea,
    pub text: String,
}

const SOURCE: &str = include_str!("../content/zh.toml");

/// The content is part of the binary and checked by the tests below, so a parse failure here
/// is a build defect, not a run-time condition.
pub(crate) fn content() -> &'static Content {
    static CONTENT: OnceLock<Content> = OnceLock::new();
    CONTENT.get_or_init(|| {
        toml::from_str(SOURCE).unwrap_or_else(|e| panic!("content/zh.toml is invalid: {e}"))
    })
}

impl Content {
    pub fn measure(&self, area: KeyArea) -> &str {
        self.measure
            .iter()
            .find(|m| m.key_area == area)
            .map_or("", |m| m.text.as_str())
    }
}

/// Replaces `{name}` placeholders in one pass over the template, so a value that itself
/// contains `{…}` (hostile input) is never expanded. Unknown names are left as written.
pub(crate) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOWED: [&str; 10] = [
        "unit",
        "unit_kind",
        "post",
        "area",
        "counterparty",
        "issuer",
        "reply_by",
        "date",
        "number",
        "title",
    ];

    fn placeholders(s: &str) -> Vec<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    #[test]
    fn content_parses_and_covers_every_key_area_and_counterparty() {
        let c = content();
        for a in KeyArea::ALL {
            assert!(!c.measure(a).is_empty(), "no measure for {a:?}");
        }
        for cp in Counterparty::ALL {
            assert!(
                c.notice
                    .prohibition
                    .iter()
                    .any(|r| r.counterparties.contains(&cp)),
                "no prohibition specific to {cp:?}"
            );
        }
        assert_eq!(c.risk_list.columns.len(), 6);
        assert_eq!(c.reminder.columns.len(), 5);
    }

    #[test]
    fn only_known_placeholders() {
        let unknown: Vec<String> = placeholders(SOURCE)
            .into_iter()
            .filter(|p| !ALLOWED.contains(&p.as_str()))
            .collect();
        assert!(unknown.is_empty(), "unknown placeholders: {unknown:?}");
        assert_eq!(
            fill("{unit}与{unit}：{x}", &[("unit", "甲")]),
            "甲与甲：{x}"
        );
        // A value is never expanded again, whatever it contains.
        assert_eq!(fill("{a}{b}", &[("a", "{b}"), ("b", "乙")]), "{b}乙");
        assert_eq!(fill("{{a}}{", &[("a", "甲")]), "{甲}{");
    }
}
