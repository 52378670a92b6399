//! `params.txt`: the rules fixed at T0 (LOT1 §4.3), parsed strictly and written canonically.
//!
//! Grammar of the keys LOT1 leaves open (`block.*`, `fallback.*`, `sibling.rule`) is defined in
//! `docs/lottery-protocol.md`.

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::{Hash32, canonical_lines, is_code, parse_hex_lower, parse_hex32, to_hex};
use crate::{FormatError, LotteryError, Result};

const ART: &str = "params.txt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// Student-proposing deferred acceptance (default; strategy-proof, stable).
    Da,
    /// Immediate acceptance, "first choice first" (Boston).
    Ia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreak {
    /// One number per applicant for every school.
    Stb,
    /// One number per (applicant, school).
    Mtb,
}

/// One seat block of a school. Blocks are filled in precedence order `k = 1, 2, …`; seats a
/// block leaves empty flow on to the next block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub seats: u32,
    /// Tiers eligible for this block; `None` means every tier (`*`).
    pub tiers: Option<BTreeSet<u32>>,
}

impl Block {
    pub fn admits(&self, tier: u32) -> bool {
        self.tiers.as_ref().is_none_or(|t| t.contains(&tier))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub cap: u32,
    /// Declared seat blocks in precedence order; empty means one open block of `cap` seats.
    pub blocks: Vec<Block>,
}

impl School {
    /// Blocks as used by allocation: the declared ones, or one open block.
    pub fn effective_blocks(&self) -> Vec<Block> {
        if self.blocks.is_empty() {
            vec![Block {
                seats: self.cap,
                tiers: None,
            }]
        } else {
            self.blocks.clone()
        }
    }
}

pub const SCHEME_QUICKNET: &str = "bls-unchained-g1-rfc9380";
pub const SCHEME_CHAINED: &str = "pedersen-bls-chained";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeaconPin {
    pub scheme: String,
    pub chain_hash: Hash32,
    pub round: u64,
    pub pubkey: Vec<u8>,
}

/// The declared substitute source, used only if drand is declared permanently dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// Hours after time(R) before drand may be declared dead.
    pub after_hours: u32,
    /// Exact shape of the canonical value: `#` is one ASCII digit, every other char literal.
    pub format: String,
    /// Human description of the source (e.g. 双色球 of a date plus an index close).
    pub source: String,
}

impl Fallback {
    pub fn matches(&self, value: &str) -> bool {
        value.chars().count() == self.format.chars().count()
            && self
                .format
                .chars()
                .zip(value.chars())
                .all(|(f, v)| if f == '#' { v.is_ascii_digit() } else { f == v })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiblingRule {
    /// LOT1 §4.4: every member of a group uses `N_g = min` of the members' numbers.
    Min,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub lottery_id: String,
    pub mechanism: Mechanism,
    pub tiebreak: TieBreak,
    /// Schools by code; `BTreeMap` so iteration is byte order, never hash order.
    pub schools: BTreeMap<String, School>,
    pub tier_labels: BTreeMap<u32, String>,
    pub beacon: Option<BeaconPin>,
    pub fallback: Option<Fallback>,
    pub sibling_rule: Option<SiblingRule>,
    pub software_sha256: Option<Hash32>,
}

fn err(line: usize, zh: impl Into<String>, en: impl Into<String>) -> FormatError {
    FormatError::new(ART, line, zh, en)
}

/// Decimal without sign or leading zeros.
pub(crate) fn parse_dec<T: std::str::FromStr>(s: &str) -> Option<T> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

fn free_text_ok(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl Params {
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let lines = canonical_lines(ART, bytes)?;
        let mut kv: Vec<(usize, &str, &str)> = Vec::with_capacity(lines.len());
        let mut prev: Option<&str> = None;
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            let (k, v) = l
                .split_once('=')
                .ok_or_else(|| err(n, "须为 key=value", "expected key=value"))?;
            if k.is_empty() || v.is_empty() {
                return Err(err(
                    n,
                    "键和值均不得为空",
                    "key and value must be non-empty",
                ));
            }
            if let Some(p) = prev
                && k.as_bytes() <= p.as_bytes()
            {
                return Err(err(
                    n,
                    format!("键须按字节序严格递增（“{k}”在“{p}”之后）"),
                    format!("keys must be strictly sorted in byte order ('{k}' after '{p}')"),
                ));
            }
            prev = Some(k);
            kv.push((n, k, v));
        }

        let mut lottery_id = None;
        let mut mechanism = None;
        let mut tiebreak = None;
        let mut caps: BTreeMap<String, (usize, u32)> = BTreeMap::new();
        let mut blocks: BTreeMap<String, BTreeMap<u32, (usize, Block)>> = BTreeMap::new();
        let mut tier_labels = BTreeMap::new();
        let (mut b_scheme, mut b_chain, mut b_round, mut b_pub) = (None, None, None, None);
        let (mut f_after, mut f_format, mut f_source) = (None, None, None);
        let mut sibling_rule = None;
        let mut software_sha256 = None;

        for &(n, k, v) in &kv {
            let bad = |what: &str| {
                err(
                    n,
                    format!("“{k}”的值“{v}”无效：{what}"),
                    format!("invalid value '{v}' for '{k}': {what}"),
                )
            };
            match k {
                "lottery_id" => {
                    if !is_code(v) {
                        return Err(bad("[A-Z0-9-]{1,64}"));
                    }
                    lottery_id = Some(v.to_owned());
                }
                "mechanism" => {
                    mechanism = Some(match v {
                        "DA" => Mechanism::Da,
                        "IA" => Mechanism::Ia,
                        _ => return Err(bad("DA | IA")),
                    });
                }
                "tiebreak" => {
                    tiebreak = Some(match v {
                        "STB" => TieBreak::Stb,
                        "MTB" => TieBreak::Mtb,
                        _ => return Err(bad("STB | MTB")),
                    });
                }
                "beacon.scheme" => {
                    if v != SCHEME_QUICKNET && v != SCHEME_CHAINED {
                        return Err(bad("bls-unchained-g1-rfc9380 | pedersen-bls-chained"));
                    }
                    b_scheme = Some(v.to_owned());
                }
                "beacon.chain_hash" => {
                    b_chain = Some(parse_hex32(v).ok_or_else(|| bad("64 lowercase hex"))?);
                }
                "beacon.round" => {
                    let r: u64 = parse_dec(v).ok_or_else(|| bad("decimal round ≥ 1"))?;
                    if r == 0 {
                        return Err(bad("decimal round ≥ 1"));
                    }
                    b_round = Some(r);
                }
                "beacon.pubkey" => {
                    b_pub = Some(parse_hex_lower(v).ok_or_else(|| bad("lowercase hex"))?);
                }
                "fallback.after_hours" => {
                    f_after = Some(parse_dec::<u32>(v).ok_or_else(|| bad("decimal hours"))?);
                }
                "fallback.format" => {
                    if !v.contains('#') || !v.is_ascii() || v.contains(' ') {
                        return Err(bad("ASCII pattern with # digits, no spaces"));
                    }
                    f_format = Some(v.to_owned());
                }
                "fallback.source" => {
                    if !free_text_ok(v) {
                        return Err(bad("text without control characters"));
                    }
                    f_source = Some(v.to_owned());
                }
                "sibling.rule" => {
                    if v != "min" {
                        return Err(bad("min"));
                    }
                    sibling_rule = Some(SiblingRule::Min);
                }
                "software.sha256" => {
                    software_sha256 = Some(parse_hex32(v).ok_or_else(|| bad("64 lowercase hex"))?);
                }
                _ => {
                    if let Some(school) = k.strip_prefix("cap.") {
                        if !is_code(school) {
                            return Err(bad("school code [A-Z0-9-]{1,64}"));
                        }
                        let cap = parse_dec::<u32>(v).ok_or_else(|| bad("decimal seats"))?;
                        caps.insert(school.to_owned(), (n, cap));
                    } else if let Some(rest) = k.strip_prefix("tier.") {
                        let t = rest
                            .strip_suffix(".label")
                            .and_then(parse_dec::<u32>)
                            .filter(|t| *t >= 1)
                            .ok_or_else(|| unknown(n, k))?;
                        if !free_text_ok(v) {
                            return Err(bad("text without control characters"));
                        }
                        tier_labels.insert(t, v.to_owned());
                    } else if let Some(rest) = k.strip_prefix("block.") {
                        let (school, kk) = rest.rsplit_once('.').ok_or_else(|| unknown(n, k))?;
                        let kk: u32 = parse_dec(kk)
                            .filter(|x| *x >= 1)
                            .ok_or_else(|| unknown(n, k))?;
                        if !is_code(school) {
                            return Err(unknown(n, k));
                        }
                        let block = parse_block(v).ok_or_else(|| {
                            bad("<seats>:* or <seats>:<tier>,<tier>… (ascending)")
                        })?;
                        blocks
                            .entry(school.to_owned())
                            .or_default()
                            .insert(kk, (n, block));
                    } else {
                        return Err(unknown(n, k));
                    }
                }
            }
        }

        let missing = |key: &str| {
            err(
                0,
                format!("缺少必需的键“{key}”"),
                format!("required key '{key}' is missing"),
            )
        };
        let lottery_id = lottery_id.ok_or_else(|| missing("lottery_id"))?;
        let mechanism = mechanism.ok_or_else(|| missing("mechanism"))?;
        let tiebreak = tiebreak.ok_or_else(|| missing("tiebreak"))?;
        if caps.is_empty() {
            return Err(missing("cap.<school>"));
        }

        let mut schools = BTreeMap::new();
        for (code, (_, cap)) in &caps {
            schools.insert(
                code.clone(),
                School {
                    cap: *cap,
                    blocks: Vec::new(),
                },
            );
        }
        for (code, bl) in blocks {
            let first_line = bl.values().next().map_or(0, |(n, _)| *n);
            let school = schools.get_mut(&code).ok_or_else(|| {
                err(
                    first_line,
                    format!("学校 {code} 有座位块但没有 cap.{code}"),
                    format!("school {code} has blocks but no cap.{code}"),
                )
            })?;
            // Precedence is k = 1, 2, … with no gaps, so "which block first" is never implicit.
            for (expect, (k, _)) in (1u32..).zip(bl.iter()) {
                if *k != expect {
                    return Err(err(
                        first_line,
                        format!("{code} 的座位块编号须为 1,2,3… 连续"),
                        format!("blocks of {code} must be numbered 1, 2, 3, … without gaps"),
                    ));
                }
            }
            let total: u64 = bl.values().map(|(_, b)| u64::from(b.seats)).sum();
            if total != u64::from(school.cap) {
                return Err(err(
                    first_line,
                    format!("{code} 各座位块之和 {total} ≠ cap {}", school.cap),
                    format!("blocks of {code} sum to {total}, not cap {}", school.cap),
                ));
            }
            school.blocks = bl.into_values().map(|(_, b)| b).collect();
        }

        let beacon = match (b_scheme, b_chain, b_round, b_pub) {
            (None, None, None, None) => None,
            (Some(scheme), Some(chain_hash), Some(round), Some(pubkey)) => {
                let want = if scheme == SCHEME_QUICKNET { 96 } else { 48 };
                if pubkey.len() != want {
                    return Err(err(
                        0,
                        format!("beacon.pubkey 长度应为 {want} 字节"),
                        format!("beacon.pubkey must be {want} bytes for {scheme}"),
                    ));
                }
                Some(BeaconPin {
                    scheme,
                    chain_hash,
                    round,
                    pubkey,
                })
            }
            _ => {
                return Err(err(
                    0,
                    "beacon.* 四个键须同时出现或同时缺省",
                    "the four beacon.* keys must all be present or all absent",
                ));
            }
        };
        let fallback = match (f_after, f_format, f_source) {
            (None, None, None) => None,
            (Some(after_hours), Some(format), Some(source)) => Some(Fallback {
                after_hours,
                format,
                source,
            }),
            _ => {
                return Err(err(
                    0,
                    "fallback.* 三个键须同时出现",
                    "fallback.after_hours, fallback.format and fallback.source go together",
                ));
            }
        };
        Ok(Self {
            lottery_id,
            mechanism,
            tiebreak,
            schools,
            tier_labels,
            beacon,
            fallback,
            sibling_rule,
            software_sha256,
        })
    }

    /// Canonical bytes: one `key=value` per line, sorted by key in byte order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut kv: Vec<(String, String)> = vec![
            ("lottery_id".into(), self.lottery_id.clone()),
            (
                "mechanism".into(),
                match self.mechanism {
                    Mechanism::Da => "DA",
                    Mechanism::Ia => "IA",
                }
                .into(),
            ),
            (
                "tiebreak".into(),
                match self.tiebreak {
                    TieBreak::Stb => "STB",
                    TieBreak::Mtb => "MTB",
                }
                .into(),
            ),
        ];
        for (code, s) in &self.schools {
            kv.push((format!("cap.{code}"), s.cap.to_string()));
            for (k, b) in (1u32..).zip(&s.blocks) {
                let tiers = match &b.tiers {
                    None => "*".to_owned(),
                    Some(t) => t.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
                };
                kv.push((format!("block.{code}.{k}"), format!("{}:{tiers}", b.seats)));
            }
        }
        for (t, label) in &self.tier_labels {
            kv.push((format!("tier.{t}.label"), label.clone()));
        }
        if let Some(b) = &self.beacon {
            kv.push(("beacon.scheme".into(), b.scheme.clone()));
            kv.push(("beacon.chain_hash".into(), to_hex(&b.chain_hash)));
            kv.push(("beacon.round".into(), b.round.to_string()));
            kv.push(("beacon.pubkey".into(), hex::encode(&b.pubkey)));
        }
        if let Some(f) = &self.fallback {
            kv.push(("fallback.after_hours".into(), f.after_hours.to_string()));
            kv.push(("fallback.format".into(), f.format.clone()));
            kv.push(("fallback.source".into(), f.source.clone()));
        }
        if self.sibling_rule.is_some() {
            kv.push(("sibling.rule".into(), "min".into()));
        }
        if let Some(h) = &self.software_sha256 {
            kv.push(("software.sha256".into(), to_hex(h)));
        }
        kv.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut out = Vec::new();
        for (k, v) in kv {
            out.extend_from_slice(k.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Cross-checks that need the roster: every tier used is labelled (when labels exist).
    pub fn check_tier(&self, tier: u32) -> Result<()> {
        if self.tier_labels.is_empty() || self.tier_labels.contains_key(&tier) {
            Ok(())
        } else {
            Err(LotteryError::rules(
                format!("名册使用了未声明的层级 {tier}"),
                format!("roster uses undeclared tier {tier}"),
            ))
        }
    }
}

fn unknown(n: usize, k: &str) -> FormatError {
    err(n, format!("未知的键“{k}”"), format!("unknown key '{k}'"))
}

fn parse_block(v: &str) -> Option<Block> {
    let (seats, tiers) = v.split_once(':')?;
    let seats = parse_dec::<u32>(seats)?;
    if tiers == "*" {
        return Some(Block { seats, tiers: None });
    }
    let mut set = BTreeSet::new();
    let mut last = 0u32;
    for t in tiers.split(',') {
        let t: u32 = parse_dec(t)?;
        if t <= last {
            return None;
        }
        last = t;
        set.insert(t);
    }
    Some(Block {
        seats,
        tiers: Some(set),
    })
}
