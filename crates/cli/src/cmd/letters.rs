//! `letters`: issue (一书一单一函), list, deliver, acknowledge. The store resolves the recipient,
//! numbers, records and keeps each letter; this file maps the indicator catalogue, parses the
//! arguments, writes the HTML and .docx files and prints.

use super::clues::{acting, indicator_infos, parse_date};
use super::{Ctx, ensure_store};
use crate::cli::{AsArgs, LetterIssueArgs, LetterListArgs, LettersArgs, LettersCmd};
use crate::output::{export_xlsx, print_json, table};
use anyhow::Context;
use chrono::NaiveDate;
use qinglian_core::Msg;
use qinglian_letters::{Counterparty, LetterKind};
use qinglian_screen::Catalogue;
use qinglian_store::letters::{LetterFilter, LetterRecord, LetterRequest, parse_key_area};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn bad(code: &'static str, zh: String, en: String) -> anyhow::Error {
    anyhow::Error::new(Msg::new(code, zh, en))
}

/// `notice`, `risk-list` (or `risk_list`), `reminder`, or the Chinese names: the titles, the
/// number tags and the short names people use (告知书, 清单, 提醒函).
pub fn parse_kind(s: &str) -> anyhow::Result<LetterKind> {
    let t = s.trim();
    let short = |k: LetterKind| match k {
        LetterKind::Notice => "告知书",
        LetterKind::RiskList => "防控清单",
        LetterKind::Reminder => "提醒函",
    };
    LetterKind::ALL
        .into_iter()
        .find(|k| {
            k.as_str() == t
                || k.as_str().replace('_', "-") == t
                || k.title_zh() == t
                || k.number_tag_zh() == t
                || short(*k) == t
        })
        .ok_or_else(|| {
            bad(
                "LETTER_BAD_KIND",
                format!("文书类型“{s}”无效：应为 notice 廉政告知书、risk-list 廉政风险防控清单 或 reminder 廉政风险提醒函"),
                format!("invalid letter kind '{s}': expected notice, risk-list or reminder"),
            )
        })
}

fn parse_counterparty(s: &str) -> anyhow::Result<Counterparty> {
    let t = s.trim();
    Counterparty::ALL
        .into_iter()
        .find(|c| {
            c.name_zh() == t
                || serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_owned))
                    == Some(t.to_owned())
        })
        .ok_or_else(|| {
            bad(
                "LETTER_BAD_COUNTERPARTY",
                format!(
                    "交往对象“{s}”无效，应为：{}",
                    Counterparty::ALL.map(|c| c.name_zh()).join("、")
                ),
                format!(
                    "invalid counterparty '{s}': expected supplier, bidder, tenant, contractor, applicant, regulated or investee"
                ),
            )
        })
}

fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn kind_label(k: &str) -> String {
    LetterKind::ALL
        .into_iter()
        .find(|x| x.as_str() == k)
        .map_or_else(|| k.to_owned(), |x| format!("{} {k}", x.title_zh()))
}

fn status_label(s: &str) -> &str {
    match s {
        "issued" => "已签发 issued",
        "delivered" => "已送达 delivered",
        "acknowledged" => "已签收 acknowledged",
        other => other,
    }
}

/// Writes `bytes` to `path` through a temporary file, so a reader never sees half a letter.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("无法写入 {0} / cannot write {0}", path.display()))
}

pub async fn run(ctx: &Ctx, a: LettersArgs) -> anyhow::Result<ExitCode> {
    match a.cmd {
        LettersCmd::Issue(i) => issue(ctx, &a.who, &i).await,
        LettersCmd::List(l) => list(ctx, &a.who, &l).await,
        LettersCmd::Deliver { reference, on } => {
            let on = on
                .as_deref()
                .map(parse_date)
                .transpose()?
                .unwrap_or_else(today);
            let env = ensure_store(&ctx.settings).await?;
            let p = acting(&env.store, &a.who).await?;
            let r = env
                .store
                .deliver_letter(&env.ledger, &p, &reference, on, super::now())
                .await;
            env.store.close().await;
            print_step(ctx, &r?);
            Ok(ExitCode::SUCCESS)
        }
        LettersCmd::Ack {
            reference,
            signed_on,
            signer,
        } => {
            let day = parse_date(&signed_on)?;
            let env = ensure_store(&ctx.settings).await?;
            let p = acting(&env.store, &a.who).await?;
            let r = env
                .store
                .acknowledge_letter(
                    &env.ledger,
                    &p,
                    &reference,
                    day,
                    signer.as_deref(),
                    super::now(),
                )
                .await;
            env.store.close().await;
            print_step(ctx, &r?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn issue(ctx: &Ctx, who: &AsArgs, a: &LetterIssueArgs) -> anyhow::Result<ExitCode> {
    let kind = parse_kind(&a.kind)?;
    let date = a
        .date
        .as_deref()
        .map(parse_date)
        .transpose()?
        .unwrap_or_else(today);
    let catalogue = Catalogue::load(&a.catalogue.indicators).map_err(|e| anyhow::anyhow!("{e}"))?;
    // The risk list names the risk points in force on the day it is issued.
    let infos: Vec<_> = indicator_infos(&catalogue)
        .into_iter()
        .filter(|i| catalogue.get(&i.id).is_some_and(|x| x.in_force(date)))
        .collect();
    let key_area = a
        .key_area
        .as_deref()
        .map(|s| {
            parse_key_area(s).ok_or_else(|| {
                bad(
                    "LETTER_BAD_KEY_AREA",
                    format!("关键岗位领域“{s}”无效，如 property_trading 或 产权交易与资产出租"),
                    format!("invalid key area '{s}', e.g. property_trading"),
                )
            })
        })
        .transpose()?;
    let req = LetterRequest {
        unit_id: a.unit.clone(),
        post_id: a.post.clone(),
        post_title: a.post_title.clone(),
        key_area,
        person_id: a.person.clone(),
        counterparty: a
            .counterparty
            .as_deref()
            .map(parse_counterparty)
            .transpose()?,
        hit_ids: a.hits.clone(),
        reply_by: a.reply_by.as_deref().map(parse_date).transpose()?,
        division: a.division.clone(),
        issuer_name: a.issuer_name.clone(),
        issuer_short: a.issuer_short.clone(),
        ..LetterRequest::new(kind, date)
    };
    let env = ensure_store(&ctx.settings).await?;
    let p = acting(&env.store, who).await?;
    let issued = env
        .store
        .issue_letter(&env.ledger, &p, &req, &infos, super::now())
        .await;
    env.store.close().await;
    let issued = issued?;
    let out: PathBuf = a
        .out
        .clone()
        .unwrap_or_else(|| ctx.settings.data.join("letters"));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("无法创建目录 {0} / cannot create {0}", out.display()))?;
    let html = out.join(format!("{}.html", issued.record.id));
    let docx = out.join(format!("{}.docx", issued.record.id));
    write_file(&html, issued.letter.to_html().as_bytes())?;
    write_file(
        &docx,
        &issued
            .letter
            .to_docx()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let r = &issued.record;
    if ctx.json {
        print_json(&json!({
            "letter": r,
            "files": {"html": html, "docx": docx},
            "ledger_index": issued.ledger_index,
        }));
    } else {
        // The id alone on the first line, for scripts.
        println!("{}", r.id);
        println!(
            "已签发《{}》{}（账本 #{}）/ issued {} {} (ledger #{})",
            issued.letter.title_zh(),
            r.number,
            issued.ledger_index,
            r.kind,
            r.id,
            issued.ledger_index
        );
        println!("  HTML: {}", html.display());
        println!("  .docx: {}", docx.display());
        println!("  SHA-256: {}", r.content_sha256);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_step(ctx: &Ctx, r: &LetterRecord) {
    if ctx.json {
        print_json(r);
    } else {
        println!(
            "文书 {}（{}）现为 {}；送达 delivered {}，签收 signed {}",
            r.number,
            r.id,
            status_label(&r.status),
            r.delivered_on.as_deref().unwrap_or("-"),
            r.signed_on.as_deref().unwrap_or("-")
        );
    }
}

async fn list(ctx: &Ctx, who: &AsArgs, a: &LetterListArgs) -> anyhow::Result<ExitCode> {
    let kind = a
        .kind
        .as_deref()
        .map(|k| parse_kind(k).map(|k| k.as_str().to_owned()))
        .transpose()?;
    let env = ensure_store(&ctx.settings).await?;
    let p = acting(&env.store, who).await?;
    let filter = LetterFilter {
        kind,
        status: a.status.clone(),
        unit_id: a.unit.clone(),
        person_id: a.person.clone(),
    };
    let letters = env.store.list_letters(&p, &filter).await;
    env.store.close().await;
    let letters = letters?;
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|l| {
            vec![
                l.id.clone(),
                l.number.clone(),
                kind_label(&l.kind),
                l.unit_id.clone(),
                l.person_id.clone().unwrap_or_default(),
                l.issued_on.clone(),
                status_label(&l.status).to_owned(),
                l.delivered_on.clone().unwrap_or_default(),
                l.signed_on.clone().unwrap_or_default(),
                l.content_sha256.clone(),
            ]
        })
        .collect();
    if let Some(path) = &a.export {
        export_xlsx(
            path,
            "文书",
            &[
                "编号",
                "文号",
                "类型",
                "单位",
                "人员",
                "发文日期",
                "状态",
                "送达日期",
                "签收日期",
                "文书指纹（SHA-256）",
            ],
            &rows,
        )?;
    }
    if ctx.json {
        print_json(&letters);
        return Ok(ExitCode::SUCCESS);
    }
    let shown: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r.truncate(9);
            r
        })
        .collect();
    table(
        &[
            "编号 id",
            "文号 number",
            "类型 kind",
            "单位 unit",
            "人员 person",
            "发文 issued",
            "状态 status",
            "送达 delivered",
            "签收 signed",
        ],
        &shown,
    );
    println!(
        "\n共 {} 份文书 / {} letters{}",
        shown.len(),
        shown.len(),
        a.export
            .as_ref()
            .map(|p| format!("；已导出 exported {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_counterparties_parse_in_both_languages() {
        assert_eq!(parse_kind("risk-list").unwrap(), LetterKind::RiskList);
        assert_eq!(parse_kind("risk_list").unwrap(), LetterKind::RiskList);
        assert_eq!(parse_kind("廉政风险提醒函").unwrap(), LetterKind::Reminder);
        assert_eq!(parse_kind("告知").unwrap(), LetterKind::Notice);
        assert_eq!(parse_kind("告知书").unwrap(), LetterKind::Notice);
        assert_eq!(parse_kind("提醒函").unwrap(), LetterKind::Reminder);
        assert!(parse_kind("memo").is_err());
        assert_eq!(parse_counterparty("承租方").unwrap(), Counterparty::Tenant);
        assert_eq!(
            parse_counterparty("supplier").unwrap(),
            Counterparty::Supplier
        );
        assert!(parse_counterparty("friend").is_err());
    }
}
