//! `GET /enforcement/cases/{case_id}`: a case's trajectory (办案轨迹) — its steps on a
//! timeline table and on the map-like SVG, each with its ledger proof — and
//! `GET /enforcement/imports/{index}/proof`, the inclusion proof of an enforcement dataset's
//! import entry. The capability ledgers the view of the GPS track before the page is built.

use super::map::trajectory_svg;
use super::{capability, failed, metres, respond};
use crate::auth;
use crate::error::ApiError;
use crate::export::{Cell, Table};
use crate::pages::cockpit::{CockpitQuery, Page, chart, fact, seg, text};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qinglian_enforce::Trajectory;
use qinglian_store::ledger::LedgerEntry;

/// The dataset whose rows are the case's steps.
const EVENTS: &str = "le_case_events";

/// The import entries of an enforcement dataset, newest first.
async fn imports(state: &AppState, dataset: &str) -> Result<Vec<LedgerEntry>, ApiError> {
    let mut v: Vec<LedgerEntry> = state
        .store
        .ledger_object_history("dataset", dataset)
        .await?
        .into_iter()
        .filter(|e| e.kind == "import")
        .collect();
    v.reverse();
    Ok(v)
}

fn proof_href(index: u64) -> String {
    format!("/enforcement/imports/{index}/proof")
}

/// The proof cell of a step: its import batch's entry when there is exactly one, else the
/// candidates (which batch holds a row is not told by the trajectory).
fn proof_cell(batches: &[LedgerEntry]) -> Cell {
    match batches {
        [] => Cell::pair("无导入记录", "no import entry"),
        [one] => Cell::pair(
            format!("导入批次：账本第 {} 条", one.index),
            format!("import batch: ledger entry {}", one.index),
        )
        .link(proof_href(one.index)),
        many => {
            let list = many
                .iter()
                .map(|e| e.index.to_string())
                .collect::<Vec<_>>()
                .join("、");
            Cell::pair(
                format!("导入批次之一：账本第 {list} 条"),
                format!("one of the import batches: ledger entries {list}"),
            )
            .link(proof_href(many[0].index))
        }
    }
}

fn build(t: &Trajectory, batches: &[LedgerEntry]) -> Page {
    let c = &t.case;
    let mut events = Table::new(
        "events",
        "办案环节（时间顺序）",
        "Steps (in time order)",
        &[
            ("序号", "#"),
            ("环节", "Step"),
            ("时间", "Time"),
            ("地点", "Place"),
            ("办案人员", "Officers"),
            ("现场", "On site"),
            ("距最近定位", "To nearest GPS fix"),
            ("定位时差（秒）", "Fix time apart (s)"),
            ("账本证明", "Ledger proof"),
        ],
    );
    for (i, e) in t.events.iter().enumerate() {
        let officers = match &e.co_officer_id {
            Some(co) => format!("{}、{co}", e.officer_id),
            None => e.officer_id.clone(),
        };
        let (dist, apart) = match &e.nearest_fix {
            Some(f) => {
                let mut d = Cell::text(metres(f.distance_m));
                d.num = Some(f.distance_m);
                (d, Cell::int(f.seconds_apart))
            }
            None => (Cell::text("-"), Cell::text("-")),
        };
        events.row(vec![
            Cell::int(i as i64 + 1),
            Cell::pair(e.step_zh, e.step.clone()),
            Cell::text(e.at.text()),
            Cell::text(e.place.clone().unwrap_or_else(|| "-".into())),
            Cell::text(officers),
            match e.on_site {
                Some(true) => Cell::pair("是", "yes"),
                Some(false) => Cell::pair("否", "no"),
                None => Cell::text("-"),
            },
            dist,
            apart,
            proof_cell(batches),
        ]);
    }
    let mut track = Table::new(
        "track",
        "主办队员 GPS 定位点",
        "The lead officer's GPS fixes",
        &[
            ("时间", "Time"),
            ("经度", "Longitude"),
            ("纬度", "Latitude"),
        ],
    );
    for p in &t.track {
        track.row(vec![
            Cell::text(p.at.text()),
            Cell::text(format!("{:.6}", p.longitude)),
            Cell::text(format!("{:.6}", p.latitude)),
        ]);
    }
    track.empty_zh = "该时段没有定位点".into();
    track.empty_en = "no GPS fix in the window".into();
    let mut facts = vec![
        fact("案件编号", "Case id", Cell::text(c.case_id.clone())),
        fact(
            "类型",
            "Type",
            Cell::pair(c.case_type_zh(), c.case_type.clone()),
        ),
        fact(
            "主办队员",
            "Lead officer",
            Cell::text(t.officer_id.clone())
                .link(format!("/enforcement/officers/{}", seg(&t.officer_id))),
        ),
        fact(
            "单位",
            "Unit",
            Cell::text(c.unit_id.clone()).link(format!("/units/{}", seg(&c.unit_id))),
        ),
        fact("受理", "Received", Cell::text(c.received_at.text())),
        fact(
            "办结",
            "Closed",
            Cell::text(c.closed_at.map_or_else(|| "-".into(), |x| x.text())),
        ),
        fact(
            "地点",
            "Place",
            Cell::text(c.place.clone().unwrap_or_else(|| "-".into())),
        ),
        fact(
            "轨迹时段",
            "Track window",
            Cell::text(format!("{} – {}", t.from.text(), t.to.text())),
        ),
        fact("轨迹里程", "Track length", Cell::text(metres(t.path_m))),
        fact(
            "最大定位偏差",
            "Largest step-to-fix distance",
            Cell::text(t.max_fix_distance_m.map_or_else(|| "-".into(), metres)),
        ),
    ];
    if let Some(o) = &c.outcome {
        facts.push(fact("结果", "Outcome", Cell::text(o.clone())));
    }
    let charts = trajectory_svg(t)
        .map(|svg| {
            vec![chart(
                "轨迹图：蓝线为主办队员 GPS 轨迹，红色编号为各环节记录地点（虚线连到时间最近的定位点），方框为案发地",
                "Map: blue is the lead officer's GPS track, red numbers the steps' recorded places (dashed to the fix nearest in time), the square the case's place",
                svg,
            )]
        })
        .unwrap_or_default();
    Page {
        kicker_zh: "智慧执法 · 办案轨迹".into(),
        kicker_en: "law enforcement · trajectory".into(),
        title_zh: format!("案件 {} 的办案轨迹", c.case_id),
        title_en: format!("Trajectory of case {}", c.case_id),
        stem: super::stem(&["case", &c.case_id]),
        facts,
        texts: vec![text(
            "账本证明",
            "Ledger proof",
            &format!(
                "办案环节是批量导入的数据（{EVENTS}）：每次导入是账本中的一条记录，含每个文件各行的默克尔根。“账本证明”一栏链接到该导入记录的包含证明（.tlog-proof）；轨迹不说明某一行来自哪一批，导入不止一批时列出全部候选批次。单行的证明（记录在批次默克尔根中的位置）由命令行生成：qinglian ledger record-proof 记录号 行号。本次查看 GPS 轨迹已记入账本（personal_view）。"
            ),
            &format!(
                "The steps are bulk-imported data ({EVENTS}): each import is one ledger entry carrying a Merkle root over each file's rows. The ledger-proof column links to that import entry's inclusion proof (.tlog-proof); the trajectory does not say which batch a row came from, so with several imports every candidate batch is listed. A single row's proof (its place under the batch's Merkle root) comes from the command line: qinglian ledger record-proof INDEX ROW. This view of the GPS track has been recorded in the ledger (personal_view)."
            ),
        )],
        charts,
        tables: vec![events, track],
        ..Page::default()
    }
}

/// `GET /enforcement/cases/{case_id}`.
pub async fn case_page(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<CockpitQuery>, QueryRejection>,
) -> Response {
    let path = format!("/enforcement/cases/{}", seg(&case_id));
    respond(state, headers, q, path, move |state, e, p, _| async move {
        // Outside the jurisdiction or missing: 404 alike (the capability decides).
        let t = e
            .trajectory(&p, case_id)
            .await
            .map_err(failed)?
            .ok_or_else(ApiError::not_found)?;
        let batches = imports(&state, EVENTS).await?;
        Ok((build(&t, &batches), None))
    })
    .await
}

/// `GET /enforcement/imports/{index}/proof`: the inclusion proof of an enforcement dataset's
/// import entry (any other entry, or a server without the pages: 404).
pub async fn import_proof(
    State(state): State<AppState>,
    Path(index): Path<u64>,
    headers: HeaderMap,
) -> Response {
    match proof(&state, &headers, index).await {
        Ok(r) => r,
        Err(e) => {
            let (lang, _) = crate::pages::resolve_lang(None, &headers, state.https());
            crate::pages::error_page(lang, &e)
        }
    }
}

async fn proof(state: &AppState, headers: &HeaderMap, index: u64) -> Result<Response, ApiError> {
    let Some((p, _, _)) = auth::session(state, headers).await? else {
        return Ok(crate::pages::see_other(&format!(
            "/login?next={}",
            crate::pages::pct(&proof_href(index))
        )));
    };
    if capability(state).is_none() || !super::nav_has_enforcement(state, &p) {
        return Err(ApiError::not_found());
    }
    let entry = state
        .store
        .ledger_entry(index)
        .await?
        .filter(|e| {
            e.kind == "import"
                && e.object_type.as_deref() == Some("dataset")
                && e.object_id.as_deref().is_some_and(|d| d.starts_with("le_"))
        })
        .ok_or_else(ApiError::not_found)?;
    crate::pages::proof::download(state, &entry, &format!("import-entry-{index}.tlog-proof")).await
}
