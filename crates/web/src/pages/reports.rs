//! The public citizen-report pages: the form (`/public/reports/new`, double-submit CSRF like
//! the sign-in form, the same rate limit and size limit as the API) and the status page
//! (`/public/reports/{code}`: state and dates, never content).

use super::{Lang, PageQuery, base, error_page, page_query, render, resolve_lang, with_cookies};
use crate::api::reports::{count_attempt, read_multipart, status_by_code, throttled};
use crate::api::services;
use crate::auth::{self, client_ip, cookie, ct_eq};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use qinglian_core::Msg;
use qinglian_store::reports::{NewReport, PublicStatus, code};
use std::net::SocketAddr;

pub const REPORT_CSRF_COOKIE: &str = "ql_report_csrf";
const COOKIE_PATH: &str = "/public/reports";

fn looks_like_token(t: &&str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn form_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    csrf: &str,
    form: &NewReport,
    error: Option<&Msg>,
) -> Response {
    let ctx = context! {
        csrf => csrf,
        form => context! {
            unit_id => form.unit_id.as_deref().unwrap_or_default(),
            unit_name => form.unit_name.as_deref().unwrap_or_default(),
            division => form.division.as_deref().unwrap_or_default(),
            text => &form.text,
            contact => form.contact.as_deref().unwrap_or_default(),
        },
        limit_mib => state.cfg.report_body_limit / (1024 * 1024),
        error => error.map(|m| context! { code => m.code, zh => &m.zh, en => &m.en }),
        ..base(lang, "/public/reports/new", None)
    };
    match render("report_new.html", ctx) {
        Ok(html) => with_cookies(
            (status, html).into_response(),
            [auth::set_cookie(
                REPORT_CSRF_COOKIE,
                csrf,
                COOKIE_PATH,
                Some(2 * 3600),
                state.https(),
            )],
        ),
        Err(e) => error_page(lang, &e),
    }
}

fn status_page(
    lang: Lang,
    code: &str,
    st: &PublicStatus,
    new: bool,
    status: StatusCode,
) -> Response {
    let ctx = context! {
        code => code,
        st => minijinja::Value::from_serialize(st),
        new => new,
        ..base(lang, &format!("/public/reports/{code}"), None)
    };
    match render("report_status.html", ctx) {
        Ok(html) => (status, html).into_response(),
        Err(e) => error_page(lang, &e),
    }
}

/// `GET /public/reports/new`: the form with a fresh (or the browser's) double-submit token.
pub async fn report_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, state.https());
    let token = cookie(&headers, REPORT_CSRF_COOKIE)
        .filter(looks_like_token)
        .map_or_else(auth::random_token, str::to_owned);
    let res = form_page(
        &state,
        lang,
        StatusCode::OK,
        &token,
        &NewReport::default(),
        None,
    );
    with_cookies(res, lang_cookie)
}

/// `POST /public/reports/new` (multipart): CSRF, rate limit, file; then the status page with
/// the receipt code, shown once.
pub async fn report_submit(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let (lang, _) = resolve_lang(None, &headers, state.https());
    let fresh = || auth::random_token();
    let (report, sent_csrf) = match form {
        Ok(m) => match read_multipart(m).await {
            Ok(x) => x,
            Err(e) => {
                let m = e.msg;
                return form_page(
                    &state,
                    lang,
                    e.status,
                    &fresh(),
                    &NewReport::default(),
                    Some(&m),
                );
            }
        },
        Err(e) => {
            let m = Msg::new(
                "BAD_BODY",
                format!("表单无效：{}", e.body_text()),
                format!("invalid form: {}", e.body_text()),
            );
            return form_page(
                &state,
                lang,
                e.status(),
                &fresh(),
                &NewReport::default(),
                Some(&m),
            );
        }
    };
    let cookie_csrf = cookie(&headers, REPORT_CSRF_COOKIE);
    if !cookie_csrf.is_some_and(|c| !sent_csrf.is_empty() && ct_eq(c, &sent_csrf)) {
        let m = Msg::new(
            "REPORT_FORM_EXPIRED",
            "表单已过期或来源不明，请重新提交",
            "the form expired or came from elsewhere; please submit it again",
        );
        return form_page(
            &state,
            lang,
            StatusCode::FORBIDDEN,
            &fresh(),
            &report,
            Some(&m),
        );
    }
    let now = (state.clock)();
    let ip = client_ip(peer.as_ref().map(|e| &e.0));
    if let Some((wait, m)) = throttled(&state, &ip, now) {
        let mut res = form_page(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &sent_csrf,
            &report,
            Some(&m),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return res;
    }
    count_attempt(&state, &ip, now);
    let filed = match services(&state) {
        Ok(s) => state
            .store
            .file_report(&s.ledger, &report, now)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match filed {
        Ok(f) => {
            tracing::info!(report = %f.id, "citizen report received (form)");
            status_page(lang, &f.code_display, &f.status, true, StatusCode::CREATED)
        }
        Err(e) => form_page(&state, lang, e.status, &sent_csrf, &report, Some(&e.msg)),
    }
}

/// `GET /public/reports/{code}`: the status, or why the code cannot be read (400) or is
/// unknown (404).
pub async fn report_status_page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, state.https());
    let res = match status_by_code(&state, &raw).await {
        Ok(st) => {
            let shown = code::parse(&raw)
                .map(|c| code::display(&c))
                .unwrap_or_default();
            status_page(lang, &shown, &st, false, StatusCode::OK)
        }
        Err(e) => error_page(lang, &e),
    };
    with_cookies(res, lang_cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_pages_render_in_both_languages_without_scripts() {
        let st = PublicStatus {
            status: "clue".into(),
            status_zh: "已转为问题线索".into(),
            status_en: "became a clue".into(),
            received_on: "2026-05-29".into(),
            triage_on: Some("2026-05-30".into()),
            clue_on: Some("2026-05-31".into()),
            closed_on: None,
        };
        for lang in [Lang::Zh, Lang::En] {
            let form = render(
                "report_new.html",
                context! {
                    csrf => "t",
                    form => context! { unit_id => "<b>", unit_name => "", division => "", text => "举报内容", contact => "" },
                    limit_mib => 5,
                    error => None::<()>,
                    ..base(lang, "/public/reports/new", None)
                },
            )
            .unwrap()
            .0;
            assert!(
                form.contains("&lt;b&gt;") && form.contains("举报内容"),
                "{form}"
            );
            assert!(form.contains(r#"name="csrf" value="t""#));
            assert!(form.contains(r#"enctype="multipart/form-data""#));
            let status = render(
                "report_status.html",
                context! { code => "7K3M-Q9TX-2B8D-RV4H-P", st => minijinja::Value::from_serialize(&st), new => true, ..base(lang, "/public/reports/x", None) },
            )
            .unwrap()
            .0;
            assert!(status.contains("7K3M-Q9TX-2B8D-RV4H-P") && status.contains("2026-05-31"));
            assert!(status.contains("已转为问题线索") && status.contains("became a clue"));
            assert!(!status.contains("Closed on"), "no closing date yet");
            for page in [&form, &status] {
                assert!(!page.contains("<script") && !page.contains("style=\""));
                assert!(page.contains(&format!(r#"<html lang="{}">"#, lang.html())));
            }
        }
    }
}
