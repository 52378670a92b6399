//! Replays the workflow's ledger history against the current rows, for `ledger verify`: every
//! clue must have been opened by an entry and stand where its entries lead (state, number of
//! steps, handler, each item's state); every hit decision must be the last one recorded. The
//! letters (`crate::letters`) and the inbox's read marks are replayed beside them.

use crate::ledger::VerifyFailure;
use crate::{Store, StoreError, on_pool};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Default)]
struct Replayed {
    status: String,
    steps: i64,
    handler: Option<String>,
    items: BTreeMap<i64, String>,
}

fn diverged(zh: String, en: String) -> VerifyFailure {
    VerifyFailure {
        code: "LEDGER_STATE_DIVERGED",
        zh,
        en,
    }
}

fn unrecorded(zh: String, en: String) -> VerifyFailure {
    VerifyFailure {
        code: "LEDGER_STATE_UNRECORDED",
        zh,
        en,
    }
}

impl Store {
    /// Returns how many objects (clues, decided hits, letters, read inbox rows) were checked.
    pub(crate) async fn workflow_replay(&self) -> Result<u64, VerifyFailure> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT idx, leaf FROM ledger_entries WHERE kind IN ('clue_transition', 'clue_item', 'clue_escalation', 'hit_decision') ORDER BY idx")
            .fetch_all(p).await)
            .map_err(StoreError::from)?;
        let mut clues: BTreeMap<String, Replayed> = BTreeMap::new();
        let mut decisions: BTreeMap<String, String> = BTreeMap::new();
        for (idx, leaf) in rows {
            let v: Value = serde_json::from_slice(&leaf).unwrap_or_default();
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            if v["kind"] == "hit_decision" {
                decisions.insert(
                    s("hit").unwrap_or_default(),
                    s("decision").unwrap_or_default(),
                );
                continue;
            }
            let id = s("clue").unwrap_or_default();
            if v["action"] != "open" && !clues.contains_key(&id) {
                return Err(unrecorded(
                    format!("第 {idx} 条改变了从未登记的线索 {id}"),
                    format!("entry {idx} changes clue {id}, which was never opened"),
                ));
            }
            let c = clues.entry(id).or_default();
            c.steps = v["step"].as_i64().unwrap_or(-1);
            if v["kind"] == "clue_transition" {
                c.status = s("to").unwrap_or_default();
            }
            if let Some(h) = s("handler") {
                c.handler = Some(h);
            }
            if let (Some(item), Some(st)) = (v["item"].as_i64(), s("item_status")) {
                c.items.insert(item, st);
            }
        }
        let table: Vec<(String, String, i64, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, status, steps, handler FROM clues ORDER BY id").fetch_all(p).await)
        .map_err(StoreError::from)?;
        let items: Vec<(String, i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT clue_id, seq, status FROM rect_items ORDER BY clue_id, seq").fetch_all(p).await)
        .map_err(StoreError::from)?;
        // Grouped once: per-clue scans of every item row made verification quadratic.
        let mut items_of: BTreeMap<&str, BTreeMap<i64, String>> = BTreeMap::new();
        for (c, seq, st) in &items {
            items_of
                .entry(c.as_str())
                .or_default()
                .insert(*seq, st.clone());
        }
        let no_items = BTreeMap::new();
        for (id, status, steps, handler) in &table {
            let Some(r) = clues.get(id) else {
                return Err(unrecorded(
                    format!("线索 {id} 存在，但账本中没有登记它的记录（绕过系统写入？）"),
                    format!(
                        "clue {id} exists but no ledger entry opened it (written behind the system's back?)"
                    ),
                ));
            };
            if &r.status != status || r.steps != *steps || &r.handler != handler {
                return Err(diverged(
                    format!(
                        "线索 {id} 当前为“{status}”（第 {steps} 步，承办人 {handler:?}），但账本记录的历史为“{}”（第 {} 步，承办人 {:?}）",
                        r.status, r.steps, r.handler
                    ),
                    format!(
                        "clue {id} is '{status}' (step {steps}, handler {handler:?}) but its ledger history says '{}' (step {}, handler {:?})",
                        r.status, r.steps, r.handler
                    ),
                ));
            }
            let mine = items_of.get(id.as_str()).unwrap_or(&no_items);
            if mine != &r.items {
                return Err(diverged(
                    format!("线索 {id} 的整改事项状态与账本记录不符"),
                    format!("clue {id}: its items differ from the ledger's history"),
                ));
            }
        }
        let stored: std::collections::BTreeSet<&str> =
            table.iter().map(|(t, _, _, _)| t.as_str()).collect();
        if let Some(id) = clues.keys().find(|k| !stored.contains(k.as_str())) {
            return Err(diverged(
                format!("账本记录登记了线索 {id}，但它已不存在（被删除？）"),
                format!("the ledger opened clue {id}, which no longer exists (deleted?)"),
            ));
        }
        let decided: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, decision FROM hits WHERE decision IS NOT NULL ORDER BY id").fetch_all(p).await)
            .map_err(StoreError::from)?;
        for (id, d) in &decided {
            if decisions.get(id) != Some(d) {
                return Err(diverged(
                    format!("命中 {id} 的处理结论“{d}”与账本记录不符"),
                    format!("hit {id}: decision '{d}' differs from the ledger's history"),
                ));
            }
        }
        if decided.len() != decisions.len() {
            return Err(diverged(
                "账本记录的命中处理结论在存储中缺失（被清除？）".into(),
                "a hit decision recorded in the ledger is missing from the store (cleared?)".into(),
            ));
        }
        let letters = self.letters_replay().await?;
        let read = self.inbox_replay().await?;
        Ok((table.len() + decided.len()) as u64 + letters + read)
    }
}
