//! Prometheus metrics: request counts and latency by route template, login outcomes.
//!
//! Each router owns its own recorder (never a global one), so several servers in one process
//! (tests, embedding) keep separate counts. Labels are method, route template (axum's
//! `MatchedPath`, never the raw path) and status, so `/metrics` holds no personal data and
//! its cardinality is bounded by the route table.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::time::Instant;

const REQUESTS: &str = "qinglian_http_requests_total";
const DURATION: &str = "qinglian_http_request_duration_seconds";
const LOGINS: &str = "qinglian_logins_total";

/// Route label for requests no route matched; keeps scanners from inflating cardinality.
const UNMATCHED: &str = "(unmatched)";

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    Failure,
    Throttled,
}

impl LoginOutcome {
    fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::Failure => "failure",
            LoginOutcome::Throttled => "throttled",
        }
    }
}

impl Metrics {
    pub fn new() -> Self {
        let buckets = [
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &buckets)
            .expect("bucket list is non-empty")
            .build_recorder();
        let handle = recorder.handle();
        let m = Metrics { recorder, handle };
        m.with(|| {
            metrics::describe_counter!(
                REQUESTS,
                "HTTP requests by method, route template and status"
            );
            metrics::describe_histogram!(
                DURATION,
                metrics::Unit::Seconds,
                "HTTP request latency by method and route template"
            );
            metrics::describe_counter!(
                LOGINS,
                "Sign-in attempts by outcome (success, failure, throttled)"
            );
            // Start every outcome at zero so rate() works from the first scrape.
            for o in [
                LoginOutcome::Success,
                LoginOutcome::Failure,
                LoginOutcome::Throttled,
            ] {
                metrics::counter!(LOGINS, "outcome" => o.as_str()).absolute(0);
            }
        });
        m
    }

    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, f)
    }

    pub fn login(&self, outcome: LoginOutcome) {
        self.with(|| metrics::counter!(LOGINS, "outcome" => outcome.as_str()).increment(1));
    }

    fn request(&self, method: String, route: String, status: u16, secs: f64) {
        self.with(|| {
            metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
                .increment(1);
            metrics::histogram!(DURATION, "method" => method, "route" => route).record(secs);
        });
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: counts and times every request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let res = next.run(req).await;
    state.metrics.request(
        method,
        route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`: Prometheus text format. Not behind login (operators scrape it); it holds
/// only counters by route template, status and login outcome, no personal data.
pub async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_recorders_keep_separate_counts() {
        let a = Metrics::new();
        let b = Metrics::new();
        a.request("GET".into(), "/healthz".into(), 200, 0.002);
        a.login(LoginOutcome::Failure);
        let ra = a.render();
        assert!(
            ra.contains(
                r#"qinglian_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
            ),
            "{ra}"
        );
        assert!(
            ra.contains(r#"qinglian_logins_total{outcome="failure"} 1"#),
            "{ra}"
        );
        assert!(
            ra.contains("qinglian_http_request_duration_seconds_bucket"),
            "{ra}"
        );
        let rb = b.render();
        assert!(!rb.contains("qinglian_http_requests_total{"), "{rb}");
        assert!(
            rb.contains(r#"qinglian_logins_total{outcome="success"} 0"#),
            "{rb}"
        );
    }
}
