//! Rectification items (整改事项): added to a confirmed clue, reported on by the unit (with
//! evidence by SHA-256), verified by the supervisor. An item tied to an indicator is verified
//! rectified only on data: a re-screen (run by the caller, which links the engine) shows the
//! indicator no longer fires for the unit and subject, and no stored sighting falls inside the
//! cool-down window.

use super::clues::require;
use super::machine::{self, Grade, ItemState, State};
use super::{claim_step, event_stmt, note_hash, ot, refuse, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::Principal;
use crate::{Result, Store, StoreError, on_pool};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub text: String,
    /// Unix seconds; the item is overdue after it.
    pub deadline: i64,
    pub indicator_id: Option<String>,
    /// Subject keys the indicator must stop firing for (a JSON object), with the clue's unit.
    pub subject: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ItemRecord {
    pub clue_id: String,
    pub seq: i64,
    pub text: String,
    pub deadline: i64,
    pub indicator_id: Option<String>,
    pub subject: Option<String>,
    pub status: String,
    pub report: Option<String>,
    /// JSON array of SHA-256 hashes of the evidence files.
    pub evidence: String,
    pub reported_at: Option<i64>,
    pub verdict: Option<String>,
    pub systems_improved: Option<String>,
    pub money_recovered_fen: i64,
    pub verified_at: Option<i64>,
    /// The jobs' last data re-check of a reported item, and whether it would pass then.
    pub checked_at: Option<i64>,
    pub check_passed: Option<bool>,
}

/// The result of re-screening an item's indicator, computed by the caller on the lake.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DataCheck {
    pub indicator_id: String,
    pub indicator_version: String,
    /// Reference date of the re-screen.
    pub as_of: String,
    /// Dataset → snapshot hash read by the re-screen.
    pub inputs: BTreeMap<String, String>,
    /// Ids of re-screen hits for the item's unit and subject (empty: it no longer fires).
    pub firing: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub grade: Grade,
    pub note: Option<String>,
    /// The rule or control the unit changed (完善制度), if any.
    pub systems_improved: Option<String>,
    pub money_recovered_fen: i64,
    /// A new deadline when the item goes back to the unit.
    pub new_deadline: Option<i64>,
    pub data_check: Option<DataCheck>,
    pub cooldown_days: i64,
}

/// Whether a hit's subject carries every key of the item's subject with the same value.
pub fn subject_matches(item: Option<&Value>, hit: &Value) -> bool {
    match item.and_then(Value::as_object) {
        None => true,
        Some(want) => want.iter().all(|(k, v)| hit.get(k) == Some(v)),
    }
}

fn item_not_found(clue: &str, seq: i64) -> StoreError {
    StoreError::NotFound(format!("整改事项 / item {clue}/{seq}"))
}

pub(super) fn need_rectifying(clue: &super::ClueRecord) -> Result<()> {
    if clue.state()? == State::Rectifying {
        return Ok(());
    }
    Err(refuse(
        "ITEM_CLUE_NOT_RECTIFYING",
        format!(
            "线索 {} 当前为“{}”，整改报告与核查只在“整改中”进行",
            clue.id,
            clue.state()?.name_zh()
        ),
        format!(
            "clue {} is {}; reports and verifications happen while rectifying",
            clue.id, clue.status
        ),
    ))
}

/// Closure by data, evaluated for an item: the first re-screen hit for its unit and subject,
/// the last stored sighting, and (when that falls inside the cool-down) when the item becomes
/// verifiable.
pub(crate) struct ClosureState {
    pub firing: Option<String>,
    pub last_seen: Option<(String, i64)>,
    pub quiet_from: Option<i64>,
}

impl Store {
    pub(crate) async fn closure_state(
        &self,
        unit_id: &str,
        item: &ItemRecord,
        indicator: &str,
        dc: &DataCheck,
        cooldown_days: i64,
        now: i64,
    ) -> Result<ClosureState> {
        let subject: Option<Value> = item
            .subject
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        let sightings: Vec<(String, String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, subject, last_seen_at FROM hits WHERE indicator_id = $1 AND unit_id = $2")
            .bind(indicator).bind(unit_id).fetch_all(pool).await)?;
        let last_seen = sightings
            .into_iter()
            .filter(|(_, s, _)| {
                subject_matches(
                    subject.as_ref(),
                    &serde_json::from_str(s).unwrap_or(Value::Null),
                )
            })
            .max_by_key(|(_, _, at)| *at)
            .map(|(id, _, at)| (id, at));
        let window = cooldown_days.max(0) * 86_400;
        let quiet_from = last_seen
            .as_ref()
            .map(|(_, at)| at + window)
            .filter(|q| *q > now);
        Ok(ClosureState {
            firing: dc.firing.first().cloned(),
            last_seen,
            quiet_from,
        })
    }

    /// Items of a clue in order (no scope check: callers have fetched the clue with one).
    pub async fn clue_items(&self, clue: &str) -> Result<Vec<ItemRecord>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT clue_id, seq, text, deadline, indicator_id, subject, status, report, evidence, reported_at, verdict, systems_improved, money_recovered_fen, verified_at, checked_at, check_passed FROM rect_items WHERE clue_id = $1 ORDER BY seq")
            .bind(clue).fetch_all(pool).await)?)
    }

    pub(super) async fn visible_clue(&self, p: &Principal, id: &str) -> Result<super::ClueRecord> {
        self.get_clue(p, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("线索 / clue {id}")))
    }

    /// Adds an item to the rectification order of a confirmed (or rectifying) clue.
    pub async fn add_item(
        &self,
        ledger: &Ledger,
        p: &Principal,
        clue_id: &str,
        item: &NewItem,
        now: i64,
    ) -> Result<i64> {
        require(p, "item_add")?;
        let clue = self.visible_clue(p, clue_id).await?;
        let state = clue.state()?;
        if !matches!(state, State::Confirmed | State::Rectifying) {
            return Err(refuse(
                "ITEM_CLUE_NOT_CONFIRMED",
                format!(
                    "线索 {clue_id} 当前为“{}”，问题属实后才能添加整改事项",
                    state.name_zh()
                ),
                format!(
                    "clue {clue_id} is {}; items follow a confirmed problem",
                    clue.status
                ),
            ));
        }
        if item.text.trim().is_empty() {
            return Err(refuse(
                "ITEM_NO_TEXT",
                "整改事项需要内容（--text）".into(),
                "an item needs a text (--text)".into(),
            ));
        }
        if item.subject.is_some() && item.indicator_id.is_none() {
            return Err(refuse(
                "ITEM_SUBJECT_WITHOUT_INDICATOR",
                "指定主体时须同时指定指标".into(),
                "a subject needs an indicator".into(),
            ));
        }
        let seq = self.clue_items(clue_id).await?.len() as i64 + 1;
        let step = clue.steps + 1;
        let subject = item.subject.as_ref().map(Value::to_string);
        let detail = json!({"item": seq, "deadline": item.deadline, "indicator": item.indicator_id, "subject": item.subject});
        let change = vec![
            claim_step(clue_id, clue.steps, now),
            Stmt::new(
                "INSERT INTO rect_items (clue_id, seq, text, deadline, indicator_id, subject, status) VALUES ($1, $2, $3, $4, $5, $6, 'open')",
                vec![
                    t(clue_id),
                    Bind::Int(seq),
                    t(item.text.trim()),
                    Bind::Int(item.deadline),
                    ot(item.indicator_id.as_deref()),
                    ot(subject.as_deref()),
                ],
            ),
            event_stmt(
                clue_id,
                step,
                "item_add",
                None,
                None,
                &p.username,
                Some(item.text.trim()),
                &detail,
                now,
            ),
        ];
        let entry = json!({
            "clue": clue_id, "step": step, "action": "item_add", "item": seq,
            "item_status": ItemState::Open.as_str(), "deadline": ts(item.deadline),
            "indicator": item.indicator_id, "subject_sha256": note_hash(subject.as_deref()),
            "text_sha256": note_hash(Some(item.text.trim())), "actor": p.username, "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("clue_item", crate::workflow::entry(entry))
                    .about("clue", clue_id)
                    .with_change(change),
            )
            .await?;
        Ok(seq)
    }

    pub(super) async fn item(&self, clue_id: &str, seq: i64) -> Result<ItemRecord> {
        self.clue_items(clue_id)
            .await?
            .into_iter()
            .find(|i| i.seq == seq)
            .ok_or_else(|| item_not_found(clue_id, seq))
    }

    /// The supervisor's verification of a reported item. `completely` on an item tied to an
    /// indicator needs the data check to pass; the check goes into the entry.
    pub async fn verify_item(
        &self,
        ledger: &Ledger,
        p: &Principal,
        clue_id: &str,
        seq: i64,
        v: &Verification,
        now: i64,
    ) -> Result<()> {
        require(p, "item_verify")?;
        let clue = self.visible_clue(p, clue_id).await?;
        need_rectifying(&clue)?;
        let item = self.item(clue_id, seq).await?;
        let from = ItemState::parse(&item.status).unwrap_or(ItemState::Open);
        let to = machine::item_step(from, Some(v.grade))?;
        if v.money_recovered_fen < 0 {
            return Err(refuse(
                "ITEM_BAD_MONEY",
                "退赔金额不能为负".into(),
                "money recovered cannot be negative".into(),
            ));
        }
        let check = match (&item.indicator_id, v.grade) {
            (Some(ind), Grade::Completely) => {
                Some(self.data_check(&clue, &item, ind, v, now).await?)
            }
            _ => None,
        };
        let deadline = match (to, v.new_deadline) {
            (ItemState::Open, Some(d)) => d,
            _ => item.deadline,
        };
        let step = clue.steps + 1;
        let systems = v
            .systems_improved
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let detail = json!({
            "item": seq, "verdict": v.grade.as_str(), "systems_improved": systems,
            "money_recovered_fen": v.money_recovered_fen, "deadline": deadline, "data_check": check,
        });
        let change = vec![
            claim_step(clue_id, clue.steps, now),
            Stmt::new(
                "UPDATE rect_items SET status = $1, verdict = $2, systems_improved = COALESCE($3, systems_improved), money_recovered_fen = money_recovered_fen + $4, verified_at = $5, deadline = $6 WHERE clue_id = $7 AND seq = $8 AND status = $9",
                vec![
                    t(to.as_str()), t(v.grade.as_str()), ot(systems), Bind::Int(v.money_recovered_fen),
                    Bind::Int(now), Bind::Int(deadline), t(clue_id), Bind::Int(seq), t(from.as_str()),
                ],
            )
            .expecting(1),
            event_stmt(clue_id, step, "item_verify", None, None, &p.username, v.note.as_deref(), &detail, now),
        ];
        let entry = json!({
            "clue": clue_id, "step": step, "action": "item_verify", "item": seq,
            "item_status": to.as_str(), "verdict": v.grade.as_str(),
            "systems_improved_sha256": note_hash(systems),
            "money_recovered_fen": v.money_recovered_fen, "deadline": ts(deadline),
            "data_check": check, "note_sha256": note_hash(v.note.as_deref()),
            "actor": p.username, "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("clue_item", crate::workflow::entry(entry))
                    .about("clue", clue_id)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }

    /// Closure by data: the re-screen must not fire for the unit and subject, and no stored
    /// sighting may fall inside the cool-down window. Returns what goes into the entry.
    async fn data_check(
        &self,
        clue: &super::ClueRecord,
        item: &ItemRecord,
        indicator: &str,
        v: &Verification,
        now: i64,
    ) -> Result<Value> {
        let Some(dc) = v
            .data_check
            .as_ref()
            .filter(|d| d.indicator_id == indicator)
        else {
            return Err(refuse(
                "ITEM_DATA_CHECK_REQUIRED",
                format!("整改事项关联指标 {indicator}，须先重新排查该指标再核查为已整改"),
                format!(
                    "the item is tied to indicator {indicator}; re-screen it before verifying it rectified"
                ),
            ));
        };
        let st = self
            .closure_state(&clue.unit_id, item, indicator, dc, v.cooldown_days, now)
            .await?;
        if let Some(hit) = &st.firing {
            return Err(refuse(
                "ITEM_STILL_FIRES",
                format!(
                    "指标 {indicator} 在 {} 的重新排查中仍对单位 {} 触发（命中 {hit}），不能核查为已整改",
                    dc.as_of, clue.unit_id
                ),
                format!(
                    "indicator {indicator} still fires for unit {} in the re-screen as of {} (hit {hit}); not rectified",
                    clue.unit_id, dc.as_of
                ),
            ));
        }
        let last = st.last_seen.as_ref();
        if let (Some((hit, at)), Some(quiet)) = (last, st.quiet_from) {
            let quiet_from = ts(quiet);
            return Err(refuse(
                "ITEM_COOLDOWN",
                format!(
                    "指标 {indicator} 最近一次于 {} 触发（命中 {hit}），冷却期 {} 天，{quiet_from} 后方可核查为已整改",
                    ts(*at),
                    v.cooldown_days
                ),
                format!(
                    "indicator {indicator} last fired at {} (hit {hit}); cool-down {} days: verifiable from {quiet_from}",
                    ts(*at),
                    v.cooldown_days
                ),
            ));
        }
        Ok(json!({
            "indicator": dc.indicator_id, "version": dc.indicator_version, "as_of": dc.as_of,
            "inputs": dc.inputs, "firing": dc.firing, "cooldown_days": v.cooldown_days,
            "last_seen": last.map(|(_, at)| ts(*at)), "passed": true,
        }))
    }
}
