//! `lottery notarise` and `lottery evidence`: the notarised procedure's record, kept in the
//! ledger and handed to verifiers as `evidence.txt` (`docs/lottery-protocol.md` §8).

use super::Ctx;
use super::args::NotariseArgs;
use crate::output::print_json;
use qinglian_lottery::verify::Evidence;
use qinglian_store::ledger::Ledger;
use qinglian_store::{Principal, Store, StoreError};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// The flags as `evidence.txt` lines, so they are checked by the one parser verifiers use.
fn from_flags(a: &NotariseArgs) -> Result<Evidence, StoreError> {
    let pairs = [
        ("notarised.params_sha256", &a.params_sha256),
        ("notarised.roster_sha256", &a.roster_sha256),
        ("notarised.ceremony_sha256", &a.ceremony_sha256),
        ("t4.commit_utc", &a.t4),
        ("t4.not_before_round", &a.not_before_round),
        ("t5.ceremony_done_utc", &a.ceremony_done),
        ("margin_secs", &a.margin_secs),
    ];
    let text: String = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}\n", v.trim())))
        .collect();
    let invalid = |zh: String, en: String| {
        StoreError::Invalid(qinglian_core::Msg::new("LOTTERY_EVIDENCE", zh, en))
    };
    if text.is_empty() {
        return Err(invalid(
            "请至少提供一项证据（--roster-sha256、--t4 …）".into(),
            "give at least one piece of evidence (--roster-sha256, --t4 …)".into(),
        ));
    }
    Evidence::parse(text.as_bytes()).map_err(|e| invalid(e.zh, e.en))
}

pub async fn notarise(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &NotariseArgs,
) -> anyhow::Result<ExitCode> {
    let ev = from_flags(a)?;
    let (merged, index) = store
        .record_lottery_evidence(
            ledger,
            op,
            &a.lottery,
            &ev,
            a.by.trim(),
            super::super::now(),
        )
        .await?;
    // A notarised hash that differs from the system's own is exactly what `verify all` will
    // fail on; say so now, while the notary is still in the room.
    let r = store.get_lottery(op, &a.lottery).await?;
    let mut warnings = Vec::new();
    if let Some(r) = &r {
        let ours = [
            ("params.txt", Some(&r.params_sha256), &a.params_sha256),
            ("roster.csv", r.roster_sha256.as_ref(), &a.roster_sha256),
            (
                "ceremony.txt",
                r.ceremony_sha256.as_ref(),
                &a.ceremony_sha256,
            ),
        ];
        for (name, have, said) in ours {
            if let (Some(have), Some(said)) = (have, said)
                && have != said.trim()
            {
                warnings.push(format!(
                    "注意：公证的 {name} 哈希与系统记录 {have} 不同，verify all 将判为失败 / note: the notarised {name} hash differs from the system's {have}; verify all will fail"
                ));
            }
        }
    }
    if ctx.json {
        print_json(&json!({
            "lottery": a.lottery, "ledger_index": index, "attested_by": a.by.trim(),
            "evidence": String::from_utf8_lossy(&merged.to_bytes()), "warnings": warnings,
        }));
    } else {
        print!("{}", String::from_utf8_lossy(&merged.to_bytes()));
        println!(
            "已登记（出证方：{}）；账本条目 #{index} / recorded (attested by {}); ledger entry #{index}",
            a.by.trim(),
            a.by.trim()
        );
        for w in &warnings {
            eprintln!("{w}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(
    ctx: &Ctx,
    store: &Store,
    op: &Principal,
    lottery: &str,
    out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let ex = store.lottery_evidence(op, lottery).await?;
    if let Some(path) = &out {
        std::fs::write(path, ex.text.as_bytes()).map_err(|e| {
            anyhow::anyhow!("无法写入 {0}：{e} / cannot write {0}: {e}", path.display())
        })?;
    }
    if ctx.json {
        print_json(&ex);
        return Ok(ExitCode::SUCCESS);
    }
    if out.is_none() {
        print!("{}", ex.text);
    }
    if let Some(i) = ex.t4_from_ledger {
        eprintln!(
            "T4 取自账本第 {i} 条（冻结）；公证时间可用 lottery notarise --t4 登记 / T4 is the time of ledger entry #{i} (the freeze); record the notary's with lottery notarise --t4"
        );
    }
    if ex.text.is_empty() {
        eprintln!("尚无证据 / no evidence yet");
    }
    Ok(ExitCode::SUCCESS)
}
