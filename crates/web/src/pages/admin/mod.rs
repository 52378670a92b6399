//! Administration (`/admin/...`, administrators only): users, API tokens and indicator
//! parameters per region. Every change goes through the store function the command line uses
//! (`users add`, `tokens create` …), each a ledger entry; forms carry the session's CSRF token
//! and a success redirects back (POST-redirect-GET) with a notice.
//!
//! An administrator manages only users whose whole jurisdiction lies inside its own, grants
//! only divisions and units it may see, and sets parameters only for divisions it may see.

mod params;
mod tokens;
mod users;

pub use params::{params_page, params_remove, params_set};
pub use tokens::{token_create, token_revoke, tokens_page};
pub use users::{user_add, user_disable, user_enable, user_scope, users_page};

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use qinglian_core::{DivisionCode, Msg, Role};
use qinglian_store::Principal;
use qinglian_store::scope::may_grant_divisions;
use serde::Deserialize;

/// Query of every admin page: language and the notice after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdminQuery {
    pub lang: Option<String>,
    pub done: Option<String>,
    pub indicator: Option<String>,
}

/// The notice a page shows after a successful change, by its key.
fn notice(key: Option<&str>) -> Option<(&'static str, &'static str)> {
    Some(match key? {
        "user_added" => (
            "已创建用户（已记入账本）",
            "user created (recorded in the ledger)",
        ),
        "user_changed" => (
            "已更改角色与管辖范围（已记入账本）",
            "role and jurisdiction changed (recorded in the ledger)",
        ),
        "user_disabled" => (
            "已停用用户，其会话和令牌立即失效（已记入账本）",
            "user disabled; its sessions and tokens stop working now (recorded in the ledger)",
        ),
        "user_enabled" => (
            "已启用用户（已记入账本）",
            "user enabled (recorded in the ledger)",
        ),
        "token_revoked" => (
            "已吊销令牌（已记入账本）",
            "token revoked (recorded in the ledger)",
        ),
        "override_set" => (
            "已保存参数覆盖，下次排查起生效（已记入账本）",
            "override saved; it applies from the next screening run (recorded in the ledger)",
        ),
        "override_removed" => (
            "已删除参数覆盖，恢复上级或默认取值（已记入账本）",
            "override removed; the wider region's or the default value applies (recorded in the ledger)",
        ),
        _ => return None,
    })
}

fn refused(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::bad_request(Msg::new(code, zh, en))
}

fn outside(what_zh: &str, what_en: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "ADMIN_SCOPE_FORBIDDEN",
        &format!("{what_zh}超出您的管辖范围"),
        &format!("{what_en} lies outside your jurisdiction"),
    )
}

/// A jurisdiction as typed in a form: division codes (or, for a unit user, unit ids)
/// separated by spaces, commas or 、.
fn scope_items(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || ",，、;；".contains(c))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The role and jurisdiction a form asks for, checked against what the administrator may
/// grant: (role, divisions, units).
async fn requested_scope(
    state: &AppState,
    p: &Principal,
    role: &str,
    scope: &str,
) -> Result<(Role, Vec<DivisionCode>, Vec<String>), ApiError> {
    let role: Role = role.parse().map_err(ApiError::bad_request)?;
    let items = scope_items(scope);
    if role.is_unit_scoped() {
        for u in &items {
            if state.store.get_unit(p, u).await?.is_none() {
                return Err(refused(
                    "ADMIN_UNKNOWN_UNIT",
                    format!("单位“{u}”不存在或不在您的管辖范围内"),
                    format!("unit '{u}' does not exist or lies outside your jurisdiction"),
                ));
            }
        }
        Ok((role, Vec::new(), items))
    } else {
        let divisions = items
            .iter()
            .map(|d| DivisionCode::parse(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::bad_request)?;
        if !may_grant_divisions(p, &divisions) {
            return Err(outside("所授予的管辖区划", "the jurisdiction granted"));
        }
        Ok((role, divisions, Vec::new()))
    }
}

/// Whether the administrator may manage a user holding this jurisdiction.
async fn manages(
    state: &AppState,
    p: &Principal,
    role: &str,
    divisions: &[String],
    units: &[String],
) -> Result<bool, ApiError> {
    if role.parse::<Role>().is_ok_and(Role::is_unit_scoped) {
        for u in units {
            if state.store.get_unit(p, u).await?.is_none() {
                return Ok(false);
            }
        }
        return Ok(!units.is_empty());
    }
    let Ok(ds) = divisions
        .iter()
        .map(|d| DivisionCode::parse(d))
        .collect::<Result<Vec<_>, _>>()
    else {
        return Ok(false);
    };
    Ok(!ds.is_empty() && may_grant_divisions(p, &ds))
}

/// The users this administrator manages, with their jurisdiction, and how many others exist.
async fn managed_users(
    state: &AppState,
    p: &Principal,
) -> Result<(Vec<(qinglian_store::User, Vec<String>, Vec<String>)>, usize), ApiError> {
    let all = state.store.list_users().await?;
    let total = all.len();
    let mut mine = Vec::new();
    for (u, ds, us) in all {
        if manages(state, p, &u.role, &ds, &us).await? {
            mine.push((u, ds, us));
        }
    }
    let others = total - mine.len();
    Ok((mine, others))
}

fn services(state: &AppState) -> Result<&crate::Services, ApiError> {
    crate::api::services(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_text_splits_on_common_separators() {
        assert_eq!(
            scope_items(" 330106, 330108、330110；U1 "),
            ["330106", "330108", "330110", "U1"]
        );
        assert!(scope_items("  ").is_empty());
    }

    #[test]
    fn every_notice_is_bilingual() {
        for k in [
            "user_added",
            "user_changed",
            "user_disabled",
            "user_enabled",
            "token_revoked",
            "override_set",
            "override_removed",
        ] {
            let (zh, en) = notice(Some(k)).unwrap();
            assert!(!zh.is_ascii() && en.is_ascii(), "{k}");
        }
        assert!(notice(Some("other")).is_none());
    }
}
