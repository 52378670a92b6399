//! Citizen reports (群众举报): filed without signing in about a registered unit, answered with
//! a receipt code ([`code`]) whose holder sees the report's status and dates — never its
//! content. Staff in the unit's jurisdiction (supervisors, administrators) read the content,
//! take the report into triage, close it, or open a clue from it through the same opening step
//! as a hit or a manual clue (source `report`).
//!
//! Every step is one ledger unit committed with its rows: `report_received` (references and
//! SHA-256 of the text, the contact, the code and each attachment, never the data),
//! `report_step` (triage, close), and the clue's own `clue_transition` opening entry, which
//! names the report. Attachments are kept in the store by SHA-256 (`report_files`).

pub mod code;
mod read;
mod replay;

pub use read::{AttachmentInfo, PublicStatus, ReportFilter, ReportRecord};

use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::Principal;
use crate::workflow::{
    ClueRecord, MAX_ATTEMPTS, NewClue, clue_unit, note_hash, ot, refuse, require, retryable, t, ts,
};
use crate::{Result, Store, StoreError, UnitFilter, on_pool};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Longest report text, in characters.
pub const MAX_TEXT: usize = 10_000;
/// Longest contact, in characters.
pub const MAX_CONTACT: usize = 200;
/// Attachments per report.
pub const MAX_ATTACHMENTS: usize = 5;

/// States of a report (the public sees these and their dates, nothing else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// 已受理: filed, not yet looked at.
    Received,
    /// 分拣中: taken into triage by staff.
    Triaging,
    /// 已转为问题线索: a clue was opened from it.
    Clue,
    /// 已办结: closed by staff without a clue (with a recorded reason).
    Closed,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Received => "received",
            ReportState::Triaging => "triaging",
            ReportState::Clue => "clue",
            ReportState::Closed => "closed",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            ReportState::Received => "已受理",
            ReportState::Triaging => "分拣核查中",
            ReportState::Clue => "已转为问题线索",
            ReportState::Closed => "已办结",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            ReportState::Received => "received",
            ReportState::Triaging => "under triage",
            ReportState::Clue => "became a clue",
            ReportState::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<ReportState> {
        [
            ReportState::Received,
            ReportState::Triaging,
            ReportState::Clue,
            ReportState::Closed,
        ]
        .into_iter()
        .find(|r| r.as_str() == s.trim() || r.name_zh() == s.trim())
    }
    /// Only a report still waiting may move on; `clue` and `closed` are final.
    fn is_open(self) -> bool {
        matches!(self, ReportState::Received | ReportState::Triaging)
    }
}

/// A file sent with a report.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// What a citizen sends. The unit is named by its id, or by its exact name and division.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub division: Option<String>,
    pub text: String,
    pub contact: Option<String>,
    pub attachments: Vec<NewAttachment>,
}

/// The answer to a filed report: the receipt code (shown once, only its hash is kept).
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub id: String,
    /// Canonical (17 characters).
    pub code: String,
    /// As printed: `XXXX-XXXX-XXXX-XXXX-C`.
    pub code_display: String,
    pub status: PublicStatus,
    pub ledger_index: u64,
}

fn bad(code: &'static str, zh: String, en: String) -> StoreError {
    refuse(code, zh, en)
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("举报 / report {id}"))
}

pub(crate) fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps a file's bytes under their SHA-256 (`report_files`), once: the one content-addressed
/// file store of the workflow, for report attachments and rectification evidence alike, so a
/// backup holds them and `ledger verify` re-hashes them.
pub(crate) fn file_stmt(sha256: &str, content: &[u8]) -> Stmt {
    Stmt::new(
        "INSERT INTO report_files (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
        vec![
            t(sha256),
            Bind::Int(content.len() as i64),
            Bind::Bytes(content.to_vec()),
        ],
    )
}

/// The file name without any directory, at most 200 characters, never empty.
pub(crate) fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if base.is_empty() {
        "附件 attachment".to_owned()
    } else {
        base
    }
}

impl Store {
    async fn next_report_id(&self) -> Result<String> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COALESCE(MAX(CAST(SUBSTR(id, 3) AS BIGINT)), 0) FROM reports WHERE id LIKE 'R-%'")
            .fetch_one(pool).await)?;
        Ok(format!("R-{}", n + 1))
    }

    /// The unit a citizen names: by id, or by exact name inside a division. Registry data is
    /// public knowledge here (names of organisations), so any registered unit may be named.
    async fn reported_unit(&self, r: &NewReport) -> Result<crate::UnitRow> {
        let op = Principal::operator();
        if let Some(id) = r
            .unit_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return self.get_unit(&op, id).await?.ok_or_else(|| {
                bad(
                    "REPORT_UNIT_UNKNOWN",
                    format!("没有编号为“{id}”的单位，请核对单位编号，或填写单位名称和所在地区代码"),
                    format!(
                        "no unit with id '{id}': check it, or give the unit's name and division code"
                    ),
                )
            });
        }
        let name = r.unit_name.as_deref().map(str::trim).unwrap_or_default();
        let division = r.division.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() || division.is_empty() {
            return Err(bad(
                "REPORT_UNIT_REQUIRED",
                "请填写被举报单位的编号，或单位名称及所在地区代码".into(),
                "name the unit: its id, or its name and division code".into(),
            ));
        }
        let found: Vec<crate::UnitRow> = self
            .list_units(
                &op,
                &UnitFilter {
                    division: Some(division.to_owned()),
                    kind: None,
                    name: Some(name.to_owned()),
                    limit: 50,
                    offset: 0,
                },
            )
            .await?
            .into_iter()
            .filter(|u| u.name == name)
            .collect();
        match found.len() {
            1 => Ok(found.into_iter().next().expect("one")),
            0 => Err(bad(
                "REPORT_UNIT_UNKNOWN",
                format!("地区 {division} 内没有名为“{name}”的单位，请核对全称或填写单位编号"),
                format!(
                    "no unit named '{name}' in division {division}: check the full name or give its id"
                ),
            )),
            n => Err(bad(
                "REPORT_UNIT_AMBIGUOUS",
                format!("地区 {division} 内有 {n} 个名为“{name}”的单位，请填写单位编号"),
                format!("{n} units named '{name}' in division {division}: give the unit's id"),
            )),
        }
    }

    /// Files a citizen report (no principal: the public). Returns the receipt code, once.
    pub async fn file_report(&self, ledger: &Ledger, r: &NewReport, now: i64) -> Result<Filed> {
        let text = r.text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT {
            return Err(bad(
                "REPORT_TEXT",
                format!("举报内容不能为空，且不超过 {MAX_TEXT} 字"),
                format!("the report text must be non-empty and at most {MAX_TEXT} characters"),
            ));
        }
        let contact = r
            .contact
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if contact.is_some_and(|c| c.chars().count() > MAX_CONTACT) {
            return Err(bad(
                "REPORT_CONTACT",
                format!("联系方式不超过 {MAX_CONTACT} 字"),
                format!("the contact must be at most {MAX_CONTACT} characters"),
            ));
        }
        if r.attachments.len() > MAX_ATTACHMENTS {
            return Err(bad(
                "REPORT_ATTACHMENTS",
                format!(
                    "附件最多 {MAX_ATTACHMENTS} 个，收到 {} 个",
                    r.attachments.len()
                ),
                format!(
                    "at most {MAX_ATTACHMENTS} attachments; {} were sent",
                    r.attachments.len()
                ),
            ));
        }
        if let Some(a) = r.attachments.iter().find(|a| a.content.is_empty()) {
            return Err(bad(
                "REPORT_ATTACHMENT_EMPTY",
                format!("附件“{}”为空", clean_name(&a.name)),
                format!("attachment '{}' is empty", clean_name(&a.name)),
            ));
        }
        let unit = self.reported_unit(r).await?;
        let files: Vec<(String, &NewAttachment)> =
            r.attachments.iter().map(|a| (sha(&a.content), a)).collect();
        for _ in 0..MAX_ATTEMPTS {
            let id = self.next_report_id().await?;
            let code = code::generate();
            let code_sha = code::code_hash(&code);
            let mut change = vec![Stmt::new(
                "INSERT INTO reports (id, code_sha256, status, unit_id, division_code, text, contact, received_at, updated_at, steps) VALUES ($1, $2, 'received', $3, $4, $5, $6, $7, $7, 1)",
                vec![
                    t(&id),
                    t(&code_sha),
                    t(&unit.unit_id),
                    t(&unit.division_code),
                    t(text),
                    ot(contact),
                    Bind::Int(now),
                ],
            )];
            for (i, (hash, a)) in files.iter().enumerate() {
                change.push(file_stmt(hash, &a.content));
                change.push(Stmt::new(
                    "INSERT INTO report_attachments (report_id, seq, sha256, name, media_type) VALUES ($1, $2, $3, $4, $5)",
                    vec![
                        t(&id),
                        Bind::Int(i as i64 + 1),
                        t(hash),
                        t(&clean_name(&a.name)),
                        t(a.media_type.trim()),
                    ],
                ));
            }
            let attachments: Vec<_> = files
                .iter()
                .map(|(h, a)| json!({"sha256": h, "size": a.content.len()}))
                .collect();
            let entry = json!({
                "report": id, "step": 1, "action": "receive", "status": ReportState::Received.as_str(),
                "unit": unit.unit_id, "division": unit.division_code, "code_sha256": code_sha,
                "text_sha256": note_hash(Some(text)), "contact_sha256": note_hash(contact),
                "attachments": attachments, "ts": ts(now),
            });
            let unit_of_work = Unit::new("report_received", crate::workflow::entry(entry))
                .about("report", &id)
                .with_change(change);
            match ledger.append(unit_of_work).await {
                Ok(a) => {
                    let status = self
                        .report_status(&code)
                        .await?
                        .ok_or_else(|| not_found(&id))?;
                    return Ok(Filed {
                        id,
                        code_display: code::display(&code),
                        code,
                        status,
                        ledger_index: a.index,
                    });
                }
                Err(e) if retryable(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(bad(
            "REPORT_BUSY",
            format!("举报编号多次被并发占用（{MAX_ATTEMPTS} 次），请稍后重试"),
            format!("the report id was taken concurrently {MAX_ATTEMPTS} times; try again"),
        ))
    }

    /// A report the principal may read (content included), or not found.
    async fn readable_report(&self, p: &Principal, id: &str) -> Result<ReportRecord> {
        require(p, "report_read")?;
        self.get_report(p, id).await?.ok_or_else(|| not_found(id))
    }

    fn need_open(r: &ReportRecord) -> Result<ReportState> {
        let st = ReportState::parse(&r.status).unwrap_or(ReportState::Closed);
        if st.is_open() {
            return Ok(st);
        }
        Err(bad(
            "REPORT_FINAL",
            format!("举报 {} 当前为“{}”，不能再处理", r.id, st.name_zh()),
            format!(
                "report {} is {}; nothing more can be done with it",
                r.id,
                st.as_str()
            ),
        ))
    }

    /// A step of a report that does not open a clue: `triage` or `close` (with a reason).
    pub async fn report_step(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        to: ReportState,
        note: Option<&str>,
        now: i64,
    ) -> Result<ReportRecord> {
        require(p, "report_triage")?;
        let r = self.readable_report(p, id).await?;
        let from = Self::need_open(&r)?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let (action, set) = match (from, to) {
            (ReportState::Received, ReportState::Triaging) => ("triage", "triage_at = $1"),
            (_, ReportState::Closed) => {
                if note.is_none() {
                    return Err(bad(
                        "REPORT_NOTE_REQUIRED",
                        "办结举报须说明理由（note）".into(),
                        "closing a report needs a reason (note)".into(),
                    ));
                }
                ("close", "closed_at = $1, close_note = $6")
            }
            (from, to) => {
                return Err(bad(
                    "REPORT_ILLEGAL_STEP",
                    format!(
                        "举报不能从“{}”转到“{}”；可转到：分拣核查中（triaging，仅限已受理）、已办结（closed）、或转为问题线索",
                        from.name_zh(),
                        to.name_zh()
                    ),
                    format!(
                        "a report cannot move from {} to {}; allowed: triaging (from received), closed, or open a clue",
                        from.as_str(),
                        to.as_str()
                    ),
                ));
            }
        };
        let step = r.steps + 1;
        let mut binds = vec![
            Bind::Int(now),
            t(to.as_str()),
            t(id),
            t(from.as_str()),
            Bind::Int(r.steps),
        ];
        if action == "close" {
            binds.push(ot(note));
        }
        let change = vec![
            Stmt::new(
                format!(
                    "UPDATE reports SET status = $2, {set}, updated_at = $1, steps = steps + 1 WHERE id = $3 AND status = $4 AND steps = $5"
                ),
                binds,
            )
            .expecting(1),
        ];
        let entry = json!({
            "report": id, "step": step, "action": action, "from": from.as_str(),
            "status": to.as_str(), "note_sha256": note_hash(note), "actor": p.username,
            "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("report_step", crate::workflow::entry(entry))
                    .about("report", id)
                    .with_change(change),
            )
            .await?;
        self.get_report(p, id).await?.ok_or_else(|| not_found(id))
    }

    /// Opens a clue from a report, through the clue's own opening step (source `report`): the
    /// clue's row, the report's move to `clue`, and one entry naming both. The summary is
    /// the officer's (the clue is seen by the unit; the citizen's words stay with the report).
    pub async fn open_clue_from_report(
        &self,
        ledger: &Ledger,
        p: &Principal,
        report_id: &str,
        summary: Option<&str>,
        now: i64,
    ) -> Result<ClueRecord> {
        require(p, "open")?;
        let default_summary = format!("群众举报 {report_id} / citizen report {report_id}");
        let summary = summary
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&default_summary)
            .to_owned();
        for _ in 0..MAX_ATTEMPTS {
            let r = self.readable_report(p, report_id).await?;
            let from = Self::need_open(&r)?;
            let clue_id = self.next_clue_id().await?;
            let mut unit = clue_unit(
                &clue_id,
                p,
                &NewClue {
                    source: "report",
                    hit_id: None,
                    unit_id: &r.unit_id,
                    division_code: &r.division_code,
                    indicator_id: None,
                    subject: None,
                    summary: &summary,
                },
                now,
            );
            let obj = unit.entry.as_object_mut().expect("entry object");
            obj.insert("report".into(), json!(report_id));
            obj.insert("report_step".into(), json!(r.steps + 1));
            obj.insert("report_from".into(), json!(from.as_str()));
            unit.change.push(
                Stmt::new(
                    "UPDATE reports SET status = 'clue', clue_id = $1, clue_at = $2, updated_at = $2, steps = steps + 1 WHERE id = $3 AND status = $4 AND steps = $5",
                    vec![t(&clue_id), Bind::Int(now), t(report_id), t(from.as_str()), Bind::Int(r.steps)],
                )
                .expecting(1),
            );
            match ledger.append(unit).await {
                Ok(_) => {
                    return self
                        .get_clue(p, &clue_id)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("线索 / clue {clue_id}")));
                }
                // The clue id was taken, or the report moved: read again (a report that moved
                // to a final state is then refused by `need_open`).
                Err(e) if retryable(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(bad(
            "CLUE_BUSY",
            format!("线索编号多次被并发占用（{MAX_ATTEMPTS} 次），请稍后重试"),
            format!("the clue id was taken concurrently {MAX_ATTEMPTS} times; try again"),
        ))
    }
}
