//! Replays every lottery's ledger history against the stored rows, for `ledger verify`: the
//! lottery row (state, steps, every hash, counts), each stored artefact (its bytes hash to what
//! the step that wrote it recorded) and each register batch (its applicants and ID digests hash
//! to what the batch's entry recorded). Catches changes made behind Qinglian's back.

use super::{LotteryRecord, lines_sha256, roster_line, sha256_hex};
use crate::ledger::VerifyFailure;
use crate::{Store, StoreError, on_pool};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a lottery's entries say it must look like now.
#[derive(Debug, Default)]
struct Expected {
    fields: BTreeMap<&'static str, String>,
    /// Artefact name → SHA-256.
    files: BTreeMap<String, String>,
    /// Batch → (applicants, batch_sha256, digests_sha256).
    batches: BTreeMap<i64, (i64, String, String)>,
}

fn failure(code: &'static str, zh: String, en: String) -> VerifyFailure {
    VerifyFailure { code, zh, en }
}

fn diverged(id: &str, zh: String, en: String) -> VerifyFailure {
    failure(
        "LEDGER_STATE_DIVERGED",
        format!("抽签 {id}：{zh}（绕过系统改动？）"),
        format!("lottery {id}: {en} (changed behind the system's back?)"),
    )
}

fn text(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The row's fields as the entries record them, by name (absent = empty).
fn row_fields(r: &LotteryRecord) -> BTreeMap<&'static str, String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    BTreeMap::from([
        ("title", r.title.clone()),
        ("division", o(&r.division_code)),
        ("state", r.state.clone()),
        ("steps", r.steps.to_string()),
        ("params_sha256", r.params_sha256.clone()),
        ("beacon_round", r.beacon_round.to_string()),
        ("applicants", r.applicants.to_string()),
        ("batches", r.batches.to_string()),
        ("roster_sha256", o(&r.roster_sha256)),
        ("rehearsal", r.rehearsal.to_string()),
        ("ceremony_sha256", o(&r.ceremony_sha256)),
        ("beacon_sha256", o(&r.beacon_sha256)),
        ("seed", o(&r.seed)),
        ("results_sha256", o(&r.results_sha256)),
        ("waitlists_sha256", o(&r.waitlists_sha256)),
        ("placed", n(r.placed)),
        ("manifest_sha256", o(&r.manifest_sha256)),
    ])
}

/// Applies one step's entry to the expected state.
fn apply(x: &mut Expected, v: &Value) {
    let mut set = |k: &'static str, val: String| {
        x.fields.insert(k, val);
    };
    set("state", text(v, "to"));
    set("steps", text(v, "step"));
    match v["action"].as_str().unwrap_or_default() {
        "announce" => {
            for k in ["title", "division", "params_sha256", "beacon_round"] {
                set(k, text(v, k));
            }
            for (k, empty) in [
                ("applicants", "0"),
                ("batches", "0"),
                ("rehearsal", "false"),
            ] {
                set(k, empty.into());
            }
            x.files
                .insert("params.txt".into(), text(v, "params_sha256"));
        }
        "register" => {
            set("applicants", text(v, "applicants"));
            set("batches", text(v, "batch"));
            x.batches.insert(
                v["batch"].as_i64().unwrap_or(-1),
                (
                    v["count"].as_i64().unwrap_or(-1),
                    text(v, "batch_sha256"),
                    text(v, "digests_sha256"),
                ),
            );
        }
        "freeze" => {
            set("roster_sha256", text(v, "roster_sha256"));
            set("rehearsal", text(v, "rehearsal"));
            x.files
                .insert("roster.csv".into(), text(v, "roster_sha256"));
        }
        "draw" => {
            for k in [
                "ceremony_sha256",
                "beacon_sha256",
                "seed",
                "results_sha256",
                "waitlists_sha256",
                "placed",
            ] {
                set(k, text(v, k));
            }
            for (name, k) in [
                ("ceremony.txt", "ceremony_sha256"),
                ("beacon.json", "beacon_sha256"),
                ("results.csv", "results_sha256"),
                ("waitlists.csv", "waitlists_sha256"),
                ("offers_log.csv", "offers_log_sha256"),
            ] {
                x.files.insert(name.into(), text(v, k));
            }
            x.files.insert(
                "seed.txt".into(),
                sha256_hex(format!("{}\n", text(v, "seed")).as_bytes()),
            );
        }
        "publish" => {
            set("manifest_sha256", text(v, "manifest_sha256"));
            x.files
                .insert("run_manifest.txt".into(), text(v, "manifest_sha256"));
        }
        "evidence" => {
            x.files
                .insert(super::EVIDENCE.into(), text(v, "evidence_sha256"));
        }
        "offer" => {
            x.files
                .insert("offers_log.csv".into(), text(v, "offers_log_sha256"));
            // A published lottery's manifest is rewritten with each event.
            if v["manifest_sha256"].is_string() {
                set("manifest_sha256", text(v, "manifest_sha256"));
                x.files
                    .insert("run_manifest.txt".into(), text(v, "manifest_sha256"));
            }
        }
        _ => {}
    }
}

impl Store {
    /// Returns how many lotteries were checked.
    pub(crate) async fn lottery_replay(&self) -> Result<u64, VerifyFailure> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT idx, leaf FROM ledger_entries WHERE kind = 'lottery_step' ORDER BY idx")
            .fetch_all(p).await)
        .map_err(StoreError::from)?;
        let mut lotteries: BTreeMap<String, Expected> = BTreeMap::new();
        for (idx, leaf) in rows {
            let v: Value = serde_json::from_slice(&leaf).unwrap_or_default();
            let id = text(&v, "lottery");
            if v["action"] != "announce" && !lotteries.contains_key(&id) {
                return Err(failure(
                    "LEDGER_STATE_UNRECORDED",
                    format!("第 {idx} 条改变了从未公告的抽签 {id}"),
                    format!("entry {idx} changes lottery {id}, which was never announced"),
                ));
            }
            apply(lotteries.entry(id).or_default(), &v);
        }
        let sql = format!("SELECT {} FROM lotteries l ORDER BY l.id", super::COLS);
        let table: Vec<LotteryRecord> =
            on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)
                .map_err(StoreError::from)?;
        for r in &table {
            let Some(x) = lotteries.get(&r.id) else {
                return Err(failure(
                    "LEDGER_STATE_UNRECORDED",
                    format!(
                        "抽签 {} 存在，但账本中没有公告它的记录（绕过系统写入？）",
                        r.id
                    ),
                    format!(
                        "lottery {} exists but no ledger entry announced it (written behind the system's back?)",
                        r.id
                    ),
                ));
            };
            let stored = row_fields(r);
            for (k, want) in &x.fields {
                let have = stored.get(k).cloned().unwrap_or_default();
                if &have != want {
                    return Err(diverged(
                        &r.id,
                        format!("{k} 为“{have}”，账本记录为“{want}”"),
                        format!("{k} is '{have}' but its ledger history says '{want}'"),
                    ));
                }
            }
            self.replay_lottery_files(&r.id, x).await?;
            self.replay_lottery_batches(&r.id, x).await?;
        }
        if let Some(id) = lotteries
            .keys()
            .find(|k| !table.iter().any(|r| &r.id == *k))
        {
            return Err(failure(
                "LEDGER_STATE_DIVERGED",
                format!("账本记录公告了抽签 {id}，但它已不存在（被删除？）"),
                format!("the ledger announced lottery {id}, which no longer exists (deleted?)"),
            ));
        }
        Ok(table.len() as u64)
    }

    async fn replay_lottery_files(&self, id: &str, x: &Expected) -> Result<(), VerifyFailure> {
        let names: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT name, sha256 FROM lottery_files WHERE lottery_id = $1 ORDER BY name")
            .bind(id).fetch_all(p).await)
        .map_err(StoreError::from)?;
        let listed: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        let expected: Vec<&str> = x.files.keys().map(String::as_str).collect();
        if listed != expected {
            return Err(diverged(
                id,
                format!("存储的文件为 {listed:?}，账本记录为 {expected:?}"),
                format!("stored files are {listed:?} but the ledger recorded {expected:?}"),
            ));
        }
        // One file at a time: rosters and results of large lotteries are tens of megabytes.
        for (name, column) in &names {
            let content = self
                .lottery_file(id, name)
                .await
                .map_err(VerifyFailure::from)?
                .unwrap_or_default();
            let actual = sha256_hex(&content);
            let want = &x.files[name];
            if &actual != want || column != want {
                return Err(diverged(
                    id,
                    format!("文件 {name} 的 SHA-256 为 {actual}，账本记录为 {want}"),
                    format!("file {name} hashes to {actual} but the ledger recorded {want}"),
                ));
            }
        }
        Ok(())
    }

    async fn replay_lottery_batches(&self, id: &str, x: &Expected) -> Result<(), VerifyFailure> {
        let apps: Vec<(i64, String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT batch, commitment, choices, group_label FROM lottery_applicants WHERE lottery_id = $1")
            .bind(id).fetch_all(p).await)
            .map_err(StoreError::from)?;
        let digests: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT batch, digest FROM lottery_id_digests WHERE lottery_id = $1")
            .bind(id).fetch_all(p).await)
        .map_err(StoreError::from)?;
        let mut lines: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (b, c, ch, g) in apps {
            lines
                .entry(b)
                .or_default()
                .push(roster_line(&c, &ch, g.as_deref()));
        }
        let mut ids: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (b, d) in digests {
            ids.entry(b).or_default().push(d);
        }
        let stored: Vec<i64> = lines.keys().chain(ids.keys()).copied().collect();
        if let Some(b) = stored.iter().find(|b| !x.batches.contains_key(*b)) {
            return Err(diverged(
                id,
                format!("存在账本中没有记录的第 {b} 批报名"),
                format!("registrations of batch {b} exist that no ledger entry recorded"),
            ));
        }
        for (b, (count, batch_sha, digests_sha)) in &x.batches {
            let mut l = lines.remove(b).unwrap_or_default();
            let mut d = ids.remove(b).unwrap_or_default();
            // Byte order, as the entry hashed them (never the database's collation).
            l.sort_unstable();
            d.sort_unstable();
            let ok = l.len() as i64 == *count
                && d.len() as i64 == *count
                && &lines_sha256(l.iter().map(String::as_str)) == batch_sha
                && &lines_sha256(d.iter().map(String::as_str)) == digests_sha;
            if !ok {
                return Err(diverged(
                    id,
                    format!("第 {b} 批报名（{count} 人）与账本记录不符"),
                    format!("registrations of batch {b} ({count}) differ from the ledger's record"),
                ));
            }
        }
        Ok(())
    }
}
