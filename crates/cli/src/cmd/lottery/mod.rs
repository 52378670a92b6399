//! `lottery`: the LOT1 school-admission lottery (阳光招生) as the command-line operator runs it.
//! The protocol is `qinglian-lottery`, the state and the ledger are `qinglian-store`; this
//! module reads files, writes receipts and publications, and prints.

mod applicants;
pub mod args;
pub mod demo;
mod evidence;
mod offers;
mod receipts;
mod verify;

pub use args::LotteryCmd;

use super::{Ctx, ensure_store};
use crate::config::Settings;
use crate::output::{export_xlsx, print_json, table};
use anyhow::Context;
use args::{AnnounceArgs, DrawArgs, PublishArgs, RegisterArgs};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qinglian_core::DivisionCode;
use qinglian_core::ids::mask_citizen_id;
use qinglian_lake::ImportError;
use qinglian_lottery::beacon::pinned_chain;
use qinglian_lottery::hash::to_hex;
use qinglian_lottery::params::Params;
use qinglian_lottery::publish::MANIFEST;
use qinglian_lottery::{Salt, register};
use qinglian_store::ledger::Ledger;
use qinglian_store::lottery::{NewApplicant, PUBLISHED, id_digest};
use qinglian_store::{LotteryState, Principal, Store};
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `verify` needs no settings and no store.
pub fn verify(c: args::VerifyCmd, json: bool) -> ExitCode {
    verify::run(c, json)
}

pub(crate) fn spinner(msg: &'static str, json: bool) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    pb.set_message(msg);
    if json {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    pb
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("无法读取 {0} / cannot read {0}", path.display()))
}

/// Exit 2: a file the command needs cannot be read or written.
fn io_problem(e: &anyhow::Error) -> ExitCode {
    crate::output::print_error(e);
    ExitCode::from(2)
}

pub fn public_page(s: &Settings, id: &str) -> String {
    let base = s
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", s.bind));
    format!("{}/public/lottery/{id}", base.trim_end_matches('/'))
}

fn fmt_time(t: Option<i64>) -> String {
    t.map_or_else(String::new, super::clues::fmt_time)
}

pub async fn run(ctx: &Ctx, c: LotteryCmd) -> anyhow::Result<ExitCode> {
    if let LotteryCmd::Verify(v) = c {
        return Ok(verify::run(v, ctx.json));
    }
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (&env.store, &env.ledger);
    let op = Principal::operator();
    let code = match c {
        LotteryCmd::Announce(a) => announce(ctx, store, ledger, &op, &a).await?,
        LotteryCmd::Register(a) => register_file(ctx, store, ledger, &op, &a).await?,
        LotteryCmd::Freeze(a) => {
            let r = store
                .freeze_lottery(ledger, &op, &a.lottery, a.rehearsal, super::now())
                .await?;
            let roster = r.roster_sha256.clone().unwrap_or_default();
            if ctx.json {
                print_json(&r);
            } else {
                // The hash alone on the first line, for scripts and for the notary's form.
                println!("{roster}");
                println!(
                    "名册已冻结：{} 名申请人；请将上列 roster.csv 的 SHA-256 交公证处公证并公布 / roster frozen: {} applicants; have the SHA-256 of roster.csv above notarised and published",
                    r.applicants, r.applicants
                );
                if r.rehearsal {
                    println!(
                        "注意：本次为演练（--rehearsal），公开页面会标明 / note: a rehearsal (--rehearsal); the public page says so"
                    );
                }
            }
            ExitCode::SUCCESS
        }
        LotteryCmd::Draw(a) => draw(ctx, store, ledger, &op, &a).await?,
        LotteryCmd::Publish(a) => publish(ctx, store, ledger, &op, &a).await?,
        LotteryCmd::Offers(c) => offers::run(ctx, store, ledger, &op, c).await?,
        LotteryCmd::Notarise(a) => evidence::notarise(ctx, store, ledger, &op, &a).await?,
        LotteryCmd::Evidence { lottery, out } => {
            evidence::export(ctx, store, &op, &lottery, out).await?
        }
        LotteryCmd::List(a) => {
            let list = store.list_lotteries(&op).await?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.title.clone(),
                        state_label(&r.state),
                        r.applicants.to_string(),
                        r.division_code.clone().unwrap_or_default(),
                        fmt_time(Some(r.updated_at)),
                    ]
                })
                .collect();
            let headers = [
                "编号 id",
                "标题 title",
                "状态 state",
                "申请人 applicants",
                "区划 division",
                "更新 updated",
            ];
            if let Some(path) = &a.export {
                export_xlsx(path, "抽签", &headers, &rows)?;
            }
            if ctx.json {
                print_json(&list);
            } else {
                table(&headers, &rows);
            }
            ExitCode::SUCCESS
        }
        LotteryCmd::Show { id } => show(ctx, store, &op, &id).await?,
        LotteryCmd::Verify(_) => unreachable!("handled above"),
    };
    env.store.close().await;
    Ok(code)
}

fn state_label(s: &str) -> String {
    LotteryState::parse(s).map_or_else(
        || s.to_owned(),
        |st| format!("{} {}", st.name_zh(), st.as_str()),
    )
}

async fn announce(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &AnnounceArgs,
) -> anyhow::Result<ExitCode> {
    let bytes = match read_file(&a.params) {
        Ok(b) => b,
        Err(e) => return Ok(io_problem(&e)),
    };
    let division = a.division.as_deref().map(DivisionCode::parse).transpose()?;
    let r = store
        .announce_lottery(
            ledger,
            op,
            &bytes,
            a.title.as_deref().unwrap_or(""),
            division.as_ref(),
            super::now(),
        )
        .await?;
    let params = Params::parse(&bytes)?;
    let pin = params.beacon.as_ref().context("beacon pins")?;
    let time = pinned_chain(&pin.chain_hash).map(|c| c.time_of_round(pin.round));
    if ctx.json {
        print_json(&json!({
            "lottery": r,
            "beacon_time": time
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|d| qinglian_lottery::offers::format_time(&d)),
            "public_page": public_page(&ctx.settings, &r.id),
        }));
    } else {
        // The id alone on the first line, for scripts.
        println!("{}", r.id);
        println!(
            "已公告抽签 {}（{}）/ announced lottery {}",
            r.id, r.title, r.id
        );
        println!("params.txt SHA-256: {}", r.params_sha256);
        match time {
            Some(t) => println!(
                "信标 drand 第 {} 轮，北京时间 {}（名册须至少提前 1 小时冻结）/ beacon: drand round {} at {} Asia/Shanghai (the roster must freeze at least an hour before)",
                pin.round,
                fmt_time(Some(t)),
                pin.round,
                fmt_time(Some(t))
            ),
            None => println!(
                "信标第 {} 轮（链不在内置列表中）/ beacon round {} (chain not built in)",
                pin.round, pin.round
            ),
        }
        println!(
            "公开页面 / public page: {}",
            public_page(&ctx.settings, &r.id)
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Refused<'a> {
    ok: bool,
    code: &'static str,
    errors: &'a [qinglian_lake::CellError],
    more: u64,
}

fn refuse_file(ctx: &Ctx, err: ImportError) -> anyhow::Result<ExitCode> {
    match err {
        ImportError::Invalid { errors, more } => {
            let code = errors.first().map_or("IMPORT_INVALID", |e| e.code);
            if ctx.json {
                print_json(&Refused {
                    ok: false,
                    code,
                    errors: &errors,
                    more,
                });
            }
            eprintln!(
                "{}",
                ImportError::Invalid { errors, more }
                    .to_string()
                    .replacen("导入被拒绝", "报名被拒绝", 1)
                    .replacen("import refused", "registration refused", 1)
            );
            Ok(ExitCode::from(1))
        }
        ImportError::Io { .. } => Ok(io_problem(&err.into())),
        other => {
            if ctx.json {
                print_json(&json!({"ok": false, "code": other.code(), "error": other.to_string()}));
            }
            eprintln!("错误 / error: {other}");
            Ok(ExitCode::from(1))
        }
    }
}

fn default_beside(from: &Path, suffix: &str) -> PathBuf {
    let stem = from.file_stem().map_or_else(
        || "applicants".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    from.with_file_name(format!("{stem}-{suffix}"))
}

/// What a register batch left behind: the ledgered report, each row's salt (for the demo's
/// sample family; the operator has them in the receipts) and where the receipts are.
pub(crate) struct Registered {
    pub report: qinglian_store::RegisterReport,
    pub salts: Vec<(u64, String)>,
    pub receipts: PathBuf,
    pub export: PathBuf,
}

async fn register_file(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &RegisterArgs,
) -> anyhow::Result<ExitCode> {
    let r = match register_from(ctx, store, ledger, op, a).await? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let report = &r.report;
    if ctx.json {
        print_json(&json!({
            "report": report, "receipts": r.receipts, "export": r.export,
        }));
    } else {
        println!(
            "已登记第 {} 批 {} 名申请人（本抽签共 {} 名，账本第 {} 条）/ registered batch {}: {} applicants ({} in the lottery, ledger entry {})",
            report.batch,
            report.registered,
            report.applicants,
            report.ledger_index,
            report.batch,
            report.registered,
            report.applicants,
            report.ledger_index
        );
        println!(
            "回执（每户一页，含盐值，系统不保存，请打印后发给各家庭）/ receipts (one page per family, with the salt, which Qinglian does not keep; print and hand out): {}",
            r.receipts.display()
        );
        println!("回执 Excel / receipts in Excel: {}", r.export.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks the file, issues one salt and receipt per family, writes the receipts,
/// and registers the batch. `Err(code)`: refused or an I/O problem, already reported.
pub(crate) async fn register_from(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &RegisterArgs,
) -> anyhow::Result<Result<Registered, ExitCode>> {
    let lottery = store.get_lottery(op, &a.lottery).await?.ok_or_else(|| {
        qinglian_store::StoreError::NotFound(format!("抽签 / lottery {}", a.lottery))
    })?;
    let params_bytes = store
        .lottery_file(&lottery.id, "params.txt")
        .await?
        .context("params.txt")?;
    let params = Params::parse(&params_bytes)?;
    let html_path = a
        .receipts
        .clone()
        .unwrap_or_else(|| default_beside(&a.from, "receipts.html"));
    let xlsx_path = a
        .export
        .clone()
        .unwrap_or_else(|| default_beside(&a.from, "receipts.xlsx"));
    for p in [&html_path, &xlsx_path] {
        if p.exists() {
            // An earlier batch's receipts hold salts that exist nowhere else.
            return Ok(Err(io_problem(&anyhow::anyhow!(
                "{0} 已存在，拒绝覆盖（其中的盐值可能是唯一副本）；请用 --receipts/--export 指定新文件 / {0} exists; not overwriting it (its salts may be the only copy); choose new files with --receipts/--export",
                p.display()
            ))));
        }
    }
    let apps = match applicants::read(
        &a.from,
        a.sheet.as_deref(),
        &params,
        ctx.settings.max_errors,
    ) {
        Ok(v) => v,
        Err(e) => return Ok(Err(refuse_file(ctx, e)?)),
    };
    let digests: Vec<String> = apps
        .iter()
        .map(|x| id_digest(&lottery.id, &x.id_norm))
        .collect();
    let known = store
        .lottery_registered_digests(&lottery.id, &digests)
        .await?;
    if !known.is_empty() {
        let rows: Vec<(u64, String)> = apps
            .iter()
            .zip(&digests)
            .filter(|(_, d)| known.contains(*d))
            .map(|(x, _)| (x.row, mask_citizen_id(&x.id_norm)))
            .collect();
        return Ok(Err(refuse_file(
            ctx,
            applicants::already_registered(&a.from, &rows),
        )?));
    }
    let mut issued = Vec::with_capacity(apps.len());
    for x in &apps {
        let receipt = register(&lottery.id, &x.id_norm, Salt::generate()?)?;
        issued.push(receipts::Issued {
            applicant: x,
            receipt,
        });
    }
    // Receipts first (under temporary names), so no committed applicant is without its salt.
    let page = public_page(&ctx.settings, &lottery.id);
    let html = receipts::html(&lottery.title, &lottery.id, &page, &issued);
    let rows = receipts::rows(&issued);
    let (html_tmp, xlsx_tmp) = (receipts::partial(&html_path), receipts::partial(&xlsx_path));
    let written = std::fs::write(&html_tmp, html)
        .map_err(anyhow::Error::from)
        .and_then(|()| receipts::restrict(&html_tmp).map_err(anyhow::Error::from))
        .and_then(|()| export_xlsx(&xlsx_tmp, "回执", &receipts::HEADERS, &rows))
        .and_then(|()| receipts::restrict(&xlsx_tmp).map_err(anyhow::Error::from));
    let discard = || {
        let _ = std::fs::remove_file(&html_tmp);
        let _ = std::fs::remove_file(&xlsx_tmp);
    };
    if let Err(e) = written {
        discard();
        return Ok(Err(io_problem(
            &e.context("无法写入回执 / cannot write the receipts"),
        )));
    }
    let batch: Vec<NewApplicant> = issued
        .iter()
        .zip(digests)
        .map(|(it, d)| NewApplicant {
            commitment: to_hex(&it.receipt.commitment),
            choices: it.applicant.choices.clone(),
            group: it.applicant.group.clone(),
            id_digest: d,
        })
        .collect();
    let report = match store
        .register_applicants(ledger, op, &lottery.id, &batch, super::now())
        .await
    {
        Ok(r) => r,
        Err(e) => {
            discard();
            return Err(e.into());
        }
    };
    std::fs::rename(&html_tmp, &html_path)?;
    std::fs::rename(&xlsx_tmp, &xlsx_path)?;
    Ok(Ok(Registered {
        report,
        salts: issued
            .iter()
            .map(|it| (it.applicant.row, it.receipt.salt.as_str().to_owned()))
            .collect(),
        receipts: html_path,
        export: xlsx_path,
    }))
}

async fn draw(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &DrawArgs,
) -> anyhow::Result<ExitCode> {
    let (ceremony, beacon) =
        match read_file(&a.ceremony).and_then(|c| Ok((c, read_file(&a.beacon)?))) {
            Ok(x) => x,
            Err(e) => return Ok(io_problem(&e)),
        };
    let pb = spinner("派位 / drawing", ctx.json);
    let r = store
        .draw_lottery(
            ledger,
            op,
            &a.lottery,
            &ceremony,
            &beacon,
            a.threads,
            super::now(),
        )
        .await;
    pb.finish_and_clear();
    let r = r?;
    if ctx.json {
        print_json(&r);
    } else {
        println!(
            "派位完成 / drawn: {}，录取 {} 名，共 {} 名申请人 / placed {} of {}",
            r.id,
            r.placed.unwrap_or(0),
            r.applicants,
            r.placed.unwrap_or(0),
            r.applicants
        );
        println!("种子 / seed: {}", r.seed.clone().unwrap_or_default());
        println!(
            "results.csv SHA-256: {}",
            r.results_sha256.clone().unwrap_or_default()
        );
        println!(
            "下一步：qinglian lottery publish --lottery {} --out 公布目录 / next: qinglian lottery publish --lottery {} --out DIR",
            r.id, r.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the nine stored files into `dir` (absent or empty).
pub async fn write_publication(store: &Store, id: &str, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("无法创建 {0} / cannot create {0}", dir.display()))?;
    if std::fs::read_dir(dir)?.next().is_some() {
        anyhow::bail!(
            "公布目录 {0} 须为空 / the publication directory {0} must be empty",
            dir.display()
        );
    }
    for name in PUBLISHED {
        let bytes = store
            .lottery_file(id, name)
            .await?
            .with_context(|| format!("{id}/{name}"))?;
        std::fs::write(dir.join(name), bytes).with_context(|| {
            format!("无法写入 {0} / cannot write {0}", dir.join(name).display())
        })?;
    }
    Ok(())
}

async fn publish(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    a: &PublishArgs,
) -> anyhow::Result<ExitCode> {
    let r = store.get_lottery(op, &a.lottery).await?.ok_or_else(|| {
        qinglian_store::StoreError::NotFound(format!("抽签 / lottery {}", a.lottery))
    })?;
    if a.out.exists() && std::fs::read_dir(&a.out).map_or(true, |mut d| d.next().is_some()) {
        return Ok(io_problem(&anyhow::anyhow!(
            "公布目录 {0} 须不存在或为空 / the publication directory {0} must be absent or empty",
            a.out.display()
        )));
    }
    // Publishing again (into another directory) adds no step: the files are the same.
    let r = if r.state == LotteryState::Published.as_str() {
        r
    } else {
        store
            .publish_lottery(ledger, op, &r.id, super::now())
            .await?
    };
    if let Err(e) = write_publication(store, &r.id, &a.out).await {
        return Ok(io_problem(&e));
    }
    // What families and observers will run, run here first.
    let pb = spinner("核验 / verifying", ctx.json);
    let rep = qinglian_lottery::verify_all(&a.out);
    pb.finish_and_clear();
    if ctx.json {
        print_json(&json!({
            "lottery": r, "out": a.out, "verify": verify::report_json(&rep),
            "public_page": public_page(&ctx.settings, &r.id),
        }));
    } else {
        print!(
            "{}",
            String::from_utf8_lossy(&std::fs::read(a.out.join(MANIFEST))?)
        );
        println!(
            "已公布到 {}（九个文件；sha256sum -c {MANIFEST} 可核对）/ published to {} (nine files; check with sha256sum -c {MANIFEST})",
            a.out.display(),
            a.out.display()
        );
        println!(
            "公开页面 / public page: {}",
            public_page(&ctx.settings, &r.id)
        );
    }
    if rep.passed() {
        if !ctx.json {
            println!("自检：verify all 通过 / self-check: verify all passed");
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprint!("{}", rep.to_text());
        eprintln!(
            "自检失败：公布的文件未通过核验 / self-check FAILED: the published files do not verify"
        );
        Ok(ExitCode::from(1))
    }
}

async fn show(ctx: &Ctx, store: &Store, op: &Principal, id: &str) -> anyhow::Result<ExitCode> {
    let r = store
        .get_lottery(op, id)
        .await?
        .ok_or_else(|| qinglian_store::StoreError::NotFound(format!("抽签 / lottery {id}")))?;
    let history = store.ledger_object_history("lottery", &r.id).await?;
    let steps: Vec<serde_json::Value> = history
        .iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
            json!({"ledger_index": e.index, "step": v["step"], "action": v["action"], "to": v["to"], "ts": v["ts"]})
        })
        .collect();
    if ctx.json {
        print_json(
            &json!({"lottery": r, "steps": steps, "public_page": public_page(&ctx.settings, &r.id)}),
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("抽签 / lottery {}：{}", r.id, r.title);
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let lines: Vec<(&str, String)> = vec![
        ("状态 state", state_label(&r.state)),
        ("区划 division", o(&r.division_code)),
        ("信标轮次 beacon round", r.beacon_round.to_string()),
        (
            "申请人 applicants",
            format!("{}（{} 批 / batches）", r.applicants, r.batches),
        ),
        ("params.txt SHA-256", r.params_sha256.clone()),
        ("roster.csv SHA-256", o(&r.roster_sha256)),
        (
            "演练 rehearsal",
            if r.rehearsal { "是 yes" } else { "否 no" }.into(),
        ),
        ("ceremony.txt SHA-256", o(&r.ceremony_sha256)),
        ("beacon.json SHA-256", o(&r.beacon_sha256)),
        ("种子 seed", o(&r.seed)),
        ("results.csv SHA-256", o(&r.results_sha256)),
        ("waitlists.csv SHA-256", o(&r.waitlists_sha256)),
        (
            "录取 placed",
            r.placed.map_or("—".into(), |n| n.to_string()),
        ),
        ("run_manifest.txt SHA-256", o(&r.manifest_sha256)),
        ("公开页面 public page", public_page(&ctx.settings, &r.id)),
    ];
    for (k, v) in lines {
        println!("  {k}: {v}");
    }
    println!("\n每一步的账本条目 / ledger entry of each step:");
    table(
        &[
            "步 step",
            "动作 action",
            "状态 to",
            "时间 time",
            "账本 ledger",
        ],
        &steps
            .iter()
            .map(|s| {
                vec![
                    s["step"].to_string(),
                    s["action"].as_str().unwrap_or_default().to_owned(),
                    state_label(s["to"].as_str().unwrap_or_default()),
                    s["ts"].as_str().unwrap_or_default().to_owned(),
                    format!("#{}", s["ledger_index"]),
                ]
            })
            .collect::<Vec<_>>(),
    );
    Ok(ExitCode::SUCCESS)
}
