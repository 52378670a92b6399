//! The in-app inbox (站内通知) as a principal sees it, and read-marking: marking a row read is
//! a ledger entry (`inbox_read`, object ("inbox", id)), so `ledger verify` can tell a read mark
//! set behind the system's back.

use super::jobs::InboxRow;
use super::{refuse, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit, VerifyFailure};
use crate::scope::{self, Principal};
use crate::{Result, Store, StoreError, on_pool};
use serde_json::json;
use std::collections::BTreeSet;

const COLS: &str = "x.id, x.username, x.division_code, x.clue_id, x.kind, x.text_zh, x.text_en, x.created_at, x.read_at";

impl Store {
    /// The principal's inbox, newest first: rows addressed to it, and rows addressed to a
    /// division of its jurisdiction without a named recipient.
    pub async fn inbox_for(&self, p: &Principal, unread_only: bool) -> Result<Vec<InboxRow>> {
        let f = scope::inbox(p, "x", 1);
        let unread = if unread_only {
            " AND x.read_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLS} FROM inbox x WHERE {}{unread} ORDER BY x.created_at DESC, x.id",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, InboxRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    /// Marks an inbox row read (by a principal who sees it). Marking it again changes nothing
    /// and writes nothing.
    pub async fn mark_inbox_read(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        now: i64,
    ) -> Result<InboxRow> {
        let row = self
            .inbox_for(p, false)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("通知 / notification {id}")))?;
        if row.read_at.is_some() {
            return Ok(row);
        }
        let change = vec![
            Stmt::new(
                "UPDATE inbox SET read_at = $1 WHERE id = $2 AND read_at IS NULL",
                vec![Bind::Int(now), t(id)],
            )
            .expecting(1),
        ];
        let entry = json!({"inbox": id, "clue": row.clue_id, "reader": p.username, "ts": ts(now)});
        ledger
            .append(
                Unit::new("inbox_read", entry)
                    .about("inbox", id)
                    .with_change(change),
            )
            .await?;
        self.inbox_for(p, false)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                refuse(
                    "INBOX_GONE",
                    format!("通知 {id} 已不存在"),
                    format!("notification {id} no longer exists"),
                )
            })
    }

    /// Replay for `ledger verify`: a row is read exactly when an entry marked it read.
    pub(crate) async fn inbox_replay(&self) -> std::result::Result<u64, VerifyFailure> {
        let leaves: Vec<Vec<u8>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT leaf FROM ledger_entries WHERE kind = 'inbox_read' ORDER BY idx").fetch_all(p).await)
            .map_err(StoreError::from)?;
        let marked: BTreeSet<String> = leaves
            .iter()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_slice(l).ok()?;
                v["inbox"].as_str().map(str::to_owned)
            })
            .collect();
        let read: BTreeSet<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM inbox WHERE read_at IS NOT NULL").fetch_all(p).await)
        .map_err(StoreError::from)?
        .into_iter()
        .collect();
        if let Some(id) = read.symmetric_difference(&marked).next() {
            return Err(VerifyFailure {
                code: "LEDGER_STATE_DIVERGED",
                zh: format!("通知 {id} 的已读状态与账本记录不符"),
                en: format!("notification {id}: its read mark differs from the ledger's history"),
            });
        }
        Ok(read.len() as u64)
    }
}
