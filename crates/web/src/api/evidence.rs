//! The unit's report on a rectification item (主体责任) with its evidence files, and the
//! download of an item's evidence. Files travel as `multipart/form-data` and are kept by the
//! store by SHA-256 with the report (the same table as citizen-report attachments); JSON
//! clients may still name evidence by hash only.

use super::rectifications::{Item, grade, item, visible_item};
use super::{ApiJson, services};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::upload::{UploadForm, read_form};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::Response;
use qinglian_store::Principal;
use qinglian_store::workflow::ItemReport as StoreReport;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Field names of evidence files in a multipart report.
pub(crate) const FILE_FIELDS: &[&str] = &["file", "files", "evidence_file"];

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ItemReport {
    /// `completely`, `partly` or `not` (or 完全整改 / 部分整改 / 未整改).
    pub grade: String,
    /// SHA-256 (64 lower-case hex digits) of evidence kept elsewhere or uploaded before.
    pub evidence: Vec<String>,
    pub note: Option<String>,
    /// Multipart only: the evidence files (field `file`, repeatable).
    #[serde(skip)]
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<String>,
}

/// Files the store keeps with the report (a multipart form's file parts).
pub(crate) struct ReportInput {
    pub grade: String,
    pub hashes: Vec<String>,
    pub note: Option<String>,
    pub files: Vec<qinglian_store::reports::NewAttachment>,
}

impl ReportInput {
    pub(crate) fn from_form(mut f: UploadForm) -> Self {
        ReportInput {
            files: f.take_files(FILE_FIELDS),
            grade: f.text("grade").unwrap_or_default().to_owned(),
            hashes: f.all("evidence"),
            note: f.opt("note"),
        }
    }
}

/// The report step shared by the API and the unit's page: checks the item is visible, then
/// the store refuses what the role, the state machine or the files do not allow.
pub(crate) async fn file_report(
    state: &AppState,
    p: &Principal,
    clue: &str,
    seq: i64,
    r: &ReportInput,
) -> Result<(), ApiError> {
    state
        .store
        .get_clue(p, clue)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ledger = &services(state)?.ledger;
    let report = StoreReport {
        grade: grade(&r.grade)?,
        files: &r.files,
        hashes: &r.hashes,
        note: r.note.as_deref(),
    };
    state
        .store
        .report_item_with(ledger, p, clue, seq, &report, (state.clock)())
        .await?;
    Ok(())
}

/// The unit's report on an item (主体责任: unit users may do this for their own units), with
/// evidence files (`multipart/form-data`: `grade`, `note`, files `file`, optional `evidence`
/// hashes) or evidence hashes only (JSON). The files are kept by SHA-256 and the step's ledger
/// entry carries every hash. The body may be up to `evidence_body_limit` (413 beyond).
#[utoipa::path(
    post, path = "/api/v1/rectifications/{clue}/{seq}/report", tag = "rectifications",
    params(
        ("clue" = String, Path, description = "线索编号 / clue id"),
        ("seq" = i64, Path, description = "事项序号 / item number"),
    ),
    request_body(content(
        (ItemReport = "multipart/form-data"),
        (ItemReport = "application/json"),
    )),
    responses(
        (status = 200, description = "已报告 / reported", body = Item),
        (status = 400, description = "内容无效或线索不在整改中 / invalid, or the clue is not rectifying", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "事项状态不允许 / not allowed in the item's state", body = ErrorBody),
        (status = 413, description = "请求体过大 / body too large", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path((clue, seq)): Path<(String, i64)>,
    req: Request,
) -> Result<Json<Item>, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let input = if multipart {
        let m = Multipart::from_request(req, &state).await.map_err(|e| {
            ApiError::bad_request(qinglian_core::Msg::new(
                "BAD_BODY",
                format!("表单无效：{}", e.body_text()),
                format!("invalid form: {}", e.body_text()),
            ))
        })?;
        ReportInput::from_form(read_form(m).await?)
    } else {
        let j = ApiJson::<ItemReport>::from_request(req, &state).await?.0;
        ReportInput {
            grade: j.grade,
            hashes: j.evidence,
            note: j.note,
            files: Vec::new(),
        }
    };
    file_report(&state, &auth.principal, &clue, seq, &input).await?;
    Ok(Json(item(
        visible_item(&state, &auth.principal, &clue, seq).await?,
    )))
}

/// One evidence file of an item, as a download, for whoever may see the clue.
#[utoipa::path(
    get, path = "/api/v1/rectifications/{clue}/{seq}/evidence/{sha256}", tag = "rectifications",
    params(
        ("clue" = String, Path, description = "线索编号 / clue id"),
        ("seq" = i64, Path, description = "事项序号 / item number"),
        ("sha256" = String, Path, description = "文件的 SHA-256 / the file's SHA-256"),
    ),
    responses(
        (status = 200, description = "文件内容 / the file", content_type = "application/octet-stream"),
        (status = 404, description = "不存在、未上传或不在管辖范围内 / missing, not uploaded, or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((clue, seq, sha)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let (f, bytes) = state
        .store
        .item_evidence_file(&auth.principal, &clue, seq, &sha)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let short: String = sha.chars().take(12).collect();
    Ok(crate::upload::download(
        &format!("evidence-{short}"),
        &f.name,
        bytes,
    ))
}
