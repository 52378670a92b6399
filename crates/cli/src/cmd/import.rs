//! `import` and `import-dir`: validate everything first, then write. A file with one bad cell,
//! or a reference that does not resolve, lands nothing.

use super::{Ctx, ensure_store};
use crate::cli::ImportArgs;
use crate::registry_load::{self, Known, Rows};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use qinglian_lake::{Catalogue, CommitReport, ImportError, Lake, Prepared, ReadOptions};
use qinglian_store::ledger::Unit;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Serialize)]
pub struct DatasetReport {
    #[serde(flatten)]
    pub commit: CommitReport,
    pub registry_rows: usize,
    /// The ledger entry recording this import (none when nothing changed).
    pub ledger_index: Option<u64>,
    pub seconds: f64,
}

#[derive(Serialize)]
struct Refused<'a> {
    ok: bool,
    code: &'a str,
    errors: &'a [qinglian_lake::CellError],
    more: u64,
}

pub async fn import(ctx: &Ctx, a: &ImportArgs) -> anyhow::Result<ExitCode> {
    // OCDS is prepared and flattened into several tables, and is not all-or-nothing.
    if a.dataset == "ocds" {
        return super::ocds::import(ctx, a).await;
    }
    if a.settings.is_some() || a.report.is_some() {
        anyhow::bail!(
            "--settings 与 --report 仅用于 import ocds / --settings and --report are for import ocds only"
        );
    }
    let encoding = a
        .encoding
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|m: qinglian_core::Msg| anyhow::anyhow!("{m}"))?;
    let columns = match &a.columns {
        None => None,
        Some(path) => {
            let schema =
                qinglian_lake::schema_of(&a.dataset).map_err(|e| anyhow::anyhow!("{e}"))?;
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "无法读取表头映射文件 {0}：{e} / cannot read the column mapping {0}: {e}",
                    path.display()
                )
            })?;
            let map = qinglian_lake::ColumnMap::parse(&text, &path.display().to_string(), schema)
                .map_err(|m| anyhow::anyhow!("{m}"))?;
            Some(std::sync::Arc::new(map))
        }
    };
    let opts = ReadOptions {
        sheet: a.sheet.clone(),
        encoding,
        max_errors: ctx.settings.max_errors,
        columns,
    };
    run_plan(
        ctx,
        vec![(a.dataset.clone(), a.files.clone())],
        &opts,
        a.replace,
    )
    .await
}

pub async fn import_dir(ctx: &Ctx, dir: &Path, replace: bool) -> anyhow::Result<ExitCode> {
    let plan = plan_dir(dir)?;
    if plan.is_empty() {
        anyhow::bail!(
            "目录 {0} 中没有可识别的 <数据集>.csv|xlsx|json|jsonl 文件 / no <dataset>.csv|xlsx|json|jsonl files in {0}",
            dir.display()
        );
    }
    let opts = ReadOptions {
        max_errors: ctx.settings.max_errors,
        ..Default::default()
    };
    run_plan(ctx, plan, &opts, replace).await
}

/// The files of a folder that name a dataset, in the catalogue's dependency order.
pub fn plan_dir(dir: &Path) -> anyhow::Result<Vec<(String, Vec<PathBuf>)>> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(dir)
        .with_context(|| format!("无法读取目录 {0} / cannot read folder {0}", dir.display()))?
    {
        let p = e?.path();
        let (Some(stem), Some(ext)) = (
            p.file_stem().and_then(|s| s.to_str()),
            p.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if ["csv", "xlsx", "json", "jsonl"].contains(&ext.to_ascii_lowercase().as_str())
            && Catalogue::builtin().get(stem).is_some()
        {
            found.push((stem.to_owned(), p.clone()));
        }
    }
    let mut plan = Vec::new();
    for d in Catalogue::builtin().all() {
        let mut files: Vec<PathBuf> = found
            .iter()
            .filter(|(n, _)| *n == d.name)
            .map(|(_, p)| p.clone())
            .collect();
        files.sort();
        if files.len() > 1 {
            anyhow::bail!(
                "数据集 {0} 在目录中有多个文件（{1}），请只保留一个 / dataset {0} has several files in the folder ({1}); keep one",
                d.name,
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if !files.is_empty() {
            plan.push((d.name.clone(), files));
        }
    }
    Ok(plan)
}

fn progress_bar(total: u64) -> ProgressBar {
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:12} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb
}

/// Prepares (reads, validates, checks references) every dataset of the plan; writes only if all
/// of it is valid.
pub async fn run_plan(
    ctx: &Ctx,
    plan: Vec<(String, Vec<PathBuf>)>,
    opts: &ReadOptions,
    replace: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (env.store, env.ledger);
    let progress = !(ctx.json || ctx.quiet);
    let reports = match import_plan(
        &ctx.settings,
        &store,
        &ledger,
        plan,
        opts,
        replace,
        "cli",
        progress,
    )
    .await?
    {
        Ok(r) => r,
        Err(err) => {
            if ctx.json {
                let ImportError::Invalid { errors, more } = &err else {
                    unreachable!()
                };
                crate::output::print_json(&Refused {
                    ok: false,
                    code: err.code(),
                    errors,
                    more: *more,
                });
            } else {
                eprintln!("{err}");
            }
            store.close().await;
            return Ok(ExitCode::from(1));
        }
    };
    store.close().await;
    print_reports(ctx, &reports, started);
    Ok(ExitCode::SUCCESS)
}

/// The import itself, as `import`, `import-dir` and the web's import page run it: prepares
/// every dataset of the plan and writes only if all of it is valid (the inner `Err` holds the
/// row-precise errors). `actor` is who the ledger entry names.
#[allow(clippy::too_many_arguments)]
pub async fn import_plan(
    settings: &crate::config::Settings,
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    plan: Vec<(String, Vec<PathBuf>)>,
    opts: &ReadOptions,
    replace: bool,
    actor: &str,
    progress: bool,
) -> anyhow::Result<Result<Vec<DatasetReport>, ImportError>> {
    let lake = Lake::new(settings.lake_dir());
    let mut known = Known::load(store).await?;
    let mut staged: Vec<(Prepared, Vec<Rows>, Instant)> = Vec::new();
    let mut errors = Vec::new();
    let mut more = 0;
    for (dataset, files) in plan {
        let t = Instant::now();
        let total: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let pb = progress_bar(total);
        pb.set_message(dataset.clone());
        if !progress || total < 8 * 1024 * 1024 {
            pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let prepared = {
            let lake = Lake::new(settings.lake_dir());
            let (ds, opts2, pb2) = (dataset.clone(), opts.clone(), pb.clone());
            tokio::task::spawn_blocking(move || {
                lake.prepare(&ds, &files, &opts2, replace, &|d, _| pb2.set_position(d))
            })
            .await?
        };
        pb.finish_and_clear();
        let prepared = match prepared {
            Ok(p) => p,
            Err(ImportError::Invalid { errors: e, more: m }) => {
                errors.extend(e);
                more += m;
                continue;
            }
            Err(other) => return Err(other.into()),
        };
        let mut rows = Vec::new();
        if qinglian_lake::schema_of(&dataset)?.is_registry() {
            for f in prepared.files.iter().filter(|f| !f.already_imported) {
                match registry_load::convert(&dataset, f, &mut known, opts.max_errors) {
                    Ok(r) => rows.push(r),
                    Err(ImportError::Invalid { errors: e, more: m }) => {
                        errors.extend(e);
                        more += m;
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
        staged.push((prepared, rows, t));
    }
    if !errors.is_empty() || more > 0 {
        return Ok(Err(ImportError::Invalid { errors, more }));
    }
    // One writer of store-and-lake at a time; a backup waits for this import to finish.
    let _lock = super::backup::data_lock(&settings.data)?;
    let mut reports = Vec::new();
    for (prepared, rows, t) in staged {
        let dataset = prepared.dataset.clone();
        let lake2 = Lake::new(lake.root());
        let (prepared, ledger_index) = if prepared.is_noop(&lake) {
            (prepared, None)
        } else {
            // One ledger entry per dataset import, carrying a Merkle root over each file's rows;
            // the registry rows it upserts are its change, so both commit together. The lake's
            // manifest swap follows; if that is interrupted, importing the same files again
            // finds the entry by its request id and completes the lake.
            let before = lake.snapshot(&dataset)?.hash;
            let (prepared, files) = tokio::task::spawn_blocking(move || {
                let files: Vec<serde_json::Value> = prepared
                    .files
                    .iter()
                    .filter(|f| !f.already_imported)
                    .map(|f| {
                        serde_json::json!({
                            "source": f.source,
                            "content_hash": f.content_hash,
                            "rows": f.num_rows(),
                            "rows_root": qinglian_ledger::hash_to_hex(&f.rows_root()),
                        })
                    })
                    .collect();
                (prepared, files)
            })
            .await?;
            let hashes: Vec<&str> = prepared
                .files
                .iter()
                .map(|f| f.content_hash.as_str())
                .collect();
            let req = format!(
                "import:{dataset}:{before}:{}:{}",
                prepared.replace,
                hashes.join(",")
            );
            let entry = serde_json::json!({
                "kind": "import",
                "dataset": dataset,
                "replace": prepared.replace,
                "snapshot_before": before,
                "files": files,
                "actor": actor,
                "ts": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            });
            let change: Vec<_> = rows.iter().flat_map(|r| r.stmts()).collect();
            let unit = Unit::new("import", entry)
                .about("dataset", &dataset)
                .with_req_id(&req)
                .with_change(change);
            let appended = ledger.append(unit).await?;
            (prepared, Some(appended.index))
        };
        let registry_rows = rows.iter().map(|r| r.len()).sum();
        let commit = tokio::task::spawn_blocking(move || lake2.commit(prepared)).await??;
        reports.push(DatasetReport {
            commit,
            registry_rows,
            ledger_index,
            seconds: t.elapsed().as_secs_f64(),
        });
    }
    Ok(Ok(reports))
}

fn print_reports(ctx: &Ctx, reports: &[DatasetReport], started: Instant) {
    if ctx.quiet {
    } else if ctx.json {
        crate::output::print_json(&reports);
    } else {
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                let c = &r.commit;
                vec![
                    c.dataset.clone(),
                    c.rows_written.to_string(),
                    c.new_batches.len().to_string(),
                    if c.skipped_files.is_empty() {
                        String::new()
                    } else {
                        format!("{} 个未变 / unchanged", c.skipped_files.len())
                    },
                    c.superseded.len().to_string(),
                    c.snapshot[..12].to_owned(),
                    r.ledger_index.map(|i| format!("#{i}")).unwrap_or_default(),
                    format!("{:.2}s", r.seconds),
                ]
            })
            .collect();
        crate::output::table(
            &[
                "数据集 dataset",
                "写入行 rows",
                "新批次 batches",
                "跳过 skipped",
                "被替换 superseded",
                "快照 snapshot",
                "账本 ledger",
                "用时 time",
            ],
            &rows,
        );
        println!(
            "导入完成 / import complete ({:.2}s)",
            started.elapsed().as_secs_f64()
        );
    }
}
