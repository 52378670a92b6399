//! The procurement page (`/procurement`, 招标采购): the red flags of the OCDS-* parity
//! indicators and the PR-* indicators inside the jurisdiction, as `qinglian screen --domain
//! procurement` stored them: counts per indicator, the flagged processes, and the buyers and
//! suppliers or tenderers with the most red flags, each linked to its hits and indicator
//! cards. It reads hits from the store (scoped there), never the lake.

use super::labels;
use super::{CockpitQuery, LIST_LIMIT, Page, fact, figure, respond_cached, seg, text, unit_cell};
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_store::Principal;
use qinglian_store::cockpit::procurement::{PROCUREMENT_DOMAIN, ProcOrg, ProcurementSummary};
use std::collections::BTreeMap;

/// Whether the navigation offers the page: only when the store holds procurement hits this
/// user may see (nothing is shown for a capability without data). A failed check hides it.
pub(in crate::pages) async fn nav_has_procurement(state: &AppState, p: &Principal) -> bool {
    state.store.has_procurement_hits(p).await.unwrap_or(false)
}

fn hit_cell(id: &str) -> Cell {
    if id.is_empty() {
        return Cell::text("-");
    }
    Cell::text(id.chars().take(12).collect::<String>()).link(format!("/hits/{}", seg(id)))
}

fn indicator_list(ids: impl IntoIterator<Item = String>) -> Cell {
    Cell::text(ids.into_iter().collect::<Vec<_>>().join(" "))
}

fn counted(m: &BTreeMap<String, i64>) -> Cell {
    Cell::text(
        m.iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// An organisation: a link to its unit page when it is a unit the user may see, else its id.
fn org_cell(o: &ProcOrg, visible: &BTreeMap<String, (String, String)>) -> Cell {
    match (o.name.as_deref(), visible.get(&o.id)) {
        (Some(n), _) => unit_cell(&o.id, Some(n)),
        (None, Some((n, _))) => unit_cell(&o.id, Some(n)),
        (None, None) => Cell::text(o.id.clone()),
    }
}

fn org_table(
    id: &str,
    zh: &str,
    en: &str,
    orgs: &[ProcOrg],
    total: usize,
    visible: &BTreeMap<String, (String, String)>,
) -> Table {
    let mut t = Table::new(
        id,
        zh,
        en,
        &[
            ("机构", "Organisation"),
            ("红旗数（命中）", "Red flags (hits)"),
            ("涉及项目", "Processes"),
            ("各指标命中", "Hits per indicator"),
            ("最严重的命中", "Most severe hit"),
        ],
    );
    t.truncated = total > orgs.len();
    for o in orgs {
        t.row(vec![
            org_cell(o, visible),
            Cell::int(o.hits),
            Cell::int(o.processes),
            counted(&o.indicators),
            hit_cell(&o.top_hit),
        ]);
    }
    t
}

fn build(
    state: &AppState,
    s: &ProcurementSummary,
    visible: &BTreeMap<String, (String, String)>,
) -> Page {
    let cards: Vec<_> = state
        .cfg
        .indicators
        .iter()
        .filter(|c| c.domain == PROCUREMENT_DOMAIN)
        .collect();
    let mut by_ind = Table::new(
        "by-indicator",
        "各指标红旗数",
        "Red flags per indicator",
        &[
            ("指标", "Indicator"),
            ("名称", "Name"),
            ("严重程度", "Severity"),
            ("命中", "Hits"),
            ("涉及项目", "Processes"),
            ("最近的命中", "Latest hit"),
        ],
    );
    // Every procurement indicator of the catalogue (a zero says it ran and found nothing
    // here), then any stored one the catalogue no longer lists.
    let mut ids: Vec<String> = cards.iter().map(|c| c.id.clone()).collect();
    for l in &s.by_indicator {
        if !ids.contains(&l.indicator_id) {
            ids.push(l.indicator_id.clone());
        }
    }
    for id in ids {
        let card = cards.iter().find(|c| c.id == id);
        let line = s.by_indicator.iter().find(|l| l.indicator_id == id);
        by_ind.row(vec![
            Cell::text(id.clone()).link(format!("/indicators/{}", seg(&id))),
            card.map_or_else(
                || Cell::text("-"),
                |c| Cell::pair(c.name_zh.clone(), c.name_en.clone()),
            ),
            labels::severity(
                card.map(|c| c.severity.as_str())
                    .or(line.map(|l| l.severity.as_str()))
                    .unwrap_or(""),
            ),
            Cell::int(line.map_or(0, |l| l.hits)),
            Cell::int(line.map_or(0, |l| l.processes)),
            hit_cell(line.map_or("", |l| l.example_hit.as_str())),
        ]);
    }
    let mut procs = Table::new(
        "processes",
        "被提示的采购项目（红旗最多者在前）",
        "Flagged processes (most red flags first)",
        &[
            ("项目 ocid", "Process (ocid)"),
            ("采购人", "Buyer"),
            ("指标数", "Indicators"),
            ("红旗数（命中）", "Red flags (hits)"),
            ("指标", "Indicator ids"),
            ("最严重的命中", "Most severe hit"),
        ],
    );
    procs.truncated = s.processes_total > s.processes.len();
    for p in &s.processes {
        procs.row(vec![
            Cell::text(p.ocid.clone()).link(format!("/hits/{}", seg(&p.top_hit))),
            if p.buyer_id.is_empty() {
                Cell::text("-")
            } else {
                unit_cell(&p.buyer_id, p.buyer_name.as_deref())
            },
            Cell::int(p.indicators.len() as i64),
            Cell::int(p.hits),
            indicator_list(p.indicators.iter().cloned()),
            hit_cell(&p.top_hit),
        ]);
    }
    let buyers = org_table(
        "buyers",
        "采购人（按红旗数）",
        "Buyers by red flags",
        &s.buyers,
        s.buyers_total,
        visible,
    );
    let suppliers = org_table(
        "suppliers",
        "供应商与投标人（按红旗数）",
        "Suppliers and tenderers by red flags",
        &s.suppliers,
        s.suppliers_total,
        visible,
    );
    Page {
        kicker_zh: "风险排查 · 招标采购".into(),
        kicker_en: "screening · procurement".into(),
        title_zh: "招标采购红旗".into(),
        title_en: "Procurement red flags".into(),
        stem: "procurement".into(),
        facts: vec![fact(
            "数据",
            "Data",
            Cell::pair(
                "qinglian screen --domain procurement 存入的命中（不含判定为误报者）",
                "hits stored by qinglian screen --domain procurement (false positives left out)",
            ),
        )],
        texts: vec![text(
            "如何阅读",
            "How to read this",
            "每面红旗是值得关注的线索，不是结论。OCDS-* 指标与 OCDS Cardinal 的结果完全一致（未调参）；PR-* 指标按我国招标投标法规调参。采购人不在单位名册中的命中只有命令行操作员可见。",
            "Each red flag is a reason to look, not a finding. The OCDS-* indicators reproduce OCDS Cardinal exactly (never tuned); the PR-* indicators are tuned to China's procurement law. Hits whose buyer is not a registered unit are seen by the command-line operator only.",
        )],
        figures: vec![
            figure("红旗（命中）", "Red flags (hits)", s.hits.to_string(), None),
            figure(
                "被提示项目",
                "Flagged processes",
                s.processes_total.to_string(),
                None,
            ),
            figure("采购人", "Buyers", s.buyers_total.to_string(), None),
            figure(
                "供应商与投标人",
                "Suppliers and tenderers",
                s.suppliers_total.to_string(),
                None,
            ),
        ],
        tables: vec![by_ind, procs, buyers, suppliers],
        ..Page::default()
    }
}

/// `GET /procurement`: the procurement red flags inside the jurisdiction.
pub async fn procurement_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    respond_cached(
        state,
        headers,
        q,
        "/procurement".into(),
        |state, p, _| async move {
            let s = state
                .store
                .procurement_summary(&p, LIST_LIMIT as usize)
                .await?;
            let ids: Vec<String> = s.suppliers.iter().map(|o| o.id.clone()).collect();
            let visible = state.store.unit_names(&p, &ids).await?;
            Ok::<_, ApiError>(build(&state, &s, &visible))
        },
    )
    .await
}
