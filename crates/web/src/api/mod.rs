//! The JSON API under `/api/v1`. Every route here sits behind [`crate::auth::require_api_auth`];
//! handlers stay thin: parse, call the (scoping) store, shape the answer.

pub mod clues;
pub mod evidence;
pub mod hits;
pub mod letters;
pub mod outcomes;
pub mod public;
pub mod rectifications;
pub mod registry;
pub mod reports;

use crate::auth::{Auth, Via};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use qinglian_core::Msg;
use qinglian_store::Scope;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// The routes, nested at `/api/v1`. Unknown paths fall to the application's fallback, which
/// answers JSON under `/api/`; [`require_api_auth`] guards all of it from the outside.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/me", get(me))
        .route("/public/ledger/checkpoint", get(public::ledger_checkpoint))
        .route("/divisions", get(registry::list_divisions))
        .route("/divisions/{code}", get(registry::get_division))
        .route("/units", get(registry::list_units))
        .route("/units/{id}", get(registry::get_unit))
        .route("/people", get(registry::list_people))
        .route("/people/{id}", get(registry::get_person))
        .merge(workflow_routes())
}

/// The workflow (hits → clues → rectification, letters, citizen reports, outcomes).
fn workflow_routes() -> Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::post;
    Router::new()
        .route(
            "/public/reports",
            post(reports::file_public).layer(DefaultBodyLimit::disable()),
        )
        .route("/public/reports/{code}", get(reports::public_status))
        .route("/hits", get(hits::list))
        .route("/hits/{id}", get(hits::get_one))
        .route("/hits/{id}/decision", post(hits::decide))
        .route("/clues", get(clues::list).post(clues::open))
        .route("/clues/{id}", get(clues::get_one))
        .route("/clues/{id}/transitions", post(clues::transition))
        .route(
            "/rectifications",
            get(rectifications::list).post(rectifications::add),
        )
        .route("/rectifications/{clue}/{seq}", get(rectifications::get_one))
        .route(
            "/rectifications/{clue}/{seq}/report",
            post(evidence::report).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/rectifications/{clue}/{seq}/verification",
            post(rectifications::verify),
        )
        .route(
            "/rectifications/{clue}/{seq}/evidence/{sha256}",
            get(evidence::download),
        )
        .route("/letters", get(letters::list).post(letters::issue))
        .route("/letters/{id}", get(letters::get_one))
        .route("/letters/{id}/delivery", post(letters::deliver))
        .route("/letters/{id}/acknowledgement", post(letters::acknowledge))
        .route("/reports", get(reports::list))
        .route("/reports/{id}", get(reports::get_one))
        .route("/reports/{id}/attachments/{seq}", get(reports::attachment))
        .route("/reports/{id}/triage", post(reports::triage))
        .route("/reports/{id}/close", post(reports::close))
        .route("/reports/{id}/clue", post(reports::open_clue))
        .route("/outcomes", get(outcomes::get_outcomes))
}

/// JSON body extractor whose rejection is a bilingual JSON 400 (413 when too large).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(j) => Ok(ApiJson(j.0)),
            Err(e) => Err(ApiError {
                status: if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    e.status()
                } else {
                    axum::http::StatusCode::BAD_REQUEST
                },
                msg: Msg::new(
                    "BAD_BODY",
                    format!("请求体无效：{}", e.body_text()),
                    format!("invalid request body: {}", e.body_text()),
                ),
            }),
        }
    }
}

/// The ledger writer and catalogue, or 503 on a server started read-only.
pub fn services(state: &AppState) -> Result<&crate::Services, ApiError> {
    state.services.as_ref().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_READ_ONLY",
            "本服务以只读方式启动（未连接账本），不能办理此操作",
            "this server was started read-only (without the ledger) and cannot do this",
        )
    })
}

async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        state.openapi.as_str().to_owned(),
    )
}

/// Query string extractor whose rejection is a bilingual JSON 400, like every other API error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e) => Err(ApiError::bad_request(Msg::new(
                "BAD_QUERY",
                format!("查询参数无效：{}", e.body_text()),
                format!("invalid query parameters: {}", e.body_text()),
            ))),
        }
    }
}

/// The caller as the API sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// `admin`, `supervisor`, `unit`, `commander`, `analyst` or `auditor`.
    pub role: String,
    pub role_zh: String,
    pub role_en: String,
    pub jurisdiction: Jurisdiction,
    /// `session` or `token`.
    pub auth: String,
}

/// What the caller may see: division codes, or (for unit users) unit ids including the units
/// below their own.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jurisdiction {
    /// `divisions` or `units` (`all` only for the command-line operator).
    pub kind: String,
    pub ids: Vec<String>,
}

impl Jurisdiction {
    pub fn of(scope: &Scope) -> Self {
        match scope {
            // Only the command-line operator holds this; no session or token ever does.
            Scope::All => Jurisdiction {
                kind: "all".into(),
                ids: Vec::new(),
            },
            Scope::Divisions(ds) => Jurisdiction {
                kind: "divisions".into(),
                ids: ds.iter().map(|d| d.as_str().to_owned()).collect(),
            },
            Scope::Units(us) => Jurisdiction {
                kind: "units".into(),
                ids: us.clone(),
            },
        }
    }
}

/// The signed-in user or token owner, role and jurisdiction.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    responses(
        (status = 200, description = "当前用户 / the caller", body = Me),
        (status = 401, description = "未登录 / not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn me(auth: Auth) -> Json<Me> {
    let p = auth.principal;
    Json(Me {
        user_id: p.user_id,
        username: p.username,
        display_name: p.display_name,
        role: p.role.as_str().into(),
        role_zh: p.role.name_zh().into(),
        role_en: p.role.name_en().into(),
        jurisdiction: Jurisdiction::of(&p.scope),
        auth: match auth.via {
            Via::Session { .. } => "session".into(),
            Via::Token => "token".into(),
        },
    })
}
