//! Citizen reports (群众举报). Public: file one (`POST /api/v1/public/reports`, JSON or
//! multipart, rate-limited per client address, bounded in size) and read its status by receipt
//! code — never its content. Staff (supervisors, administrators, in the unit's jurisdiction):
//! list and read reports with their content, take one into triage, close it, or open a clue
//! from it through the same opening step as a hit.

use super::{ApiJson, ApiQuery, services};
use crate::auth::{Auth, Throttle, client_ip};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use qinglian_core::Msg;
use qinglian_store::reports::{
    AttachmentInfo, Filed, NewAttachment, NewReport, PublicStatus, ReportFilter, ReportRecord,
    ReportState, code,
};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

/// A report as sent in JSON. Name the unit by `unit_id`, or by `unit_name` and `division`.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ReportIn {
    pub unit_id: Option<String>,
    /// Exact name of the unit (with `division`).
    pub unit_name: Option<String>,
    /// Division code the unit lies in (with `unit_name`).
    pub division: Option<String>,
    /// What happened (at most 10,000 characters).
    pub text: String,
    /// How to reach the reporter (optional, at most 200 characters; seen by staff only).
    pub contact: Option<String>,
    /// At most five files, base64-encoded; the whole body is limited (5 MiB by default).
    pub attachments: Vec<AttachmentIn>,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct AttachmentIn {
    pub name: String,
    pub media_type: String,
    /// The file's bytes, standard base64.
    pub content_base64: String,
}

/// The status the holder of a receipt code sees: state and dates, no content.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatus {
    /// `received`, `triaging`, `clue` or `closed`.
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    /// Asia/Shanghai calendar days (YYYY-MM-DD).
    pub received_on: String,
    pub triage_on: Option<String>,
    pub clue_on: Option<String>,
    pub closed_on: Option<String>,
}

impl From<PublicStatus> for ReportStatus {
    fn from(s: PublicStatus) -> Self {
        ReportStatus {
            status: s.status,
            status_zh: s.status_zh,
            status_en: s.status_en,
            received_on: s.received_on,
            triage_on: s.triage_on,
            clue_on: s.clue_on,
            closed_on: s.closed_on,
        }
    }
}

/// The receipt: shown once; only its hash is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// 17 characters of Crockford base32 (the last is a check character), grouped by four.
    #[schema(example = "7K3M-Q9TX-2B8D-RV4H-P")]
    pub code: String,
    /// Where the status can be seen without signing in.
    pub status_url: String,
    pub status_page: String,
    pub report_status: ReportStatus,
}

impl From<Filed> for Receipt {
    fn from(f: Filed) -> Self {
        Receipt {
            status_url: format!("/api/v1/public/reports/{}", f.code),
            status_page: format!("/public/reports/{}", f.code),
            code: f.code_display,
            report_status: f.status.into(),
        }
    }
}

/// The rate limit for filing, by client address: `Some(response)` when it is exhausted.
pub(crate) fn throttled(state: &AppState, ip: &str, now: i64) -> Option<(i64, Msg)> {
    let key = [Throttle::ip_key(ip)];
    let wait = state.report_throttle.retry_after(&key, now)?;
    let m = (wait + 59) / 60;
    Some((
        wait,
        Msg::new(
            "REPORT_RATE_LIMITED",
            format!("提交过于频繁，请 {m} 分钟后再试"),
            format!("too many reports from this address; try again in {m} minutes"),
        ),
    ))
}

/// Counts one filing attempt against the address.
pub(crate) fn count_attempt(state: &AppState, ip: &str, now: i64) {
    state.report_throttle.fail(&[Throttle::ip_key(ip)], now);
}

pub(crate) fn rate_limited(wait: i64, msg: Msg) -> Response {
    let mut res = ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        msg,
    }
    .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    res
}

fn bad(code: &'static str, zh: String, en: String) -> ApiError {
    ApiError::bad_request(Msg::new(code, zh, en))
}

/// Reads a multipart report: text fields by name, every `attachment` file part.
pub(crate) async fn read_multipart(m: Multipart) -> Result<(NewReport, String), ApiError> {
    let mut form = crate::upload::read_form(m).await?;
    let r = NewReport {
        unit_id: form.opt("unit_id"),
        unit_name: form.opt("unit_name"),
        division: form.opt("division"),
        text: form.text("text").unwrap_or_default().to_owned(),
        contact: form.opt("contact"),
        attachments: form.take_files(&["attachment", "attachments"]),
    };
    Ok((r, form.text("csrf").unwrap_or_default().to_owned()))
}

fn from_json(j: ReportIn) -> Result<NewReport, ApiError> {
    let mut attachments = Vec::new();
    for (i, a) in j.attachments.into_iter().enumerate() {
        let content = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.trim())
            .map_err(|e| {
                bad(
                    "REPORT_BAD_ATTACHMENT",
                    format!("第 {} 个附件不是有效的 base64：{e}", i + 1),
                    format!("attachment {} is not valid base64: {e}", i + 1),
                )
            })?;
        attachments.push(NewAttachment {
            name: a.name,
            media_type: if a.media_type.trim().is_empty() {
                "application/octet-stream".into()
            } else {
                a.media_type
            },
            content,
        });
    }
    Ok(NewReport {
        unit_id: j.unit_id,
        unit_name: j.unit_name,
        division: j.division,
        text: j.text,
        contact: j.contact,
        attachments,
    })
}

/// File a citizen report (群众举报) without signing in. JSON (attachments base64) or
/// `multipart/form-data` (fields `unit_id` | `unit_name` + `division`, `text`, `contact`,
/// files `attachment`). Limited per client address (429 with `Retry-After`) and in size
/// (413). The receipt code in the answer is shown once.
#[utoipa::path(
    post, path = "/api/v1/public/reports", tag = "reports",
    request_body(content(
        (ReportIn = "application/json"),
        (ReportIn = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "已受理，回执码只显示一次 / received; the receipt code is shown once", body = Receipt),
        (status = 400, description = "内容无效或单位不明 / invalid content or unknown unit", body = ErrorBody),
        (status = 413, description = "请求体过大 / body too large", body = ErrorBody),
        (status = 429, description = "提交过于频繁 / rate limited", body = ErrorBody),
    ),
    security(())
)]
pub async fn file_public(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    req: Request,
) -> Response {
    let now = (state.clock)();
    let ip = client_ip(peer.as_ref().map(|e| &e.0));
    if let Some((wait, msg)) = throttled(&state, &ip, now) {
        tracing::warn!(ip, wait, "citizen report rate-limited");
        return rate_limited(wait, msg);
    }
    count_attempt(&state, &ip, now);
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let parsed = if multipart {
        match Multipart::from_request(req, &state).await {
            Ok(m) => read_multipart(m).await.map(|(r, _)| r),
            Err(e) => Err(bad(
                "BAD_BODY",
                format!("表单无效：{}", e.body_text()),
                format!("invalid form: {}", e.body_text()),
            )),
        }
    } else {
        match ApiJson::<ReportIn>::from_request(req, &state).await {
            Ok(j) => from_json(j.0),
            Err(e) => Err(e),
        }
    };
    let result = async {
        let r = parsed?;
        let ledger = &services(&state)?.ledger;
        let filed = state.store.file_report(ledger, &r, now).await?;
        Ok::<_, ApiError>(filed)
    }
    .await;
    match result {
        Ok(f) => {
            tracing::info!(report = %f.id, "citizen report received");
            (StatusCode::CREATED, axum::Json(Receipt::from(f))).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A receipt code as typed, checked: 400 with what is wrong (length, character, check
/// character), 404 when well-formed but unknown.
pub(crate) async fn status_by_code(state: &AppState, raw: &str) -> Result<PublicStatus, ApiError> {
    let canonical = code::parse(raw).map_err(ApiError::bad_request)?;
    state.store.report_status(&canonical).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "REPORT_CODE_UNKNOWN",
            "没有与此回执码对应的举报，请核对回执码",
            "no report has this receipt code; check the code",
        )
    })
}

/// The public status of a report by its receipt code: state and dates, never content.
#[utoipa::path(
    get, path = "/api/v1/public/reports/{code}", tag = "reports",
    params(("code" = String, Path, description = "回执码（大小写、连字符不限）/ receipt code (case and hyphens ignored)")),
    responses(
        (status = 200, description = "办理状态 / status", body = ReportStatus),
        (status = 400, description = "回执码格式或校验位错误 / malformed code or check character mismatch (typo)", body = ErrorBody),
        (status = 404, description = "没有此回执码 / unknown code", body = ErrorBody),
    ),
    security(())
)]
pub async fn public_status(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<axum::Json<ReportStatus>, ApiError> {
    Ok(axum::Json(status_by_code(&state, &raw).await?.into()))
}

// ---- staff -----------------------------------------------------------------------------------

/// A report with its content, for authorised staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
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
    pub steps: i64,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub seq: i64,
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

impl From<AttachmentInfo> for Attachment {
    fn from(a: AttachmentInfo) -> Self {
        Attachment {
            seq: a.seq,
            sha256: a.sha256,
            name: a.name,
            media_type: a.media_type,
            size: a.size,
        }
    }
}

impl From<ReportRecord> for Report {
    fn from(r: ReportRecord) -> Self {
        Report {
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
            steps: r.steps,
            attachments: r.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<Report>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `received`, `triaging`, `clue` or `closed`.
    pub status: Option<String>,
    pub unit: Option<String>,
}

/// Reports in the caller's jurisdiction (supervisors and administrators; never a unit's own).
#[utoipa::path(
    get, path = "/api/v1/reports", tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "举报列表（含内容）/ reports with content", body = ReportList),
        (status = 403, description = "角色无权查看举报 / role may not read reports", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<axum::Json<ReportList>, ApiError> {
    let items = state
        .store
        .list_reports(
            &auth.principal,
            &ReportFilter {
                status: q.status,
                unit_id: q.unit,
            },
        )
        .await?;
    Ok(axum::Json(ReportList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One report with its content.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "举报编号 / report id, e.g. R-1")),
    responses(
        (status = 200, description = "举报 / the report", body = Report),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Report>, ApiError> {
    let r = state
        .store
        .get_report(&auth.principal, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(r.into()))
}

/// An attachment's bytes (confidential: staff who may read the report only).
#[utoipa::path(
    get, path = "/api/v1/reports/{id}/attachments/{seq}", tag = "reports",
    params(
        ("id" = String, Path, description = "举报编号 / report id"),
        ("seq" = i64, Path, description = "附件序号 / attachment number, from 1"),
    ),
    responses(
        (status = 200, description = "附件内容 / the file", content_type = "application/octet-stream"),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, seq)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let (info, bytes) = state
        .store
        .report_attachment(&auth.principal, &id, seq)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(crate::upload::download(
        &format!("report-{id}-{seq}"),
        &info.name,
        bytes,
    ))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ReportNote {
    /// Reason (required to close).
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ClueFromReport {
    /// The officer's summary for the clue (the unit sees clues about it; the citizen's words
    /// stay with the report). Default: 群众举报 R-n / citizen report R-n.
    pub summary: Option<String>,
}

/// Take a received report into triage (分拣核查中).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/triage", tag = "reports",
    params(("id" = String, Path, description = "举报编号 / report id")),
    responses(
        (status = 200, description = "已进入分拣 / under triage", body = Report),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "状态不允许 / not allowed in its state", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn triage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Report>, ApiError> {
    step(&state, &auth, &id, ReportState::Triaging, None).await
}

/// Close a report without a clue, with a reason (已办结).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/close", tag = "reports",
    params(("id" = String, Path, description = "举报编号 / report id")),
    request_body(content = ReportNote, content_type = "application/json"),
    responses(
        (status = 200, description = "已办结 / closed", body = Report),
        (status = 400, description = "缺少理由 / a reason is required", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "状态不允许 / not allowed in its state", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReportNote>,
) -> Result<axum::Json<Report>, ApiError> {
    step(
        &state,
        &auth,
        &id,
        ReportState::Closed,
        body.note.as_deref(),
    )
    .await
}

async fn step(
    state: &AppState,
    auth: &Auth,
    id: &str,
    to: ReportState,
    note: Option<&str>,
) -> Result<axum::Json<Report>, ApiError> {
    let ledger = &services(state)?.ledger;
    let r = state
        .store
        .report_step(ledger, &auth.principal, id, to, note, (state.clock)())
        .await?;
    Ok(axum::Json(r.into()))
}

/// Open a clue from a report (线索登记, source `report`): it then goes through triage like a
/// clue from a hit.
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/clue", tag = "reports",
    params(("id" = String, Path, description = "举报编号 / report id")),
    request_body(content = ClueFromReport, content_type = "application/json"),
    responses(
        (status = 201, description = "已登记线索 / the clue opened", body = super::clues::Clue),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "举报已办结或已转线索 / the report is already final", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn open_clue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClueFromReport>,
) -> Result<(StatusCode, axum::Json<super::clues::Clue>), ApiError> {
    let ledger = &services(&state)?.ledger;
    let c = state
        .store
        .open_clue_from_report(
            ledger,
            &auth.principal,
            &id,
            body.summary.as_deref(),
            (state.clock)(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(c.into())))
}
