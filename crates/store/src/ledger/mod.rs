//! The ledger in the store (全过程留痕): one writer per log appends units of work — a state
//! change and its entry — in batched transactions, compare-and-swaps the signed (size, root),
//! and answers each caller with its index, the signed checkpoint and its inclusion proof.
//!
//! The Merkle tree, checkpoints and notes are `qinglian-ledger` (pure); this module is their
//! storage: `ledger_entries` (exact leaf bytes), `ledger_nodes` (every complete subtree hash, in
//! append order), `ledger_checkpoints` (every signed checkpoint) and `ledger_state` (the CAS row).

pub mod change;
mod read;
mod scan;
mod verify;
mod writer;

pub use change::{Bind, Stmt};
pub use read::{KeyRotation, LedgerEntry, LedgerState};
pub use verify::{VerifyFailure, VerifyReport};
pub use writer::{Appended, Ledger, rotation_statement};

use serde_json::Value;

/// The single log of this installation (the schema allows more).
pub const LOG_ID: &str = "main";

/// One unit of work: the entry to append and the change it records. Both commit together or
/// neither does.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The entry, a JSON object without floats; stored as canonical JSON. References and
    /// hashes of personal data only, never the data.
    pub entry: Value,
    /// What kind of step this is (`genesis`, `import`, `clue_transition` …), for lookups.
    pub kind: String,
    /// The object the step is about (`("clue", "C-17")`), for replaying an object's history.
    pub object: Option<(String, String)>,
    /// Idempotency key: a retry with the same id gets the original index back.
    pub req_id: Option<String>,
    pub change: Vec<Stmt>,
}

impl Unit {
    pub fn new(kind: &str, entry: Value) -> Self {
        Unit {
            entry,
            kind: kind.to_owned(),
            object: None,
            req_id: None,
            change: Vec::new(),
        }
    }
    pub fn about(mut self, object_type: &str, object_id: &str) -> Self {
        self.object = Some((object_type.to_owned(), object_id.to_owned()));
        self
    }
    pub fn with_change(mut self, change: Vec<Stmt>) -> Self {
        self.change = change;
        self
    }
    pub fn with_req_id(mut self, req_id: &str) -> Self {
        self.req_id = Some(req_id.to_owned());
        self
    }
}
