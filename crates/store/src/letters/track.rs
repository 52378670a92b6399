//! Delivery (送达) and acknowledgement (签收) of a letter: each one step with its ledger entry,
//! guarded on the step count read, so two concurrent steps cannot both land.
//!
//! ```text
//! issued ──deliver──▶ delivered ──ack──▶ acknowledged
//! issued ──ack──▶ acknowledged   (signed on handing over: delivered the same day)
//! ```

use super::catalogue::shanghai_day;
use super::read::LetterRecord;
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::Principal;
use crate::workflow::{note_hash, ot, refuse, require, t, ts};
use crate::{Result, Store};
use chrono::NaiveDate;
use serde_json::json;

fn illegal(l: &LetterRecord, action: &str) -> crate::StoreError {
    let (next_zh, next_en) = match l.status.as_str() {
        "issued" => ("送达（deliver）或签收（ack）", "deliver or ack"),
        "delivered" => ("签收（ack）", "ack"),
        _ => ("无（已签收）", "nothing (acknowledged)"),
    };
    refuse(
        "LETTER_ILLEGAL_STEP",
        format!(
            "文书 {} 当前为“{}”，不能执行 {action}；下一步应为：{next_zh}",
            l.number, l.status
        ),
        format!(
            "letter {} is {}; {action} is not allowed; next step: {next_en}",
            l.number, l.status
        ),
    )
}

fn check_date(
    l: &LetterRecord,
    day: NaiveDate,
    now: i64,
    what_zh: &str,
    what_en: &str,
) -> Result<()> {
    let today = shanghai_day(now);
    if day.to_string() < l.issued_on || day > today {
        return Err(refuse(
            "LETTER_BAD_DATE",
            format!(
                "{what_zh} {day} 无效：应在发文日期 {} 与今天 {today} 之间",
                l.issued_on
            ),
            format!(
                "{what_en} {day} is invalid: expected between the issue date {} and today {today}",
                l.issued_on
            ),
        ));
    }
    Ok(())
}

/// One step's change: the new status, the columns it sets, what its entry adds.
struct Step<'a> {
    to: &'a str,
    set: Vec<(&'a str, Bind)>,
    refs: serde_json::Value,
}

impl Store {
    async fn letter_step(
        &self,
        ledger: &Ledger,
        p: &Principal,
        l: &LetterRecord,
        st: Step<'_>,
        now: i64,
    ) -> Result<LetterRecord> {
        let Step { to, set, refs } = st;
        let step = l.steps + 1;
        let assignments: Vec<String> = set
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", i + 5))
            .collect();
        let mut binds = vec![t(&l.id), Bind::Int(l.steps), t(to), Bind::Int(now)];
        binds.extend(set.into_iter().map(|(_, b)| b));
        let change = vec![
            Stmt::new(
                format!(
                    "UPDATE letters SET steps = steps + 1, status = $3, updated_at = $4, {} WHERE id = $1 AND steps = $2",
                    assignments.join(", ")
                ),
                binds,
            )
            .expecting(1),
        ];
        let mut entry = json!({
            "letter": l.id, "step": step, "number": l.number, "status": to,
            "actor": p.username, "ts": ts(now),
        });
        entry
            .as_object_mut()
            .expect("object")
            .extend(refs.as_object().cloned().unwrap_or_default());
        let kind = if to == "delivered" {
            "letter_deliver"
        } else {
            "letter_ack"
        };
        ledger
            .append(
                Unit::new(kind, crate::workflow::entry(entry))
                    .about("letter", &l.id)
                    .with_change(change),
            )
            .await?;
        self.get_letter(p, &l.id)
            .await?
            .ok_or_else(|| super::read::letter_not_found(&l.id))
    }

    /// Records that a letter was delivered on `on` (a calendar day, Asia/Shanghai).
    pub async fn deliver_letter(
        &self,
        ledger: &Ledger,
        p: &Principal,
        reference: &str,
        on: NaiveDate,
        now: i64,
    ) -> Result<LetterRecord> {
        require(p, "letter_deliver")?;
        let l = self.find_letter(p, reference).await?;
        if l.status != "issued" {
            return Err(illegal(&l, "deliver"));
        }
        check_date(&l, on, now, "送达日期", "delivery date")?;
        let day = on.to_string();
        let st = Step {
            to: "delivered",
            set: vec![("delivered_on", t(&day)), ("delivered_by", t(&p.username))],
            refs: json!({"action": "deliver", "delivered_on": day}),
        };
        self.letter_step(ledger, p, &l, st, now).await
    }

    /// Records the acknowledgement: the signature date written on the receipt (签收日期) and,
    /// if given, the signer's name (kept in the row; the entry carries its SHA-256).
    pub async fn acknowledge_letter(
        &self,
        ledger: &Ledger,
        p: &Principal,
        reference: &str,
        signed_on: NaiveDate,
        signer: Option<&str>,
        now: i64,
    ) -> Result<LetterRecord> {
        require(p, "letter_ack")?;
        let l = self.find_letter(p, reference).await?;
        if !matches!(l.status.as_str(), "issued" | "delivered") {
            return Err(illegal(&l, "ack"));
        }
        check_date(&l, signed_on, now, "签收日期", "signature date")?;
        if let Some(d) = &l.delivered_on
            && signed_on.to_string() < *d
        {
            return Err(refuse(
                "LETTER_BAD_DATE",
                format!("签收日期 {signed_on} 早于送达日期 {d}"),
                format!("signature date {signed_on} is before the delivery date {d}"),
            ));
        }
        let day = signed_on.to_string();
        let signer = signer.map(str::trim).filter(|s| !s.is_empty());
        // Signed on handing over: the delivery is that day.
        let delivered_on = l.delivered_on.clone().unwrap_or_else(|| day.clone());
        let st = Step {
            to: "acknowledged",
            set: vec![
                ("signed_on", t(&day)),
                ("signer", ot(signer)),
                ("acked_by", t(&p.username)),
                ("delivered_on", t(&delivered_on)),
            ],
            refs: json!({
                "action": "ack", "signed_on": day, "delivered_on": delivered_on,
                "signer_sha256": note_hash(signer),
            }),
        };
        self.letter_step(ledger, p, &l, st, now).await
    }
}
