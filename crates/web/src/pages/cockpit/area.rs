//! Area pages: the overview's figures (on `/`), a division's page and a unit's page. They share
//! one builder: headline figures, the tile map of child divisions by risk, the monthly trend,
//! figures by unit kind, by child division and by unit, open clues, hits by indicator, active
//! hits and letters.

use super::labels;
use super::{
    CockpitQuery, LIST_LIMIT, Page, chart, figure, figures_table, respond_cached, seg, unit_cell,
};
use crate::charts::{Bar, Series, Tile, bar_chart, line_chart, tile_map};
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_core::DivisionCode;
use qinglian_core::money::format_yuan;
use qinglian_store::cockpit::{Area, Figures, Group, Rollup, child_prefix_len};
use qinglian_store::{Principal, Scope};
use std::collections::BTreeMap;

/// Months of the trend.
const TREND_MONTHS: usize = 12;

/// `GET /divisions/{code}`: a division inside the jurisdiction (else 404).
pub async fn division_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/divisions/{}", seg(&code));
    respond_cached(state, headers, q, path, |state, p, _| async move {
        let d = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
        let row = state
            .store
            .get_division(&p, d.as_str())
            .await?
            .ok_or_else(ApiError::not_found)?;
        let mut page = area_page(&state, &p, &Area::Division(d.clone()), Some(&d)).await?;
        page.kicker_zh = format!("行政区划 · {}", d.level().name_zh());
        page.kicker_en = format!("division · {}", d.level().as_str());
        page.title_zh = format!("{}（{}）", row.name, d.as_str());
        page.title_en = page.title_zh.clone();
        page.stem = format!("division-{}", d.as_str());
        Ok(page)
    })
    .await
}

/// `GET /units/{id}`: a unit inside the jurisdiction (else 404).
pub async fn unit_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/units/{}", seg(&id));
    respond_cached(state, headers, q, path, |state, p, _| async move {
        let unit = state
            .store
            .get_unit(&p, &id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let mut page = area_page(&state, &p, &Area::Unit(unit.unit_id.clone()), None).await?;
        let (kz, ke) = labels::unit_kind(&unit.kind);
        page.kicker_zh = format!("单位 · {kz}");
        page.kicker_en = format!("unit · {ke}");
        page.title_zh = format!("{}（{}）", unit.name, unit.unit_id);
        page.title_en = page.title_zh.clone();
        page.stem = format!("unit-{}", unit.unit_id);
        page.facts.insert(
            0,
            super::fact(
                "所在区划",
                "Division",
                Cell::text(unit.division_code.clone())
                    .link(format!("/divisions/{}", seg(&unit.division_code))),
            ),
        );
        if let Some(parent) = &unit.parent_unit_id {
            page.facts.insert(
                1,
                super::fact("上级单位", "Parent unit", unit_cell(parent, None)),
            );
        }
        Ok(page)
    })
    .await
}

/// The overview's sections for the principal's whole jurisdiction: figures, charts, tables.
pub(crate) async fn overview_parts(state: &AppState, p: &Principal) -> Result<Page, ApiError> {
    match &p.scope {
        // One division: exactly its page's sections.
        Scope::Divisions(ds) if ds.len() == 1 => {
            area_page(state, p, &Area::Division(ds[0].clone()), Some(&ds[0])).await
        }
        _ => area_page(state, p, &Area::All, None).await,
    }
}

/// One tile/row of the "by division" sections: code, name, figures.
struct DivisionLine {
    code: String,
    name: String,
    fig: Figures,
}

/// The divisions one level below `parent` (the provinces for the whole country), or for a
/// jurisdiction of several divisions, those divisions; each with its figures. Grouped in SQL.
async fn division_lines(
    state: &AppState,
    p: &Principal,
    area: &Area,
    parent: Option<&DivisionCode>,
    rollup: &Rollup,
) -> Result<Vec<DivisionLine>, ApiError> {
    let empty = |code: &str| {
        let mut f = Figures {
            key: code.to_owned(),
            ..Default::default()
        };
        f.persons_handled = BTreeMap::new();
        f
    };
    let (children, len) = match (area, parent, &p.scope) {
        (Area::Unit(_), _, _) => return Ok(Vec::new()),
        (_, Some(d), _) => match child_prefix_len(d) {
            Some(n) => (state.store.child_divisions(p, Some(d)).await?, n),
            None => return Ok(Vec::new()),
        },
        (_, None, Scope::All) => (state.store.child_divisions(p, None).await?, 2),
        (_, None, Scope::Divisions(ds)) => {
            // Several divisions, possibly of different levels: one line each (few).
            let mut out = Vec::new();
            for d in ds {
                let fig = rollup.inside(d);
                let name = state
                    .store
                    .get_division(p, d.as_str())
                    .await?
                    .map_or_else(|| d.as_str().to_owned(), |r| r.name);
                out.push(DivisionLine {
                    code: d.as_str().to_owned(),
                    name,
                    fig,
                });
            }
            return Ok(out);
        }
        (_, None, Scope::Units(_)) => return Ok(Vec::new()),
    };
    let mut figs = rollup.group(Group::Prefix(len));
    let mut lines: Vec<DivisionLine> = children
        .into_iter()
        .map(|(code, name)| {
            let key: String = code.chars().take(len).collect();
            let fig = figs.remove(&key).unwrap_or_else(|| empty(&key));
            DivisionLine { code, name, fig }
        })
        .collect();
    // Records of units sitting at the division itself (or in a child the registry lacks)
    // keep a line of their own, so the lines add up to the total.
    for (key, fig) in figs {
        let own = parent.is_some_and(|d| d.as_str() == key);
        // Province and city prefixes (2 and 4 digits) name the division padded with zeros.
        let padded = format!("{key:0<6}");
        let code = match DivisionCode::parse(&padded) {
            Ok(c) => c.as_str().to_owned(),
            Err(_) => key.clone(),
        };
        let name = if own {
            "本级 (itself)".to_owned()
        } else {
            code.clone()
        };
        lines.push(DivisionLine { code, name, fig });
    }
    Ok(lines)
}

fn risk_title(l: &DivisionLine) -> String {
    format!(
        "{}（{}）风险分 risk {}：高 high {} · 中 medium {} · 低 low {}；在办线索 open clues {}；逾期事项 overdue items {}",
        l.name,
        l.code,
        l.fig.risk,
        l.fig.hits_high,
        l.fig.hits_medium,
        l.fig.hits_low,
        l.fig.open_clues,
        l.fig.overdue_items
    )
}

/// The sections every area page has.
async fn area_page(
    state: &AppState,
    p: &Principal,
    area: &Area,
    division: Option<&DivisionCode>,
) -> Result<Page, ApiError> {
    let now = (state.clock)();
    let store = &state.store;
    // One rollup feeds every figure of the page: totals, divisions, kinds, units.
    let rollup = store.cockpit_rollup(p, area, now).await?;
    let total = rollup.total();
    let mut page = Page::default();

    let persons = total.persons_total;
    page.figures = vec![
        figure(
            "发现问题",
            "Problems found",
            total.problems_found.to_string(),
            None,
        ),
        figure(
            "已整改",
            "Rectified",
            total.problems_rectified.to_string(),
            Some(match total.rectification_rate {
                Some(r) => format!("整改率 rate {:.1}%", r * 100.0),
                None => "整改率 rate -".into(),
            }),
        ),
        figure(
            "完善制度",
            "Systems improved",
            total.systems_improved.to_string(),
            None,
        ),
        figure("处理人数", "Persons handled", persons.to_string(), None),
        figure(
            "挽回损失",
            "Money recovered",
            format_yuan(total.money_recovered_fen),
            Some("元 yuan".into()),
        ),
        figure("在办线索", "Open clues", total.open_clues.to_string(), None),
        figure(
            "逾期事项",
            "Overdue items",
            total.overdue_items.to_string(),
            None,
        ),
        figure(
            "有效命中",
            "Active hits",
            total.active_hits.to_string(),
            Some(format!("风险分 risk {}", total.risk)),
        ),
    ];

    // Map of child divisions, coloured (and marked) by risk.
    let lines = division_lines(state, p, area, division, &rollup).await?;
    if !lines.is_empty() {
        let tiles: Vec<Tile> = lines
            .iter()
            .map(|l| Tile {
                code: l.code.clone(),
                name: l.name.clone(),
                score: l.fig.risk,
                href: Some(format!("/divisions/{}", seg(&l.code))),
                title: risk_title(l),
            })
            .collect();
        page.charts.push(chart(
            "下级区划风险分布（有效命中按严重程度加权：高 3、中 2、低 1）",
            "Risk by division (active hits weighted by severity: high 3, medium 2, low 1)",
            tile_map("风险地图 / risk map", &tiles, "暂无下级区划 / no divisions"),
        ));
        let bars: Vec<Bar> = lines
            .iter()
            .map(|l| Bar {
                label: l.name.clone(),
                value: l.fig.problems_found as f64,
                value_text: Some(format!(
                    "{} / {}",
                    l.fig.problems_found, l.fig.problems_rectified
                )),
                href: Some(format!("/divisions/{}", seg(&l.code))),
                title: Some(format!(
                    "{}：发现问题 problems found {}，已整改 rectified {}",
                    l.name, l.fig.problems_found, l.fig.problems_rectified
                )),
            })
            .collect();
        page.charts.push(chart(
            "各区划发现问题 / 已整改",
            "Problems found / rectified by division",
            bar_chart("发现问题 / problems found", &bars, "暂无 / none"),
        ));
    }

    // Trend.
    let trend = store.cockpit_trend(p, area, now, TREND_MONTHS).await?;
    let periods: Vec<String> = trend.iter().map(|m| m.month.clone()).collect();
    let series = vec![
        Series {
            name: "发现问题 found".into(),
            values: trend.iter().map(|m| m.found as f64).collect(),
        },
        Series {
            name: "已整改 rectified".into(),
            values: trend.iter().map(|m| m.rectified as f64).collect(),
        },
        Series {
            name: "新增命中 new hits".into(),
            values: trend.iter().map(|m| m.new_hits as f64).collect(),
        },
    ];
    page.charts.push(chart(
        "近 12 个月趋势",
        "Trend over the last 12 months",
        line_chart("趋势 / trend", &periods, &series, "暂无 / none"),
    ));
    let mut trend_table = Table::new(
        "trend",
        "月度趋势",
        "Monthly trend",
        &[
            ("月份", "Month"),
            ("发现问题", "Problems found"),
            ("已整改", "Rectified"),
            ("新增命中", "New hits"),
        ],
    );
    for m in &trend {
        trend_table.row(vec![
            Cell::text(m.month.clone()),
            Cell::int(m.found),
            Cell::int(m.rectified),
            Cell::int(m.new_hits),
        ]);
    }

    // By unit kind.
    let by_kind = rollup.group(Group::Kind);
    let mut kinds: Vec<(&String, &Figures)> = by_kind.iter().collect();
    let rank = |k: &str| {
        qinglian_core::UnitKind::ALL
            .iter()
            .position(|u| u.as_str() == k)
            .unwrap_or(usize::MAX)
    };
    kinds.sort_by_key(|(k, _)| (rank(k), (*k).clone()));
    if matches!(area, Area::Unit(_)) {
        kinds.clear(); // one unit, one kind: the headline figures say it all
    }
    if !kinds.is_empty() {
        let bars: Vec<Bar> = kinds
            .iter()
            .map(|(k, f)| {
                let (zh, en) = labels::unit_kind(k);
                Bar {
                    label: zh.clone(),
                    value: f.risk as f64,
                    value_text: None,
                    href: None,
                    title: Some(format!(
                        "{zh} {en}：风险分 risk {}，有效命中 active hits {}",
                        f.risk, f.active_hits
                    )),
                }
            })
            .collect();
        page.charts.push(chart(
            "各类单位风险分",
            "Risk score by unit kind",
            bar_chart("风险分 / risk", &bars, "暂无 / none"),
        ));
    }

    // Tables.
    page.tables.push(persons_table(&total));
    if !lines.is_empty() {
        page.tables.push(figures_table(
            "by-division",
            "按区划",
            "By division",
            ("区划", "Division"),
            lines
                .iter()
                .map(|l| {
                    (
                        Cell::text(format!("{}（{}）", l.name, l.code))
                            .link(format!("/divisions/{}", seg(&l.code))),
                        &l.fig,
                    )
                })
                .collect(),
        ));
    }
    if !kinds.is_empty() {
        page.tables.push(figures_table(
            "by-kind",
            "按单位类型",
            "By unit kind",
            ("单位类型", "Unit kind"),
            kinds
                .iter()
                .map(|(k, f)| {
                    let (zh, en) = labels::unit_kind(k);
                    (Cell::pair(zh, en), *f)
                })
                .collect(),
        ));
    }
    if !matches!(area, Area::Unit(_)) {
        let by_unit = rollup.group(Group::Unit);
        let mut units: Vec<&Figures> = by_unit.values().collect();
        units.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.key.cmp(&b.key)));
        let truncated = units.len() > LIST_LIMIT as usize;
        units.truncate(LIST_LIMIT as usize);
        let ids: Vec<String> = units.iter().map(|f| f.key.clone()).collect();
        let names = store.unit_names(p, &ids).await?;
        let mut t = figures_table(
            "by-unit",
            "按单位（风险分从高到低）",
            "By unit (highest risk first)",
            ("单位", "Unit"),
            units
                .iter()
                .map(|f| {
                    (
                        unit_cell(&f.key, names.get(&f.key).map(|n| n.0.as_str())),
                        *f,
                    )
                })
                .collect(),
        );
        t.truncated = truncated;
        page.tables.push(t);
    }
    page.tables.push(trend_table);
    page.tables
        .push(open_clues_table(state, p, area, now).await?);
    page.tables.push(indicator_table(state, p, area).await?);
    page.tables.push(hits_table(state, p, area).await?);
    page.tables.push(letters_table(state, p, area).await?);
    Ok(page)
}

fn persons_table(total: &Figures) -> Table {
    let mut t = Table::new(
        "persons",
        "处理人员（按方式）",
        "Persons handled (by form)",
        &[("处理方式", "Form"), ("人数", "Persons")],
    );
    for (form, n) in &total.persons_handled {
        let (zh, en) = labels::person_form(form);
        t.row(vec![Cell::pair(zh, en), Cell::int(*n)]);
    }
    t
}

async fn open_clues_table(
    state: &AppState,
    p: &Principal,
    area: &Area,
    now: i64,
) -> Result<Table, ApiError> {
    let clues = state
        .store
        .cockpit_open_clues(p, area, now, LIST_LIMIT + 1)
        .await?;
    let mut t = Table::new(
        "open-clues",
        "在办线索（逾期在前）",
        "Open clues (overdue first)",
        &[
            ("线索", "Clue"),
            ("状态", "State"),
            ("单位", "Unit"),
            ("承办人", "Handler"),
            ("最近期限", "Next deadline"),
            ("逾期事项", "Overdue items"),
            ("登记日期", "Opened"),
            ("摘要", "Summary"),
        ],
    );
    t.truncated = clues.len() > LIST_LIMIT as usize;
    for c in clues.iter().take(LIST_LIMIT as usize) {
        t.row(vec![
            Cell::text(c.id.clone()).link(format!("/clues/{}", seg(&c.id))),
            labels::clue_state(&c.status),
            unit_cell(&c.unit_id, c.unit_name.as_deref()),
            Cell::text(c.handler.clone().unwrap_or_else(|| "-".into())),
            Cell::text(c.next_deadline.map_or_else(|| "-".into(), super::day)),
            Cell::int(c.overdue_items),
            Cell::text(super::day(c.created_at)),
            Cell::text(c.summary.clone()),
        ]);
    }
    Ok(t)
}

async fn indicator_table(state: &AppState, p: &Principal, area: &Area) -> Result<Table, ApiError> {
    let lines = state.store.cockpit_indicators(p, area).await?;
    let mut t = Table::new(
        "by-indicator",
        "命中（按指标）",
        "Hits by indicator",
        &[
            ("指标", "Indicator"),
            ("名称", "Name"),
            ("命中", "Hits"),
            ("有效", "Active"),
            ("属实", "Confirmed"),
            ("误报", "False positives"),
            ("未判定", "Undecided"),
        ],
    );
    for l in lines {
        let name = state
            .cfg
            .indicators
            .iter()
            .find(|c| c.id == l.indicator_id)
            .map_or_else(
                || Cell::text("-"),
                |c| Cell::pair(c.name_zh.clone(), c.name_en.clone()),
            );
        t.row(vec![
            Cell::text(l.indicator_id.clone())
                .link(format!("/indicators/{}", seg(&l.indicator_id))),
            name,
            Cell::int(l.hits),
            Cell::int(l.active),
            Cell::int(l.confirmed),
            Cell::int(l.false_positive),
            Cell::int(l.undecided),
        ]);
    }
    Ok(t)
}

/// The active hits of an area (or all hits of an indicator), most severe first.
pub(super) fn hit_rows(t: &mut Table, hits: &[qinglian_store::cockpit::HitLine]) {
    for h in hits.iter().take(LIST_LIMIT as usize) {
        t.row(vec![
            Cell::text(h.id.chars().take(12).collect::<String>())
                .link(format!("/hits/{}", seg(&h.id))),
            Cell::text(h.indicator_id.clone())
                .link(format!("/indicators/{}", seg(&h.indicator_id))),
            labels::severity(&h.severity),
            unit_cell(&h.unit_id, h.unit_name.as_deref()),
            labels::decision(h.decision.as_deref()),
            Cell::text(super::day(h.last_seen_at)),
            Cell::pair(h.explanation_zh.clone(), h.explanation_en.clone()),
        ]);
    }
    t.truncated = hits.len() > LIST_LIMIT as usize;
}

pub(super) const HIT_HEADERS: &[(&str, &str)] = &[
    ("命中", "Hit"),
    ("指标", "Indicator"),
    ("严重程度", "Severity"),
    ("单位", "Unit"),
    ("判定", "Decision"),
    ("最近发现", "Last seen"),
    ("说明", "Explanation"),
];

async fn hits_table(state: &AppState, p: &Principal, area: &Area) -> Result<Table, ApiError> {
    let hits = state
        .store
        .cockpit_hits(p, area, None, true, LIST_LIMIT + 1)
        .await?;
    let mut t = Table::new(
        "active-hits",
        "有效命中（值得关注的线索，不是结论）",
        "Active hits (reasons to look, not verdicts)",
        HIT_HEADERS,
    );
    hit_rows(&mut t, &hits);
    Ok(t)
}

async fn letters_table(state: &AppState, p: &Principal, area: &Area) -> Result<Table, ApiError> {
    let letters = state.store.cockpit_letters(p, area, LIST_LIMIT + 1).await?;
    let mut t = Table::new(
        "letters",
        "一书一单一函",
        "Letters",
        &[
            ("文号", "Number"),
            ("类型", "Kind"),
            ("单位", "Unit"),
            ("人员", "Person"),
            ("发出日期", "Issued on"),
            ("状态", "Status"),
            ("签收日期", "Signed on"),
        ],
    );
    t.truncated = letters.len() > LIST_LIMIT as usize;
    for l in letters.iter().take(LIST_LIMIT as usize) {
        t.row(vec![
            Cell::text(l.number.clone()),
            labels::letter_kind(&l.kind),
            unit_cell(&l.unit_id, None),
            Cell::text(l.person_id.clone().unwrap_or_else(|| "-".into())),
            Cell::text(l.issued_on.clone()),
            labels::letter_status(&l.status),
            Cell::text(l.signed_on.clone().unwrap_or_else(|| "-".into())),
        ]);
    }
    Ok(t)
}
