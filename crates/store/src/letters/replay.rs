//! Replays the letters' ledger history against the rows, for `ledger verify`: every letter
//! must have been issued by an entry and stand where its entries lead (number, status, steps,
//! content hash, delivery and signature dates), and its stored document must still hash to
//! what was issued.

use super::read::{COLS, LetterRecord, Row};
use crate::ledger::VerifyFailure;
use crate::{Store, StoreError, on_pool};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Default, PartialEq, Debug)]
struct Replayed {
    number: String,
    status: String,
    steps: i64,
    sha: String,
    delivered_on: Option<String>,
    signed_on: Option<String>,
}

fn fail(code: &'static str, zh: String, en: String) -> VerifyFailure {
    VerifyFailure { code, zh, en }
}

impl Store {
    /// Returns how many letters were checked.
    pub(crate) async fn letters_replay(&self) -> Result<u64, VerifyFailure> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT idx, leaf FROM ledger_entries WHERE kind IN ('letter_issue', 'letter_deliver', 'letter_ack') ORDER BY idx")
            .fetch_all(p).await)
            .map_err(StoreError::from)?;
        let mut history: BTreeMap<String, Replayed> = BTreeMap::new();
        for (idx, leaf) in rows {
            let v: Value = serde_json::from_slice(&leaf).unwrap_or_default();
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            let id = s("letter").unwrap_or_default();
            if v["kind"] != "letter_issue" && !history.contains_key(&id) {
                return Err(fail(
                    "LEDGER_STATE_UNRECORDED",
                    format!("第 {idx} 条改变了从未签发的文书 {id}"),
                    format!("entry {idx} changes letter {id}, which was never issued"),
                ));
            }
            let r = history.entry(id).or_default();
            r.steps = v["step"].as_i64().unwrap_or(-1);
            r.status = s("status").unwrap_or_default();
            if let Some(n) = s("number") {
                r.number = n;
            }
            if let Some(h) = s("content_sha256") {
                r.sha = h;
            }
            if let Some(d) = s("delivered_on") {
                r.delivered_on = Some(d);
            }
            if let Some(d) = s("signed_on") {
                r.signed_on = Some(d);
            }
        }
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(&format!(
            "SELECT {COLS} FROM letters l ORDER BY l.id")).fetch_all(p).await)
        .map_err(StoreError::from)?;
        let letters: Vec<LetterRecord> = rows.into_iter().map(LetterRecord::from).collect();
        for l in &letters {
            let Some(r) = history.get(&l.id) else {
                return Err(fail(
                    "LEDGER_STATE_UNRECORDED",
                    format!(
                        "文书 {} 存在，但账本中没有签发它的记录（绕过系统写入？）",
                        l.id
                    ),
                    format!(
                        "letter {} exists but no ledger entry issued it (written behind the system's back?)",
                        l.id
                    ),
                ));
            };
            let now = Replayed {
                number: l.number.clone(),
                status: l.status.clone(),
                steps: l.steps,
                sha: l.content_sha256.clone(),
                delivered_on: l.delivered_on.clone(),
                signed_on: l.signed_on.clone(),
            };
            if &now != r {
                let o = |d: &Option<String>| d.clone().unwrap_or_else(|| "-".into());
                let (nd, ns, rd, rs) = (
                    o(&now.delivered_on),
                    o(&now.signed_on),
                    o(&r.delivered_on),
                    o(&r.signed_on),
                );
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!(
                        "文书 {}（{}）当前为“{}”（第 {} 步，送达 {nd}，签收 {ns}），但账本记录的历史为“{}”（第 {} 步，送达 {rd}，签收 {rs}）",
                        l.id, l.number, now.status, now.steps, r.status, r.steps
                    ),
                    format!(
                        "letter {} ({}) is '{}' (step {}, delivered {nd}, signed {ns}) but its ledger history says '{}' (step {}, delivered {rd}, signed {rs})",
                        l.id, l.number, now.status, now.steps, r.status, r.steps
                    ),
                ));
            }
            let doc: String = on_pool!(self, p => sqlx::query_scalar(
                "SELECT document FROM letters WHERE id = $1").bind(&l.id).fetch_one(p).await)
            .map_err(StoreError::from)?;
            let rehashed = serde_json::from_str::<qinglian_letters::Letter>(&doc)
                .map(|d| d.content_hash())
                .unwrap_or_default();
            if rehashed != r.sha {
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!(
                        "文书 {}（{}）的存储内容与签发时记录的 SHA-256 不符（被改动？）",
                        l.id, l.number
                    ),
                    format!(
                        "the stored text of letter {} ({}) no longer hashes to the SHA-256 recorded at issue (changed?)",
                        l.id, l.number
                    ),
                ));
            }
        }
        let stored: std::collections::BTreeSet<&str> =
            letters.iter().map(|l| l.id.as_str()).collect();
        if let Some(id) = history.keys().find(|k| !stored.contains(k.as_str())) {
            return Err(fail(
                "LEDGER_STATE_DIVERGED",
                format!("账本记录签发了文书 {id}，但它已不存在（被删除？）"),
                format!("the ledger issued letter {id}, which no longer exists (deleted?)"),
            ));
        }
        Ok(letters.len() as u64)
    }
}
