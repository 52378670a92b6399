//! Sign-in (double-submit CSRF, throttling, session cookie) and sign-out (session CSRF).

use super::{
    Lang, PageQuery, base, error_page, page_query, render, resolve_lang, see_other, with_cookies,
};
use crate::auth::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Throttle, cookie, ct_eq, safe_next};
use crate::error::ApiError;
use crate::metrics::LoginOutcome;
use crate::state::AppState;
use axum::Extension;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use qinglian_core::Msg;
use serde::Deserialize;
use std::net::SocketAddr;

fn looks_like_token(t: &&str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The login CSRF cookie lives only on `/login`, for as long as a form may sensibly stay open.
fn login_csrf_cookie(token: &str, secure: bool) -> String {
    auth::set_cookie(LOGIN_CSRF_COOKIE, token, "/login", Some(2 * 3600), secure)
}

struct LoginView<'a> {
    lang: Lang,
    status: StatusCode,
    csrf: &'a str,
    username: &'a str,
    next: &'a str,
    error: Option<Msg>,
}

fn login_page(v: &LoginView<'_>, secure: bool) -> Response {
    let ctx = context! {
        csrf => v.csrf,
        username => v.username,
        next => v.next,
        error => v.error.as_ref().map(|m| context! { code => m.code, zh => &m.zh, en => &m.en }),
        ..base(v.lang, "/login", Some(v.next))
    };
    match render("login.html", ctx) {
        Ok(html) => with_cookies(
            (v.status, html).into_response(),
            [login_csrf_cookie(v.csrf, secure)],
        ),
        Err(e) => error_page(v.lang, &e),
    }
}

/// `GET /login`: the form, with a fresh (or the browser's existing) double-submit token.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let secure = state.https();
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, secure);
    let next = safe_next(q.next.as_deref());
    let res = match auth::session(&state, &headers).await {
        Ok(Some(_)) => see_other(&next),
        Ok(None) => {
            let token = cookie(&headers, LOGIN_CSRF_COOKIE)
                .filter(looks_like_token)
                .map_or_else(auth::random_token, str::to_owned);
            let view = LoginView {
                lang,
                status: StatusCode::OK,
                csrf: &token,
                username: "",
                next: &next,
                error: None,
            };
            login_page(&view, secure)
        }
        Err(e) => error_page(lang, &e),
    };
    with_cookies(res, lang_cookie)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: String,
    pub next: String,
}

/// Longer inputs are refused before hashing: argon2 over megabytes is a cheap way to burn CPU.
const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 1024;

fn wait_text(secs: i64) -> (String, String) {
    if secs < 60 {
        (format!("{secs} 秒"), format!("{secs} seconds"))
    } else {
        let m = (secs + 59) / 60;
        (format!("{m} 分钟"), format!("{m} minutes"))
    }
}

/// `POST /login`: CSRF check, throttle, password check, then a session cookie and 303.
pub async fn login_submit(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let secure = state.https();
    let (lang, _) = resolve_lang(None, &headers, secure);
    let f = form.map(|f| f.0).unwrap_or_default();
    let next = safe_next(Some(&f.next));
    let username = f.username.trim();
    let shown_name = if username.chars().count() <= MAX_USERNAME {
        username
    } else {
        ""
    };
    let view = |status, csrf, error| LoginView {
        lang,
        status,
        csrf,
        username: shown_name,
        next: &next,
        error,
    };

    let sent = cookie(&headers, LOGIN_CSRF_COOKIE);
    if !sent.is_some_and(|c| !f.csrf.is_empty() && ct_eq(c, &f.csrf)) {
        let fresh = auth::random_token();
        let msg = Msg::new(
            "LOGIN_FORM_EXPIRED",
            "登录表单已过期或来源不明，请重新提交",
            "the sign-in form expired or came from elsewhere; please submit it again",
        );
        return login_page(
            &view(StatusCode::FORBIDDEN, fresh.as_str(), Some(msg)),
            secure,
        );
    }

    let now = (state.clock)();
    let ip = auth::client_ip(peer.as_ref().map(|e| &e.0));
    let keys = [Throttle::user_key(username), Throttle::ip_key(&ip)];
    if let Some(wait) = state.throttle.retry_after(&keys, now) {
        state.metrics.login(LoginOutcome::Throttled);
        tracing::warn!(username, ip, wait, "sign-in throttled");
        let (zh, en) = wait_text(wait);
        let msg = Msg::new(
            "LOGIN_THROTTLED",
            format!("登录失败次数过多，请 {zh}后再试"),
            format!("too many failed sign-ins; try again in {en}"),
        );
        let mut res = login_page(
            &view(StatusCode::TOO_MANY_REQUESTS, &f.csrf, Some(msg)),
            secure,
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return res;
    }

    let user = if username.chars().count() > MAX_USERNAME || f.password.len() > MAX_PASSWORD {
        None
    } else {
        match state.store.authenticate(username, &f.password).await {
            Ok(u) => u,
            Err(e) => return error_page(lang, &e.into()),
        }
    };
    let Some(user) = user else {
        state.throttle.fail(&keys, now);
        state.metrics.login(LoginOutcome::Failure);
        tracing::info!(username, ip, "sign-in failed");
        // The same words whether or not the user exists.
        let msg = Msg::new(
            "LOGIN_FAILED",
            "用户名或密码错误",
            "wrong username or password",
        );
        return login_page(&view(StatusCode::OK, &f.csrf, Some(msg)), secure);
    };

    state.throttle.clear(&keys[0]);
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        // A browser signing in again leaves no live session behind.
        let deleted = state.store.delete_session(old).await;
        state.sessions.forget(old);
        if let Err(e) = deleted {
            return error_page(lang, &e.into());
        }
    }
    let ttl = state.cfg.session_ttl_secs;
    let (secret, _csrf) = match state.store.create_session(user.id, now, ttl).await {
        Ok(s) => s,
        Err(e) => return error_page(lang, &e.into()),
    };
    state.metrics.login(LoginOutcome::Success);
    tracing::info!(username = %user.username, ip, "signed in");
    with_cookies(
        see_other(&next),
        [
            auth::set_cookie(SESSION_COOKIE, &secret, "/", Some(ttl), secure),
            auth::clear_cookie(LOGIN_CSRF_COOKIE, "/login", secure),
        ],
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogoutForm {
    pub csrf: String,
}

/// `POST /logout`: ends the session; the form must carry the session's CSRF token.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let secure = state.https();
    let (lang, _) = resolve_lang(None, &headers, secure);
    let f = form.map(|f| f.0).unwrap_or_default();
    let gone = || {
        with_cookies(
            see_other("/login"),
            [auth::clear_cookie(SESSION_COOKIE, "/", secure)],
        )
    };
    match auth::session(&state, &headers).await {
        Err(e) => error_page(lang, &e),
        Ok(None) => gone(),
        Ok(Some((_, secret, csrf))) => {
            if !ct_eq(&f.csrf, &csrf) {
                let e = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "CSRF_FAILED",
                    "表单已失效或来源不明，请返回首页后重试",
                    "the form expired or came from elsewhere; go back to the home page and try again",
                );
                return error_page(lang, &e);
            }
            let deleted = state.store.delete_session(&secret).await;
            state.sessions.forget(&secret);
            match deleted {
                Ok(()) => gone(),
                Err(e) => error_page(lang, &e.into()),
            }
        }
    }
}
