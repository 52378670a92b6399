//! `/admin/parameters`: each indicator's parameters with their shipped defaults and the
//! overrides per division (`<data>/overrides.toml`, the file `qinglian screen` reads); set or
//! remove one override, checked against the parameter's type and bounds, as a ledger entry.

use super::{AdminQuery, notice, outside};
use crate::analysis::OverrideChange;
use crate::error::ApiError;
use crate::pages::forms::{Caller, HasCsrf, Need, caller, done, msg_ctx, posted, unavailable};
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use qinglian_core::{DivisionCode, Msg};
use serde::Deserialize;

const PATH: &str = "/admin/parameters";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverrideForm {
    pub csrf: String,
    /// `<indicator id>:<parameter>`.
    pub target: String,
    pub division: String,
    pub value: String,
}

impl HasCsrf for OverrideForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn render(
    state: &AppState,
    c: &Caller,
    status: StatusCode,
    q: &AdminQuery,
    refusal: Option<&Msg>,
) -> Response {
    let Some(analysis) = state.services.as_ref().and_then(|s| s.analysis.clone()) else {
        let m = unavailable().msg;
        let ctx = context! { params => Vec::<i32>::new(), file_error => msg_ctx(&m) };
        return c.page(status, "admin_params.html", PATH, ctx);
    };
    let names: std::collections::BTreeMap<&str, (&str, &str)> = state
        .cfg
        .indicators
        .iter()
        .map(|i| (i.id.as_str(), (i.name_zh.as_str(), i.name_en.as_str())))
        .collect();
    // A file the screening would refuse is shown as that refusal, above an empty list.
    let (overrides, file_error) = match analysis.overrides() {
        Ok(o) => (o, None),
        Err(m) => (Vec::new(), Some(m)),
    };
    let only = q.indicator.as_deref().filter(|s| !s.is_empty());
    let params: Vec<_> = analysis
        .params()
        .into_iter()
        .filter(|p| only.is_none_or(|i| i == p.indicator))
        .map(|p| {
            let (zh, en) = names.get(p.indicator.as_str()).copied().unwrap_or(("", ""));
            let regional: Vec<_> = overrides
                .iter()
                .filter(|o| o.indicator == p.indicator && o.param == p.name)
                .map(|o| {
                    let mine =
                        DivisionCode::parse(&o.division).is_ok_and(|d| c.p.sees_division(&d));
                    context! { division => &o.division, value => &o.value, mine => mine }
                })
                .collect();
            context! {
                target => format!("{}:{}", p.indicator, p.name),
                indicator => &p.indicator,
                name_zh => zh,
                name_en => en,
                param => &p.name,
                ty => &p.ty,
                default => &p.default,
                min => p.min,
                max => p.max,
                overrides => regional,
            }
        })
        .collect();
    let indicators: Vec<_> = state
        .cfg
        .indicators
        .iter()
        .filter(|i| !i.params.is_empty())
        .map(|i| context! { id => &i.id, name_zh => &i.name_zh, name_en => &i.name_en })
        .collect();
    c.page(
        status,
        "admin_params.html",
        PATH,
        context! {
            params => params,
            indicators => indicators,
            only => only,
            notice => notice(q.done.as_deref()).map(|(zh, en)| context! { zh => zh, en => en }),
            refusal => refusal.map(msg_ctx),
            file_error => file_error.as_ref().map(msg_ctx),
        },
    )
}

/// `GET /admin/parameters` (`?indicator=ID` narrows the list).
pub async fn params_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<AdminQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    match caller(&state, &headers, q.lang.as_deref(), PATH, Need::Admin).await {
        Ok(c) => render(&state, &c, StatusCode::OK, &q, None),
        Err(res) => res,
    }
}

async fn change(
    state: AppState,
    headers: HeaderMap,
    form: Result<Form<OverrideForm>, FormRejection>,
    set: bool,
) -> Response {
    let (c, f) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Some(analysis) = state.services.as_ref().and_then(|s| s.analysis.clone()) else {
        return c.error(&unavailable());
    };
    let q = AdminQuery::default();
    let Some((indicator, param)) = f.target.split_once(':') else {
        let m = Msg::new(
            "OVERRIDE_NO_PARAM",
            "请选择指标参数",
            "choose an indicator parameter",
        );
        return render(&state, &c, StatusCode::BAD_REQUEST, &q, Some(&m));
    };
    let division = match DivisionCode::parse(f.division.trim()) {
        Ok(d) => d,
        Err(m) => return render(&state, &c, StatusCode::BAD_REQUEST, &q, Some(&m)),
    };
    // Parameters are set only for divisions the administrator may see.
    if !c.p.sees_division(&division) {
        let e: ApiError = outside("该行政区划", "the division");
        return render(&state, &c, e.status, &q, Some(&e.msg));
    }
    let req = OverrideChange {
        indicator: indicator.to_owned(),
        division: division.as_str().to_owned(),
        param: param.to_owned(),
        value: set.then(|| f.value.clone()),
        actor: format!("web:{}", c.p.username),
    };
    match analysis.set_override(req).await {
        Ok(Ok(_)) => done(
            PATH,
            if set {
                "override_set"
            } else {
                "override_removed"
            },
        ),
        Ok(Err(m)) => render(&state, &c, StatusCode::BAD_REQUEST, &q, Some(&m)),
        Err(e) => {
            tracing::error!(error = %e, "cannot change an override");
            c.error(&ApiError::internal())
        }
    }
}

/// `POST /admin/parameters`: sets one override.
pub async fn params_set(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<OverrideForm>, FormRejection>,
) -> Response {
    change(state, headers, form, true).await
}

/// `POST /admin/parameters/remove`: removes one override.
pub async fn params_remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<OverrideForm>, FormRejection>,
) -> Response {
    change(state, headers, form, false).await
}
