//! The handler's work queue: per visible clue, what its open items owe and by when, in one
//! query (the queue page lists every open clue of a jurisdiction).

use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};
use serde::Serialize;
use std::collections::BTreeMap;

/// The state of a clue's rectification items at `now`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ItemsDue {
    /// Items waiting for the unit's report.
    pub open: i64,
    /// Items reported, waiting for verification.
    pub reported: i64,
    /// Open items past their deadline.
    pub overdue: i64,
    /// The earliest deadline of an open item.
    pub next_deadline: Option<i64>,
}

impl Store {
    /// Per clue the principal may see that has items not yet rectified: counts and the next
    /// deadline. Clues without such items are absent.
    pub async fn items_due(&self, p: &Principal, now: i64) -> Result<BTreeMap<String, ItemsDue>> {
        let f = scope::clues(p, "c", 2);
        let sql = format!(
            "SELECT i.clue_id, \
               SUM(CASE WHEN i.status = 'open' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN i.status = 'reported' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN i.status = 'open' AND i.deadline < $1 THEN 1 ELSE 0 END), \
               MIN(CASE WHEN i.status = 'open' THEN i.deadline END) \
             FROM rect_items i JOIN clues c ON c.id = i.clue_id \
             WHERE i.status <> 'rectified' AND {} GROUP BY i.clue_id",
            f.sql
        );
        let rows: Vec<(String, i64, i64, i64, Option<i64>)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(now);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, open, reported, overdue, next)| {
                (
                    id,
                    ItemsDue {
                        open,
                        reported,
                        overdue,
                        next_deadline: next,
                    },
                )
            })
            .collect())
    }
}
