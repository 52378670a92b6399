//! The landing page: who you are, what you may see, how much of the registry lies inside it,
//! and the cockpit's overview of the programme's figures there (`?format=xlsx`: its tables).

use super::{
    Lang, PageQuery, base, cockpit, error_page, page_query, render, resolve_lang, see_other,
    with_cookies,
};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use qinglian_core::division::builtin_lookup;
use qinglian_core::{DivisionCode, UnitKind};
use qinglian_store::{Principal, Scope};
use serde::Serialize;

/// How many of a unit user's units the landing page lists before summarising the rest.
const MAX_LISTED_UNITS: usize = 20;

/// One line of the jurisdiction table: a division with its level, or a unit with its kind.
#[derive(Debug, Serialize)]
pub(super) struct ScopeLine {
    pub code: String,
    pub name: String,
    pub kind_zh: String,
    pub kind_en: String,
}

#[derive(Debug, Serialize)]
pub(super) struct KindCount {
    kind: String,
    zh: String,
    en: String,
    count: i64,
}

/// `GET /`: who you are, what you may see, and how much of the registry lies inside it.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, state.https());
    let res = match home_page(&state, &headers, lang, q.format.as_deref()).await {
        Ok(r) => r,
        Err(e) => error_page(lang, &e),
    };
    with_cookies(res, lang_cookie)
}

async fn home_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let Some((p, _, csrf)) = auth::session(state, headers).await? else {
        return Ok(see_other("/login"));
    };
    if crate::export::wants_xlsx(format) {
        // The cockpit's overview of the whole jurisdiction (figures, charts, tables).
        let overview = cockpit::overview_parts(state, &p).await?;
        return Ok(crate::export::xlsx_response(
            "overview",
            &overview.tables.iter().collect::<Vec<_>>(),
        ));
    }
    // Through the page cache: the user's name, username and CSRF token come as marks.
    Ok(cockpit::cached(state, &p, &csrf, lang, "home|/".into(), {
        let state = state.clone();
        move |marked| async move {
            let html = landing(&state, marked, &state.pages.marks.csrf, lang).await?;
            Ok((html, false))
        }
    })
    .await)
}

/// The landing page for `p` (figures from its role and scope; names and CSRF as given).
async fn landing(
    state: &AppState,
    p: Principal,
    csrf: &str,
    lang: Lang,
) -> Result<axum::response::Html<String>, ApiError> {
    let overview = cockpit::overview_parts(state, &p).await?;
    let counts = state.store.registry_counts(&p).await?;
    let (lines, more) = scope_lines(state, &p).await?;
    let ctx = context! {
        user => context! {
            display_name => &p.display_name,
            username => &p.username,
            role_zh => p.role.name_zh(),
            role_en => p.role.name_en(),
        },
        scope_kind => if matches!(p.scope, Scope::Units(_)) { "units" } else { "divisions" },
        jurisdiction => lines,
        more => more,
        counts => context! { divisions => counts.divisions, units => counts.units, people => counts.people },
        by_kind => kind_counts(&counts.units_by_kind),
        page => cockpit::page_ctx(&overview),
        export_href => "/?format=xlsx",
        nav => cockpit::nav_user(
            &p,
            csrf,
            cockpit::nav_has_procurement(state, &p).await,
            super::enforcement::nav_has_enforcement(state, &p),
        ),
        csrf => csrf,
        ..base(lang, "/", None)
    };
    render("home.html", ctx)
}

async fn scope_lines(state: &AppState, p: &Principal) -> Result<(Vec<ScopeLine>, usize), ApiError> {
    let mut lines = Vec::new();
    match &p.scope {
        Scope::All => {
            let all = ScopeLine {
                code: "*".into(),
                name: "全部".into(),
                kind_zh: "全部".into(),
                kind_en: "everything".into(),
            };
            Ok((vec![all], 0))
        }
        Scope::Divisions(ds) => {
            for d in ds {
                lines.push(division_line(state, p, d).await?);
            }
            Ok((lines, 0))
        }
        Scope::Units(ids) => {
            for id in ids.iter().take(MAX_LISTED_UNITS) {
                let unit = state.store.get_unit(p, id).await?;
                let (name, kind) =
                    unit.map_or((String::from("—"), String::new()), |u| (u.name, u.kind));
                let (kind_zh, kind_en) = kind_names(&kind);
                lines.push(ScopeLine {
                    code: id.clone(),
                    name,
                    kind_zh,
                    kind_en,
                });
            }
            Ok((lines, ids.len().saturating_sub(MAX_LISTED_UNITS)))
        }
    }
}

/// The registry's name for a division, else the shipped GB/T 2260 table's, else a dash.
async fn division_line(
    state: &AppState,
    p: &Principal,
    d: &DivisionCode,
) -> Result<ScopeLine, ApiError> {
    let name = match state.store.get_division(p, d.as_str()).await? {
        Some(row) => row.name,
        None => builtin_lookup(d).map_or_else(|| "—".to_owned(), |b| b.name.clone()),
    };
    let level = d.level();
    Ok(ScopeLine {
        code: d.as_str().to_owned(),
        name,
        kind_zh: level.name_zh().into(),
        kind_en: level.as_str().into(),
    })
}

fn kind_names(kind: &str) -> (String, String) {
    match kind.parse::<UnitKind>() {
        Ok(k) => (k.name_zh().into(), k.name_en().into()),
        Err(()) => (kind.to_owned(), kind.to_owned()),
    }
}

/// Known kinds in the programme's order, then any others alphabetically (as the store sorts).
pub(super) fn kind_counts(by_kind: &[(String, i64)]) -> Vec<KindCount> {
    let rank = |k: &str| {
        UnitKind::ALL
            .iter()
            .position(|u| u.as_str() == k)
            .unwrap_or(UnitKind::ALL.len())
    };
    let mut rows: Vec<KindCount> = by_kind
        .iter()
        .map(|(kind, count)| {
            let (zh, en) = kind_names(kind);
            KindCount {
                kind: kind.clone(),
                zh,
                en,
                count: *count,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        rank(&a.kind)
            .cmp(&rank(&b.kind))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_in_programme_order() {
        let rows = kind_counts(&[("zoo".into(), 1), ("school".into(), 2), ("organ".into(), 3)]);
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["organ", "school", "zoo"]);
        assert_eq!(rows[1].zh, "学校");
    }
}
