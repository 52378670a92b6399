//! The short lists of the drill-down pages: active hits, open clues with their next deadline,
//! hits by indicator, letters, child divisions and unit names. Each is one query, scoped first.

use super::{ACTIVE_HIT, Area, FINISHED_HITS, NOT_FALSE_POSITIVE, cache, cond, fetch, fetch_memo};
use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};
use qinglian_core::DivisionCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// A hit as the cockpit lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HitLine {
    pub id: String,
    pub indicator_id: String,
    pub severity: String,
    pub unit_id: String,
    /// The unit's registered name, if registered.
    pub unit_name: Option<String>,
    pub division_code: String,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub decision: Option<String>,
}

/// An open clue with its rectification deadlines.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ClueLine {
    pub id: String,
    pub status: String,
    pub unit_id: String,
    pub unit_name: Option<String>,
    pub handler: Option<String>,
    pub summary: String,
    pub created_at: i64,
    /// The earliest deadline of its items still open, if any.
    pub next_deadline: Option<i64>,
    /// Its open items past their deadline at the time asked.
    pub overdue_items: i64,
}

/// One indicator's hits inside an area.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IndicatorLine {
    pub indicator_id: String,
    pub hits: i64,
    pub active: i64,
    pub confirmed: i64,
    pub false_positive: i64,
    pub undecided: i64,
}

/// A letter as the cockpit lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LetterLine {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub unit_id: String,
    pub person_id: Option<String>,
    pub issued_on: String,
    pub status: String,
    pub signed_on: Option<String>,
}

/// Severities as the catalogue defines them, most severe first.
const SEVERITIES: [&str; 3] = ["high", "medium", "low"];

impl Store {
    /// Hits inside `area` (of one indicator, if given), most severe and most recent first.
    /// `active_only` leaves out false positives and hits behind a finished clue. One query per
    /// severity, each walking the (severity, last seen) index newest first until it has enough.
    pub async fn cockpit_hits(
        &self,
        p: &Principal,
        area: &Area,
        indicator: Option<&str>,
        active_only: bool,
        limit: i64,
    ) -> Result<Vec<HitLine>> {
        let limit = limit.clamp(1, 10_000);
        let mut out: Vec<HitLine> = Vec::new();
        for severity in SEVERITIES {
            let want = limit - out.len() as i64;
            if want <= 0 {
                break;
            }
            let c = cond(p, scope::hits, "h", area, 2);
            let mut binds = vec![severity.to_owned()];
            binds.extend(c.binds);
            let mut sql = format!(
                "SELECT h.id, h.indicator_id, h.severity, h.unit_id, u.name AS unit_name, \
                 h.division_code, h.explanation_zh, h.explanation_en, h.first_seen_at, \
                 h.last_seen_at, h.decision FROM hits h LEFT JOIN units u ON u.unit_id = h.unit_id \
                 WHERE h.severity = $1 AND {}",
                c.sql
            );
            if let Some(i) = indicator {
                binds.push(i.to_owned());
                sql.push_str(&format!(" AND h.indicator_id = ${}", binds.len()));
            }
            if active_only {
                sql.push_str(&format!(" AND {ACTIVE_HIT}"));
            }
            sql.push_str(&format!(" ORDER BY h.last_seen_at DESC, h.id LIMIT {want}"));
            let rows: Vec<HitLine> = fetch_memo!(self, sql, &binds)?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Open clues inside `area` with their next deadline and overdue items at `now`, the most
    /// pressing first (overdue, then by deadline, then oldest).
    pub async fn cockpit_open_clues(
        &self,
        p: &Principal,
        area: &Area,
        now: i64,
        limit: i64,
    ) -> Result<Vec<ClueLine>> {
        let now = cache::minute(now);
        let c = cond(p, scope::clues, "c", area, 1);
        let sql = format!(
            "SELECT c.id, c.status, c.unit_id, u.name AS unit_name, c.handler, c.summary, \
             c.created_at, MIN(CASE WHEN i.status = 'open' THEN i.deadline END) AS next_deadline, \
             COALESCE(SUM(CASE WHEN i.status = 'open' AND i.deadline < {now} THEN 1 ELSE 0 END), 0) AS overdue_items \
             FROM clues c LEFT JOIN units u ON u.unit_id = c.unit_id \
             LEFT JOIN rect_items i ON i.clue_id = c.id \
             WHERE c.status NOT IN ('closed', 'concluded') AND {} \
             GROUP BY c.id, c.status, c.unit_id, u.name, c.handler, c.summary, c.created_at \
             ORDER BY overdue_items DESC, next_deadline NULLS LAST, c.created_at, c.id \
             LIMIT {}",
            c.sql,
            limit.clamp(1, 10_000)
        );
        fetch_memo!(self, sql, &c.binds)
    }

    /// Hits inside `area` by indicator, with their decisions. Active ones are the hits not
    /// decided false positives less those behind a finished clue (a second, small query), so
    /// the scan stays inside the covering index.
    pub async fn cockpit_indicators(
        &self,
        p: &Principal,
        area: &Area,
    ) -> Result<Vec<IndicatorLine>> {
        let c = cond(p, scope::hits, "h", area, 1);
        let sql = format!(
            "SELECT h.indicator_id, COUNT(*) AS hits, \
             COALESCE(SUM(CASE WHEN {NOT_FALSE_POSITIVE} THEN 1 ELSE 0 END), 0) AS active, \
             COALESCE(SUM(CASE WHEN h.decision = 'confirmed' THEN 1 ELSE 0 END), 0) AS confirmed, \
             COALESCE(SUM(CASE WHEN h.decision = 'false_positive' THEN 1 ELSE 0 END), 0) AS false_positive, \
             COALESCE(SUM(CASE WHEN h.decision IS NULL THEN 1 ELSE 0 END), 0) AS undecided \
             FROM hits h WHERE {} GROUP BY h.indicator_id ORDER BY h.indicator_id",
            c.sql
        );
        let mut lines: Vec<IndicatorLine> = fetch_memo!(self, sql, &c.binds)?;
        let sql = format!(
            "SELECT h.indicator_id, COUNT(*) FROM hits h WHERE {NOT_FALSE_POSITIVE} \
             AND h.id IN ({FINISHED_HITS}) AND {} GROUP BY h.indicator_id",
            c.sql
        );
        let finished: Vec<(String, i64)> = fetch_memo!(self, sql, &c.binds)?;
        for (ind, n) in finished {
            if let Some(l) = lines.iter_mut().find(|l| l.indicator_id == ind) {
                l.active -= n;
            }
        }
        Ok(lines)
    }

    /// Letters addressed inside `area`, newest first.
    pub async fn cockpit_letters(
        &self,
        p: &Principal,
        area: &Area,
        limit: i64,
    ) -> Result<Vec<LetterLine>> {
        let c = cond(p, scope::letters, "l", area, 1);
        let sql = format!(
            "SELECT l.id, l.number, l.kind, l.unit_id, l.person_id, l.issued_on, l.status, \
             l.signed_on FROM letters l WHERE {} ORDER BY l.issued_at DESC, l.id DESC LIMIT {}",
            c.sql,
            limit.clamp(1, 10_000)
        );
        fetch_memo!(self, sql, &c.binds)
    }

    /// The registered children of a division that the principal may see: (code, name).
    pub async fn child_divisions(
        &self,
        p: &Principal,
        parent: Option<&DivisionCode>,
    ) -> Result<Vec<(String, String)>> {
        let f = scope::divisions(p, "d.code", 2);
        let (pred, bind) = match parent {
            Some(d) => ("d.parent_code = $1", d.as_str().to_owned()),
            // Top level: the provinces (parent unknown), `$1` unused but bound.
            None => (
                "d.parent_code IS NULL AND d.level = $1",
                "province".to_owned(),
            ),
        };
        let sql = format!(
            "SELECT d.code, d.name FROM divisions d WHERE {pred} AND {} ORDER BY d.code",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(bind);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    /// Clues opened from a hit that the principal may see: (id, status), oldest first.
    pub async fn clues_of_hit(&self, p: &Principal, hit_id: &str) -> Result<Vec<(String, String)>> {
        let f = scope::clues(p, "c", 2);
        let sql = format!(
            "SELECT c.id, c.status FROM clues c WHERE c.hit_id = $1 AND {} ORDER BY c.created_at, c.id",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(hit_id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    /// Names (and kinds) of the given units the principal may see.
    pub async fn unit_names(
        &self,
        p: &Principal,
        ids: &[String],
    ) -> Result<BTreeMap<String, (String, String)>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let f = scope::units(p, "u", chunk.len() + 1);
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT u.unit_id, u.name, u.kind FROM units u WHERE u.unit_id IN ({}) AND {}",
                ph.join(", "),
                f.sql
            );
            let rows: Vec<(String, String, String)> =
                fetch!(self, sql, chunk.iter().chain(&f.binds))?;
            out.extend(rows.into_iter().map(|(id, n, k)| (id, (n, k))));
        }
        Ok(out)
    }
}
