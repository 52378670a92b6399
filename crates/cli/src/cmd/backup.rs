//! `backup DIR` and `restore DIR`: store, lake and keys, consistent with each other.
//!
//! Imports and backups take the same data-directory lock, so a backup never sees an import
//! half-way (its ledger entry in the store but its batch not yet in the lake). The store is
//! copied online: SQLite with `VACUUM INTO`, PostgreSQL with `pg_dump` (custom format). A restore
//! verifies the restored ledger against the checkpoint recorded at backup time.

use super::{Ctx, ensure_store};
use anyhow::{Context, bail};
use qinglian_store::ledger::LOG_ID;
use qinglian_store::{Backend, Store};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::ExitCode;

#[derive(Serialize, Deserialize)]
struct BackupManifest {
    format: u32,
    created_at: String,
    backend: String,
    ledger_origin: String,
    ledger_size: u64,
    /// The signed checkpoint at backup time: the restored ledger must be consistent with it.
    ledger_checkpoint: String,
    ledger_vkey: String,
}

/// Held by imports and backups: one at a time per data directory.
pub fn data_lock(data: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data)?;
    let f = std::fs::File::create(data.join(".write.lock"))?;
    f.lock()?;
    Ok(f)
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut n = 0;
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") || name == ".lock" {
            continue; // leftovers of an interrupted import, and lock files
        }
        if e.file_type()?.is_dir() {
            n += copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
            n += 1;
        }
    }
    Ok(n)
}

fn fresh_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{0} 不是空目录 / {0} is not empty", dir.display());
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

fn run_tool(cmd: &mut std::process::Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("无法运行 {what}（请安装 PostgreSQL 客户端）/ cannot run {what} (install the PostgreSQL client)"))?;
    if !out.status.success() {
        bail!(
            "{what} 失败 / {what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

pub async fn backup(ctx: &Ctx, dir: &Path) -> anyhow::Result<ExitCode> {
    fresh_dir(dir)?;
    let env = ensure_store(&ctx.settings).await?;
    let _lock = data_lock(&ctx.settings.data)?;
    let store = env.store;
    let state = store.ledger_state(LOG_ID).await?.context("no ledger")?;
    match store.backend() {
        Backend::Sqlite => store.sqlite_snapshot(&dir.join("qinglian.db")).await?,
        Backend::Postgres => run_tool(
            std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(dir.join("qinglian.pgdump"))
                .arg(&ctx.settings.database_url),
            "pg_dump",
        )?,
    }
    // The store copy may be newer than `state` (appends go on), never older: the checkpoint
    // recorded here is one the copy must be consistent with.
    let files = copy_tree(&ctx.settings.lake_dir(), &dir.join("lake"))?;
    let key_dir = ctx
        .settings
        .ledger_key
        .parent()
        .context("key path has no folder")?;
    copy_tree(key_dir, &dir.join("keys"))?;
    if ctx.settings.config_loaded {
        std::fs::copy(&ctx.settings.config_file, dir.join("qinglian.toml"))?;
    }
    let manifest = BackupManifest {
        format: 1,
        created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        backend: store.backend().as_str().to_owned(),
        ledger_origin: state.origin.clone(),
        ledger_size: state.size,
        ledger_checkpoint: state.checkpoint.clone(),
        ledger_vkey: env.ledger.verifier().to_vkey(),
    };
    std::fs::write(
        dir.join("backup.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    store.close().await;
    if ctx.json {
        crate::output::print_json(
            &serde_json::json!({"dir": dir, "ledger_size": state.size, "lake_files": files}),
        );
    } else {
        println!(
            "已备份到 {} / backed up to {}",
            dir.display(),
            dir.display()
        );
        println!(
            "账本大小 / ledger size: {}；数据湖文件 / lake files: {files}",
            state.size
        );
        println!(
            "备份含账本私钥，请妥善保管 / the backup holds the ledger's private key: keep it safe"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(ctx: &Ctx, dir: &Path) -> anyhow::Result<ExitCode> {
    let manifest: BackupManifest = serde_json::from_slice(
        &std::fs::read(dir.join("backup.json"))
            .with_context(|| format!("{0} 不是备份目录 / {0} is not a backup", dir.display()))?,
    )?;
    let s = &ctx.settings;
    if s.data.join("qinglian.db").exists()
        || s.lake_dir()
            .join(".")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    {
        bail!(
            "数据目录 {0} 已有数据，请恢复到新的目录 / the data directory {0} holds data; restore into a new one",
            s.data.display()
        );
    }
    std::fs::create_dir_all(&s.data)?;
    let is_pg = s.database_url.starts_with("postgres");
    match (manifest.backend.as_str(), is_pg) {
        ("sqlite", false) => {
            let target = s
                .database_url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            std::fs::copy(dir.join("qinglian.db"), target)?;
        }
        ("postgres", true) => run_tool(
            std::process::Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&s.database_url)
                .arg(dir.join("qinglian.pgdump")),
            "pg_restore",
        )?,
        (b, _) => bail!(
            "备份来自 {b} 存储，与目标数据库类型不同 / the backup is of a {b} store; the target database is of another kind"
        ),
    }
    copy_tree(&dir.join("lake"), &s.lake_dir())?;
    let key_dir = s.ledger_key.parent().context("key path has no folder")?;
    copy_tree(&dir.join("keys"), key_dir)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(key_dir, std::fs::Permissions::from_mode(0o700))?;
        std::fs::set_permissions(&s.ledger_key, std::fs::Permissions::from_mode(0o600))?;
    }
    let store = Store::open(&s.database_url).await?;
    let vkey = qinglian_ledger::Verifier::parse(&manifest.ledger_vkey)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = store
        .ledger_verify(&vkey, Some(&manifest.ledger_checkpoint))
        .await;
    store.close().await;
    match report {
        Ok(r) => {
            if ctx.json {
                crate::output::print_json(&serde_json::json!({"restored": true, "report": r}));
            } else {
                println!(
                    "已恢复并核验 / restored and verified: {} 条 entries，与备份时的检查点（大小 {}）一致 / consistent with the checkpoint at backup time (size {})",
                    r.size, manifest.ledger_size, manifest.ledger_size
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(f) => {
            eprintln!("恢复的账本核验失败 / the restored ledger does not verify: {f}");
            Ok(ExitCode::from(1))
        }
    }
}
