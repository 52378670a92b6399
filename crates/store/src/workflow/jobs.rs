//! Deadlines and escalation: a rectifying clue with an overdue open item rises one
//! administrative level (village → township → county → city → province). The new level's
//! supervisor (the first by user name whose jurisdiction is exactly that division) becomes the
//! handler and gets an inbox row; with nobody there, the row is addressed to the division. A
//! clue still overdue `step_days` after its last escalation rises again. Time is a parameter.

use super::{claim_step, event_stmt, ot, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::{Result, Store, on_pool};
use qinglian_core::DivisionCode;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub clue_id: String,
    pub from_division: String,
    pub to_division: String,
    pub handler: Option<String>,
    /// Overdue items (sequence numbers).
    pub items: Vec<i64>,
    pub ledger_index: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct InboxRow {
    pub id: String,
    pub username: Option<String>,
    pub division_code: String,
    pub clue_id: String,
    pub kind: String,
    pub text_zh: String,
    pub text_en: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Store {
    /// The parent of a division: the first candidate the divisions table knows, else the
    /// nearest candidate (a village's township may not be registered).
    async fn parent_division(&self, code: &str) -> Result<Option<String>> {
        let Ok(c) = DivisionCode::parse(code) else {
            return Ok(None);
        };
        let candidates = c.parent_candidates();
        for cand in &candidates {
            let known: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT code FROM divisions WHERE code = $1").bind(cand.as_str()).fetch_optional(pool).await)?;
            if known.is_some() {
                return Ok(Some(cand.to_string()));
            }
        }
        Ok(candidates.first().map(ToString::to_string))
    }

    /// Runs escalation once at `now`; returns what moved.
    pub async fn escalate_overdue(
        &self,
        ledger: &Ledger,
        now: i64,
        step_days: i64,
    ) -> Result<Vec<Escalation>> {
        let due: Vec<(String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT DISTINCT c.id, i.seq FROM clues c JOIN rect_items i ON i.clue_id = c.id WHERE c.status = 'rectifying' AND i.status = 'open' AND i.deadline < $1 AND (c.last_escalated_at IS NULL OR c.last_escalated_at <= $2) ORDER BY c.id, i.seq")
            .bind(now).bind(now - step_days.max(0) * 86_400).fetch_all(pool).await)?;
        let mut by_clue: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for (c, s) in due {
            by_clue.entry(c).or_default().push(s);
        }
        let mut out = Vec::new();
        for (clue_id, items) in by_clue {
            let row: Option<(String, Option<String>, i64)> = on_pool!(self, pool => sqlx::query_as(
                "SELECT division_code, level_division, steps FROM clues WHERE id = $1").bind(&clue_id).fetch_optional(pool).await)?;
            let Some((division, level, steps)) = row else {
                continue;
            };
            let from = level.unwrap_or(division);
            let Some(to) = self.parent_division(&from).await? else {
                continue; // already at the province: nowhere higher to go
            };
            let handler: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT u.username FROM users u JOIN user_divisions d ON d.user_id = u.id WHERE d.division_code = $1 AND u.role = 'supervisor' AND NOT u.disabled ORDER BY u.username LIMIT 1")
                .bind(&to).fetch_optional(pool).await)?;
            let step = steps + 1;
            let list = items
                .iter()
                .map(|s| format!("{clue_id}/{s}"))
                .collect::<Vec<_>>()
                .join(", ");
            let zh =
                format!("线索 {clue_id} 的整改事项 {list} 已逾期，已从 {from} 升级至 {to} 督办");
            let en =
                format!("clue {clue_id}: item(s) {list} overdue; escalated from {from} to {to}");
            let detail = json!({"from": from, "to": to, "handler": handler, "items": items});
            let mut change = vec![
                claim_step(&clue_id, steps, now),
                Stmt::new(
                    "UPDATE clues SET level_division = $1, handler = COALESCE($2, handler), last_escalated_at = $3 WHERE id = $4",
                    vec![t(&to), ot(handler.as_deref()), Bind::Int(now), t(&clue_id)],
                )
                .expecting(1),
                Stmt::new(
                    "INSERT INTO inbox (id, username, division_code, clue_id, kind, text_zh, text_en, created_at) VALUES ($1, $2, $3, $4, 'escalation', $5, $6, $7)",
                    vec![t(&format!("{clue_id}#{step}")), ot(handler.as_deref()), t(&to), t(&clue_id), t(&zh), t(&en), Bind::Int(now)],
                ),
            ];
            change.push(event_stmt(
                &clue_id, step, "escalate", None, None, "jobs", None, &detail, now,
            ));
            let entry = json!({
                "clue": clue_id, "step": step, "action": "escalate", "from_level": from,
                "to_level": to, "handler": handler, "items": items, "actor": "jobs", "ts": ts(now),
            });
            let a = ledger
                .append(
                    Unit::new("clue_escalation", crate::workflow::entry(entry))
                        .about("clue", &clue_id)
                        .with_change(change),
                )
                .await?;
            out.push(Escalation {
                clue_id,
                from_division: from,
                to_division: to,
                handler,
                items,
                ledger_index: a.index,
            });
        }
        Ok(out)
    }

    /// When the jobs last ran a screening with this trigger (`routine`, `cooldown`): the time
    /// stamped on the latest run entry about ("screen", trigger).
    pub async fn last_screening(&self, trigger: &str) -> Result<Option<i64>> {
        let leaf: Option<Vec<u8>> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT leaf FROM ledger_entries WHERE object_type = 'screen' AND object_id = $1 ORDER BY idx DESC LIMIT 1")
            .bind(trigger).fetch_optional(pool).await)?;
        Ok(leaf.and_then(|l| {
            let v: serde_json::Value = serde_json::from_slice(&l).ok()?;
            chrono::DateTime::parse_from_rfc3339(v["ts"].as_str()?)
                .ok()
                .map(|t| t.timestamp())
        }))
    }

    /// Inbox rows for a user (and those addressed to a division without a named handler, when
    /// `username` is `None`), newest first.
    pub async fn inbox(&self, username: Option<&str>) -> Result<Vec<InboxRow>> {
        let cols =
            "id, username, division_code, clue_id, kind, text_zh, text_en, created_at, read_at";
        Ok(match username {
            Some(u) => on_pool!(self, pool => sqlx::query_as(&format!(
                "SELECT {cols} FROM inbox WHERE username = $1 ORDER BY created_at DESC, id")).bind(u).fetch_all(pool).await)?,
            None => on_pool!(self, pool => sqlx::query_as(&format!(
                "SELECT {cols} FROM inbox ORDER BY created_at DESC, id")).fetch_all(pool).await)?,
        })
    }
}
