//! `enforcement`: the officer workload table, a case's trajectory and the squad board, read
//! straight from the lake (`qinglian-enforce`); and the same capability for the web pages
//! ([`CliEnforcement`], an implementation of [`qinglian_web::Enforcement`]).
//!
//! Personal data: officer names are shown masked (`张*丰`) unless `--unmask` is given, and an
//! unmasked table or a GPS track (which cannot be masked) is shown only after a
//! `personal_view` ledger entry recording who looked at what: the entry names the dataset, the
//! query and a SHA-256 over the people's ids, never a name.

use super::Ctx;
use super::ensure_store;
use crate::cli::AsArgs;
use crate::output::{print_json, table};
use anyhow::Context;
use clap::{Args, Subcommand};
use qinglian_core::{DivisionCode, Msg};
use qinglian_enforce::{
    OFFICER_CASES_CAP, OfficerCases, Period, RankBy, Roster, RowSource, Squad, Trajectory,
    TrajectoryIndex, Workload, WorkloadOptions, WorkloadRow,
};
use qinglian_lake::Lake;
use qinglian_lake::rowhash::{RowProof, RowProofError};
use qinglian_store::Principal;
use qinglian_store::ledger::{Ledger, Unit};
use qinglian_web::{BoxFuture, SquadCard, WorkloadRequest};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

#[derive(Debug, Subcommand)]
pub enum EnforcementCmd {
    /// 执法队员工作量化表 / the officer workload table
    Workload(WorkloadArgs),
    /// 案件办理轨迹：环节、时间、地点与主办队员 GPS 轨迹 / a case's trajectory: steps, times, places and the lead officer's GPS track
    Trajectory(TrajectoryArgs),
    /// 执法中队名册（队伍看板）/ the squad roster (team board)
    Board(BoardArgs),
}

#[derive(Debug, Args)]
pub struct WorkloadArgs {
    /// 统计周期：2025-09-03（日）、2025-W36（周）、2025-09上旬/中旬/下旬 或 2025-09-D1/D2/D3（旬）、2025-09（月）、2025（年）、2025-09-01..2025-09-10（区间）/ period: day, ISO week, dekad, month, year or a range of days
    #[arg(long, value_name = "P")]
    pub period: String,
    /// 只列此中队 / only this squad
    #[arg(long, value_name = "ID")]
    pub squad: Option<String>,
    /// 只列此队员 / only this officer
    #[arg(long, value_name = "ID")]
    pub officer: Option<String>,
    /// 排名依据：closed（办结量，默认）、inspections（检查数）、patrol_km（巡查里程）/ rank by: closed (default), inspections, patrol_km
    #[arg(long, value_name = "KEY", default_value = "closed")]
    pub rank_by: String,
    /// 显示完整姓名（记入账本）/ show full names (recorded in the ledger)
    #[arg(long)]
    pub unmask: bool,
    /// 导出为 Excel 文件（中文表头）/ export to an Excel file (Chinese headers)
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
    #[command(flatten)]
    pub who: AsArgs,
}

#[derive(Debug, Args)]
pub struct TrajectoryArgs {
    /// 案件编号 / case id
    pub case_id: String,
    #[command(flatten)]
    pub who: AsArgs,
}

#[derive(Debug, Args)]
pub struct BoardArgs {
    /// 只列此执法单位的中队 / only the squads of this unit
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<String>,
    /// 只列此区划内的中队 / only the squads inside this division
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
    /// 显示完整姓名（记入账本）/ show full names (recorded in the ledger)
    #[arg(long)]
    pub unmask: bool,
    #[command(flatten)]
    pub who: AsArgs,
}

/// Whether the principal may see the squad (the store's `scope` decides, by its division).
fn sees(p: &Principal, s: &Squad) -> bool {
    DivisionCode::parse(&s.division_code).is_ok_and(|d| qinglian_store::scope::sees_squad(p, &d))
}

/// Whether the principal may see an officer's row: through the officer's squad; officers not
/// on the roster only by the operator.
fn sees_row(p: &Principal, roster: &Roster, r: &WorkloadRow) -> bool {
    match roster.squad(&r.squad_id) {
        Some(s) => sees(p, s),
        None => p.scope == qinglian_store::Scope::All,
    }
}

fn mask(name: &mut Option<String>) {
    if let Some(n) = name {
        *n = qinglian_core::ids::mask_name(n);
    }
}

fn subjects_hash<'a>(ids: impl Iterator<Item = &'a str>) -> (usize, String) {
    let mut v: Vec<&str> = ids.collect();
    v.sort_unstable();
    v.dedup();
    let mut h = Sha256::new();
    for id in &v {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    (v.len(), hex::encode(h.finalize()))
}

/// Records a view of personal data; returns the entry's index. Callers show the data only
/// after this succeeded.
async fn record_view(
    ledger: &Ledger,
    p: &Principal,
    actor: &str,
    object: (&str, &str),
    mut detail: serde_json::Value,
) -> anyhow::Result<u64> {
    let m = detail.as_object_mut().expect("object");
    m.insert("actor".into(), actor.into());
    m.insert("role".into(), p.role.as_str().into());
    m.insert(
        "ts".into(),
        chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
            .into(),
    );
    let unit = Unit::new("personal_view", detail).about(object.0, object.1);
    Ok(ledger.append(unit).await?.index)
}

fn bad(code: &'static str, zh: String, en: String) -> anyhow::Error {
    anyhow::Error::new(Msg::new(code, zh, en))
}

/// The workload table the principal may see: computed for every officer (ranks need them all),
/// then narrowed to visible squads and the asked-for squad or officer.
fn visible_workload(
    lake: &Lake,
    roster: &Roster,
    p: &Principal,
    period: &Period,
    opts: &WorkloadOptions,
    squad: Option<&str>,
    officer: Option<&str>,
) -> Result<Workload, Msg> {
    let mut w = qinglian_enforce::workload(lake, roster, period, opts)?;
    w.rows.retain(|r| {
        sees_row(p, roster, r)
            && squad.is_none_or(|s| r.squad_id == s)
            && officer.is_none_or(|o| r.officer_id == o)
    });
    Ok(w)
}

pub async fn run(ctx: &Ctx, cmd: EnforcementCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        EnforcementCmd::Workload(a) => workload(ctx, a).await,
        EnforcementCmd::Trajectory(a) => trajectory(ctx, a).await,
        EnforcementCmd::Board(a) => board(ctx, a).await,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x:.digits$}"))
}

const WORKLOAD_HEADERS: [(&str, &str); 24] = [
    ("队员编号", "officer"),
    ("姓名", "name"),
    ("中队", "squad"),
    ("身份", "status"),
    ("接警数", "incidents received"),
    ("处警办结数", "incidents closed"),
    ("立案数", "cases registered"),
    ("结案数", "cases closed"),
    ("应办结数", "due"),
    ("按期办结数", "on time"),
    ("按期办结率", "on-time rate"),
    ("警情用时中位数（小时）", "median incident hours"),
    ("案件用时中位数（天）", "median case days"),
    ("现场环节数", "on-site steps"),
    ("有音视频环节数", "steps with AV"),
    ("音视频覆盖率", "AV coverage"),
    ("巡查时长（小时）", "patrol hours"),
    ("巡查里程（公里）", "patrol km"),
    ("检查数", "inspections"),
    ("每巡查小时检查数", "inspections per patrol hour"),
    ("被投诉数", "complaints"),
    ("投诉属实数", "sustained"),
    ("中队排名", "rank in squad"),
    ("同类百分位", "peer percentile"),
];

/// Writes the table with numbers as numbers (sortable in Excel), Chinese headers, and the
/// period and ranking rule on a second sheet.
fn export_workload(path: &std::path::Path, w: &Workload) -> anyhow::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("工作量化表")?;
    for (c, (zh, _)) in WORKLOAD_HEADERS.iter().enumerate() {
        ws.write_with_format(0, c as u16, *zh, &bold)?;
    }
    for (i, r) in w.rows.iter().enumerate() {
        let row = i as u32 + 1;
        let mut c = 0u16;
        let mut text = |ws: &mut rust_xlsxwriter::Worksheet, v: &str| -> anyhow::Result<()> {
            ws.write(row, c, v)?;
            c += 1;
            Ok(())
        };
        text(ws, &r.officer_id)?;
        text(ws, r.name.as_deref().unwrap_or(""))?;
        text(ws, r.squad_name.as_deref().unwrap_or(&r.squad_id))?;
        text(
            ws,
            match r.status.as_deref() {
                Some("auxiliary") => "协管辅助人员",
                Some(_) => "执法人员",
                None => "",
            },
        )?;
        let nums: [Option<f64>; 20] = [
            Some(f64::from(r.incidents_received)),
            Some(f64::from(r.incidents_closed)),
            Some(f64::from(r.cases_registered)),
            Some(f64::from(r.cases_closed)),
            Some(f64::from(r.due)),
            Some(f64::from(r.on_time)),
            r.on_time_rate,
            r.median_incident_hours,
            r.median_case_days,
            Some(f64::from(r.onsite_steps)),
            Some(f64::from(r.onsite_with_av)),
            r.evidence_rate,
            Some(r.patrol_hours),
            Some(r.patrol_km),
            Some(f64::from(r.inspections)),
            r.inspections_per_patrol_hour,
            Some(f64::from(r.complaints)),
            Some(f64::from(r.complaints_sustained)),
            Some(f64::from(r.squad_rank)),
            r.percentile,
        ];
        for (k, v) in nums.iter().enumerate() {
            if let Some(x) = v {
                ws.write(row, 4 + k as u16, *x)?;
            }
        }
    }
    ws.autofit();
    let about = wb.add_worksheet();
    about.set_name("说明")?;
    let lines = [
        ("统计周期 period", w.period.label.clone()),
        (
            "起止日期 days",
            format!("{} – {}", w.period.first, w.period.last),
        ),
        ("排名依据 ranked by", w.options.rank_by.name_zh().to_owned()),
        (
            "期限 time limits",
            format!(
                "警情 {} 小时；行政处罚 立案起 {} 天（延期 +{}）；治安案件 受案起 {} 天（延期 +{}）；扣除中止期间",
                w.options.limits.incident_hours,
                w.options.limits.admin_penalty_days,
                w.options.limits.admin_penalty_extension_days,
                w.options.limits.public_security_days,
                w.options.limits.public_security_extension_days
            ),
        ),
    ];
    for (i, (k, v)) in lines.iter().enumerate() {
        about.write_with_format(i as u32, 0, *k, &bold)?;
        about.write(i as u32, 1, v.as_str())?;
    }
    about.autofit();
    wb.save(path)?;
    Ok(())
}

async fn workload(ctx: &Ctx, a: WorkloadArgs) -> anyhow::Result<ExitCode> {
    let period = Period::parse(&a.period)?;
    let rank_by = RankBy::parse(&a.rank_by)?;
    let env = ensure_store(&ctx.settings).await?;
    let who = super::clues::acting(&env.store, &a.who).await?;
    let lake = Lake::new(ctx.settings.lake_dir());
    let opts = WorkloadOptions {
        rank_by,
        ..Default::default()
    };
    let (squad, officer) = (a.squad.clone(), a.officer.clone());
    let who2 = who.clone();
    let started = std::time::Instant::now();
    let (mut w, ids) = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
        let roster = Roster::load(&lake)?;
        let w = visible_workload(
            &lake,
            &roster,
            &who2,
            &period,
            &opts,
            squad.as_deref(),
            officer.as_deref(),
        )?;
        let ids: Vec<String> = w.rows.iter().filter_map(|r| r.person_id.clone()).collect();
        Ok((w, ids))
    })
    .await??;
    let elapsed = started.elapsed();
    let mut ledger_index = None;
    if a.unmask && !w.rows.is_empty() {
        let (n, hash) = subjects_hash(ids.iter().map(String::as_str));
        let detail = serde_json::json!({
            "purpose": "enforcement_workload",
            "datasets": ["le_officers", "people"],
            "period": w.period.label,
            "squad": a.squad,
            "officer": a.officer,
            "people": n,
            "people_sha256": hash,
        });
        let detail = drop_nulls(detail);
        ledger_index = Some(
            record_view(
                &env.ledger,
                &who,
                &who.username,
                ("enforcement_workload", &w.period.label),
                detail,
            )
            .await?,
        );
    } else {
        for r in &mut w.rows {
            mask(&mut r.name);
        }
    }
    env.store.close().await;
    if let Some(path) = &a.export {
        export_workload(path, &w)
            .with_context(|| format!("无法写入 {0} / cannot write {0}", path.display()))?;
    }
    if ctx.json {
        print_json(&serde_json::json!({
            "workload": w,
            "ledger_index": ledger_index,
            "elapsed_ms": elapsed.as_millis() as u64,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "统计周期 period: {}（{} – {}，{}）",
        w.period.label,
        w.period.first,
        w.period.last,
        w.period.kind.name_zh()
    );
    let headers: Vec<String> = [
        ("队员", "officer"),
        ("姓名", "name"),
        ("中队", "squad"),
        ("接警", "inc.recv"),
        ("处警办结", "inc.closed"),
        ("立案", "reg."),
        ("结案", "closed"),
        ("按期率", "on-time"),
        ("警情用时中位(时)", "med.h"),
        ("案件用时中位(天)", "med.d"),
        ("音视频覆盖", "AV"),
        ("巡查(时)", "patrol h"),
        ("里程(公里)", "km"),
        ("检查/时", "insp/h"),
        ("投诉", "compl."),
        ("中队排名", "rank"),
        ("百分位", "pct"),
    ]
    .iter()
    .map(|(zh, en)| format!("{zh} {en}"))
    .collect();
    let rows: Vec<Vec<String>> = w
        .rows
        .iter()
        .map(|r| {
            vec![
                r.officer_id.clone(),
                r.name.clone().unwrap_or_default(),
                r.squad_name.clone().unwrap_or_else(|| r.squad_id.clone()),
                r.incidents_received.to_string(),
                r.incidents_closed.to_string(),
                r.cases_registered.to_string(),
                r.cases_closed.to_string(),
                format!("{} ({}/{})", pct(r.on_time_rate), r.on_time, r.due),
                num(r.median_incident_hours, 1),
                num(r.median_case_days, 1),
                format!(
                    "{} ({}/{})",
                    pct(r.evidence_rate),
                    r.onsite_with_av,
                    r.onsite_steps
                ),
                format!("{:.1}", r.patrol_hours),
                format!("{:.1}", r.patrol_km),
                num(r.inspections_per_patrol_hour, 2),
                if r.complaints_sustained > 0 {
                    format!("{}（属实 {}）", r.complaints, r.complaints_sustained)
                } else {
                    r.complaints.to_string()
                },
                format!("{}/{}", r.squad_rank, r.squad_size),
                num(r.percentile, 0),
            ]
        })
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    table(&h, &rows);
    println!(
        "\n{} 名队员，按{}排名；用时 {} ms{}{} / {} officers, ranked by {:?}",
        w.rows.len(),
        w.options.rank_by.name_zh(),
        elapsed.as_millis(),
        ledger_index
            .map(|i| format!("；查看已记入账本第 {i} 条 view recorded as ledger entry {i}"))
            .unwrap_or_else(|| "；姓名已脱敏（--unmask 显示并记入账本）names masked".into()),
        a.export
            .as_ref()
            .map(|p| format!("；已导出 exported {}", p.display()))
            .unwrap_or_default(),
        w.rows.len(),
        w.options.rank_by,
    );
    Ok(ExitCode::SUCCESS)
}

/// Canonical ledger JSON has no nulls.
fn drop_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The trajectory if the case exists and its squad (else its own division) is visible.
fn visible_trajectory(t: Option<Trajectory>, roster: &Roster, p: &Principal) -> Option<Trajectory> {
    let t = t?;
    let ok = match roster.squad(&t.case.squad_id) {
        Some(s) => sees(p, s),
        None => DivisionCode::parse(&t.case.division_code)
            .is_ok_and(|d| qinglian_store::scope::sees_squad(p, &d)),
    };
    ok.then_some(t)
}

/// Whether the principal may see a case: through its squad, else its own division (as
/// [`visible_trajectory`]).
fn sees_case(p: &Principal, roster: &Roster, squad_id: &str, division_code: &str) -> bool {
    match roster.squad(squad_id) {
        Some(s) => sees(p, s),
        None => DivisionCode::parse(division_code)
            .is_ok_and(|d| qinglian_store::scope::sees_squad(p, &d)),
    }
}

/// The officer's cases for the period if the principal sees the officer (through the
/// officer's squad; officers not on the roster only by the operator), narrowed to the cases
/// the principal sees, then capped.
fn visible_officer_cases(
    lake: &Lake,
    roster: &Roster,
    p: &Principal,
    officer_id: &str,
    period: &Period,
) -> Result<Option<OfficerCases>, Msg> {
    let visible = match roster.officer(officer_id) {
        Some(o) => match roster.squad(&o.squad_id) {
            Some(s) => sees(p, s),
            None => p.scope == qinglian_store::Scope::All,
        },
        None => p.scope == qinglian_store::Scope::All,
    };
    if !visible {
        return Ok(None);
    }
    let opts = WorkloadOptions::default();
    let mut c = qinglian_enforce::officer_cases(lake, officer_id, period, &opts, usize::MAX)?;
    c.cases
        .retain(|x| sees_case(p, roster, &x.squad_id, &x.division_code));
    c.total = c.cases.len();
    c.truncated = c.total > OFFICER_CASES_CAP;
    c.cases.truncate(OFFICER_CASES_CAP);
    Ok(Some(c))
}

async fn trajectory_view_entry(
    ledger: &Ledger,
    p: &Principal,
    t: &Trajectory,
) -> anyhow::Result<u64> {
    record_view(
        ledger,
        p,
        &p.username,
        ("case", &t.case.case_id),
        serde_json::json!({
            "purpose": "case_trajectory",
            "datasets": ["le_gps_points"],
            "officer_id": t.officer_id,
            "points": t.track.len(),
        }),
    )
    .await
}

async fn trajectory(ctx: &Ctx, a: TrajectoryArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let who = super::clues::acting(&env.store, &a.who).await?;
    let lake = Lake::new(ctx.settings.lake_dir());
    let (case_id, who2) = (a.case_id.clone(), who.clone());
    let started = std::time::Instant::now();
    let t = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
        let roster = Roster::load(&lake)?;
        let t = qinglian_enforce::trajectory_scan(&lake, &case_id)?;
        Ok(visible_trajectory(t, &roster, &who2))
    })
    .await??;
    let elapsed = started.elapsed();
    let Some(t) = t else {
        env.store.close().await;
        return Err(bad(
            "CASE_NOT_FOUND",
            format!("没有案件 {}（或不在您的管辖范围内）", a.case_id),
            format!(
                "no case {} (or it lies outside your jurisdiction)",
                a.case_id
            ),
        ));
    };
    let index = trajectory_view_entry(&env.ledger, &who, &t).await?;
    env.store.close().await;
    if ctx.json {
        print_json(&serde_json::json!({
            "trajectory": t,
            "ledger_index": index,
            "elapsed_ms": elapsed.as_millis() as u64,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    let c = &t.case;
    println!(
        "案件 case {}  {} {}  中队 squad {}  主办 lead {}",
        c.case_id,
        c.case_type_zh(),
        c.case_type,
        c.squad_id,
        c.lead_officer_id
    );
    println!(
        "受案 received {}  立案 registered {}  决定 decided {}  结案 closed {}  地点 place {}",
        c.received_at.text(),
        c.registered_at
            .map(|x| x.text())
            .unwrap_or_else(|| "—".into()),
        c.decided_at.map(|x| x.text()).unwrap_or_else(|| "—".into()),
        c.closed_at.map(|x| x.text()).unwrap_or_else(|| "—".into()),
        c.place.as_deref().unwrap_or("—"),
    );
    let rows: Vec<Vec<String>> = t
        .events
        .iter()
        .map(|e| {
            vec![
                e.at.text(),
                format!("{} {}", e.step_zh, e.step),
                match &e.co_officer_id {
                    Some(co) => format!("{}+{co}", e.officer_id),
                    None => e.officer_id.clone(),
                },
                if e.on_site == Some(true) { "是" } else { "" }.to_owned(),
                e.place.clone().unwrap_or_default(),
                match (e.longitude, e.latitude) {
                    (Some(x), Some(y)) => format!("{x:.5},{y:.5}"),
                    _ => String::new(),
                },
                e.nearest_fix
                    .as_ref()
                    .map(|f| format!("{:.0} m（相差 {} 秒）", f.distance_m, f.seconds_apart))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "时间 time",
            "环节 step",
            "队员 officer",
            "现场 on-site",
            "地点 place",
            "经纬度 lon,lat",
            "与GPS距离 to GPS",
        ],
        &rows,
    );
    println!(
        "\n轨迹 track: 主办队员 {} 在 {} – {} 的 {} 个定位点，路径 {:.2} 公里{}；用时 {} ms；查看已记入账本第 {index} 条 / {} GPS points, path {:.2} km, view recorded as ledger entry {index}",
        t.officer_id,
        t.from.text(),
        t.to.text(),
        t.track.len(),
        t.path_m / 1000.0,
        t.max_fix_distance_m
            .map(|d| format!("，记录地点与定位最大相距 {:.2} 公里", d / 1000.0))
            .unwrap_or_default(),
        elapsed.as_millis(),
        t.track.len(),
        t.path_m / 1000.0,
    );
    Ok(ExitCode::SUCCESS)
}

fn cards(roster: &Roster, squads: Vec<&Squad>) -> Vec<SquadCard> {
    squads
        .into_iter()
        .map(|s| SquadCard {
            squad: s.clone(),
            officers: s
                .officers
                .iter()
                .filter_map(|id| roster.officer(id).cloned())
                .collect(),
        })
        .collect()
}

fn mask_cards(cards: &mut [SquadCard]) {
    for c in cards {
        mask(&mut c.squad.commander_name);
        for o in &mut c.officers {
            mask(&mut o.name);
        }
    }
}

async fn board(ctx: &Ctx, a: BoardArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let who = super::clues::acting(&env.store, &a.who).await?;
    let lake = Lake::new(ctx.settings.lake_dir());
    let who2 = who.clone();
    let (unit, division) = (a.unit.clone(), a.division.clone());
    let mut cards = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
        let roster = Roster::load(&lake)?;
        let squads = roster.board(&|s| sees(&who2, s), unit.as_deref(), division.as_deref());
        Ok(cards(&roster, squads))
    })
    .await??;
    let mut ledger_index = None;
    if a.unmask && !cards.is_empty() {
        let people = cards.iter().flat_map(|c| {
            c.officers
                .iter()
                .map(|o| o.person_id.as_str())
                .chain(c.squad.commander_person_id.as_deref())
        });
        let (n, hash) = subjects_hash(people);
        let detail = drop_nulls(serde_json::json!({
            "purpose": "enforcement_board",
            "datasets": ["le_officers", "people"],
            "unit": a.unit,
            "division": a.division,
            "people": n,
            "people_sha256": hash,
        }));
        ledger_index = Some(
            record_view(
                &env.ledger,
                &who,
                &who.username,
                (
                    "enforcement_board",
                    a.unit.as_deref().or(a.division.as_deref()).unwrap_or("all"),
                ),
                detail,
            )
            .await?,
        );
    } else {
        mask_cards(&mut cards);
    }
    env.store.close().await;
    if ctx.json {
        print_json(&serde_json::json!({ "squads": cards, "ledger_index": ledger_index }));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = cards
        .iter()
        .map(|c| {
            let serving = c.officers.iter().filter(|o| o.end_date.is_none()).count();
            let aux = c
                .officers
                .iter()
                .filter(|o| o.end_date.is_none() && o.status == "auxiliary")
                .count();
            vec![
                c.squad.squad_id.clone(),
                c.squad.name.clone(),
                c.squad
                    .unit_name
                    .clone()
                    .unwrap_or_else(|| c.squad.unit_id.clone()),
                c.squad.division_code.clone(),
                c.squad.commander_name.clone().unwrap_or_default(),
                format!("{serving}（协管 {aux}）"),
            ]
        })
        .collect();
    table(
        &[
            "中队 squad",
            "名称 name",
            "执法单位 unit",
            "辖区 division",
            "中队长 commander",
            "在岗队员 serving",
        ],
        &rows,
    );
    println!(
        "\n{} 个中队 / {} squads{}",
        cards.len(),
        cards.len(),
        ledger_index
            .map(|i| format!("；查看已记入账本第 {i} 条 view recorded as ledger entry {i}"))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// The enforcement pages' capability: the roster and the trajectory index are kept between
/// requests and rebuilt when the lake's snapshots change.
pub struct CliEnforcement {
    lake_dir: PathBuf,
    ledger: Ledger,
    cache: Arc<Mutex<Cache>>,
}

#[derive(Default)]
struct Cache {
    roster: Option<(String, Arc<Roster>)>,
    index: Option<Arc<TrajectoryIndex>>,
}

impl Cache {
    fn roster(slot: &Mutex<Cache>, lake: &Lake) -> Result<Arc<Roster>, Msg> {
        let key = Roster::snapshot_key(lake)?;
        let mut c = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((k, r)) = &c.roster
            && *k == key
        {
            return Ok(r.clone());
        }
        let r = Arc::new(Roster::load(lake)?);
        c.roster = Some((key, r.clone()));
        Ok(r)
    }

    /// The index for the lake as it is now (built on first use and after imports; requests
    /// wait for a build rather than start a second one).
    fn index(slot: &Mutex<Cache>, lake: &Lake) -> Result<Arc<TrajectoryIndex>, Msg> {
        let mut c = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = &c.index
            && i.is_current(lake)
        {
            return Ok(i.clone());
        }
        let built = Arc::new(TrajectoryIndex::build(lake)?);
        c.index = Some(built.clone());
        Ok(built)
    }
}

impl CliEnforcement {
    pub fn new(lake_dir: PathBuf, ledger: Ledger) -> Self {
        CliEnforcement {
            lake_dir,
            ledger,
            cache: Arc::default(),
        }
    }
}

impl qinglian_web::Enforcement for CliEnforcement {
    fn board(
        &self,
        p: &Principal,
        unit: Option<String>,
        division: Option<String>,
    ) -> BoxFuture<'_, anyhow::Result<Result<Vec<SquadCard>, Msg>>> {
        let (p, lake, cache) = (p.clone(), Lake::new(&self.lake_dir), self.cache.clone());
        Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
                let roster = Cache::roster(&cache, &lake)?;
                let squads = roster.board(&|s| sees(&p, s), unit.as_deref(), division.as_deref());
                let mut c = cards(&roster, squads);
                // The web shows names masked; unmasking there comes with a permission.
                mask_cards(&mut c);
                Ok(c)
            })
            .await?;
            Ok(r)
        })
    }

    fn workload(
        &self,
        p: &Principal,
        req: WorkloadRequest,
    ) -> BoxFuture<'_, anyhow::Result<Result<Workload, Msg>>> {
        let (p, lake, cache) = (p.clone(), Lake::new(&self.lake_dir), self.cache.clone());
        Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
                let period = Period::parse(&req.period)?;
                let roster = Cache::roster(&cache, &lake)?;
                let mut w = visible_workload(
                    &lake,
                    &roster,
                    &p,
                    &period,
                    &WorkloadOptions::default(),
                    req.squad.as_deref(),
                    req.officer.as_deref(),
                )?;
                for r in &mut w.rows {
                    mask(&mut r.name);
                }
                Ok(w)
            })
            .await?;
            Ok(r)
        })
    }

    fn trajectory(
        &self,
        p: &Principal,
        case_id: String,
    ) -> BoxFuture<'_, anyhow::Result<Option<Trajectory>>> {
        let (p, lake, cache) = (p.clone(), Lake::new(&self.lake_dir), self.cache.clone());
        Box::pin(async move {
            let p2 = p.clone();
            let t = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
                let index = Cache::index(&cache, &lake)?;
                let roster = Cache::roster(&cache, &lake)?;
                Ok(visible_trajectory(
                    index.trajectory(&case_id)?,
                    &roster,
                    &p2,
                ))
            })
            .await??;
            if let Some(t) = &t {
                trajectory_view_entry(&self.ledger, &p, t).await?;
            }
            Ok(t)
        })
    }

    fn step_source(
        &self,
        p: &Principal,
        case_id: String,
        event_id: String,
    ) -> BoxFuture<'_, anyhow::Result<Option<RowSource>>> {
        let (p, lake, cache) = (p.clone(), Lake::new(&self.lake_dir), self.cache.clone());
        Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
                let index = Cache::index(&cache, &lake)?;
                let roster = Cache::roster(&cache, &lake)?;
                Ok(
                    visible_trajectory(index.trajectory(&case_id)?, &roster, &p).and_then(|t| {
                        t.events
                            .into_iter()
                            .find(|e| e.event_id == event_id)
                            .and_then(|e| e.source)
                    }),
                )
            })
            .await??;
            Ok(r)
        })
    }

    fn import_row_proof(
        &self,
        p: &Principal,
        dataset: &'static str,
        content_hash: String,
        rows_root: qinglian_ledger::Hash,
        row: u64,
    ) -> BoxFuture<'_, anyhow::Result<Result<RowProof, RowProofError>>> {
        let (p, lake) = (p.clone(), Lake::new(&self.lake_dir));
        Box::pin(async move {
            let hash = content_hash.clone();
            let proof = tokio::task::spawn_blocking(move || {
                lake.row_proof(dataset, &hash, &rows_root, row)
            })
            .await?;
            if proof.is_ok() {
                record_view(
                    &self.ledger,
                    &p,
                    &p.username,
                    ("dataset", dataset),
                    serde_json::json!({
                        "purpose": "record_proof",
                        "content_hash": content_hash,
                        "row": row,
                    }),
                )
                .await?;
            }
            Ok(proof)
        })
    }

    fn officer_cases(
        &self,
        p: &Principal,
        officer_id: String,
        period: String,
    ) -> BoxFuture<'_, anyhow::Result<Result<Option<OfficerCases>, Msg>>> {
        let (p, lake, cache) = (p.clone(), Lake::new(&self.lake_dir), self.cache.clone());
        Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || -> Result<_, Msg> {
                let period = Period::parse(&period)?;
                let roster = Cache::roster(&cache, &lake)?;
                // No names in the list: nothing to mask or to ledger.
                visible_officer_cases(&lake, &roster, &p, &officer_id, &period)
            })
            .await?;
            Ok(r)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_core::Role;
    use qinglian_web::Enforcement;

    fn import(lake: &Lake, dir: &std::path::Path, dataset: &str, csv: &str) {
        let path = dir.join(format!("{dataset}.csv"));
        std::fs::write(&path, csv).unwrap();
        let p = lake
            .prepare(dataset, &[path], &Default::default(), false, &|_, _| {})
            .unwrap();
        lake.commit(p).unwrap();
    }

    fn supervisor(division: &str, role: Role) -> Principal {
        Principal {
            user_id: 7,
            username: "s".into(),
            display_name: "s".into(),
            role,
            scope: qinglian_store::Scope::Divisions(vec![DivisionCode::parse(division).unwrap()]),
        }
    }

    #[tokio::test]
    async fn the_web_capability_scopes_masks_and_ledgers() {
        let dir = tempfile::tempdir().unwrap();
        let lake_dir = dir.path().join("lake");
        let lake = Lake::new(&lake_dir);
        let d = dir.path();
        let first17 = "33010619900101001";
        let id = format!(
            "{first17}{}",
            qinglian_core::ids::citizen_id_check_char(first17.as_bytes())
        );
        import(
            &lake,
            d,
            "people",
            &format!("person_id,name,citizen_id,division_code\nP1,张三丰,{id},330106\n"),
        );
        import(
            &lake,
            d,
            "le_squads",
            "squad_id,unit_id,name,division_code\nS1,U1,西屏中队,330106\n",
        );
        import(
            &lake,
            d,
            "le_officers",
            "officer_id,person_id,squad_id,unit_id,status,start_date\nO1,P1,S1,U1,officer,2020-01-01\n",
        );
        import(
            &lake,
            d,
            "le_cases",
            "case_id,unit_id,squad_id,lead_officer_id,case_type,procedure,division_code,received_at,closed_at\n\
             C1,U1,S1,O1,incident,none,330106,2025-09-02 10:00:00,2025-09-02 11:00:00\n",
        );
        import(
            &lake,
            d,
            "le_gps_points",
            "officer_id,recorded_at,longitude,latitude\nO1,2025-09-02 10:30:00,120.1,30.25\n",
        );
        let store = qinglian_store::Store::open(&format!("sqlite://{}", d.join("t.db").display()))
            .await
            .unwrap();
        let ledger = qinglian_store::testing::test_ledger(&store).await;
        let e = CliEnforcement::new(lake_dir, ledger);
        let views = || async {
            store
                .ledger_recent("personal_view", 100)
                .await
                .unwrap()
                .len()
        };

        let sup = supervisor("330100", Role::Supervisor);
        let board = e.board(&sup, None, None).await.unwrap().unwrap();
        assert_eq!(board.len(), 1);
        assert_eq!(board[0].officers[0].name.as_deref(), Some("张*丰"));
        let w = e
            .workload(
                &sup,
                WorkloadRequest {
                    period: "2025-09上旬".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(w.rows.len(), 1);
        assert_eq!(w.rows[0].incidents_closed, 1);
        assert_eq!(w.rows[0].name.as_deref(), Some("张*丰"));
        let bad = e
            .workload(
                &sup,
                WorkloadRequest {
                    period: "九月".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(bad.unwrap_err().code, "PERIOD_SYNTAX");

        let t = e.trajectory(&sup, "C1".into()).await.unwrap().unwrap();
        assert_eq!(t.track.len(), 1);
        assert_eq!(views().await, 1, "the track view is ledgered");
        // Served from the kept index the second time, with the same answer.
        assert_eq!(e.trajectory(&sup, "C1".into()).await.unwrap(), Some(t));
        assert_eq!(views().await, 2);
        let cases = |p: Principal, officer: &'static str, period: &'static str| {
            let e = &e;
            async move {
                e.officer_cases(&p, officer.into(), period.into())
                    .await
                    .unwrap()
            }
        };
        let mine = cases(sup.clone(), "O1", "2025-09上旬")
            .await
            .unwrap()
            .unwrap();
        let ids: Vec<&str> = mine.cases.iter().map(|c| c.case_id.as_str()).collect();
        assert_eq!((ids, mine.truncated), (vec!["C1"], false));
        assert_eq!(views().await, 2, "a case list names no one: not ledgered");
        assert!(
            cases(sup.clone(), "O404", "2025-09")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            cases(sup.clone(), "O1", "九月").await.unwrap_err().code,
            "PERIOD_SYNTAX"
        );

        for outsider in [
            supervisor("330200", Role::Supervisor),
            supervisor("330106", Role::Analyst),
        ] {
            assert!(
                e.board(&outsider, None, None)
                    .await
                    .unwrap()
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(e.trajectory(&outsider, "C1".into()).await.unwrap(), None);
            assert!(
                cases(outsider.clone(), "O1", "2025-09")
                    .await
                    .unwrap()
                    .is_none()
            );
            let w = e
                .workload(
                    &outsider,
                    WorkloadRequest {
                        period: "2025-09".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .unwrap();
            assert!(w.rows.is_empty());
        }
        assert_eq!(views().await, 2, "nothing shown, nothing ledgered");
        assert_eq!(e.trajectory(&sup, "C404".into()).await.unwrap(), None);
    }
}
