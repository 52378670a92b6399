//! Outcome figures (成效统计), derived from the records in the caller's jurisdiction: problems
//! found and rectified (and the rate), systems improved, persons handled by form, money
//! recovered (fen). The same figures as `qinglian report --json`.

use super::ApiQuery;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use qinglian_core::DivisionCode;
use qinglian_store::workflow::period_bounds;
use qinglian_store::{OutcomeReport, UnitOutcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    pub unit_id: String,
    pub division_code: String,
    pub problems_found: i64,
    pub problems_rectified: i64,
    /// rectified ÷ found (four decimals); absent when nothing was found.
    pub rectification_rate: Option<f64>,
    pub systems_improved: i64,
    /// By form: `reminder_talk`, `warning_interview`, `criticism`, `admonishment`,
    /// `organisational_handling`, `sanction`, `judicial_referral`.
    pub persons_handled: BTreeMap<String, i64>,
    pub money_recovered_fen: i64,
}

impl From<UnitOutcome> for Outcome {
    fn from(u: UnitOutcome) -> Self {
        Outcome {
            unit_id: u.unit_id,
            division_code: u.division_code,
            problems_found: u.problems_found,
            problems_rectified: u.problems_rectified,
            rectification_rate: u.rectification_rate,
            systems_improved: u.systems_improved,
            persons_handled: u.persons_handled,
            money_recovered_fen: u.money_recovered_fen,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Outcomes {
    pub period: Option<String>,
    pub division: Option<String>,
    pub problems_found: i64,
    pub problems_rectified: i64,
    pub rectification_rate: Option<f64>,
    pub systems_improved: i64,
    pub persons_handled: BTreeMap<String, i64>,
    pub money_recovered_fen: i64,
    pub by_unit: Vec<Outcome>,
}

impl From<OutcomeReport> for Outcomes {
    fn from(r: OutcomeReport) -> Self {
        let t = r.total;
        Outcomes {
            period: r.period,
            division: r.division,
            problems_found: t.problems_found,
            problems_rectified: t.problems_rectified,
            rectification_rate: t.rectification_rate,
            systems_improved: t.systems_improved,
            persons_handled: t.persons_handled,
            money_recovered_fen: t.money_recovered_fen,
            by_unit: r.by_unit.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeQuery {
    /// `2026`, `2026-Q3` or `2026-07` (Asia/Shanghai); default: all time.
    pub period: Option<String>,
    /// Only inside this division (level-aware), within the caller's jurisdiction.
    pub division: Option<String>,
}

/// Outcome figures for a period and division.
#[utoipa::path(
    get, path = "/api/v1/outcomes", tag = "outcomes", params(OutcomeQuery),
    responses(
        (status = 200, description = "成效统计 / outcome figures", body = Outcomes),
        (status = 400, description = "期间或区划无效 / invalid period or division", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_outcomes(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<OutcomeQuery>,
) -> Result<Json<Outcomes>, ApiError> {
    let division = q
        .division
        .as_deref()
        .map(DivisionCode::parse)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let bounds = q.period.as_deref().map(period_bounds).transpose()?;
    let period = q.period.as_deref().zip(bounds).map(|(p, (a, b))| (p, a, b));
    let r = state
        .store
        .outcome_report(&auth.principal, division.as_ref(), period)
        .await?;
    Ok(Json(r.into()))
}
