//! The notarised procedure's record (`evidence.txt`, `docs/lottery-protocol.md` §8): hashes the
//! notary attested at T0, T4 and T5, the T4 commit time, the drand round embedded at T4 and when
//! the ceremony finished. Each recording is one ledger step; the file is kept beside the
//! artefacts (not among the nine published files) and handed to verifiers with
//! `lottery evidence`, merged over what the ledger itself proves (the freeze time).

use super::steps::{claim, file_stmt, not_found, update_file};
use super::{protocol, sha256_hex};
use crate::ledger::{Bind, Ledger};
use crate::scope::Principal;
use crate::workflow::ts;
use crate::{Result, Store};
use qinglian_lottery::verify::Evidence;
use serde::Serialize;
use serde_json::json;

pub const EVIDENCE: &str = "evidence.txt";

/// What `lottery evidence` hands to a verifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceExport {
    pub lottery: String,
    /// Canonical `evidence.txt` bytes as text.
    pub text: String,
    /// The T4 time came from the ledger's freeze entry (no notary time was recorded).
    pub t4_from_ledger: Option<u64>,
    /// Recording steps, by ledger index.
    pub recorded_at: Vec<u64>,
}

impl Store {
    /// Records what a notary (or TSA) attested; later values replace earlier ones key by key.
    pub async fn record_lottery_evidence(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        ev: &Evidence,
        attested_by: &str,
        now: i64,
    ) -> Result<(Evidence, u64)> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        let old = self.lottery_file(id, EVIDENCE).await?;
        let stored = match &old {
            Some(b) => Evidence::parse(b).map_err(|e| protocol("LOTTERY_EVIDENCE", e.into()))?,
            None => Evidence::default(),
        };
        let merged = stored.merged(ev);
        let bytes = merged.to_bytes();
        let sha = sha256_hex(&bytes);
        let file = if old.is_some() {
            update_file(id, EVIDENCE, &bytes)
        } else {
            file_stmt(id, EVIDENCE, &bytes)
        };
        let change = vec![
            claim(&r, &[state], "updated_at = $1", vec![Bind::Int(now)]),
            file,
        ];
        let keys: Vec<String> = String::from_utf8_lossy(&ev.to_bytes())
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_owned()))
            .collect();
        let e = json!({
            "lottery": id, "step": r.steps + 1, "action": "evidence",
            "from": state.as_str(), "to": state.as_str(),
            "keys": keys, "attested_by": attested_by, "evidence_sha256": sha,
            "actor": p.username, "ts": ts(now),
        });
        let index = self.append_step(ledger, id, e, change).await?;
        Ok((merged, index))
    }

    /// The evidence for `verify all --evidence`: the recorded file, with the T4 commit time
    /// taken from the ledger's freeze entry where no notary time was recorded.
    pub async fn lottery_evidence(&self, p: &Principal, id: &str) -> Result<EvidenceExport> {
        let r = self
            .get_lottery(p, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let recorded = match self.lottery_file(&r.id, EVIDENCE).await? {
            Some(b) => Evidence::parse(&b).map_err(|e| protocol("LOTTERY_EVIDENCE", e.into()))?,
            None => Evidence::default(),
        };
        let history = self.ledger_object_history("lottery", &r.id).await?;
        let mut from_ledger = Evidence::default();
        let mut t4_from_ledger = None;
        let mut recorded_at = Vec::new();
        for e in &history {
            let v: serde_json::Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
            match v["action"].as_str() {
                Some("freeze") => {
                    let t4 = v["ts"]
                        .as_str()
                        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                        .map(|d| d.timestamp());
                    if t4.is_some() {
                        from_ledger.t4_commit_unix = t4;
                        t4_from_ledger = Some(e.index);
                    }
                }
                Some("evidence") => recorded_at.push(e.index),
                _ => {}
            }
        }
        if recorded.t4_commit_unix.is_some() {
            t4_from_ledger = None;
        }
        let merged = from_ledger.merged(&recorded);
        Ok(EvidenceExport {
            lottery: r.id,
            text: String::from_utf8_lossy(&merged.to_bytes()).into_owned(),
            t4_from_ledger,
            recorded_at,
        })
    }
}
