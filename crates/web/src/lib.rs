//! The Qinglian (清廉) web server: sign-in, sessions and API tokens, the scoped read-only
//! registry API, the landing page, health, metrics and the OpenAPI document.
//!
//! | route | access |
//! |---|---|
//! | `GET /healthz`, `GET /metrics`, `GET /assets/app.css` | public (no personal data) |
//! | `GET /login`, `POST /login`, `POST /logout` | public forms, CSRF-checked |
//! | `GET /` | session (else 303 to `/login`) |
//! | `GET /public/lottery/{id}`, `POST` (receipt check), `GET …/files/{name}` | public: a lottery's published record and files, no personal data |
//! | `GET /api/v1/openapi.json`, `/api/v1/public/**` | public |
//! | every other `/api/v1/**` | session cookie or `Authorization: Bearer qlt_…` (else 401 JSON) |
//!
//! Jurisdiction is enforced by the store; handlers only pass the caller's principal along.

mod api;
mod auth;
mod error;
mod metrics;
mod openapi;
mod ops;
mod pages;
mod state;

pub use error::ApiError;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use qinglian_store::Store;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Request bodies larger than this are refused (413): forms and JSON only, for now.
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL users reach the server at; `https://…` turns on `Secure` cookies and HSTS.
    pub public_url: Option<String>,
    pub session_ttl_secs: i64,
    /// Failed sign-ins allowed per username and per client address within the window
    /// (0 disables throttling). Counted in memory, per process: a restart resets them and
    /// replicas do not share them. Behind a reverse proxy all clients share its address.
    pub login_max_failures: u32,
    pub login_window_secs: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: None,
            session_ttl_secs: 12 * 3600,
            login_max_failures: 5,
            login_window_secs: 15 * 60,
        }
    }
}

/// Current time in unix seconds; injectable so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp())
}

/// The whole application as an axum router (without connection info: behind `serve`, the
/// client address feeds login throttling; without it all clients share one address bucket).
pub fn router(store: Store, cfg: WebConfig, clock: Clock) -> Router {
    let state = AppState::new(store, cfg, clock);
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route(
            "/public/lottery/{id}",
            get(pages::lottery_page).post(pages::lottery_verify),
        )
        .route(
            "/public/lottery/{id}/files/{name}",
            get(pages::lottery_file),
        )
        .route("/assets/app.css", get(pages::stylesheet))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(metrics::scrape))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        // Innermost first: each layer wraps those above it, so security headers and metrics
        // also cover 401s from the guard and 413s from the body limit.
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_auth,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests. Expired sessions are
/// purged hourly while it runs.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    cfg: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let clock = system_clock();
    let app = router(store.clone(), cfg, clock.clone());
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match store.purge_sessions(clock()).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "purged expired sessions"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
            }
        }
    });
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    purge.abort();
    served?;
    Ok(())
}

/// Headers every answer carries. The CSP forbids inline script and framing; pages need none.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // Pages and API answers may hold personal data: keep them out of shared caches.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}

#[cfg(test)]
mod tests;
