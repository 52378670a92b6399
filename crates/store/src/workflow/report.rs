//! Outcome accounting (成效统计), derived from the records, never typed in: problems found
//! (confirmed findings), rectified (of those, closed 销号), the rate, systems improved and
//! money recovered (from verifications), persons handled by form (from findings).

use super::machine::PERSON_FORMS;
use super::refuse;
use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};
use chrono::{Datelike, NaiveDate};
use qinglian_core::DivisionCode;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnitOutcome {
    pub unit_id: String,
    pub division_code: String,
    pub problems_found: i64,
    pub problems_rectified: i64,
    /// rectified ÷ found; `None` when nothing was found.
    pub rectification_rate: Option<f64>,
    pub systems_improved: i64,
    pub persons_handled: BTreeMap<String, i64>,
    pub money_recovered_fen: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutcomeReport {
    pub period: Option<String>,
    pub division: Option<String>,
    #[serde(flatten)]
    pub total: UnitOutcome,
    pub by_unit: Vec<UnitOutcome>,
}

/// `2026-Q3`, `2026-07` or `2026` → [start, end) in Unix seconds, Asia/Shanghai days.
pub fn period_bounds(period: &str) -> Result<(i64, i64)> {
    let bad = || {
        refuse(
            "REPORT_BAD_PERIOD",
            format!("统计期间“{period}”无效：应为 2026、2026-Q3 或 2026-07"),
            format!("invalid period '{period}': expected 2026, 2026-Q3 or 2026-07"),
        )
    };
    let p = period.trim();
    let (year, first, months) = match p.split_once('-') {
        None => (p.parse::<i32>().map_err(|_| bad())?, 1, 12),
        Some((y, q)) if q.starts_with(['Q', 'q']) => {
            let q: u32 = q[1..].parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            (y.parse().map_err(|_| bad())?, (q - 1) * 3 + 1, 3)
        }
        Some((y, m)) => {
            let m: u32 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            (y.parse().map_err(|_| bad())?, m, 1)
        }
    };
    let start = NaiveDate::from_ymd_opt(year, first, 1).ok_or_else(bad)?;
    let end_month = first + months;
    let end = if end_month > 12 {
        NaiveDate::from_ymd_opt(year + 1, end_month - 12, 1)
    } else {
        NaiveDate::from_ymd_opt(start.year(), end_month, 1)
    }
    .ok_or_else(bad)?;
    let unix = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp()
            - 8 * 3600
    };
    Ok((unix(start), unix(end)))
}

/// id, unit, division, status, finding, found_at
type ClueFacts = (String, String, String, String, Option<String>, Option<i64>);

fn rate(found: i64, rectified: i64) -> Option<f64> {
    (found > 0).then(|| (rectified as f64 / found as f64 * 10_000.0).round() / 10_000.0)
}

impl Store {
    /// The outcome report for what the principal may see, optionally narrowed to a division
    /// and a period ([start, end) Unix seconds).
    pub async fn outcome_report(
        &self,
        p: &Principal,
        division: Option<&DivisionCode>,
        period: Option<(&str, i64, i64)>,
    ) -> Result<OutcomeReport> {
        let f = scope::clues(p, "c", 1);
        let mut sql_where = f.sql.clone();
        let mut binds = f.binds.clone();
        if let Some(d) = division {
            let inside = scope::inside_division("c.division_code", d, binds.len() + 1);
            sql_where = format!("{sql_where} AND {}", inside.sql);
            binds.extend(inside.binds);
        }
        let (from, to) = period.map_or((i64::MIN, i64::MAX), |(_, a, b)| (a, b));
        let in_period = |t: Option<i64>| t.is_some_and(|t| t >= from && t < to);
        let clues: Vec<ClueFacts> = {
            let sql = format!(
                "SELECT c.id, c.unit_id, c.division_code, c.status, c.finding, c.found_at FROM clues c WHERE {sql_where} ORDER BY c.id"
            );
            on_pool!(self, pool => { let mut q = sqlx::query_as(&sql); for b in &binds { q = q.bind(b); } q.fetch_all(pool).await })?
        };
        let persons: Vec<(String, String, i64)> = {
            let sql = format!(
                "SELECT p.clue_id, p.form, p.persons FROM clue_persons p JOIN clues c ON c.id = p.clue_id WHERE {sql_where}"
            );
            on_pool!(self, pool => { let mut q = sqlx::query_as(&sql); for b in &binds { q = q.bind(b); } q.fetch_all(pool).await })?
        };
        let verifications: Vec<(String, String, i64)> = {
            let sql = format!(
                "SELECT e.clue_id, e.detail, e.at FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE e.kind = 'item_verify' AND {sql_where}"
            );
            on_pool!(self, pool => { let mut q = sqlx::query_as(&sql); for b in &binds { q = q.bind(b); } q.fetch_all(pool).await })?
        };
        let empty_forms = || -> BTreeMap<String, i64> {
            PERSON_FORMS
                .iter()
                .map(|(f, _)| ((*f).to_owned(), 0))
                .collect()
        };
        let mut units: BTreeMap<String, UnitOutcome> = BTreeMap::new();
        let mut unit_of: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, unit, div, status, finding, found_at) in &clues {
            unit_of.insert(id, unit);
            let u = units.entry(unit.clone()).or_insert_with(|| UnitOutcome {
                unit_id: unit.clone(),
                division_code: div.clone(),
                persons_handled: empty_forms(),
                ..Default::default()
            });
            if finding.as_deref() == Some("confirmed") && in_period(*found_at) {
                u.problems_found += 1;
                if status == "closed" {
                    u.problems_rectified += 1;
                }
                for (c, form, n) in &persons {
                    if c == id {
                        *u.persons_handled.entry(form.clone()).or_default() += n;
                    }
                }
            }
        }
        for (clue, detail, at) in &verifications {
            if !in_period(Some(*at)) {
                continue;
            }
            let d: Value = serde_json::from_str(detail).unwrap_or_default();
            let Some(u) = unit_of.get(clue.as_str()).and_then(|u| units.get_mut(*u)) else {
                continue;
            };
            if d["systems_improved"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
            {
                u.systems_improved += 1;
            }
            u.money_recovered_fen += d["money_recovered_fen"].as_i64().unwrap_or(0);
        }
        let mut total = UnitOutcome {
            unit_id: String::new(),
            division_code: division.map(ToString::to_string).unwrap_or_default(),
            persons_handled: empty_forms(),
            ..Default::default()
        };
        let mut by_unit: Vec<UnitOutcome> = units.into_values().collect();
        for u in &mut by_unit {
            u.rectification_rate = rate(u.problems_found, u.problems_rectified);
            total.problems_found += u.problems_found;
            total.problems_rectified += u.problems_rectified;
            total.systems_improved += u.systems_improved;
            total.money_recovered_fen += u.money_recovered_fen;
            for (f, n) in &u.persons_handled {
                *total.persons_handled.entry(f.clone()).or_default() += n;
            }
        }
        total.rectification_rate = rate(total.problems_found, total.problems_rectified);
        Ok(OutcomeReport {
            period: period.map(|(p, _, _)| p.to_owned()),
            division: division.map(ToString::to_string),
            total,
            by_unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_shanghai_calendar_ranges() {
        let (a, b) = period_bounds("2026-Q3").unwrap();
        assert_eq!(a, 1_782_864_000 - 8 * 3600, "2026-07-01 00:00 +08:00");
        assert_eq!(b - a, 92 * 86_400, "July–September");
        let (a, b) = period_bounds("2026-12").unwrap();
        assert_eq!(b - a, 31 * 86_400);
        let (a, b) = period_bounds("2026").unwrap();
        assert_eq!(b - a, 365 * 86_400);
        for bad in ["2026-Q5", "2026-13", "x", "2026-Qx"] {
            assert_eq!(period_bounds(bad).unwrap_err().code(), "REPORT_BAD_PERIOD");
        }
        assert_eq!(rate(3, 2), Some(0.6667));
        assert_eq!(rate(0, 0), None);
    }
}
