//! Rectification items (整改事项) of clues: list, add and the supervisor's verification (the
//! unit's report with its evidence files is in [`super::evidence`]).
//!
//! The server does not link the screening engine, so closure by data uses the jobs' latest
//! re-screen of the item (`item_check`, recorded in the ledger after the unit's report): an
//! item tied to an indicator is verified `completely` only when that re-screen exists and the
//! store finds the indicator silent for the unit and subject over the cool-down window.
//! Without one the answer says to wait for the jobs (or use `qinglian clues item verify`).

use super::{ApiJson, ApiQuery, services};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use qinglian_core::Msg;
use qinglian_store::workflow::Grade;
use qinglian_store::{DataCheck, ItemRecord, NewItem, Principal, Verification};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    pub clue_id: String,
    pub seq: i64,
    pub text: String,
    /// Unix seconds (end of the deadline day, Asia/Shanghai).
    pub deadline: i64,
    pub indicator_id: Option<String>,
    /// Subject keys (JSON text) the indicator must stop firing for.
    pub subject: Option<String>,
    /// `open`, `reported` or `rectified`.
    pub status: String,
    /// The unit's report: `completely`, `partly` or `not`.
    pub report: Option<String>,
    /// SHA-256 of the evidence files.
    pub evidence: Vec<String>,
    pub reported_at: Option<i64>,
    pub verdict: Option<String>,
    pub systems_improved: Option<String>,
    pub money_recovered_fen: i64,
    pub verified_at: Option<i64>,
    /// The jobs' last re-screen of the reported item, and whether closure by data passed then.
    pub checked_at: Option<i64>,
    pub check_passed: Option<bool>,
}

pub(crate) fn item(i: ItemRecord) -> Item {
    Item {
        evidence: serde_json::from_str(&i.evidence).unwrap_or_default(),
        clue_id: i.clue_id,
        seq: i.seq,
        text: i.text,
        deadline: i.deadline,
        indicator_id: i.indicator_id,
        subject: i.subject,
        status: i.status,
        report: i.report,
        reported_at: i.reported_at,
        verdict: i.verdict,
        systems_improved: i.systems_improved,
        money_recovered_fen: i.money_recovered_fen,
        verified_at: i.verified_at,
        checked_at: i.checked_at,
        check_passed: i.check_passed,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemList {
    pub items: Vec<Item>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Only the items of this clue.
    pub clue: Option<String>,
    /// `open`, `reported` or `rectified`.
    pub status: Option<String>,
}

/// Items of the clues in the caller's jurisdiction.
#[utoipa::path(
    get, path = "/api/v1/rectifications", tag = "rectifications", params(ItemQuery),
    responses(
        (status = 200, description = "整改事项 / items", body = ItemList),
        (status = 404, description = "线索不存在或不在管辖范围内 / clue missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> Result<Json<ItemList>, ApiError> {
    let clues: Vec<String> = match &q.clue {
        Some(id) => {
            let c = state
                .store
                .get_clue(&auth.principal, id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            vec![c.id]
        }
        None => state
            .store
            .list_clues(&auth.principal)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
    };
    let mut items = Vec::new();
    for c in clues {
        items.extend(
            state
                .store
                .clue_items(&c)
                .await?
                .into_iter()
                .filter(|i| q.status.as_ref().is_none_or(|s| &i.status == s))
                .map(item),
        );
    }
    Ok(Json(ItemList { items }))
}

pub(crate) async fn visible_item(
    state: &AppState,
    p: &Principal,
    clue: &str,
    seq: i64,
) -> Result<ItemRecord, ApiError> {
    state
        .store
        .get_clue(p, clue)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state
        .store
        .clue_items(clue)
        .await?
        .into_iter()
        .find(|i| i.seq == seq)
        .ok_or_else(ApiError::not_found)
}

/// One item.
#[utoipa::path(
    get, path = "/api/v1/rectifications/{clue}/{seq}", tag = "rectifications",
    params(
        ("clue" = String, Path, description = "线索编号 / clue id"),
        ("seq" = i64, Path, description = "事项序号 / item number"),
    ),
    responses(
        (status = 200, description = "整改事项 / the item", body = Item),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path((clue, seq)): Path<(String, i64)>,
) -> Result<Json<Item>, ApiError> {
    Ok(Json(item(
        visible_item(&state, &auth.principal, &clue, seq).await?,
    )))
}

/// End of `YYYY-MM-DD` in Asia/Shanghai, as Unix seconds.
pub(crate) fn deadline(s: &str) -> Result<i64, ApiError> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .ok_or_else(|| {
            ApiError::bad_request(Msg::new(
                "BAD_DATE",
                format!("日期“{s}”无效：应为 YYYY-MM-DD"),
                format!("invalid date '{s}': expected YYYY-MM-DD"),
            ))
        })?;
    Ok(d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        - 8 * 3600
        - 1)
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewItemIn {
    pub clue: String,
    pub text: String,
    /// YYYY-MM-DD (end of that day, Asia/Shanghai).
    pub deadline: String,
    /// Tie the item to the clue's own indicator and subject (closure by data).
    pub from_hit: bool,
    /// Or name an indicator (and optionally subject keys) explicitly.
    pub indicator_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub subject: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemAdded {
    pub clue_id: String,
    pub seq: i64,
    pub item: Item,
}

/// Add an item to the rectification order of a confirmed (or rectifying) clue.
#[utoipa::path(
    post, path = "/api/v1/rectifications", tag = "rectifications",
    request_body(content = NewItemIn, content_type = "application/json"),
    responses(
        (status = 201, description = "已添加 / added", body = ItemAdded),
        (status = 400, description = "内容无效或线索状态不符 / invalid, or the clue is not confirmed", body = ErrorBody),
        (status = 403, description = "角色无权操作 / role may not add items", body = ErrorBody),
        (status = 404, description = "线索不存在或不在管辖范围内 / clue missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(a): ApiJson<NewItemIn>,
) -> Result<(StatusCode, Json<ItemAdded>), ApiError> {
    let (clue_id, seq) = add_item(&state, &auth.principal, a).await?;
    let it = visible_item(&state, &auth.principal, &clue_id, seq).await?;
    Ok((
        StatusCode::CREATED,
        Json(ItemAdded {
            clue_id,
            seq,
            item: item(it),
        }),
    ))
}

/// Adds an item (the API and the clue page's form): the item's indicator and subject from the
/// clue's hit when asked, then the store's step.
pub(crate) async fn add_item(
    state: &AppState,
    p: &Principal,
    a: NewItemIn,
) -> Result<(String, i64), ApiError> {
    let clue = state
        .store
        .get_clue(p, &a.clue)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ledger = &services(state)?.ledger;
    let (indicator_id, subject) = if a.from_hit {
        let subject = clue
            .subject
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok());
        (clue.indicator_id.clone(), subject)
    } else {
        (a.indicator_id, a.subject)
    };
    let new = NewItem {
        text: a.text,
        deadline: deadline(&a.deadline)?,
        indicator_id,
        subject,
    };
    let seq = state
        .store
        .add_item(ledger, p, &clue.id, &new, (state.clock)())
        .await?;
    Ok((clue.id, seq))
}

pub(crate) fn grade(s: &str) -> Result<Grade, ApiError> {
    Grade::parse(s).ok_or_else(|| {
        ApiError::bad_request(Msg::new(
            "ITEM_BAD_GRADE",
            format!("整改程度“{s}”无效：应为 completely 完全整改、partly 部分整改 或 not 未整改"),
            format!("invalid grade '{s}': expected completely, partly or not"),
        ))
    })
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ItemVerification {
    /// `completely` (then the item is rectified), `partly` or `not` (back to the unit).
    pub grade: String,
    pub note: Option<String>,
    /// The rule or control the unit changed (完善制度).
    pub systems_improved: Option<String>,
    /// Money recovered (退赔), in fen.
    pub money_recovered_fen: i64,
    /// New deadline (YYYY-MM-DD) when the item goes back to the unit.
    pub new_deadline: Option<String>,
}

/// The jobs' latest re-screen of this item since its report, from the clue's timeline.
async fn last_check(
    state: &AppState,
    p: &Principal,
    it: &ItemRecord,
) -> Result<Option<DataCheck>, ApiError> {
    let since = it.reported_at.unwrap_or(i64::MAX);
    let timeline = state.store.clue_timeline(p, &it.clue_id).await?;
    Ok(timeline
        .into_iter()
        .rev()
        .find(|e| e.kind == "item_check" && e.detail["item"] == it.seq && e.at >= since)
        .map(|e| {
            let c = &e.detail["data_check"];
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            DataCheck {
                indicator_id: s("indicator"),
                indicator_version: s("version"),
                as_of: s("as_of"),
                inputs: serde_json::from_value(c["inputs"].clone()).unwrap_or_default(),
                firing: serde_json::from_value(c["firing"].clone()).unwrap_or_default(),
            }
        }))
}

/// The supervisor's verification of a reported item; `completely` on an item tied to an
/// indicator needs the jobs' re-screen to pass closure by data (recorded in the entry).
#[utoipa::path(
    post, path = "/api/v1/rectifications/{clue}/{seq}/verification", tag = "rectifications",
    params(
        ("clue" = String, Path, description = "线索编号 / clue id"),
        ("seq" = i64, Path, description = "事项序号 / item number"),
    ),
    request_body(content = ItemVerification, content_type = "application/json"),
    responses(
        (status = 200, description = "已核查 / verified", body = Item),
        (status = 400, description = "指标仍触发、冷却期未过或缺少重新排查 / the indicator still fires, the cool-down is not over, or no re-screen yet", body = ErrorBody),
        (status = 403, description = "角色无权核查 / role may not verify", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "事项状态不允许 / not allowed in the item's state", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
    Path((clue, seq)): Path<(String, i64)>,
    ApiJson(v): ApiJson<ItemVerification>,
) -> Result<Json<Item>, ApiError> {
    verify_item(&state, &auth.principal, &clue, seq, v).await?;
    Ok(Json(item(
        visible_item(&state, &auth.principal, &clue, seq).await?,
    )))
}

/// Verifies an item (the API and the clue page's form), on the jobs' last re-check when the
/// item is tied to an indicator and graded `completely`.
pub(crate) async fn verify_item(
    state: &AppState,
    p: &Principal,
    clue: &str,
    seq: i64,
    v: ItemVerification,
) -> Result<(), ApiError> {
    let it = visible_item(state, p, clue, seq).await?;
    let ledger = &services(state)?.ledger;
    let g = grade(&v.grade)?;
    let data_check = match (&it.indicator_id, g) {
        (Some(_), Grade::Completely) => last_check(state, p, &it).await?,
        _ => None,
    };
    let verification = Verification {
        grade: g,
        note: v.note,
        systems_improved: v.systems_improved,
        money_recovered_fen: v.money_recovered_fen,
        new_deadline: v.new_deadline.as_deref().map(deadline).transpose()?,
        data_check,
        cooldown_days: state.cfg.cooldown_days,
    };
    state
        .store
        .verify_item(ledger, p, clue, seq, &verification, (state.clock)())
        .await?;
    Ok(())
}
