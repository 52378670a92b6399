//! Replays the reports' ledger history against the rows, for `ledger verify`: every report
//! must have been received by an entry and stand where its entries lead (status, steps, unit,
//! clue), its text, contact, code and attachments must still hash to what was received, and
//! every stored attachment must hash to its name.

use crate::ledger::VerifyFailure;
use crate::workflow::note_hash;
use crate::{Store, StoreError, on_pool};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Default, PartialEq, Debug)]
struct Replayed {
    status: String,
    steps: i64,
    unit: String,
    division: String,
    code_sha256: String,
    text_sha256: Option<String>,
    contact_sha256: Option<String>,
    attachments: Vec<String>,
    clue: Option<String>,
}

fn fail(code: &'static str, zh: String, en: String) -> VerifyFailure {
    VerifyFailure { code, zh, en }
}

type ReportRow = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Returns how many reports and attachment files were checked.
    pub(crate) async fn reports_replay(&self) -> Result<u64, VerifyFailure> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT idx, leaf FROM ledger_entries WHERE kind IN ('report_received', 'report_step', 'clue_transition') ORDER BY idx")
            .fetch_all(p).await)
            .map_err(StoreError::from)?;
        let mut history: BTreeMap<String, Replayed> = BTreeMap::new();
        for (idx, leaf) in rows {
            let v: Value = serde_json::from_slice(&leaf).unwrap_or_default();
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            let Some(id) = s("report") else { continue };
            match v["kind"].as_str() {
                Some("report_received") => {
                    history.insert(
                        id,
                        Replayed {
                            status: s("status").unwrap_or_default(),
                            steps: v["step"].as_i64().unwrap_or(-1),
                            unit: s("unit").unwrap_or_default(),
                            division: s("division").unwrap_or_default(),
                            code_sha256: s("code_sha256").unwrap_or_default(),
                            text_sha256: s("text_sha256"),
                            contact_sha256: s("contact_sha256"),
                            attachments: v["attachments"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|a| a["sha256"].as_str().map(str::to_owned))
                                .collect(),
                            clue: None,
                        },
                    );
                }
                kind => {
                    let Some(r) = history.get_mut(&id) else {
                        return Err(fail(
                            "LEDGER_STATE_UNRECORDED",
                            format!("第 {idx} 条改变了从未受理的举报 {id}"),
                            format!("entry {idx} changes report {id}, which was never received"),
                        ));
                    };
                    if kind == Some("clue_transition") {
                        r.status = "clue".into();
                        r.steps = v["report_step"].as_i64().unwrap_or(-1);
                        r.clue = s("clue");
                    } else {
                        r.status = s("status").unwrap_or_default();
                        r.steps = v["step"].as_i64().unwrap_or(-1);
                    }
                }
            }
        }
        let table: Vec<ReportRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, status, steps, unit_id, division_code, code_sha256, text, contact, clue_id FROM reports ORDER BY id")
            .fetch_all(p).await)
            .map_err(StoreError::from)?;
        let attachments: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT report_id, sha256 FROM report_attachments ORDER BY report_id, seq")
            .fetch_all(p).await)
        .map_err(StoreError::from)?;
        for (id, status, steps, unit, division, code_sha256, text, contact, clue) in &table {
            let Some(r) = history.get(id) else {
                return Err(fail(
                    "LEDGER_STATE_UNRECORDED",
                    format!("举报 {id} 存在，但账本中没有受理它的记录（绕过系统写入？）"),
                    format!(
                        "report {id} exists but no ledger entry received it (written behind the system's back?)"
                    ),
                ));
            };
            let now = Replayed {
                status: status.clone(),
                steps: *steps,
                unit: unit.clone(),
                division: division.clone(),
                code_sha256: code_sha256.clone(),
                text_sha256: note_hash(Some(text.trim())),
                contact_sha256: note_hash(contact.as_deref()),
                attachments: attachments
                    .iter()
                    .filter(|(r, _)| r == id)
                    .map(|(_, h)| h.clone())
                    .collect(),
                clue: clue.clone(),
            };
            if &now != r {
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!(
                        "举报 {id} 当前为“{status}”（第 {steps} 步），与账本记录的历史（“{}”，第 {} 步）或其内容哈希不符",
                        r.status, r.steps
                    ),
                    format!(
                        "report {id} is '{status}' (step {steps}); its ledger history says '{}' (step {}), or its content no longer hashes to what was received",
                        r.status, r.steps
                    ),
                ));
            }
        }
        let stored: std::collections::BTreeSet<&str> =
            table.iter().map(|row| row.0.as_str()).collect();
        if let Some(id) = history.keys().find(|k| !stored.contains(k.as_str())) {
            return Err(fail(
                "LEDGER_STATE_DIVERGED",
                format!("账本记录受理了举报 {id}，但它已不存在（被删除？）"),
                format!("the ledger received report {id}, which no longer exists (deleted?)"),
            ));
        }
        let files: Vec<(String, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT sha256, content FROM report_files ORDER BY sha256")
            .fetch_all(p).await)
        .map_err(StoreError::from)?;
        for (sha, content) in &files {
            if &hex::encode(Sha256::digest(content)) != sha {
                return Err(fail(
                    "LEDGER_STATE_DIVERGED",
                    format!("文件 {sha}（举报附件或整改佐证）的内容与其 SHA-256 不符（被改动）"),
                    format!(
                        "file {sha} (report attachment or rectification evidence): its content does not hash to its name (altered)"
                    ),
                ));
            }
        }
        Ok((table.len() + files.len()) as u64)
    }
}
