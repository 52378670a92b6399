//! Screening hits (命中): stored by id, scoped like the unit they are about.
//!
//! A hit's id is derived from its indicator, major version, subject and triggering facts (see
//! `qinglian-screen`), so writing the same hit again updates what the latest run saw (last
//! seen, parameters, snapshot, peer statistics, texts) and keeps its first sighting and any
//! human decision. A hit decided as a false positive is not raised again: it stays out of
//! listings unless asked for, and screening reports it as suppressed.

use crate::ledger::change::bind_all;
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::{self, Principal};
use crate::{Result, Store, StoreError, on_pool};
use qinglian_core::Msg;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Human decisions on a hit (the workflow adds who may set them and how).
pub const DECISIONS: [&str; 3] = ["confirmed", "false_positive", "unsure"];

/// A hit as stored and listed. JSON-valued fields are objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitRecord {
    pub id: String,
    pub indicator_id: String,
    pub indicator_version: String,
    pub domain: String,
    /// `rule` or `statistical`.
    pub kind: String,
    pub severity: String,
    pub param_hash: String,
    pub params: Value,
    /// Dataset → snapshot read (`hash`, `batches`, `rows`).
    pub inputs: Value,
    pub unit_id: String,
    pub unit_kind: Option<String>,
    /// The unit's division when the hit was raised; empty when the unit is not registered.
    pub division_code: String,
    /// Unit and record keys.
    pub subject: Value,
    pub facts_hash: String,
    /// Measured values.
    pub values: Value,
    /// Thresholds and peer statistics.
    pub thresholds: Value,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub counterfactual_zh: String,
    pub counterfactual_en: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub times_seen: i64,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    indicator_id: String,
    indicator_version: String,
    domain: String,
    kind: String,
    severity: String,
    param_hash: String,
    params: String,
    inputs: String,
    unit_id: String,
    unit_kind: Option<String>,
    division_code: String,
    subject: String,
    facts_hash: String,
    measured: String,
    thresholds: String,
    explanation_zh: String,
    explanation_en: String,
    counterfactual_zh: String,
    counterfactual_en: String,
    first_seen_at: i64,
    last_seen_at: i64,
    times_seen: i64,
    decision: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
}

fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

impl From<Row> for HitRecord {
    fn from(r: Row) -> Self {
        HitRecord {
            params: parse_json(&r.params),
            inputs: parse_json(&r.inputs),
            subject: parse_json(&r.subject),
            values: parse_json(&r.measured),
            thresholds: parse_json(&r.thresholds),
            id: r.id,
            indicator_id: r.indicator_id,
            indicator_version: r.indicator_version,
            domain: r.domain,
            kind: r.kind,
            severity: r.severity,
            param_hash: r.param_hash,
            unit_id: r.unit_id,
            unit_kind: r.unit_kind,
            division_code: r.division_code,
            facts_hash: r.facts_hash,
            explanation_zh: r.explanation_zh,
            explanation_en: r.explanation_en,
            counterfactual_zh: r.counterfactual_zh,
            counterfactual_en: r.counterfactual_en,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            times_seen: r.times_seen,
            decision: r.decision,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
        }
    }
}

const COLS: &[&str] = &[
    "id",
    "indicator_id",
    "indicator_version",
    "domain",
    "kind",
    "severity",
    "param_hash",
    "params",
    "inputs",
    "unit_id",
    "unit_kind",
    "division_code",
    "subject",
    "facts_hash",
    "measured",
    "thresholds",
    "explanation_zh",
    "explanation_en",
    "counterfactual_zh",
    "counterfactual_en",
    "first_seen_at",
    "last_seen_at",
];

/// What a later sighting refreshes; `first_seen_at` and the decision stay.
const REFRESHED: &[&str] = &[
    "indicator_version",
    "severity",
    "param_hash",
    "params",
    "inputs",
    "unit_kind",
    "division_code",
    "measured",
    "thresholds",
    "explanation_zh",
    "explanation_en",
    "counterfactual_zh",
    "counterfactual_en",
    "last_seen_at",
];

const SELECT: &str = "SELECT h.id, h.indicator_id, h.indicator_version, h.domain, h.kind, h.severity, \
    h.param_hash, h.params, h.inputs, h.unit_id, h.unit_kind, h.division_code, h.subject, h.facts_hash, \
    h.measured, h.thresholds, h.explanation_zh, h.explanation_en, h.counterfactual_zh, \
    h.counterfactual_en, h.first_seen_at, h.last_seen_at, h.times_seen, h.decision, h.decided_by, \
    h.decided_at FROM hits h";

/// Rows per statement: 22 binds each, 242 a statement. SQLite finds each bound parameter by a
/// linear scan of the statement's names, so a statement's cost grows with the square of its
/// binds: at 200 rows (4,400 binds) storing 20,680 hits took seconds, a tenth of it in
/// `sqlite3_bind_parameter_name` (the ledger writer's statements stay near 250 for the same
/// reason).
const CHUNK: usize = 11;

fn json_text(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values serialise")
}

/// The statements that write `hits` as seen at `now` (a new id inserts, a known one refreshes
/// and counts one more sighting). Run them in one transaction, or hand them to the ledger as
/// the change of a screening run so that the hits and its entry commit together.
pub fn hit_upsert_stmts(hits: &[HitRecord], now: i64) -> Vec<Stmt> {
    let n = COLS.len();
    let updates: Vec<String> = REFRESHED
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .chain(std::iter::once(
            "times_seen = hits.times_seen + 1".to_owned(),
        ))
        .collect();
    hits.chunks(CHUNK)
        .map(|chunk| {
            let values: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let ph: Vec<String> = (1..=n).map(|c| format!("${}", r * n + c)).collect();
                    format!("({})", ph.join(","))
                })
                .collect();
            let sql = format!(
                "INSERT INTO hits ({}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
                COLS.join(", "),
                values.join(", "),
                updates.join(", ")
            );
            let mut binds = Vec::with_capacity(chunk.len() * n);
            for h in chunk {
                binds.extend([
                    Bind::Text(h.id.clone()),
                    Bind::Text(h.indicator_id.clone()),
                    Bind::Text(h.indicator_version.clone()),
                    Bind::Text(h.domain.clone()),
                    Bind::Text(h.kind.clone()),
                    Bind::Text(h.severity.clone()),
                    Bind::Text(h.param_hash.clone()),
                    Bind::Text(json_text(&h.params)),
                    Bind::Text(json_text(&h.inputs)),
                    Bind::Text(h.unit_id.clone()),
                    Bind::OptText(h.unit_kind.clone()),
                    Bind::Text(h.division_code.clone()),
                    Bind::Text(json_text(&h.subject)),
                    Bind::Text(h.facts_hash.clone()),
                    Bind::Text(json_text(&h.values)),
                    Bind::Text(json_text(&h.thresholds)),
                    Bind::Text(h.explanation_zh.clone()),
                    Bind::Text(h.explanation_en.clone()),
                    Bind::Text(h.counterfactual_zh.clone()),
                    Bind::Text(h.counterfactual_en.clone()),
                    Bind::Int(now),
                    Bind::Int(now),
                ]);
            }
            Stmt::new(sql, binds)
        })
        .collect()
}

/// How a batch of hits relates to what the store already holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HitUpsertReport {
    /// Ids the store had not seen.
    pub new: usize,
    /// Known ids seen again (undecided, confirmed or unsure).
    pub seen_again: usize,
    /// Known ids decided as false positives: recorded as seen, not raised again.
    pub suppressed: usize,
}

#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    pub indicator_id: Option<String>,
    pub domain: Option<String>,
    pub unit_id: Option<String>,
    /// Hits whose id starts with this (lower-case hex), as people copy short ids.
    pub id_prefix: Option<String>,
    /// Also list hits decided as false positives (normally left out: not raised again).
    pub include_false_positives: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// The decision on each of `ids` the store knows (`None` inside: known, undecided).
    pub async fn hit_states(&self, ids: &[String]) -> Result<BTreeMap<String, Option<String>>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(250) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, decision FROM hits WHERE id IN ({})",
                ph.join(", ")
            );
            let rows: Vec<(String, Option<String>)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as::<_, (String, Option<String>)>(&sql);
                for id in chunk { q = q.bind(id); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Classifies hits against the store: new, seen again, or suppressed (false positive).
    pub async fn classify_hits(&self, hits: &[HitRecord]) -> Result<HitUpsertReport> {
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        let known = self.hit_states(&ids).await?;
        let mut r = HitUpsertReport::default();
        for h in hits {
            match known.get(&h.id) {
                None => r.new += 1,
                Some(Some(d)) if d == "false_positive" => r.suppressed += 1,
                Some(_) => r.seen_again += 1,
            }
        }
        Ok(r)
    }

    /// Writes hits in one transaction and says how they relate to what was there.
    pub async fn upsert_hits(&self, hits: &[HitRecord], now: i64) -> Result<HitUpsertReport> {
        let report = self.classify_hits(hits).await?;
        let stmts = hit_upsert_stmts(hits, now);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for st in &stmts {
                bind_all!(sqlx::query(&st.sql), &st.binds).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(report)
    }

    /// Hits the principal may see, newest indicator order: by indicator, unit, id.
    pub async fn list_hits(&self, p: &Principal, filter: &HitFilter) -> Result<Vec<HitRecord>> {
        let f = scope::hits(p, "h", 1);
        // SQLite has no range statistics, so it would take the division index and sort the
        // whole jurisdiction; walking the listing order and stopping at the page is faster for
        // any division-wide view (unit-scoped users and one unit's hits keep the unit index).
        let walk = self.backend() == crate::Backend::Sqlite
            && filter.unit_id.is_none()
            && !matches!(p.scope, scope::Scope::Units(_));
        let from = if walk {
            SELECT.replace("FROM hits h", "FROM hits h INDEXED BY hits_listing")
        } else {
            SELECT.to_owned()
        };
        let mut sql = format!("{from} WHERE {}", f.sql);
        let mut extra: Vec<String> = Vec::new();
        for (col, v) in [
            ("h.indicator_id", &filter.indicator_id),
            ("h.domain", &filter.domain),
            ("h.unit_id", &filter.unit_id),
        ] {
            if let Some(v) = v {
                extra.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", f.binds.len() + extra.len()));
            }
        }
        if let Some(prefix) = &filter.id_prefix {
            // Only hex digits reach the pattern, so LIKE's wildcards cannot be smuggled in.
            let clean: String = prefix
                .chars()
                .filter(char::is_ascii_hexdigit)
                .collect::<String>()
                .to_ascii_lowercase();
            extra.push(format!("{clean}%"));
            sql.push_str(&format!(" AND h.id LIKE ${}", f.binds.len() + extra.len()));
        }
        if !filter.include_false_positives {
            sql.push_str(" AND (h.decision IS NULL OR h.decision <> 'false_positive')");
        }
        let limit = if filter.limit <= 0 {
            1000
        } else {
            filter.limit.min(100_000)
        };
        sql.push_str(&format!(
            " ORDER BY h.indicator_id, h.unit_id, h.subject, h.id LIMIT {limit} OFFSET {}",
            filter.offset.max(0)
        ));
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, Row>(&sql);
            for b in f.binds.iter().chain(&extra) { q = q.bind(b); }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(HitRecord::from).collect())
    }

    /// One hit, if it exists and the principal may see it (outside the scope: `None`, exactly
    /// as for a missing id, so existence does not leak).
    pub async fn get_hit(&self, p: &Principal, id: &str) -> Result<Option<HitRecord>> {
        let f = scope::hits(p, "h", 2);
        let sql = format!("{SELECT} WHERE h.id = $1 AND {}", f.sql);
        let row: Option<Row> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, Row>(&sql).bind(id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await?
        });
        Ok(row.map(HitRecord::from))
    }

    /// Records a decision on a hit the principal may see, as a ledger entry (kind
    /// `hit_decision`, object ("hit", id)) committed with the row. The entry carries the
    /// note's SHA-256, never its text.
    pub async fn decide_hit(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        decision: &str,
        note: Option<&str>,
        now: i64,
    ) -> Result<()> {
        if !DECISIONS.contains(&decision) {
            return Err(StoreError::Invalid(Msg::new(
                "HIT_BAD_DECISION",
                format!(
                    "处理结论“{decision}”无效：应为 confirmed（属实）、false_positive（误报）或 unsure（待定）"
                ),
                format!(
                    "invalid decision '{decision}': expected confirmed, false_positive or unsure"
                ),
            )));
        }
        if !crate::workflow::machine::may(p.role, "decide") {
            return Err(StoreError::Invalid(Msg::new(
                "HIT_FORBIDDEN",
                format!("角色“{}”不能判定命中", p.role.name_zh()),
                format!("role {} may not decide hits", p.role.as_str()),
            )));
        }
        if self.get_hit(p, id).await?.is_none() {
            return Err(StoreError::NotFound(format!("命中 / hit {id}")));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let change = vec![
            Stmt::new(
                "UPDATE hits SET decision = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5",
                vec![
                    Bind::Text(decision.to_owned()),
                    Bind::Text(p.username.clone()),
                    Bind::Int(now),
                    Bind::OptText(note.map(str::to_owned)),
                    Bind::Text(id.to_owned()),
                ],
            )
            .expecting(1),
        ];
        let entry = serde_json::json!({
            "hit": id,
            "decision": decision,
            "note_sha256": crate::workflow::note_hash(note),
            "actor": p.username,
            "ts": crate::workflow::ts(now),
        });
        ledger
            .append(
                Unit::new("hit_decision", crate::workflow::entry(entry))
                    .about("hit", id)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }
}
