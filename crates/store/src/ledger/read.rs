//! Reads of the stored log: state, entries, nodes (for proofs) and checkpoints.

use crate::{Result, Store, StoreError, on_pool};
use qinglian_ledger::{Hash, NodeId, NodeSource, TreeError, hash_from_slice};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct LedgerState {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The latest signed checkpoint (a C2SP signed note).
    pub checkpoint: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub index: u64,
    /// The exact leaf bytes (canonical JSON) that were hashed.
    pub leaf: Vec<u8>,
    pub leaf_hash: Hash,
    pub kind: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub req_id: Option<String>,
}

type EntryRow = (
    i64,
    Vec<u8>,
    Vec<u8>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn hash_of(bytes: &[u8], what: &str) -> Result<Hash> {
    hash_from_slice(bytes).map_err(|_| {
        StoreError::Invalid(qinglian_core::Msg::new(
            "LEDGER_CORRUPT",
            format!("账本数据损坏：{what} 不是 32 字节的哈希"),
            format!("ledger data corrupt: {what} is not a 32-byte hash"),
        ))
    })
}

fn entry_from_row(r: EntryRow) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        index: r.0 as u64,
        leaf_hash: hash_of(&r.2, &format!("entry {} leaf_hash", r.0))?,
        leaf: r.1,
        kind: r.3,
        object_type: r.4,
        object_id: r.5,
        req_id: r.6,
    })
}

const ENTRY_COLS: &str = "idx, leaf, leaf_hash, kind, object_type, object_id, req_id";

impl Store {
    pub async fn ledger_state(&self, log_id: &str) -> Result<Option<LedgerState>> {
        let row: Option<(String, i64, Vec<u8>, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT origin, size, root, checkpoint FROM ledger_state WHERE log_id = $1")
            .bind(log_id).fetch_optional(p).await)?;
        row.map(|(origin, size, root, checkpoint)| {
            Ok(LedgerState {
                origin,
                size: size as u64,
                root: hash_of(&root, "state root")?,
                checkpoint,
            })
        })
        .transpose()
    }

    pub async fn ledger_entry(&self, index: u64) -> Result<Option<LedgerEntry>> {
        let sql = format!("SELECT {ENTRY_COLS} FROM ledger_entries WHERE idx = $1");
        let row: Option<EntryRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(index as i64).fetch_optional(p).await)?;
        row.map(entry_from_row).transpose()
    }

    /// Entries `from..to` in index order.
    pub async fn ledger_entries(&self, from: u64, to: u64) -> Result<Vec<LedgerEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLS} FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx"
        );
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(from as i64).bind(to as i64).fetch_all(p).await)?;
        rows.into_iter().map(entry_from_row).collect()
    }

    /// The newest `limit` entries of one kind, newest first (e.g. the recent screening runs).
    pub async fn ledger_recent(&self, kind: &str, limit: i64) -> Result<Vec<LedgerEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLS} FROM ledger_entries WHERE kind = $1 ORDER BY idx DESC LIMIT $2"
        );
        let rows: Vec<EntryRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(kind).bind(limit).fetch_all(p).await)?;
        rows.into_iter().map(entry_from_row).collect()
    }

    /// The history of one object, oldest first.
    pub async fn ledger_object_history(
        &self,
        object_type: &str,
        object_id: &str,
    ) -> Result<Vec<LedgerEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLS} FROM ledger_entries WHERE object_type = $1 AND object_id = $2 ORDER BY idx"
        );
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(object_type).bind(object_id).fetch_all(p).await)?;
        rows.into_iter().map(entry_from_row).collect()
    }

    /// Fetches the given complete nodes in one query, as a [`NodeSource`] for proofs.
    pub async fn ledger_nodes(&self, ids: &[NodeId]) -> Result<PrefetchedNodes> {
        let mut map = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT sidx, hash FROM ledger_nodes WHERE sidx IN ({})",
                ph.join(",")
            );
            let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => {
                let mut q = sqlx::query_as(&sql);
                for id in chunk { q = q.bind(id.stored_index() as i64); }
                q.fetch_all(p).await
            })?;
            let by_sidx: HashMap<u64, Vec<u8>> =
                rows.into_iter().map(|(i, h)| (i as u64, h)).collect();
            for id in chunk {
                if let Some(h) = by_sidx.get(&id.stored_index()) {
                    map.insert(*id, hash_of(h, &format!("node {}/{}", id.level, id.index))?);
                }
            }
        }
        Ok(PrefetchedNodes(map))
    }

    /// Inclusion proof of `index` in the tree of `size`, from stored nodes.
    pub async fn ledger_inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        let plan = qinglian_ledger::inclusion_plan(index, size).map_err(tree_err)?;
        let nodes = self.ledger_nodes(plan.node_ids()).await?;
        plan.resolve(&nodes).map_err(tree_err)
    }

    /// Consistency proof between sizes `old` and `new`, from stored nodes.
    pub async fn ledger_consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        let plan = qinglian_ledger::consistency_plan(old, new).map_err(tree_err)?;
        let nodes = self.ledger_nodes(plan.node_ids()).await?;
        plan.resolve(&nodes).map_err(tree_err)
    }

    /// Every stored checkpoint (size, note), oldest first.
    pub async fn ledger_checkpoints(&self) -> Result<Vec<(u64, String)>> {
        Ok(self
            .ledger_checkpoint_rows()
            .await?
            .into_iter()
            .map(|(s, _, n)| (s, n))
            .collect())
    }

    /// Every stored checkpoint with its root column, for verification.
    pub async fn ledger_checkpoint_rows(&self) -> Result<Vec<(u64, Vec<u8>, String)>> {
        let rows: Vec<(i64, Vec<u8>, String)> = on_pool!(self, p => sqlx::query_as("SELECT size, root, note FROM ledger_checkpoints ORDER BY size").fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(s, r, n)| (s as u64, r, n)).collect())
    }
}

pub(crate) fn tree_err(e: TreeError) -> StoreError {
    StoreError::Invalid(qinglian_core::Msg::new(
        "LEDGER_TREE",
        format!("账本树错误：{e}"),
        format!("ledger tree error: {e}"),
    ))
}

/// Nodes fetched ahead of a proof computation.
pub struct PrefetchedNodes(pub HashMap<NodeId, Hash>);

impl NodeSource for PrefetchedNodes {
    fn node(&self, id: NodeId) -> std::result::Result<Hash, TreeError> {
        self.0.node(id)
    }
}

/// One hand-over of the log to a new key, as recorded by its `key_rotation` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRotation {
    pub index: u64,
    pub old_key: String,
    pub new_key: String,
    /// The old key's signed note naming the new key.
    pub endorsement: String,
}

impl Store {
    /// The public key recorded in the genesis entry.
    pub async fn ledger_genesis_key(&self) -> Result<Option<String>> {
        let Some(e) = self.ledger_entry(0).await? else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
        Ok(v["public_key"].as_str().map(str::to_owned))
    }

    /// Every key rotation, oldest first.
    pub async fn ledger_key_rotations(&self) -> Result<Vec<KeyRotation>> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT idx, leaf FROM ledger_entries WHERE kind = 'key_rotation' ORDER BY idx").fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(idx, leaf)| {
                let v: serde_json::Value = serde_json::from_slice(&leaf).unwrap_or_default();
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                KeyRotation {
                    index: idx as u64,
                    old_key: s("old_key"),
                    new_key: s("new_key"),
                    endorsement: s("endorsement"),
                }
            })
            .collect())
    }
}

impl Store {
    /// Keeps a witness's cosignature line for the checkpoint of `size` (one per witness).
    pub async fn ledger_add_cosignature(&self, size: u64, witness: &str, line: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO ledger_cosignatures (size, witness, line) VALUES ($1, $2, $3) ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line")
            .bind(size as i64).bind(witness).bind(line).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The checkpoint note of `size` as published: the log's signature followed by every
    /// witness cosignature kept for it.
    pub async fn ledger_published_checkpoint(&self, note: &str, size: u64) -> Result<String> {
        let lines: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT line FROM ledger_cosignatures WHERE size = $1 ORDER BY witness")
            .bind(size as i64).fetch_all(p).await)?;
        let mut out = note.to_owned();
        for l in lines {
            out.push_str(l.trim_end_matches('\n'));
            out.push('\n');
        }
        Ok(out)
    }
}
