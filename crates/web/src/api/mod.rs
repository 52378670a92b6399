//! The JSON API under `/api/v1`. Every route here sits behind [`crate::auth::require_api_auth`];
//! handlers stay thin: parse, call the (scoping) store, shape the answer.

pub mod public;
pub mod registry;

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
