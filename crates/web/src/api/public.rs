//! Public routes under `/api/v1/public`: answered without credentials (the allow-list in
//! [`crate::auth`]). Nothing here may reveal personal data.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use qinglian_store::ledger::LOG_ID;

/// The latest signed checkpoint of the ledger, exactly as signed (a C2SP signed note), so that
/// users, auditors and witnesses can keep copies outside the system.
#[utoipa::path(
    get, path = "/api/v1/public/ledger/checkpoint", tag = "ledger",
    responses(
        (status = 200, description = "最新签名检查点（C2SP signed note）/ the latest signed checkpoint (C2SP signed note)", content_type = "text/plain"),
        (status = 404, description = "尚无账本 / no ledger yet", body = crate::error::ErrorBody),
    ),
    security(())
)]
pub async fn ledger_checkpoint(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state
        .store
        .ledger_state(LOG_ID)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let note = state
        .store
        .ledger_published_checkpoint(&s.checkpoint, s.size)
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        note,
    ))
}
