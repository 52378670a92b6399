//! `GET /enforcement/cases/{case_id}`: a case's trajectory (办案轨迹) — its steps on a
//! timeline table and on the map-like SVG, each with its ledger proof — and
//! `GET /enforcement/cases/{case_id}/steps/{event_id}/proof`, one step's record proof: its row
//! under the rows root of the import entry that brought it, plus that entry's receipt. The
//! capability ledgers the view of the GPS track before the page is built, and the view of the
//! row before the proof is handed out.

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
use axum::http::StatusCode;
use axum::response::Response;
use qinglian_enforce::{Event, RowSource, Trajectory};
use qinglian_lake::rowhash::RowProofError;
use qinglian_ledger::Hash;
use qinglian_store::ledger::LedgerEntry;

/// The dataset whose rows are the case's steps.
const EVENTS: &str = "le_case_events";

/// One file of an import entry: where a row imported from `content_hash` is proven.
#[derive(Debug, Clone)]
struct ImportFile {
    entry: LedgerEntry,
    file: usize,
    content_hash: String,
    rows_root: Hash,
}

/// The files of a dataset's import entries, newest entry first.
async fn import_files(state: &AppState, dataset: &str) -> Result<Vec<ImportFile>, ApiError> {
    let mut entries: Vec<LedgerEntry> = state
        .store
        .ledger_object_history("dataset", dataset)
        .await?
        .into_iter()
        .filter(|e| e.kind == "import")
        .collect();
    entries.reverse();
    let mut out = Vec::new();
    for e in entries {
        let v: serde_json::Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
        let files = v["files"].as_array().cloned().unwrap_or_default();
        for (file, f) in files.iter().enumerate() {
            let (Some(content_hash), Some(rows_root)) = (
                f["content_hash"].as_str(),
                f["rows_root"]
                    .as_str()
                    .and_then(qinglian_ledger::hash_from_hex),
            ) else {
                continue;
            };
            out.push(ImportFile {
                entry: e.clone(),
                file,
                content_hash: content_hash.to_owned(),
                rows_root,
            });
        }
    }
    Ok(out)
}

fn find<'a>(files: &'a [ImportFile], source: &RowSource) -> Option<&'a ImportFile> {
    files.iter().find(|f| f.content_hash == source.content_hash)
}

fn step_proof_href(case_id: &str, event_id: &str) -> String {
    format!(
        "/enforcement/cases/{}/steps/{}/proof",
        seg(case_id),
        seg(event_id)
    )
}

/// The proof cell of a step: its import entry and row, linking to the record proof.
fn proof_cell(case_id: &str, e: &Event, files: &[ImportFile]) -> Cell {
    let Some((f, row)) = e
        .source
        .as_ref()
        .and_then(|s| find(files, s).map(|f| (f, s.row)))
    else {
        return Cell::pair("无导入记录", "no import entry");
    };
    let file = if f.file > 0 {
        (
            format!(" · 第 {} 个文件", f.file + 1),
            format!(", file {}", f.file + 1),
        )
    } else {
        Default::default()
    };
    Cell::pair(
        format!("账本第 {} 条导入{} · 行 {row}", f.entry.index, file.0),
        format!("import entry {}{}, row {row}", f.entry.index, file.1),
    )
    .link(step_proof_href(case_id, &e.event_id))
}

fn build(t: &Trajectory, files: &[ImportFile]) -> Page {
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
            proof_cell(&c.case_id, e, files),
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
                "办案环节是批量导入的数据（{EVENTS}）：每次导入是账本中的一条记录，含每个文件各行的默克尔根。“账本证明”一栏给出每个环节所在的导入记录和行号（从 0 起，与证明文件中的 row 一致），点击下载该行的记录证明（JSON）：行内容、该行在导入批次默克尔树中的路径，以及导入记录的包含证明（C2SP tlog-proof）。任何人可离线核验：qinglian ledger verify-record 文件 --vkey 公钥；也可用命令行重新生成：qinglian ledger record-proof 记录号 行号（行号从 0 起）。本次查看 GPS 轨迹已记入账本（personal_view），下载记录证明也会记入。"
            ),
            &format!(
                "The steps are bulk-imported data ({EVENTS}): each import is one ledger entry carrying a Merkle root over each file's rows. The ledger-proof column names each step's import entry and row (counted from 0, as the proof's row field); the link downloads that row's record proof (JSON): the row, its path in the import's Merkle tree and the import entry's inclusion proof (a C2SP tlog-proof). Anyone verifies it offline with qinglian ledger verify-record FILE --vkey KEY, or makes it again with qinglian ledger record-proof INDEX ROW (rows counted from 0). This view of the GPS track has been recorded in the ledger (personal_view), and so is each record-proof download."
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
        let files = import_files(&state, EVENTS).await?;
        Ok((build(&t, &files), None))
    })
    .await
}

/// `GET /enforcement/cases/{case_id}/steps/{event_id}/proof`: the step's record proof, for
/// whoever may see the case (else, or without the pages: 404).
pub async fn step_proof(
    State(state): State<AppState>,
    Path((case_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match record_proof(&state, &headers, &case_id, &event_id).await {
        Ok(r) => r,
        Err(e) => {
            let (lang, _) = crate::pages::resolve_lang(None, &headers, state.https());
            crate::pages::error_page(lang, &e)
        }
    }
}

async fn record_proof(
    state: &AppState,
    headers: &HeaderMap,
    case_id: &str,
    event_id: &str,
) -> Result<Response, ApiError> {
    let Some((p, _, _)) = auth::session(state, headers).await? else {
        return Ok(crate::pages::see_other(&format!(
            "/login?next={}",
            crate::pages::pct(&step_proof_href(case_id, event_id))
        )));
    };
    let Some(e) = capability(state).filter(|_| super::nav_has_enforcement(state, &p)) else {
        return Err(ApiError::not_found());
    };
    // Jurisdiction: the capability answers only for a case the principal sees.
    let source = e
        .step_source(&p, case_id.to_owned(), event_id.to_owned())
        .await
        .map_err(failed)?
        .ok_or_else(ApiError::not_found)?;
    let files = import_files(state, EVENTS).await?;
    let f = find(&files, &source).ok_or_else(ApiError::not_found)?;
    let proof = match e
        .import_row_proof(
            &p,
            EVENTS,
            source.content_hash.clone(),
            f.rows_root,
            source.row,
        )
        .await
        .map_err(failed)?
    {
        Ok(proof) => proof,
        Err(err @ RowProofError::Altered) => {
            let text = err.to_string();
            let (zh, en) = text.split_once(" / ").unwrap_or((&text, &text));
            return Err(ApiError::new(StatusCode::CONFLICT, "LAKE_ALTERED", zh, en));
        }
        Err(err) => return Err(failed(err.into())),
    };
    let receipt = crate::pages::proof::receipt(state, &f.entry).await?;
    let doc = proof.document(f.entry.index, f.file, &receipt);
    let body = serde_json::to_string_pretty(&doc).map_err(|e| failed(e.into()))?;
    Ok(crate::pages::proof::attachment(
        &format!("step-{event_id}.record-proof.json"),
        "application/json",
        body,
    ))
}
