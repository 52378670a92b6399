//! `jobs run`, the periodic jobs inside `serve`, `inbox` and `report`.
//!
//! One run of the jobs at `now` (injectable): overdue escalation; the routine screening (常态排查)
//! with every indicator when `screen_every_days` have passed since the last one; and the
//! cool-down re-screens of reported items tied to an indicator, each item at most once a day,
//! every check recorded as a clue step. The screenings are ordinary screening runs (hits and
//! one ledger entry each), marked `routine` or `cooldown`.

use super::clues::{acting, fmt_time, parse_time};
use super::screen::{Run, screen_with};
use super::{Ctx, ensure_store};
use crate::cli::{InboxArgs, InboxCmd, JobsCmd, ReportArgs};
use crate::config::Settings;
use crate::output::{export_xlsx, print_json, table};
use qinglian_core::DivisionCode;
use qinglian_screen::{Catalogue, Limits, Overrides, Status};
use qinglian_store::ledger::Ledger;
use qinglian_store::workflow::machine::PERSON_FORMS;
use qinglian_store::workflow::{ItemCheck, period_bounds, subject_matches};
use qinglian_store::{DataCheck, Escalation, Store, UnitOutcome};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// How often `serve` runs the jobs. Each job is idempotent between its own due times
/// (escalation within `escalation_days`, screening within `screen_every_days`, a re-check
/// within [`RECHECK_SECS`]), so a missed or repeated tick changes nothing.
pub const SCHEDULE: Duration = Duration::from_secs(10 * 60);

/// A reported item is re-screened at most this often while it waits for verification.
pub const RECHECK_SECS: i64 = 86_400;

/// What one run of the jobs did.
#[derive(Debug, Default, Serialize)]
pub struct JobsReport {
    pub now: i64,
    pub escalated: Vec<Escalation>,
    /// The routine screening's summary, when it was due.
    pub screening: Option<Value>,
    /// The cool-down re-screen's summary, when items needed indicators the routine run did not
    /// cover.
    pub rescreen: Option<Value>,
    pub checks: Vec<ItemCheck>,
    /// What could not be done this time (tried again on the next run).
    pub problems: Vec<String>,
}

/// One indicator's re-screen result: version, snapshot hashes of its datasets, and its hits as
/// (id, unit, subject).
struct Rescreened {
    version: String,
    inputs: BTreeMap<String, String>,
    hits: Vec<(String, String, Value)>,
}

fn shanghai_day(t: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .unwrap_or_default()
        .date_naive()
}

fn keep(
    ran: &mut BTreeMap<String, Rescreened>,
    catalogue: &Catalogue,
    r: &super::screen::ScreenReport,
) {
    for o in r.outcomes() {
        if !matches!(o.status, Status::Ran) {
            continue;
        }
        let datasets = catalogue
            .get(&o.indicator_id)
            .map(|i| i.datasets.clone())
            .unwrap_or_default();
        ran.insert(
            o.indicator_id.clone(),
            Rescreened {
                version: o.indicator_version.clone(),
                inputs: r
                    .inputs()
                    .iter()
                    .filter(|(d, _)| datasets.contains(d))
                    .map(|(d, h)| (d.clone(), h.clone()))
                    .collect(),
                hits: o
                    .hits
                    .iter()
                    .map(|h| {
                        let subject = serde_json::to_value(&h.subject).unwrap_or(Value::Null);
                        (h.id.clone(), h.unit_id.clone(), subject)
                    })
                    .collect(),
            },
        );
    }
}

/// Runs every job once at `now`.
pub async fn run_once(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    indicator_dirs: &[PathBuf],
    now: i64,
) -> anyhow::Result<JobsReport> {
    let s = &ctx.settings;
    let mut report = JobsReport {
        now,
        escalated: store
            .escalate_overdue(ledger, now, s.escalation_days)
            .await?,
        ..Default::default()
    };
    let due_items = store.items_due_for_check(now - RECHECK_SECS).await?;
    let routine_due = s.screen_every_days > 0
        && store
            .last_screening("routine")
            .await?
            .is_none_or(|last| last + s.screen_every_days * 86_400 <= now);
    if !routine_due && due_items.is_empty() {
        return Ok(report);
    }
    let catalogue = Catalogue::load(indicator_dirs).map_err(|e| anyhow::anyhow!("{e}"))?;
    let overrides = Overrides::load(&s.data.join(qinglian_screen::overrides::FILE), &catalogue)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let as_of = shanghai_day(now);
    let mut ran: BTreeMap<String, Rescreened> = BTreeMap::new();
    if routine_due {
        let selection = catalogue.select(None, None)?;
        let run = Run {
            selection: &selection,
            overrides: &overrides,
            as_of,
            limits: Limits::default(),
            now,
            trigger: Some("routine"),
            actor: None,
            progress: None,
        };
        let r = screen_with(ctx, store, ledger, &run).await?;
        if r.failed() {
            report.problems.push(
                "常态排查中有指标运行失败 / some indicators failed in the routine screening".into(),
            );
        }
        keep(&mut ran, &catalogue, &r);
        report.screening = Some(r.json());
    }
    let mut needed: Vec<&str> = due_items
        .iter()
        .map(|d| d.indicator_id.as_str())
        .filter(|i| !ran.contains_key(*i))
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let selection: Vec<_> = needed.iter().filter_map(|i| catalogue.get(i)).collect();
    if !selection.is_empty() {
        let run = Run {
            selection: &selection,
            overrides: &overrides,
            as_of,
            limits: Limits::default(),
            now,
            trigger: Some("cooldown"),
            actor: None,
            progress: None,
        };
        let r = screen_with(ctx, store, ledger, &run).await?;
        keep(&mut ran, &catalogue, &r);
        report.rescreen = Some(r.json());
    }
    for d in &due_items {
        let Some(x) = ran.get(&d.indicator_id) else {
            report.problems.push(format!(
                "整改事项 {}/{} 的指标 {} 未能重新排查 / item {}/{}: indicator {} could not be re-screened",
                d.clue_id, d.seq, d.indicator_id, d.clue_id, d.seq, d.indicator_id
            ));
            continue;
        };
        let dc = DataCheck {
            indicator_id: d.indicator_id.clone(),
            indicator_version: x.version.clone(),
            as_of: as_of.to_string(),
            inputs: x.inputs.clone(),
            firing: x
                .hits
                .iter()
                .filter(|(_, unit, subject)| {
                    *unit == d.unit_id && subject_matches(d.subject.as_ref(), subject)
                })
                .map(|(id, _, _)| id.clone())
                .collect(),
        };
        match store
            .record_item_check(ledger, &d.clue_id, d.seq, &dc, s.cooldown_days, now)
            .await
        {
            Ok(c) => report.checks.push(c),
            Err(e) => report.problems.push(format!(
                "整改事项 {}/{} 复查未记录 / item {}/{} check not recorded: {e}",
                d.clue_id, d.seq, d.clue_id, d.seq
            )),
        }
    }
    Ok(report)
}

pub async fn run(ctx: &Ctx, c: JobsCmd) -> anyhow::Result<ExitCode> {
    let JobsCmd::Run(a) = c;
    let now = match &a.now {
        Some(t) => parse_time(t)?,
        None => super::now(),
    };
    let env = ensure_store(&ctx.settings).await?;
    let quiet = Ctx {
        settings: ctx.settings.clone(),
        json: ctx.json,
        quiet: true,
    };
    let r = run_once(
        &quiet,
        &env.store,
        &env.ledger,
        &a.catalogue.indicators,
        now,
    )
    .await;
    env.store.close().await;
    let r = r?;
    if ctx.json {
        print_json(&r);
    } else {
        print_report(&r);
    }
    Ok(if r.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_report(r: &JobsReport) {
    for e in &r.escalated {
        println!(
            "线索 {} 逾期升级：{} → {}，承办人 {}（账本 #{}）/ clue {} escalated {} → {}",
            e.clue_id,
            e.from_division,
            e.to_division,
            e.handler
                .as_deref()
                .unwrap_or("（该级未设督办人 / none at that level）"),
            e.ledger_index,
            e.clue_id,
            e.from_division,
            e.to_division
        );
    }
    for (label, s) in [
        ("常态排查 routine screening", &r.screening),
        ("冷却期复查 cool-down re-screen", &r.rescreen),
    ] {
        if let Some(s) = s {
            println!(
                "{label}：基准日 as of {}，{} 个指标 indicators，{} 条命中 hits（账本 ledger #{}）",
                s["as_of"].as_str().unwrap_or(""),
                s["indicators"].as_array().map_or(0, Vec::len),
                s["total_hits"],
                s["ledger_index"]
            );
        }
    }
    for c in &r.checks {
        let result = if c.passed {
            "通过，可以核查 / passed, ready to verify".to_owned()
        } else if let Some(h) = c.firing.first() {
            format!("仍触发（命中 {h}）/ still fires (hit {h})")
        } else {
            format!(
                "冷却期至 {} / cooling down until {}",
                c.verifiable_from.as_deref().unwrap_or("-"),
                c.verifiable_from.as_deref().unwrap_or("-")
            )
        };
        println!(
            "整改事项 {}/{} 数据复查 data re-check（{}）：{result}（账本 #{}）",
            c.clue_id, c.item, c.indicator_id, c.ledger_index
        );
    }
    for p in &r.problems {
        eprintln!("{p}");
    }
    println!(
        "任务完成（{}）：升级 {} 条线索，复查 {} 项 / jobs done: {} clue(s) escalated, {} item(s) re-checked",
        fmt_time(r.now),
        r.escalated.len(),
        r.checks.len(),
        r.escalated.len(),
        r.checks.len()
    );
}

/// The jobs running beside the server; [`JobsHandle::stop`] ends them (a run in progress is
/// dropped: each of its steps is all-or-nothing through the ledger).
pub struct JobsHandle {
    stop: tokio::sync::watch::Sender<bool>,
    join: tokio::task::JoinHandle<()>,
}

impl JobsHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.join.await;
    }
}

/// Runs the jobs now and then every [`SCHEDULE`] until stopped; a failed run is logged and the
/// next tick tries again. The screening engine's futures are not `Send` (its progress callback
/// is borrowed across awaits), so the loop runs on a blocking thread driven by this runtime.
pub fn spawn_periodic(
    store: Store,
    ledger: Ledger,
    settings: Settings,
    indicator_dirs: Vec<PathBuf>,
) -> JobsHandle {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::runtime::Handle::current();
    let join = tokio::task::spawn_blocking(move || {
        handle.block_on(jobs_loop(store, ledger, settings, indicator_dirs, stopped));
    });
    JobsHandle { stop, join }
}

async fn jobs_loop(
    store: Store,
    ledger: Ledger,
    settings: Settings,
    indicator_dirs: Vec<PathBuf>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let ctx = Ctx {
        settings,
        json: true,
        quiet: true,
    };
    let mut tick = tokio::time::interval(SCHEDULE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tick.tick() => {}
        }
        let result = tokio::select! {
            _ = stopped.changed() => return,
            r = run_once(&ctx, &store, &ledger, &indicator_dirs, super::now()) => r,
        };
        match result {
            Ok(r) => {
                if !r.escalated.is_empty() || r.screening.is_some() || !r.checks.is_empty() {
                    tracing::info!(
                        escalated = r.escalated.len(),
                        screened = r.screening.is_some(),
                        checked = r.checks.len(),
                        "jobs ran"
                    );
                }
                for p in &r.problems {
                    tracing::warn!("jobs: {p}");
                }
            }
            Err(e) => tracing::warn!("jobs failed: {e:#}"),
        }
    }
}

pub async fn inbox(ctx: &Ctx, a: &InboxArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let p = acting(&env.store, &a.who).await?;
    if let Some(InboxCmd::Read { id }) = &a.action {
        let row = env
            .store
            .mark_inbox_read(&env.ledger, &p, id, super::now())
            .await;
        env.store.close().await;
        let row = row?;
        if ctx.json {
            print_json(&row);
        } else {
            println!(
                "通知 {} 已读（{}）/ notification {} read",
                row.id,
                row.read_at.map(fmt_time).unwrap_or_default(),
                row.id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = if a.who.user.is_some() {
        env.store.inbox_for(&p, a.unread).await?
    } else {
        env.store.inbox(a.user.as_deref()).await?
    };
    env.store.close().await;
    rows.retain(|r| {
        (!a.unread || r.read_at.is_none())
            && a.user
                .as_ref()
                .is_none_or(|u| r.username.as_ref() == Some(u))
    });
    if ctx.json {
        print_json(&rows);
    } else {
        let t: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    fmt_time(r.created_at),
                    r.username
                        .clone()
                        .unwrap_or_else(|| format!("({})", r.division_code)),
                    r.clue_id.clone(),
                    r.read_at.map_or_else(
                        || "未读 unread".to_owned(),
                        |t| format!("已读 read {}", fmt_time(t)),
                    ),
                    format!("{} / {}", r.text_zh, r.text_en),
                ]
            })
            .collect();
        table(
            &[
                "编号 id",
                "时间 time",
                "收件人 to",
                "线索 clue",
                "状态 status",
                "内容 text",
            ],
            &t,
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn row(u: &UnitOutcome, label: &str) -> Vec<String> {
    let mut v = vec![
        label.to_owned(),
        u.division_code.clone(),
        u.problems_found.to_string(),
        u.problems_rectified.to_string(),
        rate(u.rectification_rate),
        u.systems_improved.to_string(),
    ];
    v.extend(
        PERSON_FORMS
            .iter()
            .map(|(f, _)| u.persons_handled.get(*f).copied().unwrap_or(0).to_string()),
    );
    v.push(qinglian_core::money::format_yuan(u.money_recovered_fen));
    v
}

pub async fn report(ctx: &Ctx, a: &ReportArgs) -> anyhow::Result<ExitCode> {
    let division = a.division.as_deref().map(DivisionCode::parse).transpose()?;
    let period = a
        .period
        .as_deref()
        .map(|p| period_bounds(p).map(|(s, e)| (p, s, e)))
        .transpose()?;
    let env = ensure_store(&ctx.settings).await?;
    let p = acting(&env.store, &a.who).await?;
    let r = env
        .store
        .outcome_report(&p, division.as_ref(), period)
        .await?;
    env.store.close().await;
    let mut headers = vec![
        "单位",
        "行政区划代码",
        "发现问题",
        "已整改",
        "整改率",
        "完善制度",
    ];
    headers.extend(PERSON_FORMS.iter().map(|(_, zh)| *zh));
    headers.push("退赔金额（元）");
    let mut rows: Vec<Vec<String>> = r.by_unit.iter().map(|u| row(u, &u.unit_id)).collect();
    rows.push(row(&r.total, "合计"));
    if let Some(path) = &a.export {
        export_xlsx(path, "成效统计", &headers, &rows)?;
    }
    if ctx.json {
        print_json(&r);
    } else {
        println!(
            "成效统计 outcomes：期间 period {}，区划 division {}",
            r.period.as_deref().unwrap_or("全部 all"),
            r.division.as_deref().unwrap_or("全部 all")
        );
        // On screen, English beside the Chinese headers the spreadsheet keeps.
        let mut en = vec!["unit", "division", "found", "rectified", "rate", "systems"];
        en.extend(PERSON_FORMS.iter().map(|(f, _)| *f));
        en.push("money (yuan)");
        let shown: Vec<String> = headers
            .iter()
            .zip(&en)
            .map(|(zh, en)| format!("{zh} {en}"))
            .collect();
        let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
        table(&shown, &rows);
        if let Some(p) = &a.export {
            println!("\n已导出 exported {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
