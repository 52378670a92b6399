//! 一书一单一函 letters: list, one, issue (numbered in its register, one ledger entry),
//! delivery and acknowledgement (signature date). Scoped like the unit they are addressed to.

use super::{ApiJson, ApiQuery, services};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use qinglian_core::Msg;
use qinglian_letters::{Counterparty, LetterKind};
use qinglian_store::letters::{LetterFilter, LetterRecord, LetterRequest, parse_key_area};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Letter {
    #[schema(example = "330106-2026-reminder-0001")]
    pub id: String,
    /// As printed, e.g. 西湖纪〔2026〕提醒 第 0001 号.
    pub number: String,
    /// `notice`, `risk_list` or `reminder`.
    pub kind: String,
    pub issuer_division: String,
    pub issuer_name: String,
    pub unit_id: String,
    pub division_code: String,
    pub person_id: Option<String>,
    pub post_id: Option<String>,
    pub hit_ids: Vec<String>,
    /// SHA-256 of the letter's canonical text (recorded in the ledger).
    pub content_sha256: String,
    pub issued_on: String,
    pub issued_by: String,
    /// `issued`, `delivered` or `acknowledged`.
    pub status: String,
    pub delivered_on: Option<String>,
    pub signed_on: Option<String>,
    pub steps: i64,
}

impl From<LetterRecord> for Letter {
    fn from(l: LetterRecord) -> Self {
        Letter {
            id: l.id,
            number: l.number,
            kind: l.kind,
            issuer_division: l.issuer_division,
            issuer_name: l.issuer_name,
            unit_id: l.unit_id,
            division_code: l.division_code,
            person_id: l.person_id,
            post_id: l.post_id,
            hit_ids: l.hit_ids,
            content_sha256: l.content_sha256,
            issued_on: l.issued_on,
            issued_by: l.issued_by,
            status: l.status,
            delivered_on: l.delivered_on,
            signed_on: l.signed_on,
            steps: l.steps,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterList {
    pub items: Vec<Letter>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LetterQuery {
    /// `notice`, `risk_list` or `reminder`.
    pub kind: Option<String>,
    /// `issued`, `delivered` or `acknowledged`.
    pub status: Option<String>,
    pub unit: Option<String>,
    pub person: Option<String>,
}

/// Letters addressed to units in the caller's jurisdiction.
#[utoipa::path(
    get, path = "/api/v1/letters", tag = "letters", params(LetterQuery),
    responses((status = 200, description = "文书列表 / letters", body = LetterList)),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<LetterQuery>,
) -> Result<Json<LetterList>, ApiError> {
    let items = state
        .store
        .list_letters(
            &auth.principal,
            &LetterFilter {
                kind: q.kind,
                status: q.status,
                unit_id: q.unit,
                person_id: q.person,
            },
        )
        .await?;
    Ok(Json(LetterList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One letter by id or printed number.
#[utoipa::path(
    get, path = "/api/v1/letters/{id}", tag = "letters",
    params(("id" = String, Path, description = "文书编号或文号 / letter id or printed number")),
    responses(
        (status = 200, description = "文书 / the letter", body = Letter),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Letter>, ApiError> {
    Ok(Json(
        state.store.find_letter(&auth.principal, &id).await?.into(),
    ))
}

fn bad(code: &'static str, zh: String, en: String) -> ApiError {
    ApiError::bad_request(Msg::new(code, zh, en))
}

fn date(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "BAD_DATE",
            format!("日期“{s}”无效：应为 YYYY-MM-DD"),
            format!("invalid date '{s}': expected YYYY-MM-DD"),
        )
    })
}

fn kind(s: &str) -> Result<LetterKind, ApiError> {
    let t = s.trim();
    LetterKind::ALL
        .into_iter()
        .find(|k| k.as_str() == t || k.as_str().replace('_', "-") == t || k.title_zh() == t)
        .ok_or_else(|| {
            bad(
                "LETTER_BAD_KIND",
                format!("文书类型“{s}”无效：应为 notice 廉政告知书、risk_list 廉政风险防控清单 或 reminder 廉政风险提醒函"),
                format!("invalid letter kind '{s}': expected notice, risk_list or reminder"),
            )
        })
}

fn counterparty(s: &str) -> Result<Counterparty, ApiError> {
    let t = s.trim();
    Counterparty::ALL
        .into_iter()
        .find(|c| {
            c.name_zh() == t
                || serde_json::to_value(c)
                    .ok()
                    .is_some_and(|v| v.as_str() == Some(t))
        })
        .ok_or_else(|| {
            bad(
                "LETTER_BAD_COUNTERPARTY",
                format!(
                    "交往对象“{s}”无效，应为：{}",
                    Counterparty::ALL.map(|c| c.name_zh()).join("、")
                ),
                format!(
                    "invalid counterparty '{s}': expected supplier, bidder, tenant, contractor, applicant, regulated or investee"
                ),
            )
        })
}

/// What to issue: a notice needs a unit and a counterparty, a risk list a unit and a key post,
/// a reminder a person (and their post).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct IssueIn {
    /// `notice`, `risk_list` or `reminder`.
    pub kind: String,
    pub unit_id: Option<String>,
    pub post_id: Option<String>,
    pub post_title: Option<String>,
    /// Key area of the post, e.g. `property_trading`.
    pub key_area: Option<String>,
    pub person_id: Option<String>,
    /// `supplier`, `bidder`, `tenant`, `contractor`, `applicant`, `regulated`, `investee`.
    pub counterparty: Option<String>,
    /// A reminder's hits (default: every hit that concerns the person).
    pub hit_ids: Vec<String>,
    /// YYYY-MM-DD (default: today in Asia/Shanghai).
    pub issue_date: Option<String>,
    pub reply_by: Option<String>,
    /// The issuing division (default: the caller's jurisdiction holding the unit).
    pub division: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Issued {
    pub letter: Letter,
    pub title_zh: String,
    pub ledger_index: u64,
}

/// Issue a letter (一书一单一函): numbered without gaps in its register, recorded in the ledger.
#[utoipa::path(
    post, path = "/api/v1/letters", tag = "letters",
    request_body(content = IssueIn, content_type = "application/json"),
    responses(
        (status = 201, description = "已签发 / issued", body = Issued),
        (status = 400, description = "缺少收件人信息或内容无效 / recipient missing or invalid", body = ErrorBody),
        (status = 403, description = "角色无权签发 / role may not issue letters", body = ErrorBody),
        (status = 404, description = "单位、岗位或人员不存在或不在管辖范围内 / unit, post or person missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn issue(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(a): ApiJson<IssueIn>,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    let svc = services(&state)?;
    let now = (state.clock)();
    let today = chrono::DateTime::from_timestamp(now + 8 * 3600, 0)
        .unwrap_or_default()
        .date_naive();
    let key_area = a
        .key_area
        .as_deref()
        .map(|s| {
            parse_key_area(s).ok_or_else(|| {
                bad(
                    "LETTER_BAD_KEY_AREA",
                    format!("关键岗位领域“{s}”无效，如 property_trading 或 产权交易与资产出租"),
                    format!("invalid key area '{s}', e.g. property_trading"),
                )
            })
        })
        .transpose()?;
    let req = LetterRequest {
        unit_id: a.unit_id,
        post_id: a.post_id,
        post_title: a.post_title,
        key_area,
        person_id: a.person_id,
        counterparty: a.counterparty.as_deref().map(counterparty).transpose()?,
        hit_ids: a.hit_ids,
        reply_by: a.reply_by.as_deref().map(date).transpose()?,
        division: a.division,
        ..LetterRequest::new(
            kind(&a.kind)?,
            a.issue_date
                .as_deref()
                .map(date)
                .transpose()?
                .unwrap_or(today),
        )
    };
    let issued = state
        .store
        .issue_letter(&svc.ledger, &auth.principal, &req, &svc.indicators, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Issued {
            title_zh: issued.letter.title_zh().to_owned(),
            ledger_index: issued.ledger_index,
            letter: issued.record.into(),
        }),
    ))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct Delivery {
    /// YYYY-MM-DD (default: today in Asia/Shanghai).
    pub on: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct Acknowledgement {
    /// The signature date, YYYY-MM-DD.
    pub signed_on: String,
    /// Who signed (kept with the row; the ledger keeps ids and dates).
    pub signer: Option<String>,
}

/// Record delivery of an issued letter.
#[utoipa::path(
    post, path = "/api/v1/letters/{id}/delivery", tag = "letters",
    params(("id" = String, Path, description = "文书编号或文号 / letter id or printed number")),
    request_body(content = Delivery, content_type = "application/json"),
    responses(
        (status = 200, description = "已送达 / delivered", body = Letter),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "状态不允许 / not allowed in its state", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn deliver(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Delivery>,
) -> Result<Json<Letter>, ApiError> {
    let ledger = &services(&state)?.ledger;
    let now = (state.clock)();
    let on = match d.on.as_deref() {
        Some(s) => date(s)?,
        None => chrono::DateTime::from_timestamp(now + 8 * 3600, 0)
            .unwrap_or_default()
            .date_naive(),
    };
    let l = state
        .store
        .deliver_letter(ledger, &auth.principal, &id, on, now)
        .await?;
    Ok(Json(l.into()))
}

/// Record the recipient's acknowledgement (签收) with its signature date.
#[utoipa::path(
    post, path = "/api/v1/letters/{id}/acknowledgement", tag = "letters",
    params(("id" = String, Path, description = "文书编号或文号 / letter id or printed number")),
    request_body(content = Acknowledgement, content_type = "application/json"),
    responses(
        (status = 200, description = "已签收 / acknowledged", body = Letter),
        (status = 400, description = "日期无效 / invalid date", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "状态不允许 / not allowed in its state", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Acknowledgement>,
) -> Result<Json<Letter>, ApiError> {
    let ledger = &services(&state)?.ledger;
    let l = state
        .store
        .acknowledge_letter(
            ledger,
            &auth.principal,
            &id,
            date(&a.signed_on)?,
            a.signer.as_deref(),
            (state.clock)(),
        )
        .await?;
    Ok(Json(l.into()))
}
