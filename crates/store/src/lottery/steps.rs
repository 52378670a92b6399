//! The five ledgered steps of a lottery. Each claims the next step number under a guard on the
//! old one (and on the state it starts from), so two concurrent steps cannot both land.

use super::{
    LotteryRecord, LotteryState, NewApplicant, choices_text, insert_rows, lines_sha256, protocol,
    refuse, roster_line, sha256_hex,
};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::{self, Principal};
use crate::workflow::{entry, ts};
use crate::{Result, Store, StoreError, on_pool};
use qinglian_core::DivisionCode;
use qinglian_lottery::beacon::{Beacon, pinned_chain};
use qinglian_lottery::ceremony::Ceremony;
use qinglian_lottery::hash::{parse_hex32, to_hex};
use qinglian_lottery::params::Params;
use qinglian_lottery::publish::{MANIFEST, MANIFEST_FILES, manifest_for};
use qinglian_lottery::roster::{Roster, RosterEntry, is_group_label};
use qinglian_lottery::seed::seed_file;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The roster must be final at least this long before the beacon round (LOT1 §4.2 T4).
pub const FREEZE_MARGIN_SECS: i64 = 3600;

/// What one register batch recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterReport {
    pub lottery: String,
    pub batch: i64,
    pub registered: u64,
    /// All applicants of the lottery after this batch.
    pub applicants: i64,
    pub batch_sha256: String,
    pub ledger_index: u64,
}

pub(super) fn t(v: &str) -> Bind {
    Bind::Text(v.to_owned())
}

pub(super) fn file_stmt(lottery: &str, name: &str, content: &[u8]) -> Stmt {
    Stmt::new(
        "INSERT INTO lottery_files (lottery_id, name, sha256, content) VALUES ($1, $2, $3, $4)",
        vec![
            t(lottery),
            t(name),
            t(&sha256_hex(content)),
            Bind::Bytes(content.to_vec()),
        ],
    )
}

/// Replaces a stored artefact (the offers log, the manifest, the evidence) with new bytes.
pub(super) fn update_file(lottery: &str, name: &str, content: &[u8]) -> Stmt {
    Stmt::new(
        "UPDATE lottery_files SET sha256 = $1, content = $2 WHERE lottery_id = $3 AND name = $4",
        vec![
            t(&sha256_hex(content)),
            Bind::Bytes(content.to_vec()),
            t(lottery),
            t(name),
        ],
    )
    .expecting(1)
}

pub(super) fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("抽签 / lottery {id}"))
}

fn forbidden(p: &Principal, id: &str) -> StoreError {
    refuse(
        "LOTTERY_FORBIDDEN",
        format!(
            "{}（{}）无权运行抽签 {id}：须为管辖该区划的系统管理员",
            p.username,
            p.role.name_zh()
        ),
        format!(
            "{} ({}) may not run lottery {id}: only an administrator whose jurisdiction holds its division may",
            p.username,
            p.role.as_str()
        ),
    )
}

pub(super) fn wrong_state(
    r: &LotteryRecord,
    state: LotteryState,
    zh: &str,
    en: &str,
) -> StoreError {
    refuse(
        "LOTTERY_STATE",
        format!("抽签 {} 当前为“{}”，{zh}", r.id, state.name_zh()),
        format!("lottery {} is {}: {en}", r.id, state.as_str()),
    )
}

/// The guarded UPDATE that claims step `r.steps + 1` from state `from`.
pub(super) fn claim(
    r: &LotteryRecord,
    from: &[LotteryState],
    set: &str,
    mut binds: Vec<Bind>,
) -> Stmt {
    let n = binds.len();
    let states: Vec<String> = from
        .iter()
        .enumerate()
        .map(|(i, _)| format!("${}", n + 3 + i))
        .collect();
    let sql = format!(
        "UPDATE lotteries SET {set}, steps = steps + 1 WHERE id = ${} AND steps = ${} AND state IN ({})",
        n + 1,
        n + 2,
        states.join(", ")
    );
    binds.push(t(&r.id));
    binds.push(Bind::Int(r.steps));
    binds.extend(from.iter().map(|s| t(s.as_str())));
    Stmt::new(sql, binds).expecting(1)
}

impl Store {
    /// A lottery by id for running a step: it must exist and the principal may run it.
    pub(super) async fn lottery_to_run(&self, p: &Principal, id: &str) -> Result<LotteryRecord> {
        let r = self
            .lottery_unscoped(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let div = r
            .division_code
            .as_deref()
            .map(DivisionCode::parse)
            .transpose()?;
        if !scope::may_run_lottery(p, div.as_ref()) {
            // Outside the jurisdiction the lottery does not exist for this caller.
            return Err(if self.get_lottery(p, id).await?.is_some() {
                forbidden(p, id)
            } else {
                not_found(id)
            });
        }
        Ok(r)
    }

    pub(super) async fn stored_params(&self, id: &str) -> Result<(Vec<u8>, Params)> {
        let bytes = self
            .lottery_file(id, "params.txt")
            .await?
            .ok_or_else(|| not_found(&format!("{id}/params.txt")))?;
        let params = Params::parse(&bytes).map_err(|e| protocol("LOTTERY_PARAMS", e.into()))?;
        Ok((bytes, params))
    }

    pub(super) async fn append_step(
        &self,
        ledger: &Ledger,
        id: &str,
        e: Value,
        change: Vec<Stmt>,
    ) -> Result<u64> {
        let a = ledger
            .append(
                Unit::new("lottery_step", entry(e))
                    .about("lottery", id)
                    .with_change(change),
            )
            .await?;
        Ok(a.index)
    }

    /// T0: announces a lottery from its `params.txt` (exact bytes, kept as published). The
    /// params must pin the drand beacon round: it is fixed before anyone registers.
    pub async fn announce_lottery(
        &self,
        ledger: &Ledger,
        p: &Principal,
        params_bytes: &[u8],
        title: &str,
        division: Option<&DivisionCode>,
        now: i64,
    ) -> Result<LotteryRecord> {
        let params =
            Params::parse(params_bytes).map_err(|e| protocol("LOTTERY_PARAMS", e.into()))?;
        let id = params.lottery_id.clone();
        if !scope::may_run_lottery(p, division) {
            return Err(forbidden(p, &id));
        }
        let pin = params.beacon.as_ref().ok_or_else(|| {
            refuse(
                "LOTTERY_NO_BEACON",
                "params.txt 须声明 beacon.scheme、beacon.chain_hash、beacon.round、beacon.pubkey：信标轮次须在公告时确定".into(),
                "params.txt must declare beacon.scheme, beacon.chain_hash, beacon.round and beacon.pubkey: the beacon round is fixed at announcement".into(),
            )
        })?;
        let title = title.trim();
        let title = if title.is_empty() { id.as_str() } else { title };
        if title.chars().count() > 200 || title.chars().any(char::is_control) {
            return Err(refuse(
                "LOTTERY_TITLE",
                "标题须为不超过 200 字的单行文字".into(),
                "the title must be one line of at most 200 characters".into(),
            ));
        }
        if let Some(d) = division {
            let known: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT code FROM divisions WHERE code = $1").bind(d.as_str()).fetch_optional(pool).await)?;
            if known.is_none() {
                return Err(refuse(
                    "LOTTERY_DIVISION",
                    format!("区划 {d} 未登记"),
                    format!("division {d} is not registered"),
                ));
            }
        }
        if self.lottery_unscoped(&id).await?.is_some() {
            return Err(refuse(
                "LOTTERY_EXISTS",
                format!("抽签 {id} 已公告；重新公告须换用新的 lottery_id"),
                format!(
                    "lottery {id} was already announced; a new announcement needs a new lottery_id"
                ),
            ));
        }
        let params_sha = sha256_hex(params_bytes);
        let division = division.map(|d| d.as_str().to_owned());
        let round = i64::try_from(pin.round).unwrap_or(i64::MAX);
        let change = vec![
            Stmt::new(
                "INSERT INTO lotteries (id, title, division_code, state, steps, params_sha256, beacon_round, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $7)",
                vec![
                    t(&id),
                    t(title),
                    Bind::OptText(division.clone()),
                    t(LotteryState::Announced.as_str()),
                    t(&params_sha),
                    Bind::Int(round),
                    Bind::Int(now),
                ],
            ),
            file_stmt(&id, "params.txt", params_bytes),
        ];
        let e = json!({
            "lottery": id, "step": 1, "action": "announce", "to": "announced",
            "title": title, "division": division, "params_sha256": params_sha,
            "beacon_round": pin.round, "actor": p.username, "ts": ts(now),
        });
        self.append_step(ledger, &id, e, change).await?;
        self.lottery_unscoped(&id)
            .await?
            .ok_or_else(|| not_found(&id))
    }

    /// ID digests of `digests` already registered in the lottery (for row-precise refusals).
    pub async fn lottery_registered_digests(
        &self,
        id: &str,
        digests: &[String],
    ) -> Result<BTreeSet<String>> {
        let mut found = BTreeSet::new();
        for chunk in digests.chunks(200) {
            let ph: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT digest FROM lottery_id_digests WHERE lottery_id = $1 AND digest IN ({})",
                ph.join(", ")
            );
            let rows: Vec<String> = on_pool!(self, pool => {
                let mut q = sqlx::query_scalar(&sql).bind(id);
                for d in chunk { q = q.bind(d); }
                q.fetch_all(pool).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// T1: one register batch, all of it or none. The caller checked each row precisely; this
    /// re-checks every applicant against the params and the lottery's earlier batches.
    pub async fn register_applicants(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        apps: &[NewApplicant],
        now: i64,
    ) -> Result<RegisterReport> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        if !matches!(state, LotteryState::Announced | LotteryState::Registering) {
            return Err(wrong_state(
                &r,
                state,
                "名册已冻结，不能再报名",
                "the roster is frozen; no more registrations",
            ));
        }
        if apps.is_empty() {
            return Err(refuse(
                "LOTTERY_EMPTY_BATCH",
                "没有要登记的申请人".into(),
                "no applicants to register".into(),
            ));
        }
        let (_, params) = self.stored_params(id).await?;
        let which = |i: usize, a: &NewApplicant| {
            let c = a.commitment.get(..12).unwrap_or(&a.commitment);
            (
                format!("第 {} 名申请人（承诺值 {c}…）", i + 1),
                format!("applicant {} (commitment {c}…)", i + 1),
            )
        };
        let mut commits = BTreeSet::new();
        let mut digests = BTreeSet::new();
        for (i, a) in apps.iter().enumerate() {
            let (zh, en) = which(i, a);
            if parse_hex32(&a.commitment).is_none() || parse_hex32(&a.id_digest).is_none() {
                return Err(refuse(
                    "LOTTERY_APPLICANT",
                    format!("{zh}：承诺值与身份摘要须为 64 位小写十六进制"),
                    format!("{en}: commitment and ID digest must be 64 lowercase hex"),
                ));
            }
            if let Some(g) = a.group.as_deref().filter(|g| !is_group_label(g)) {
                return Err(refuse(
                    "LOTTERY_APPLICANT",
                    format!("{zh}：兄弟姐妹组“{g}”须为 G 加 [A-Z0-9-]"),
                    format!("{en}: sibling group '{g}' must be G followed by [A-Z0-9-]"),
                ));
            }
            if !commits.insert(a.commitment.as_str()) || !digests.insert(a.id_digest.as_str()) {
                return Err(refuse(
                    "LOTTERY_DUPLICATE",
                    format!("{zh}：本批中重复登记"),
                    format!("{en}: registered twice in this batch"),
                ));
            }
        }
        // The whole batch as a roster without groups (a group may span batches; groups are
        // checked whole at the freeze): schools declared, tiers labelled, lines canonical.
        let mut order: Vec<usize> = (0..apps.len()).collect();
        order.sort_by(|a, b| apps[*a].commitment.cmp(&apps[*b].commitment));
        let mut check = Vec::new();
        for &i in &order {
            check.extend_from_slice(
                roster_line(&apps[i].commitment, &choices_text(&apps[i].choices), None).as_bytes(),
            );
            check.push(b'\n');
        }
        if let Err(e) = Roster::parse(&check, &params) {
            let i = order.get(e.line.saturating_sub(1)).copied().unwrap_or(0);
            let (zh, en) = which(i, &apps[i]);
            return Err(refuse(
                "LOTTERY_APPLICANT",
                format!("{zh}：{}", e.zh),
                format!("{en}: {}", e.en),
            ));
        }
        let listed: Vec<String> = digests.iter().map(|d| (*d).to_owned()).collect();
        let known = self.lottery_registered_digests(id, &listed).await?;
        if !known.is_empty() {
            return Err(refuse(
                "LOTTERY_DUPLICATE",
                format!("{} 名申请人已在本抽签的前几批中登记", known.len()),
                format!(
                    "{} applicant(s) were already registered in an earlier batch of this lottery",
                    known.len()
                ),
            ));
        }
        let batch = r.batches + 1;
        let step = r.steps + 1;
        let n = apps.len() as i64;
        let lines: Vec<String> = order
            .iter()
            .map(|&i| {
                let a = &apps[i];
                roster_line(&a.commitment, &choices_text(&a.choices), a.group.as_deref())
            })
            .collect();
        let batch_sha = lines_sha256(lines.iter().map(String::as_str));
        let digests_sha = lines_sha256(digests.iter().copied());
        let mut change = vec![claim(
            &r,
            &[LotteryState::Announced, LotteryState::Registering],
            "state = $1, batches = $2, applicants = applicants + $3, updated_at = $4",
            vec![
                t(LotteryState::Registering.as_str()),
                Bind::Int(batch),
                Bind::Int(n),
                Bind::Int(now),
            ],
        )];
        change.extend(insert_rows(
            "lottery_applicants",
            &[
                "lottery_id",
                "commitment",
                "choices",
                "group_label",
                "batch",
            ],
            order
                .iter()
                .map(|&i| {
                    let a = &apps[i];
                    vec![
                        t(id),
                        t(&a.commitment),
                        t(&choices_text(&a.choices)),
                        Bind::OptText(a.group.clone()),
                        Bind::Int(batch),
                    ]
                })
                .collect(),
        ));
        change.extend(insert_rows(
            "lottery_id_digests",
            &["lottery_id", "digest", "batch"],
            digests
                .iter()
                .map(|d| vec![t(id), t(d), Bind::Int(batch)])
                .collect(),
        ));
        let e = json!({
            "lottery": id, "step": step, "action": "register", "from": r.state.as_str(),
            "to": "registering", "batch": batch, "count": n, "applicants": r.applicants + n,
            "batch_sha256": batch_sha, "digests_sha256": digests_sha,
            "actor": p.username, "ts": ts(now),
        });
        let index = self.append_step(ledger, id, e, change).await?;
        Ok(RegisterReport {
            lottery: id.to_owned(),
            batch,
            registered: n as u64,
            applicants: r.applicants + n,
            batch_sha256: batch_sha,
            ledger_index: index,
        })
    }

    /// T4: freezes the roster (`roster.csv` built from every batch, canonical and sorted). It
    /// must be final at least an hour before time(R); `rehearsal` (演练) lifts that and is
    /// recorded and shown publicly.
    pub async fn freeze_lottery(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        rehearsal: bool,
        now: i64,
    ) -> Result<LotteryRecord> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        if state != LotteryState::Registering {
            let (zh, en) = if state == LotteryState::Announced {
                (
                    "还没有报名的申请人，不能冻结",
                    "nobody has registered yet; nothing to freeze",
                )
            } else {
                ("名册已经冻结", "the roster is already frozen")
            };
            return Err(wrong_state(&r, state, zh, en));
        }
        let (_, params) = self.stored_params(id).await?;
        let pin = params.beacon.as_ref().ok_or_else(|| not_found("beacon"))?;
        let beacon_time = pinned_chain(&pin.chain_hash).map(|c| c.time_of_round(pin.round));
        if !rehearsal {
            match beacon_time {
                None => {
                    return Err(refuse(
                        "LOTTERY_BEACON_TIMING",
                        "params.txt 固定的信标链不在内置列表中，无法确认轮次时间；正式抽签请使用 quicknet 或 mainnet，或以 --rehearsal 作为演练".into(),
                        "the beacon chain pinned in params.txt is not built in, so time(R) is unknown; use quicknet or mainnet, or --rehearsal for a rehearsal".into(),
                    ));
                }
                Some(at) if now + FREEZE_MARGIN_SECS > at => {
                    return Err(refuse(
                        "LOTTERY_BEACON_TIMING",
                        format!(
                            "信标第 {} 轮的时间为 {}，名册须至少提前 1 小时冻结；现在冻结，该轮随机数可能已公开。请以更晚的轮次重新公告，或以 --rehearsal 作为演练",
                            pin.round,
                            ts(at)
                        ),
                        format!(
                            "beacon round {} is at {}; the roster must freeze at least an hour before it, and now its randomness may be public. Announce again with a later round, or use --rehearsal",
                            pin.round,
                            ts(at)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let rows: Vec<(String, String, Option<String>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT commitment, choices, group_label FROM lottery_applicants WHERE lottery_id = $1")
            .bind(id).fetch_all(pool).await)?;
        let entries = rows
            .iter()
            .map(|(c, ch, g)| {
                let choices = ch
                    .split(';')
                    .map(|item| {
                        let (s, tier) = item.split_once(':')?;
                        Some((s.to_owned(), tier.parse().ok()?))
                    })
                    .collect::<Option<Vec<_>>>();
                Some(RosterEntry {
                    commitment: parse_hex32(c)?,
                    choices: choices?,
                    group: g.clone(),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                refuse(
                    "LOTTERY_ROSTER",
                    format!("抽签 {id} 的报名记录损坏"),
                    format!("lottery {id}: stored registrations are corrupt"),
                )
            })?;
        let (roster, bytes) =
            Roster::from_entries(entries, &params).map_err(|e| protocol("LOTTERY_ROSTER", e))?;
        let roster_sha = sha256_hex(&bytes);
        let step = r.steps + 1;
        let change = vec![
            claim(
                &r,
                &[LotteryState::Registering],
                "state = $1, roster_sha256 = $2, rehearsal = $3, frozen_at = $4, updated_at = $4",
                vec![
                    t(LotteryState::Frozen.as_str()),
                    t(&roster_sha),
                    Bind::Bool(rehearsal),
                    Bind::Int(now),
                ],
            ),
            file_stmt(id, "roster.csv", &bytes),
        ];
        let e = json!({
            "lottery": id, "step": step, "action": "freeze", "from": "registering",
            "to": "frozen", "applicants": roster.len(), "roster_sha256": roster_sha,
            "rehearsal": rehearsal, "beacon_round": pin.round,
            "beacon_time": beacon_time.map(ts), "actor": p.username, "ts": ts(now),
        });
        self.append_step(ledger, id, e, change).await?;
        self.lottery_unscoped(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// T5–T7: the draw. Checks the ceremony file's template and the beacon against the pins of
    /// `params.txt` (BLS signature included), derives the seed, numbers every applicant and
    /// allocates; stores the files as they will be published.
    #[allow(clippy::too_many_arguments)]
    pub async fn draw_lottery(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        ceremony: &[u8],
        beacon: &[u8],
        threads: usize,
        now: i64,
    ) -> Result<LotteryRecord> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        if state != LotteryState::Frozen {
            let (zh, en) = match state {
                LotteryState::Drawn | LotteryState::Published => (
                    "已经派位；同一抽签不能重抽",
                    "it was drawn already; a lottery is never drawn twice",
                ),
                _ => ("须先冻结名册", "freeze the roster first"),
            };
            return Err(wrong_state(&r, state, zh, en));
        }
        let (params_bytes, params) = self.stored_params(id).await?;
        let roster_bytes = self
            .lottery_file(id, "roster.csv")
            .await?
            .ok_or_else(|| not_found(&format!("{id}/roster.csv")))?;
        Ceremony::parse(ceremony).map_err(|e| protocol("LOTTERY_CEREMONY", e.into()))?;
        let pin = params.beacon.as_ref().ok_or_else(|| not_found("beacon"))?;
        let parsed = Beacon::parse(beacon).map_err(|e| protocol("LOTTERY_BEACON", e.into()))?;
        let randomness = parsed
            .verify(pin, params.fallback.as_ref())
            .map_err(|e| protocol("LOTTERY_BEACON", e.into()))?;
        let cer = ceremony.to_vec();
        let drawn = tokio::task::spawn_blocking(move || {
            qinglian_lottery::draw(&params_bytes, &roster_bytes, &cer, &randomness, threads).map(
                |d| {
                    let placed = d
                        .assigned
                        .iter()
                        .filter(|a| **a != qinglian_lottery::allocate::UNASSIGNED)
                        .count() as i64;
                    (
                        seed_file(&d.seed),
                        d.results_bytes(),
                        d.waitlists_bytes(),
                        placed,
                    )
                },
            )
        })
        .await
        .map_err(|e| {
            refuse(
                "LOTTERY_DRAW",
                format!("派位中断：{e}"),
                format!("the draw stopped: {e}"),
            )
        })?
        .map_err(|e| protocol("LOTTERY_DRAW", e))?;
        let (seed, results, waitlists, placed) = drawn;
        let seed_hex = String::from_utf8_lossy(&seed[..64]).into_owned();
        let hashes = [
            sha256_hex(ceremony),
            sha256_hex(beacon),
            sha256_hex(&results),
            sha256_hex(&waitlists),
        ];
        let step = r.steps + 1;
        let change = vec![
            claim(
                &r,
                &[LotteryState::Frozen],
                "state = $1, ceremony_sha256 = $2, beacon_sha256 = $3, seed = $4, results_sha256 = $5, waitlists_sha256 = $6, placed = $7, drawn_at = $8, updated_at = $8",
                vec![
                    t(LotteryState::Drawn.as_str()),
                    t(&hashes[0]),
                    t(&hashes[1]),
                    t(&seed_hex),
                    t(&hashes[2]),
                    t(&hashes[3]),
                    Bind::Int(placed),
                    Bind::Int(now),
                ],
            ),
            file_stmt(id, "ceremony.txt", ceremony),
            file_stmt(id, "beacon.json", beacon),
            file_stmt(id, "seed.txt", &seed),
            file_stmt(id, "results.csv", &results),
            file_stmt(id, "waitlists.csv", &waitlists),
            file_stmt(id, "offers_log.csv", b""),
        ];
        let e = json!({
            "lottery": id, "step": step, "action": "draw", "from": "frozen", "to": "drawn",
            "ceremony_sha256": hashes[0], "beacon_sha256": hashes[1],
            "beacon_round": pin.round, "beacon_randomness": to_hex(&randomness),
            "seed": seed_hex, "results_sha256": hashes[2], "waitlists_sha256": hashes[3],
            "offers_log_sha256": sha256_hex(b""), "placed": placed,
            "actor": p.username, "ts": ts(now),
        });
        self.append_step(ledger, id, e, change).await?;
        self.lottery_unscoped(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// T7: publication. Writes `run_manifest.txt` over the eight stored artefacts; from now on
    /// the public page offers all nine files and checks receipts against them.
    pub async fn publish_lottery(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        now: i64,
    ) -> Result<LotteryRecord> {
        let r = self.lottery_to_run(p, id).await?;
        let state = r.state()?;
        if state != LotteryState::Drawn {
            let (zh, en) = if state == LotteryState::Published {
                ("已经公布", "it is published already")
            } else {
                ("须先派位", "draw it first")
            };
            return Err(wrong_state(&r, state, zh, en));
        }
        let mut files = Vec::with_capacity(MANIFEST_FILES.len());
        for name in MANIFEST_FILES {
            let b = self
                .lottery_file(id, name)
                .await?
                .ok_or_else(|| not_found(&format!("{id}/{name}")))?;
            files.push((name, b));
        }
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let manifest = manifest_for(&refs);
        let manifest_sha = sha256_hex(&manifest);
        let step = r.steps + 1;
        let change = vec![
            claim(
                &r,
                &[LotteryState::Drawn],
                "state = $1, manifest_sha256 = $2, published_at = $3, updated_at = $3",
                vec![
                    t(LotteryState::Published.as_str()),
                    t(&manifest_sha),
                    Bind::Int(now),
                ],
            ),
            file_stmt(id, MANIFEST, &manifest),
        ];
        let e = json!({
            "lottery": id, "step": step, "action": "publish", "from": "drawn",
            "to": "published", "manifest_sha256": manifest_sha,
            "actor": p.username, "ts": ts(now),
        });
        self.append_step(ledger, id, e, change).await?;
        self.lottery_unscoped(id)
            .await?
            .ok_or_else(|| not_found(id))
    }
}
