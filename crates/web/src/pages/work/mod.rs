//! The handler's work pages and the workflow's actions as plain HTML forms: the work queue
//! (`/work`), the inbox (`/inbox`), the unit's page (`/my-unit`, 主体责任), and the forms on the
//! clue and hit pages. Each form posts to a route here that calls the same store function as
//! the API (the store decides role, jurisdiction and state), then redirects back (303,
//! POST-redirect-GET) with the outcome in a short-lived flash cookie: a refusal is shown on the
//! page as the store's bilingual message. An object outside the jurisdiction is 404, as on GET.

mod actions;
mod forms;
mod queue;
mod unit;

pub use actions::{clue_item_add, clue_item_verify, clue_move, hit_decide, hit_open_clue};
pub(super) use forms::{clue_forms, hit_forms};
pub use queue::{inbox_page, inbox_read, work_page};
pub use unit::{letter_ack, my_unit_page, unit_item_report};

use super::{error_page, resolve_lang, see_other, with_cookies};
use crate::auth::{self, clear_cookie, cookie, ct_eq, set_cookie};
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use qinglian_core::Msg;
use qinglian_store::Principal;
use serde::{Deserialize, Serialize};
use std::future::Future;

const FLASH_COOKIE: &str = "ql_flash";

/// One input of an action form.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub zh: String,
    pub en: String,
    /// `text`, `textarea`, `select`, `date`, `number`, `file` or `hidden`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Choice>,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub zh: String,
    pub en: String,
}

pub(super) fn choice(value: &str, zh: &str, en: &str) -> Choice {
    Choice {
        value: value.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

impl Field {
    pub(super) fn new(name: &str, zh: &str, en: &str, kind: &'static str) -> Field {
        Field {
            name: name.into(),
            zh: zh.into(),
            en: en.into(),
            kind,
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    pub(super) fn hidden(name: &str, value: &str) -> Field {
        Field {
            value: value.into(),
            ..Field::new(name, "", "", "hidden")
        }
    }

    pub(super) fn select(name: &str, zh: &str, en: &str, options: Vec<Choice>) -> Field {
        Field {
            options,
            required: true,
            ..Field::new(name, zh, en, "select")
        }
    }

    pub(super) fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub(super) fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }
}

/// A form of one action: where it posts, what it asks, its button.
#[derive(Debug, Clone, Serialize)]
pub struct ActionForm {
    pub zh: String,
    pub en: String,
    pub action: String,
    pub multipart: bool,
    pub fields: Vec<Field>,
    pub submit_zh: String,
    pub submit_en: String,
}

pub(super) fn form(zh: &str, en: &str, action: String, fields: Vec<Field>) -> ActionForm {
    ActionForm {
        zh: zh.into(),
        en: en.into(),
        action,
        multipart: false,
        fields,
        submit_zh: "提交".into(),
        submit_en: "Submit".into(),
    }
}

impl ActionForm {
    pub(super) fn submit(mut self, zh: &str, en: &str) -> ActionForm {
        self.submit_zh = zh.into();
        self.submit_en = en.into();
        self
    }
}

/// The outcome of the last action, shown once on the page it redirected to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flash {
    pub ok: bool,
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// `CODE.base64url(json)`: the code readable at a glance (and by tests), the texts intact.
fn flash_cookie(f: &Flash, secure: bool) -> String {
    let json = serde_json::to_vec(f).unwrap_or_default();
    let value = format!(
        "{}.{}",
        f.code,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    );
    set_cookie(FLASH_COOKIE, &value, "/", Some(120), secure)
}

/// The flash of the request, if any, and the cookie that clears it. A forged flash only
/// shows its sender some escaped text, so it is not signed.
pub(in crate::pages) fn take_flash(headers: &HeaderMap, secure: bool) -> Option<(Flash, String)> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let (_, b64) = raw.split_once('.')?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .ok()?;
    let f: Flash = serde_json::from_slice(&json).ok()?;
    Some((f, clear_cookie(FLASH_COOKIE, "/", secure)))
}

pub(super) fn done(zh: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new("OK", zh, en)
}

/// The common path of every action form: session (else to the sign-in form), the form's CSRF
/// token against the session's, the action, then 303 to `back` with the outcome as a flash.
/// Not found (or outside the jurisdiction) answers the 404 page instead, like the GET pages.
pub(super) async fn act<F, Fut>(
    state: AppState,
    headers: HeaderMap,
    csrf: &str,
    back: String,
    f: F,
) -> Response
where
    F: FnOnce(AppState, Principal) -> Fut,
    Fut: Future<Output = Result<(Msg, Option<String>), ApiError>>,
{
    let (lang, _) = resolve_lang(None, &headers, state.https());
    let secure = state.https();
    let (p, session_csrf) = match auth::session(&state, &headers).await {
        Err(e) => return error_page(lang, &e),
        Ok(None) => return see_other(&format!("/login?next={}", super::pct(&back))),
        Ok(Some((p, _, c))) => (p, c),
    };
    if !ct_eq(csrf, &session_csrf) {
        return error_page(lang, &ApiError::csrf());
    }
    let (flash, to) = match f(state.clone(), p).await {
        Ok((m, to)) => (
            Flash {
                ok: true,
                code: m.code.into(),
                zh: m.zh,
                en: m.en,
            },
            to.unwrap_or(back),
        ),
        Err(e) if e.status == StatusCode::NOT_FOUND => return error_page(lang, &e),
        Err(e) if e.status.is_server_error() && e.msg.code != "SERVER_READ_ONLY" => {
            return error_page(lang, &e);
        }
        Err(e) => (
            Flash {
                ok: false,
                code: e.msg.code.into(),
                zh: e.msg.zh,
                en: e.msg.en,
            },
            back,
        ),
    };
    with_cookies(see_other(&to), [flash_cookie(&flash, secure)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    #[test]
    fn the_flash_round_trips_through_its_cookie() {
        let f = Flash {
            ok: false,
            code: "CLUE_ILLEGAL_TRANSITION".into(),
            zh: "不允许从“登记”转到“销号”".into(),
            en: "cannot move; 'quoted' & <b>".into(),
        };
        let c = flash_cookie(&f, false);
        assert!(c.starts_with("ql_flash=CLUE_ILLEGAL_TRANSITION."), "{c}");
        let value = c.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
        let (back, clear) = take_flash(&h, false).unwrap();
        assert_eq!(back, f);
        assert!(clear.contains("Max-Age=0"));
        h.insert(header::COOKIE, HeaderValue::from_static("ql_flash=X.%%%"));
        assert!(take_flash(&h, false).is_none());
    }
}
