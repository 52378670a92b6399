//! `lottery verify all|me`: offline, no data directory, no database, no network. Exit codes as
//! in the ledger: 0 verified, 1 failed, 2 usage or I/O.

use super::args::VerifyCmd;
use crate::output::print_json;
use qinglian_lottery::LotteryError;
use qinglian_lottery::hash::to_hex;
use qinglian_lottery::verify::{Evidence, MeReport, Report, Status, verify_all_with, verify_me};
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

/// Exit 2 with the (bilingual) text.
fn usage(text: String, json: bool) -> ExitCode {
    if json {
        print_json(&json!({"verified": false, "error": text}));
    }
    eprintln!("错误 / error: {text}");
    ExitCode::from(2)
}

/// The notarised hashes and timing evidence, or why they cannot be read (exit 2).
fn read_evidence(path: &Path) -> Result<Evidence, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("无法读取 {0}：{e} / cannot read {0}: {e}", path.display()))?;
    Evidence::parse(&bytes).map_err(|e| {
        format!(
            "{} 第 {} 行：{} / {} line {}: {}",
            path.display(),
            e.line,
            e.zh,
            path.display(),
            e.line,
            e.en
        )
    })
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::Skipped => "skipped",
        Status::NoEvidence => "no_evidence",
    }
}

pub fn report_json(r: &Report) -> Value {
    json!({
        "verified": r.passed(),
        "checks": r.checks.iter().map(|c| json!({
            "artefact": c.artefact, "check": c.check, "status": status(c.status),
            "zh": c.zh, "en": c.en,
        })).collect::<Vec<_>>(),
        "first_failure": r.first_failure().map(|c| json!({"artefact": c.artefact, "check": c.check})),
        "summary": r.summary,
    })
}

pub fn me_json(r: &MeReport) -> Value {
    json!({
        "verified": r.found,
        "found": r.found,
        "commitment": to_hex(&r.commitment),
        "seed": to_hex(&r.seed),
        "result": r.result,
        "warnings": r.warnings,
        "choices": r.choices.iter().map(|c| json!({
            "school": c.school, "tier": c.tier, "number": to_hex(&c.number), "rank": c.rank,
            "listed_by": c.listed_by,
            "cutoff": c.cutoff.map(|(t, r)| json!({"tier": t, "rank": r})),
            "admitted_here": c.admitted_here, "waitlist_rank": c.waitlist_rank,
        })).collect::<Vec<_>>(),
        "lines": r.lines,
    })
}

fn readable_dir(dir: &Path, json: bool) -> Option<ExitCode> {
    match std::fs::read_dir(dir) {
        Ok(_) => None,
        Err(e) => Some(usage(
            format!(
                "无法读取公布目录 {0}：{e} / cannot read the publication directory {0}: {e}",
                dir.display()
            ),
            json,
        )),
    }
}

pub fn run(c: VerifyCmd, json: bool) -> ExitCode {
    match c {
        VerifyCmd::All { dir, evidence } => {
            if let Some(code) = readable_dir(&dir, json) {
                return code;
            }
            let opts = match evidence.as_deref().map(read_evidence).transpose() {
                Ok(ev) => ev.map(|e| e.to_options()).unwrap_or_default(),
                Err(text) => return usage(text, json),
            };
            let spinner = super::spinner("核验 / verifying", json);
            let r = verify_all_with(&dir, &opts);
            spinner.finish_and_clear();
            if json {
                print_json(&report_json(&r));
            } else {
                print!("{}", r.to_text());
            }
            if r.passed() {
                ExitCode::SUCCESS
            } else {
                if let Some(f) = r.first_failure() {
                    eprintln!(
                        "核验失败：{} · {} / verification FAILED: {} · {}",
                        f.artefact, f.check, f.artefact, f.check
                    );
                }
                ExitCode::from(1)
            }
        }
        VerifyCmd::Me { dir, id, salt } => {
            if let Some(code) = readable_dir(&dir, json) {
                return code;
            }
            match verify_me(&dir, &id, &salt) {
                Ok(r) => {
                    if json {
                        print_json(&me_json(&r));
                    } else {
                        for l in &r.lines {
                            println!("{l}");
                        }
                    }
                    if r.found {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e @ (LotteryError::Io { .. } | LotteryError::BadSalt)) => {
                    usage(e.to_string(), json)
                }
                Err(e) => {
                    if json {
                        print_json(&json!({"verified": false, "error": e.to_string()}));
                    }
                    eprintln!("核验失败 / verification FAILED: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
