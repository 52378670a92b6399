//! Read-only registry API: divisions, units, people. Jurisdiction is applied by the store;
//! an object outside it is indistinguishable from a missing one (404).

use super::ApiQuery;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use qinglian_core::{Msg, UnitKind};
use qinglian_store::{DivisionRow, PersonMasked, UnitFilter, UnitRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Serialize, ToSchema)]
pub struct Division {
    #[schema(example = "330106")]
    pub code: String,
    #[schema(example = "西湖区")]
    pub name: String,
    /// `province`, `city`, `county`, `township` or `village`.
    pub level: String,
    pub parent_code: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

impl From<DivisionRow> for Division {
    fn from(d: DivisionRow) -> Self {
        Division {
            code: d.code,
            name: d.name,
            level: d.level,
            parent_code: d.parent_code,
            longitude: d.longitude,
            latitude: d.latitude,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unit {
    pub unit_id: String,
    pub name: String,
    /// `organ`, `soe`, `private_enterprise`, `village`, `school`, `hospital`, `transport`, `culture`.
    pub kind: String,
    /// Chinese name of the kind (机关, 国企 …), when the kind is known.
    pub kind_zh: Option<String>,
    pub division_code: String,
    /// Unified social credit code (统一社会信用代码).
    pub uscc: Option<String>,
    pub parent_unit_id: Option<String>,
    pub address: Option<String>,
}

impl From<UnitRow> for Unit {
    fn from(u: UnitRow) -> Self {
        let kind_zh = u
            .kind
            .parse::<UnitKind>()
            .ok()
            .map(|k| k.name_zh().to_owned());
        Unit {
            unit_id: u.unit_id,
            name: u.name,
            kind: u.kind,
            kind_zh,
            division_code: u.division_code,
            uscc: u.uscc,
            parent_unit_id: u.parent_unit_id,
            address: u.address,
        }
    }
}

/// A person, always masked here: unmasked views need a permission and a ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub person_id: String,
    /// Masked name, e.g. `王*明`.
    pub name: String,
    /// Masked citizen ID, e.g. `110105********002X`.
    pub citizen_id: String,
    pub gender: Option<String>,
    pub division_code: String,
    pub unit_id: Option<String>,
}

impl From<PersonMasked> for Person {
    fn from(p: PersonMasked) -> Self {
        Person {
            person_id: p.person_id,
            name: p.name,
            citizen_id: p.citizen_id,
            gender: p.gender,
            division_code: p.division_code,
            unit_id: p.unit_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionList {
    pub items: Vec<Division>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage {
    pub items: Vec<Unit>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivisionQuery {
    /// Only the direct children of this division code.
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units inside this division (level-aware: a city includes its counties).
    pub division: Option<String>,
    /// Unit kind, English identifier or Chinese name (`school` or `学校`).
    pub kind: Option<String>,
    /// Substring of the unit name.
    pub name: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only people whose unit is this unit id.
    pub unit: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `?x=` counts as absent: forms and scripts send empty fields.
fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn page(limit: Option<i64>, offset: Option<i64>) -> (i64, i64) {
    (
        limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        offset.unwrap_or(0).max(0),
    )
}

#[utoipa::path(
    get, path = "/api/v1/divisions", tag = "registry", params(DivisionQuery),
    responses(
        (status = 200, description = "管辖范围内的行政区划 / divisions in the caller's jurisdiction", body = DivisionList),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_divisions(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DivisionQuery>,
) -> Result<Json<DivisionList>, ApiError> {
    let rows = state
        .store
        .list_divisions(&auth.principal, given(q.parent).as_deref())
        .await?;
    Ok(Json(DivisionList {
        items: rows.into_iter().map(Division::from).collect(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/divisions/{code}", tag = "registry",
    params(("code" = String, Path, description = "行政区划代码 / division code")),
    responses(
        (status = 200, description = "行政区划 / the division", body = Division),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_division(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<Division>, ApiError> {
    let row = state.store.get_division(&auth.principal, &code).await?;
    row.map(|d| Json(d.into())).ok_or_else(ApiError::not_found)
}

#[utoipa::path(
    get, path = "/api/v1/units", tag = "registry", params(UnitQuery),
    responses(
        (status = 200, description = "管辖范围内的单位 / units in the caller's jurisdiction", body = UnitPage),
        (status = 400, description = "参数无效 / bad parameters", body = ErrorBody),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_units(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> Result<Json<UnitPage>, ApiError> {
    let kind = match given(q.kind) {
        None => None,
        Some(k) => Some(
            k.parse::<UnitKind>()
                .map_err(|()| {
                    ApiError::bad_request(Msg::new(
                        "BAD_UNIT_KIND",
                        format!("未知单位类型“{k}”，应为 机关、国企、民企、村居、学校、医院、交通、文化 之一"),
                        format!(
                            "unknown unit kind '{k}': expected organ, soe, private_enterprise, village, school, hospital, transport or culture"
                        ),
                    ))
                })?
                .as_str()
                .to_owned(),
        ),
    };
    let (limit, offset) = page(q.limit, q.offset);
    let filter = UnitFilter {
        division: given(q.division),
        kind,
        name: given(q.name),
        limit,
        offset,
    };
    let rows = state.store.list_units(&auth.principal, &filter).await?;
    Ok(Json(UnitPage {
        items: rows.into_iter().map(Unit::from).collect(),
        limit,
        offset,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/units/{id}", tag = "registry",
    params(("id" = String, Path, description = "单位编号 / unit id")),
    responses(
        (status = 200, description = "单位 / the unit", body = Unit),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_unit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Unit>, ApiError> {
    let row = state.store.get_unit(&auth.principal, &id).await?;
    row.map(|u| Json(u.into())).ok_or_else(ApiError::not_found)
}

#[utoipa::path(
    get, path = "/api/v1/people", tag = "registry", params(PeopleQuery),
    responses(
        (status = 200, description = "管辖范围内的人员（脱敏）/ people in the caller's jurisdiction (masked)", body = PersonPage),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_people(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<PersonPage>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset);
    let unit = given(q.unit);
    let rows = state
        .store
        .list_people(&auth.principal, unit.as_deref(), limit, offset)
        .await?;
    Ok(Json(PersonPage {
        items: rows.into_iter().map(Person::from).collect(),
        limit,
        offset,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/people/{id}", tag = "registry",
    params(("id" = String, Path, description = "人员编号 / person id")),
    responses(
        (status = 200, description = "人员（脱敏）/ the person (masked)", body = Person),
        (status = 404, description = "不存在或不在管辖范围内 / missing or outside the jurisdiction", body = ErrorBody),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Person>, ApiError> {
    let row = state.store.get_person(&auth.principal, &id).await?;
    row.map(|p| Json(p.into())).ok_or_else(ApiError::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_clamped() {
        assert_eq!(page(None, None), (100, 0));
        assert_eq!(page(Some(0), Some(-5)), (1, 0));
        assert_eq!(page(Some(50_000), Some(20)), (1000, 20));
    }

    #[test]
    fn empty_query_values_are_absent() {
        assert_eq!(given(Some("  ".into())), None);
        assert_eq!(given(Some(" 330100 ".into())), Some("330100".into()));
    }
}
