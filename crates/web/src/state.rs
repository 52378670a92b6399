//! Shared state of one router: the store, configuration, clock and per-process counters.

use crate::auth::Throttle;
use crate::metrics::Metrics;
use crate::{Clock, Services, WebConfig};
use qinglian_store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub cfg: Arc<WebConfig>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<Throttle>,
    /// Citizen reports filed per client address.
    pub report_throttle: Arc<Throttle>,
    /// The ledger writer and catalogue; `None` on a read-only server.
    pub services: Option<Services>,
    /// The OpenAPI document, rendered once.
    pub openapi: Arc<String>,
    /// The import and screening pages' state (last import per user, the screening run).
    pub desk: Arc<crate::analysis::Desk>,
    /// Rendered cockpit pages and API answers for the current ledger size and minute.
    pub pages: Arc<crate::page_cache::PageCache>,
    /// Signed-in sessions, kept for a moment (see `crate::sessions`).
    pub sessions: Arc<crate::sessions::SessionCache>,
}

impl AppState {
    pub fn new(store: Store, cfg: WebConfig, clock: Clock, services: Option<Services>) -> Self {
        let throttle = Throttle::new(cfg.login_max_failures, cfg.login_window_secs);
        let report_throttle = Throttle::new(cfg.report_max_per_window, cfg.report_window_secs);
        AppState {
            store,
            cfg: Arc::new(cfg),
            clock,
            metrics: Arc::new(Metrics::new()),
            throttle: Arc::new(throttle),
            report_throttle: Arc::new(report_throttle),
            services,
            openapi: Arc::new(crate::openapi::document()),
            desk: Arc::default(),
            pages: Arc::default(),
            sessions: Arc::default(),
        }
    }

    /// The (ledger size, minute) that cached pages and answers are valid for.
    pub async fn cache_epoch(&self) -> Result<(i64, i64), crate::error::ApiError> {
        let now = (self.clock)();
        Ok((self.store.generation().await?, now - now.rem_euclid(60)))
    }

    /// Cookies get `Secure` and responses get HSTS only when served over https.
    pub fn https(&self) -> bool {
        self.cfg
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
