//! T8, after the draw: released seats offered down the waitlists, and each family's answer,
//! appended to `offers_log.csv` (LOT1 §4.6; rules in `docs/lottery-protocol.md` §7).
//!
//! Each event is one ledger step. Before it lands, the whole log is replayed with the event
//! appended, by the same code `verify all` runs on the publication: an offer out of waitlist
//! order, without a free seat, or an answer to an offer never made is refused here instead of
//! being found later. On a published lottery the manifest is rewritten with the new log, so
//! publishing again gives nine files that verify.

use super::steps::{claim, not_found, t, update_file, wrong_state};
use super::{LotteryRecord, LotteryState, protocol, refuse, sha256_hex};
use crate::ledger::{Bind, Ledger, Stmt};
use crate::scope::Principal;
use crate::workflow::ts;
use crate::{Result, Store};
use chrono::DateTime;
use qinglian_lottery::draw::draw_parsed;
use qinglian_lottery::hash::{parse_hex32, to_hex};
use qinglian_lottery::offers::{Event, OfferLine, OffersLog, ReplayBase, Replayer, format_time};
use qinglian_lottery::publish::{MANIFEST, MANIFEST_FILES, manifest_for};
use qinglian_lottery::roster::Roster;
use serde::Serialize;
use serde_json::json;

const LOG: &str = "offers_log.csv";

/// One post-draw event to record.
#[derive(Debug, Clone)]
pub struct OfferRequest {
    pub school: String,
    /// `C_i` (64 lowercase hex). For an offer it may be left out: the offer then goes to the
    /// applicant the waitlist names next.
    pub applicant: Option<String>,
    pub event: Event,
}

/// What was appended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferRecorded {
    pub lottery: String,
    pub seq: u64,
    pub time_utc: String,
    pub school: String,
    pub applicant: String,
    pub event: &'static str,
    /// Seats at the school neither held nor under an open offer, after the event.
    pub free_seats: u64,
    /// Who the next offer at the school would go to, after the event.
    pub next_eligible: Option<String>,
    pub offers_log_sha256: String,
    /// The new manifest's hash when the lottery was already published.
    pub manifest_sha256: Option<String>,
    pub ledger_index: u64,
}

/// The log replayed with one more event, and what the school looks like afterwards.
struct Appended {
    log: Vec<u8>,
    line: OfferLine,
    free_seats: u64,
    next_eligible: Option<String>,
}

fn offers_refused(zh: String, en: String) -> crate::StoreError {
    refuse("LOTTERY_OFFER", zh, en)
}

/// Replays `log` on the draw and appends `req` at `time`, or says why the replay refuses it.
fn append_event(
    draw: &qinglian_lottery::Draw,
    log_bytes: &[u8],
    req: &OfferRequest,
    time: DateTime<chrono::Utc>,
) -> Result<Appended> {
    let base = ReplayBase::from_draw(draw);
    let mut log = OffersLog::parse(log_bytes).map_err(|e| protocol("LOTTERY_OFFER", e.into()))?;
    let mut rep = Replayer::new(&base);
    for l in &log.lines {
        // The stored log only ever grew through this check; a problem here means it was
        // edited behind the system's back, which `ledger verify` reports.
        if let Some((zh, en)) = rep.apply(l).into_iter().next() {
            return Err(offers_refused(
                format!("已存的补录日志第 {} 行无法回放：{zh}", l.seq),
                format!(
                    "the stored offers log does not replay at seq {}: {en}",
                    l.seq
                ),
            ));
        }
    }
    let s = rep.school_index(&req.school).ok_or_else(|| {
        offers_refused(
            format!("学校 {} 不在本次抽签中", req.school),
            format!("school {} is not in this lottery", req.school),
        )
    })?;
    let who = match (&req.applicant, req.event) {
        (Some(c), _) => parse_hex32(c).ok_or_else(|| {
            offers_refused(
                format!("申请人承诺值“{c}”须为 64 位小写十六进制"),
                format!("applicant commitment '{c}' must be 64 lowercase hex digits"),
            )
        })?,
        (None, Event::Offer) => {
            if rep.free_seats(s) == 0 {
                return Err(offers_refused(
                    format!("{} 没有空余学位（已录取与待答复的通知已占满）", req.school),
                    format!(
                        "{} has no free seat (held seats and open offers fill it)",
                        req.school
                    ),
                ));
            }
            let j = rep.next_eligible(s).ok_or_else(|| {
                offers_refused(
                    format!("{} 的候补名单上已没有可递补的申请人", req.school),
                    format!("nobody eligible is left on {}'s waitlist", req.school),
                )
            })?;
            base.commits[j as usize]
        }
        (None, e) => {
            return Err(offers_refused(
                format!("{} 须指明申请人（--applicant C_i）", e.as_str()),
                format!("{} needs the applicant (--applicant C_i)", e.as_str()),
            ));
        }
    };
    log.append(time, &req.school, who, req.event)
        .map_err(|e| protocol("LOTTERY_OFFER", e.into()))?;
    let line = log.lines.last().cloned().expect("just appended");
    if let Some((zh, en)) = rep.apply(&line).into_iter().next() {
        return Err(offers_refused(zh, en));
    }
    Ok(Appended {
        log: log.to_bytes(),
        free_seats: rep.free_seats(s),
        next_eligible: rep
            .next_eligible(s)
            .map(|j| to_hex(&base.commits[j as usize])),
        line,
    })
}

impl Store {
    /// Records one post-draw event (offer, accept, decline, expire) as a ledger step. `now`
    /// is also the event's `time_utc`; it may not precede the log's last line.
    pub async fn record_lottery_offer(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        req: &OfferRequest,
        now: i64,
    ) -> Result<OfferRecorded> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        if !matches!(state, LotteryState::Drawn | LotteryState::Published) {
            return Err(wrong_state(
                &r,
                state,
                "派位之后才有递补",
                "offers come only after the draw",
            ));
        }
        let time = DateTime::from_timestamp(now, 0).ok_or_else(|| {
            offers_refused(
                format!("时间 {now} 超出范围"),
                format!("time {now} is out of range"),
            )
        })?;
        let appended = self.replay_with(&r, req, time).await?;
        let log_sha = sha256_hex(&appended.log);
        let mut change = vec![
            claim(&r, &[state], "updated_at = $1", vec![Bind::Int(now)]),
            update_file(id, LOG, &appended.log),
        ];
        let mut manifest_sha = None;
        if state == LotteryState::Published {
            let manifest = self.manifest_with(id, &appended.log).await?;
            let sha = sha256_hex(&manifest);
            change.push(Stmt::new(
                "UPDATE lotteries SET manifest_sha256 = $1 WHERE id = $2",
                vec![t(&sha), t(id)],
            ));
            change.push(update_file(id, MANIFEST, &manifest));
            manifest_sha = Some(sha);
        }
        let l = &appended.line;
        let applicant = to_hex(&l.commitment);
        let e = json!({
            "lottery": id, "step": r.steps + 1, "action": "offer",
            "from": state.as_str(), "to": state.as_str(),
            "seq": l.seq, "time_utc": format_time(&l.time), "school": l.school,
            "applicant": applicant, "event": l.event.as_str(),
            "offers_log_sha256": log_sha, "manifest_sha256": manifest_sha,
            "actor": p.username, "ts": ts(now),
        });
        let ledger_index = self.append_step(ledger, id, e, change).await?;
        Ok(OfferRecorded {
            lottery: id.to_owned(),
            seq: l.seq,
            time_utc: format_time(&l.time),
            school: l.school.clone(),
            applicant,
            event: l.event.as_str(),
            free_seats: appended.free_seats,
            next_eligible: appended.next_eligible,
            offers_log_sha256: log_sha,
            manifest_sha256: manifest_sha,
            ledger_index,
        })
    }

    /// The offers log as stored (empty before the draw or without events).
    pub async fn lottery_offers(&self, p: &Principal, id: &str) -> Result<OffersLog> {
        let r = self
            .get_lottery(p, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let bytes = self.lottery_file(&r.id, LOG).await?.unwrap_or_default();
        OffersLog::parse(&bytes).map_err(|e| protocol("LOTTERY_OFFER", e.into()))
    }

    /// Re-derives the draw from the stored params, roster and seed (the seed's derivation was
    /// checked at the draw and is ledgered), then replays the log with the event appended.
    async fn replay_with(
        &self,
        r: &LotteryRecord,
        req: &OfferRequest,
        time: DateTime<chrono::Utc>,
    ) -> Result<Appended> {
        let (_, params) = self.stored_params(&r.id).await?;
        let roster_bytes = self
            .lottery_file(&r.id, "roster.csv")
            .await?
            .ok_or_else(|| not_found(&format!("{}/roster.csv", r.id)))?;
        let log = self.lottery_file(&r.id, LOG).await?.unwrap_or_default();
        let seed = r
            .seed
            .as_deref()
            .and_then(parse_hex32)
            .ok_or_else(|| not_found(&format!("{}/seed.txt", r.id)))?;
        let req = req.clone();
        tokio::task::spawn_blocking(move || {
            let roster = Roster::parse(&roster_bytes, &params)
                .map_err(|e| protocol("LOTTERY_ROSTER", e.into()))?;
            let draw = draw_parsed(params, roster, seed, 0);
            append_event(&draw, &log, &req, time)
        })
        .await
        .map_err(|e| {
            offers_refused(
                format!("递补计算中断：{e}"),
                format!("the offers replay stopped: {e}"),
            )
        })?
    }

    /// The manifest over the stored artefacts with `log` in place of the stored offers log.
    async fn manifest_with(&self, id: &str, log: &[u8]) -> Result<Vec<u8>> {
        let mut files = Vec::with_capacity(MANIFEST_FILES.len());
        for name in MANIFEST_FILES {
            let b = if name == LOG {
                log.to_vec()
            } else {
                self.lottery_file(id, name)
                    .await?
                    .ok_or_else(|| not_found(&format!("{id}/{name}")))?
            };
            files.push((name, b));
        }
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        Ok(manifest_for(&refs))
    }
}
