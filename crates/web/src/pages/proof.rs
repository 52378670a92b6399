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
    let ledger = state
        .store
        .ledger_state(LOG_ID)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let path = state
        .store
        .ledger_inclusion_proof(entry.index, ledger.size)
        .await?;
    let receipt = Receipt::new(&entry.leaf, entry.index, path, &ledger.checkpoint).encode();
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
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        receipt,
    )
        .into_response())
}
