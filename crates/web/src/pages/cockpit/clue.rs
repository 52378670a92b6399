//! `GET /clues/{id}`: a clue's state, handler, unit, rectification items with deadlines and
//! its full timeline, each step with the index of its ledger entry and a link to that entry's
//! inclusion proof: `GET /clues/{id}/steps/{step}/proof`, the same receipt file as
//! `qinglian ledger receipt` writes (checked offline with `qinglian ledger verify-receipt`).

use super::labels;
use super::{CockpitQuery, Page, day, fact, minute, respond_cached, seg, text, unit_cell};
use crate::auth;
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn clue_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/clues/{}", seg(&id));
    respond_cached(state, headers, q, path, |state, p, _| async move {
        let now = (state.clock)();
        let c = state
            .store
            .get_clue(&p, &id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let timeline = state.store.clue_timeline(&p, &c.id).await?;
        let items = state.store.clue_items(&c.id).await?;
        let mut ids = vec![c.unit_id.clone()];
        ids.extend(c.responsible_unit.clone());
        let names = state.store.unit_names(&p, &ids).await?;
        let name = |u: &str| names.get(u).map(|n| n.0.as_str());
        let mut facts = vec![
            fact("编号", "Id", Cell::text(c.id.clone())),
            fact("状态", "State", labels::clue_state(&c.status)),
            fact(
                "来源",
                "Source",
                match c.source.as_str() {
                    "hit" => Cell::pair("排查命中", "screening hit"),
                    "manual" => Cell::pair("手工登记", "manual report"),
                    s => Cell::text(s),
                },
            ),
        ];
        if let Some(h) = &c.hit_id {
            facts.push(fact(
                "命中",
                "Hit",
                Cell::text(h.chars().take(12).collect::<String>())
                    .link(format!("/hits/{}", seg(h))),
            ));
        }
        if let Some(i) = &c.indicator_id {
            facts.push(fact(
                "指标",
                "Indicator",
                Cell::text(i.clone()).link(format!("/indicators/{}", seg(i))),
            ));
        }
        facts.push(fact(
            "单位",
            "Unit",
            unit_cell(&c.unit_id, name(&c.unit_id)),
        ));
        facts.push(fact(
            "区划",
            "Division",
            Cell::text(c.division_code.clone())
                .link(format!("/divisions/{}", seg(&c.division_code))),
        ));
        facts.push(fact(
            "承办人",
            "Handler",
            Cell::text(c.handler.clone().unwrap_or_else(|| "-".into())),
        ));
        if let Some(u) = &c.responsible_unit {
            facts.push(fact("责任单位", "Responsible unit", unit_cell(u, name(u))));
        }
        if let Some(l) = &c.level_division {
            facts.push(fact("办理层级", "Handled at", Cell::text(l.clone())));
        }
        if let Some(m) = &c.method {
            let cell = match qinglian_store::workflow::Method::parse(m) {
                Some(mm) => Cell::pair(mm.name_zh(), mm.as_str()),
                None => Cell::text(m.clone()),
            };
            facts.push(fact("处置方式", "Disposal", cell));
        }
        facts.push(fact(
            "认定",
            "Finding",
            labels::finding(c.finding.as_deref()),
        ));
        facts.push(fact("登记时间", "Opened", Cell::text(minute(c.created_at))));
        if let Some(t) = c.closed_at {
            facts.push(fact("办结时间", "Closed", Cell::text(minute(t))));
        }

        let mut it = Table::new(
            "items",
            "整改事项",
            "Rectification items",
            &[
                ("序号", "No."),
                ("事项", "Item"),
                ("期限", "Deadline"),
                ("逾期", "Overdue"),
                ("状态", "State"),
                ("关联指标", "Indicator"),
                ("核查结论", "Verdict"),
                ("完善制度", "Systems improved"),
                ("挽回损失（元）", "Money recovered (yuan)"),
            ],
        );
        let open = !matches!(c.status.as_str(), "closed" | "concluded");
        for i in &items {
            let overdue = open && i.status == "open" && i.deadline < now;
            it.row(vec![
                Cell::int(i.seq),
                Cell::text(i.text.clone()),
                Cell::text(day(i.deadline)),
                if overdue {
                    Cell::pair("逾期", "overdue")
                } else {
                    Cell::text("-")
                },
                labels::item_state(&i.status),
                match &i.indicator_id {
                    Some(ind) => Cell::text(ind.clone()).link(format!("/indicators/{}", seg(ind))),
                    None => Cell::text("-"),
                },
                Cell::text(i.verdict.clone().unwrap_or_else(|| "-".into())),
                Cell::text(i.systems_improved.clone().unwrap_or_else(|| "-".into())),
                Cell::yuan(i.money_recovered_fen),
            ]);
        }

        let mut tl = Table::new(
            "timeline",
            "全过程时间线（每步一条账本记录）",
            "Timeline (one ledger entry per step)",
            &[
                ("步骤", "Step"),
                ("时间", "Time"),
                ("动作", "Action"),
                ("状态变化", "State change"),
                ("操作人", "Actor"),
                ("说明", "Note"),
                ("账本序号", "Ledger index"),
                ("包含证明", "Inclusion proof"),
            ],
        );
        for e in &timeline {
            let change = match (&e.from_status, &e.to_status) {
                (Some(a), Some(b)) => {
                    let (a, b) = (labels::clue_state(a), labels::clue_state(b));
                    Cell::pair(
                        format!("{} → {}", a.zh, b.zh),
                        format!(
                            "{} → {}",
                            a.en.unwrap_or_default(),
                            b.en.unwrap_or_default()
                        ),
                    )
                }
                (None, Some(b)) => labels::clue_state(b),
                _ => Cell::text("-"),
            };
            let (index, proof) = match e.ledger_index {
                Some(i) => (
                    Cell::int(i as i64),
                    Cell::pair("下载", "download").link(format!(
                        "/clues/{}/steps/{}/proof",
                        seg(&c.id),
                        e.step
                    )),
                ),
                None => (Cell::text("-"), Cell::text("-")),
            };
            tl.row(vec![
                Cell::int(e.step),
                Cell::text(minute(e.at)),
                labels::step_kind(&e.kind),
                change,
                Cell::text(e.actor.clone()),
                Cell::text(e.note.clone().unwrap_or_default()),
                index,
                proof,
            ]);
        }
        Ok(Page {
            kicker_zh: "线索".into(),
            kicker_en: "clue".into(),
            title_zh: format!("线索 {}", c.id),
            title_en: format!("Clue {}", c.id),
            stem: format!("clue-{}", c.id),
            facts,
            texts: vec![text("摘要", "Summary", &c.summary, &c.summary)],
            tables: vec![it, tl],
            forms: crate::pages::work::clue_forms(&p, &c, &items),
            ..Page::default()
        })
    })
    .await
}

/// `GET /clues/{id}/steps/{step}/proof`: the receipt of the step's ledger entry against the
/// latest checkpoint. The clue is looked up with the caller's principal first: outside the
/// jurisdiction it is 404, like a missing clue.
pub async fn clue_proof(
    State(state): State<AppState>,
    Path((id, step)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    match proof(&state, &headers, &id, step).await {
        Ok(r) => r,
        Err(e) => {
            let (lang, _) = super::resolve_lang(None, &headers, state.https());
            super::error_page(lang, &e)
        }
    }
}

async fn proof(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    step: i64,
) -> Result<Response, ApiError> {
    let Some((p, _, _)) = auth::session(state, headers).await? else {
        return Ok(super::see_other(&format!(
            "/login?next={}",
            super::super::pct(&format!("/clues/{id}"))
        )));
    };
    let timeline = state.store.clue_timeline(&p, id).await?;
    let index = timeline
        .iter()
        .find(|e| e.step == step)
        .and_then(|e| e.ledger_index)
        .ok_or_else(ApiError::not_found)?;
    let entry = state
        .store
        .ledger_entry(index)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::pages::proof::download(
        state,
        &entry,
        &format!("clue-{id}-step-{step}-entry-{index}.tlog-proof"),
    )
    .await
}
