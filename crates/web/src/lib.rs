//! The Qinglian (清廉) web server: sign-in, sessions and API tokens, the scoped read-only
//! registry API, the workflow API (hits, clues, rectifications, letters, citizen reports,
//! outcomes), the public citizen-report pages, the landing page, health, metrics and the
//! OpenAPI document.
//!
//! | route | access |
//! |---|---|
//! | `GET /healthz`, `GET /metrics`, `GET /assets/app.css` | public (no personal data) |
//! | `GET /login`, `POST /login`, `POST /logout` | public forms, CSRF-checked |
//! | `GET /` | session (else 303 to `/login`): who you are and the cockpit's overview; `?format=xlsx` its tables |
//! | `GET /indicators`, `/indicators/{id}` | session: the catalogue and a rule card with its hits |
//! | `GET /divisions/{code}`, `/units/{id}`, `/hits/{id}`, `/clues/{id}` | session; outside the jurisdiction 404 like a missing object; `?format=xlsx` the page's tables |
//! | `GET /clues/{id}/steps/{step}/proof` | session, as the clue: the step's ledger receipt (as `qinglian ledger receipt`) |
//! | `GET /work`, `/inbox`, `/my-unit`; `POST` the action forms (`/clues/{id}/move`, `/clues/{id}/items[/{seq}/verify]`, `/hits/{id}/decide`, `/hits/{id}/clue`, `/inbox/{id}/read`, `/my-unit/items/{clue}/{seq}/report` (multipart, up to `evidence_body_limit`), `/my-unit/letters/{id}/ack`) | session and CSRF; the store decides role and state (refusals come back as a message on the page), outside the jurisdiction 404 |
//! | `GET /import`, `POST` (multipart), `GET /screening`, `POST` | session, administrators and analysts (else 403 page): import a file, start a screening run |
//! | `GET /admin/users`, `/admin/tokens`, `/admin/parameters` and their `POST` forms | session, administrators (else 403 page); changes only inside the administrator's jurisdiction |
//! | `GET /public/lottery/{id}`, `POST` (receipt check), `GET …/files/{name}` | public: a lottery's published record and files, no personal data |
//! | `GET /public/reports/new`, `POST` (multipart), `GET /public/reports/{code}` | public: the citizen-report form and the status by receipt code (state and dates, no content); rate-limited per address |
//! | `GET /api/v1/openapi.json`, `/api/v1/public/**` | public (`POST /api/v1/public/reports` rate-limited, body up to `report_body_limit`) |
//! | every other `/api/v1/**` | session cookie or `Authorization: Bearer qlt_…` (else 401 JSON) |
//!
//! Jurisdiction is enforced by the store; handlers only pass the caller's principal along.

mod analysis;
mod api;
mod auth;
mod charts;
mod enforcement;
mod error;
mod export;
mod metrics;
mod openapi;
mod ops;
mod page_cache;
mod pages;
mod sessions;
mod state;
mod upload;

pub use analysis::{
    Analysis, BoxFuture, EvidenceTable, ImportOutcome, ImportRequest, ImportedDataset,
    LocalBoxFuture, OverrideChange, OverrideValue, ParamDef, Progress, ScreenRequest,
    ScreenSummary, ScreenedIndicator,
};
pub use enforcement::{Enforcement, SquadCard, WorkloadRequest};
pub use error::ApiError;
pub use pages::{IndicatorCard, IndicatorParam};

use axum::Router;
use axum::extract::DefaultBodyLimit;
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
/// Default limit of a citizen report's body (text plus at most five attachments): 5 MiB.
pub const REPORT_BODY_LIMIT: usize = 5 * 1024 * 1024;
/// Default limit of a rectification report with its evidence files: 20 MiB.
pub const EVIDENCE_BODY_LIMIT: usize = 20 * 1024 * 1024;
/// Default limit of an upload on the import page: 100 MiB.
pub const IMPORT_BODY_LIMIT: usize = 100 * 1024 * 1024;

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
    /// Citizen reports filed per client address within the window (0 disables the limit);
    /// in memory and per process, like login throttling.
    pub report_max_per_window: u32,
    pub report_window_secs: i64,
    /// Largest request body of a citizen report with attachments (the rest of the server
    /// takes at most 64 KiB).
    pub report_body_limit: usize,
    /// Largest rectification report with its evidence files (API and the unit's form).
    pub evidence_body_limit: usize,
    /// Closure cool-down (days) when the API verifies an item on the jobs' last re-check.
    pub cooldown_days: i64,
    /// The indicator catalogue as the cockpit shows it (rule cards); the caller maps the
    /// screening engine's catalogue, which this crate does not link. Empty: no rule cards.
    pub indicators: Vec<IndicatorCard>,
    /// Largest file the import page accepts (the whole multipart body).
    pub import_body_limit: usize,
}

/// What the server needs to change state (the workflow API, citizen reports): the ledger's
/// writer and the indicator catalogue (letters quote it). Without them the server is
/// read-only and state-changing requests answer 503.
#[derive(Clone)]
pub struct Services {
    pub ledger: qinglian_store::ledger::Ledger,
    pub indicators: Arc<Vec<qinglian_store::letters::IndicatorInfo>>,
    /// Import, screening and indicator parameters (the import, screening and parameter
    /// pages); `None`: those pages say the server cannot do it.
    pub analysis: Option<Arc<dyn Analysis>>,
    /// The team board, workload tables and case trajectories (`qinglian-enforce` over the
    /// lake); `None`: the server has no enforcement pages.
    pub enforcement: Option<Arc<dyn Enforcement>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: None,
            session_ttl_secs: 12 * 3600,
            login_max_failures: 5,
            login_window_secs: 15 * 60,
            report_max_per_window: 5,
            report_window_secs: 3600,
            report_body_limit: REPORT_BODY_LIMIT,
            evidence_body_limit: EVIDENCE_BODY_LIMIT,
            cooldown_days: 30,
            indicators: Vec::new(),
            import_body_limit: IMPORT_BODY_LIMIT,
        }
    }
}

/// Current time in unix seconds; injectable so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp())
}

/// The whole application as an axum router, with (or, read-only, without) the services that let
/// it change state. Without connection info: behind `serve`, the client address feeds login
/// throttling; without it all clients share one address bucket.
pub fn router(store: Store, services: Option<Services>, cfg: WebConfig, clock: Clock) -> Router {
    let state = AppState::new(store, cfg, clock, services);
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
        .route(
            "/public/reports/new",
            get(pages::report_form)
                .post(pages::report_submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/public/reports/{code}", get(pages::report_status_page))
        .route("/indicators", get(pages::indicators_page))
        .route("/indicators/{id}", get(pages::indicator_page))
        .route("/procurement", get(pages::procurement_page))
        .route("/enforcement", get(pages::board_page))
        .route("/enforcement/officers/{id}", get(pages::officer_page))
        .route("/enforcement/cases/{id}", get(pages::case_page))
        .route(
            "/enforcement/cases/{id}/steps/{event}/proof",
            get(pages::step_proof),
        )
        .route("/divisions/{code}", get(pages::division_page))
        .route("/units/{id}", get(pages::unit_page))
        .route("/hits/{id}", get(pages::hit_page))
        .route("/clues/{id}", get(pages::clue_page))
        .route("/clues/{id}/steps/{step}/proof", get(pages::clue_proof))
        .route("/clues/{id}/move", post(pages::clue_move))
        .route("/clues/{id}/items", post(pages::clue_item_add))
        .route(
            "/clues/{id}/items/{seq}/verify",
            post(pages::clue_item_verify),
        )
        .route("/hits/{id}/decide", post(pages::hit_decide))
        .route("/hits/{id}/clue", post(pages::hit_open_clue))
        .route("/work", get(pages::work_page))
        .route("/inbox", get(pages::inbox_page))
        .route("/inbox/{id}/read", post(pages::inbox_read))
        .route("/my-unit", get(pages::my_unit_page))
        .route(
            "/my-unit/items/{clue}/{seq}/report",
            post(pages::unit_item_report).layer(DefaultBodyLimit::disable()),
        )
        .route("/my-unit/letters/{id}/ack", post(pages::letter_ack))
        .route(
            "/import",
            get(pages::import_page)
                .post(pages::import_submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/screening",
            get(pages::screening_page).post(pages::screening_submit),
        )
        .route(
            "/admin/users",
            get(pages::admin::users_page).post(pages::admin::user_add),
        )
        .route(
            "/admin/users/{username}/scope",
            post(pages::admin::user_scope),
        )
        .route(
            "/admin/users/{username}/disable",
            post(pages::admin::user_disable),
        )
        .route(
            "/admin/users/{username}/enable",
            post(pages::admin::user_enable),
        )
        .route(
            "/admin/tokens",
            get(pages::admin::tokens_page).post(pages::admin::token_create),
        )
        .route(
            "/admin/tokens/{id}/revoke",
            post(pages::admin::token_revoke),
        )
        .route(
            "/admin/parameters",
            get(pages::admin::params_page).post(pages::admin::params_set),
        )
        .route(
            "/admin/parameters/remove",
            post(pages::admin::params_remove),
        )
        .route("/assets/app.css", get(pages::stylesheet))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(metrics::scrape))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        // Innermost first: each layer wraps those above it, so security headers and metrics
        // also cover 401s from the guard and 413s from the body limit.
        .layer(middleware::from_fn_with_state(state.clone(), body_limit))
        // Records who wrote, so the page cache never shows them a page older than their write.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::note_writes,
        ))
        // Inside the guard: only authenticated answers are kept, per view key.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::api_cache,
        ))
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
/// purged hourly while it runs. `services` let the server change state (the workflow API,
/// citizen reports); without them it is read-only and writes answer 503.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    services: Option<Services>,
    cfg: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let clock = system_clock();
    let app = router(store.clone(), services, cfg, clock.clone());
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

/// Request bodies are limited to 64 KiB, except a citizen report's (form or API), which may
/// carry attachments up to `report_body_limit`. Oversized bodies answer 413.
async fn body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use tower::{ServiceBuilder, ServiceExt};
    let path = req.uri().path();
    let post = req.method() == axum::http::Method::POST;
    let upload = post && (path == "/api/v1/public/reports" || path == "/public/reports/new");
    let limit = if upload {
        state.cfg.report_body_limit
    } else if post && evidence_upload(path) {
        state.cfg.evidence_body_limit
    } else if post && path == "/import" {
        state.cfg.import_body_limit
    } else {
        BODY_LIMIT
    };
    let svc = ServiceBuilder::new()
        .layer(RequestBodyLimitLayer::new(limit))
        // The limit wraps the body; the rest of the stack takes axum's body type.
        .map_request(|r: axum::http::Request<_>| r.map(axum::body::Body::new))
        .service(next);
    match svc.oneshot(req).await {
        Ok(res) => res.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

/// A rectification report with evidence files: `POST /api/v1/rectifications/{clue}/{seq}/report`
/// or the unit's form, `POST /my-unit/items/{clue}/{seq}/report`.
fn evidence_upload(path: &str) -> bool {
    let item_report = |rest: &str| {
        rest.strip_suffix("/report")
            .is_some_and(|r| r.split('/').count() == 2 && !r.contains(".."))
    };
    path.strip_prefix("/api/v1/rectifications/")
        .or_else(|| path.strip_prefix("/my-unit/items/"))
        .is_some_and(item_report)
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
