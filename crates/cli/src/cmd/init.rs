//! `init`: the data directory, the store (migrations), the lake folder, the shipped divisions.
//! Idempotent; every command that needs the store runs it first.

use super::Ctx;
use crate::config::Settings;
use anyhow::Context;
use qinglian_store::{DivisionRow, Store};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
pub struct InitReport {
    pub data: String,
    pub database: String,
    pub backend: &'static str,
    pub builtin_divisions_loaded: usize,
}

pub async fn ensure_store(s: &Settings) -> anyhow::Result<(Store, InitReport)> {
    std::fs::create_dir_all(s.lake_dir()).with_context(|| {
        format!(
            "无法创建数据目录 {0} / cannot create the data directory {0}",
            s.data.display()
        )
    })?;
    let store = Store::open(&s.database_url).await?;
    let table = qinglian_core::division::builtin();
    let mut loaded = 0;
    if store.builtin_division_count().await? != table.len() as i64 {
        let rows: Vec<DivisionRow> = table
            .iter()
            .map(|d| DivisionRow {
                code: d.code.to_string(),
                name: d.name.clone(),
                level: d.level.as_str().to_owned(),
                parent_code: d.parent.as_ref().map(ToString::to_string),
                longitude: d.longitude,
                latitude: d.latitude,
                builtin: true,
            })
            .collect();
        loaded = store.upsert_divisions(&rows).await?;
    }
    let report = InitReport {
        data: s.data.display().to_string(),
        database: qinglian_store::redact_url(&s.database_url),
        backend: store.backend().as_str(),
        builtin_divisions_loaded: loaded,
    };
    Ok((store, report))
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (store, report) = ensure_store(&ctx.settings).await?;
    if ctx.json {
        crate::output::print_json(&report);
    } else {
        println!("数据目录 / data directory: {}", report.data);
        println!("存储 / store: {} ({})", report.database, report.backend);
        if report.builtin_divisions_loaded > 0 {
            println!(
                "已载入省市县区划 / loaded province/city/county divisions: {}",
                report.builtin_divisions_loaded
            );
        }
        println!("初始化完成 / initialised");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
