//! The one writer of a log. Units of work queue on a bounded channel; the writer drains what is
//! waiting (no timer: batches form under load), runs each unit's change and appends its entry
//! inside a savepoint of one transaction, signs the new checkpoint, compare-and-swaps the stored
//! (size, root), commits, and only then answers every caller.

use super::change::bind_all;
use super::read::tree_err;
use super::{LOG_ID, Unit};
use crate::{Result, Store, StoreError, on_pool};
use qinglian_core::Msg;
use qinglian_ledger::{
    Checkpoint, EMPTY_ROOT, Entry, Frontier, Hash, NodeId, NodeSource, Signer, TreeError, Verifier,
    leaf_hash,
};
use sqlx::Acquire;
use std::cell::RefCell;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// Most units per transaction: large enough to amortise the commit, small enough to keep
/// latency low (the reference measurements put the sweet spot at 64–256).
const MAX_BATCH: usize = 256;
/// Units waiting beyond this make `append` wait (backpressure).
const QUEUE: usize = 16_384;

/// What a caller gets back once its unit is durable.
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    pub index: u64,
    pub leaf_hash: Hash,
    /// Size of the tree the checkpoint and proof are for (≥ index + 1).
    pub size: u64,
    /// The signed checkpoint (C2SP signed note) that includes the entry.
    pub checkpoint: String,
    pub proof: Vec<Hash>,
}

struct Job {
    unit: Unit,
    /// A key rotation: the entry is made by the writer (it holds the old key), committed alone,
    /// and its checkpoint is signed by both keys.
    rotate_to: Option<Signer>,
    reply: oneshot::Sender<Result<Appended>>,
}

/// The text the old key signs to hand the log over to the new one.
pub fn rotation_statement(origin: &str, old_vkey: &str, new_vkey: &str) -> String {
    format!("qinglian ledger key rotation\norigin {origin}\nold {old_vkey}\nnew {new_vkey}\n")
}

/// Handle to a log's writer. Cheap to clone; all clones feed the same writer.
#[derive(Clone)]
pub struct Ledger {
    tx: mpsc::Sender<Job>,
    origin: String,
    verifier: std::sync::Arc<std::sync::RwLock<Verifier>>,
}

fn msg(code: &'static str, zh: String, en: String) -> StoreError {
    StoreError::Invalid(Msg::new(code, zh, en))
}

/// Records which nodes a computation asks for, so they can be fetched in one query first.
#[derive(Default)]
struct Recorder(RefCell<Vec<NodeId>>);

impl NodeSource for Recorder {
    fn node(&self, id: NodeId) -> std::result::Result<Hash, TreeError> {
        self.0.borrow_mut().push(id);
        Ok([0; 32])
    }
}

/// Rebuilds the writer's right edge from stored nodes and checks it against the stored root.
async fn recover(store: &Store, size: u64, root: &Hash) -> Result<Frontier> {
    let rec = Recorder::default();
    Frontier::from_source(&rec, size).map_err(tree_err)?;
    let ids = rec.0.into_inner();
    let nodes = store.ledger_nodes(&ids).await?;
    let frontier = Frontier::from_source(&nodes, size).map_err(tree_err)?;
    if frontier.root() != *root {
        return Err(msg(
            "LEDGER_ROOT_MISMATCH",
            format!("账本已损坏：按存储的节点重建的根与记录的根（大小 {size}）不一致，拒绝写入"),
            format!(
                "ledger corrupt: the root rebuilt from stored nodes differs from the recorded root at size {size}; refusing to write"
            ),
        ));
    }
    // Only entries below the recorded size: another writer may commit past it between the
    // state read and this count (entries beyond the size are refused on append by the primary
    // key, and `ledger verify` reports strays).
    let count: i64 = on_pool!(store, p => sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE idx < $1").bind(size as i64).fetch_one(p).await)?;
    if count as u64 != size {
        return Err(msg(
            "LEDGER_SIZE_MISMATCH",
            format!("账本已损坏：条目数 {count} 与记录的大小 {size} 不一致，拒绝写入"),
            format!(
                "ledger corrupt: {count} entries but the recorded size is {size}; refusing to write"
            ),
        ));
    }
    Ok(frontier)
}

impl Ledger {
    /// Opens the log, creating it with its genesis entry (origin and public key) when the store
    /// has none; otherwise recovers the writer's state and fails closed on any mismatch.
    pub async fn open(
        store: &Store,
        signer: Signer,
        origin: &str,
    ) -> Result<(Ledger, Option<Appended>)> {
        let verifier = signer.verifier();
        let empty = Checkpoint::new(origin, 0, EMPTY_ROOT)
            .and_then(|c| c.sign(&[&signer]))
            .map_err(|e| {
                msg(
                    "LEDGER_CHECKPOINT",
                    format!("无法签署检查点：{e}"),
                    format!("cannot sign a checkpoint: {e}"),
                )
            })?;
        on_pool!(store, p => sqlx::query(
            "INSERT INTO ledger_state (log_id, origin, size, root, checkpoint) VALUES ($1, $2, 0, $3, $4) ON CONFLICT (log_id) DO NOTHING")
            .bind(LOG_ID).bind(origin).bind(EMPTY_ROOT.to_vec()).bind(&empty)
            .execute(p).await.map(|r| r.rows_affected()))?;
        let state = store.ledger_state(LOG_ID).await?.expect("inserted above");
        if state.origin != origin {
            return Err(msg(
                "LEDGER_ORIGIN",
                format!("账本的来源标识是“{}”，不是“{origin}”", state.origin),
                format!("the log's origin is '{}', not '{origin}'", state.origin),
            ));
        }
        // After a rotation the old key must not sign again, even though it co-signed the
        // hand-over checkpoint.
        if let Some(last) = store.ledger_key_rotations().await?.last()
            && last.new_key != verifier.to_vkey()
        {
            return Err(msg(
                "LEDGER_KEY_ROTATED",
                format!(
                    "账本密钥已于第 {} 条轮换为 {}，请使用新密钥",
                    last.index, last.new_key
                ),
                format!(
                    "the log's key was rotated at entry {} to {}; use the new key",
                    last.index, last.new_key
                ),
            ));
        }
        if Checkpoint::open(&state.checkpoint, std::slice::from_ref(&verifier)).is_err() {
            return Err(msg(
                "LEDGER_KEY",
                "签名密钥与账本最新检查点的密钥不符（如已轮换密钥，请使用新密钥）".into(),
                "the signing key does not match the log's latest checkpoint (after a rotation, use the new key)".into(),
            ));
        }
        let frontier = recover(store, state.size, &state.root).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let ledger = Ledger {
            tx,
            origin: origin.to_owned(),
            verifier: std::sync::Arc::new(std::sync::RwLock::new(verifier.clone())),
        };
        tokio::spawn(run(store.clone(), frontier, signer, origin.to_owned(), rx));
        let genesis = if state.size == 0 {
            let entry = serde_json::json!({
                "kind": "genesis",
                "origin": origin,
                "public_key": verifier.to_vkey(),
                "ts": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            });
            Some(ledger.append(Unit::new("genesis", entry)).await?)
        } else {
            None
        };
        Ok((ledger, genesis))
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The key that signs the log's checkpoints now.
    pub fn verifier(&self) -> Verifier {
        self.verifier.read().expect("not poisoned").clone()
    }

    /// Submits a unit and waits until it is durable and signed.
    pub async fn append(&self, unit: Unit) -> Result<Appended> {
        self.submit(unit, None).await
    }

    /// Hands the log to a new key: appends a `key_rotation` entry carrying the old key's signed
    /// statement that names the new key, in a checkpoint signed by both; later checkpoints are
    /// signed by the new key only.
    pub async fn rotate_key(&self, new: Signer) -> Result<Appended> {
        let new_vkey = new.verifier();
        let placeholder = Unit::new("key_rotation", serde_json::json!({}));
        let a = self.submit(placeholder, Some(new)).await?;
        *self.verifier.write().expect("not poisoned") = new_vkey;
        Ok(a)
    }

    async fn submit(&self, unit: Unit, rotate_to: Option<Signer>) -> Result<Appended> {
        let (reply, rx) = oneshot::channel();
        let stopped = || {
            msg(
                "LEDGER_STOPPED",
                "账本写入已停止".into(),
                "the ledger writer has stopped".into(),
            )
        };
        self.tx
            .send(Job {
                unit,
                rotate_to,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

async fn run(
    store: Store,
    mut frontier: Frontier,
    mut signer: Signer,
    origin: String,
    mut rx: mpsc::Receiver<Job>,
) {
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let mut jobs = vec![first];
        // A rotation is committed alone, so exactly one checkpoint carries both signatures.
        if let Some(new) = jobs[0].rotate_to.clone() {
            let old = signer.verifier().to_vkey();
            let new_vkey = new.verifier().to_vkey();
            let statement = rotation_statement(&origin, &old, &new_vkey);
            match qinglian_ledger::sign_note(&statement, &[&signer]) {
                Ok(endorsement) => {
                    jobs[0].unit.entry = serde_json::json!({
                        "kind": "key_rotation",
                        "origin": origin,
                        "old_key": old,
                        "new_key": new_vkey,
                        "endorsement": endorsement,
                        "ts": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                    });
                }
                Err(e) => {
                    let job = jobs.pop().expect("one job");
                    let _ = job.reply.send(Err(msg(
                        "LEDGER_KEY",
                        format!("无法签署密钥轮换声明：{e}"),
                        format!("cannot sign the rotation statement: {e}"),
                    )));
                    continue;
                }
            }
            let units: Vec<&Unit> = jobs.iter().map(|j| &j.unit).collect();
            let outcome = commit(&store, &mut frontier, &[&signer, &new], &origin, &units).await;
            let job = jobs.pop().expect("one job");
            match outcome {
                Ok(mut outs) => {
                    let out = outs.pop().expect("one outcome");
                    if out.is_ok() {
                        signer = new;
                    }
                    let _ = job.reply.send(out);
                }
                Err(e) => {
                    let _ = job.reply.send(Err(e));
                }
            }
            continue;
        }
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) if j.rotate_to.is_some() => {
                    held = Some(j);
                    break;
                }
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let units: Vec<&Unit> = jobs.iter().map(|j| &j.unit).collect();
        let mut outcome = commit(&store, &mut frontier, &[&signer], &origin, &units).await;
        if outcome.is_err() && resync(&store, &mut frontier).await {
            // Another writer moved the log (`serve` and a CLI command on one database, say):
            // nothing of this batch was committed, so it is tried once more from the new tip.
            outcome = commit(&store, &mut frontier, &[&signer], &origin, &units).await;
        }
        match outcome {
            Ok(outcomes) => {
                for (job, out) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(out);
                }
            }
            Err(e) => {
                // Another writer may have moved the log: say so, and continue only from what
                // is stored.
                let state = store.ledger_state(LOG_ID).await;
                let moved = matches!(&state, Ok(Some(s)) if s.size != frontier.size() || s.root != frontier.root());
                let text = if moved {
                    format!(
                        "[LEDGER_FORK] 另一写入者已推进账本（本写入者在大小 {}），为防分叉拒绝提交 / another writer moved the log (this writer was at size {}); refusing to fork",
                        frontier.size(),
                        frontier.size()
                    )
                } else {
                    e.to_string()
                };
                for job in jobs {
                    let _ = job.reply.send(Err(msg(
                        "LEDGER_COMMIT",
                        format!("账本提交失败，未写入：{text}"),
                        format!("ledger commit failed, nothing written: {text}"),
                    )));
                }
                match state {
                    Ok(Some(s)) => match recover(&store, s.size, &s.root).await {
                        Ok(f) => frontier = f,
                        Err(e) => {
                            tracing::error!("ledger writer stops: {e}");
                            return;
                        }
                    },
                    _ => return,
                }
            }
        }
    }
}

/// Catches up with a log another writer has moved. True if it had moved and this writer now
/// stands at the stored tip.
async fn resync(store: &Store, frontier: &mut Frontier) -> bool {
    match store.ledger_state(LOG_ID).await {
        Ok(Some(s)) if s.size != frontier.size() || s.root != frontier.root() => {
            match recover(store, s.size, &s.root).await {
                Ok(f) => {
                    *frontier = f;
                    true
                }
                Err(_) => false,
            }
        }
        _ => false,
    }
}

/// The entry with the unit's kind, object and request id written into it, so that the
/// columns kept beside the leaf for lookups are all covered by its hash. A conflicting value
/// already in the entry is refused.
fn with_metadata(u: &Unit) -> Result<serde_json::Value> {
    let mut v = u.entry.clone();
    let obj = v.as_object_mut().ok_or_else(|| {
        msg(
            "LEDGER_ENTRY",
            "账本条目必须是 JSON 对象".into(),
            "a ledger entry must be a JSON object".into(),
        )
    })?;
    let mut set = |key: &str, value: serde_json::Value| match obj.get(key) {
        Some(existing) if *existing != value => Err(msg(
            "LEDGER_ENTRY",
            format!("条目中的 {key} 与提交的不一致"),
            format!("the entry's {key} differs from the unit's"),
        )),
        _ => {
            obj.insert(key.to_owned(), value);
            Ok(())
        }
    };
    set("kind", serde_json::Value::String(u.kind.clone()))?;
    if let Some((t, id)) = &u.object {
        set("object", serde_json::json!({"type": t, "id": id}))?;
    }
    if let Some(r) = &u.req_id {
        set("req_id", serde_json::Value::String(r.clone()))?;
    }
    Ok(v)
}

/// Rows per multi-row INSERT of entries (7 values each) and of nodes (2 values each): about 250
/// parameters, because SQLite's parameter lookup is linear per parameter (see `registry.rs`).
const ENTRY_CHUNK: usize = 36;
const NODE_CHUNK: usize = 128;

/// A unit accepted into the batch: its change ran, its entry is canonical.
struct Accepted<'u> {
    unit: &'u Unit,
    entry: Entry,
}

/// One transaction for a batch. Returns one outcome per unit; an error of the batch as a whole
/// (the commit or the compare-and-swap) means nothing of it was written.
async fn commit(
    store: &Store,
    frontier: &mut Frontier,
    signers: &[&Signer],
    origin: &str,
    units: &[&Unit],
) -> Result<Vec<Result<Appended>>> {
    let old_size = frontier.size();
    let old_root = frontier.root();
    let mut f = frontier.clone();
    // Per unit: Ok(Some(i)) = i-th accepted entry, Ok(None) = an earlier entry (same request id).
    let mut slots: Vec<Result<Option<usize>>> = Vec::with_capacity(units.len());
    let mut earlier: HashMap<usize, (u64, Hash)> = HashMap::new();
    let mut accepted: Vec<Accepted<'_>> = Vec::with_capacity(units.len());
    let batch;
    let note: String;
    on_pool!(store, pool => {
        let mut tx = pool.begin().await?;
        for (pos, u) in units.iter().enumerate() {
            if let Some(req) = &u.req_id {
                let prior: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, leaf_hash FROM ledger_entries WHERE req_id = $1")
                    .bind(req).fetch_optional(&mut *tx).await?;
                let in_batch = accepted.iter().position(|a| a.unit.req_id.as_ref() == Some(req));
                if let Some((idx, h)) = prior {
                    earlier.insert(pos, (idx as u64, super::read::hash_of(&h, "leaf_hash")?));
                    slots.push(Ok(None));
                    continue;
                }
                if let Some(i) = in_batch {
                    slots.push(Ok(Some(i)));
                    continue;
                }
            }
            let entry = match with_metadata(u).and_then(|v| {
                Entry::from_value(&v).map_err(|e| msg("LEDGER_ENTRY", format!("账本条目无效：{e}"), format!("invalid ledger entry: {e}")))
            }) {
                Ok(e) => e,
                Err(e) => {
                    slots.push(Err(e));
                    continue;
                }
            };
            // The change runs in a savepoint: if it fails, only this unit is refused.
            if !u.change.is_empty() {
                let mut sp = (&mut tx).begin().await?;
                let res: Result<()> = async {
                    for st in &u.change {
                        let n = bind_all!(sqlx::query(&st.sql), &st.binds).execute(&mut *sp).await?.rows_affected();
                        if let Some(want) = st.expect_rows.filter(|w| *w != n) {
                            return Err(msg(
                                "LEDGER_CHANGE_CONFLICT",
                                format!("状态已被他人修改（预期影响 {want} 行，实际 {n} 行），未写入"),
                                format!("the state changed meanwhile (expected {want} row(s), got {n}); nothing written"),
                            ));
                        }
                    }
                    Ok(())
                }
                .await;
                match res {
                    Ok(()) => sp.commit().await?,
                    Err(e) => {
                        sp.rollback().await?;
                        slots.push(Err(e));
                        continue;
                    }
                }
            }
            slots.push(Ok(Some(accepted.len())));
            accepted.push(Accepted { unit: u, entry });
        }
        // The entries and their nodes, in bulk: any failure here fails the whole batch (and the
        // changes before it), so a change never commits without its entry.
        let leaves: Vec<Hash> = accepted.iter().map(|a| leaf_hash(a.entry.as_bytes())).collect();
        batch = f.append_batch(&leaves);
        for (c, chunk) in accepted.chunks(ENTRY_CHUNK).enumerate() {
            let ph: Vec<String> = (0..chunk.len())
                .map(|i| { let b = i * 7; format!("(${},${},${},${},${},${},${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7) })
                .collect();
            let sql = format!("INSERT INTO ledger_entries (idx, leaf, leaf_hash, req_id, kind, object_type, object_id) VALUES {}", ph.join(","));
            let mut q = sqlx::query(&sql);
            for (i, a) in chunk.iter().enumerate() {
                let k = c * ENTRY_CHUNK + i;
                let (otype, oid) = a.unit.object.clone().unzip();
                q = q.bind((old_size + k as u64) as i64).bind(a.entry.as_bytes().to_vec()).bind(leaves[k].to_vec())
                    .bind(a.unit.req_id.clone()).bind(a.unit.kind.clone()).bind(otype).bind(oid);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in batch.created.chunks(NODE_CHUNK) {
            let ph: Vec<String> = (0..chunk.len()).map(|i| format!("(${},${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!("INSERT INTO ledger_nodes (sidx, hash) VALUES {}", ph.join(","));
            let mut q = sqlx::query(&sql);
            for (id, h) in chunk {
                q = q.bind(id.stored_index() as i64).bind(h.to_vec());
            }
            q.execute(&mut *tx).await?;
        }
        if f.size() != old_size {
            note = Checkpoint::new(origin, f.size(), batch.root)
                .and_then(|c| c.sign(signers))
                .map_err(|e| msg("LEDGER_CHECKPOINT", format!("无法签署检查点：{e}"), format!("cannot sign a checkpoint: {e}")))?;
            sqlx::query("INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3)")
                .bind(f.size() as i64).bind(batch.root.to_vec()).bind(&note)
                .execute(&mut *tx).await?;
            // Compare-and-swap: two writers can never both extend the same (size, root).
            let swapped = sqlx::query("UPDATE ledger_state SET size = $1, root = $2, checkpoint = $3 WHERE log_id = $4 AND size = $5 AND root = $6")
                .bind(f.size() as i64).bind(batch.root.to_vec()).bind(&note).bind(LOG_ID).bind(old_size as i64).bind(old_root.to_vec())
                .execute(&mut *tx).await?.rows_affected();
            if swapped != 1 {
                return Err(msg(
                    "LEDGER_FORK",
                    format!("账本状态已被另一写入者改变（本写入者基于大小 {old_size}），为防分叉拒绝提交"),
                    format!("another writer moved the log (this writer was at size {old_size}); refusing to commit a fork"),
                ));
            }
            let committed = tx.commit().await;
            // Cached reads of this process re-read the ledger size before their next use.
            crate::cockpit::cache::note_write();
            committed?;
        } else {
            tx.rollback().await?;
            let state = store.ledger_state(LOG_ID).await?.expect("log exists");
            note = state.checkpoint;
        }
    });
    *frontier = f;
    let size = frontier.size();
    // Proofs of this batch's entries come from the batch itself; an earlier entry returned for a
    // repeated request id is proven from the stored tree.
    let mut out = Vec::with_capacity(units.len());
    for (pos, slot) in slots.into_iter().enumerate() {
        out.push(match slot {
            Err(e) => Err(e),
            Ok(Some(i)) => {
                let index = old_size + i as u64;
                batch
                    .inclusion_proof(index)
                    .map_err(tree_err)
                    .map(|proof| Appended {
                        index,
                        leaf_hash: leaf_hash(accepted[i].entry.as_bytes()),
                        size,
                        checkpoint: note.clone(),
                        proof,
                    })
            }
            Ok(None) => {
                let (index, leaf_hash) = earlier[&pos];
                store
                    .ledger_inclusion_proof(index, size)
                    .await
                    .map(|proof| Appended {
                        index,
                        leaf_hash,
                        size,
                        checkpoint: note.clone(),
                        proof,
                    })
            }
        });
    }
    Ok(out)
}
