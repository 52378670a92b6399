//! `GET /enforcement/officers/{officer_id}?period=…`: the officer's row of the workload table
//! (执法队员工作量化表), the squad's rows beside it for comparison, and the cases the officer
//! handled in the period, each linking to its trajectory.

use super::board::{latest_month, officer_href};
use super::{PeriodQuery, failed, refused, respond};
use crate::enforcement::WorkloadRequest;
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::pages::cockpit::{CockpitQuery, Page, fact, seg, text};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_enforce::{OfficerCase, OfficerCases, Workload, WorkloadRow};

fn opt(v: Option<f64>, digits: usize) -> Cell {
    match v {
        Some(x) => {
            let mut c = Cell::text(format!("{x:.digits$}"));
            c.num = Some(x);
            c
        }
        None => Cell::text("-"),
    }
}

/// A 0–1 share as a percentage cell.
fn share(v: Option<f64>) -> Cell {
    Cell::rate(v)
}

const HEADERS: [(&str, &str); 18] = [
    ("队员", "Officer"),
    ("姓名（脱敏）", "Name (masked)"),
    ("中队", "Squad"),
    ("接警", "Incidents received"),
    ("处警办结", "Incidents closed"),
    ("立案", "Cases opened"),
    ("结案", "Cases closed"),
    ("按期办结率", "On-time rate"),
    ("警情用时中位数（小时）", "Median incident hours"),
    ("案件用时中位数（天）", "Median case days"),
    ("音视频覆盖率", "AV coverage"),
    ("巡查里程（公里）", "Patrol km"),
    ("巡查时长（小时）", "Patrol hours"),
    ("每巡查小时检查数", "Inspections per patrol hour"),
    ("被投诉（成立）", "Complaints (sustained)"),
    ("中队排名", "Rank in squad"),
    ("百分位", "Percentile"),
    ("得分", "Score"),
];

fn workload_table(id: &str, zh: &str, en: &str, rows: &[&WorkloadRow], period: &str) -> Table {
    let mut t = Table::new(id, zh, en, &HEADERS);
    for r in rows {
        t.row(vec![
            Cell::text(r.officer_id.clone()).link(officer_href(&r.officer_id, period)),
            Cell::text(r.name.clone().unwrap_or_else(|| "-".into())),
            Cell::text(r.squad_name.clone().unwrap_or_else(|| r.squad_id.clone())),
            Cell::int(r.incidents_received.into()),
            Cell::int(r.incidents_closed.into()),
            Cell::int(r.cases_registered.into()),
            Cell::int(r.cases_closed.into()),
            share(r.on_time_rate),
            opt(r.median_incident_hours, 1),
            opt(r.median_case_days, 1),
            share(r.evidence_rate),
            opt(Some(r.patrol_km), 1),
            opt(Some(r.patrol_hours), 1),
            opt(r.inspections_per_patrol_hour, 2),
            Cell::text(format!("{}（{}）", r.complaints, r.complaints_sustained)),
            Cell::text(format!("{} / {}", r.squad_rank, r.squad_size)),
            opt(r.percentile, 0),
            opt(Some(r.score), 1),
        ]);
    }
    t.empty_zh = "该周期无记录".into();
    t.empty_en = "no rows for the period".into();
    t
}

fn case_type(code: &str) -> Cell {
    let zh = match code {
        "incident" => "警情事件",
        "admin_penalty" => "行政处罚",
        "public_security" => "治安案件",
        _ => "其他",
    };
    Cell::pair(zh, code)
}

fn procedure(code: &str) -> Cell {
    let zh = match code {
        "none" => "无",
        "summary" => "简易程序",
        "general" => "普通程序",
        _ => "其他",
    };
    Cell::pair(zh, code)
}

fn outcome(code: Option<&str>) -> Cell {
    let Some(code) = code else {
        return Cell::text("-");
    };
    let zh = match code {
        "handled" => "处置完毕",
        "penalty" => "给予处罚",
        "no_penalty" => "不予处罚",
        "not_registered" => "不予立案",
        "withdrawn" => "撤销案件",
        "terminated" => "终止调查",
        "transferred" => "移送",
        _ => "其他",
    };
    Cell::pair(zh, code)
}

/// The furthest step the case reached.
fn stage(c: &OfficerCase) -> Cell {
    if c.closed_at.is_some() {
        Cell::pair("已办结", "closed")
    } else if c.decided_at.is_some() {
        Cell::pair("已决定", "decided")
    } else if c.registered_at.is_some() {
        Cell::pair("已立案", "registered")
    } else {
        Cell::pair("已受理", "received")
    }
}

fn time(t: Option<qinglian_enforce::LocalTime>) -> Cell {
    t.map_or_else(|| Cell::text("-"), |t| Cell::text(t.text()))
}

pub(super) fn case_href(case_id: &str) -> String {
    format!("/enforcement/cases/{}", seg(case_id))
}

const CASE_HEADERS: [(&str, &str); 13] = [
    ("案件编号", "Case"),
    ("类型", "Type"),
    ("程序", "Procedure"),
    ("角色", "Role"),
    ("进度", "Stage"),
    ("受理时间", "Received"),
    ("立案时间", "Registered"),
    ("决定时间", "Decided"),
    ("办结时间", "Closed"),
    ("期限", "Deadline"),
    ("本期按期判定", "On time (judged this period)"),
    ("结果", "Outcome"),
    ("地点", "Place"),
];

fn cases_table(c: &OfficerCases) -> Table {
    let mut t = Table::new("cases", "经办案件", "Cases handled", &CASE_HEADERS);
    for x in &c.cases {
        t.row(vec![
            Cell::text(x.case_id.clone()).link(case_href(&x.case_id)),
            case_type(&x.case_type),
            procedure(&x.procedure),
            if x.lead {
                Cell::pair("主办", "lead")
            } else {
                Cell::pair("协办", "assisting")
            },
            stage(x),
            Cell::text(x.received_at.text()),
            time(x.registered_at),
            time(x.decided_at),
            time(x.closed_at),
            time(x.deadline),
            match x.on_time {
                Some(true) => Cell::pair("按期", "on time"),
                Some(false) => Cell::pair("超期", "late"),
                None => Cell::text("-"),
            },
            outcome(x.outcome.as_deref()),
            Cell::text(x.place.clone().unwrap_or_else(|| "-".into())),
        ]);
    }
    t.truncated = c.truncated;
    t.empty_zh = "该周期无经办案件".into();
    t.empty_en = "no cases in the period".into();
    t
}

fn build(officer_id: &str, mine: &Workload, squad: &Workload, cases: &OfficerCases) -> Page {
    let period = mine.period.label.as_str();
    let r = &mine.rows[0];
    let name = r.name.clone().unwrap_or_else(|| officer_id.to_owned());
    let own = workload_table(
        "officer",
        "执法队员工作量化表",
        "Officer workload",
        &[r],
        period,
    );
    let peers: Vec<&WorkloadRow> = squad.rows.iter().collect();
    let squad_table = workload_table(
        "squad",
        "同中队对比",
        "The squad for comparison",
        &peers,
        period,
    );
    let mut facts = vec![
        fact("队员编号", "Officer id", Cell::text(officer_id)),
        fact("姓名（脱敏）", "Name (masked)", Cell::text(name.clone())),
        fact(
            "中队",
            "Squad",
            Cell::text(r.squad_name.clone().unwrap_or_else(|| r.squad_id.clone()))
                .link(format!("/enforcement?period={}", crate::pages::pct(period))),
        ),
        fact(
            "统计周期",
            "Period",
            Cell::text(format!(
                "{}（{} – {}）",
                mine.period.label, mine.period.first, mine.period.last
            )),
        ),
        fact(
            "排名依据",
            "Ranked by",
            Cell::text(mine.options.rank_by.name_zh()),
        ),
    ];
    if let Some(u) = &r.unit_id {
        facts.push(fact(
            "单位",
            "Unit",
            Cell::text(u.clone()).link(format!("/units/{}", seg(u))),
        ));
    }
    Page {
        kicker_zh: "智慧执法 · 队员".into(),
        kicker_en: "law enforcement · officer".into(),
        title_zh: format!("{name} 的工作量化表"),
        title_en: format!("Workload of {name}"),
        stem: super::stem(&["officer", officer_id, period]),
        facts,
        texts: vec![text(
            "口径",
            "How it is counted",
            &format!(
                "工作记在案件的主办队员名下；按期办结率按法定期限（行政处罚 90 日、治安案件 30 日、警情 24 小时）判定；音视频覆盖率为现场环节有执法记录仪文件覆盖的比例；巡查里程按 GPS 定位点计算（剔除超过 150 公里/小时的跳点）。排名与百分位在全部队员中计算。经办案件：本期内尚在办理的主办案件，以及本期有环节记该队员为办案人或协办人的案件，按受理时间排序，最多列 {cap} 件；“本期按期判定”只在该案的期限判定落在本期时填写（与量化表同一规则）；点击案件编号查看办案轨迹。",
                cap = qinglian_enforce::OFFICER_CASES_CAP
            ),
            &format!(
                "Work is credited to the case's lead officer; on time means within the legal limit (administrative penalty 90 days, public security 30 days, incidents 24 hours); AV coverage is the share of on-site steps covered by a body-camera file; patrol distance comes from GPS fixes (jumps above 150 km/h left out). Ranks and percentiles are computed over every officer. Cases handled: the officer's cases as lead that were open during the period, and cases with a step in the period naming the officer or co-officer, by time received, at most {cap}; 'on time' is filled in only when the case is judged in this period (the workload table's rule); a case id opens its trajectory.",
                cap = qinglian_enforce::OFFICER_CASES_CAP
            ),
        )],
        tables: vec![own, cases_table(cases), squad_table],
        ..Page::default()
    }
}

/// `GET /enforcement/officers/{officer_id}[?period=2025-09]`.
pub async fn officer_page(
    State(state): State<AppState>,
    Path(officer_id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    pq: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let asked = pq
        .ok()
        .and_then(|q| q.0.period)
        .filter(|p| !p.trim().is_empty());
    let path = format!("/enforcement/officers/{}", seg(&officer_id));
    respond(state, headers, q, path, move |state, e, p, _| async move {
        let period = match asked {
            Some(p) => p,
            None => latest_month(e.as_ref(), &p, (state.clock)())
                .await?
                .ok_or_else(ApiError::not_found)?,
        };
        let mine = e
            .workload(
                &p,
                WorkloadRequest {
                    period: period.clone(),
                    officer: Some(officer_id.clone()),
                    squad: None,
                },
            )
            .await
            .map_err(failed)?
            .map_err(refused)?;
        // Outside the jurisdiction, or no such officer: 404 alike.
        let Some(r) = mine.rows.first() else {
            return Err(ApiError::not_found());
        };
        let squad = e
            .workload(
                &p,
                WorkloadRequest {
                    period: period.clone(),
                    squad: Some(r.squad_id.clone()),
                    officer: None,
                },
            )
            .await
            .map_err(failed)?
            .map_err(refused)?;
        let cases = e
            .officer_cases(&p, officer_id.clone(), period.clone())
            .await
            .map_err(failed)?
            .map_err(refused)?
            .ok_or_else(ApiError::not_found)?;
        Ok((build(&officer_id, &mine, &squad, &cases), Some(period)))
    })
    .await
}
