//! Triage feedback: each indicator's measured precision from the decisions on its hits, and
//! the queue of undecided hits, most severe and most money at stake first.

use crate::letters::Warning;
use crate::scope::{self, Principal};
use crate::{HitFilter, HitRecord, Result, Store, on_pool};
use serde::Serialize;
use std::collections::BTreeMap;

/// Decisions on one indicator's hits. Precision is confirmed ÷ (confirmed + false positive):
/// `unsure` is a decision not to decide yet, so it is counted but says nothing either way.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Precision {
    pub indicator_id: String,
    pub confirmed: i64,
    pub false_positive: i64,
    pub unsure: i64,
    /// confirmed + false positive.
    pub decided: i64,
    /// confirmed ÷ decided, four decimals; `None` until something is decided.
    pub precision: Option<f64>,
}

impl Precision {
    /// `67% (2/3)`, or `-` before any decision.
    pub fn label(&self) -> String {
        match self.precision {
            Some(p) => format!("{:.0}% ({}/{})", p * 100.0, self.confirmed, self.decided),
            None => "-".to_owned(),
        }
    }
}

/// One hit of the triage queue, with what ordered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedHit {
    #[serde(flatten)]
    pub hit: HitRecord,
    /// The largest money value the hit measured (fen), if its indicator reports one.
    pub amount_fen: Option<i64>,
    /// Which measured value that was.
    pub amount_value: Option<String>,
    pub indicator_precision: Option<Precision>,
    /// An open clue already opened from the hit.
    pub clue_id: Option<String>,
    pub warnings: Vec<Warning>,
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The amount at stake of a hit: the largest of its measured values that its indicator reports
/// as money (`money` lists them per indicator: values the explanation quotes in yuan or 万元).
pub fn amount_at_stake(
    hit: &HitRecord,
    money: &BTreeMap<String, Vec<String>>,
) -> Option<(i64, String)> {
    let names = money.get(&hit.indicator_id)?;
    names
        .iter()
        .filter_map(|n| {
            let v = hit.values.get(n)?;
            let fen = v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f.round() as i64))?;
            Some((fen, n.clone()))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
}

impl Store {
    /// Each indicator's decisions and precision, over the hits the principal may see.
    pub async fn indicator_precision(&self, p: &Principal) -> Result<BTreeMap<String, Precision>> {
        let f = scope::hits(p, "h", 1);
        let sql = format!(
            "SELECT h.indicator_id, h.decision, COUNT(*) FROM hits h WHERE h.decision IS NOT NULL AND {} GROUP BY h.indicator_id, h.decision",
            f.sql
        );
        let rows: Vec<(String, String, i64)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        let mut out: BTreeMap<String, Precision> = BTreeMap::new();
        for (ind, decision, n) in rows {
            let e = out.entry(ind.clone()).or_insert_with(|| Precision {
                indicator_id: ind,
                ..Default::default()
            });
            match decision.as_str() {
                "confirmed" => e.confirmed += n,
                "false_positive" => e.false_positive += n,
                _ => e.unsure += n,
            }
        }
        for e in out.values_mut() {
            e.decided = e.confirmed + e.false_positive;
            e.precision = (e.decided > 0)
                .then(|| (e.confirmed as f64 / e.decided as f64 * 10_000.0).round() / 10_000.0);
        }
        Ok(out)
    }

    /// Undecided hits the principal may see, ordered by severity (high first), then by the
    /// amount at stake (largest first, hits without one after), then oldest first.
    pub async fn triage_queue(
        &self,
        p: &Principal,
        money: &BTreeMap<String, Vec<String>>,
        limit: usize,
    ) -> Result<Vec<QueuedHit>> {
        const PAGE: i64 = 10_000;
        let mut undecided = Vec::new();
        for page in 0.. {
            let batch = self
                .list_hits(
                    p,
                    &HitFilter {
                        limit: PAGE,
                        offset: page * PAGE,
                        ..Default::default()
                    },
                )
                .await?;
            let n = batch.len() as i64;
            undecided.extend(batch.into_iter().filter(|h| h.decision.is_none()));
            if n < PAGE {
                break;
            }
        }
        let mut ranked: Vec<(HitRecord, Option<(i64, String)>)> = undecided
            .into_iter()
            .map(|h| {
                let a = amount_at_stake(&h, money);
                (h, a)
            })
            .collect();
        ranked.sort_by(|(a, aa), (b, ba)| {
            severity_rank(&b.severity)
                .cmp(&severity_rank(&a.severity))
                .then_with(|| ba.as_ref().map(|x| x.0).cmp(&aa.as_ref().map(|x| x.0)))
                .then_with(|| a.first_seen_at.cmp(&b.first_seen_at))
                .then_with(|| a.id.cmp(&b.id))
        });
        ranked.truncate(limit);
        let precision = self.indicator_precision(p).await?;
        let hits: Vec<HitRecord> = ranked.iter().map(|(h, _)| h.clone()).collect();
        let mut warnings = self.hit_warnings(p, &hits).await?;
        let clues: Vec<(String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT hit_id, id FROM clues WHERE hit_id IS NOT NULL AND status NOT IN ('closed', 'concluded')")
            .fetch_all(pool).await)?;
        let clue_of: BTreeMap<String, String> = clues.into_iter().collect();
        Ok(ranked
            .into_iter()
            .map(|(hit, a)| QueuedHit {
                indicator_precision: precision.get(&hit.indicator_id).cloned(),
                clue_id: clue_of.get(&hit.id).cloned(),
                warnings: warnings.remove(&hit.id).unwrap_or_default(),
                amount_fen: a.as_ref().map(|x| x.0),
                amount_value: a.map(|x| x.1),
                hit,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_money_picks_the_largest() {
        assert!(severity_rank("high") > severity_rank("medium"));
        assert!(severity_rank("low") > severity_rank("?"));
        let mut h: HitRecord = serde_json::from_value(serde_json::json!({
            "id": "x", "indicator_id": "SL-R01", "indicator_version": "1.0.0", "domain": "d",
            "kind": "rule", "severity": "high", "param_hash": "", "params": {}, "inputs": {},
            "unit_id": "U", "unit_kind": null, "division_code": "", "subject": {},
            "facts_hash": "", "values": {"annual_rent": 6_000_000, "bundle_annual": 10_800_000, "bundle_size": 3},
            "thresholds": {}, "explanation_zh": "", "explanation_en": "", "counterfactual_zh": "",
            "counterfactual_en": "", "first_seen_at": 0, "last_seen_at": 0, "times_seen": 1,
            "decision": null, "decided_by": null, "decided_at": null
        }))
        .unwrap();
        let money: BTreeMap<String, Vec<String>> = [(
            "SL-R01".to_owned(),
            vec!["annual_rent".to_owned(), "bundle_annual".to_owned()],
        )]
        .into();
        assert_eq!(
            amount_at_stake(&h, &money),
            Some((10_800_000, "bundle_annual".to_owned()))
        );
        h.values = serde_json::json!({"annual_rent": null});
        assert_eq!(amount_at_stake(&h, &money), None);
        h.indicator_id = "other".into();
        assert_eq!(amount_at_stake(&h, &money), None);
        let p = Precision {
            confirmed: 2,
            decided: 3,
            precision: Some(0.6667),
            ..Default::default()
        };
        assert_eq!(p.label(), "67% (2/3)");
    }
}
