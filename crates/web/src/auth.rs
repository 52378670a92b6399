//! Who is calling: session cookies, bearer tokens, CSRF checks and login throttling.
//!
//! The `/api/v1` tree is guarded by one middleware, [`require_api_auth`], with an explicit
//! allow-list; handlers below it take an [`Auth`] and never check credentials themselves.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qinglian_store::Principal;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "ql_session";
/// Pre-session cookie for the login form's double-submit CSRF token.
pub const LOGIN_CSRF_COOKIE: &str = "ql_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether a path lies in the API tree, matched by a route or not.
fn in_api_tree(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// Paths under `/api/v1` that answer without credentials. Everything else needs them,
/// including paths that do not exist (so the route table does not leak either).
fn is_public_api_path(path: &str) -> bool {
    path == "/api/v1/openapi.json" || path.starts_with("/api/v1/public/")
}

/// How a request was authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// Browser session; carries the session's CSRF token.
    Session {
        csrf: String,
    },
    Token,
}

/// The authenticated caller, put into request extensions by [`require_api_auth`].
#[derive(Clone, Debug)]
pub struct Auth {
    pub principal: Principal,
    pub via: Via,
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Absent only if a route escaped the middleware: fail closed.
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The value of cookie `name` across all `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value. Session and CSRF cookies are always HttpOnly and SameSite=Lax.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub fn clear_cookie(name: &str, path: &str, secure: bool) -> String {
    set_cookie(name, "", path, Some(0), secure)
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// 32 random bytes, URL-safe base64 (login-form CSRF tokens).
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A redirect target after login: only local absolute paths of plain ASCII, never `//host`
/// or `/\host`, which browsers treat as other origins.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The peer address as seen by this process. Behind a reverse proxy every request shares the
/// proxy's address; `X-Forwarded-For` is deliberately not trusted (it is client-controlled).
pub fn client_ip(peer: Option<&ConnectInfo<SocketAddr>>) -> String {
    peer.map_or_else(|| "unknown".to_owned(), |ci| ci.0.ip().to_string())
}

/// The signed-in browser user, if any: (principal, session secret, CSRF token).
pub async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Principal, String, String)>, ApiError> {
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let found = state
        .sessions
        .lookup(&state.store, secret, (state.clock)())
        .await?;
    Ok(found.map(|(p, csrf)| (p, secret.to_owned(), csrf)))
}

/// The one authentication layer over `/api/v1`: bearer token or session cookie, CSRF for
/// session-authenticated state changes, 401 JSON for everything else outside the allow-list.
///
/// It wraps the whole application and selects the tree by path rather than sitting on the
/// nested router, so that every path under the prefix (`/api/v1`, `/api/v1/`, unknown ones
/// that only the fallback sees) passes through it; no route can be added around it.
pub async fn require_api_auth(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !in_api_tree(path) || is_public_api_path(path) {
        return next.run(req).await;
    }
    let auth = match authenticate(&state, req.headers()).await {
        Ok(Some(a)) => a,
        Ok(None) => return ApiError::unauthenticated().into_response(),
        Err(e) => return e.into_response(),
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if let Via::Session { csrf, .. } = &auth.via {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !safe && !ct_eq(sent, csrf) {
            return ApiError::csrf().into_response();
        }
    }
    req.extensions_mut().insert(auth);
    next.run(req).await
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Auth>, ApiError> {
    // An Authorization header, when present, is the only credential considered: a bad token
    // never falls back to a cookie that happens to ride along.
    if let Some(h) = headers.get(header::AUTHORIZATION) {
        let token = h
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token.filter(|t| t.starts_with("qlt_")) else {
            return Ok(None);
        };
        let p = state.store.token_principal(token, (state.clock)()).await?;
        return Ok(p.map(|principal| Auth {
            principal,
            via: Via::Token,
        }));
    }
    Ok(session(state, headers)
        .await?
        .map(|(principal, _, csrf)| Auth {
            principal,
            via: Via::Session { csrf },
        }))
}

/// Failed sign-ins per key (username or client IP) inside a sliding window.
///
/// In memory and per process: counts reset on restart and are not shared between replicas,
/// so a deployment with several instances multiplies the allowance by their number.
pub struct Throttle {
    max: u32,
    window: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// Above this many tracked keys, stale ones are swept on the next failure (bounded memory).
const SWEEP_AT: usize = 10_000;

impl Throttle {
    /// `max == 0` disables throttling.
    pub fn new(max: u32, window: i64) -> Self {
        Throttle {
            max,
            window: window.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    pub fn user_key(username: &str) -> String {
        format!("user:{}", username.trim().to_lowercase())
    }

    pub fn ip_key(ip: &str) -> String {
        format!("ip:{ip}")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<i64>>> {
        // A panic while holding the lock leaves only counters behind; keep using them.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Seconds until another attempt is allowed, if any key is locked.
    pub fn retry_after(&self, keys: &[String], now: i64) -> Option<i64> {
        if self.max == 0 {
            return None;
        }
        let mut map = self.lock();
        let max = self.max as usize;
        keys.iter()
            .filter_map(|k| {
                let q = map.get_mut(k)?;
                while q.front().is_some_and(|t| *t <= now - self.window) {
                    q.pop_front();
                }
                // Locked until the oldest failure that keeps the count at `max` leaves the window.
                (q.len() >= max).then(|| (q[q.len() - max] + self.window - now).max(1))
            })
            .max()
    }

    pub fn fail(&self, keys: &[String], now: i64) {
        if self.max == 0 {
            return;
        }
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            map.retain(|_, q| q.back().is_some_and(|t| *t > now - self.window));
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            q.push_back(now);
            // Only the newest `max` failures matter for the decision.
            while q.len() > self.max as usize {
                q.pop_front();
            }
        }
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_cookies_from_all_headers() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; ql_lang=en"));
        h.append(header::COOKIE, HeaderValue::from_static("ql_session=abc"));
        assert_eq!(cookie(&h, "ql_session"), Some("abc"));
        assert_eq!(cookie(&h, "ql_lang"), Some("en"));
        assert_eq!(cookie(&h, "ql"), None);
    }

    #[test]
    fn cookie_flags() {
        let c = set_cookie(SESSION_COOKIE, "s", "/", Some(60), true);
        assert_eq!(
            c,
            "ql_session=s; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!set_cookie(SESSION_COOKIE, "s", "/", None, false).contains("Secure"));
    }

    #[test]
    fn next_must_stay_local() {
        assert_eq!(safe_next(Some("/api/v1/me")), "/api/v1/me");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "/a\r\nb",
            "/a b",
            "/单位",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
        assert!(!ct_eq("", "x"));
    }

    #[test]
    fn api_tree_by_prefix() {
        for p in ["/api/v1", "/api/v1/", "/api/v1/me", "/api/v1/x/y"] {
            assert!(in_api_tree(p), "{p}");
        }
        for p in ["/api/v10", "/api/v1x", "/api", "/", "/login"] {
            assert!(!in_api_tree(p), "{p}");
        }
    }

    #[test]
    fn public_api_allow_list() {
        assert!(is_public_api_path("/api/v1/openapi.json"));
        assert!(is_public_api_path("/api/v1/public/x"));
        assert!(!is_public_api_path("/api/v1/publicx"));
        assert!(!is_public_api_path("/api/v1/openapi.json/x"));
        assert!(!is_public_api_path("/api/v1/me"));
    }

    #[test]
    fn throttle_locks_after_max_failures_and_releases_with_the_window() {
        let t = Throttle::new(3, 900);
        let keys = [Throttle::user_key(" Alice "), Throttle::ip_key("10.0.0.1")];
        assert_eq!(keys[0], "user:alice");
        t.fail(&keys, 1000);
        t.fail(&keys, 1100);
        assert_eq!(t.retry_after(&keys, 1100), None);
        t.fail(&keys, 1200);
        // Third failure at 1000 + 200: the first leaves the window at 1900.
        assert_eq!(t.retry_after(&keys, 1200), Some(700));
        assert_eq!(
            t.retry_after(&[Throttle::ip_key("10.0.0.1")], 1899),
            Some(1)
        );
        assert_eq!(t.retry_after(&keys, 1900), None);
        // Success clears the username but not the address.
        t.fail(&keys, 2000);
        t.clear(&keys[0]);
        assert_eq!(t.retry_after(&keys[..1], 2000), None);
        assert!(t.retry_after(&keys[1..], 2000).is_none());
        t.fail(&keys[1..], 2001);
        t.fail(&keys[1..], 2002);
        assert!(t.retry_after(&keys[1..], 2002).is_some());
        assert_eq!(t.retry_after(&[Throttle::user_key("bob")], 2002), None);
    }

    #[test]
    fn zero_disables_throttling() {
        let t = Throttle::new(0, 900);
        let k = [Throttle::user_key("a")];
        for i in 0..100 {
            t.fail(&k, i);
        }
        assert_eq!(t.retry_after(&k, 100), None);
    }
}
