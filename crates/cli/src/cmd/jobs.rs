//! `jobs run`, the periodic jobs inside `serve`, `inbox` and `report`.

use super::clues::{fmt_time, parse_time};
use super::{Ctx, ensure_store};
use crate::cli::{InboxArgs, JobsCmd, ReportArgs};
use crate::output::{export_xlsx, print_json, table};
use qinglian_core::DivisionCode;
use qinglian_store::ledger::Ledger;
use qinglian_store::workflow::machine::PERSON_FORMS;
use qinglian_store::workflow::period_bounds;
use qinglian_store::{Principal, Store, UnitOutcome};
use std::process::ExitCode;
use std::time::Duration;

/// How often `serve` runs the jobs. Escalation is idempotent within `escalation_days`, so a
/// missed or repeated tick changes nothing.
pub const SCHEDULE: Duration = Duration::from_secs(10 * 60);

pub async fn run(ctx: &Ctx, c: JobsCmd) -> anyhow::Result<ExitCode> {
    let JobsCmd::Run(a) = c;
    let now = match &a.now {
        Some(t) => parse_time(t)?,
        None => super::now(),
    };
    let env = ensure_store(&ctx.settings).await?;
    let moved = env
        .store
        .escalate_overdue(&env.ledger, now, ctx.settings.escalation_days)
        .await?;
    env.store.close().await;
    if ctx.json {
        print_json(&serde_json::json!({"now": now, "escalated": moved}));
    } else {
        for e in &moved {
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
        println!(
            "任务完成（{}）：升级 {} 条线索 / jobs done: {} clue(s) escalated",
            fmt_time(now),
            moved.len(),
            moved.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the jobs every [`SCHEDULE`] for as long as the server runs; a failed run is logged and
/// the next tick tries again.
pub fn spawn_periodic(store: Store, ledger: Ledger, escalation_days: i64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SCHEDULE);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store
                .escalate_overdue(&ledger, super::now(), escalation_days)
                .await
            {
                Ok(moved) if !moved.is_empty() => {
                    tracing::info!(escalated = moved.len(), "jobs: overdue clues escalated");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("jobs: escalation failed: {e}"),
            }
        }
    });
}

pub async fn inbox(ctx: &Ctx, a: &InboxArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let rows = env.store.inbox(a.user.as_deref()).await?;
    env.store.close().await;
    if ctx.json {
        print_json(&rows);
    } else {
        let t: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    fmt_time(r.created_at),
                    r.username
                        .clone()
                        .unwrap_or_else(|| format!("({})", r.division_code)),
                    r.clue_id.clone(),
                    format!("{} / {}", r.text_zh, r.text_en),
                ]
            })
            .collect();
        table(&["时间 time", "收件人 to", "线索 clue", "内容 text"], &t);
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
    let r = env
        .store
        .outcome_report(&Principal::operator(), division.as_ref(), period)
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
