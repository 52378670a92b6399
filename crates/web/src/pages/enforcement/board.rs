//! `GET /enforcement`: the team board (执法队伍看板) — per squad a card of generated avatars,
//! each linking to the officer's workload page for the period.

use super::avatar::avatar_svg;
use super::{PeriodQuery, failed, refused, respond};
use crate::enforcement::{Enforcement, SquadCard, WorkloadRequest};
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::pages::cockpit::{CockpitQuery, Page, chart, fact, seg, text};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use qinglian_enforce::WorkloadRow;
use qinglian_store::Principal;

/// Whether a row shows any work (the default period is the latest month that has some).
fn active(r: &WorkloadRow) -> bool {
    r.incidents_received + r.cases_registered + r.cases_closed + r.inspections > 0
        || r.patrol_hours > 0.0
}

fn month_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn month_before(d: NaiveDate) -> NaiveDate {
    d.checked_sub_months(chrono::Months::new(1)).unwrap_or(d)
}

/// The latest full month (before today, Asia/Shanghai) in which the visible officers did any
/// work: whole years are probed first (newest first, at most three) so an old lake costs a few
/// scans, then that year's months from the latest full one down. `None`: nothing found.
pub(super) async fn latest_month(
    e: &dyn Enforcement,
    p: &Principal,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let today = qinglian_enforce::period::local_day(now);
    let last_full = month_before(today.with_day(1).unwrap_or(today));
    let has_work = |period: String| async move {
        let w = e
            .workload(
                p,
                WorkloadRequest {
                    period,
                    ..Default::default()
                },
            )
            .await
            .map_err(failed)?;
        Ok::<bool, ApiError>(w.is_ok_and(|w| w.rows.iter().any(active)))
    };
    let mut year = last_full.year();
    for _ in 0..3 {
        if has_work(year.to_string()).await? {
            let mut m = if year == last_full.year() {
                last_full
            } else {
                NaiveDate::from_ymd_opt(year, 12, 1).unwrap_or(last_full)
            };
            while m.year() == year {
                if has_work(month_text(m)).await? {
                    return Ok(Some(month_text(m)));
                }
                m = month_before(m);
            }
            // Work only in the current, unfinished part of the year.
            return Ok(None);
        }
        year -= 1;
    }
    Ok(None)
}

/// The officer page of `officer_id` for `period`.
pub(super) fn officer_href(officer_id: &str, period: &str) -> String {
    format!(
        "/enforcement/officers/{}?period={}",
        seg(officer_id),
        crate::pages::pct(period)
    )
}

/// A squad's avatars as an SVG grid, eight a row.
fn squad_svg(c: &SquadCard, period: &str) -> String {
    const PER_ROW: usize = 8;
    const CELL: f64 = 76.0;
    let n = c.officers.len().max(1);
    let rows = n.div_ceil(PER_ROW);
    let w = CELL * PER_ROW.min(n) as f64;
    let h = CELL * rows as f64 + 4.0;
    let mut s = format!(
        r#"<svg class="chart avatars" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img">"#
    );
    for (i, o) in c.officers.iter().enumerate() {
        let (col, row) = ((i % PER_ROW) as f64, (i / PER_ROW) as f64);
        let (x, y) = (col * CELL + CELL / 2.0, row * CELL + 28.0);
        let name = o.name.as_deref().unwrap_or("");
        let title = format!(
            "{name} {} · {} / {}",
            o.officer_id,
            o.status_zh(),
            if o.status == "auxiliary" {
                "auxiliary"
            } else {
                "officer"
            }
        );
        s.push_str(&avatar_svg(
            x,
            y,
            24.0,
            &o.officer_id,
            o.name.as_deref(),
            &title,
            &officer_href(&o.officer_id, period),
        ));
        s.push_str(&format!(
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
            y + 38.0,
            crate::charts::esc(if name.is_empty() { &o.officer_id } else { name })
        ));
    }
    s.push_str("</svg>");
    s
}

fn build(cards: &[SquadCard], period: &str) -> Page {
    let mut squads = Table::new(
        "squads",
        "执法中队",
        "Squads",
        &[
            ("中队", "Squad"),
            ("单位", "Unit"),
            ("行政区划", "Division"),
            ("中队长（脱敏）", "Commander (masked)"),
            ("队员", "Officers"),
        ],
    );
    let mut officers = Table::new(
        "officers",
        "执法队员",
        "Officers",
        &[
            ("队员编号", "Officer id"),
            ("姓名（脱敏）", "Name (masked)"),
            ("身份", "Status"),
            ("中队", "Squad"),
            ("执法证号", "Badge"),
            ("入职", "Since"),
        ],
    );
    let mut charts = Vec::new();
    for c in cards {
        let sq = &c.squad;
        squads.row(vec![
            Cell::text(format!("{}（{}）", sq.name, sq.squad_id)),
            crate::pages::cockpit::unit_cell(&sq.unit_id, sq.unit_name.as_deref()),
            Cell::text(sq.division_code.clone()),
            Cell::text(sq.commander_name.clone().unwrap_or_else(|| "-".into())),
            Cell::int(c.officers.len() as i64),
        ]);
        for o in &c.officers {
            officers.row(vec![
                Cell::text(o.officer_id.clone()).link(officer_href(&o.officer_id, period)),
                Cell::text(o.name.clone().unwrap_or_else(|| "-".into())),
                Cell::pair(
                    o.status_zh(),
                    if o.status == "auxiliary" {
                        "auxiliary"
                    } else {
                        "officer"
                    },
                ),
                Cell::text(sq.name.clone()),
                Cell::text(o.badge_no.clone().unwrap_or_else(|| "-".into())),
                Cell::text(o.start_date.to_string()),
            ]);
        }
        let unit = sq.unit_name.as_deref().unwrap_or(&sq.unit_id);
        charts.push(chart(
            &format!("{} · {unit} · {} 人", sq.name, c.officers.len()),
            &format!("{} · {unit} · {} officers", sq.squad_id, c.officers.len()),
            squad_svg(c, period),
        ));
    }
    squads.empty_zh = "辖区内没有执法中队".into();
    squads.empty_en = "no squad in your jurisdiction".into();
    Page {
        kicker_zh: "智慧执法".into(),
        kicker_en: "law enforcement".into(),
        title_zh: "执法队伍看板".into(),
        title_en: "Team board".into(),
        stem: super::stem(&["enforcement-board", period]),
        facts: vec![
            fact("统计周期", "Period", Cell::text(period)),
            fact("中队", "Squads", Cell::int(cards.len() as i64)),
            fact(
                "队员",
                "Officers",
                Cell::int(cards.iter().map(|c| c.officers.len() as i64).sum()),
            ),
        ],
        texts: vec![text(
            "如何阅读",
            "How to read this",
            "每个头像是一名队员（按编号生成颜色，显示脱敏姓名的首字），点击查看其在统计周期内的工作量化表。只显示您辖区内的中队。",
            "Each avatar is an officer (colour from the id, first character of the masked name); click it for the officer's workload in the period. Only squads in your jurisdiction are shown.",
        )],
        charts,
        tables: vec![squads, officers],
        ..Page::default()
    }
}

/// `GET /enforcement[?period=2025-09]`.
pub async fn board_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
    pq: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let asked = pq
        .ok()
        .and_then(|q| q.0.period)
        .filter(|p| !p.trim().is_empty());
    respond(
        state,
        headers,
        q,
        "/enforcement".into(),
        move |state, e, p, _| async move {
            let now = (state.clock)();
            let period = match asked {
                Some(p) => p,
                None => latest_month(e.as_ref(), &p, now)
                    .await?
                    .unwrap_or_else(|| month_text(qinglian_enforce::period::local_day(now))),
            };
            // A bad period is refused with its message.
            qinglian_enforce::Period::parse(&period).map_err(refused)?;
            let cards = e
                .board(&p, None, None)
                .await
                .map_err(failed)?
                .map_err(refused)?;
            Ok((build(&cards, &period), Some(period)))
        },
    )
    .await
}
