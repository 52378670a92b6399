//! The procurement page's read model: the stored hits of the `procurement` domain (the OCDS-*
//! parity indicators and the PR-* ones, written by `qinglian screen --domain procurement`) that
//! the principal may see, counted per indicator, per flagged process, per buyer and per
//! supplier or tenderer. Hits are scoped like any hit (`scope::hits`): by the buyer registered
//! as a unit, so a buyer that is not in the registry is seen by the command-line operator only.
//!
//! Who a hit names is read from its subject, as the catalogue files write it: `ocid` (PR-*) or
//! Cardinal's group `OCID` with `subject_id` for the process; the hit's unit is the buyer
//! (procuring entity when no buyer is published) unless the hit is about a tenderer
//! (Cardinal's group `Tenderer`, PR-S09's `supplier_id` unit); `tenderer_id`, `supplier_id`,
//! `a_id`, `b_id` and a `Tenderer` group's `subject_id` name suppliers and tenderers.

use super::{NOT_FALSE_POSITIVE, fetch, fetch_memo};
use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The domain of procurement indicators in the catalogue.
pub const PROCUREMENT_DOMAIN: &str = "procurement";

/// Red flags (hits not decided false positives) of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcIndicator {
    pub indicator_id: String,
    pub severity: String,
    pub hits: i64,
    /// Distinct processes its hits name (0 for organisation-level indicators).
    pub processes: i64,
    /// A hit of it, the most recently seen.
    pub example_hit: String,
}

/// A process named by at least one red flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcProcess {
    pub ocid: String,
    /// The buyer (unit) of its process-level hits.
    pub buyer_id: String,
    pub buyer_name: Option<String>,
    pub indicators: Vec<String>,
    pub hits: i64,
    /// Its most severe hit (then the first by id): where a reader starts.
    pub top_hit: String,
}

/// A buyer, supplier or tenderer named by red flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcOrg {
    pub id: String,
    /// The registered unit's name, when the organisation is a unit the principal may see.
    pub name: Option<String>,
    pub hits: i64,
    /// Distinct processes of those hits.
    pub processes: i64,
    /// Hits per indicator.
    pub indicators: BTreeMap<String, i64>,
    pub top_hit: String,
}

/// The procurement page's figures and lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcurementSummary {
    pub hits: i64,
    pub processes_total: usize,
    pub buyers_total: usize,
    pub suppliers_total: usize,
    pub by_indicator: Vec<ProcIndicator>,
    /// Most indicators first, then most hits, then ocid; at most the limit asked.
    pub processes: Vec<ProcProcess>,
    /// Most hits first, then most processes, then id; at most the limit asked.
    pub buyers: Vec<ProcOrg>,
    pub suppliers: Vec<ProcOrg>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: String,
    indicator_id: String,
    severity: String,
    unit_id: String,
    unit_name: Option<String>,
    subject: String,
    last_seen_at: i64,
}

fn key(subject: &Value, k: &str) -> Option<String> {
    match subject.get(k)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Null => None,
        Value::String(_) => None,
        v => Some(v.to_string()),
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    }
}

/// What one hit names: (process, buyer side?, suppliers).
fn names(subject: &Value, unit_id: &str) -> (Option<String>, bool, Vec<String>) {
    let group = key(subject, "group_name");
    let ocid = key(subject, "ocid").or_else(|| {
        (group.as_deref() == Some("OCID"))
            .then(|| key(subject, "subject_id"))
            .flatten()
    });
    let mut suppliers: Vec<String> = ["tenderer_id", "supplier_id", "a_id", "b_id"]
        .iter()
        .filter_map(|k| key(subject, k))
        .collect();
    if group.as_deref() == Some("Tenderer") {
        suppliers.extend(key(subject, "subject_id"));
    }
    suppliers.sort();
    suppliers.dedup();
    let buyer_side = match group.as_deref() {
        Some("OCID" | "Buyer" | "ProcuringEntity") => true,
        Some(_) => false,
        // PR-*: the unit is the buyer unless it is the supplier the hit is about (PR-S09).
        None => subject.get("buyer").is_some() || !suppliers.iter().any(|s| s == unit_id),
    };
    (ocid, buyer_side, suppliers)
}

#[derive(Default)]
struct OrgAcc {
    name: Option<String>,
    hits: i64,
    processes: BTreeSet<String>,
    indicators: BTreeMap<String, i64>,
    top: Option<(u8, String)>,
}

impl OrgAcc {
    fn add(&mut self, r: &Row, ocid: Option<&String>) {
        self.hits += 1;
        if let Some(o) = ocid {
            self.processes.insert(o.clone());
        }
        *self.indicators.entry(r.indicator_id.clone()).or_insert(0) += 1;
        let cand = (severity_rank(&r.severity), r.id.clone());
        if self.top.as_ref().is_none_or(|t| cand < *t) {
            self.top = Some(cand);
        }
    }

    fn finish(self, id: String) -> ProcOrg {
        ProcOrg {
            id,
            name: self.name,
            hits: self.hits,
            processes: self.processes.len() as i64,
            indicators: self.indicators,
            top_hit: self.top.map(|t| t.1).unwrap_or_default(),
        }
    }
}

fn ranked(m: BTreeMap<String, OrgAcc>, limit: usize) -> Vec<ProcOrg> {
    let mut v: Vec<ProcOrg> = m.into_iter().map(|(id, a)| a.finish(id)).collect();
    v.sort_by(|a, b| {
        b.hits
            .cmp(&a.hits)
            .then(b.processes.cmp(&a.processes))
            .then(a.id.cmp(&b.id))
    });
    v.truncate(limit);
    v
}

fn summarise(rows: &[Row], limit: usize) -> ProcurementSummary {
    struct IndAcc {
        severity: String,
        hits: i64,
        processes: BTreeSet<String>,
        example: (i64, String),
    }
    struct ProcAcc {
        buyer: Option<(String, Option<String>)>,
        indicators: BTreeSet<String>,
        hits: i64,
        top: (u8, String),
    }
    let mut inds: BTreeMap<String, IndAcc> = BTreeMap::new();
    let mut procs: BTreeMap<String, ProcAcc> = BTreeMap::new();
    let mut buyers: BTreeMap<String, OrgAcc> = BTreeMap::new();
    let mut suppliers: BTreeMap<String, OrgAcc> = BTreeMap::new();
    for r in rows {
        let subject: Value = serde_json::from_str(&r.subject).unwrap_or(Value::Null);
        let (ocid, buyer_side, named) = names(&subject, &r.unit_id);
        let ind = inds
            .entry(r.indicator_id.clone())
            .or_insert_with(|| IndAcc {
                severity: r.severity.clone(),
                hits: 0,
                processes: BTreeSet::new(),
                example: (r.last_seen_at, r.id.clone()),
            });
        ind.hits += 1;
        // Newest sighting; the smallest id among equals, so the choice is stable.
        if (r.last_seen_at, std::cmp::Reverse(&r.id))
            > (ind.example.0, std::cmp::Reverse(&ind.example.1))
        {
            ind.example = (r.last_seen_at, r.id.clone());
        }
        if let Some(o) = &ocid {
            ind.processes.insert(o.clone());
            let rank = (severity_rank(&r.severity), r.id.clone());
            let p = procs.entry(o.clone()).or_insert_with(|| ProcAcc {
                buyer: None,
                indicators: BTreeSet::new(),
                hits: 0,
                top: rank.clone(),
            });
            p.hits += 1;
            p.indicators.insert(r.indicator_id.clone());
            if rank < p.top {
                p.top = rank;
            }
            if buyer_side && p.buyer.is_none() {
                p.buyer = Some((r.unit_id.clone(), r.unit_name.clone()));
            }
        }
        if buyer_side {
            let b = buyers.entry(r.unit_id.clone()).or_default();
            if b.name.is_none() {
                b.name = r.unit_name.clone();
            }
            b.add(r, ocid.as_ref());
        }
        for s in &named {
            let a = suppliers.entry(s.clone()).or_default();
            if a.name.is_none() && s == &r.unit_id {
                a.name = r.unit_name.clone();
            }
            a.add(r, ocid.as_ref());
        }
    }
    let mut processes: Vec<ProcProcess> = procs
        .into_iter()
        .map(|(ocid, p)| {
            let (buyer_id, buyer_name) = p.buyer.unwrap_or_default();
            ProcProcess {
                ocid,
                buyer_id,
                buyer_name,
                indicators: p.indicators.into_iter().collect(),
                hits: p.hits,
                top_hit: p.top.1,
            }
        })
        .collect();
    processes.sort_by(|a, b| {
        b.indicators
            .len()
            .cmp(&a.indicators.len())
            .then(b.hits.cmp(&a.hits))
            .then(a.ocid.cmp(&b.ocid))
    });
    let processes_total = processes.len();
    processes.truncate(limit);
    ProcurementSummary {
        hits: rows.len() as i64,
        processes_total,
        buyers_total: buyers.len(),
        suppliers_total: suppliers.len(),
        by_indicator: inds
            .into_iter()
            .map(|(id, a)| ProcIndicator {
                indicator_id: id,
                severity: a.severity,
                hits: a.hits,
                processes: a.processes.len() as i64,
                example_hit: a.example.1,
            })
            .collect(),
        processes,
        buyers: ranked(buyers, limit),
        suppliers: ranked(suppliers, limit),
    }
}

impl Store {
    /// Whether any procurement hit (not a false positive) is visible to the principal: what
    /// decides whether the navigation offers the procurement page.
    pub async fn has_procurement_hits(&self, p: &Principal) -> Result<bool> {
        let f = scope::hits(p, "h", 2);
        let sql = format!(
            "SELECT h.id FROM hits h WHERE h.domain = $1 AND {NOT_FALSE_POSITIVE} AND {} LIMIT 1",
            f.sql
        );
        let mut binds = vec![PROCUREMENT_DOMAIN.to_owned()];
        binds.extend(f.binds);
        let rows: Vec<(String,)> = fetch_memo!(self, sql, &binds)?;
        Ok(!rows.is_empty())
    }

    /// The procurement hits the principal may see (false positives left out), summarised;
    /// each list keeps its first `limit` rows, the totals count them all. Cached for the
    /// current ledger size, like the other cockpit aggregates.
    pub async fn procurement_summary(
        &self,
        p: &Principal,
        limit: usize,
    ) -> Result<ProcurementSummary> {
        let f = scope::hits(p, "h", 2);
        let sql = format!(
            "SELECT h.id, h.indicator_id, h.severity, h.unit_id, u.name AS unit_name, h.subject, \
             h.last_seen_at FROM hits h LEFT JOIN units u ON u.unit_id = h.unit_id \
             WHERE h.domain = $1 AND {NOT_FALSE_POSITIVE} AND {}",
            f.sql
        );
        let mut binds = vec![PROCUREMENT_DOMAIN.to_owned()];
        binds.extend(f.binds);
        let key = format!("procurement|{limit}|{sql}|{binds:?}");
        self.memo(key, || async {
            let rows: Vec<Row> = fetch!(self, sql, &binds)?;
            Ok(summarise(&rows, limit))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str, ind: &str, sev: &str, unit: &str, subject: Value) -> Row {
        Row {
            id: id.into(),
            indicator_id: ind.into(),
            severity: sev.into(),
            unit_id: unit.into(),
            unit_name: None,
            subject: subject.to_string(),
            last_seen_at: 1,
        }
    }

    #[test]
    fn who_a_hit_names() {
        let pr = json!({"buyer": "B1", "ocid": "o-1", "tenderer_id": "T1"});
        assert_eq!(
            names(&pr, "B1"),
            (Some("o-1".into()), true, vec!["T1".to_owned()])
        );
        let cardinal_process = json!({"group_name": "OCID", "subject_id": "o-2", "unit_id": "B2"});
        assert_eq!(
            names(&cardinal_process, "B2"),
            (Some("o-2".into()), true, vec![])
        );
        let cardinal_tenderer =
            json!({"group_name": "Tenderer", "subject_id": "T2", "unit_id": "T2"});
        assert_eq!(
            names(&cardinal_tenderer, "T2"),
            (None, false, vec!["T2".to_owned()])
        );
        let pe = json!({"group_name": "ProcuringEntity", "subject_id": "B3", "unit_id": "B3"});
        assert_eq!(names(&pe, "B3"), (None, true, vec![]));
        // PR-S09: the unit is the supplier.
        let s09 = json!({"supplier_id": "S9"});
        assert_eq!(names(&s09, "S9"), (None, false, vec!["S9".to_owned()]));
        // PR-S06: a pair of tenderers at a buyer.
        let s06 = json!({"buyer": "B1", "a_id": "T1", "b_id": "T2"});
        assert_eq!(
            names(&s06, "B1"),
            (None, true, vec!["T1".to_owned(), "T2".to_owned()])
        );
    }

    #[test]
    fn counts_and_rankings() {
        let rows = vec![
            row(
                "h1",
                "PR-R01",
                "medium",
                "B1",
                json!({"buyer": "B1", "ocid": "o-1"}),
            ),
            row(
                "h2",
                "OCDS-R003",
                "low",
                "B1",
                json!({"group_name": "OCID", "subject_id": "o-1", "unit_id": "B1"}),
            ),
            row(
                "h3",
                "PR-R03",
                "high",
                "B1",
                json!({"buyer": "B1", "ocid": "o-1", "tenderer_id": "T1"}),
            ),
            row(
                "h4",
                "PR-R01",
                "medium",
                "B2",
                json!({"buyer": "B2", "ocid": "o-2"}),
            ),
            row(
                "h5",
                "OCDS-R028",
                "low",
                "T1",
                json!({"group_name": "Tenderer", "subject_id": "T1", "unit_id": "T1"}),
            ),
        ];
        let s = summarise(&rows, 10);
        assert_eq!(s.hits, 5);
        assert_eq!(
            (s.processes_total, s.buyers_total, s.suppliers_total),
            (2, 2, 1)
        );
        let r01 = s
            .by_indicator
            .iter()
            .find(|i| i.indicator_id == "PR-R01")
            .unwrap();
        assert_eq!((r01.hits, r01.processes), (2, 2));
        assert_eq!(s.processes[0].ocid, "o-1");
        assert_eq!(s.processes[0].indicators, ["OCDS-R003", "PR-R01", "PR-R03"]);
        assert_eq!(s.processes[0].top_hit, "h3", "the most severe hit");
        assert_eq!(s.processes[0].buyer_id, "B1");
        assert_eq!((s.buyers[0].id.as_str(), s.buyers[0].hits), ("B1", 3));
        assert_eq!((s.suppliers[0].id.as_str(), s.suppliers[0].hits), ("T1", 2));
        assert_eq!(s.suppliers[0].processes, 1);
        let cut = summarise(&rows, 1);
        assert_eq!((cut.processes.len(), cut.processes_total), (1, 2));
        assert_eq!(cut.buyers.len(), 1);
    }
}
