//! Operator endpoints: health.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// Answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `ok` or `unavailable`.
    pub database: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub version: String,
}

/// Liveness and database reachability; 503 when the database does not answer.
#[utoipa::path(
    get, path = "/healthz", tag = "ops",
    responses(
        (status = 200, description = "正常 / healthy", body = Health),
        (status = 503, description = "数据库不可用 / database unavailable", body = Health),
    ),
    security(())
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let db = state.store.ping().await;
    if let Err(e) = &db {
        tracing::warn!(error = %e, "health check: database unavailable");
    }
    let (status, code, database) = if db.is_ok() {
        (StatusCode::OK, "ok", "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded", "unavailable")
    };
    let body = Health {
        status: code.into(),
        database: database.into(),
        backend: state.store.backend().as_str().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    (status, Json(body))
}
