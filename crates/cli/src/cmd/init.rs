//! `init`: the data directory, the store (migrations), the lake folder, the shipped divisions,
//! the ledger's signing key and its genesis entry. Idempotent; every command that needs the
//! store runs it first.

use super::Ctx;
use crate::config::Settings;
use anyhow::Context;
use qinglian_store::ledger::{LOG_ID, Ledger};
use qinglian_store::{DivisionRow, Store};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
pub struct InitReport {
    pub data: String,
    pub database: String,
    pub backend: &'static str,
    pub builtin_divisions_loaded: usize,
    pub ledger_origin: String,
    /// The public verifier key: give it to anyone who should check checkpoints and receipts.
    pub ledger_vkey: String,
    pub ledger_key_created: bool,
    pub ledger_genesis_created: bool,
}

/// An initialised installation: the store and a handle to the ledger's writer.
pub struct Env {
    pub store: Store,
    pub ledger: Ledger,
    pub report: InitReport,
}

pub async fn ensure_store(s: &Settings) -> anyhow::Result<Env> {
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
    // An existing log keeps its recorded origin; the setting names a new one.
    let origin = match store.ledger_state(LOG_ID).await? {
        Some(state) => state.origin,
        None => s.ledger_origin.clone(),
    };
    let rotations = store.ledger_key_rotations().await?;
    crate::keys::complete_pending(
        &s.ledger_key,
        rotations.last().map(|r| (r.index, r.new_key.as_str())),
    )?;
    let (signer, key_created) = crate::keys::load_or_create(&s.ledger_key, &origin)?;
    let (ledger, genesis) = Ledger::open(&store, signer, &origin).await?;
    let report = InitReport {
        data: s.data.display().to_string(),
        database: qinglian_store::redact_url(&s.database_url),
        backend: store.backend().as_str(),
        builtin_divisions_loaded: loaded,
        ledger_origin: origin,
        ledger_vkey: ledger.verifier().to_vkey(),
        ledger_key_created: key_created,
        ledger_genesis_created: genesis.is_some(),
    };
    Ok(Env {
        store,
        ledger,
        report,
    })
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let report = &env.report;
    if ctx.json {
        crate::output::print_json(report);
    } else {
        println!("数据目录 / data directory: {}", report.data);
        println!("存储 / store: {} ({})", report.database, report.backend);
        if report.builtin_divisions_loaded > 0 {
            println!(
                "已载入省市县区划 / loaded province/city/county divisions: {}",
                report.builtin_divisions_loaded
            );
        }
        println!("账本 / ledger: {}", report.ledger_origin);
        println!(
            "账本验证公钥（可公开，用于核验检查点和凭据）/ ledger verifier key (public; checks checkpoints and receipts):"
        );
        println!("  {}", report.ledger_vkey);
        if report.ledger_key_created {
            println!(
                "已创建账本私钥 {}（权限 600，请妥善备份）/ created the ledger signing key (mode 600; back it up)",
                ctx.settings.ledger_key.display()
            );
        }
        println!("初始化完成 / initialised");
    }
    env.store.close().await;
    Ok(ExitCode::SUCCESS)
}
