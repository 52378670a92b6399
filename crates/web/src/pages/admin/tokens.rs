//! `/admin/tokens`: API tokens of the users this administrator manages: create (the secret is
//! shown on that answer only), list, revoke; with `qinglian tokens create|revoke`'s store calls.

use super::users::CsrfForm;
use super::{AdminQuery, managed_users, notice, refused, services};
use crate::error::ApiError;
use crate::pages::forms::{Caller, HasCsrf, Need, caller, done, msg_ctx, posted};
use crate::pages::screening::fmt_time;
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

const PATH: &str = "/admin/tokens";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub csrf: String,
    pub user: String,
    pub name: String,
}

impl HasCsrf for TokenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Usernames this administrator manages.
async fn managed_names(state: &AppState, c: &Caller) -> Result<Vec<String>, ApiError> {
    let (users, _) = managed_users(state, &c.p).await?;
    Ok(users.into_iter().map(|(u, _, _)| u.username).collect())
}

async fn render(
    state: &AppState,
    c: &Caller,
    status: StatusCode,
    done: Option<&str>,
    refusal: Option<&ApiError>,
    created: Option<(i64, &str, &str)>,
) -> Response {
    let built = async {
        let names = managed_names(state, c).await?;
        let tokens = state.store.list_tokens().await?;
        Ok::<_, ApiError>((names, tokens))
    }
    .await;
    let (names, tokens) = match built {
        Ok(x) => x,
        Err(e) => return c.error(&e),
    };
    let rows: Vec<_> = tokens
        .iter()
        .filter(|t| names.contains(&t.username))
        .map(|t| {
            context! {
                id => t.id,
                username => &t.username,
                name => &t.name,
                prefix => &t.prefix,
                created => fmt_time(t.created_at),
                last_used => t.last_used_at.map(fmt_time),
                revoked => t.revoked_at.map(fmt_time),
            }
        })
        .collect();
    c.page(
        status,
        "admin_tokens.html",
        PATH,
        context! {
            tokens => rows,
            users => names,
            notice => notice(done).map(|(zh, en)| context! { zh => zh, en => en }),
            refusal => refusal.map(|e| msg_ctx(&e.msg)),
            created => created.map(|(id, user, secret)| context! { id => id, user => user, secret => secret }),
        },
    )
}

/// `GET /admin/tokens`.
pub async fn tokens_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<AdminQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    match caller(&state, &headers, q.lang.as_deref(), PATH, Need::Admin).await {
        Ok(c) => render(&state, &c, StatusCode::OK, q.done.as_deref(), None, None).await,
        Err(res) => res,
    }
}

async fn refuse(state: &AppState, c: &Caller, e: ApiError) -> Response {
    if e.status.is_server_error() {
        return c.error(&e);
    }
    render(state, c, e.status, None, Some(&e), None).await
}

/// `POST /admin/tokens`: a new token for a managed user; its secret is on this answer only
/// (never in a URL, so no redirect).
pub async fn token_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (c, f) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = async {
        let ledger = &services(&state)?.ledger;
        if !managed_names(&state, &c).await?.contains(&f.user) {
            return Err(refused(
                "ADMIN_UNKNOWN_USER",
                format!("用户“{}”不存在或不在您的管辖范围内", f.user),
                format!(
                    "user '{}' does not exist or lies outside your jurisdiction",
                    f.user
                ),
            ));
        }
        let name = f.name.trim();
        if name.is_empty() {
            return Err(refused(
                "TOKEN_NO_NAME",
                "请填写令牌用途（如“数据同步脚本”）",
                "say what the token is for (e.g. 'data sync script')",
            ));
        }
        let made = state
            .store
            .create_token(ledger, &f.user, name, (state.clock)())
            .await?;
        Ok::<_, ApiError>(made)
    }
    .await;
    match result {
        Err(e) => refuse(&state, &c, e).await,
        Ok((id, secret)) => {
            render(
                &state,
                &c,
                StatusCode::OK,
                None,
                None,
                Some((id, &f.user, &secret)),
            )
            .await
        }
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn token_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let (c, _) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = async {
        let ledger = &services(&state)?.ledger;
        let names = managed_names(&state, &c).await?;
        let tokens = state.store.list_tokens().await?;
        // A token of an unmanaged user answers like a missing one.
        if !tokens
            .iter()
            .any(|t| t.id == id && names.contains(&t.username))
        {
            return Err(ApiError::not_found());
        }
        state
            .store
            .revoke_token(ledger, id, (state.clock)())
            .await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Err(e) => refuse(&state, &c, e).await,
        Ok(()) => done(PATH, "token_revoked"),
    }
}
