//! Per-applicant numbers (LOT1 §4.4) and the per-school order they induce.
//!
//! `N_i = SHA-256("LOT1|NUM|" + seed + "|" + C_i)` (STB) or with `school + "|"` before `C_i`
//! (MTB). Hashing is split across threads by index range; each number depends only on its own
//! inputs and is stored at its own index, so the output is identical for any thread count.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::hash::{Hash32, push_hex, to_hex};
use crate::params::{Params, TieBreak};
use crate::roster::{NO_GROUP, Roster};

/// A hasher pre-loaded with `"LOT1|NUM|" + seed + "|"` (the first 64-byte block is absorbed
/// once, so each number costs two compressions instead of three).
#[derive(Clone)]
pub struct NumberHasher {
    base: Sha256,
}

impl NumberHasher {
    pub fn new(seed: &Hash32) -> Self {
        let mut base = Sha256::new();
        base.update(b"LOT1|NUM|");
        base.update(to_hex(seed).as_bytes());
        base.update(b"|");
        Self { base }
    }

    pub fn stb(&self, c: &Hash32) -> Hash32 {
        let mut buf = Vec::with_capacity(64);
        push_hex(&mut buf, c);
        let mut h = self.base.clone();
        h.update(&buf);
        h.finalize().into()
    }

    pub fn mtb(&self, school: &str, c: &Hash32) -> Hash32 {
        let mut buf = Vec::with_capacity(64);
        push_hex(&mut buf, c);
        let mut h = self.base.clone();
        h.update(school.as_bytes());
        h.update(b"|");
        h.update(&buf);
        h.finalize().into()
    }
}

/// The numbers of a draw, before sibling bundling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Numbers {
    /// One per applicant, indexed like the roster.
    Stb(Vec<Hash32>),
    /// One per roster choice entry, aligned with `Roster::choices`.
    Mtb(Vec<Hash32>),
}

impl Numbers {
    /// The number applicant `i` uses at choice entry `e` (before sibling bundling).
    pub fn get(&self, i: usize, e: usize) -> &Hash32 {
        match self {
            Self::Stb(v) => &v[i],
            Self::Mtb(v) => &v[e],
        }
    }
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn par_fill<F>(out: &mut [Hash32], threads: usize, f: F)
where
    F: Fn(usize) -> Hash32 + Sync,
{
    let threads = threads.max(1);
    let chunk = out.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (ci, part) in out.chunks_mut(chunk).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (j, slot) in part.iter_mut().enumerate() {
                    *slot = f(ci * chunk + j);
                }
            });
        }
    });
}

pub fn compute_numbers(roster: &Roster, params: &Params, seed: &Hash32, threads: usize) -> Numbers {
    let hasher = NumberHasher::new(seed);
    match params.tiebreak {
        TieBreak::Stb => {
            let mut out = vec![[0u8; 32]; roster.len()];
            par_fill(&mut out, threads, |i| hasher.stb(&roster.commits[i]));
            Numbers::Stb(out)
        }
        TieBreak::Mtb => {
            let codes: Vec<&str> = params.schools.keys().map(String::as_str).collect();
            // owner[e] = applicant of choice entry e.
            let mut owner = vec![0u32; roster.choices.len()];
            for i in 0..roster.len() {
                for e in roster.start[i]..roster.start[i + 1] {
                    owner[e as usize] = i as u32;
                }
            }
            let mut out = vec![[0u8; 32]; roster.choices.len()];
            par_fill(&mut out, threads, |e| {
                let i = owner[e] as usize;
                hasher.mtb(codes[roster.choices[e].school as usize], &roster.commits[i])
            });
            Numbers::Mtb(out)
        }
    }
}

/// Applies the sibling rule `N_g = min` over the members (per school under MTB). Same shape
/// as the input: per applicant (STB) or per choice entry (MTB).
pub fn effective_numbers(roster: &Roster, numbers: &Numbers) -> Numbers {
    if roster.group_names.is_empty() {
        return numbers.clone();
    }
    // Minimum per (group, school); a member not listing a school does not lower its value.
    let key = |i: usize, e: usize| match numbers {
        Numbers::Stb(_) => (roster.group[i], u32::MAX),
        Numbers::Mtb(_) => (roster.group[i], roster.choices[e].school),
    };
    let mut min: BTreeMap<(u32, u32), Hash32> = BTreeMap::new();
    for i in (0..roster.len()).filter(|&i| roster.group[i] != NO_GROUP) {
        for e in roster.start[i] as usize..roster.start[i + 1] as usize {
            let n = *numbers.get(i, e);
            min.entry(key(i, e))
                .and_modify(|m| *m = (*m).min(n))
                .or_insert(n);
        }
    }
    let mut out = numbers.clone();
    for i in (0..roster.len()).filter(|&i| roster.group[i] != NO_GROUP) {
        for e in roster.start[i] as usize..roster.start[i + 1] as usize {
            let m = min[&key(i, e)];
            match &mut out {
                Numbers::Stb(v) => v[i] = m,
                Numbers::Mtb(v) => v[e] = m,
            }
        }
    }
    out
}

/// Indices sorted by (number, index); index order is `C_i` order. Sorts on a 64-bit prefix and
/// only compares full numbers to break prefix ties.
fn sort_by_number(ids: &mut [(u64, u32)], num: impl Fn(u32) -> Hash32) {
    ids.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| num(a.1).cmp(&num(b.1)))
            .then_with(|| a.1.cmp(&b.1))
    });
}

fn prefix(h: &Hash32) -> u64 {
    let mut p = [0u8; 8];
    p.copy_from_slice(&h[..8]);
    u64::from_be_bytes(p)
}

/// Priority key of every choice entry: `tier << 32 | r`, where `r` orders `(N, C_i)` at the
/// school. Comparing keys is comparing `(tier, N, C_i)`, LOT1's order, in one integer. Under STB
/// r is the global rank (same order at every school, one sort instead of one per school).
pub fn priority_keys(roster: &Roster, n_schools: usize, eff: &Numbers) -> Vec<u64> {
    let mut keys = vec![0u64; roster.choices.len()];
    match eff {
        Numbers::Stb(v) => {
            let mut ids: Vec<(u64, u32)> =
                v.iter().zip(0u32..).map(|(n, i)| (prefix(n), i)).collect();
            sort_by_number(&mut ids, |i| v[i as usize]);
            let mut rank = vec![0u32; v.len()];
            for (r, &(_, i)) in ids.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            let owner_rank = (0..roster.len()).flat_map(|i| {
                let n = (roster.start[i + 1] - roster.start[i]) as usize;
                std::iter::repeat_n(rank[i], n)
            });
            for ((k, ch), r) in keys.iter_mut().zip(&roster.choices).zip(owner_rank) {
                *k = (u64::from(ch.tier) << 32) | u64::from(r);
            }
        }
        Numbers::Mtb(v) => {
            let mut by_school: Vec<Vec<(u64, u32)>> = vec![Vec::new(); n_schools];
            for (e, ch) in roster.choices.iter().enumerate() {
                by_school[ch.school as usize].push((prefix(&v[e]), e as u32));
            }
            for list in &mut by_school {
                // Entries of one school belong to distinct applicants, so entry order within a
                // school is applicant (C_i) order too.
                sort_by_number(list, |e| v[e as usize]);
                for (r, &(_, e)) in list.iter().enumerate() {
                    let tier = u64::from(roster.choices[e as usize].tier);
                    keys[e as usize] = (tier << 32) | r as u64;
                }
                *list = Vec::new();
            }
        }
    }
    keys
}
