//! Clues (问题线索): list, one with its full timeline (each step with its ledger index) and
//! items, opening (from a hit or manually; from a citizen report see `reports`), and moving
//! through the one state machine. Illegal steps answer 409 with the allowed next states.

use super::rectifications::{Item, item};
use super::{ApiJson, ApiQuery, services};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinglian_core::Msg;
use qinglian_store::workflow::{State as ClueState, machine};
use qinglian_store::{ClueEvent, ClueRecord, Move, Principal};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Clue {
    #[schema(example = "C-1")]
    pub id: String,
    /// `registered`, `triaged`, `inquiry`, `verification`, `shelved`, `concluded`,
    /// `confirmed`, `rectifying` or `closed`.
    pub status: String,
    pub status_zh: String,
    /// `hit`, `manual` or `report`.
    pub source: String,
    pub hit_id: Option<String>,
    pub unit_id: String,
    pub division_code: String,
    pub indicator_id: Option<String>,
    /// Subject keys (JSON text) from the hit.
    pub subject: Option<String>,
    pub summary: String,
    pub handler: Option<String>,
    pub responsible_unit: Option<String>,
    /// The administrative level handling the clue (escalation moves it up).
    pub level_division: Option<String>,
    /// Disposal method.
    pub method: Option<String>,
    /// `confirmed` or `not_confirmed`.
    pub finding: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub last_escalated_at: Option<i64>,
    pub steps: i64,
    /// States one step away.
    pub allowed_next: Vec<String>,
}

impl From<ClueRecord> for Clue {
    fn from(c: ClueRecord) -> Self {
        let st = ClueState::parse(&c.status);
        Clue {
            status_zh: st.map(|s| s.name_zh().to_owned()).unwrap_or_default(),
            allowed_next: st
                .map(machine::allowed_from)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            id: c.id,
            status: c.status,
            source: c.source,
            hit_id: c.hit_id,
            unit_id: c.unit_id,
            division_code: c.division_code,
            indicator_id: c.indicator_id,
            subject: c.subject,
            summary: c.summary,
            handler: c.handler,
            responsible_unit: c.responsible_unit,
            level_division: c.level_division,
            method: c.method,
            finding: c.finding,
            created_at: c.created_at,
            updated_at: c.updated_at,
            closed_at: c.closed_at,
            last_escalated_at: c.last_escalated_at,
            steps: c.steps,
        }
    }
}

/// One step of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub step: i64,
    /// `open`, `triage`, `dispose`, `reopen`, `finding`, `order`, `close`, `item_add`,
    /// `item_report`, `item_check`, `item_verify`, `escalate`.
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor: String,
    pub note: Option<String>,
    #[schema(value_type = Object)]
    pub detail: Value,
    pub at: i64,
    /// Index of the ledger entry that recorded the step.
    pub ledger_index: Option<u64>,
}

impl From<ClueEvent> for Event {
    fn from(e: ClueEvent) -> Self {
        Event {
            step: e.step,
            kind: e.kind,
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor,
            note: e.note,
            detail: e.detail,
            at: e.at,
            ledger_index: e.ledger_index,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClueDetail {
    #[serde(flatten)]
    pub clue: Clue,
    pub timeline: Vec<Event>,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClueList {
    pub items: Vec<Clue>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClueQuery {
    /// Only clues in this state.
    pub status: Option<String>,
    pub unit: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Clues in the caller's jurisdiction, oldest first, one page at a time.
#[utoipa::path(
    get, path = "/api/v1/clues", tag = "clues", params(ClueQuery),
    responses((status = 200, description = "线索列表 / clues", body = ClueList)),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ClueQuery>,
) -> Result<Json<ClueList>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            ClueState::parse(s)
                .map(|s| s.as_str())
                .ok_or_else(|| bad_state(s))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).max(0);
    let items = state
        .store
        .list_clues_page(&auth.principal, status, q.unit.as_deref(), limit, offset)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(ClueList {
        items,
        limit,
        offset,
    }))
}

fn bad_state(s: &str) -> ApiError {
    ApiError::bad_request(Msg::new(
        "CLUE_BAD_STATE",
        format!(
            "状态“{s}”无效，应为：{}",
            machine::STATES.map(|s| s.name_zh()).join("、")
        ),
        format!(
            "invalid state '{s}', expected one of: {}",
            machine::STATES.map(|s| s.as_str()).join(", ")
        ),
    ))
}

pub(crate) async fn detail(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<ClueDetail, ApiError> {
    let clue = state
        .store
        .get_clue(&auth.principal, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let timeline = state.store.clue_timeline(&auth.principal, id).await?;
    let items = state.store.clue_items(id).await?;
    Ok(ClueDetail {
        clue: clue.into(),
        timeline: timeline.into_iter().map(Into::into).collect(),
        items: items.into_iter().map(item).collect(),
    })
}

/// One clue with its full timeline (全过程, each step with its ledger index) and items.
#[utoipa::path(
    get, path = "/api/v1/clues/{id}", tag = "clues",
    params(("id" = String, Path, description = "线索编号 / clue id, e.g. C-1")),
    responses(
        (status = 200, description = "线索与时间线 / the clue and its timeline", body = ClueDetail),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ClueDetail>, ApiError> {
    Ok(Json(detail(&state, &auth, &id).await?))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct OpenClue {
    /// Open from this hit …
    pub hit_id: Option<String>,
    /// … or manually about this unit, with a summary.
    pub unit_id: Option<String>,
    pub summary: Option<String>,
}

/// Open a clue (线索登记) from a hit, or manually about a unit.
#[utoipa::path(
    post, path = "/api/v1/clues", tag = "clues",
    request_body(content = OpenClue, content_type = "application/json"),
    responses(
        (status = 201, description = "已登记 / opened", body = Clue),
        (status = 400, description = "缺少命中或单位与摘要 / needs a hit, or a unit and a summary", body = ErrorBody),
        (status = 403, description = "角色无权登记 / role may not open clues", body = ErrorBody),
        (status = 404, description = "命中或单位不存在或不在管辖范围内 / hit or unit missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "命中已有未办结线索 / the hit already has an open clue", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(o): ApiJson<OpenClue>,
) -> Result<(StatusCode, Json<Clue>), ApiError> {
    let ledger = &services(&state)?.ledger;
    let now = (state.clock)();
    let p = &auth.principal;
    let c = match (o.hit_id.as_deref(), o.unit_id.as_deref()) {
        (Some(hit), None) => state.store.open_clue_from_hit(ledger, p, hit, now).await,
        (None, Some(unit)) => {
            let summary = o.summary.as_deref().unwrap_or_default();
            state
                .store
                .open_clue_manual(ledger, p, unit, summary, now)
                .await
        }
        _ => {
            return Err(ApiError::bad_request(Msg::new(
                "CLUE_SOURCE_REQUIRED",
                "请给出 hit_id（从命中登记），或 unit_id 与 summary（手工登记），二者取一",
                "give either hit_id (open from a hit) or unit_id and summary (manual)",
            )));
        }
    }?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct Transition {
    /// Target state (English code or Chinese name).
    pub to: String,
    /// Reason; required for disposals, reopening and findings.
    pub note: Option<String>,
    /// Triage: the handling officer (a user name).
    pub handler: Option<String>,
    /// Triage: the responsible unit (default: the clue's unit).
    pub unit: Option<String>,
    /// Confirmed finding: persons handled by form (`reminder_talk` … `judicial_referral`, or
    /// the Chinese names) and how many.
    pub persons: BTreeMap<String, i64>,
}

/// Move a clue one step through the state machine (a ledger entry in the same transaction).
#[utoipa::path(
    post, path = "/api/v1/clues/{id}/transitions", tag = "clues",
    params(("id" = String, Path, description = "线索编号 / clue id")),
    request_body(content = Transition, content_type = "application/json"),
    responses(
        (status = 200, description = "已转到新状态 / moved", body = ClueDetail),
        (status = 400, description = "缺少必填项 / something required is missing", body = ErrorBody),
        (status = 403, description = "角色无权操作 / role may not move clues", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 409, description = "状态机不允许此转换 / the state machine refuses the step", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn transition(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<Transition>,
) -> Result<Json<ClueDetail>, ApiError> {
    move_clue(&state, &auth.principal, &id, t).await?;
    Ok(Json(detail(&state, &auth, &id).await?))
}

/// One state-machine step (the API and the clue page's forms).
pub(crate) async fn move_clue(
    state: &AppState,
    p: &Principal,
    id: &str,
    t: Transition,
) -> Result<(), ApiError> {
    let ledger = &services(state)?.ledger;
    let to = ClueState::parse(&t.to).ok_or_else(|| bad_state(&t.to))?;
    let m = Move {
        to: Some(to),
        note: t.note,
        handler: t.handler,
        unit: t.unit,
        persons: t.persons.into_iter().collect(),
    };
    state
        .store
        .move_clue(ledger, p, id, &m, (state.clock)())
        .await?;
    Ok(())
}
