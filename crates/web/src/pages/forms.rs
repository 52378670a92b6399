//! What the import, screening and administration pages share: who may open them, the form's
//! CSRF check, the "done" notice after POST-redirect-GET, and rendering with the nav bar.

use super::{Lang, base, error_page, render, resolve_lang, see_other, with_cookies};
use crate::auth::{self, ct_eq};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::value::Value;
use qinglian_core::{Msg, Role};
use qinglian_store::Principal;

/// The signed-in caller of a guarded page.
pub(super) struct Caller {
    pub p: Principal,
    pub csrf: String,
    pub lang: Lang,
    pub lang_cookie: Option<String>,
    /// Whether the nav offers the procurement page (it has data for this user).
    pub procurement: bool,
    /// Whether the nav offers the enforcement board.
    pub enforcement: bool,
}

impl Caller {
    /// Renders `template` with the nav bar, the CSRF token and the language switch.
    pub fn page(&self, status: StatusCode, template: &str, path: &str, ctx: Value) -> Response {
        let own = minijinja::context! {
            nav => super::cockpit::nav_user(&self.p, &self.csrf, self.procurement, self.enforcement),
            csrf => &self.csrf,
        };
        let ctx = minijinja::value::merge_maps([own, ctx, base(self.lang, path, None)]);
        let res = match render(template, ctx) {
            Ok(html) => (status, html).into_response(),
            Err(e) => error_page(self.lang, &e),
        };
        with_cookies(res, self.lang_cookie.clone())
    }

    pub fn error(&self, e: &ApiError) -> Response {
        with_cookies(error_page(self.lang, e), self.lang_cookie.clone())
    }

    /// The refusal of a form whose CSRF token is not the session's; `None` when it matches.
    pub fn check_csrf(&self, sent: &str) -> Option<Response> {
        if ct_eq(sent, &self.csrf) {
            None
        } else {
            Some(self.error(&ApiError::new(
                StatusCode::FORBIDDEN,
                "CSRF_FAILED",
                "表单已失效或来源不明，请返回上一页刷新后重试",
                "the form expired or came from elsewhere; reload the page and try again",
            )))
        }
    }
}

/// Which roles may open a family of pages.
#[derive(Clone, Copy)]
pub(super) enum Need {
    /// Import and screening: administrators and analysts.
    Import,
    /// Users, tokens, parameters: administrators.
    Admin,
}

impl Need {
    fn allows(self, r: Role) -> bool {
        match self {
            Need::Import => r.can_import(),
            Need::Admin => r.can_admin(),
        }
    }
}

/// The session's caller if its role may use the page; otherwise the answer to send: to the
/// sign-in form when signed out, a bilingual 403 page for other roles.
pub(super) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    lang_query: Option<&str>,
    path: &str,
    need: Need,
) -> Result<Caller, Response> {
    let (lang, lang_cookie) = resolve_lang(lang_query, headers, state.https());
    match auth::session(state, headers).await {
        Err(e) => Err(error_page(lang, &e)),
        Ok(None) => Err(see_other(&format!("/login?next={}", super::pct(path)))),
        Ok(Some((p, _, csrf))) if need.allows(p.role) => Ok(Caller {
            procurement: super::cockpit::nav_has_procurement(state, &p).await,
            enforcement: super::enforcement::nav_has_enforcement(state, &p),
            p,
            csrf,
            lang,
            lang_cookie,
        }),
        Ok(Some(_)) => Err(with_cookies(
            error_page(lang, &forbidden(need)),
            lang_cookie,
        )),
    }
}

/// A posted form's CSRF token, so one preamble serves every analyst and admin form.
pub(super) trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// The caller and the form it posted, or the answer to send instead: the sign-in form, a 403
/// page, or the refusal of a wrong CSRF token. A form that does not parse counts as empty,
/// so its token fails.
pub(super) async fn posted<F: Default + HasCsrf>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<F>, FormRejection>,
    path: &str,
    need: Need,
) -> Result<(Caller, F), Response> {
    let c = caller(state, headers, None, path, need).await?;
    let f = form.map(|f| f.0).unwrap_or_default();
    match c.check_csrf(f.csrf()) {
        Some(res) => Err(res),
        None => Ok((c, f)),
    }
}

fn forbidden(need: Need) -> ApiError {
    match need {
        Need::Import => ApiError::new(
            StatusCode::FORBIDDEN,
            "ROLE_FORBIDDEN",
            "只有系统管理员和数据分析人员可以导入数据和启动排查",
            "only administrators and analysts may import data and start screening",
        ),
        Need::Admin => ApiError::new(
            StatusCode::FORBIDDEN,
            "ROLE_FORBIDDEN",
            "只有系统管理员可以管理用户、令牌和指标参数",
            "only administrators may manage users, tokens and indicator parameters",
        ),
    }
}

/// The answer when the server runs without the import and screening capability.
pub(super) fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVER_READ_ONLY",
        "本服务未接入导入与排查功能（请用 qinglian serve 启动），不能办理此操作",
        "this server was started without import and screening (start it with qinglian serve) and cannot do this",
    )
}

/// A refusal as the templates show it.
pub(super) fn msg_ctx(m: &Msg) -> Value {
    minijinja::context! { code => m.code, zh => &m.zh, en => &m.en }
}

/// After a successful POST: back to the page, with a notice the page looks up by key.
pub(super) fn done(path: &str, key: &str) -> Response {
    see_other(&format!("{path}?done={key}"))
}
