//! The supervision workflow (线索处置 → 整改 → 销号, design §6): clues, their steps, items of
//! rectification orders, escalation, outcome accounting.
//!
//! Every step is one ledger unit: the entry (kind `clue_transition`, `clue_item` or
//! `clue_escalation`, object ("clue", id); references and hashes only, never names or notes)
//! and the rows it changes commit in one transaction. Each step bumps `clues.steps` under a
//! guard on its old value, so two concurrent steps on one clue cannot both land.

mod checks;
mod clues;
mod evidence;
mod inbox;
mod items;
mod jobs;
pub mod machine;
mod queue;
mod replay;
mod report;
mod triage;

pub use checks::{CheckDue, ItemCheck};
pub(crate) use clues::require;
pub use clues::{ClueEvent, ClueRecord, Move};
pub(crate) use clues::{NewClue, clue_unit};
pub use evidence::{EvidenceFile, ItemReport, MAX_EVIDENCE_FILES};
pub use items::{DataCheck, ItemRecord, NewItem, Verification, subject_matches};
pub use jobs::{Escalation, InboxRow};
pub use machine::{Action, Grade, ItemState, Method, State};
pub use queue::ItemsDue;
pub use report::{OutcomeReport, UnitOutcome, period_bounds};
pub use triage::{Precision, QueuedHit};

use crate::StoreError;
use crate::ledger::{Bind, Stmt};
use qinglian_core::Msg;
use sha2::{Digest, Sha256};

/// Attempts of a step whose key (a clue id, a letter number) another writer may take first.
/// Each round commits at least one of the contenders, so this bounds a burst, not a rate.
pub(crate) const MAX_ATTEMPTS: usize = 200;

/// Whether a unit failed only because another writer got there first: its guard matched no
/// row, its key was taken, the database was busy, or another writer moved the log. Nothing of
/// it was written, so it can be built again from a fresh read and resubmitted.
pub(crate) fn retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Invalid(m) => matches!(m.code, "LEDGER_CHANGE_CONFLICT" | "LEDGER_COMMIT"),
        StoreError::Db(sqlx::Error::Database(d)) => {
            d.is_unique_violation()
                // SQLite busy/locked (5, 6, 517); PostgreSQL serialization failure, deadlock.
                || matches!(d.code().as_deref(), Some("5" | "6" | "517" | "40001" | "40P01"))
        }
        _ => false,
    }
}

pub(crate) fn refuse(code: &'static str, zh: String, en: String) -> StoreError {
    StoreError::Invalid(Msg::new(code, zh, en))
}

/// RFC 3339 UTC with milliseconds, as ledger entries carry time.
pub(crate) fn ts(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The SHA-256 of a free-text note: the entry proves the note without carrying it.
pub(crate) fn note_hash(note: Option<&str>) -> Option<String> {
    note.map(|n| hex::encode(Sha256::digest(n.as_bytes())))
}

pub(crate) fn t(v: &str) -> Bind {
    Bind::Text(v.to_owned())
}

pub(crate) fn ot(v: Option<&str>) -> Bind {
    Bind::OptText(v.map(str::to_owned))
}

/// The statement that claims the next step number of a clue; it fails (0 rows) when another
/// step landed since `steps` was read.
pub(crate) fn claim_step(clue: &str, steps: i64, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE clues SET steps = steps + 1, updated_at = $1 WHERE id = $2 AND steps = $3",
        vec![Bind::Int(now), t(clue), Bind::Int(steps)],
    )
    .expecting(1)
}

/// The event row of a step, keeping what the entry only hashes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn event_stmt(
    clue: &str,
    step: i64,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    actor: &str,
    note: Option<&str>,
    detail: &serde_json::Value,
    now: i64,
) -> Stmt {
    Stmt::new(
        "INSERT INTO clue_events (clue_id, step, kind, from_status, to_status, actor, note, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            t(clue),
            Bind::Int(step),
            t(kind),
            ot(from),
            ot(to),
            t(actor),
            ot(note),
            Bind::Text(detail.to_string()),
            Bind::Int(now),
        ],
    )
}

/// Drops null members, recursively: canonical ledger JSON has no nulls, and an absent
/// reference says the same.
pub(crate) fn entry(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, entry(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(entry).collect()),
        other => other,
    }
}
