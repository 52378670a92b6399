//! `import ocds`, `ocds prepare` and `ocds coverage`: OCDS compiled releases (招标投标).
//!
//! OCDS is the one documented exception to all-or-nothing import: real publishers' data is
//! messy, so odd records are corrected or kept the way Cardinal's `prepare` does, every problem
//! is listed with its line number (`--report`, and a summary here), and the exit code is 0
//! unless the file cannot be read at all (2).

use super::{Ctx, ensure_store};
use crate::cli::ImportArgs;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qinglian_lake::{CommitReport, Lake};
use qinglian_ocds::{LineReader, Settings, Summary};
use qinglian_store::ledger::Unit;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum OcdsCmd {
    /// 按 Cardinal prepare 的规则修正数据，修正后的 JSONL 写到标准输出 / correct the data as Cardinal's prepare does; corrected JSON lines go to standard output
    Prepare(PrepareArgs),
    /// 统计每个字段非空的次数（Cardinal coverage 的格式）/ count how often each field is non-empty (Cardinal's coverage shape)
    Coverage(CoverageArgs),
    /// 在数据湖上运行 Cardinal 的 11 项指标（OCDS-R003…R058）/ run Cardinal's 11 indicators (OCDS-R003…R058) on the lake
    Indicators(super::ocds_indicators::IndicatorsArgs),
    /// 按采购人或供应商汇总 PR 指标的风险分（被提示项目占比），列出背后的项目 / per-buyer or per-supplier risk scores from the PR indicators (share of flagged processes), with the processes behind them
    Risk(super::ocds_risk::RiskArgs),
}

#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// 每行一个 OCDS 编译发布的文件（.jsonl 或 .gz；- 为标准输入）/ file with one OCDS compiled release per line (.jsonl or .gz; - for standard input)
    pub file: PathBuf,
    /// Cardinal 设置文件（INI）/ Cardinal settings file (INI)
    #[arg(long, value_name = "INI")]
    pub settings: Option<PathBuf>,
    /// 问题清单 CSV（行号、ocid、路径、数组序号、错误值、说明）/ CSV of issues (line, ocid, path, array index, incorrect value, description)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// 每行一个 JSON 的文件（.jsonl 或 .gz；- 为标准输入）/ file with one JSON text per line (.jsonl or .gz; - for standard input)
    pub file: PathBuf,
    /// 以 Cardinal 的 {路径: 次数} JSON 输出 / print Cardinal's {path: count} JSON
    #[arg(long)]
    pub cardinal_json: bool,
}

/// Exit 2 with a bilingual message: a file cannot be read or written, or the settings are bad.
fn problem(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("错误 / error: {e}");
    ExitCode::from(2)
}

fn open(file: &Path) -> Result<LineReader, ExitCode> {
    LineReader::open(file).map_err(|e| {
        problem(format!(
            "无法读取 {0}：{e} / cannot read {0}: {e}",
            file.display()
        ))
    })
}

/// The settings and their text (part of an import's identity).
fn settings(path: Option<&Path>) -> Result<(Settings, String), ExitCode> {
    let Some(p) = path else {
        return Ok((Settings::default(), String::new()));
    };
    let text = std::fs::read_to_string(p).map_err(|e| {
        problem(format!(
            "无法读取设置文件 {0}：{e} / cannot read settings file {0}: {e}",
            p.display()
        ))
    })?;
    let s = Settings::parse(&text).map_err(|e| problem(format!("{}: {e}", p.display())))?;
    Ok((s, text))
}

type Report = csv::Writer<Box<dyn Write + Send>>;

fn report(path: Option<&Path>) -> Result<Option<Report>, ExitCode> {
    let Some(p) = path else { return Ok(None) };
    let f = std::fs::File::create(p).map_err(|e| {
        problem(format!(
            "无法写入 {0}：{e} / cannot write {0}: {e}",
            p.display()
        ))
    })?;
    let w: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(f));
    Ok(Some(
        csv::WriterBuilder::new().has_headers(false).from_writer(w),
    ))
}

/// Input that ended before a single line could be read: nothing to keep, exit 2.
fn unreadable(file: &Path, s: &Summary) -> Option<ExitCode> {
    match &s.read_error {
        Some(e) if s.lines == 0 => Some(problem(format!(
            "无法读取 {0}：{e} / cannot read {0}: {e}",
            file.display()
        ))),
        _ => None,
    }
}

/// The summary on standard error (standard output may carry data).
fn print_summary(s: &Summary, report: Option<&Path>) {
    eprintln!(
        "共 {} 行，{} 个项目，跳过 {} 行，问题 {} 条 / {} lines, {} releases, {} skipped, {} issues",
        s.lines,
        s.releases,
        s.skipped_lines,
        s.issues,
        s.lines,
        s.releases,
        s.skipped_lines,
        s.issues
    );
    for (kind, n) in &s.issues_by_kind {
        eprintln!("  {n:>8}  {kind}");
    }
    if let Some(e) = &s.read_error {
        eprintln!(
            "读取在第 {} 行后中断，此前的数据已保留 / reading stopped after line {}, the data before it is kept: {e}",
            s.lines, s.lines
        );
    }
    match report {
        Some(p) if s.issues > 0 => eprintln!("问题清单 / issues: {}", p.display()),
        None if s.issues > 0 => {
            eprintln!("用 --report FILE 列出每条问题 / list every issue with --report FILE");
        }
        _ => {}
    }
}

pub fn run(c: OcdsCmd, json: bool) -> ExitCode {
    match c {
        OcdsCmd::Prepare(a) => prepare(&a, json),
        OcdsCmd::Coverage(a) => coverage(&a, json),
        OcdsCmd::Indicators(_) | OcdsCmd::Risk(_) => {
            unreachable!("needs the data directory: dispatched with a Ctx")
        }
    }
}

fn prepare(a: &PrepareArgs, json: bool) -> ExitCode {
    let (s, _) = match settings(a.settings.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut reader = match open(&a.file) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut rep = match report(a.report.as_deref()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let summary =
        match qinglian_ocds::prepare_stream(&mut reader, &s.prepare, &mut out, rep.as_mut()) {
            Ok(s) => s,
            Err(e) => return problem(format!("写入失败 / write failed: {e}")),
        };
    if let Some(code) = unreadable(&a.file, &summary) {
        return code;
    }
    if json {
        eprintln!("{}", serde_json::to_string(&summary).expect("serialisable"));
    } else {
        print_summary(&summary, a.report.as_deref());
    }
    ExitCode::SUCCESS
}

fn coverage(a: &CoverageArgs, json: bool) -> ExitCode {
    let mut reader = match open(&a.file) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let c = match qinglian_ocds::coverage::run(&mut reader) {
        Ok(c) => c,
        Err(e) => {
            return problem(format!(
                "无法读取 {0}：{e} / cannot read {0}: {e}",
                a.file.display()
            ));
        }
    };
    if a.cardinal_json || json {
        println!("{}", c.to_json());
    } else {
        let rows: Vec<Vec<String>> = c
            .iter()
            .map(|(k, n)| {
                vec![
                    if k.is_empty() {
                        "(行 line)".into()
                    } else {
                        k.to_owned()
                    },
                    n.to_string(),
                ]
            })
            .collect();
        crate::output::table(&["路径 path", "非空次数 count"], &rows);
    }
    ExitCode::SUCCESS
}

#[derive(Serialize)]
struct ImportReport<'a> {
    ok: bool,
    source: String,
    content_hash: &'a str,
    summary: &'a Summary,
    report: Option<&'a Path>,
    tables: Vec<CommitReport>,
    ledger_index: Option<u64>,
    seconds: f64,
}

/// `import ocds FILE`: prepare, flatten, then one ledger entry and one lake batch per table.
pub async fn import(ctx: &Ctx, a: &ImportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let [file] = a.files.as_slice() else {
        return Ok(problem(
            "import ocds 一次导入一个文件 / import ocds takes one file at a time",
        ));
    };
    let (s, settings_text) = match settings(a.settings.as_deref()) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let mut reader = match open(file) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let rep = match report(a.report.as_deref()) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (env.store, env.ledger);
    let lake = Lake::new(ctx.settings.lake_dir());

    let pb = ProgressBar::new(reader.total_bytes.unwrap_or(0));
    pb.set_style(
        ProgressStyle::with_template(
            "ocds [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    if ctx.json || ctx.quiet || reader.total_bytes.is_none_or(|n| n < 8 * 1024 * 1024) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let pb2 = pb.clone();
    let flattened = tokio::task::spawn_blocking(move || {
        let mut rep = rep;
        qinglian_ocds::flatten_stream(
            &mut reader,
            &s.prepare,
            &settings_text,
            rep.as_mut(),
            &|n| pb2.set_position(n),
        )
    })
    .await?;
    pb.finish_and_clear();
    let f = match flattened {
        Ok(f) => f,
        Err(e) => {
            return Ok(problem(format!(
                "写入问题清单失败 / cannot write the issue report: {e}"
            )));
        }
    };
    if let Some(code) = unreadable(file, &f.summary) {
        store.close().await;
        return Ok(code);
    }
    let summary = f.summary.clone();
    let content_hash = f.content_hash.clone();
    let source = if file == Path::new("-") {
        "stdin".to_owned()
    } else {
        file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };

    let _lock = super::backup::data_lock(&ctx.settings.data)?;
    let imports = qinglian_ocds::lake_imports(&lake, f, &source, a.replace)?;
    let (imports, ledger_index) = if imports.iter().all(|p| p.is_noop(&lake)) {
        (imports, None)
    } else {
        // One ledger entry for the whole import (all eight tables), carrying each table's row
        // Merkle root; the manifest swaps follow. Importing the same file again after an
        // interruption finds the entry by its request id and completes the lake.
        let mut before = Vec::new();
        for p in &imports {
            before.push(lake.snapshot(&p.dataset)?.hash);
        }
        let (imports, files) = tokio::task::spawn_blocking(move || {
            let files: Vec<serde_json::Value> = imports
                .iter()
                .map(|p| {
                    let f = &p.files[0];
                    serde_json::json!({
                        "dataset": p.dataset,
                        "source": f.source,
                        "content_hash": f.content_hash,
                        "rows": f.num_rows(),
                        "rows_root": qinglian_ledger::hash_to_hex(&f.rows_root()),
                    })
                })
                .collect();
            (imports, files)
        })
        .await?;
        let entry = serde_json::json!({
            "kind": "import",
            "dataset": "ocds",
            "replace": a.replace,
            "source": source,
            "content_hash": content_hash,
            "snapshots_before": before,
            // One per table, shaped like other imports' files (each names its dataset).
            "files": files,
            "lines": summary.lines,
            "releases": summary.releases,
            "issues": summary.issues,
            "skipped_lines": summary.skipped_lines,
            "actor": "cli",
            "ts": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        });
        let req = format!(
            "import:ocds:{}:{}:{content_hash}",
            before.join(","),
            a.replace
        );
        let unit = Unit::new("import", entry)
            .about("dataset", "ocds")
            .with_req_id(&req);
        (imports, Some(ledger.append(unit).await?.index))
    };
    let lake2 = Lake::new(lake.root());
    let tables =
        tokio::task::spawn_blocking(move || qinglian_ocds::commit_all(&lake2, imports)).await??;
    store.close().await;
    finish(
        ctx,
        FinishArgs {
            source,
            content_hash: &content_hash,
            summary: &summary,
            report: a.report.as_deref(),
            tables,
            ledger_index,
            started,
        },
    )
}

struct FinishArgs<'a> {
    source: String,
    content_hash: &'a str,
    summary: &'a Summary,
    report: Option<&'a Path>,
    tables: Vec<CommitReport>,
    ledger_index: Option<u64>,
    started: Instant,
}

fn finish(ctx: &Ctx, f: FinishArgs<'_>) -> anyhow::Result<ExitCode> {
    let seconds = f.started.elapsed().as_secs_f64();
    if ctx.quiet {
    } else if ctx.json {
        crate::output::print_json(&ImportReport {
            ok: true,
            source: f.source,
            content_hash: f.content_hash,
            summary: f.summary,
            report: f.report,
            tables: f.tables,
            ledger_index: f.ledger_index,
            seconds,
        });
    } else {
        print_summary(f.summary, f.report);
        let rows: Vec<Vec<String>> = f
            .tables
            .iter()
            .map(|c| {
                vec![
                    c.dataset.clone(),
                    c.rows_written.to_string(),
                    if c.skipped_files.is_empty() {
                        String::new()
                    } else {
                        "未变 / unchanged".to_owned()
                    },
                    c.snapshot[..12].to_owned(),
                ]
            })
            .collect();
        crate::output::table(
            &[
                "数据表 table",
                "写入行 rows",
                "跳过 skipped",
                "快照 snapshot",
            ],
            &rows,
        );
        println!(
            "导入完成 / import complete{} ({seconds:.2}s)",
            f.ledger_index
                .map(|i| format!("，账本 #{i} / ledger #{i}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
