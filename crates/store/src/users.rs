//! Users, their jurisdictions, browser sessions and API tokens.

use crate::auth::{dummy_hash, hash_password, random_secret, secret_hash, verify_password};
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
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_id: i64,
    #[sqlx(flatten)]
    user: User,
}

const USER_COLS: &str = "id, username, display_name, password_hash, role, disabled, created_at";

fn bad(code: &'static str, zh: String, en: String) -> StoreError {
    StoreError::Invalid(Msg::new(code, zh, en))
}

impl Store {
    /// Creates a user with its jurisdiction. A unit user needs units; every other role needs
    /// divisions, so nobody is created with an empty (or unlimited) view by accident.
    pub async fn create_user(&self, u: &NewUser, now: i64) -> Result<User> {
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
        let sql = format!(
            "INSERT INTO users (username, display_name, password_hash, role, disabled, created_at) VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING {USER_COLS}"
        );
        let user = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let user: User = sqlx::query_as(&sql)
                .bind(name).bind(&u.display_name).bind(&hash).bind(u.role.as_str()).bind(now)
                .fetch_one(&mut *tx).await?;
            for d in &u.divisions {
                sqlx::query("INSERT INTO user_divisions (user_id, division_code) VALUES ($1, $2)")
                    .bind(user.id).bind(d.as_str()).execute(&mut *tx).await?;
            }
            for unit in &u.units {
                sqlx::query("INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2)")
                    .bind(user.id).bind(unit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            user
        });
        Ok(user)
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

    pub async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<()> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let r = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                .bind(disabled).bind(username).execute(&mut *tx).await?.rows_affected();
            if disabled {
                // A disabled user's sessions end at once; its tokens stop working through the join.
                sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)")
                    .bind(username).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            r
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("用户 / user {username}")));
        }
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
        let sql = format!(
            "SELECT {}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
            USER_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(secret_hash(secret)).bind(now).fetch_optional(p).await)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((self.principal(&r.user).await?, r.csrf))),
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

    /// Creates an API token for a user. The secret is returned once and stored only hashed.
    pub async fn create_token(
        &self,
        username: &str,
        name: &str,
        now: i64,
    ) -> Result<(i64, String)> {
        let user = self
            .find_user(username)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("用户 / user {username}")))?;
        let secret = format!("qlt_{}", random_secret());
        let prefix: String = secret.chars().take(10).collect();
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user.id).bind(name).bind(secret_hash(&secret)).bind(&prefix).bind(now)
            .fetch_one(p).await)?;
        Ok((id, secret))
    }

    pub async fn revoke_token(&self, id: i64, now: i64) -> Result<()> {
        let n = on_pool!(self, p => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("令牌 / token {id}")));
        }
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
