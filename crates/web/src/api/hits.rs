//! Hits (值得关注的线索, reasons to look — not verdicts): list with filters, one with its
//! indicator's measured precision, and the triage decision (recorded in the ledger).

use super::{ApiJson, ApiQuery, services};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use qinglian_store::{HitFilter, HitRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Hit {
    pub id: String,
    pub indicator_id: String,
    pub indicator_version: String,
    pub domain: String,
    /// `rule` or `statistical`.
    pub kind: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    pub unit_id: String,
    pub unit_kind: Option<String>,
    pub division_code: String,
    /// Subject keys (contract, person …).
    #[schema(value_type = Object)]
    pub subject: Value,
    /// Measured values.
    #[schema(value_type = Object)]
    pub values: Value,
    /// Thresholds or peer statistics used.
    #[schema(value_type = Object)]
    pub thresholds: Value,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub counterfactual_zh: String,
    pub counterfactual_en: String,
    /// Parameter hash and input snapshot hashes: enough to re-run the hit.
    pub param_hash: String,
    #[schema(value_type = Object)]
    pub inputs: Value,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub times_seen: i64,
    /// `confirmed`, `false_positive`, `unsure`, or absent (undecided).
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

impl From<HitRecord> for Hit {
    fn from(h: HitRecord) -> Self {
        Hit {
            id: h.id,
            indicator_id: h.indicator_id,
            indicator_version: h.indicator_version,
            domain: h.domain,
            kind: h.kind,
            severity: h.severity,
            unit_id: h.unit_id,
            unit_kind: h.unit_kind,
            division_code: h.division_code,
            subject: h.subject,
            values: h.values,
            thresholds: h.thresholds,
            explanation_zh: h.explanation_zh,
            explanation_en: h.explanation_en,
            counterfactual_zh: h.counterfactual_zh,
            counterfactual_en: h.counterfactual_en,
            param_hash: h.param_hash,
            inputs: h.inputs,
            first_seen_at: h.first_seen_at,
            last_seen_at: h.last_seen_at,
            times_seen: h.times_seen,
            decision: h.decision,
            decided_by: h.decided_by,
            decided_at: h.decided_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HitPage {
    pub items: Vec<Hit>,
    pub limit: i64,
    pub offset: i64,
}

/// The indicator's measured precision: confirmed ÷ (confirmed + false positive).
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorPrecision {
    pub confirmed: i64,
    pub false_positive: i64,
    pub unsure: i64,
    pub decided: i64,
    pub precision: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HitDetail {
    #[serde(flatten)]
    pub hit: Hit,
    pub indicator_precision: Option<IndicatorPrecision>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HitQuery {
    pub indicator: Option<String>,
    pub domain: Option<String>,
    pub unit: Option<String>,
    /// Also list hits decided as false positives (left out by default: not raised again).
    pub include_false_positives: Option<bool>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Hits in the caller's jurisdiction.
#[utoipa::path(
    get, path = "/api/v1/hits", tag = "hits", params(HitQuery),
    responses((status = 200, description = "命中列表 / hits", body = HitPage)),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HitQuery>,
) -> Result<Json<HitPage>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).max(0);
    let hits = state
        .store
        .list_hits(
            &auth.principal,
            &HitFilter {
                indicator_id: q.indicator,
                domain: q.domain,
                unit_id: q.unit,
                id_prefix: None,
                include_false_positives: q.include_false_positives.unwrap_or(false),
                limit,
                offset,
            },
        )
        .await?;
    Ok(Json(HitPage {
        items: hits.into_iter().map(Into::into).collect(),
        limit,
        offset,
    }))
}

/// One hit with its indicator's measured precision.
#[utoipa::path(
    get, path = "/api/v1/hits/{id}", tag = "hits",
    params(("id" = String, Path, description = "命中编号 / hit id")),
    responses(
        (status = 200, description = "命中 / the hit", body = HitDetail),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<HitDetail>, ApiError> {
    let hit = state
        .store
        .get_hit(&auth.principal, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let precision = state
        .store
        .indicator_precision(&auth.principal)
        .await?
        .remove(&hit.indicator_id)
        .map(|p| IndicatorPrecision {
            confirmed: p.confirmed,
            false_positive: p.false_positive,
            unsure: p.unsure,
            decided: p.decided,
            precision: p.precision,
        });
    Ok(Json(HitDetail {
        hit: hit.into(),
        indicator_precision: precision,
    }))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct Decision {
    /// `confirmed` (属实), `false_positive` (误报) or `unsure` (待定).
    pub decision: String,
    /// Reason (the ledger keeps its SHA-256).
    pub note: Option<String>,
}

/// Record the triage decision on a hit (a ledger entry); a false positive is not raised again.
#[utoipa::path(
    post, path = "/api/v1/hits/{id}/decision", tag = "hits",
    params(("id" = String, Path, description = "命中编号 / hit id")),
    request_body(content = Decision, content_type = "application/json"),
    responses(
        (status = 200, description = "已判定 / decided", body = Hit),
        (status = 400, description = "结论无效 / invalid decision", body = ErrorBody),
        (status = 403, description = "角色无权判定 / role may not decide", body = ErrorBody),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Decision>,
) -> Result<Json<Hit>, ApiError> {
    let ledger = &services(&state)?.ledger;
    state
        .store
        .decide_hit(
            ledger,
            &auth.principal,
            &id,
            d.decision.trim(),
            d.note.as_deref(),
            (state.clock)(),
        )
        .await?;
    let hit = state
        .store
        .get_hit(&auth.principal, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(hit.into()))
}
