//! `/admin/users`: list, add, change role and jurisdiction, disable and enable users, with
//! the store functions `qinglian users add|disable|enable` use.

use super::{AdminQuery, managed_users, notice, outside, refused, requested_scope, services};
use crate::error::ApiError;
use crate::pages::forms::{Caller, HasCsrf, Need, caller, done, msg_ctx, posted};
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use qinglian_core::Role;
use qinglian_store::NewUser;
use serde::Deserialize;

const PATH: &str = "/admin/users";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub csrf: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: String,
    /// Empty: a random one, shown once.
    pub password: String,
}

impl HasCsrf for UserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

impl HasCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn render(
    state: &AppState,
    c: &Caller,
    status: StatusCode,
    done: Option<&str>,
    refusal: Option<&ApiError>,
    created: Option<(&str, &str)>,
) -> Response {
    let (users, others) = match managed_users(state, &c.p).await {
        Ok(x) => x,
        Err(e) => return c.error(&e),
    };
    let rows: Vec<_> = users
        .iter()
        .map(|(u, ds, us)| {
            let role = u.role.parse::<Role>().ok();
            context! {
                username => &u.username,
                display_name => &u.display_name,
                role => &u.role,
                role_zh => role.map_or(u.role.as_str(), |r| r.name_zh()),
                role_en => role.map_or(u.role.as_str(), |r| r.name_en()),
                scope => [ds.as_slice(), us.as_slice()].concat().join(" "),
                disabled => u.disabled,
                me => u.id == c.p.user_id,
            }
        })
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), zh => r.name_zh(), en => r.name_en() })
        .collect();
    c.page(
        status,
        "admin_users.html",
        PATH,
        context! {
            users => rows,
            others => others,
            roles => roles,
            notice => notice(done).map(|(zh, en)| context! { zh => zh, en => en }),
            refusal => refusal.map(|e| msg_ctx(&e.msg)),
            created => created.map(|(u, pw)| context! { username => u, password => pw }),
        },
    )
}

/// `GET /admin/users`.
pub async fn users_page(
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

/// A refused form: the page again with the reason, in the refusal's status.
async fn refuse(state: &AppState, c: &Caller, e: ApiError) -> Response {
    if e.status == StatusCode::INTERNAL_SERVER_ERROR || e.status == StatusCode::SERVICE_UNAVAILABLE
    {
        return c.error(&e);
    }
    render(state, c, e.status, None, Some(&e), None).await
}

/// `POST /admin/users`: adds a user (`qinglian users add`). A password left empty is
/// generated and shown on this answer only.
pub async fn user_add(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<UserForm>, FormRejection>,
) -> Response {
    let (c, f) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = async {
        let ledger = &services(&state)?.ledger;
        let (role, divisions, units) = requested_scope(&state, &c.p, &f.role, &f.scope).await?;
        let generated = f.password.is_empty();
        let password = if generated {
            qinglian_store::random_password()
        } else {
            f.password.clone()
        };
        let username = f.username.trim().to_owned();
        let display_name = match f.display_name.trim() {
            "" => username.clone(),
            n => n.to_owned(),
        };
        let nu = NewUser {
            username: username.clone(),
            display_name,
            password: password.clone(),
            role,
            divisions,
            units,
        };
        state
            .store
            .create_user(ledger, &nu, (state.clock)())
            .await?;
        Ok::<_, ApiError>((username, generated.then_some(password)))
    }
    .await;
    match result {
        Err(e) => refuse(&state, &c, e).await,
        Ok((username, Some(pw))) => {
            render(
                &state,
                &c,
                StatusCode::OK,
                Some("user_added"),
                None,
                Some((&username, &pw)),
            )
            .await
        }
        Ok((_, None)) => done(PATH, "user_added"),
    }
}

/// The target user, if this administrator manages them.
async fn managed(state: &AppState, c: &Caller, username: &str) -> Result<(), ApiError> {
    let (users, _) = managed_users(state, &c.p).await?;
    if users.iter().any(|(u, _, _)| u.username == username) {
        return Ok(());
    }
    // An unknown user and one outside the jurisdiction answer alike.
    match state.store.find_user(username).await? {
        None => Err(ApiError::not_found()),
        Some(_) => Err(outside("该用户的管辖范围", "the user's jurisdiction")),
    }
}

/// `POST /admin/users/{username}/scope`: a new role and jurisdiction (replacing both).
pub async fn user_scope(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
    form: Result<Form<UserForm>, FormRejection>,
) -> Response {
    let (c, f) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = async {
        let ledger = &services(&state)?.ledger;
        managed(&state, &c, &username).await?;
        if username == c.p.username {
            return Err(refused(
                "ADMIN_SELF",
                "不能更改自己的角色或管辖范围，请由另一位管理员办理",
                "you cannot change your own role or jurisdiction; ask another administrator",
            ));
        }
        let (role, divisions, units) = requested_scope(&state, &c.p, &f.role, &f.scope).await?;
        state
            .store
            .set_user_role_scope(ledger, &username, role, &divisions, &units, (state.clock)())
            .await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Err(e) => refuse(&state, &c, e).await,
        Ok(()) => done(PATH, "user_changed"),
    }
}

async fn set_disabled(
    state: AppState,
    headers: HeaderMap,
    username: String,
    form: Result<Form<CsrfForm>, FormRejection>,
    disabled: bool,
) -> Response {
    let (c, _) = match posted(&state, &headers, form, PATH, Need::Admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = async {
        let ledger = &services(&state)?.ledger;
        managed(&state, &c, &username).await?;
        if disabled && username == c.p.username {
            return Err(refused(
                "ADMIN_SELF",
                "不能停用自己的账号",
                "you cannot disable your own account",
            ));
        }
        state
            .store
            .set_user_disabled(ledger, &username, disabled, (state.clock)())
            .await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Err(e) => refuse(&state, &c, e).await,
        Ok(()) if disabled => done(PATH, "user_disabled"),
        Ok(()) => done(PATH, "user_enabled"),
    }
}

/// `POST /admin/users/{username}/disable` (`qinglian users disable`).
pub async fn user_disable(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    set_disabled(state, headers, username, form, true).await
}

/// `POST /admin/users/{username}/enable` (`qinglian users enable`).
pub async fn user_enable(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    set_disabled(state, headers, username, form, false).await
}
