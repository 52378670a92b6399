//! `GET /work`: the signed-in handler's queue — clues assigned to them and the open clues of
//! their jurisdiction by state, overdue and nearest deadlines first; the triage queue of
//! undecided hits by severity and expected amount with each indicator's measured precision.
//! `GET /inbox` and `POST /inbox/{id}/read`: notifications, newest first.

use super::{Field, act, done, form};
use crate::api::services;
use crate::export::{Cell, Table};
use crate::pages::cockpit::{
    CockpitQuery, LIST_LIMIT, Page, day, labels, minute, respond, seg, unit_cell,
};
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_store::workflow::ItemsDue;
use qinglian_store::{ClueRecord, Principal};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Hits the triage queue shows (most severe and most money first).
const QUEUE_LIMIT: usize = 100;

fn clue_table(
    id: &str,
    zh: &str,
    en: &str,
    clues: &[(&ClueRecord, Option<&ItemsDue>)],
    names: &BTreeMap<String, (String, String)>,
    now: i64,
) -> Table {
    let mut t = Table::new(
        id,
        zh,
        en,
        &[
            ("线索", "Clue"),
            ("状态", "State"),
            ("单位", "Unit"),
            ("承办人", "Handler"),
            ("逾期事项", "Overdue items"),
            ("最近期限", "Next deadline"),
            ("待核查", "To verify"),
            ("摘要", "Summary"),
            ("更新", "Updated"),
        ],
    );
    for (c, due) in clues.iter().take(LIST_LIMIT as usize) {
        let overdue = due.map_or(0, |d| d.overdue);
        t.row(vec![
            Cell::text(c.id.clone()).link(format!("/clues/{}", seg(&c.id))),
            labels::clue_state(&c.status),
            unit_cell(&c.unit_id, names.get(&c.unit_id).map(|n| n.0.as_str())),
            Cell::text(c.handler.clone().unwrap_or_else(|| "-".into())),
            if overdue > 0 {
                Cell::pair(format!("{overdue} 项逾期"), format!("{overdue} overdue"))
            } else {
                Cell::text("-")
            },
            match due.and_then(|d| d.next_deadline) {
                Some(d) if d < now => Cell::pair(
                    format!("{}（已逾期）", day(d)),
                    format!("{} (overdue)", day(d)),
                ),
                Some(d) => Cell::text(day(d)),
                None => Cell::text("-"),
            },
            Cell::int(due.map_or(0, |d| d.reported)),
            Cell::text(c.summary.chars().take(60).collect::<String>()),
            Cell::text(minute(c.updated_at)),
        ]);
    }
    t.truncated = clues.len() > LIST_LIMIT as usize;
    t.empty_zh = "暂无".into();
    t.empty_en = "none".into();
    t
}

/// Overdue first, then the nearest deadline, then the earliest state in the workflow, then
/// the oldest.
fn urgency(
    a: &(&ClueRecord, Option<&ItemsDue>),
    b: &(&ClueRecord, Option<&ItemsDue>),
) -> std::cmp::Ordering {
    let over = |x: &(&ClueRecord, Option<&ItemsDue>)| x.1.map_or(0, |d| d.overdue);
    let next = |x: &(&ClueRecord, Option<&ItemsDue>)| {
        x.1.and_then(|d| d.next_deadline).unwrap_or(i64::MAX)
    };
    over(b)
        .cmp(&over(a))
        .then_with(|| next(a).cmp(&next(b)))
        .then_with(|| a.0.created_at.cmp(&b.0.created_at))
        .then_with(|| a.0.id.cmp(&b.0.id))
}

async fn work(state: AppState, p: Principal) -> Result<Page, crate::error::ApiError> {
    let now = (state.clock)();
    let clues: Vec<ClueRecord> = state
        .store
        .list_clues(&p)
        .await?
        .into_iter()
        .filter(|c| !matches!(c.status.as_str(), "closed" | "concluded"))
        .collect();
    let due = state.store.items_due(&p, now).await?;
    let mut mine: Vec<_> = clues
        .iter()
        .filter(|c| c.handler.as_deref() == Some(p.username.as_str()))
        .map(|c| (c, due.get(&c.id)))
        .collect();
    let mut others: Vec<_> = clues
        .iter()
        .filter(|c| c.handler.as_deref() != Some(p.username.as_str()))
        .map(|c| (c, due.get(&c.id)))
        .collect();
    mine.sort_by(urgency);
    others.sort_by(urgency);
    let ids: Vec<String> = mine
        .iter()
        .chain(others.iter())
        .take(2 * LIST_LIMIT as usize)
        .map(|(c, _)| c.unit_id.clone())
        .collect();
    let names = state.store.unit_names(&p, &ids).await?;
    let mut tables = vec![
        clue_table(
            "mine",
            "交给我办理的线索",
            "Clues assigned to me",
            &mine,
            &names,
            now,
        ),
        clue_table(
            "open",
            "管辖范围内其他在办线索（按状态与期限）",
            "Other open clues in my jurisdiction (by state and deadline)",
            &others,
            &names,
            now,
        ),
    ];
    // The catalogue says which measured values are money (the amount at stake).
    let money: BTreeMap<String, Vec<String>> = state
        .services
        .as_ref()
        .map(|s| {
            s.indicators
                .iter()
                .map(|i| (i.id.clone(), i.money_values.clone()))
                .collect()
        })
        .unwrap_or_default();
    let queue = state
        .store
        .triage_queue(&p, &money, QUEUE_LIMIT + 1)
        .await?;
    let mut t = Table::new(
        "triage",
        "分拣队列：未判定命中（按严重程度、涉及金额排序；值得关注的线索，不是结论）",
        "Triage queue: undecided hits by severity and amount at stake (reasons to look, not verdicts)",
        &[
            ("命中", "Hit"),
            ("指标", "Indicator"),
            ("严重程度", "Severity"),
            ("涉及金额（元）", "Amount at stake (yuan)"),
            ("指标实测准确率", "Indicator precision"),
            ("单位", "Unit"),
            ("说明", "Explanation"),
            ("已开线索", "Open clue"),
        ],
    );
    for q in queue.iter().take(QUEUE_LIMIT) {
        let h = &q.hit;
        t.row(vec![
            Cell::text(h.id.chars().take(12).collect::<String>())
                .link(format!("/hits/{}", seg(&h.id))),
            Cell::text(h.indicator_id.clone())
                .link(format!("/indicators/{}", seg(&h.indicator_id))),
            labels::severity(&h.severity),
            match q.amount_fen {
                Some(f) => Cell::yuan(f),
                None => Cell::text("-"),
            },
            Cell::text(
                q.indicator_precision
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |x| x.label()),
            ),
            unit_cell(&h.unit_id, None),
            Cell::pair(h.explanation_zh.clone(), h.explanation_en.clone()),
            match &q.clue_id {
                Some(c) => Cell::text(c.clone()).link(format!("/clues/{}", seg(c))),
                None => Cell::text("-"),
            },
        ]);
    }
    t.truncated = queue.len() > QUEUE_LIMIT;
    t.empty_zh = "没有待判定的命中".into();
    t.empty_en = "no undecided hits".into();
    tables.push(t);
    Ok(Page {
        kicker_zh: "办理".into(),
        kicker_en: "work".into(),
        title_zh: "我的工作台".into(),
        title_en: "My work queue".into(),
        stem: "work".into(),
        tables,
        ..Page::default()
    })
}

pub async fn work_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    respond(state, headers, q, "/work".into(), |s, p, _| work(s, p)).await
}

/// Mark-read forms shown at most (the newest unread first).
const READ_FORMS: usize = 20;

pub async fn inbox_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    respond(
        state,
        headers,
        q,
        "/inbox".into(),
        |state, p, _| async move {
            let rows = state.store.inbox_for(&p, false).await?;
            let mut t = Table::new(
                "inbox",
                "站内通知",
                "Notifications",
                &[
                    ("时间", "Time"),
                    ("线索", "Clue"),
                    ("通知", "Notice"),
                    ("状态", "Status"),
                ],
            );
            let mut forms = Vec::new();
            for r in &rows {
                t.row(vec![
                    Cell::text(minute(r.created_at)),
                    Cell::text(r.clue_id.clone()).link(format!("/clues/{}", seg(&r.clue_id))),
                    Cell::pair(r.text_zh.clone(), r.text_en.clone()),
                    match r.read_at {
                        Some(at) => Cell::pair(
                            format!("已读 {}", minute(at)),
                            format!("read {}", minute(at)),
                        ),
                        None => Cell::pair("未读", "unread"),
                    },
                ]);
                if r.read_at.is_none() && forms.len() < READ_FORMS {
                    forms.push(
                        form(
                            &format!("{} · {}", r.clue_id, r.text_zh),
                            &format!("{} · {}", r.clue_id, r.text_en),
                            format!("/inbox/{}/read", seg(&r.id)),
                            Vec::<Field>::new(),
                        )
                        .submit("标记已读", "Mark read"),
                    );
                }
            }
            t.empty_zh = "没有通知".into();
            t.empty_en = "no notifications".into();
            Ok(Page {
                kicker_zh: "通知".into(),
                kicker_en: "inbox".into(),
                title_zh: "站内通知".into(),
                title_en: "Inbox".into(),
                stem: "inbox".into(),
                tables: vec![t],
                forms,
                ..Page::default()
            })
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /inbox/{id}/read`: one `inbox_read` ledger entry (nothing when already read).
pub async fn inbox_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    act(
        state,
        headers,
        &f.csrf,
        "/inbox".into(),
        |state, p| async move {
            let ledger = &services(&state)?.ledger;
            state
                .store
                .mark_inbox_read(ledger, &p, &id, (state.clock)())
                .await?;
            Ok((done("已标记为已读", "marked read"), None))
        },
    )
    .await
}
