//! `indicators`, `screen` and `hits`: the indicator catalogue, screening runs, and their hits.
//! The work is in `qinglian-screen` (catalogue, engine) and `qinglian-store` (hits); this file
//! wires them and prints.

use super::{Ctx, ensure_store};
use crate::cli::{CatalogueArgs, HitsArgs, HitsCmd, IndicatorsCmd, ScreenArgs};
use crate::output::{export_xlsx, print_json, table};
use anyhow::{Context, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qinglian_core::{Msg, UnitKind};
use qinglian_lake::Lake;
use qinglian_screen::run::{self, Outcome, Status};
use qinglian_screen::{Catalogue, Engine, Hit, Indicator, Limits, Overrides, ScreenError, fixture};
use qinglian_store::ledger::Unit;
use qinglian_store::{HitFilter, HitRecord, Principal, hit_upsert_stmts};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Prints every problem of a refused catalogue (or overrides file) and gives exit code 1.
fn refused(e: &ScreenError, json: bool) -> ExitCode {
    if json {
        print_json(&json!({ "errors": e.messages() }));
    } else {
        eprintln!("错误 / error: {e}");
    }
    ExitCode::from(1)
}

fn kind_label(k: &str) -> String {
    match k.parse::<UnitKind>() {
        Ok(u) => format!("{} {}", u.name_zh(), u.as_str()),
        Err(()) => "未登记 unregistered".to_owned(),
    }
}

pub async fn indicators(
    cmd: IndicatorsCmd,
    json: bool,
    o: &crate::config::Overrides,
) -> anyhow::Result<ExitCode> {
    let dirs = match &cmd {
        IndicatorsCmd::List { catalogue }
        | IndicatorsCmd::Show { catalogue, .. }
        | IndicatorsCmd::Check { catalogue } => catalogue.indicators.clone(),
    };
    let catalogue = match Catalogue::load(&dirs) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e, json)),
    };
    match cmd {
        IndicatorsCmd::List { .. } => {
            // Measured precision beside each indicator when a data directory holds decisions.
            let precision = super::clues::precision_if_available(o).await;
            list(&catalogue, json, precision.as_ref());
            Ok(ExitCode::SUCCESS)
        }
        IndicatorsCmd::Show { id, .. } => {
            let ind = catalogue.select(None, Some(&id))?[0];
            show(ind, json);
            Ok(ExitCode::SUCCESS)
        }
        IndicatorsCmd::Check { .. } => Ok(check(&catalogue, json).await),
    }
}

fn list(
    c: &Catalogue,
    json: bool,
    precision: Option<&BTreeMap<String, qinglian_store::workflow::Precision>>,
) {
    let of = |i: &Indicator| precision.and_then(|p| p.get(&i.id));
    if json {
        let v: Vec<Value> = c
            .all()
            .iter()
            .map(|i| {
                let mut v = i.summary_json();
                if precision.is_some() {
                    v["precision"] = json!(of(i));
                }
                v
            })
            .collect();
        print_json(&v);
        return;
    }
    let rows: Vec<Vec<String>> = c
        .all()
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.version.to_string(),
                i.domain.clone(),
                format!("{} {}", i.kind.name_zh(), i.kind.as_str()),
                format!("{} {}", i.severity.name_zh(), i.severity.as_str()),
                i.unit_kinds
                    .iter()
                    .map(|k| k.name_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                format!("{} / {}", i.name_zh, i.name_en),
            ]
        })
        .collect();
    let mut headers = vec![
        "编号 id",
        "版本 version",
        "领域 domain",
        "类型 kind",
        "严重程度 severity",
        "适用单位 units",
        "名称 name",
    ];
    let rows: Vec<Vec<String>> = match precision {
        None => rows,
        Some(_) => {
            headers.insert(5, "实测准确率 precision");
            rows.into_iter()
                .zip(c.all())
                .map(|(mut r, i)| {
                    let label = of(i).map_or_else(|| "-".into(), |p| p.label());
                    r.insert(5, label);
                    r
                })
                .collect()
        }
    };
    table(&headers, &rows);
    println!("\n共 {} 个指标 / {} indicators", rows.len(), rows.len());
}

fn show(i: &Indicator, json: bool) {
    if json {
        print_json(&i.detail_json());
        return;
    }
    println!("{} {}（v{}，{}）", i.id, i.name_zh, i.version, i.source);
    println!("{} {} (v{})", i.id, i.name_en, i.version);
    println!(
        "领域 domain: {}    类型 kind: {} {}    严重程度 severity: {} {}",
        i.domain,
        i.kind.name_zh(),
        i.kind.as_str(),
        i.severity.name_zh(),
        i.severity.as_str()
    );
    let validity = match (i.valid_from, i.valid_to) {
        (None, None) => "不限 always".to_owned(),
        (f, t) => format!(
            "{} — {}",
            f.map_or("…".to_owned(), |d| d.to_string()),
            t.map_or("…".to_owned(), |d| d.to_string())
        ),
    };
    println!(
        "适用单位 units: {}    有效期 valid: {validity}",
        i.unit_kinds
            .iter()
            .map(|k| format!("{} {}", k.name_zh(), k.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
    );
    println!("数据集 datasets: {}", i.datasets.join(", "));
    println!(
        "\n风险说明 why:\n  {}\n  {}",
        i.why_zh.trim(),
        i.why_en.trim()
    );
    println!(
        "\n依据 legal basis:\n  {}\n  {}",
        i.legal_basis_zh.trim(),
        i.legal_basis_en.trim()
    );
    if !i.exclusions_zh.is_empty() {
        println!(
            "\n排除情形 exclusions:\n  {}\n  {}",
            i.exclusions_zh.trim(),
            i.exclusions_en.trim()
        );
    }
    if !i.params.is_empty() {
        println!("\n参数 parameters:");
        let rows: Vec<Vec<String>> = i
            .params
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.ty.as_str().to_owned(),
                    p.default.json().to_string(),
                    format!("{} / {}", p.description_zh, p.description_en),
                ]
            })
            .collect();
        table(
            &["名称 name", "类型 type", "默认 default", "说明 meaning"],
            &rows,
        );
    }
    for (k, label) in [
        ("explanation.zh", "说明模板 explanation (zh)"),
        ("explanation.en", "说明模板 explanation (en)"),
        ("counterfactual.zh", "反事实 counterfactual (zh)"),
        ("counterfactual.en", "反事实 counterfactual (en)"),
    ] {
        println!("\n{label}:\n  {}", i.texts.get(k).map_or("", |s| s.trim()));
    }
    println!("\nSQL:\n{}", i.sql.trim_end());
    if let Some(f) = &i.fixture {
        println!(
            "\n样例 fixture: 基准日 as of {}，应命中 {} 例 must fire，不应命中 {} 例 must not",
            f.as_of,
            f.fire.len(),
            f.no_fire.len()
        );
    }
}

async fn check(c: &Catalogue, json: bool) -> ExitCode {
    let mut reports = Vec::new();
    for ind in c.all() {
        reports.push(fixture::check(ind, Limits::default()).await);
    }
    let failed = reports.iter().filter(|r| !r.passed).count();
    if json {
        print_json(&reports);
    } else {
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.positives.to_string(),
                    r.negatives.to_string(),
                    if r.passed {
                        "通过 passed"
                    } else {
                        "失败 FAILED"
                    }
                    .to_owned(),
                ]
            })
            .collect();
        table(
            &[
                "编号 id",
                "应命中 must fire",
                "不应命中 must not",
                "结果 result",
            ],
            &rows,
        );
        for r in reports.iter().filter(|r| !r.passed) {
            for p in &r.problems {
                eprintln!("{p}");
            }
        }
        println!(
            "\n{} 个指标，{failed} 个失败 / {} indicators, {failed} failed",
            reports.len(),
            reports.len()
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Today in Asia/Shanghai (UTC+8, no daylight saving since 1991).
fn today_shanghai() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub(super) fn parse_as_of(s: Option<&str>) -> anyhow::Result<NaiveDate> {
    match s {
        None => Ok(today_shanghai()),
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            anyhow::Error::new(Msg::new(
                "BAD_DATE",
                format!("基准日“{s}”无效：应为 YYYY-MM-DD"),
                format!("invalid reference date '{s}': expected YYYY-MM-DD"),
            ))
        }),
    }
}

/// A hit as the store keeps it.
pub fn record(h: &Hit) -> HitRecord {
    HitRecord {
        id: h.id.clone(),
        indicator_id: h.indicator_id.clone(),
        indicator_version: h.indicator_version.clone(),
        domain: h.domain.clone(),
        kind: h.kind.clone(),
        severity: h.severity.clone(),
        param_hash: h.param_hash.clone(),
        params: h.params.clone(),
        inputs: v(&h.inputs),
        unit_id: h.unit_id.clone(),
        unit_kind: h.unit_kind.clone(),
        division_code: h.division_code.clone().unwrap_or_default(),
        subject: v(&h.subject),
        facts_hash: h.facts_hash.clone(),
        values: v(&h.values),
        thresholds: v(&h.thresholds),
        explanation_zh: h.explanation_zh.clone(),
        explanation_en: h.explanation_en.clone(),
        counterfactual_zh: h.counterfactual_zh.clone(),
        counterfactual_en: h.counterfactual_en.clone(),
        first_seen_at: 0,
        last_seen_at: 0,
        times_seen: 0,
        decision: None,
        decided_by: None,
        decided_at: None,
    }
}

fn v<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap_or(Value::Null)
}

/// A stored hit back as the engine's type (for `hits rerun`).
pub(crate) fn hit_of(r: &HitRecord) -> anyhow::Result<Hit> {
    let bad = || format!("存储中的命中 {0} 已损坏 / stored hit {0} is corrupt", r.id);
    Ok(Hit {
        id: r.id.clone(),
        indicator_id: r.indicator_id.clone(),
        indicator_version: r.indicator_version.clone(),
        domain: r.domain.clone(),
        kind: r.kind.clone(),
        severity: r.severity.clone(),
        param_hash: r.param_hash.clone(),
        params: r.params.clone(),
        inputs: serde_json::from_value(r.inputs.clone()).with_context(bad)?,
        unit_id: r.unit_id.clone(),
        unit_kind: r.unit_kind.clone(),
        division_code: (!r.division_code.is_empty()).then(|| r.division_code.clone()),
        subject: serde_json::from_value(r.subject.clone()).with_context(bad)?,
        facts_hash: r.facts_hash.clone(),
        values: serde_json::from_value(r.values.clone()).with_context(bad)?,
        thresholds: serde_json::from_value(r.thresholds.clone()).with_context(bad)?,
        explanation_zh: r.explanation_zh.clone(),
        explanation_en: r.explanation_en.clone(),
        counterfactual_zh: r.counterfactual_zh.clone(),
        counterfactual_en: r.counterfactual_en.clone(),
    })
}

fn status_label(s: &Status) -> String {
    match s {
        Status::Ran => "已运行 ran".to_owned(),
        Status::NotComputable { .. } => "无法计算 not computable".to_owned(),
        Status::NotInForce => "未生效 not in force".to_owned(),
        Status::Failed { error } => format!("失败 failed [{}]", error.code),
    }
}

#[derive(Default, serde::Serialize)]
struct Counts {
    new: usize,
    seen_again: usize,
    suppressed: usize,
}

/// What a screening run found, for printing (`screen`) or summarising (`demo`).
pub struct ScreenReport {
    outcomes: Vec<Outcome>,
    counts: BTreeMap<String, Counts>,
    by_kind: BTreeMap<String, usize>,
    as_of: NaiveDate,
    elapsed_ms: u64,
    ledger_index: u64,
    /// Dataset → snapshot hash the run read.
    inputs: BTreeMap<String, String>,
}

impl ScreenReport {
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    pub fn inputs(&self) -> &BTreeMap<String, String> {
        &self.inputs
    }

    pub fn total_hits(&self) -> usize {
        self.outcomes.iter().map(|o| o.hits.len()).sum()
    }

    pub fn failed(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o.status, Status::Failed { .. }))
    }

    pub fn json(&self) -> Value {
        summary_json(self)
    }

    pub fn print(&self) {
        print_summary(self);
    }
}

pub async fn screen(ctx: &Ctx, a: &ScreenArgs) -> anyhow::Result<ExitCode> {
    let report = match run_screen(ctx, a).await? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    if ctx.json {
        print_json(&report.json());
    } else if !ctx.quiet {
        report.print();
    }
    Ok(if report.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the selected indicators on the lake and writes the hits through the ledger. The inner
/// `Err` is the exit code of a refused catalogue or overrides file (already printed).
pub async fn run_screen(
    ctx: &Ctx,
    a: &ScreenArgs,
) -> anyhow::Result<Result<ScreenReport, ExitCode>> {
    let catalogue = match Catalogue::load(&a.catalogue.indicators) {
        Ok(c) => c,
        Err(e) => return Ok(Err(refused(&e, ctx.json))),
    };
    let selection = catalogue.select(a.domain.as_deref(), a.indicator.as_deref())?;
    let as_of = parse_as_of(a.as_of.as_deref())?;
    let overrides_path = ctx.settings.data.join(qinglian_screen::overrides::FILE);
    let overrides = match Overrides::load(&overrides_path, &catalogue) {
        Ok(o) => o,
        Err(e) => return Ok(Err(refused(&e, ctx.json))),
    };
    let env = ensure_store(&ctx.settings).await?;
    let run = Run {
        selection: &selection,
        overrides: &overrides,
        as_of,
        limits: Limits {
            memory_bytes: a.memory_limit.max(16) << 20,
            time_limit: Duration::from_secs(a.time_limit.max(1)),
            ..Limits::default()
        },
        now: super::now(),
        trigger: None,
        actor: None,
        progress: None,
    };
    let report = screen_with(ctx, &env.store, &env.ledger, &run).await?;
    env.store.close().await;
    Ok(Ok(report))
}

/// One screening run, as the command line and the jobs start it.
pub struct Run<'a> {
    pub selection: &'a [&'a Indicator],
    pub overrides: &'a Overrides,
    pub as_of: NaiveDate,
    pub limits: Limits,
    /// When the hits are seen and the entry is stamped (injectable for the jobs).
    pub now: i64,
    /// A run of the jobs: `routine` (常态排查) or `cooldown` (items waiting for verification).
    /// Its entry says so and is about ("screen", trigger), so the schedule can find it.
    pub trigger: Option<&'a str>,
    /// Who started it, as its entry names them (default: `jobs` for a trigger, else `cli`).
    pub actor: Option<&'a str>,
    /// Called after each indicator with (done, total, indicator id): the web shows progress.
    pub progress: Option<&'a ProgressFn>,
}

/// A screening run's progress callback: (indicators done, total, the one running).
pub type ProgressFn = dyn Fn(usize, usize, &str) + Send + Sync;

/// Runs `r.selection` on the lake and writes the hits with one ledger entry for the run.
pub async fn screen_with(
    ctx: &Ctx,
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    r: &Run<'_>,
) -> anyhow::Result<ScreenReport> {
    let started = Instant::now();
    let (selection, overrides, as_of) = (r.selection, r.overrides, r.as_of);
    let lake = Lake::new(ctx.settings.lake_dir());
    let mut engine = Engine::new(r.limits)?;
    engine.register_lake(&lake)?;

    let pb = ProgressBar::new(selection.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("排查 screening {msg:10} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    if ctx.json || ctx.quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let total = selection.len();
    let outcomes = run::screen(&engine, selection, overrides, as_of, &mut |done, _, id| {
        pb.set_position(done as u64);
        pb.set_message(id.to_owned());
        if let Some(p) = r.progress {
            p(done, total, id);
        }
    })
    .await?;
    pb.finish_and_clear();

    let records: Vec<HitRecord> = outcomes
        .iter()
        .flat_map(|o| o.hits.iter().map(record))
        .collect();
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let states = store.hit_states(&ids).await?;
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for o in &outcomes {
        let c = counts.entry(o.indicator_id.clone()).or_default();
        for h in &o.hits {
            match states.get(&h.id) {
                None => c.new += 1,
                Some(Some(d)) if d == "false_positive" => c.suppressed += 1,
                Some(_) => c.seen_again += 1,
            }
            *by_kind
                .entry(h.unit_kind.clone().unwrap_or_default())
                .or_default() += 1;
        }
    }

    // One ledger entry per run; the hits it writes are its change, so both commit together.
    // The entry holds references only: versions, parameter and snapshot hashes, the Merkle
    // root over the hits; never the explanations (they quote people's records).
    let hits_root = hits_root(&records);
    let inputs: BTreeMap<&str, &str> = engine
        .inputs()
        .iter()
        .map(|(d, i)| (d.as_str(), i.hash.as_str()))
        .collect();
    let per_indicator: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut hashes: Vec<&str> = o.hits.iter().map(|h| h.param_hash.as_str()).collect();
            hashes.sort_unstable();
            hashes.dedup();
            json!({
                "id": o.indicator_id,
                "version": o.indicator_version,
                "status": status_code(&o.status),
                "hits": o.hits.len(),
                "param_hashes": hashes,
            })
        })
        .collect();
    let mut entry = json!({
        "kind": "screen",
        "as_of": as_of.to_string(),
        "indicators": per_indicator,
        "inputs": inputs,
        "hits": records.len(),
        "hits_root": qinglian_ledger::hash_to_hex(&hits_root),
        "actor": r.actor.unwrap_or(if r.trigger.is_some() { "jobs" } else { "cli" }),
        "ts": chrono::DateTime::from_timestamp(r.now, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
    });
    let mut unit = Unit::new("screen", entry.clone());
    if let Some(t) = r.trigger {
        entry["trigger"] = json!(t);
        unit = Unit::new("screen", entry).about("screen", t);
    }
    let appended = ledger
        .append(unit.with_change(hit_upsert_stmts(&records, r.now)))
        .await?;
    let inputs = inputs
        .into_iter()
        .map(|(d, h)| (d.to_owned(), h.to_owned()))
        .collect();
    Ok(ScreenReport {
        outcomes,
        counts,
        by_kind,
        as_of,
        elapsed_ms: started.elapsed().as_millis() as u64,
        ledger_index: appended.index,
        inputs,
    })
}

/// One hit's leaf in its run's Merkle tree: the facts that identify it, as canonical JSON.
/// A single hit is then provable like an imported row: the run entry's inclusion proof plus
/// the hit's proof under `hits_root`.
pub fn hit_leaf(r: &HitRecord) -> Vec<u8> {
    qinglian_ledger::canonical_json(&json!({
        "id": r.id,
        "indicator_id": r.indicator_id,
        "indicator_version": r.indicator_version,
        "param_hash": r.param_hash,
        "facts_hash": r.facts_hash,
        "unit_id": r.unit_id,
    }))
    .expect("hit leaves hold no floats")
}

/// The Merkle root (RFC 9162) over a run's hits, in id order.
pub fn hits_root(records: &[HitRecord]) -> qinglian_ledger::Hash {
    let mut leaves: Vec<(&str, Vec<u8>)> = records
        .iter()
        .map(|r| (r.id.as_str(), hit_leaf(r)))
        .collect();
    leaves.sort();
    let hashes: Vec<_> = leaves
        .iter()
        .map(|(_, l)| qinglian_ledger::leaf_hash(l))
        .collect();
    qinglian_ledger::root_of(&hashes)
}

fn status_code(s: &Status) -> &'static str {
    match s {
        Status::Ran => "ran",
        Status::NotComputable { .. } => "not_computable",
        Status::NotInForce => "not_in_force",
        Status::Failed { .. } => "failed",
    }
}

fn summary_json(r: &ScreenReport) -> Value {
    let (outcomes, counts, by_kind) = (&r.outcomes, &r.counts, &r.by_kind);
    let (as_of, elapsed_ms, ledger_index) = (r.as_of, r.elapsed_ms, r.ledger_index);
    let indicators: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let c = &counts[&o.indicator_id];
            let reason = match &o.status {
                Status::NotComputable { reason } => Some(reason),
                Status::Failed { error } => Some(error),
                _ => None,
            };
            json!({
                "id": o.indicator_id,
                "version": o.indicator_version,
                "name_zh": o.name_zh,
                "name_en": o.name_en,
                "status": status_code(&o.status),
                "error": reason,
                "hits": o.hits.len(),
                "new": c.new,
                "seen_again": c.seen_again,
                "suppressed": c.suppressed,
                "elapsed_ms": o.elapsed_ms,
                "rows_read": o.rows_read,
            })
        })
        .collect();
    let total: usize = outcomes.iter().map(|o| o.hits.len()).sum();
    json!({
        "as_of": as_of.to_string(),
        "indicators": indicators,
        "by_unit_kind": by_kind,
        "total_hits": total,
        "new": counts.values().map(|c| c.new).sum::<usize>(),
        "elapsed_ms": elapsed_ms,
        "ledger_index": ledger_index,
    })
}

fn print_summary(r: &ScreenReport) {
    let (outcomes, counts, by_kind) = (&r.outcomes, &r.counts, &r.by_kind);
    let (as_of, elapsed_ms, ledger_index) = (r.as_of, r.elapsed_ms, r.ledger_index);
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            let c = &counts[&o.indicator_id];
            vec![
                o.indicator_id.clone(),
                o.name_zh.clone(),
                status_label(&o.status),
                o.hits.len().to_string(),
                c.new.to_string(),
                c.seen_again.to_string(),
                c.suppressed.to_string(),
                o.rows_read.to_string(),
                o.elapsed_ms.to_string(),
            ]
        })
        .collect();
    println!("排查基准日 as of {as_of}");
    table(
        &[
            "编号 id",
            "名称 name",
            "状态 status",
            "命中 hits",
            "新增 new",
            "再次 again",
            "误报不再提示 suppressed",
            "读取行 rows",
            "耗时 ms",
        ],
        &rows,
    );
    for o in outcomes {
        match &o.status {
            Status::NotComputable { reason } => eprintln!("{}：{reason}", o.indicator_id),
            Status::Failed { error } => eprintln!("{}：{error}", o.indicator_id),
            _ => {}
        }
    }
    if !by_kind.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = by_kind
            .iter()
            .map(|(k, n)| vec![kind_label(k), n.to_string()])
            .collect();
        table(&["单位类型 unit kind", "命中 hits"], &rows);
    }
    let total: usize = outcomes.iter().map(|o| o.hits.len()).sum();
    println!(
        "\n共 {total} 条命中（值得关注的线索，不是结论），用时 {:.1} 秒，账本条目 #{ledger_index}\n{total} hits (reasons to look, not verdicts) in {:.1} s, ledger entry #{ledger_index}",
        elapsed_ms as f64 / 1000.0,
        elapsed_ms as f64 / 1000.0
    );
}

fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn subject_text(v: &Value) -> String {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub async fn hits(ctx: &Ctx, a: HitsArgs) -> anyhow::Result<ExitCode> {
    if let Some(HitsCmd::Rerun {
        id,
        time_limit,
        catalogue,
    }) = a.action
    {
        return rerun(ctx, &a.who, &id, time_limit, &catalogue).await;
    }
    let env = ensure_store(&ctx.settings).await?;
    let filter = HitFilter {
        indicator_id: a.indicator.clone(),
        domain: a.domain.clone(),
        unit_id: a.unit.clone(),
        include_false_positives: a.all,
        limit: a.limit,
        ..Default::default()
    };
    let who = super::clues::acting(&env.store, &a.who).await?;
    let list = env.store.list_hits(&who, &filter).await?;
    // Each hit's indicator precision and any reminder letter already sent about its people.
    let (annotated, notes) = super::clues::annotate_hits(&env.store, &who, &list).await?;
    env.store.close().await;
    if let Some(path) = &a.export {
        let headers = [
            "命中编号",
            "指标编号",
            "指标版本",
            "领域",
            "类型",
            "严重程度",
            "单位编号",
            "单位类型",
            "行政区划代码",
            "主体",
            "测量值",
            "阈值与同类统计",
            "说明",
            "说明（英文）",
            "不触发条件",
            "首次发现",
            "最近发现",
            "发现次数",
            "处理结论",
            "参数哈希",
            "数据快照",
            "指标准确率",
            "提醒记录",
        ];
        let rows: Vec<Vec<String>> = list
            .iter()
            .zip(&notes)
            .map(|(h, [precision, warned])| {
                vec![
                    h.id.clone(),
                    h.indicator_id.clone(),
                    h.indicator_version.clone(),
                    h.domain.clone(),
                    h.kind.clone(),
                    h.severity.clone(),
                    h.unit_id.clone(),
                    h.unit_kind.clone().unwrap_or_default(),
                    h.division_code.clone(),
                    subject_text(&h.subject),
                    h.values.to_string(),
                    h.thresholds.to_string(),
                    h.explanation_zh.clone(),
                    h.explanation_en.clone(),
                    h.counterfactual_zh.clone(),
                    fmt_time(h.first_seen_at),
                    fmt_time(h.last_seen_at),
                    h.times_seen.to_string(),
                    h.decision.clone().unwrap_or_default(),
                    h.param_hash.clone(),
                    h.inputs.to_string(),
                    precision.clone(),
                    warned.clone(),
                ]
            })
            .collect();
        export_xlsx(path, "命中", &headers, &rows)?;
    }
    if ctx.json {
        print_json(&annotated);
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .zip(&notes)
            .map(|(h, [precision, warned])| {
                vec![
                    h.id[..16.min(h.id.len())].to_owned(),
                    format!("{} v{}", h.indicator_id, h.indicator_version),
                    precision.clone(),
                    h.unit_id.clone(),
                    h.severity.clone(),
                    h.explanation_zh.clone(),
                    warned.clone(),
                ]
            })
            .collect();
        table(
            &[
                "命中 hit",
                "指标 indicator",
                "准确率 precision",
                "单位 unit",
                "严重 severity",
                "说明 explanation",
                "提醒 warned",
            ],
            &rows,
        );
        println!(
            "\n{} 条命中（值得关注的线索，不是结论）/ {} hits (reasons to look, not verdicts){}",
            list.len(),
            list.len(),
            a.export
                .as_ref()
                .map(|p| format!("；已导出 exported {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn find_hit(store: &qinglian_store::Store, id: &str) -> anyhow::Result<HitRecord> {
    let op = Principal::operator();
    if id.len() == 64
        && let Some(h) = store.get_hit(&op, id).await?
    {
        return Ok(h);
    }
    if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!(Msg::new(
            "HIT_ID",
            format!("命中编号“{id}”无效：应为完整编号或至少 8 位十六进制前缀"),
            format!(
                "invalid hit id '{id}': give the full id or a hexadecimal prefix of at least 8 characters"
            ),
        ));
    }
    let found = store
        .list_hits(
            &op,
            &HitFilter {
                id_prefix: Some(id.to_owned()),
                include_false_positives: true,
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one")),
        0 => bail!(Msg::new(
            "NOT_FOUND",
            format!("没有编号为 {id} 的命中"),
            format!("no hit with id {id}"),
        )),
        _ => bail!(Msg::new(
            "HIT_ID_AMBIGUOUS",
            format!("编号前缀 {id} 对应多个命中，请给出更长的前缀"),
            format!("id prefix {id} matches several hits; give a longer prefix"),
        )),
    }
}

async fn rerun(
    ctx: &Ctx,
    who: &crate::cli::AsArgs,
    id: &str,
    time_limit: u64,
    cat: &CatalogueArgs,
) -> anyhow::Result<ExitCode> {
    let catalogue = match Catalogue::load(&cat.indicators) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e, ctx.json)),
    };
    let env = ensure_store(&ctx.settings).await?;
    let record = find_hit(&env.store, id).await?;
    // Outside the acting user's jurisdiction a hit does not exist for them.
    let p = super::clues::acting(&env.store, who).await?;
    let visible = env.store.get_hit(&p, &record.id).await?;
    env.store.close().await;
    let record = visible.ok_or_else(|| {
        Msg::new(
            "NOT_FOUND",
            format!("没有编号为 {id} 的命中"),
            format!("no hit with id {id}"),
        )
    })?;
    let recorded = hit_of(&record)?;
    let ind = catalogue.select(None, Some(&recorded.indicator_id))?[0];
    let lake = Lake::new(ctx.settings.lake_dir());
    let mut engine = Engine::new(Limits {
        time_limit: Duration::from_secs(time_limit.max(1)),
        ..Limits::default()
    })?;
    engine.register_recorded(&lake, &recorded.inputs)?;
    let r = run::rerun(&engine, ind, &recorded).await?;
    if ctx.json {
        print_json(&json!({
            "id": record.id,
            "indicator_id": record.indicator_id,
            "indicator_version": record.indicator_version,
            "reproduced": r.reproduced,
            "differences": r.differences,
            "hit": r.hit,
        }));
    } else {
        println!(
            "命中 hit {}（{} v{}）",
            record.id, record.indicator_id, record.indicator_version
        );
        println!("  {}\n  {}", record.explanation_zh, record.explanation_en);
        let inputs: Vec<String> = recorded
            .inputs
            .iter()
            .map(|(d, i)| format!("{d}@{}", &i.hash[..12.min(i.hash.len())]))
            .collect();
        println!("数据快照 snapshot: {}", inputs.join(", "));
        if r.reproduced {
            println!("\n重算结果一致 / re-computed: the same hit");
        } else {
            println!("\n重算结果不一致 / re-computed: it differs");
            for d in &r.differences {
                println!("  {d}");
            }
        }
    }
    Ok(if r.reproduced {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
