//! Read models of the web cockpit (驾驶舱): the programme's figures aggregated in SQL, grouped
//! by unit kind, child division or unit, a monthly trend, and the short lists the drill-down
//! pages show. Every query filters through [`crate::scope`] first and then narrows to an
//! [`Area`]; nothing here loads hits row by row to count them.
//!
//! The figures follow the outcome report (`workflow/report.rs`): problems found are clues with
//! a confirmed finding, rectified those of them closed (销号), systems improved and money
//! recovered come from the verification steps, persons handled from the findings. Besides:
//! open clues (not closed or concluded), overdue items (open items past their deadline on an
//! open clue), and active hits (not decided a false positive and not behind a closed or
//! concluded clue), weighted by severity into a risk score (high 3, medium 2, low 1).

pub(crate) mod cache;
pub mod fixture;
mod lists;
pub mod procurement;

pub use lists::{ClueLine, HitLine, IndicatorLine, LetterLine};

use crate::scope::{self, Principal};
use crate::workflow::machine::PERSON_FORMS;
use crate::{Result, Store, on_pool};
use chrono::{Datelike, NaiveDate};
use qinglian_core::DivisionCode;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the figures are taken, inside what the principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    /// The principal's whole jurisdiction.
    All,
    /// Records whose division lies inside this one.
    Division(DivisionCode),
    /// Records about this unit.
    Unit(String),
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// One group, key `""`.
    Total,
    /// By the unit's kind (`""` when the unit is not registered).
    Kind,
    /// By the first `n` characters of the division code: the child divisions of a level
    /// (see [`child_prefix_len`]).
    Prefix(usize),
    /// By unit id.
    Unit,
}

/// Risk weight of a hit's severity.
pub fn severity_weight(s: &str) -> i64 {
    match s {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The prefix length that tells apart the children of a division (`None` below villages).
pub fn child_prefix_len(code: &DivisionCode) -> Option<usize> {
    use qinglian_core::division::Level;
    match code.level() {
        Level::Province => Some(4),
        Level::City => Some(6),
        Level::County => Some(9),
        Level::Township => Some(12),
        Level::Village => None,
    }
}

/// The programme's figures for one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub key: String,
    pub problems_found: i64,
    pub problems_rectified: i64,
    /// rectified ÷ found, four decimals; `None` when nothing was found.
    pub rectification_rate: Option<f64>,
    pub systems_improved: i64,
    /// By form (every form of the glossary, zero when none).
    pub persons_handled: BTreeMap<String, i64>,
    pub persons_total: i64,
    pub money_recovered_fen: i64,
    pub open_clues: i64,
    pub overdue_items: i64,
    pub active_hits: i64,
    pub hits_high: i64,
    pub hits_medium: i64,
    pub hits_low: i64,
    /// Active hits weighted by severity.
    pub risk: i64,
}

impl Figures {
    fn new(key: &str) -> Self {
        Figures {
            key: key.to_owned(),
            persons_handled: PERSON_FORMS
                .iter()
                .map(|(f, _)| ((*f).to_owned(), 0))
                .collect(),
            ..Default::default()
        }
    }

    fn finish(&mut self) {
        self.rectification_rate = (self.problems_found > 0).then(|| {
            (self.problems_rectified as f64 / self.problems_found as f64 * 10_000.0).round()
                / 10_000.0
        });
        self.persons_total = self.persons_handled.values().sum();
        self.risk = 3 * self.hits_high + 2 * self.hits_medium + self.hits_low;
    }
}

/// One month of the trend (Asia/Shanghai calendar).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    /// `2026-07`.
    pub month: String,
    /// Confirmed findings recorded in the month.
    pub found: i64,
    /// Confirmed problems closed (销号) in the month.
    pub rectified: i64,
    /// Hits first seen in the month.
    pub new_hits: i64,
}

/// A table's SQL pieces: alias-qualified predicate with its binds.
struct Cond {
    sql: String,
    binds: Vec<String>,
}

/// The principal's filter for `alias` (hits, clues or letters, all scoped like their unit),
/// narrowed to `area`; placeholders from `$first`.
fn cond(
    p: &Principal,
    scoped: fn(&Principal, &str, usize) -> scope::Filter,
    alias: &str,
    area: &Area,
    first: usize,
) -> Cond {
    let f = scoped(p, alias, first);
    let mut sql = f.sql;
    let mut binds = f.binds;
    match area {
        Area::All => {}
        Area::Division(d) => {
            let inside =
                scope::inside_division(&format!("{alias}.division_code"), d, first + binds.len());
            sql = format!("{sql} AND {}", inside.sql);
            binds.extend(inside.binds);
        }
        Area::Unit(u) => {
            binds.push(u.clone());
            sql = format!("{sql} AND {alias}.unit_id = ${}", first + binds.len() - 1);
        }
    }
    Cond { sql, binds }
}

/// The first day of the month `back` months before `day`'s month.
fn month_start(day: NaiveDate, back: i32) -> NaiveDate {
    let m = day.year() * 12 + day.month0() as i32 - back;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).expect("valid")
}

/// Unix seconds of midnight Asia/Shanghai.
fn shanghai_midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        - 8 * 3600
}

/// The `months` calendar months ending with the one holding `now`: (label, start, end).
pub fn month_bounds(now: i64, months: usize) -> Vec<(String, i64, i64)> {
    let today = chrono::DateTime::from_timestamp(now + 8 * 3600, 0)
        .unwrap_or_default()
        .date_naive();
    (0..months as i32)
        .rev()
        .map(|back| {
            let a = month_start(today, back);
            let b = month_start(today, back - 1);
            (
                format!("{:04}-{:02}", a.year(), a.month()),
                shanghai_midnight(a),
                shanghai_midnight(b),
            )
        })
        .collect()
}

macro_rules! fetch {
    ($store:expr, $sql:expr, $binds:expr) => {
        on_pool!($store, pool => {
            let mut q = sqlx::query_as(&$sql);
            for b in $binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })
    };
}
pub(crate) use fetch;

/// [`fetch!`] through the read cache: the rows of this SQL with these binds at the current
/// ledger size.
macro_rules! fetch_memo {
    ($store:expr, $sql:expr, $binds:expr) => {{
        let key = format!("{}|{:?}", $sql, $binds);
        $store
            .memo(key, || async { Ok(fetch!($store, $sql, $binds)?) })
            .await
    }};
}
pub(crate) use fetch_memo;

/// The figures of an area at the grain of (unit, unit kind, division), from which every
/// grouping is summed in memory: one scan of each table per page, however many groupings the
/// page shows. Rows scale with the units, not with the hits.
#[derive(Debug, Clone, Default)]
pub struct Rollup {
    cells: BTreeMap<(String, String, String), Figures>,
}

impl Rollup {
    fn cell(&mut self, unit: &str, kind: &str, division: &str) -> &mut Figures {
        self.cells
            .entry((unit.to_owned(), kind.to_owned(), division.to_owned()))
            .or_insert_with(|| Figures::new(""))
    }

    /// The figures grouped by `g` (keys as [`Group`] describes).
    pub fn group(&self, g: Group) -> BTreeMap<String, Figures> {
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();
        for ((unit, kind, division), f) in &self.cells {
            let key = match g {
                Group::Total => String::new(),
                Group::Kind => kind.clone(),
                Group::Prefix(n) => division.chars().take(n).collect(),
                Group::Unit => unit.clone(),
            };
            out.entry(key.clone())
                .or_insert_with(|| Figures::new(&key))
                .add(f);
        }
        for f in out.values_mut() {
            f.finish();
        }
        out
    }

    /// The figures of the records inside division `d`.
    pub fn inside(&self, d: &DivisionCode) -> Figures {
        let mut f = Figures::new(d.as_str());
        for ((_, _, division), cell) in &self.cells {
            if DivisionCode::parse(division).is_ok_and(|x| d.contains(&x)) {
                f.add(cell);
            }
        }
        f.finish();
        f
    }

    /// The area's figures as one line (zeros when nothing is recorded there).
    pub fn total(&self) -> Figures {
        self.group(Group::Total).remove("").unwrap_or_else(|| {
            let mut f = Figures::new("");
            f.finish();
            f
        })
    }
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.problems_found += o.problems_found;
        self.problems_rectified += o.problems_rectified;
        self.systems_improved += o.systems_improved;
        for (k, n) in &o.persons_handled {
            *self.persons_handled.entry(k.clone()).or_default() += n;
        }
        self.money_recovered_fen += o.money_recovered_fen;
        self.open_clues += o.open_clues;
        self.overdue_items += o.overdue_items;
        self.active_hits += o.active_hits;
        self.hits_high += o.hits_high;
        self.hits_medium += o.hits_medium;
        self.hits_low += o.hits_low;
    }

    fn add_hits(&mut self, severity: &str, n: i64) {
        self.active_hits += n;
        match severity {
            "high" => self.hits_high += n,
            "medium" => self.hits_medium += n,
            "low" => self.hits_low += n,
            _ => {}
        }
    }
}

/// The grain of a rollup: unit, its kind, its division (for clues the unit's registered kind).
const CLUE_GRAIN: &str = "c.unit_id, COALESCE(ku.kind, ''), c.division_code";
const CLUE_KIND_JOIN: &str = " LEFT JOIN units ku ON ku.unit_id = c.unit_id";
const HIT_GRAIN: &str = "h.unit_id, COALESCE(h.unit_kind, ''), h.division_code";
/// Grouped in the order of the `hits_figures` index, which then needs no sort.
const HIT_GROUP: &str = "h.division_code, h.unit_id, h.unit_kind, h.severity";

impl Store {
    /// The figures inside `area` at time `now` (for overdue items), ready to group: six
    /// queries, each one grouped scan (hits through a covering index).
    /// Cached per ledger size (see [`cache`]); only the overdue items, one small query, are
    /// taken again each minute.
    pub async fn cockpit_rollup(
        &self,
        p: &Principal,
        area: &Area,
        now: i64,
    ) -> Result<Arc<Rollup>> {
        let now = cache::minute(now);
        let c = cond(p, scope::clues, "c", area, 1);
        let h = cond(p, scope::hits, "h", area, 1);
        let scoped = format!("{}|{:?}|{}|{:?}", c.sql, c.binds, h.sql, h.binds);
        self.memo(format!("rollup|{now}|{scoped}"), || async {
            let base = self
                .memo(format!("rollup-base|{scoped}"), || async {
                    self.rollup_base(&c, &h).await.map(Arc::new)
                })
                .await?;
            let mut r = Rollup::clone(&base);
            self.add_overdue(&mut r, &c, now).await?;
            Ok(Arc::new(r))
        })
        .await
    }

    /// Overdue items at `now`: open items past their deadline on an open clue.
    async fn add_overdue(&self, r: &mut Rollup, c: &Cond, now: i64) -> Result<()> {
        let sql = format!(
            "SELECT {CLUE_GRAIN}, COUNT(*) FROM rect_items i JOIN clues c ON c.id = i.clue_id\
             {CLUE_KIND_JOIN} WHERE i.status = 'open' AND i.deadline < {now} \
             AND c.status NOT IN ('closed', 'concluded') AND {} GROUP BY {CLUE_GRAIN}",
            c.sql
        );
        let rows: Vec<(String, String, String, i64)> = fetch!(self, sql, &c.binds)?;
        for (u, k, d, n) in rows {
            r.cell(&u, &k, &d).overdue_items += n;
        }
        Ok(())
    }

    /// Everything of the rollup that does not depend on the clock.
    async fn rollup_base(&self, c: &Cond, h: &Cond) -> Result<Rollup> {
        let mut r = Rollup::default();

        let sql = format!(
            "SELECT {CLUE_GRAIN}, \
             COALESCE(SUM(CASE WHEN c.finding = 'confirmed' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.finding = 'confirmed' AND c.status = 'closed' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.status NOT IN ('closed', 'concluded') THEN 1 ELSE 0 END), 0) \
             FROM clues c{CLUE_KIND_JOIN} WHERE {} GROUP BY {CLUE_GRAIN}",
            c.sql
        );
        let rows: Vec<(String, String, String, i64, i64, i64)> = fetch!(self, sql, &c.binds)?;
        for (u, k, d, found, rectified, open) in rows {
            let f = r.cell(&u, &k, &d);
            f.problems_found += found;
            f.problems_rectified += rectified;
            f.open_clues += open;
        }

        let sql = format!(
            "SELECT {CLUE_GRAIN}, cp.form, CAST(SUM(cp.persons) AS BIGINT) FROM clue_persons cp \
             JOIN clues c ON c.id = cp.clue_id{CLUE_KIND_JOIN} \
             WHERE c.finding = 'confirmed' AND {} GROUP BY {CLUE_GRAIN}, cp.form",
            c.sql
        );
        let rows: Vec<(String, String, String, String, i64)> = fetch!(self, sql, &c.binds)?;
        for (u, k, d, form, n) in rows {
            *r.cell(&u, &k, &d).persons_handled.entry(form).or_default() += n;
        }

        // One row per verification step (bounded by the work done, not by the hits): the
        // detail is JSON text on both backends, read as the outcome report reads it.
        let sql = format!(
            "SELECT {CLUE_GRAIN}, e.detail FROM clue_events e JOIN clues c ON c.id = e.clue_id\
             {CLUE_KIND_JOIN} WHERE e.kind = 'item_verify' AND {}",
            c.sql
        );
        let rows: Vec<(String, String, String, String)> = fetch!(self, sql, &c.binds)?;
        for (u, k, d, detail) in rows {
            let v: Value = serde_json::from_str(&detail).unwrap_or_default();
            let f = r.cell(&u, &k, &d);
            if v["systems_improved"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
            {
                f.systems_improved += 1;
            }
            f.money_recovered_fen += v["money_recovered_fen"].as_i64().unwrap_or(0);
        }

        // Active hits: those not decided false positives, less those behind a finished clue
        // (few, found from the clues' side), so the big scan needs no per-row subquery.
        let sql = format!(
            "SELECT {HIT_GRAIN}, h.severity, COUNT(*) FROM hits h WHERE {NOT_FALSE_POSITIVE} \
             AND {} GROUP BY {HIT_GROUP}",
            h.sql
        );
        let rows: Vec<(String, String, String, String, i64)> = fetch!(self, sql, &h.binds)?;
        for (u, k, d, severity, n) in rows {
            r.cell(&u, &k, &d).add_hits(&severity, n);
        }
        let sql = format!(
            "SELECT {HIT_GRAIN}, h.severity, COUNT(*) FROM hits h WHERE {NOT_FALSE_POSITIVE} \
             AND h.id IN ({FINISHED_HITS}) AND {} GROUP BY {HIT_GROUP}",
            h.sql
        );
        let rows: Vec<(String, String, String, String, i64)> = fetch!(self, sql, &h.binds)?;
        for (u, k, d, severity, n) in rows {
            r.cell(&u, &k, &d).add_hits(&severity, -n);
        }
        Ok(r)
    }

    /// The figures inside `area`, grouped by `group`, at time `now`.
    pub async fn cockpit_figures(
        &self,
        p: &Principal,
        area: &Area,
        group: Group,
        now: i64,
    ) -> Result<BTreeMap<String, Figures>> {
        Ok(self.cockpit_rollup(p, area, now).await?.group(group))
    }

    /// The figures of `area` as one line (zeros when nothing is recorded there).
    pub async fn cockpit_total(&self, p: &Principal, area: &Area, now: i64) -> Result<Figures> {
        Ok(self.cockpit_rollup(p, area, now).await?.total())
    }

    /// The last `months` months of `area`: findings, closures and new hits per month. Two
    /// queries, one column per month.
    pub async fn cockpit_trend(
        &self,
        p: &Principal,
        area: &Area,
        now: i64,
        months: usize,
    ) -> Result<Vec<MonthPoint>> {
        let now = cache::minute(now);
        let c = cond(p, scope::clues, "c", area, 1);
        let h = cond(p, scope::hits, "h", area, 1);
        // The clock matters only through the months' bounds, which change once a month.
        let month = month_bounds(now, 1).remove(0).0;
        let key = format!(
            "trend|{month}|{months}|{}|{:?}|{}|{:?}",
            c.sql, c.binds, h.sql, h.binds
        );
        self.memo(key, || self.trend_uncached(c, h, now, months))
            .await
    }

    async fn trend_uncached(
        &self,
        c: Cond,
        h: Cond,
        now: i64,
        months: usize,
    ) -> Result<Vec<MonthPoint>> {
        let bounds = month_bounds(now, months.max(1));
        let sum = |pred: &str, col: &str, a: i64, b: i64| {
            format!(
                "COALESCE(SUM(CASE WHEN {pred}{col} >= {a} AND {col} < {b} THEN 1 ELSE 0 END), 0)"
            )
        };
        let mut cols = Vec::new();
        for (_, a, b) in &bounds {
            cols.push(sum("c.finding = 'confirmed' AND ", "c.found_at", *a, *b));
            cols.push(sum(
                "c.finding = 'confirmed' AND c.status = 'closed' AND ",
                "c.closed_at",
                *a,
                *b,
            ));
        }
        let sql = format!("SELECT {} FROM clues c WHERE {}", cols.join(", "), c.sql);
        let clue_sums = self.sums(&sql, &c.binds, cols.len()).await?;
        let cols: Vec<String> = bounds
            .iter()
            .map(|(_, a, b)| sum("", "h.first_seen_at", *a, *b))
            .collect();
        let sql = format!("SELECT {} FROM hits h WHERE {}", cols.join(", "), h.sql);
        let hit_sums = self.sums(&sql, &h.binds, cols.len()).await?;
        Ok(bounds
            .into_iter()
            .enumerate()
            .map(|(i, (month, _, _))| MonthPoint {
                month,
                found: clue_sums[2 * i],
                rectified: clue_sums[2 * i + 1],
                new_hits: hit_sums[i],
            })
            .collect())
    }

    /// One row of `n` BIGINT sums.
    async fn sums(&self, sql: &str, binds: &[String], n: usize) -> Result<Vec<i64>> {
        use sqlx::Row;
        let row = on_pool!(self, pool => {
            let mut q = sqlx::query(sql);
            for b in binds { q = q.bind(b); }
            let r = q.fetch_one(pool).await?;
            (0..n).map(|i| r.try_get::<i64, _>(i)).collect::<std::result::Result<Vec<i64>, _>>()
        })?;
        Ok(row)
    }
}

pub(crate) const NOT_FALSE_POSITIVE: &str =
    "(h.decision IS NULL OR h.decision <> 'false_positive')";

/// Hits behind a finished (closed or concluded) clue: a small set, materialised once per query.
pub(crate) const FINISHED_HITS: &str = "SELECT xc.hit_id FROM clues xc WHERE xc.hit_id IS NOT NULL \
    AND xc.status IN ('closed', 'concluded')";

/// A hit that still counts: not decided a false positive and not behind a finished clue.
pub(crate) const ACTIVE_HIT: &str = "(h.decision IS NULL OR h.decision <> 'false_positive') \
    AND h.id NOT IN (SELECT xc.hit_id FROM clues xc WHERE xc.hit_id IS NOT NULL \
    AND xc.status IN ('closed', 'concluded'))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_shanghai_calendar_months() {
        // 2026-12-07 10:00 +08:00.
        let now = shanghai_midnight(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()) + 36_000;
        let b = month_bounds(now, 13);
        assert_eq!(b.len(), 13);
        assert_eq!(b[0].0, "2025-12");
        assert_eq!(b[12].0, "2026-12");
        assert_eq!(
            b[12].1,
            shanghai_midnight(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
        assert_eq!(
            b[12].2,
            shanghai_midnight(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
        );
        for w in b.windows(2) {
            assert_eq!(w[0].2, w[1].1, "contiguous");
        }
    }

    #[test]
    fn figures_finish() {
        let mut f = Figures::new("x");
        f.problems_found = 3;
        f.problems_rectified = 2;
        f.hits_high = 1;
        f.hits_low = 2;
        *f.persons_handled.get_mut("criticism").unwrap() = 4;
        f.finish();
        assert_eq!(f.rectification_rate, Some(0.6667));
        assert_eq!((f.risk, f.persons_total), (5, 4));
        assert_eq!(f.persons_handled.len(), PERSON_FORMS.len());
    }

    #[test]
    fn child_levels() {
        let l = |c: &str| child_prefix_len(&DivisionCode::parse(c).unwrap());
        assert_eq!(l("330000"), Some(4));
        assert_eq!(l("330100"), Some(6));
        assert_eq!(l("330106"), Some(9));
        assert_eq!(l("330106001"), Some(12));
        assert_eq!(l("330106001001"), None);
    }
}
