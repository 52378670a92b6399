//! The cool-down re-screens (run by the jobs): a reported item tied to an indicator is
//! re-screened while it waits for verification, and each check is a clue step with its entry
//! (action `item_check`): what the re-screen read, whether the indicator still fires for the
//! unit and subject, the last sighting, and whether closure by data would pass now. The first
//! passing check tells the handler in the inbox. The re-screen itself is the caller's (the
//! store does not link the engine).

use super::items::{DataCheck, ItemRecord};
use super::{claim_step, event_stmt, ot, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::Principal;
use crate::{Result, Store, StoreError, on_pool};
use serde::Serialize;
use serde_json::{Value, json};

/// A reported item waiting for verification whose indicator is due for a re-screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckDue {
    pub clue_id: String,
    pub seq: i64,
    pub unit_id: String,
    pub indicator_id: String,
    /// Subject keys the indicator must stop firing for.
    pub subject: Option<Value>,
}

/// A recorded check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemCheck {
    pub clue_id: String,
    pub item: i64,
    pub indicator_id: String,
    pub as_of: String,
    /// Re-screen hits for the unit and subject (empty: it no longer fires).
    pub firing: Vec<String>,
    pub last_seen: Option<String>,
    /// When the cool-down after the last sighting ends, if it has not yet.
    pub verifiable_from: Option<String>,
    /// Closure by data would pass now.
    pub passed: bool,
    pub ledger_index: u64,
}

impl Store {
    /// Reported items tied to an indicator, on rectifying clues, not checked since they were
    /// reported nor since `since` (Unix seconds).
    pub async fn items_due_for_check(&self, since: i64) -> Result<Vec<CheckDue>> {
        let rows: Vec<(String, i64, String, String, Option<String>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT i.clue_id, i.seq, c.unit_id, i.indicator_id, i.subject FROM rect_items i JOIN clues c ON c.id = i.clue_id \
             WHERE c.status = 'rectifying' AND i.status = 'reported' AND i.indicator_id IS NOT NULL \
             AND (i.checked_at IS NULL OR i.checked_at < i.reported_at OR i.checked_at <= $1) ORDER BY i.clue_id, i.seq")
            .bind(since).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(clue_id, seq, unit_id, indicator_id, subject)| CheckDue {
                clue_id,
                seq,
                unit_id,
                indicator_id,
                subject: subject.and_then(|s| serde_json::from_str(&s).ok()),
            })
            .collect())
    }

    /// Records one re-check of a reported item (actor `jobs`).
    pub async fn record_item_check(
        &self,
        ledger: &Ledger,
        clue_id: &str,
        seq: i64,
        dc: &DataCheck,
        cooldown_days: i64,
        now: i64,
    ) -> Result<ItemCheck> {
        let op = Principal::operator();
        let clue = self
            .get_clue(&op, clue_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("线索 / clue {clue_id}")))?;
        let item: ItemRecord = self
            .clue_items(clue_id)
            .await?
            .into_iter()
            .find(|i| i.seq == seq)
            .ok_or_else(|| StoreError::NotFound(format!("整改事项 / item {clue_id}/{seq}")))?;
        let indicator = item.indicator_id.clone().unwrap_or_default();
        let st = self
            .closure_state(&clue.unit_id, &item, &indicator, dc, cooldown_days, now)
            .await?;
        let passed = st.firing.is_none() && st.quiet_from.is_none();
        let last_seen = st.last_seen.as_ref().map(|(_, at)| ts(*at));
        let verifiable_from = st.quiet_from.map(ts);
        let check = json!({
            "indicator": dc.indicator_id, "version": dc.indicator_version, "as_of": dc.as_of,
            "inputs": dc.inputs, "firing": dc.firing, "cooldown_days": cooldown_days,
            "last_seen": last_seen, "verifiable_from": verifiable_from, "passed": passed,
        });
        let step = clue.steps + 1;
        let detail = json!({"item": seq, "data_check": check});
        let mut change = vec![
            claim_step(clue_id, clue.steps, now),
            Stmt::new(
                "UPDATE rect_items SET checked_at = $1, check_passed = $2 WHERE clue_id = $3 AND seq = $4 AND status = 'reported'",
                vec![Bind::Int(now), Bind::Bool(passed), t(clue_id), Bind::Int(seq)],
            )
            .expecting(1),
            event_stmt(clue_id, step, "item_check", None, None, "jobs", None, &detail, now),
        ];
        // Tell the handler once, when the item first becomes verifiable on the data.
        if passed && item.check_passed != Some(true) {
            let zh = format!(
                "线索 {clue_id} 的整改事项 {clue_id}/{seq} 经重新排查，指标 {indicator} 已不再触发且冷却期已过，可以核查"
            );
            let en = format!(
                "clue {clue_id}: item {clue_id}/{seq} passed the re-screen (indicator {indicator} no longer fires, cool-down over); ready to verify"
            );
            let division = clue
                .level_division
                .clone()
                .unwrap_or_else(|| clue.division_code.clone());
            change.push(Stmt::new(
                "INSERT INTO inbox (id, username, division_code, clue_id, kind, text_zh, text_en, created_at) VALUES ($1, $2, $3, $4, 'item_ready', $5, $6, $7)",
                vec![
                    t(&format!("{clue_id}#{step}")),
                    ot(clue.handler.as_deref()),
                    t(&division),
                    t(clue_id),
                    t(&zh),
                    t(&en),
                    Bind::Int(now),
                ],
            ));
        }
        let entry = json!({
            "clue": clue_id, "step": step, "action": "item_check", "item": seq,
            "item_status": item.status, "data_check": check, "actor": "jobs", "ts": ts(now),
        });
        let a = ledger
            .append(
                Unit::new("clue_item", crate::workflow::entry(entry))
                    .about("clue", clue_id)
                    .with_change(change),
            )
            .await?;
        Ok(ItemCheck {
            clue_id: clue_id.to_owned(),
            item: seq,
            indicator_id: indicator,
            as_of: dc.as_of.clone(),
            firing: dc.firing.clone(),
            last_seen,
            verifiable_from,
            passed,
            ledger_index: a.index,
        })
    }
}
