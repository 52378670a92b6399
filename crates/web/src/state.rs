//! Shared state of one router: the store, configuration, clock and per-process counters.

use crate::auth::Throttle;
use crate::metrics::Metrics;
use crate::{Clock, WebConfig};
use qinglian_store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub cfg: Arc<WebConfig>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<Throttle>,
    /// The OpenAPI document, rendered once.
    pub openapi: Arc<String>,
}

impl AppState {
    pub fn new(store: Store, cfg: WebConfig, clock: Clock) -> Self {
        let throttle = Throttle::new(cfg.login_max_failures, cfg.login_window_secs);
        AppState {
            store,
            cfg: Arc::new(cfg),
            clock,
            metrics: Arc::new(Metrics::new()),
            throttle: Arc::new(throttle),
            openapi: Arc::new(crate::openapi::document()),
        }
    }

    /// Cookies get `Secure` and responses get HSTS only when served over https.
    pub fn https(&self) -> bool {
        self.cfg
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
