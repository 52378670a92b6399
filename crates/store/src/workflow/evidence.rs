//! The unit's report on a rectification item (整改报告) with its evidence files (佐证材料).
//!
//! Files are kept by SHA-256 in the same content-addressed table as citizen-report attachments
//! (`report_files`, [`crate::reports::file_stmt`]), in the transaction of the report's ledger
//! entry, so the CLI and the server keep them in one place, a backup holds them and
//! `ledger verify` re-hashes them. The entry carries the hashes only; the step's event row keeps
//! the names and media types for downloads.

use super::clues::require;
use super::machine::{self, Grade, ItemState};
use super::{claim_step, event_stmt, note_hash, refuse, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::reports::{NewAttachment, clean_name, file_stmt, sha};
use crate::scope::Principal;
use crate::{Result, Store, on_pool};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Evidence files one report may carry.
pub const MAX_EVIDENCE_FILES: usize = 10;

/// What a unit reports on an item.
#[derive(Debug, Clone, Copy)]
pub struct ItemReport<'a> {
    pub grade: Grade,
    /// Files to keep with the report.
    pub files: &'a [NewAttachment],
    /// SHA-256 of evidence sent by hash only (kept elsewhere, or uploaded before).
    pub hashes: &'a [String],
    pub note: Option<&'a str>,
}

/// An evidence file of an item as its report recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// Whether the bytes are in the store (a hash sent alone is not).
    #[serde(default)]
    pub stored: bool,
}

fn bad_hash(h: &str) -> bool {
    h.len() != 64
        || !h
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Store {
    /// The unit's report on an item: how far it is rectified, with evidence by SHA-256.
    #[allow(clippy::too_many_arguments)]
    pub async fn report_item(
        &self,
        ledger: &Ledger,
        p: &Principal,
        clue_id: &str,
        seq: i64,
        grade: Grade,
        evidence: &[String],
        note: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let r = ItemReport {
            grade,
            files: &[],
            hashes: evidence,
            note,
        };
        self.report_item_with(ledger, p, clue_id, seq, &r, now)
            .await
    }

    /// The unit's report on an item with files to keep: the files, the item's new state, the
    /// event and the ledger entry (carrying every evidence hash) commit together.
    pub async fn report_item_with(
        &self,
        ledger: &Ledger,
        p: &Principal,
        clue_id: &str,
        seq: i64,
        r: &ItemReport<'_>,
        now: i64,
    ) -> Result<()> {
        require(p, "item_report")?;
        let clue = self.visible_clue(p, clue_id).await?;
        super::items::need_rectifying(&clue)?;
        let item = self.item(clue_id, seq).await?;
        let from = ItemState::parse(&item.status).unwrap_or(ItemState::Open);
        let to = machine::item_step(from, None)?;
        if let Some(bad) = r.hashes.iter().find(|h| bad_hash(h)) {
            return Err(refuse(
                "ITEM_BAD_EVIDENCE",
                format!("佐证材料哈希“{bad}”无效：应为 64 位小写十六进制 SHA-256"),
                format!(
                    "evidence hash '{bad}' is invalid: expected 64 lower-case hex digits (SHA-256)"
                ),
            ));
        }
        if r.files.len() > MAX_EVIDENCE_FILES {
            return Err(refuse(
                "ITEM_EVIDENCE_COUNT",
                format!(
                    "佐证材料最多 {MAX_EVIDENCE_FILES} 个文件，收到 {} 个",
                    r.files.len()
                ),
                format!(
                    "at most {MAX_EVIDENCE_FILES} evidence files; {} were sent",
                    r.files.len()
                ),
            ));
        }
        if let Some(f) = r.files.iter().find(|f| f.content.is_empty()) {
            let name = clean_name(&f.name);
            return Err(refuse(
                "ITEM_EVIDENCE_EMPTY",
                format!("佐证材料“{name}”为空文件"),
                format!("evidence file '{name}' is empty"),
            ));
        }
        let mut files: Vec<EvidenceFile> = r
            .files
            .iter()
            .map(|f| EvidenceFile {
                sha256: sha(&f.content),
                name: clean_name(&f.name),
                media_type: f.media_type.trim().to_owned(),
                size: f.content.len() as i64,
                stored: true,
            })
            .collect();
        files.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        files.dedup_by(|a, b| a.sha256 == b.sha256);
        let mut hashes: Vec<String> = r.hashes.to_vec();
        hashes.extend(files.iter().map(|f| f.sha256.clone()));
        hashes.sort();
        hashes.dedup();
        let step = clue.steps + 1;
        let detail =
            json!({"item": seq, "report": r.grade.as_str(), "evidence": hashes, "files": files});
        let mut change = vec![
            claim_step(clue_id, clue.steps, now),
            Stmt::new(
                "UPDATE rect_items SET status = $1, report = $2, evidence = $3, reported_at = $4 WHERE clue_id = $5 AND seq = $6 AND status = $7",
                vec![
                    t(to.as_str()), t(r.grade.as_str()), Bind::Text(json!(hashes).to_string()),
                    Bind::Int(now), t(clue_id), Bind::Int(seq), t(from.as_str()),
                ],
            )
            .expecting(1),
        ];
        for f in r.files {
            change.push(file_stmt(&sha(&f.content), &f.content));
        }
        change.push(event_stmt(
            clue_id,
            step,
            "item_report",
            None,
            None,
            &p.username,
            r.note,
            &detail,
            now,
        ));
        let entry = json!({
            "clue": clue_id, "step": step, "action": "item_report", "item": seq,
            "item_status": to.as_str(), "report": r.grade.as_str(), "evidence_sha256": hashes,
            "note_sha256": note_hash(r.note), "actor": p.username, "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("clue_item", crate::workflow::entry(entry))
                    .about("clue", clue_id)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }

    /// The evidence of an item's current report, for a principal who may see the clue:
    /// names from the report's event, whether each file's bytes are stored.
    pub async fn item_evidence(
        &self,
        p: &Principal,
        clue_id: &str,
        seq: i64,
    ) -> Result<Vec<EvidenceFile>> {
        let item = {
            self.visible_clue(p, clue_id).await?;
            self.item(clue_id, seq).await?
        };
        let hashes: Vec<String> = serde_json::from_str(&item.evidence).unwrap_or_default();
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let details: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT detail FROM clue_events WHERE clue_id = $1 AND kind = 'item_report' ORDER BY step DESC")
            .bind(clue_id).fetch_all(pool).await)?;
        let named: Vec<EvidenceFile> = details
            .iter()
            .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .filter(|d| d["item"] == seq)
            .flat_map(|d| {
                serde_json::from_value::<Vec<EvidenceFile>>(d["files"].clone()).unwrap_or_default()
            })
            .collect();
        let mut out = Vec::new();
        for h in hashes {
            let size: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT size FROM report_files WHERE sha256 = $1").bind(&h).fetch_optional(pool).await)?;
            let known = named.iter().find(|f| f.sha256 == h);
            out.push(EvidenceFile {
                name: known.map_or_else(|| h.clone(), |f| f.name.clone()),
                media_type: known.map_or_else(String::new, |f| f.media_type.clone()),
                size: size.unwrap_or(0),
                stored: size.is_some(),
                sha256: h,
            });
        }
        Ok(out)
    }

    /// One evidence file of an item with its bytes, for a principal who may see the clue;
    /// `None` when the item's report does not name it or its bytes are not stored.
    pub async fn item_evidence_file(
        &self,
        p: &Principal,
        clue_id: &str,
        seq: i64,
        sha256: &str,
    ) -> Result<Option<(EvidenceFile, Vec<u8>)>> {
        let Some(f) = self
            .item_evidence(p, clue_id, seq)
            .await?
            .into_iter()
            .find(|f| f.sha256 == sha256 && f.stored)
        else {
            return Ok(None);
        };
        let bytes: Vec<u8> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT content FROM report_files WHERE sha256 = $1").bind(sha256).fetch_one(pool).await)?;
        Ok(Some((f, bytes)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_must_be_lower_case_sha256() {
        assert!(super::bad_hash("xyz"));
        assert!(super::bad_hash(&"A".repeat(64)));
        assert!(!super::bad_hash(&"a1".repeat(32)));
    }
}
