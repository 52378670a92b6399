//! `lottery offers`: post-draw offers (T8). The store replays the log with each event before
//! it lands, so what is recorded here is what `verify all` will accept.

use super::Ctx;
use super::args::{OfferAnswer, OfferSchool, OffersCmd};
use crate::output::{export_xlsx, print_json, table};
use qinglian_lottery::hash::to_hex;
use qinglian_lottery::offers::{Event, format_time};
use qinglian_store::ledger::Ledger;
use qinglian_store::{OfferRecorded, OfferRequest, Principal, Store};
use serde_json::json;
use std::process::ExitCode;

fn event_zh(e: &str) -> &'static str {
    match e {
        "offer" => "递补通知",
        "accept" => "接受",
        "decline" => "放弃",
        "expire" => "逾期",
        _ => "",
    }
}

pub async fn run(
    ctx: &Ctx,
    store: &Store,
    ledger: &Ledger,
    op: &Principal,
    c: OffersCmd,
) -> anyhow::Result<ExitCode> {
    let (at, applicant, event) = match c {
        OffersCmd::List { lottery, export } => return list(ctx, store, op, &lottery, export).await,
        OffersCmd::Next { at } => (at, None, Event::Offer),
        OffersCmd::Accept(a) => answer(a, Event::Accept),
        OffersCmd::Decline(a) => answer(a, Event::Decline),
        OffersCmd::Expire(a) => answer(a, Event::Expire),
    };
    let req = OfferRequest {
        school: at.school,
        applicant,
        event,
    };
    let r = store
        .record_lottery_offer(ledger, op, &at.lottery, &req, super::super::now())
        .await?;
    print_recorded(ctx, &r);
    Ok(ExitCode::SUCCESS)
}

fn answer(a: OfferAnswer, e: Event) -> (OfferSchool, Option<String>, Event) {
    (a.at, Some(a.applicant.trim().to_ascii_lowercase()), e)
}

fn print_recorded(ctx: &Ctx, r: &OfferRecorded) {
    if ctx.json {
        print_json(r);
        return;
    }
    // The applicant's commitment alone on the first line, for scripts.
    println!("{}", r.applicant);
    println!(
        "已登记第 {} 条：{} {}（{}）；账本条目 #{} / recorded line {}: {} at {}; ledger entry #{}",
        r.seq,
        r.school,
        event_zh(r.event),
        r.time_utc,
        r.ledger_index,
        r.seq,
        r.event,
        r.school,
        r.ledger_index
    );
    let next = r.next_eligible.as_deref().unwrap_or("—");
    println!(
        "{} 空余学位 {}；下一位可递补 {next} / {} free seats {}; next eligible {next}",
        r.school, r.free_seats, r.school, r.free_seats
    );
    if r.manifest_sha256.is_some() {
        println!(
            "已公布的清单随之更新：请用 lottery publish 重新公布 / the published manifest changed with it: publish again with lottery publish"
        );
    }
}

async fn list(
    ctx: &Ctx,
    store: &Store,
    op: &Principal,
    lottery: &str,
    export: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    let log = store.lottery_offers(op, lottery).await?;
    let rows: Vec<Vec<String>> = log
        .lines
        .iter()
        .map(|l| {
            vec![
                l.seq.to_string(),
                format_time(&l.time),
                l.school.clone(),
                to_hex(&l.commitment),
                format!("{} {}", event_zh(l.event.as_str()), l.event.as_str()),
            ]
        })
        .collect();
    let headers = [
        "序号 seq",
        "时间 time_utc",
        "学校 school",
        "申请人 C_i",
        "事件 event",
    ];
    if let Some(path) = &export {
        export_xlsx(path, "补录日志", &headers, &rows)?;
    }
    if ctx.json {
        let lines: Vec<_> = log
            .lines
            .iter()
            .map(|l| {
                json!({"seq": l.seq, "time_utc": format_time(&l.time), "school": l.school,
                       "applicant": to_hex(&l.commitment), "event": l.event.as_str()})
            })
            .collect();
        print_json(&json!({"lottery": lottery, "offers": lines}));
    } else if rows.is_empty() {
        println!("补录日志为空 / the offers log is empty");
    } else {
        table(&headers, &rows);
    }
    Ok(ExitCode::SUCCESS)
}
