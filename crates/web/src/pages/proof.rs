//! A ledger entry's inclusion proof as a download: a C2SP tlog-proof carrying the entry, which
//! an inspector verifies offline (the clue timeline's steps, the enforcement steps' imports).
//! The caller has already decided that the principal may see the entry.

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qinglian_ledger::Receipt;
use qinglian_store::ledger::{LOG_ID, LedgerEntry};

/// The proof of `entry` against the latest checkpoint, saved as `name` (made file-name safe).
pub(crate) async fn download(
    state: &AppState,
    entry: &LedgerEntry,
    name: &str,
) -> Result<Response, ApiError> {
    let receipt = receipt(state, entry).await?;
    Ok(attachment(name, "text/plain; charset=utf-8", receipt))
}

/// The receipt (C2SP tlog-proof carrying the entry) of `entry` against the latest checkpoint.
pub(crate) async fn receipt(state: &AppState, entry: &LedgerEntry) -> Result<String, ApiError> {
    let ledger = state
        .store
        .ledger_state(LOG_ID)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let path = state
        .store
        .ledger_inclusion_proof(entry.index, ledger.size)
        .await?;
    Ok(Receipt::new(&entry.leaf, entry.index, path, &ledger.checkpoint).encode())
}

/// `body` as a download named `name` (made file-name safe).
pub(crate) fn attachment(name: &str, content_type: &'static str, body: String) -> Response {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
