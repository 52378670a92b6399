//! `verify me <dir> --id … --salt …`: the family mode. Recomputes the commitment, finds it in
//! the roster and shows the number, the rank at each listed school and each school's cut-off.
//! Work is limited to applicants who list one of the family's schools, so it stays fast on a
//! million-line roster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::beacon::Beacon;
use crate::commit::{Salt, commitment_lenient};
use crate::hash::{Hash32, parse_hex32, sha256, to_hex};
use crate::numbers::NumberHasher;
use crate::params::{Params, TieBreak};
use crate::roster::{NO_GROUP, Roster};
use crate::seed::seed;
use crate::{FormatError, LotteryError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeChoice {
    pub school: String,
    pub tier: u32,
    /// The number used at this school (after the sibling rule).
    pub number: Hash32,
    /// 1-based position in the school's order (tier, N, C_i) among all who list it.
    pub rank: u64,
    pub listed_by: u64,
    /// (tier, rank) of the last admitted applicant, if anyone was admitted.
    pub cutoff: Option<(u32, u64)>,
    pub admitted_here: bool,
    /// Position on this school's waitlist, if on it.
    pub waitlist_rank: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeReport {
    pub commitment: Hash32,
    pub found: bool,
    pub warnings: Vec<String>,
    pub seed: Hash32,
    pub result: Option<String>,
    pub choices: Vec<MeChoice>,
    /// Chinese first, English beside; one line each.
    pub lines: Vec<String>,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let p = dir.join(name);
    std::fs::read(&p).map_err(|e| LotteryError::io(&p, e))
}

/// The line of a sorted `C_i,…` file that starts with `key` (64 hex), by binary search over
/// byte offsets: the files are sorted by `C_i`, so no full parse is needed to find one line.
fn find_line<'a>(bytes: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let line_at = |pos: usize| {
        let start = bytes[..pos]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |p| start + p);
        (start, end)
    };
    let (mut lo, mut hi) = (0usize, bytes.len());
    while lo < hi {
        let (start, end) = line_at(lo + (hi - lo) / 2);
        let line = &bytes[start..end];
        match line.get(..64).map(|c| c.cmp(key)) {
            Some(std::cmp::Ordering::Equal) => return Some(line),
            Some(std::cmp::Ordering::Less) => lo = end + 1,
            _ => hi = start,
        }
    }
    None
}

/// School codes and group label of a roster line, without validating it.
fn line_codes(line: &[u8]) -> (impl Iterator<Item = &[u8]>, Option<&[u8]>) {
    let rest = line.get(65..).unwrap_or_default();
    let mut parts = rest.splitn(2, |b| *b == b',');
    let choices = parts.next().unwrap_or_default();
    let group = parts.next().and_then(|g| g.strip_prefix(b"group="));
    let codes = choices
        .split(|b| *b == b';')
        .map(|item| item.split(|b| *b == b':').next().unwrap_or_default());
    (codes, group)
}

/// The part of the roster `verify me` needs: the family's line, every line listing one of its
/// schools, and the co-members of any sibling group among them. Parsed strictly.
fn relevant_roster(roster_b: &[u8], own: &[u8], params: &Params) -> Result<Roster, FormatError> {
    let mine: Vec<&[u8]> = line_codes(own).0.collect();
    let mut selected: Vec<&[u8]> = Vec::new();
    let mut groups: BTreeSet<&[u8]> = BTreeSet::new();
    let body = roster_b.strip_suffix(b"\n").unwrap_or(roster_b);
    for line in body.split(|b| *b == b'\n') {
        let (mut codes, group) = line_codes(line);
        if codes.any(|c| mine.contains(&c)) {
            selected.push(line);
            groups.extend(group);
        }
    }
    if !groups.is_empty() {
        for line in body.split(|b| *b == b'\n') {
            if line_codes(line).1.is_some_and(|g| groups.contains(g)) {
                selected.push(line);
            }
        }
        selected.sort_unstable();
        selected.dedup();
    }
    let mut bytes = Vec::with_capacity(selected.iter().map(|l| l.len() + 1).sum());
    for l in selected {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    Roster::parse(&bytes, params)
}

/// Seats of the selected applicants, looked up in `results.csv` by binary search.
fn seats_of(
    results_b: &[u8],
    roster: &Roster,
    codes: &BTreeMap<&str, u32>,
) -> Result<Vec<Option<u32>>, FormatError> {
    let bad = || {
        FormatError::new(
            "results.csv",
            0,
            "与名册不对应或格式错误",
            "does not match the roster or is malformed",
        )
    };
    roster
        .commits
        .iter()
        .map(|c| {
            let line = find_line(results_b, to_hex(c).as_bytes()).ok_or_else(bad)?;
            match line.get(65..).ok_or_else(bad)? {
                b"-" => Ok(None),
                s => std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| codes.get(s).copied())
                    .map(Some)
                    .ok_or_else(bad),
            }
        })
        .collect()
}

/// The published files `verify me` reads, as bytes (a server holding them in its store checks
/// a family's receipt without writing them to disk). `seed` is optional: only compared.
#[derive(Debug, Clone, Copy)]
pub struct MeFiles<'a> {
    pub params: &'a [u8],
    pub roster: &'a [u8],
    pub ceremony: &'a [u8],
    pub beacon: &'a [u8],
    pub results: &'a [u8],
    pub seed: Option<&'a [u8]>,
}

pub fn verify_me(dir: &Path, raw_id: &str, salt: &str) -> Result<MeReport> {
    let params = read(dir, "params.txt")?;
    let roster = read(dir, "roster.csv")?;
    let ceremony = read(dir, "ceremony.txt")?;
    let beacon = read(dir, "beacon.json")?;
    let results = read(dir, "results.csv")?;
    let seed = read(dir, "seed.txt").ok();
    let files = MeFiles {
        params: &params,
        roster: &roster,
        ceremony: &ceremony,
        beacon: &beacon,
        results: &results,
        seed: seed.as_deref(),
    };
    verify_me_files(&files, raw_id, salt)
}

/// [`verify_me`] over files already in memory.
pub fn verify_me_files(files: &MeFiles<'_>, raw_id: &str, salt: &str) -> Result<MeReport> {
    let (params_b, roster_b, ceremony_b, beacon_b, results_b) = (
        files.params,
        files.roster,
        files.ceremony,
        files.beacon,
        files.results,
    );
    let params = Params::parse(params_b)?;
    let salt = Salt::parse(salt)?;
    let (c, warning) = commitment_lenient(&params.lottery_id, raw_id, &salt);
    let mut warnings: Vec<String> = warning.into_iter().collect();
    let own = find_line(roster_b, to_hex(&c).as_bytes());
    // Hash the roster on another thread while this one selects the relevant lines: the two
    // passes over ~100 MB dominate on a million applicants.
    let (roster, roster_sha) = std::thread::scope(|sc| {
        let h = sc.spawn(|| sha256(roster_b));
        let roster = own.map(|l| relevant_roster(roster_b, l, &params));
        (roster, h.join().ok())
    });
    let roster = roster.transpose()?;
    let roster_sha = roster_sha.unwrap_or_else(|| sha256(roster_b));
    let beacon = Beacon::parse(beacon_b)?;
    let rnd = match &params.beacon {
        Some(pin) => match beacon.verify(pin, params.fallback.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!("警告：{e}"));
                beacon.randomness()
            }
        },
        None => beacon.randomness(),
    };
    let sd = seed(
        &params.lottery_id,
        &roster_sha,
        &sha256(params_b),
        &sha256(ceremony_b),
        &rnd,
    );
    if let Some(f) = files.seed {
        let stated = f
            .strip_suffix(b"\n")
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(parse_hex32);
        if stated != Some(sd) {
            warnings.push("警告：seed.txt 与复算的种子不符，以复算值为准；请运行 verify all / warning: seed.txt differs from the recomputed seed; using the recomputed one; run verify all".into());
        }
    }
    let mut lines = Vec::new();
    lines.extend(warnings.iter().cloned());
    lines.push(format!("您的承诺值 / your commitment C_i: {}", to_hex(&c)));
    let Some((roster, me)) = roster.and_then(|r| r.find(&c).map(|i| (r, i))) else {
        lines.push("未在名册中找到该承诺值：请核对身份证号与盐值，或在异议期内申请更正 / this commitment is not in the roster: check the ID and salt, or ask for a correction during the challenge window".into());
        return Ok(MeReport {
            commitment: c,
            found: false,
            warnings,
            seed: sd,
            result: None,
            choices: Vec::new(),
            lines,
        });
    };

    let codes_vec: Vec<&str> = params.schools.keys().map(String::as_str).collect();
    let codes: BTreeMap<&str, u32> = codes_vec.iter().copied().zip(0u32..).collect();
    let seats = seats_of(results_b, &roster, &codes)?;
    let hasher = NumberHasher::new(&sd);
    let mine: Vec<u32> = roster.choices_of(me).iter().map(|ch| ch.school).collect();
    let number = |i: usize, s: u32| match params.tiebreak {
        TieBreak::Stb => hasher.stb(&roster.commits[i]),
        TieBreak::Mtb => hasher.mtb(codes_vec[s as usize], &roster.commits[i]),
    };
    // Every (applicant, tier, position of s in its list) for the family's schools.
    let mut listers: BTreeMap<u32, Vec<(usize, u32, usize)>> = BTreeMap::new();
    for i in 0..roster.len() {
        for (pos, ch) in roster.choices_of(i).iter().enumerate() {
            if mine.contains(&ch.school) {
                listers
                    .entry(ch.school)
                    .or_default()
                    .push((i, ch.tier, pos));
            }
        }
    }
    // Sibling rule: N_g = min over members (per school under MTB).
    let mut group_min: BTreeMap<(u32, u32), Hash32> = BTreeMap::new();
    if !roster.group_names.is_empty() {
        let needed: Vec<u32> = listers
            .values()
            .flatten()
            .map(|&(i, _, _)| roster.group[i])
            .filter(|g| *g != NO_GROUP)
            .collect();
        for i in 0..roster.len() {
            let g = roster.group[i];
            if g == NO_GROUP || !needed.contains(&g) {
                continue;
            }
            for ch in roster.choices_of(i) {
                let k = if params.tiebreak == TieBreak::Stb {
                    (g, u32::MAX)
                } else {
                    (g, ch.school)
                };
                let n = number(i, ch.school);
                group_min
                    .entry(k)
                    .and_modify(|m| *m = (*m).min(n))
                    .or_insert(n);
            }
        }
    }
    let eff = |i: usize, s: u32| {
        let g = roster.group[i];
        if g == NO_GROUP {
            return number(i, s);
        }
        let k = if params.tiebreak == TieBreak::Stb {
            (g, u32::MAX)
        } else {
            (g, s)
        };
        group_min.get(&k).copied().unwrap_or_else(|| number(i, s))
    };

    let seat_pos = |i: usize| -> Option<usize> {
        seats[i].and_then(|s| roster.choices_of(i).iter().position(|ch| ch.school == s))
    };
    let mut choices = Vec::new();
    for ch in roster.choices_of(me) {
        let s = ch.school;
        let list = &listers[&s];
        // Keys (tier, N, C) of everyone listing s; C order is roster index order.
        let mut keyed: Vec<((u32, Hash32, usize), bool, bool)> = list
            .iter()
            .map(|&(i, t, pos)| {
                let admitted = seats[i] == Some(s);
                let waiting = !admitted && seat_pos(i).is_none_or(|sp| pos < sp);
                ((t, eff(i, s), i), admitted, waiting)
            })
            .collect();
        keyed.sort_unstable_by_key(|a| a.0);
        let rank = keyed
            .iter()
            .position(|k| k.0.2 == me)
            .map_or(0, |p| p as u64 + 1);
        let cutoff = keyed
            .iter()
            .enumerate()
            .rev()
            .find(|(_, k)| k.1)
            .map(|(r, k)| (k.0.0, r as u64 + 1));
        let mut wl = 0u64;
        let mut waitlist_rank = None;
        for k in &keyed {
            if k.2 {
                wl += 1;
                if k.0.2 == me {
                    waitlist_rank = Some(wl);
                }
            }
        }
        choices.push(MeChoice {
            school: codes_vec[s as usize].to_owned(),
            tier: ch.tier,
            number: eff(me, s),
            rank,
            listed_by: keyed.len() as u64,
            cutoff,
            admitted_here: seats[me] == Some(s),
            waitlist_rank,
        });
    }
    let result = seats[me].map(|s| codes_vec[s as usize].to_owned());
    lines.push(format!("种子 / seed: {}", to_hex(&sd)));
    if params.tiebreak == TieBreak::Stb {
        lines.push(format!(
            "您的号码 / your number N_i: {}（可用 printf 'LOT1|NUM|%s|%s' \"$SEED\" \"$COMMIT\" | sha256sum 复算 / reproducible with coreutils）",
            to_hex(&number(me, mine[0]))
        ));
    }
    for m in &choices {
        let cut = m
            .cutoff
            .map_or("无人录取 / nobody admitted".to_owned(), |(t, r)| {
                format!("末位录取为第 {t} 层、第 {r} 名 / the last admitted was tier {t}, rank {r}")
            });
        let wl = m.waitlist_rank.map_or(String::new(), |w| {
            format!("；候补第 {w} 位 / waitlist position {w}")
        });
        lines.push(format!(
            "{}：第 {} 层，号码 {}，在 {} 名填报者中排第 {} 名；{}{}{} / {}: tier {}, rank {} of {}",
            m.school, m.tier, to_hex(&m.number), m.listed_by, m.rank, cut, wl,
            if m.admitted_here { "；已录取 / admitted here" } else { "" },
            m.school, m.tier, m.rank, m.listed_by
        ));
    }
    lines.push(match &result {
        Some(s) => format!("派位结果：{s} / result: {s}"),
        None => "派位结果：未录取（见候补名单）/ result: not placed (see waitlists)".into(),
    });
    Ok(MeReport {
        commitment: c,
        found: true,
        warnings,
        seed: sd,
        result,
        choices,
        lines,
    })
}
