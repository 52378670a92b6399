//! `/screening` (风险排查): start a screening run of a domain, one indicator or the whole
//! catalogue, as `qinglian screen` does, and see it progress; then the recent runs (every
//! screening entry of the ledger, from the command line, the jobs and this page) with their
//! hit counts. One run at a time, off the request threads.

use super::forms::{Caller, HasCsrf, Need, caller, done, msg_ctx, posted, unavailable};
use crate::analysis::{Progress, RunState, ScreenRequest};
use crate::error::ApiError;
use crate::export::{Cell, Table, wants_xlsx, xlsx_response};
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use qinglian_core::Msg;
use serde::Deserialize;
use std::sync::Arc;

const PATH: &str = "/screening";
/// Runs listed on the page.
const RECENT: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScreeningQuery {
    pub lang: Option<String>,
    pub format: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScreeningForm {
    pub csrf: String,
    /// `all`, `domain:<name>` or `indicator:<id>`.
    pub target: String,
    /// `YYYY-MM-DD`, empty for today.
    pub as_of: String,
}

impl HasCsrf for ScreeningForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Unix seconds as Beijing time, as the pages show times.
pub(super) fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The screening entries of the ledger, newest first, as a table.
async fn recent_runs(state: &AppState) -> Result<Table, ApiError> {
    let mut t = Table::new(
        "runs",
        "最近的排查",
        "Recent runs",
        &[
            ("账本序号", "Ledger entry"),
            ("时间", "Time (UTC)"),
            ("基准日", "As of"),
            ("发起", "Started by"),
            ("指标数", "Indicators"),
            ("有命中的指标", "Indicators with hits"),
            ("命中", "Hits"),
        ],
    );
    for e in state.store.ledger_recent("screen", RECENT).await? {
        let v: serde_json::Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let inds = v["indicators"].as_array().cloned().unwrap_or_default();
        let with_hits: Vec<String> = inds
            .iter()
            .filter(|i| i["hits"].as_u64().unwrap_or(0) > 0)
            .map(|i| format!("{} ({})", i["id"].as_str().unwrap_or(""), i["hits"]))
            .collect();
        let by = match v["trigger"].as_str() {
            Some(tr) => format!("{} · {tr}", s("actor")),
            None => s("actor"),
        };
        t.row(vec![
            Cell::int(e.index as i64),
            Cell::text(s("ts").replace('T', " ").trim_end_matches('Z')),
            Cell::text(s("as_of")),
            Cell::text(by),
            Cell::int(inds.len() as i64),
            Cell::text(with_hits.join("、")),
            Cell::int(v["hits"].as_i64().unwrap_or(0)),
        ]);
    }
    t.empty_zh = "还没有排查记录".into();
    t.empty_en = "no screening runs yet".into();
    Ok(t)
}

/// `GET /screening`: the form, the run in progress or the last one, and the recent runs.
pub async fn screening_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ScreeningQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let c = match caller(&state, &headers, q.lang.as_deref(), PATH, Need::Import).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let runs = match recent_runs(&state).await {
        Ok(t) => t,
        Err(e) => return c.error(&e),
    };
    if wants_xlsx(q.format.as_deref()) {
        return xlsx_response("screening-runs", &[&runs]);
    }
    render(&state, &c, StatusCode::OK, runs, q.done.as_deref(), None)
}

fn render(
    state: &AppState,
    c: &Caller,
    status: StatusCode,
    runs: Table,
    done: Option<&str>,
    refusal: Option<&Msg>,
) -> Response {
    let analysis = state.services.as_ref().and_then(|s| s.analysis.clone());
    let (domains, indicators) = match &analysis {
        Some(a) => {
            let d = a.domains();
            let ids: Vec<String> = d.iter().flat_map(|(_, ids)| ids.clone()).collect();
            (d.into_iter().map(|(d, _)| d).collect(), ids)
        }
        None => (Vec::new(), Vec::new()),
    };
    let names: std::collections::BTreeMap<&str, (&str, &str)> = state
        .cfg
        .indicators
        .iter()
        .map(|i| (i.id.as_str(), (i.name_zh.as_str(), i.name_en.as_str())))
        .collect();
    let indicators: Vec<_> = indicators
        .iter()
        .map(|id| {
            let (zh, en) = names.get(id.as_str()).copied().unwrap_or(("", ""));
            context! { id => id, name_zh => zh, name_en => en }
        })
        .collect();
    let board = state.desk.screening().clone();
    let last = board.last.as_ref().map(|(run, result)| match result {
        Ok(s) => context! { run => run, summary => s, finished => run.finished_at.map(fmt_time) },
        Err(m) => {
            context! { run => run, failed => msg_ctx(m), finished => run.finished_at.map(fmt_time) }
        }
    });
    c.page(
        status,
        "screening.html",
        PATH,
        context! {
            available => analysis.is_some(),
            domains => domains,
            indicators => indicators,
            running => board.running.as_ref().map(|r| context! { run => r, started => fmt_time(r.started_at) }),
            last => last,
            done => done == Some("started"),
            refusal => refusal.map(msg_ctx),
            page => context! { tables => vec![runs] },
            export_href => "/screening?format=xlsx",
        },
    )
}

/// `POST /screening`: starts a run unless one is in progress, then back to the page.
pub async fn screening_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ScreeningForm>, FormRejection>,
) -> Response {
    let (c, f) = match posted(&state, &headers, form, PATH, Need::Import).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Some(analysis) = state.services.as_ref().and_then(|s| s.analysis.clone()) else {
        return c.error(&unavailable());
    };
    let (domain, indicator) = match f.target.split_once(':') {
        Some(("domain", d)) if !d.is_empty() => (Some(d.to_owned()), None),
        Some(("indicator", i)) if !i.is_empty() => (None, Some(i.to_owned())),
        _ if f.target == "all" => (None, None),
        _ => {
            let m = Msg::new(
                "SCREEN_NO_TARGET",
                "请选择要排查的领域或指标",
                "choose a domain or an indicator to screen",
            );
            return refuse(&state, &c, StatusCode::BAD_REQUEST, &m).await;
        }
    };
    let as_of = Some(f.as_of.trim().to_owned()).filter(|s| !s.is_empty());
    let run = RunState {
        by: c.p.username.clone(),
        selection: f.target.clone(),
        as_of: as_of.clone(),
        started_at: (state.clock)(),
        finished_at: None,
        done: 0,
        total: 0,
        current: String::new(),
    };
    // Claimed under the lock, so two starts cannot both pass the check.
    let busy = {
        let mut board = state.desk.screening();
        let busy = board.running.is_some();
        if !busy {
            board.running = Some(run);
        }
        busy
    };
    if busy {
        let m = Msg::new(
            "SCREEN_BUSY",
            "已有一次排查正在运行，请等它结束后再启动",
            "a screening run is in progress; start another when it has finished",
        );
        return refuse(&state, &c, StatusCode::CONFLICT, &m).await;
    }
    let req = ScreenRequest {
        domain,
        indicator,
        as_of,
        actor: format!("web:{}", c.p.username),
    };
    let desk = state.desk.clone();
    let progress: Progress = {
        let desk = desk.clone();
        Arc::new(move |done, total, id: &str| {
            if let Some(r) = desk.screening().running.as_mut() {
                (r.done, r.total, r.current) = (done, total, id.to_owned());
            }
        })
    };
    let clock = state.clock.clone();
    // DataFusion's work is CPU-bound: the run is driven on a blocking thread so the runtime's
    // workers keep answering pages. The page polls the board.
    let handle = tokio::runtime::Handle::current();
    let job = tokio::task::spawn_blocking(move || handle.block_on(analysis.screen(req, progress)));
    tokio::spawn(async move {
        let result = match job.await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "screening run failed");
                Err(Msg::new(
                    "SCREEN_FAILED",
                    format!("排查失败：{e}"),
                    format!("screening failed: {e}"),
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "screening task failed");
                Err(Msg::new(
                    "SCREEN_FAILED",
                    "排查意外中止，详见服务器日志",
                    "the screening run stopped unexpectedly; see the server log",
                ))
            }
        };
        let mut board = desk.screening();
        if let Some(mut run) = board.running.take() {
            run.finished_at = Some(clock());
            board.last = Some((run, result));
        }
    });
    done(PATH, "started")
}

async fn refuse(state: &AppState, c: &Caller, status: StatusCode, m: &Msg) -> Response {
    match recent_runs(state).await {
        Ok(runs) => render(state, c, status, runs, None, Some(m)),
        Err(e) => c.error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_beijing() {
        assert_eq!(fmt_time(0), "1970-01-01 08:00:00");
    }
}
