//! Full verification of the stored log: recompute every leaf hash from the stored leaf bytes,
//! rebuild the tree and compare every stored node, check every stored checkpoint's root and
//! signature, and check consistency with a checkpoint a user kept from earlier. The first
//! problem found is reported with exactly where it is.

use super::LOG_ID;
use crate::Store;
use qinglian_ledger::note::parse_note;
use qinglian_ledger::{
    Checkpoint, Entry, Frontier, Hash, Verifier, hash_to_hex, leaf_hash, scan_canonical,
    stored_hash_count,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub entries_checked: u64,
    pub nodes_checked: u64,
    pub checkpoints_checked: u64,
    /// Size of the user's checkpoint that the log was found consistent with.
    pub consistent_with: Option<u64>,
    /// Tracked objects (users, tokens, clues, decided hits) whose current state was replayed
    /// from their history.
    pub objects_replayed: u64,
}

/// Why verification failed: a stable code and a bilingual, located explanation.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("[{code}] {zh} / {en}")]
pub struct VerifyFailure {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

fn fail(code: &'static str, zh: String, en: String) -> VerifyFailure {
    VerifyFailure { code, zh, en }
}

impl From<crate::StoreError> for VerifyFailure {
    fn from(e: crate::StoreError) -> Self {
        fail(
            "LEDGER_READ",
            format!("读取账本失败：{e}"),
            format!("cannot read the ledger: {e}"),
        )
    }
}

impl Store {
    /// The log's keys with the first size each signs: the genesis key, then each rotation's new
    /// key, every hand-over checked against the previous key's signed statement. The caller's
    /// key must be the genesis key (then the whole chain follows from it) or the current key.
    async fn key_chain(
        &self,
        origin: &str,
        anchor: &Verifier,
    ) -> std::result::Result<Vec<(u64, Verifier)>, VerifyFailure> {
        let bad_key = |what: &str, e: String| {
            fail(
                "LEDGER_KEY_CHAIN",
                format!("{what}无效：{e}"),
                format!("{what} is invalid: {e}"),
            )
        };
        let genesis = self.ledger_genesis_key().await?.ok_or_else(|| {
            fail(
                "LEDGER_NO_GENESIS",
                "缺少创世条目".into(),
                "the genesis entry is missing".into(),
            )
        })?;
        let mut keys = vec![(
            0u64,
            Verifier::parse(&genesis)
                .map_err(|e| bad_key("创世公钥 / genesis key ", e.to_string()))?,
        )];
        for r in self.ledger_key_rotations().await? {
            let current = &keys.last().expect("genesis").1;
            let statement =
                super::writer::rotation_statement(origin, &current.to_vkey(), &r.new_key);
            let endorsed = r.old_key == current.to_vkey()
                && qinglian_ledger::open_note(&r.endorsement, std::slice::from_ref(current))
                    .is_ok_and(|n| n.text == statement);
            if !endorsed {
                return Err(fail(
                    "LEDGER_KEY_CHAIN",
                    format!("第 {} 条的密钥轮换没有旧密钥的有效签名声明", r.index),
                    format!(
                        "the key rotation at entry {} is not endorsed by the previous key",
                        r.index
                    ),
                ));
            }
            keys.push((
                r.index + 1,
                Verifier::parse(&r.new_key)
                    .map_err(|e| bad_key("新公钥 / new key ", e.to_string()))?,
            ));
        }
        let given = anchor.to_vkey();
        if given != genesis && given != keys.last().expect("genesis").1.to_vkey() {
            return Err(fail(
                "LEDGER_KEY_UNKNOWN",
                "所给公钥既不是本账本的创世公钥，也不是当前公钥".into(),
                "the given key is neither this log's genesis key nor its current key".into(),
            ));
        }
        Ok(keys)
    }

    /// Verifies the whole log with `vkey` (the trust anchor the caller holds) and, if given, a
    /// checkpoint note kept from earlier.
    pub async fn ledger_verify(
        &self,
        vkey: &Verifier,
        kept: Option<&str>,
    ) -> std::result::Result<VerifyReport, VerifyFailure> {
        let state = self.ledger_state(LOG_ID).await?.ok_or_else(|| {
            fail(
                "LEDGER_EMPTY",
                "没有账本".into(),
                "there is no ledger".into(),
            )
        })?;
        // The reader starts now, ahead of the checks below.
        let pages = self.ledger_pages(state.size).await?;
        let keys = self.key_chain(&state.origin, vkey).await?;
        let key_at = |size: u64| key_for(&keys, size);
        let (latest, _) =
            Checkpoint::open(&state.checkpoint, std::slice::from_ref(key_at(state.size))).map_err(
                |e| {
                    fail(
                        "LEDGER_BAD_CHECKPOINT",
                        format!("最新检查点无法用所给公钥核验：{e}"),
                        format!("the latest checkpoint does not verify with the given key: {e}"),
                    )
                },
            )?;
        if latest.size != state.size || latest.root != state.root || latest.origin != state.origin {
            return Err(fail(
                "LEDGER_STATE_MISMATCH",
                format!(
                    "记录的状态（大小 {}）与其签名检查点（大小 {}）不一致",
                    state.size, latest.size
                ),
                format!(
                    "the recorded state (size {}) differs from its signed checkpoint (size {})",
                    state.size, latest.size
                ),
            ));
        }
        let kept = kept
            .map(|note| {
                let size = parse_note(note)
                    .ok()
                    .and_then(|n| Checkpoint::parse(&n.text).ok())
                    .map_or(0, |c| c.size);
                Checkpoint::open(note, std::slice::from_ref(key_at(size)))
                    .map(|(c, _)| c)
                    .map_err(|e| {
                        fail(
                            "LEDGER_BAD_KEPT_CHECKPOINT",
                            format!("所给的检查点无法核验：{e}"),
                            format!("the checkpoint you kept does not verify: {e}"),
                        )
                    })
            })
            .transpose()?;
        if let Some(k) = &kept {
            if k.origin != state.origin {
                return Err(fail(
                    "LEDGER_ORIGIN",
                    format!("所给检查点属于“{}”，不是本账本“{}”", k.origin, state.origin),
                    format!(
                        "the kept checkpoint is for '{}', not this log '{}'",
                        k.origin, state.origin
                    ),
                ));
            }
            if k.size > state.size {
                return Err(fail(
                    "LEDGER_ROLLBACK",
                    format!(
                        "账本被回退：您保存的检查点大小为 {}，而账本现在只有 {} 条",
                        k.size, state.size
                    ),
                    format!(
                        "the log was rolled back: your checkpoint has size {}, the log now has {}",
                        k.size, state.size
                    ),
                ));
            }
        }
        // Sizes whose root must be checked: every stored checkpoint, and the kept one.
        let mut expect: BTreeMap<u64, Vec<(String, Hash)>> = BTreeMap::new();
        let stored = self.ledger_checkpoint_rows().await?;
        if let Some((size, _, _)) = stored.iter().find(|(size, _, _)| *size > state.size) {
            return Err(fail(
                "LEDGER_EXTRA",
                format!("存在大小为 {size} 的检查点，超出账本大小 {}", state.size),
                format!(
                    "a checkpoint of size {size} lies beyond the log's size {}",
                    state.size
                ),
            ));
        }
        // Each stored checkpoint's root column is what the tree must reach at its size; that the
        // signed note says the same is checked beside the tree, below.
        for (size, root_col, _) in &stored {
            if let Ok(root) = Hash::try_from(root_col.as_slice()) {
                expect
                    .entry(*size)
                    .or_default()
                    .push((format!("检查点 {size} / checkpoint {size}"), root));
            }
        }
        if let Some(k) = &kept {
            expect
                .entry(k.size)
                .or_default()
                .push(("您保存的检查点 / your checkpoint".into(), k.root));
        }
        let checkpoints_checked = stored.len() as u64;
        // One Ed25519 verification per checkpoint (tens of thousands in a busy log) costs about
        // as much as the tree: done on every core while the tree is checked. Its verdict counts
        // first, as if it had run first.
        let signatures = {
            let (keys, origin) = (keys.clone(), state.origin.clone());
            tokio::task::spawn_blocking(move || check_checkpoints(&stored, &keys, &origin))
        };
        let tree = self.verify_tree(&state, &expect, pages).await;
        signatures.await.map_err(|e| {
            fail(
                "LEDGER_READ",
                format!("核验检查点失败：{e}"),
                format!("checking the checkpoints failed: {e}"),
            )
        })??;
        let nodes_checked = tree?;
        let objects_replayed = self.replay_tracked_state().await?;
        Ok(VerifyReport {
            objects_replayed,
            origin: state.origin,
            size: state.size,
            root: hash_to_hex(&state.root),
            entries_checked: state.size,
            nodes_checked,
            checkpoints_checked,
            consistent_with: kept.map(|k| k.size),
        })
    }

    /// Recomputes the tree from the stored entries and compares every stored node, and the
    /// root wherever `expect` names the size. Returns how many nodes were checked.
    async fn verify_tree(
        &self,
        state: &super::LedgerState,
        expect: &BTreeMap<u64, Vec<(String, Hash)>>,
        mut pages: super::scan::Pages,
    ) -> std::result::Result<u64, VerifyFailure> {
        let check_root = |size: u64,
                          root: &Hash,
                          expect: &BTreeMap<u64, Vec<(String, Hash)>>|
         -> std::result::Result<(), VerifyFailure> {
            for (what, want) in expect.get(&size).into_iter().flatten() {
                if want != root {
                    let code = if what.contains("your") {
                        "LEDGER_FORK"
                    } else {
                        "LEDGER_ROOT_MISMATCH"
                    };
                    return Err(fail(
                        code,
                        format!(
                            "{what}：大小 {size} 时的根 {} 与按存储数据重算的根 {} 不同",
                            hash_to_hex(want),
                            hash_to_hex(root)
                        ),
                        format!(
                            "{what}: the root at size {size} is {} but the stored data gives {}",
                            hash_to_hex(want),
                            hash_to_hex(root)
                        ),
                    ));
                }
            }
            Ok(())
        };
        check_root(0, &qinglian_ledger::EMPTY_ROOT, expect)?;
        let mut f = Frontier::new();
        let mut nodes_checked = 0u64;
        let mut next_node = 0u64;
        let mut node_rows = 0u64;
        let mut from = 0u64;
        // Pages are read on another thread while this one checks the previous page.
        while from < state.size {
            let to = (from + super::scan::PAGE).min(state.size);
            let page = pages.recv().await.ok_or_else(|| {
                fail(
                    "LEDGER_READ",
                    "读取账本失败：读取线程提前结束".into(),
                    "reading the ledger failed: the reader stopped early".into(),
                )
            })??;
            node_rows += page.nodes.len() as u64;
            // Canonical form, leaf hash and columns are per entry: checked on every core. The
            // tree below is sequential.
            let checked: Vec<Option<Hash>> = (0..page.len())
                .into_par_iter()
                .with_min_len(512)
                .map(|i| check_entry_fast(&page.entry(i)))
                .collect();
            let page_nodes = &page.nodes;
            let mut page_pos = 0usize;
            let mut expected_idx = from;
            for (i, checked) in checked.into_iter().enumerate() {
                let e = page.entry(i);
                if e.index != expected_idx {
                    return Err(fail(
                        "LEDGER_GAP",
                        format!(
                            "条目不连续：应为第 {expected_idx} 条，却是第 {} 条（有条目被删除或插入）",
                            e.index
                        ),
                        format!(
                            "entries are not contiguous: expected index {expected_idx}, found {} (an entry was deleted or inserted)",
                            e.index
                        ),
                    ));
                }
                // The fast check says only whether; the full one says what is wrong (and has
                // the last word).
                let lh = match checked {
                    Some(lh) => lh,
                    None => check_entry(&e.to_owned())?,
                };
                let mut bad: Option<VerifyFailure> = None;
                f.append_with(lh, |id, h| {
                    if bad.is_some() {
                        return;
                    }
                    let sidx = id.stored_index();
                    match page_nodes.get(page_pos) {
                        Some((s, stored)) if *s == sidx && stored == h => {}
                        Some((s, _)) if *s == sidx => {
                            bad = Some(fail(
                                "LEDGER_NODE_MISMATCH",
                                format!("树节点（层 {}，序号 {}）存储的哈希与重算不符（被改动）", id.level, id.index),
                                format!("tree node (level {}, index {}): stored hash differs from the recomputed one (altered)", id.level, id.index),
                            ));
                        }
                        _ => {
                            bad = Some(fail(
                                "LEDGER_NODE_MISSING",
                                format!("缺少树节点（层 {}，序号 {}）", id.level, id.index),
                                format!("tree node (level {}, index {}) is missing", id.level, id.index),
                            ));
                        }
                    }
                    page_pos += 1;
                    next_node = sidx + 1;
                });
                if let Some(b) = bad {
                    return Err(b);
                }
                nodes_checked = next_node;
                expected_idx += 1;
                // The root costs O(log n) hashes: only where a checkpoint names this size.
                if expect.contains_key(&f.size()) {
                    check_root(f.size(), &f.root(), expect)?;
                }
            }
            if expected_idx != to {
                return Err(fail(
                    "LEDGER_GAP",
                    format!(
                        "缺少第 {expected_idx} 条及之后的条目（账本记录的大小为 {}）",
                        state.size
                    ),
                    format!(
                        "entries from index {expected_idx} are missing (the recorded size is {})",
                        state.size
                    ),
                ));
            }
            from = to;
        }
        drop(pages);
        if f.root() != state.root {
            return Err(fail(
                "LEDGER_ROOT_MISMATCH",
                "按存储数据重算的根与记录的根不同".into(),
                "the root recomputed from the stored data differs from the recorded root".into(),
            ));
        }
        // Every row with an id in [0, n) was in a page; count the rest by index.
        let want = stored_hash_count(state.size);
        let nodes = node_rows + self.ledger_nodes_outside(want).await?;
        if nodes != want {
            return Err(fail(
                "LEDGER_EXTRA",
                format!(
                    "树节点有 {nodes} 行，大小为 {} 的树应有 {want} 行",
                    state.size
                ),
                format!(
                    "{nodes} tree node rows, but a tree of size {} has {want}",
                    state.size
                ),
            ));
        }
        let extra_entries = self.ledger_entries(state.size, u64::MAX >> 1).await?;
        if let Some(e) = extra_entries.first() {
            return Err(fail(
                "LEDGER_EXTRA",
                format!("存在超出账本大小的第 {} 条", e.index),
                format!("entry {} lies beyond the log's size", e.index),
            ));
        }
        Ok(nodes_checked)
    }
}

/// The key that signs checkpoints of `size`.
fn key_for(keys: &[(u64, Verifier)], size: u64) -> &Verifier {
    &keys
        .iter()
        .rev()
        .find(|(from, _)| *from <= size)
        .expect("the genesis key covers size 0")
        .1
}

/// Every stored checkpoint verifies with the key of its size and says what its row says; the
/// first one (by size) that does not is reported.
fn check_checkpoints(
    stored: &[(u64, Vec<u8>, String)],
    keys: &[(u64, Verifier)],
    origin: &str,
) -> std::result::Result<(), VerifyFailure> {
    let check = |(size, root_col, note): &(u64, Vec<u8>, String)| {
        let (cp, _) =
            Checkpoint::open(note, std::slice::from_ref(key_for(keys, *size))).map_err(|e| {
                fail(
                    "LEDGER_BAD_CHECKPOINT",
                    format!("大小为 {size} 的检查点签名无效：{e}"),
                    format!("the checkpoint at size {size} does not verify: {e}"),
                )
            })?;
        if cp.size != *size || cp.origin != origin || cp.root.as_slice() != root_col.as_slice() {
            return Err(fail(
                "LEDGER_BAD_CHECKPOINT",
                format!("大小为 {size} 的检查点内容与其记录不符"),
                format!("the checkpoint stored at size {size} says otherwise"),
            ));
        }
        Ok(())
    };
    stored
        .par_iter()
        .with_min_len(64)
        .map(check)
        .find_first(|r| r.is_err())
        .unwrap_or(Ok(()))
}

/// [`check_entry`] in one pass over the bytes, without building a JSON value: the leaf hash
/// when canonical form, stored hash and columns all agree, `None` for "look closer".
fn check_entry_fast(e: &super::scan::EntryRef<'_>) -> Option<Hash> {
    // kind, object_type, object_id, req_id as the signed entry says them: unseen, or whether
    // they equal the column.
    let mut signed: [Option<bool>; 4] = [None; 4];
    let stored = [Some(e.kind), e.object_type, e.object_id, e.req_id];
    scan_canonical(e.leaf, |parent, key, text| {
        let i = match (parent, key) {
            (None, "kind") => 0,
            (Some("object"), "type") => 1,
            (Some("object"), "id") => 2,
            (None, "req_id") => 3,
            _ => return,
        };
        signed[i] = Some(stored[i] == Some(text));
    })
    .ok()?;
    let columns_agree = signed
        .iter()
        .zip(stored)
        .all(|(signed, stored)| match signed {
            Some(equal) => *equal,
            None => stored.is_none(),
        });
    let lh = leaf_hash(e.leaf);
    (columns_agree && lh == *e.leaf_hash).then_some(lh)
}

/// One entry on its own: canonical JSON, its stored leaf hash, and the lookup columns.
fn check_entry(e: &super::LedgerEntry) -> std::result::Result<Hash, VerifyFailure> {
    let value = serde_json::from_slice::<serde_json::Value>(&e.leaf)
        .ok()
        .filter(|v| Entry::from_value(v).is_ok_and(|c| c.as_bytes() == e.leaf.as_slice()))
        .ok_or_else(|| {
            fail(
                "LEDGER_NOT_CANONICAL",
                format!("第 {} 条的内容不是规范 JSON（被改动）", e.index),
                format!("entry {} is not canonical JSON (altered)", e.index),
            )
        })?;
    let lh = leaf_hash(&e.leaf);
    if lh != e.leaf_hash {
        return Err(fail(
            "LEDGER_LEAF_MISMATCH",
            format!("第 {} 条的内容与其存储的哈希不符（内容被改动）", e.index),
            format!(
                "entry {}: its bytes do not hash to its stored leaf hash (content altered)",
                e.index
            ),
        ));
    }
    check_columns(e, &value)?;
    Ok(lh)
}

/// The columns kept beside a leaf for lookups must repeat what the signed leaf says.
fn check_columns(
    e: &super::LedgerEntry,
    v: &serde_json::Value,
) -> std::result::Result<(), VerifyFailure> {
    let said = |k: &str| v[k].as_str().map(str::to_owned);
    let object = |k: &str| v["object"][k].as_str().map(str::to_owned);
    for (column, stored, signed) in [
        ("kind", Some(e.kind.clone()), said("kind")),
        ("object_type", e.object_type.clone(), object("type")),
        ("object_id", e.object_id.clone(), object("id")),
        ("req_id", e.req_id.clone(), said("req_id")),
    ] {
        if stored != signed {
            return Err(fail(
                "LEDGER_COLUMN_MISMATCH",
                format!(
                    "第 {} 条的 {column} 列为 {:?}，而签名条目中为 {:?}（被改动）",
                    e.index, stored, signed
                ),
                format!(
                    "entry {}: column {column} says {:?} but the signed entry says {:?} (altered)",
                    e.index, stored, signed
                ),
            ));
        }
    }
    Ok(())
}

/// Kinds whose entries determine the state of users and tokens.
const TRACKED_KINDS: &str = "'user_created', 'user_disabled', 'user_enabled', 'user_changed', 'token_created', 'token_revoked'";

impl Store {
    /// Replays every tracked object's ledger history against the current rows (users and
    /// tokens, then each module's objects). `ledger_verify` ends with it; benchmarks time it
    /// alone. Returns how many objects were checked.
    pub async fn replay_tracked_state(&self) -> std::result::Result<u64, VerifyFailure> {
        let mut n = self.ledger_replay().await?;
        n += self.workflow_replay().await?;
        n += self.lottery_replay().await?;
        n += self.reports_replay().await?;
        Ok(n)
    }

    /// Replays the history of tracked objects and compares it with the current rows: every user
    /// and token must have been created by an entry, and be in the state its entries lead to.
    /// Catches rows written or changed behind the application's back. Returns how many objects
    /// were checked.
    pub async fn ledger_replay(&self) -> std::result::Result<u64, VerifyFailure> {
        let sql = format!(
            "SELECT idx, leaf FROM ledger_entries WHERE kind IN ({TRACKED_KINDS}) ORDER BY idx"
        );
        let rows: Vec<(i64, Vec<u8>)> =
            crate::on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)
                .map_err(crate::StoreError::from)?;
        let mut users: BTreeMap<String, bool> = BTreeMap::new();
        let mut tokens: BTreeMap<String, bool> = BTreeMap::new();
        let mut revoked_ids: Vec<i64> = Vec::new();
        for (idx, leaf) in rows {
            let v: serde_json::Value = serde_json::from_slice(&leaf).unwrap_or_default();
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            match v["kind"].as_str().unwrap_or_default() {
                "user_created" => {
                    users.insert(text("username"), false);
                }
                "user_changed" => {
                    let name = text("username");
                    if !users.contains_key(&name) {
                        return Err(fail(
                            "LEDGER_HISTORY",
                            format!("第 {idx} 条改变了从未创建过的用户 {name}"),
                            format!("entry {idx} changes user {name}, who was never created"),
                        ));
                    }
                }
                "user_disabled" | "user_enabled" => {
                    let name = text("username");
                    let disabled = v["kind"] == "user_disabled";
                    if users.insert(name.clone(), disabled).is_none() {
                        return Err(fail(
                            "LEDGER_HISTORY",
                            format!("第 {idx} 条改变了从未创建过的用户 {name}"),
                            format!("entry {idx} changes user {name}, who was never created"),
                        ));
                    }
                }
                "token_created" => {
                    tokens.insert(text("token_sha256"), false);
                }
                "token_revoked" => revoked_ids.push(v["token_id"].as_i64().unwrap_or(-1)),
                _ => {}
            }
        }
        let table_users: Vec<(String, bool)> = crate::on_pool!(self, p => sqlx::query_as("SELECT username, disabled FROM users ORDER BY username").fetch_all(p).await)
            .map_err(crate::StoreError::from)?;
        for (name, disabled) in &table_users {
            match users.get(name) {
                None => {
                    return Err(fail(
                        "LEDGER_STATE_UNRECORDED",
                        format!("用户 {name} 存在，但账本中没有创建它的记录（绕过系统写入？）"),
                        format!(
                            "user {name} exists but no ledger entry created it (written behind the system's back?)"
                        ),
                    ));
                }
                Some(d) if d != disabled => {
                    return Err(fail(
                        "LEDGER_STATE_DIVERGED",
                        format!(
                            "用户 {name} 当前{}，但账本记录的历史应为{}",
                            if *disabled { "已停用" } else { "启用" },
                            if *d { "已停用" } else { "启用" }
                        ),
                        format!(
                            "user {name} is {} but its ledger history says {}",
                            if *disabled { "disabled" } else { "enabled" },
                            if *d { "disabled" } else { "enabled" }
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        for name in users.keys() {
            if !table_users.iter().any(|(n, _)| n == name) {
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!("账本记录创建了用户 {name}，但它已不存在（被删除？）"),
                    format!("the ledger created user {name}, who no longer exists (deleted?)"),
                ));
            }
        }
        let table_tokens: Vec<(i64, String, Option<i64>)> =
            crate::on_pool!(self, p => sqlx::query_as("SELECT id, token_hash, revoked_at FROM api_tokens ORDER BY id").fetch_all(p).await)
                .map_err(crate::StoreError::from)?;
        for (id, hash, revoked_at) in &table_tokens {
            if !tokens.contains_key(hash) {
                return Err(fail(
                    "LEDGER_STATE_UNRECORDED",
                    format!("令牌 #{id} 存在，但账本中没有创建它的记录（绕过系统写入？）"),
                    format!(
                        "token #{id} exists but no ledger entry created it (written behind the system's back?)"
                    ),
                ));
            }
            if revoked_at.is_some() != revoked_ids.contains(id) {
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!("令牌 #{id} 的吊销状态与账本记录不符"),
                    format!("token #{id}: its revocation differs from the ledger's history"),
                ));
            }
        }
        if let Some(missing) = tokens
            .keys()
            .find(|h| !table_tokens.iter().any(|(_, t, _)| t == *h))
        {
            return Err(fail(
                "LEDGER_STATE_DIVERGED",
                format!(
                    "账本记录创建了令牌（SHA-256 {}…），但它已不存在（被删除？）",
                    &missing[..12.min(missing.len())]
                ),
                format!(
                    "the ledger created a token (SHA-256 {}…) that no longer exists (deleted?)",
                    &missing[..12.min(missing.len())]
                ),
            ));
        }
        Ok((table_users.len() + table_tokens.len()) as u64)
    }
}
