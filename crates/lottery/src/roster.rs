//! `roster.csv`: `C_i,S01:2;S07:1[,group=G…]`, sorted by `C_i`, no header (LOT1 §4.3).
//!
//! Parsed into flat arrays (one `Vec` of choices with offsets) because the 1M-applicant
//! roster must parse in well under a second and stay small in memory.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::hash::{Hash32, is_code, parse_hex32_bytes, push_hex};
use crate::params::{Params, parse_dec};
use crate::{FormatError, LotteryError, Result};

const ART: &str = "roster.csv";
pub const NO_GROUP: u32 = u32::MAX;

/// FNV-1a for the school-code lookup table: codes are short and trusted to be few, and the
/// map is only looked up, never iterated, so its order can never reach an output.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Index into `Params::schools` in byte order of the code.
    pub school: u32,
    pub tier: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// Commitments, strictly ascending.
    pub commits: Vec<Hash32>,
    /// `choices[start[i]..start[i+1]]` are applicant i's choices in preference order.
    pub start: Vec<u32>,
    pub choices: Vec<Choice>,
    /// Group index per applicant, or [`NO_GROUP`].
    pub group: Vec<u32>,
    /// Group labels (`G…`), sorted.
    pub group_names: Vec<String>,
}

/// One applicant as registration produces it, before sorting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub commitment: Hash32,
    /// `(school code, tier)` in the family's preference order.
    pub choices: Vec<(String, u32)>,
    pub group: Option<String>,
}

fn err(line: usize, zh: impl Into<String>, en: impl Into<String>) -> FormatError {
    FormatError::new(ART, line, zh, en)
}

/// `G` then `[A-Z0-9-]{1,63}`.
pub fn is_group_label(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('G') && is_code(s)
}

type CodeMap<'a> = HashMap<&'a str, u32, BuildHasherDefault<Fnv>>;

/// A contiguous run of roster lines parsed on one thread; `start` is relative to it.
struct Chunk<'a> {
    commits: Vec<Hash32>,
    start: Vec<u32>,
    choices: Vec<Choice>,
    groups: Vec<Option<&'a str>>,
}

/// Splits at LF boundaries into at most `parts` pieces (one piece when small).
fn split_lines(body: &[u8], parts: usize) -> Vec<&[u8]> {
    if parts <= 1 || body.len() < (1 << 20) {
        return vec![body];
    }
    let mut out = Vec::with_capacity(parts);
    let mut rest = body;
    for k in (1..parts).rev() {
        let target = rest.len() / (k + 1);
        match rest[target..].iter().position(|b| *b == b'\n') {
            Some(p) => {
                out.push(&rest[..target + p]);
                rest = &rest[target + p + 1..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// Parses lines (no trailing LF) with line numbers relative to the chunk.
fn parse_chunk<'a>(
    body: &'a [u8],
    params: &Params,
    school_ix: &CodeMap<'_>,
) -> Result<Chunk<'a>, FormatError> {
    let n_est = body.len() / 80 + 1;
    let mut r = Chunk {
        commits: Vec::with_capacity(n_est),
        start: Vec::with_capacity(n_est + 1),
        choices: Vec::with_capacity(n_est * 4),
        groups: Vec::with_capacity(n_est),
    };
    r.start.push(0);
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let n = i + 1;
        let line =
            std::str::from_utf8(line).map_err(|_| err(n, "不是 UTF-8 文本", "not UTF-8 text"))?;
        if line.is_empty() {
            return Err(err(n, "不得有空行", "blank lines are not allowed"));
        }
        if line.contains('\r') {
            return Err(err(
                n,
                "不得含 CR（须为 LF 换行）",
                "CR is not allowed (LF line ends only)",
            ));
        }
        let mut fields = line.split(',');
        let c_field = fields.next().unwrap_or_default();
        let c = parse_hex32_bytes(c_field.as_bytes()).ok_or_else(|| {
            err(
                n,
                "C_i 须为 64 位小写十六进制",
                "C_i must be 64 lowercase hex characters",
            )
        })?;
        if let Some(prev) = r.commits.last()
            && c <= *prev
        {
            let (zh, en) = if c == *prev {
                ("C_i 重复", "duplicate C_i")
            } else {
                ("各行须按 C_i 升序排列", "lines must be sorted by C_i")
            };
            return Err(err(n, zh, en));
        }
        let choices = fields
            .next()
            .ok_or_else(|| err(n, "缺少志愿字段", "missing the choices field"))?;
        let first = r.choices.len();
        for item in choices.split(';') {
            let (code, tier) = item.split_once(':').ok_or_else(|| {
                err(
                    n,
                    format!("志愿“{item}”须为 学校:层级"),
                    format!("choice '{item}' must be school:tier"),
                )
            })?;
            let school = *school_ix.get(code).ok_or_else(|| {
                err(
                    n,
                    format!("学校 {code} 未在 params.txt 中声明"),
                    format!("school '{code}' is not declared in params.txt"),
                )
            })?;
            let tier: u32 = parse_dec(tier).filter(|t| *t >= 1).ok_or_else(|| {
                err(
                    n,
                    format!("层级“{tier}”须为不带前导零的正整数"),
                    format!("tier '{tier}' must be a positive decimal without leading zeros"),
                )
            })?;
            params
                .check_tier(tier)
                .map_err(|e| err(n, e.to_string(), e.to_string()))?;
            if r.choices[first..].iter().any(|ch| ch.school == school) {
                return Err(err(
                    n,
                    format!("学校 {code} 重复填报"),
                    format!("school {code} listed twice"),
                ));
            }
            r.choices.push(Choice { school, tier });
        }
        let group = match fields.next() {
            None => None,
            Some(g) => Some(
                g.strip_prefix("group=")
                    .filter(|l| is_group_label(l))
                    .ok_or_else(|| {
                        err(
                            n,
                            "第三列须为 group=G…（[A-Z0-9-]）",
                            "third column must be group=G… ([A-Z0-9-])",
                        )
                    })?,
            ),
        };
        if fields.next().is_some() {
            return Err(err(n, "列数过多", "too many columns"));
        }
        r.commits.push(c);
        r.start.push(
            u32::try_from(r.choices.len()).map_err(|_| err(n, "志愿过多", "too many choices"))?,
        );
        r.groups.push(group);
    }
    Ok(r)
}

impl Roster {
    pub fn len(&self) -> usize {
        self.commits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commits.is_empty()
    }

    pub fn choices_of(&self, i: usize) -> &[Choice] {
        &self.choices[self.start[i] as usize..self.start[i + 1] as usize]
    }

    pub fn find(&self, c: &Hash32) -> Option<usize> {
        self.commits.binary_search(c).ok()
    }

    /// Strict parse against the declared schools and tiers of `params`. Large files are split
    /// at line boundaries and parsed on several threads; the result (and the first error
    /// reported) is the same as a sequential parse.
    pub fn parse(bytes: &[u8], params: &Params) -> Result<Self, FormatError> {
        let school_ix: CodeMap<'_> = params
            .schools
            .keys()
            .zip(0u32..)
            .map(|(k, i)| (k.as_str(), i))
            .collect();
        if bytes.starts_with(b"\xef\xbb\xbf") {
            return Err(err(1, "不得有 BOM", "a byte-order mark is not allowed"));
        }
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            return Err(err(0, "末行须以 LF 结尾", "the last line must end with LF"));
        }
        let mut r = Roster {
            commits: Vec::new(),
            start: vec![0],
            choices: Vec::new(),
            group: Vec::new(),
            group_names: Vec::new(),
        };
        if bytes.is_empty() {
            return Ok(r);
        }
        let body = &bytes[..bytes.len() - 1];
        let pieces = split_lines(body, crate::numbers::default_threads().min(8));
        let results: Vec<Result<Chunk<'_>, FormatError>> = std::thread::scope(|sc| {
            let handles: Vec<_> = pieces
                .iter()
                .map(|piece| {
                    let ix = &school_ix;
                    sc.spawn(move || parse_chunk(piece, params, ix))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(err(0, "解析线程失败", "parser thread failed")))
                })
                .collect()
        });
        let mut raw_groups: Vec<Option<&str>> = Vec::new();
        let mut lines_before = 0usize;
        for res in results {
            let mut chunk = res.map_err(|mut e| {
                e.line += lines_before;
                e
            })?;
            if let (Some(prev), Some(first)) = (r.commits.last(), chunk.commits.first())
                && first <= prev
            {
                let (zh, en) = if first == prev {
                    ("C_i 重复", "duplicate C_i")
                } else {
                    ("各行须按 C_i 升序排列", "lines must be sorted by C_i")
                };
                return Err(err(lines_before + 1, zh, en));
            }
            let base = r.choices.len() as u64;
            let total = base + chunk.choices.len() as u64;
            if total > u64::from(u32::MAX) {
                return Err(err(lines_before + 1, "志愿过多", "too many choices"));
            }
            r.start.extend(
                chunk
                    .start
                    .iter()
                    .skip(1)
                    .map(|x| (base + u64::from(*x)) as u32),
            );
            r.choices.append(&mut chunk.choices);
            r.commits.append(&mut chunk.commits);
            lines_before += chunk.groups.len();
            raw_groups.append(&mut chunk.groups);
        }
        if raw_groups.iter().all(Option::is_none) {
            r.group = vec![NO_GROUP; r.commits.len()];
            return Ok(r);
        }
        // Number groups in label order so indices never depend on line order.
        let mut sizes: BTreeMap<&str, u32> = BTreeMap::new();
        for g in raw_groups.iter().flatten() {
            *sizes.entry(g).or_default() += 1;
        }
        if let Some((g, _)) = sizes.iter().find(|(_, n)| **n < 2) {
            return Err(err(
                0,
                format!("组 {g} 只有一名成员（组至少两人）"),
                format!("group {g} has one member (a group needs at least two)"),
            ));
        }
        let index: BTreeMap<&str, u32> = sizes.keys().copied().zip(0u32..).collect();
        r.group = raw_groups
            .iter()
            .map(|g| g.map_or(NO_GROUP, |g| index[g]))
            .collect();
        r.group_names = sizes.keys().map(|g| (*g).to_owned()).collect();
        Ok(r)
    }

    /// Canonical bytes (inverse of [`Roster::parse`]).
    pub fn to_bytes(&self, params: &Params) -> Vec<u8> {
        let codes: Vec<&str> = params.schools.keys().map(String::as_str).collect();
        let mut out = Vec::with_capacity(self.len() * 90);
        for i in 0..self.len() {
            push_hex(&mut out, &self.commits[i]);
            out.push(b',');
            for (j, ch) in self.choices_of(i).iter().enumerate() {
                if j > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(codes[ch.school as usize].as_bytes());
                out.push(b':');
                out.extend_from_slice(ch.tier.to_string().as_bytes());
            }
            if self.group[i] != NO_GROUP {
                out.extend_from_slice(b",group=");
                out.extend_from_slice(self.group_names[self.group[i] as usize].as_bytes());
            }
            out.push(b'\n');
        }
        out
    }

    /// Builds the canonical roster from registrations: sorts by `C_i`, rejects duplicates and
    /// anything the strict parser would reject (by parsing what it wrote).
    pub fn from_entries(mut entries: Vec<RosterEntry>, params: &Params) -> Result<(Self, Vec<u8>)> {
        entries.sort_by_key(|a| a.commitment);
        let mut out = Vec::new();
        for e in &entries {
            if e.choices.is_empty() {
                return Err(LotteryError::rules(
                    "申请人至少填报一个志愿",
                    "an applicant needs at least one choice",
                ));
            }
            push_hex(&mut out, &e.commitment);
            out.push(b',');
            let items: Vec<String> = e.choices.iter().map(|(s, t)| format!("{s}:{t}")).collect();
            out.extend_from_slice(items.join(";").as_bytes());
            if let Some(g) = &e.group {
                out.extend_from_slice(format!(",group={g}").as_bytes());
            }
            out.push(b'\n');
        }
        let roster = Roster::parse(&out, params)?;
        Ok((roster, out))
    }
}
