//! Users, their jurisdictions, browser sessions and API tokens.

use crate::auth::{dummy_hash, hash_password, random_secret, secret_hash, verify_password};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::{Principal, Scope};
use crate::{Result, Store, StoreError, on_pool};
use qinglian_core::{DivisionCode, Msg, Role};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub divisions: Vec<DivisionCode>,
    pub units: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    csrf: String,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_id: i64,
    #[sqlx(flatten)]
    user: User,
}

const USER_COLS: &str = "id, username, display_name, password_hash, role, disabled, created_at";

fn t(v: &str) -> Bind {
    Bind::Text(v.to_owned())
}

/// RFC 3339 UTC with milliseconds, as ledger entries carry time.
fn ts(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn bad(code: &'static str, zh: String, en: String) -> StoreError {
    StoreError::Invalid(Msg::new(code, zh, en))
}

impl Store {
    /// Creates a user with its jurisdiction. A unit user needs units; every other role needs
    /// divisions, so nobody is created with an empty (or unlimited) view by accident.
    /// The creation is a ledger entry committed with the rows it writes.
    pub async fn create_user(&self, ledger: &Ledger, u: &NewUser, now: i64) -> Result<User> {
        let name = u.username.trim();
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "._-".contains(c))
        {
            return Err(bad(
                "BAD_USERNAME",
                format!("用户名“{name}”无效：1–64 个字母、数字或 . _ -"),
                format!("invalid username '{name}': 1–64 letters, digits or . _ -"),
            ));
        }
        if u.password.chars().count() < 8 {
            return Err(bad(
                "WEAK_PASSWORD",
                "密码至少 8 个字符".into(),
                "password must have at least 8 characters".into(),
            ));
        }
        if u.role.is_unit_scoped() && u.units.is_empty() {
            return Err(bad(
                "NO_SCOPE",
                "主体责任用户必须指定单位（--unit）".into(),
                "a unit user needs at least one unit (--unit)".into(),
            ));
        }
        if !u.role.is_unit_scoped() && u.divisions.is_empty() {
            return Err(bad(
                "NO_SCOPE",
                "必须指定管辖区划（--jurisdiction）".into(),
                "a jurisdiction is required (--jurisdiction)".into(),
            ));
        }
        if self.find_user(name).await?.is_some() {
            return Err(bad(
                "USER_EXISTS",
                format!("用户“{name}”已存在"),
                format!("user '{name}' already exists"),
            ));
        }
        let hash = hash_password(&u.password);
        let mut change = vec![Stmt::new(
            "INSERT INTO users (username, display_name, password_hash, role, disabled, created_at) VALUES ($1, $2, $3, $4, FALSE, $5)",
            vec![
                t(name),
                t(&u.display_name),
                t(&hash),
                t(u.role.as_str()),
                Bind::Int(now),
            ],
        )];
        for d in &u.divisions {
            change.push(Stmt::new(
                "INSERT INTO user_divisions (user_id, division_code) SELECT id, $2 FROM users WHERE username = $1",
                vec![t(name), t(d.as_str())],
            ));
        }
        for unit in &u.units {
            change.push(Stmt::new(
                "INSERT INTO user_units (user_id, unit_id) SELECT id, $2 FROM users WHERE username = $1",
                vec![t(name), t(unit)],
            ));
        }
        let entry = serde_json::json!({
            "kind": "user_created",
            "username": name,
            "role": u.role.as_str(),
            "jurisdictions": u.divisions.iter().map(DivisionCode::as_str).collect::<Vec<_>>(),
            "units": u.units,
            "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("user_created", entry)
                    .about("user", name)
                    .with_change(change),
            )
            .await?;
        self.find_user(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("用户 / user {name}")))
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(username.trim()).fetch_optional(p).await)?)
    }

    pub async fn list_users(&self) -> Result<Vec<(User, Vec<String>, Vec<String>)>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY username");
        let users: Vec<User> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let (ds, us) = self.user_scope_raw(u.id).await?;
            out.push((u, ds, us));
        }
        Ok(out)
    }

    /// Disables or enables a user, as a ledger entry. Disabling ends the user's sessions at
    /// once; its tokens stop working through the join on `disabled`.
    pub async fn set_user_disabled(
        &self,
        ledger: &Ledger,
        username: &str,
        disabled: bool,
        now: i64,
    ) -> Result<()> {
        if self.find_user(username).await?.is_none() {
            return Err(StoreError::NotFound(format!("用户 / user {username}")));
        }
        let mut change = vec![
            Stmt::new(
                "UPDATE users SET disabled = $1 WHERE username = $2",
                vec![Bind::Bool(disabled), t(username)],
            )
            .expecting(1),
        ];
        if disabled {
            change.push(Stmt::new(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                vec![t(username)],
            ));
        }
        let kind = if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        };
        let entry = serde_json::json!({"kind": kind, "username": username, "ts": ts(now)});
        ledger
            .append(
                Unit::new(kind, entry)
                    .about("user", username)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }

    /// Changes a user's role and jurisdiction (replacing both), as a ledger entry committed
    /// with the rows it writes. The same rules as at creation: a unit user needs units, every
    /// other role divisions. The user's live sessions and tokens see the new scope at once.
    pub async fn set_user_role_scope(
        &self,
        ledger: &Ledger,
        username: &str,
        role: Role,
        divisions: &[DivisionCode],
        units: &[String],
        now: i64,
    ) -> Result<()> {
        let name = username.trim();
        if self.find_user(name).await?.is_none() {
            return Err(StoreError::NotFound(format!("用户 / user {name}")));
        }
        if role.is_unit_scoped() && units.is_empty() {
            return Err(bad(
                "NO_SCOPE",
                "主体责任用户必须指定单位".into(),
                "a unit user needs at least one unit".into(),
            ));
        }
        if !role.is_unit_scoped() && divisions.is_empty() {
            return Err(bad(
                "NO_SCOPE",
                "必须指定管辖区划".into(),
                "a jurisdiction is required".into(),
            ));
        }
        // Only one kind of scope applies to a role; keeping the other would be misleading.
        let (divisions, units): (&[DivisionCode], &[String]) = if role.is_unit_scoped() {
            (&[], units)
        } else {
            (divisions, &[])
        };
        let mut change = vec![
            Stmt::new(
                "UPDATE users SET role = $1 WHERE username = $2",
                vec![t(role.as_str()), t(name)],
            )
            .expecting(1),
            Stmt::new(
                "DELETE FROM user_divisions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                vec![t(name)],
            ),
            Stmt::new(
                "DELETE FROM user_units WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                vec![t(name)],
            ),
        ];
        for d in divisions {
            change.push(Stmt::new(
                "INSERT INTO user_divisions (user_id, division_code) SELECT id, $2 FROM users WHERE username = $1",
                vec![t(name), t(d.as_str())],
            ));
        }
        for unit in units {
            change.push(Stmt::new(
                "INSERT INTO user_units (user_id, unit_id) SELECT id, $2 FROM users WHERE username = $1",
                vec![t(name), t(unit)],
            ));
        }
        let entry = serde_json::json!({
            "kind": "user_changed",
            "username": name,
            "role": role.as_str(),
            "jurisdictions": divisions.iter().map(DivisionCode::as_str).collect::<Vec<_>>(),
            "units": units,
            "ts": ts(now),
        });
        ledger
            .append(
                Unit::new("user_changed", entry)
                    .about("user", name)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }

    /// Checks a password. Unknown and disabled users cost the same time as wrong passwords.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        match self.find_user(username).await? {
            Some(u) if verify_password(password, &u.password_hash) && !u.disabled => Ok(Some(u)),
            Some(_) => Ok(None),
            None => {
                let _ = verify_password(password, dummy_hash());
                Ok(None)
            }
        }
    }

    async fn user_scope_raw(&self, user_id: i64) -> Result<(Vec<String>, Vec<String>)> {
        on_pool!(self, p => {
            let ds: Vec<String> = sqlx::query_scalar("SELECT division_code FROM user_divisions WHERE user_id = $1 ORDER BY division_code")
                .bind(user_id).fetch_all(p).await?;
            let us: Vec<String> = sqlx::query_scalar("SELECT unit_id FROM user_units WHERE user_id = $1 ORDER BY unit_id")
                .bind(user_id).fetch_all(p).await?;
            Ok((ds, us))
        })
    }

    /// The principal a user acts as: role plus resolved scope (a unit user's units include the
    /// units below them).
    pub async fn principal(&self, user: &User) -> Result<Principal> {
        let role: Role = user.role.parse()?;
        let (ds, us) = self.user_scope_raw(user.id).await?;
        let scope = if role.is_unit_scoped() {
            Scope::Units(self.unit_descendants(us).await?)
        } else {
            Scope::Divisions(
                ds.iter()
                    .map(|d| DivisionCode::parse(d))
                    .collect::<std::result::Result<_, _>>()?,
            )
        };
        Ok(Principal {
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role,
            scope,
        })
    }

    async fn unit_descendants(&self, roots: Vec<String>) -> Result<Vec<String>> {
        let mut all: std::collections::BTreeSet<String> = roots.iter().cloned().collect();
        let mut frontier = roots;
        // Bounded by the depth of the unit tree; cycles in imported data cannot loop forever.
        while !frontier.is_empty() {
            let ph: Vec<String> = (1..=frontier.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT unit_id FROM units WHERE parent_unit_id IN ({}) ORDER BY unit_id",
                ph.join(",")
            );
            let children: Vec<String> = on_pool!(self, p => {
                let mut q = sqlx::query_scalar(&sql);
                for f in &frontier { q = q.bind(f); }
                q.fetch_all(p).await
            })?;
            frontier = children
                .into_iter()
                .filter(|c| all.insert(c.clone()))
                .collect();
        }
        Ok(all.into_iter().collect())
    }

    // ---- sessions -----------------------------------------------------------------------

    /// Starts a browser session; returns (cookie secret, CSRF token). Only the hash is kept.
    pub async fn create_session(
        &self,
        user_id: i64,
        now: i64,
        ttl_secs: i64,
    ) -> Result<(String, String)> {
        let secret = random_secret();
        let csrf = random_secret();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(secret_hash(&secret)).bind(user_id).bind(&csrf).bind(now).bind(now + ttl_secs)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok((secret, csrf))
    }

    /// The principal and CSRF token of a live session of an enabled user.
    pub async fn session_principal(
        &self,
        secret: &str,
        now: i64,
    ) -> Result<Option<(Principal, String)>> {
        Ok(self
            .session_until(secret, now)
            .await?
            .map(|(p, csrf, _)| (p, csrf)))
    }

    /// [`Store::session_principal`] with the session's expiry (Unix seconds), for callers that
    /// keep the answer for a moment (the web server's session cache).
    pub async fn session_until(
        &self,
        secret: &str,
        now: i64,
    ) -> Result<Option<(Principal, String, i64)>> {
        let sql = format!(
            "SELECT {}, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
            USER_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(secret_hash(secret)).bind(now).fetch_optional(p).await)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((self.principal(&r.user).await?, r.csrf, r.expires_at))),
        }
    }

    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(secret_hash(secret)).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64> {
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }

    // ---- API tokens ---------------------------------------------------------------------

    /// Creates an API token for a user, as a ledger entry (which records the token's hash, never
    /// the secret). The secret is returned once and stored only hashed.
    pub async fn create_token(
        &self,
        ledger: &Ledger,
        username: &str,
        name: &str,
        now: i64,
    ) -> Result<(i64, String)> {
        if self.find_user(username).await?.is_none() {
            return Err(StoreError::NotFound(format!("用户 / user {username}")));
        }
        let secret = format!("qlt_{}", random_secret());
        let prefix: String = secret.chars().take(10).collect();
        let hash = secret_hash(&secret);
        let change = vec![
            Stmt::new(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) SELECT id, $2, $3, $4, $5 FROM users WHERE username = $1",
                vec![t(username), t(name), t(&hash), t(&prefix), Bind::Int(now)],
            )
            .expecting(1),
        ];
        let entry = serde_json::json!({"kind": "token_created", "username": username, "name": name, "token_sha256": hash, "ts": ts(now)});
        ledger
            .append(
                Unit::new("token_created", entry)
                    .about("user", username)
                    .with_change(change),
            )
            .await?;
        let id: i64 = on_pool!(self, p => sqlx::query_scalar("SELECT id FROM api_tokens WHERE token_hash = $1").bind(&hash).fetch_one(p).await)?;
        Ok((id, secret))
    }

    /// Revokes a token, as a ledger entry.
    pub async fn revoke_token(&self, ledger: &Ledger, id: i64, now: i64) -> Result<()> {
        let live: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.revoked_at IS NULL")
            .bind(id).fetch_optional(p).await)?;
        let Some(username) = live else {
            return Err(StoreError::NotFound(format!("令牌 / token {id}")));
        };
        let change = vec![
            Stmt::new(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                vec![Bind::Int(now), Bind::Int(id)],
            )
            .expecting(1),
        ];
        let entry = serde_json::json!({"kind": "token_revoked", "username": username, "token_id": id, "ts": ts(now)});
        ledger
            .append(
                Unit::new("token_revoked", entry)
                    .about("user", &username)
                    .with_change(change),
            )
            .await?;
        Ok(())
    }

    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, u.username, t.name, t.prefix, t.created_at, t.revoked_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id")
            .fetch_all(p).await)?)
    }

    /// The principal behind a bearer token: same scope as its user, nothing more.
    pub async fn token_principal(&self, secret: &str, now: i64) -> Result<Option<Principal>> {
        let sql = format!(
            "SELECT t.id AS token_id, {} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled",
            USER_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<TokenRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(secret_hash(secret)).fetch_optional(p).await)?;
        let Some(TokenRow { token_id, user }) = row else {
            return Ok(None);
        };
        on_pool!(self, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(token_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(Some(self.principal(&user).await?))
    }
}
