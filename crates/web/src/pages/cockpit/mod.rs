//! The cockpit (驾驶舱): the overview's figures, and the drill-down pages of a division, a
//! unit, an indicator, a hit and a clue. Every read goes through the store with the caller's
//! principal, so an object outside the jurisdiction answers 404 exactly like a missing one.
//!
//! Pages are built as data (facts, texts, figure tiles, charts, [`Table`]s) and rendered by
//! one template, `cockpit.html`; `?format=xlsx` returns the same tables as a workbook.

mod area;
mod clue;
mod hit;
mod indicator;
pub(super) mod labels;
mod procurement;

pub(super) use area::overview_parts;
pub use area::{division_page, unit_page};
pub use clue::{clue_page, clue_proof};
pub use hit::hit_page;
pub use indicator::{IndicatorCard, IndicatorParam, indicator_page, indicators_page};
pub(super) use procurement::nav_has_procurement;
pub use procurement::procurement_page;

use super::{Lang, base, error_page, render, resolve_lang, see_other, with_cookies};
use crate::auth;
use crate::error::ApiError;
use crate::export::{Cell, Table, wants_xlsx, xlsx_response};
use crate::state::AppState;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Value;
use qinglian_store::Principal;
use serde::{Deserialize, Serialize};
use std::future::Future;

/// Rows a drill-down list shows before saying it was cut (the workbook holds the same rows).
pub(super) const LIST_LIMIT: i64 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CockpitQuery {
    pub lang: Option<String>,
    /// `xlsx`: the page's tables as a workbook.
    pub format: Option<String>,
}

/// A labelled value of a page's fact list.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Fact {
    zh: String,
    en: String,
    cell: Cell,
}

pub(super) fn fact(zh: &str, en: &str, cell: Cell) -> Fact {
    Fact {
        zh: zh.into(),
        en: en.into(),
        cell,
    }
}

/// A paragraph in both languages (explanations, reasons, legal basis).
#[derive(Debug, Clone, Serialize)]
pub(super) struct Text {
    label_zh: String,
    label_en: String,
    zh: String,
    en: String,
}

pub(super) fn text(label_zh: &str, label_en: &str, zh: &str, en: &str) -> Text {
    Text {
        label_zh: label_zh.into(),
        label_en: label_en.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

/// A headline figure.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Figure {
    zh: String,
    en: String,
    value: String,
    /// A second line (the rate, a unit).
    note: Option<String>,
}

pub(super) fn figure(zh: &str, en: &str, value: String, note: Option<String>) -> Figure {
    Figure {
        zh: zh.into(),
        en: en.into(),
        value,
        note,
    }
}

/// An SVG chart with its caption.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Chart {
    zh: String,
    en: String,
    svg: Value,
}

pub(super) fn chart(zh: &str, en: &str, svg: String) -> Chart {
    Chart {
        zh: zh.into(),
        en: en.into(),
        // Built by `crate::charts`, which escapes every text it draws.
        svg: Value::from_safe_string(svg),
    }
}

/// A page as data.
#[derive(Debug, Default)]
pub(super) struct Page {
    pub title_zh: String,
    pub title_en: String,
    /// What kind of page, above the title (e.g. 行政区划 / division).
    pub kicker_zh: String,
    pub kicker_en: String,
    /// File name of the workbook, without `.xlsx`.
    pub stem: String,
    pub facts: Vec<Fact>,
    pub texts: Vec<Text>,
    pub figures: Vec<Figure>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
    /// The workflow's actions this user may take here (`crate::pages::work`).
    pub forms: Vec<super::work::ActionForm>,
    /// Shown but not kept in the page cache (a part could not be read this time).
    pub volatile: bool,
}

/// The common path of every cockpit page: language, session (else to the sign-in form), the
/// page's data, then HTML or the workbook. Rendered anew for every request: for pages that
/// depend on who the user is beyond role and jurisdiction (the work queue, the inbox).
pub(super) async fn respond<F, Fut>(
    state: AppState,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    path: String,
    build: F,
) -> Response
where
    F: FnOnce(AppState, Principal, Lang) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page, ApiError>> + Send + 'static,
{
    respond_with(false, state, headers, q, path, build).await
}

/// [`respond`] through the page cache ([`cached`]): for pages that `build` makes from the
/// principal's role and scope alone, the path and the stored data, and that record no
/// view in the ledger.
pub(super) async fn respond_cached<F, Fut>(
    state: AppState,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    path: String,
    build: F,
) -> Response
where
    F: FnOnce(AppState, Principal, Lang) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page, ApiError>> + Send + 'static,
{
    respond_with(true, state, headers, q, path, build).await
}

async fn respond_with<F, Fut>(
    keep: bool,
    state: AppState,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    path: String,
    build: F,
) -> Response
where
    F: FnOnce(AppState, Principal, Lang) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page, ApiError>> + Send + 'static,
{
    let q = q.map(|q| q.0).unwrap_or_default();
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, state.https());
    // The outcome of the action form that redirected here, shown once.
    let flash = super::work::take_flash(&headers, state.https());
    let res = match auth::session(&state, &headers).await {
        Err(e) => error_page(lang, &e),
        Ok(None) => see_other(&format!("/login?next={}", super::pct(&path))),
        Ok(Some((p, _, csrf))) if !keep || wants_xlsx(q.format.as_deref()) || flash.is_some() => {
            match build(state.clone(), p.clone(), lang).await {
                Err(e) => error_page(lang, &e),
                Ok(page) if wants_xlsx(q.format.as_deref()) => {
                    xlsx_response(&page.stem, &page.tables.iter().collect::<Vec<_>>())
                }
                // A page with the outcome of an action is shown once, not kept.
                Ok(page) => {
                    let nav = nav_user(
                        &p,
                        &csrf,
                        nav_has_procurement(&state, &p).await,
                        super::enforcement::nav_has_enforcement(&state, &p),
                    );
                    match render_page(&page, nav, lang, &path, flash.as_ref().map(|f| &f.0)) {
                        Ok(html) => html.into_response(),
                        Err(e) => error_page(lang, &e),
                    }
                }
            }
        }
        Ok(Some((p, _, csrf))) => {
            let key = format!("page|{path}");
            let (st, pr) = (state.clone(), p.clone());
            cached(&state, &p, &csrf, lang, key, move |marked| async move {
                let page = build(st.clone(), pr.clone(), lang).await?;
                let nav = nav_user(
                    &marked,
                    &st.pages.marks.csrf,
                    nav_has_procurement(&st, &pr).await,
                    super::enforcement::nav_has_enforcement(&st, &pr),
                );
                Ok((render_page(&page, nav, lang, &path, None)?, page.volatile))
            })
            .await
        }
    };
    with_cookies(res, lang_cookie.into_iter().chain(flash.map(|f| f.1)))
}

/// A page from the page cache (`crate::page_cache`), keyed by `key` (the path and whatever
/// else of the request shapes it), the reader's language and view key, for the current
/// ledger size and minute. `make` renders it for the principal with its per-user values
/// replaced by the cache's marks (its argument) and says whether it may be kept.
pub(super) async fn cached<F, Fut>(
    state: &AppState,
    p: &Principal,
    csrf: &str,
    lang: Lang,
    key: String,
    make: F,
) -> Response
where
    F: FnOnce(Principal) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(axum::response::Html<String>, bool), ApiError>> + Send + 'static,
{
    use crate::page_cache::Fill;
    let epoch = match state.cache_epoch().await {
        Ok(e) => e,
        Err(e) => return error_page(lang, &e),
    };
    let key = format!(
        "{key}|{}|{}",
        lang.code(),
        qinglian_store::scope::view_key(p)
    );
    let pages = state.pages.clone();
    let mut marked = p.clone();
    marked.display_name = pages.marks.display_name.clone();
    marked.username = pages.marks.username.clone();
    let fill = Fill::new(&p.display_name, &p.username, csrf);
    // Owned copies: the rendering may run in the background, after this request is answered.
    let (kept, own_fill) = (pages.clone(), Fill::new(&p.display_name, &p.username, csrf));
    let render = move || async move {
        match make(marked).await {
            Err(e) => Err(error_page(lang, &e)),
            Ok((html, true)) => {
                Err(axum::response::Html(kept.html(&html.0).splice(&own_fill)).into_response())
            }
            Ok((html, false)) => Ok(kept.html(&html.0)),
        }
    };
    let made = pages
        .get_or_make_stale(epoch, key, &p.username, render)
        .await;
    match made {
        Ok(body) => axum::response::Html(body.splice(&fill)).into_response(),
        Err(res) => res,
    }
}

/// What the navigation bar needs about the signed-in user; `procurement`: whether the
/// procurement page has data for it ([`nav_has_procurement`]); `enforcement`: whether the
/// server has the enforcement pages for this role (`super::enforcement::nav_has_enforcement`).
pub(super) fn nav_user(p: &Principal, csrf: &str, procurement: bool, enforcement: bool) -> Value {
    context! {
        display_name => &p.display_name,
        role_zh => p.role.name_zh(),
        role_en => p.role.name_en(),
        csrf => csrf,
        can_import => p.role.can_import(),
        can_admin => p.role.can_admin(),
        is_unit => p.role == qinglian_core::Role::Unit,
        procurement => procurement,
        enforcement => enforcement,
    }
}

fn render_page(
    page: &Page,
    nav: Value,
    lang: Lang,
    path: &str,
    flash: Option<&super::work::Flash>,
) -> Result<axum::response::Html<String>, ApiError> {
    let export = format!("{path}?format=xlsx");
    render(
        "cockpit.html",
        context! {
            page => page_ctx(page),
            export_href => export,
            nav => nav,
            flash => flash,
            ..base(lang, path, None)
        },
    )
}

/// The page's data as the templates read it (`page` in `cockpit_body.html`).
pub(super) fn page_ctx(page: &Page) -> Value {
    context! {
        title_zh => &page.title_zh,
        title_en => &page.title_en,
        kicker_zh => &page.kicker_zh,
        kicker_en => &page.kicker_en,
        facts => &page.facts,
        texts => &page.texts,
        figures => &page.figures,
        charts => &page.charts,
        tables => &page.tables,
        forms => &page.forms,
    }
}

/// `YYYY-MM-DD` of a Unix time, Asia/Shanghai.
pub(super) fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM` of a Unix time, Asia/Shanghai.
pub(super) fn minute(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Percent-encodes a path segment (ids may hold anything a unit register allows).
pub(super) fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A cell linking to a unit's page, showing its name when known.
pub(super) fn unit_cell(id: &str, name: Option<&str>) -> Cell {
    let shown = match name {
        Some(n) => format!("{n}（{id}）"),
        None => id.to_owned(),
    };
    Cell::text(shown).link(format!("/units/{}", seg(id)))
}

/// The standard table of figures, one row per group (first column given by the caller).
pub(super) fn figures_table(
    id: &str,
    zh: &str,
    en: &str,
    first: (&str, &str),
    rows: Vec<(Cell, &qinglian_store::cockpit::Figures)>,
) -> Table {
    let mut t = Table::new(
        id,
        zh,
        en,
        &[
            first,
            ("发现问题", "Problems found"),
            ("已整改", "Rectified"),
            ("整改率", "Rate"),
            ("完善制度", "Systems improved"),
            ("处理人数", "Persons handled"),
            ("挽回损失（元）", "Money recovered (yuan)"),
            ("在办线索", "Open clues"),
            ("逾期事项", "Overdue items"),
            ("有效命中", "Active hits"),
            ("风险分", "Risk score"),
        ],
    );
    for (name, f) in rows {
        t.row(vec![
            name,
            Cell::int(f.problems_found),
            Cell::int(f.problems_rectified),
            Cell::rate(f.rectification_rate),
            Cell::int(f.systems_improved),
            Cell::int(f.persons_total),
            Cell::yuan(f.money_recovered_fen),
            Cell::int(f.open_clues),
            Cell::int(f.overdue_items),
            Cell::int(f.active_hits),
            Cell::int(f.risk),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_store::Scope;

    fn sample() -> Page {
        let mut t = Table::new(
            "t",
            "表<甲>",
            "Table",
            &[("名称", "Name"), ("金额", "Amount")],
        );
        t.row(vec![
            Cell::pair("<b>甲</b>", "A").link("/units/U%201"),
            Cell::yuan(12_345),
        ]);
        let mut empty = Table::new("e", "空表", "Empty", &[("名称", "Name")]);
        empty.empty_zh = "暂无记录".into();
        Page {
            title_zh: "标题<script>".into(),
            title_en: "Title".into(),
            kicker_zh: "区划".into(),
            kicker_en: "division".into(),
            stem: "x".into(),
            facts: vec![fact("状态", "State", Cell::pair("销号", "closed"))],
            texts: vec![text("说明", "Explanation", "中文说明", "English text")],
            figures: vec![figure("发现问题", "Problems found", "3".into(), None)],
            charts: vec![chart(
                "图",
                "Chart",
                crate::charts::bar_chart("b", &[], "暂无 / none"),
            )],
            tables: vec![t, empty],
            forms: Vec::new(),
            volatile: false,
        }
    }

    #[test]
    fn the_page_renders_escaped_in_both_languages() {
        let p = Principal {
            user_id: 1,
            username: "u".into(),
            display_name: "张三".into(),
            role: qinglian_core::Role::Supervisor,
            scope: Scope::Divisions(vec![]),
        };
        for lang in [Lang::Zh, Lang::En] {
            let html = render_page(
                &sample(),
                nav_user(&p, "tok", false, false),
                lang,
                "/divisions/330106",
                None,
            )
            .unwrap()
            .0;
            assert!(!html.contains("<script"), "escaped title");
            assert!(
                html.contains("&lt;b&gt;甲&lt;&#x2f;b&gt;"),
                "escaped cell: {html}"
            );
            assert!(html.contains("<svg"), "the chart is markup");
            assert!(!html.contains("style=\""), "no inline styles (CSP)");
            assert!(html.contains("123.45") && html.contains("class=\"n\""));
            assert!(html.contains("暂无记录"), "an empty table says so");
            assert!(
                html.contains("name=\"csrf\" value=\"tok\""),
                "sign-out form"
            );
            assert!(html.contains("?format=xlsx"), "export link");
            let main = html.split("<main>").nth(1).unwrap();
            let (zh, en) = (
                main.find("中文说明").unwrap(),
                main.find("English text").unwrap(),
            );
            assert_eq!(lang == Lang::Zh, zh < en, "reader's language first");
            let (zh, en) = (
                main.find("发现问题").unwrap(),
                main.find("Problems found").unwrap(),
            );
            assert_eq!(lang == Lang::Zh, zh < en);
        }
    }

    #[test]
    fn dates_are_shanghai() {
        assert_eq!(day(1_782_864_000 - 8 * 3600), "2026-07-01");
        assert_eq!(minute(1_782_864_000 - 8 * 3600 + 3660), "2026-07-01 01:01");
        assert_eq!(seg("U 1/é"), "U%201%2F%C3%A9");
    }
}
