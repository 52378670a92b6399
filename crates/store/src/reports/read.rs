//! Reading reports: staff see content (scoped in `scope.rs`); the public sees only a status
//! and its dates, by receipt code.

use super::{ReportState, code};
use crate::scope::{self, Principal};
use crate::workflow::require;
use crate::{Result, Store, on_pool};
use serde::Serialize;

/// A report as authorised staff see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRecord {
    pub id: String,
    /// `received`, `triaging`, `clue` or `closed`.
    pub status: String,
    pub unit_id: String,
    pub division_code: String,
    pub text: String,
    pub contact: Option<String>,
    pub received_at: i64,
    pub triage_at: Option<i64>,
    pub clue_id: Option<String>,
    pub clue_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub close_note: Option<String>,
    pub updated_at: i64,
    pub steps: i64,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttachmentInfo {
    pub seq: i64,
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// What the holder of a receipt code sees: the state and the dates (Asia/Shanghai calendar
/// days), nothing about the content, the unit or the people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicStatus {
    /// `received`, `triaging`, `clue` or `closed`.
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    pub received_on: String,
    pub triage_on: Option<String>,
    pub clue_on: Option<String>,
    /// Closed by staff, or (for a report that became a clue) the day its clue was concluded
    /// or closed.
    pub closed_on: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub status: Option<String>,
    pub unit_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    status: String,
    unit_id: String,
    division_code: String,
    text: String,
    contact: Option<String>,
    received_at: i64,
    triage_at: Option<i64>,
    clue_id: Option<String>,
    clue_at: Option<i64>,
    closed_at: Option<i64>,
    close_note: Option<String>,
    updated_at: i64,
    steps: i64,
}

/// status, received, triage, clue, closed (by staff), closed (the clue).
type StatusRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

const COLS: &str = "r.id, r.status, r.unit_id, r.division_code, r.text, r.contact, r.received_at, \
    r.triage_at, r.clue_id, r.clue_at, r.closed_at, r.close_note, r.updated_at, r.steps";

/// A Unix time as the calendar day in Asia/Shanghai (UTC+8, no daylight saving).
pub(crate) fn day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix + 8 * 3600, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

impl Store {
    async fn reports_where(
        &self,
        p: &Principal,
        cond: &str,
        args: &[String],
    ) -> Result<Vec<ReportRecord>> {
        let f = scope::reports(p, "r", args.len() + 1);
        let sql = format!(
            "SELECT {COLS} FROM reports r WHERE {cond} AND {} ORDER BY r.received_at, r.id",
            f.sql
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, Row>(&sql);
            for b in args.iter().chain(&f.binds) { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let attachments = self.report_attachments(&r.id).await?;
            out.push(ReportRecord {
                id: r.id,
                status: r.status,
                unit_id: r.unit_id,
                division_code: r.division_code,
                text: r.text,
                contact: r.contact,
                received_at: r.received_at,
                triage_at: r.triage_at,
                clue_id: r.clue_id,
                clue_at: r.clue_at,
                closed_at: r.closed_at,
                close_note: r.close_note,
                updated_at: r.updated_at,
                steps: r.steps,
                attachments,
            });
        }
        Ok(out)
    }

    async fn report_attachments(&self, id: &str) -> Result<Vec<AttachmentInfo>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT a.seq, a.sha256, a.name, a.media_type, f.size FROM report_attachments a JOIN report_files f ON f.sha256 = a.sha256 WHERE a.report_id = $1 ORDER BY a.seq")
            .bind(id).fetch_all(pool).await)?)
    }

    /// One report with its content, if the principal may read reports and sees its unit
    /// (otherwise `None`, as if missing).
    pub async fn get_report(&self, p: &Principal, id: &str) -> Result<Option<ReportRecord>> {
        if require(p, "report_read").is_err() {
            return Ok(None);
        }
        Ok(self
            .reports_where(p, "r.id = $1", &[id.to_owned()])
            .await?
            .into_iter()
            .next())
    }

    /// Reports the principal may read, oldest first. Roles that may not read reports get a
    /// refusal, not an empty list.
    pub async fn list_reports(
        &self,
        p: &Principal,
        filter: &ReportFilter,
    ) -> Result<Vec<ReportRecord>> {
        require(p, "report_read")?;
        let mut cond = vec!["TRUE".to_owned()];
        let mut args = Vec::new();
        for (col, v) in [("r.status", &filter.status), ("r.unit_id", &filter.unit_id)] {
            if let Some(v) = v {
                args.push(v.clone());
                cond.push(format!("{col} = ${}", args.len()));
            }
        }
        self.reports_where(p, &cond.join(" AND "), &args).await
    }

    /// An attachment's name, media type and bytes, for staff who may read the report.
    pub async fn report_attachment(
        &self,
        p: &Principal,
        id: &str,
        seq: i64,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
        let Some(r) = self.get_report(p, id).await? else {
            return Ok(None);
        };
        let Some(a) = r.attachments.into_iter().find(|a| a.seq == seq) else {
            return Ok(None);
        };
        let bytes: Vec<u8> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT content FROM report_files WHERE sha256 = $1").bind(&a.sha256).fetch_one(pool).await)?;
        Ok(Some((a, bytes)))
    }

    /// The public status of the report with this (canonical, checked) receipt code.
    pub async fn report_status(&self, canonical_code: &str) -> Result<Option<PublicStatus>> {
        let row: Option<StatusRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT r.status, r.received_at, r.triage_at, r.clue_at, r.closed_at, c.closed_at FROM reports r LEFT JOIN clues c ON c.id = r.clue_id WHERE r.code_sha256 = $1")
            .bind(code::code_hash(canonical_code)).fetch_optional(pool).await)?;
        Ok(
            row.map(|(status, received, triage, clue, closed, clue_closed)| {
                let st = ReportState::parse(&status).unwrap_or(ReportState::Received);
                PublicStatus {
                    status: st.as_str().to_owned(),
                    status_zh: st.name_zh().to_owned(),
                    status_en: st.name_en().to_owned(),
                    received_on: day(received),
                    triage_on: triage.map(day),
                    clue_on: clue.map(day),
                    closed_on: closed.or(clue_closed).map(day),
                }
            }),
        )
    }
}
