//! The enforcement pages (执法队伍): the team board of squads with generated avatars, an
//! officer's workload table, and a case's trajectory on a timeline and a map-like SVG. All data
//! comes through the [`crate::Enforcement`] capability, which decides jurisdiction
//! (`qinglian_store::scope::sees_squad`), masks names and ledgers every GPS-track view; a server
//! without it has no such pages (404) and no nav link.

mod avatar;
mod board;
mod case;
mod map;
mod officer;

pub use board::board_page;
pub use case::{case_page, step_proof};
pub use officer::officer_page;

use super::cockpit::{CockpitQuery, Page, nav_has_procurement, nav_user, page_ctx};
use super::{Lang, base, error_page, render, resolve_lang, see_other, with_cookies};
use crate::auth;
use crate::enforcement::Enforcement;
use crate::error::ApiError;
use crate::export::{wants_xlsx, xlsx_response};
use crate::state::AppState;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use qinglian_core::Msg;
use qinglian_store::Principal;
use serde::Deserialize;
use std::future::Future;
use std::sync::Arc;

/// The capability, when this server has one.
fn capability(state: &AppState) -> Option<Arc<dyn Enforcement>> {
    state.services.as_ref()?.enforcement.clone()
}

/// Whether the navigation offers the board: the server has the capability and the role is one
/// that sees squads (supervisors, commanders; the operator). Others would only find it empty.
pub(in crate::pages) fn nav_has_enforcement(state: &AppState, p: &Principal) -> bool {
    capability(state).is_some()
        && (matches!(p.scope, qinglian_store::Scope::All)
            || matches!(
                p.role,
                qinglian_core::Role::Supervisor | qinglian_core::Role::Commander
            ))
}

/// The period of a board or workload page (`?period=2025-09`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

/// A failure of the capability (the lake unreadable …): logged, answered as a server error.
fn failed(e: anyhow::Error) -> ApiError {
    tracing::error!(error = %e, "enforcement capability failed");
    ApiError::internal()
}

/// A refusal of the capability (a bad period …), shown as a bad request with its message.
fn refused(m: Msg) -> ApiError {
    ApiError::bad_request(m)
}

/// As the cockpit's `respond`, with the period form of `enforcement.html` (shown when `build`
/// hands back the page's period) and 404 on a server without the capability.
async fn respond<F, Fut>(
    state: AppState,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    path: String,
    build: F,
) -> Response
where
    F: FnOnce(AppState, Arc<dyn Enforcement>, Principal, Lang) -> Fut,
    Fut: Future<Output = Result<(Page, Option<String>), ApiError>>,
{
    let q = q.map(|q| q.0).unwrap_or_default();
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, state.https());
    let res = match auth::session(&state, &headers).await {
        Err(e) => error_page(lang, &e),
        Ok(None) => see_other(&format!("/login?next={}", super::pct(&path))),
        Ok(Some((p, _, csrf))) => match capability(&state) {
            None => error_page(lang, &ApiError::not_found()),
            Some(cap) => match build(state.clone(), cap, p.clone(), lang).await {
                Err(e) => error_page(lang, &e),
                Ok((page, _)) if wants_xlsx(q.format.as_deref()) => {
                    xlsx_response(&page.stem, &page.tables.iter().collect::<Vec<_>>())
                }
                Ok((page, period)) => {
                    let nav = nav_user(
                        &p,
                        &csrf,
                        nav_has_procurement(&state, &p).await,
                        nav_has_enforcement(&state, &p),
                    );
                    let export = match &period {
                        Some(pd) => format!("{path}?period={}&format=xlsx", super::pct(pd)),
                        None => format!("{path}?format=xlsx"),
                    };
                    match render(
                        "enforcement.html",
                        context! {
                            page => page_ctx(&page),
                            export_href => export,
                            period => period,
                            nav => nav,
                            ..base(lang, &path, None)
                        },
                    ) {
                        Ok(html) => (StatusCode::OK, html).into_response(),
                        Err(e) => error_page(lang, &e),
                    }
                }
            },
        },
    };
    with_cookies(res, lang_cookie)
}

/// A workbook's file name from ids and period texts (`2025-09上旬` …): ASCII only.
fn stem(parts: &[&str]) -> String {
    parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A metre figure as people read it: `850 m`, `21.3 km`.
fn metres(m: f64) -> String {
    if m >= 1000.0 {
        format!("{:.1} km", m / 1000.0)
    } else {
        format!("{m:.0} m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metres_read_naturally() {
        assert_eq!(metres(849.6), "850 m");
        assert_eq!(metres(21_340.0), "21.3 km");
        assert_eq!(
            stem(&["officer", "ZF1", "2025-09上旬"]),
            "officer-ZF1-2025-09__"
        );
    }
}
