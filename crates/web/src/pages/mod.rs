//! Server-rendered pages: sign-in, sign-out, the landing page, the stylesheet and the HTML 404.
//!
//! Templates and CSS are compiled into the binary. Every visible text comes as a zh/en pair
//! through the `bi` (markup) and `pair` (plain text) template functions: Chinese first,
//! English first after `?lang=en` (remembered in the `ql_lang` cookie).

pub mod admin;
mod cockpit;
mod enforcement;
mod forms;
mod home;
mod import;
mod login;
mod lottery;
mod proof;
mod reports;
mod screening;
mod work;

pub use cockpit::{
    IndicatorCard, IndicatorParam, clue_page, clue_proof, division_page, hit_page, indicator_page,
    indicators_page, procurement_page, unit_page,
};
pub use enforcement::{board_page, case_page, officer_page, step_proof};
pub use home::home;
pub use import::{import_page, import_submit};
pub use login::{login_form, login_submit, logout};
pub use lottery::{lottery_file, lottery_page, lottery_verify};
pub use reports::{report_form, report_status_page, report_submit};
pub use screening::{screening_page, screening_submit};
pub use work::{
    clue_item_add, clue_item_verify, clue_move, hit_decide, hit_open_clue, inbox_page, inbox_read,
    letter_ack, my_unit_page, unit_item_report, work_page,
};

use crate::auth::{self, cookie};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Value;
use minijinja::{Environment, HtmlEscape, context};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("lottery.html", include_str!("../../templates/lottery.html")),
    (
        "report_new.html",
        include_str!("../../templates/report_new.html"),
    ),
    (
        "report_status.html",
        include_str!("../../templates/report_status.html"),
    ),
    ("cockpit.html", include_str!("../../templates/cockpit.html")),
    (
        "enforcement.html",
        include_str!("../../templates/enforcement.html"),
    ),
    (
        "cockpit_body.html",
        include_str!("../../templates/cockpit_body.html"),
    ),
    ("cell.html", include_str!("../../templates/cell.html")),
    ("actions.html", include_str!("../../templates/actions.html")),
    ("import.html", include_str!("../../templates/import.html")),
    (
        "screening.html",
        include_str!("../../templates/screening.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../templates/admin_users.html"),
    ),
    (
        "admin_tokens.html",
        include_str!("../../templates/admin_tokens.html"),
    ),
    (
        "admin_params.html",
        include_str!("../../templates/admin_params.html"),
    ),
];

const CSS: &str = include_str!("../../assets/app.css");

pub const LANG_COOKIE: &str = "ql_lang";

/// First 16 hex digits of the stylesheet's SHA-256: its version in the URL.
pub fn css_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        Sha256::digest(CSS.as_bytes())[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

fn css_url() -> String {
    format!("/assets/app.css?v={}", css_version())
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .expect("embedded template parses");
        }
        env.add_function("bi", bi);
        env.add_function("pair", pair);
        env
    })
}

fn en_first(state: &minijinja::State<'_, '_>) -> bool {
    state
        .lookup("lang")
        .is_some_and(|v| v.as_str() == Some("en"))
}

/// `bi(zh, en)`: both texts as markup, the reader's language first, the other dimmed beside it.
fn bi(state: &minijinja::State<'_, '_>, zh: &str, en: &str) -> Value {
    let (a, a_lang, b, b_lang) = if en_first(state) {
        (en, "en", zh, "zh-CN")
    } else {
        (zh, "zh-CN", en, "en")
    };
    Value::from_safe_string(format!(
        "<span lang=\"{a_lang}\">{}</span> <span class=\"alt\" lang=\"{b_lang}\">{}</span>",
        HtmlEscape(a),
        HtmlEscape(b)
    ))
}

/// `pair(zh, en)`: plain text for places markup cannot go (titles, attributes).
fn pair(state: &minijinja::State<'_, '_>, zh: &str, en: &str) -> Value {
    let (a, b) = if en_first(state) { (en, zh) } else { (zh, en) };
    Value::from_safe_string(format!("{} / {}", HtmlEscape(a), HtmlEscape(b)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// `?lang=` wins and is remembered in a cookie (returned as a `Set-Cookie` value); otherwise
/// the cookie; otherwise Chinese.
fn resolve_lang(query: Option<&str>, headers: &HeaderMap, secure: bool) -> (Lang, Option<String>) {
    if let Some(l) = query.and_then(Lang::parse) {
        return (
            l,
            Some(auth::set_cookie(
                LANG_COOKIE,
                l.code(),
                "/",
                Some(365 * 86_400),
                secure,
            )),
        );
    }
    (
        cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or(Lang::Zh),
        None,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    pub lang: Option<String>,
    pub next: Option<String>,
    /// `xlsx`: the page's tables as a workbook (cockpit pages).
    pub format: Option<String>,
}

/// A malformed query string on a page is ignored rather than refused.
fn page_query(q: Result<Query<PageQuery>, QueryRejection>) -> PageQuery {
    q.map(|q| q.0).unwrap_or_default()
}

/// Percent-encodes everything but unreserved characters and `/` (for `next` in links).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Variables every page needs: language, stylesheet and the language switch link.
fn base(lang: Lang, path: &str, next: Option<&str>) -> Value {
    let other = lang.other();
    // Built only from a fixed path, a language code and a percent-encoded `next`, so it is
    // already valid attribute text; marked safe to keep the link readable.
    let mut switch_href = format!("{path}?lang={}", other.code());
    if let Some(n) = next.filter(|n| *n != "/") {
        switch_href.push_str(&format!("&amp;next={}", pct(n)));
    }
    context! {
        lang => lang.code(),
        html_lang => lang.html(),
        // Static characters only; marked safe so `/` is not entity-escaped in the link.
        css_url => Value::from_safe_string(css_url()),
        switch_href => Value::from_safe_string(switch_href),
        switch_lang => other.html(),
        switch_label => if other == Lang::En { "English" } else { "中文" },
    }
}

fn render(name: &str, ctx: Value) -> Result<Html<String>, ApiError> {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| {
            tracing::error!(template = name, error = %e, "template failed");
            ApiError::internal()
        })
}

fn with_cookies(mut res: Response, cookies: impl IntoIterator<Item = String>) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/"))],
        )
            .into_response(),
    }
}

fn error_page(lang: Lang, e: &ApiError) -> Response {
    let ctx = context! {
        status => e.status.as_u16(),
        error => context! { code => e.msg.code, zh => &e.msg.zh, en => &e.msg.en },
        ..base(lang, "/", None)
    };
    match render("error.html", ctx) {
        Ok(html) => (e.status, html).into_response(),
        Err(_) => (e.status, format!("{} / {}", e.msg.zh, e.msg.en)).into_response(),
    }
}

/// `GET /assets/app.css?v=<hash>`: cached for good when the version matches, else revalidated.
pub async fn stylesheet(RawQuery(q): RawQuery) -> Response {
    let current = q
        .as_deref()
        .is_some_and(|q| q.split('&').any(|kv| kv == format!("v={}", css_version())));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        CSS,
    )
        .into_response()
}

/// 404 for paths no route matches: JSON under `/api/` (what API clients parse), HTML elsewhere.
pub async fn not_found(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::not_found().into_response();
    }
    let (lang, _) = resolve_lang(None, &headers, state.https());
    error_page(
        lang,
        &ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "页面不存在",
            "page not found",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::home::{ScopeLine, kind_counts};
    use super::*;

    fn ctx(lang: Lang) -> Value {
        base(lang, "/login", Some("/api/v1/me"))
    }

    #[test]
    fn every_template_renders() {
        for lang in [Lang::Zh, Lang::En] {
            let login = render(
                "login.html",
                context! { csrf => "t", username => "<b>", next => "/", error => context! { zh => "错", en => "bad" }, ..ctx(lang) },
            )
            .unwrap()
            .0;
            assert!(login.contains("&lt;b&gt;"), "escaped: {login}");
            assert!(login.contains(r#"name="csrf" value="t""#));
            let home = render(
                "home.html",
                context! {
                    user => context! { display_name => "张三", username => "zs", role_zh => "纪检监察", role_en => "supervisor" },
                    scope_kind => "divisions",
                    jurisdiction => vec![ScopeLine { code: "330106".into(), name: "西湖区".into(), kind_zh: "县级".into(), kind_en: "county".into() }],
                    more => 3,
                    counts => context! { divisions => 1, units => 2, people => 3 },
                    by_kind => kind_counts(&[("school".into(), 2)]),
                    csrf => "c",
                    ..ctx(lang)
                },
            )
            .unwrap()
            .0;
            assert!(
                home.contains("西湖区") && home.contains("学校") && home.contains("张三"),
                "{home}"
            );
            let err = render("error.html", context! { status => 404, error => context! { zh => "页面不存在", en => "page not found" }, ..ctx(lang) })
                .unwrap()
                .0;
            assert!(err.contains("页面不存在"));
            for page in [&login, &home, &err] {
                assert!(page.contains(&format!(r#"<html lang="{}">"#, lang.html())));
                assert!(page.contains(&format!(r#"href="{}""#, css_url())), "{page}");
                assert!(page.contains(&format!("?lang={}", lang.other().code())));
                assert!(!page.contains("<script"), "no scripts");
                assert!(!page.contains("style=\""), "no inline styles (CSP)");
            }
        }
    }

    #[test]
    fn chinese_first_unless_english_chosen() {
        let zh = render("error.html", context! { status => 404, error => context! { zh => "甲", en => "A" }, ..base(Lang::Zh, "/", None) })
            .unwrap()
            .0;
        let zh = zh.split("<main>").nth(1).unwrap();
        assert!(zh.find("甲").unwrap() < zh.find(">A<").unwrap());
        let en = render("error.html", context! { status => 404, error => context! { zh => "甲", en => "A" }, ..base(Lang::En, "/", None) })
            .unwrap()
            .0;
        let en = en.split("<main>").nth(1).unwrap();
        assert!(en.find(">A<").unwrap() < en.find("甲").unwrap());
    }

    #[test]
    fn language_choice() {
        let mut h = HeaderMap::new();
        assert_eq!(resolve_lang(None, &h, false), (Lang::Zh, None));
        let (l, c) = resolve_lang(Some("en"), &h, true);
        assert_eq!(l, Lang::En);
        assert!(c.unwrap().starts_with("ql_lang=en; Path=/;"));
        h.insert(header::COOKIE, HeaderValue::from_static("ql_lang=en"));
        assert_eq!(resolve_lang(None, &h, false).0, Lang::En);
        assert_eq!(resolve_lang(Some("zh"), &h, false).0, Lang::Zh);
        assert_eq!(resolve_lang(Some("fr"), &h, false).0, Lang::En);
    }

    #[test]
    fn switch_link_keeps_next() {
        let v = base(Lang::Zh, "/login", Some("/a b?x=1"));
        assert_eq!(
            v.get_attr("switch_href").unwrap().as_str(),
            Some("/login?lang=en&amp;next=/a%20b%3Fx%3D1")
        );
    }

    #[test]
    fn css_version_is_stable_hex() {
        assert_eq!(css_version().len(), 16);
        assert!(css_version().bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
