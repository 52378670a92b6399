//! One complete draw from the artefact bytes: parse strictly, derive the seed, number every
//! applicant, allocate, and write `results.csv` / `waitlists.csv` canonically.

use std::io::Write;

use crate::Result;
use crate::allocate::{Instance, UNASSIGNED, allocate, waitlists};
use crate::ceremony::Ceremony;
use crate::hash::{Hash32, push_hex, sha256};
use crate::numbers::{Numbers, compute_numbers, effective_numbers, priority_keys};
use crate::params::Params;
use crate::roster::Roster;
use crate::seed::seed;

#[derive(Debug, Clone)]
pub struct Draw {
    pub params: Params,
    pub roster: Roster,
    pub seed: Hash32,
    pub numbers: Numbers,
    /// Numbers after the sibling rule (same shape as `numbers`).
    pub effective: Numbers,
    pub instance: Instance,
    /// School index per applicant, or [`UNASSIGNED`].
    pub assigned: Vec<u32>,
}

/// Runs the draw. `beacon_randomness` must come from a verified beacon (see `beacon`).
pub fn draw(
    params_bytes: &[u8],
    roster_bytes: &[u8],
    ceremony_bytes: &[u8],
    beacon_randomness: &Hash32,
    threads: usize,
) -> Result<Draw> {
    let params = Params::parse(params_bytes)?;
    let roster = Roster::parse(roster_bytes, &params)?;
    Ceremony::parse(ceremony_bytes)?;
    let seed = seed(
        &params.lottery_id,
        &sha256(roster_bytes),
        &sha256(params_bytes),
        &sha256(ceremony_bytes),
        beacon_randomness,
    );
    Ok(draw_parsed(params, roster, seed, threads))
}

/// The draw from already-parsed inputs and a known seed.
pub fn draw_parsed(params: Params, roster: Roster, seed: Hash32, threads: usize) -> Draw {
    let numbers = compute_numbers(&roster, &params, &seed, threads);
    let effective = effective_numbers(&roster, &numbers);
    let key = priority_keys(&roster, params.schools.len(), &effective);
    let instance = Instance {
        start: roster.start.clone(),
        school: roster.choices.iter().map(|c| c.school).collect(),
        key,
        blocks: params
            .schools
            .values()
            .map(|s| s.effective_blocks())
            .collect(),
    };
    let assigned = allocate(&instance, params.mechanism);
    Draw {
        params,
        roster,
        seed,
        numbers,
        effective,
        instance,
        assigned,
    }
}

impl Draw {
    pub fn school_codes(&self) -> Vec<&str> {
        self.params.schools.keys().map(String::as_str).collect()
    }

    /// `results.csv`: `C_i,school` or `C_i,-`, sorted by `C_i`.
    pub fn write_results<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let codes = self.school_codes();
        let mut buf = Vec::with_capacity(1 << 16);
        for (c, &a) in self.roster.commits.iter().zip(&self.assigned) {
            push_hex(&mut buf, c);
            buf.push(b',');
            if a == UNASSIGNED {
                buf.push(b'-');
            } else {
                buf.extend_from_slice(codes[a as usize].as_bytes());
            }
            buf.push(b'\n');
            if buf.len() > (1 << 16) - 200 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    }

    /// `waitlists.csv`: `school,rank,C_i`, by school (byte order) then rank.
    pub fn write_waitlists<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let codes = self.school_codes();
        let lists = waitlists(&self.instance, &self.assigned);
        let mut buf = Vec::with_capacity(1 << 16);
        for (s, list) in lists.iter().enumerate() {
            for (rank, &(_, i)) in (1u64..).zip(list) {
                buf.extend_from_slice(codes[s].as_bytes());
                buf.push(b',');
                buf.extend_from_slice(rank.to_string().as_bytes());
                buf.push(b',');
                push_hex(&mut buf, &self.roster.commits[i as usize]);
                buf.push(b'\n');
                if buf.len() > (1 << 16) - 200 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
        w.write_all(&buf)
    }

    pub fn results_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let _ = self.write_results(&mut v);
        v
    }

    pub fn waitlists_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let _ = self.write_waitlists(&mut v);
        v
    }

    /// Per school: (seats filled, cut-off) where the cut-off is the (tier, rank) of the
    /// last admitted applicant in the school's full order, `None` if nobody was admitted.
    pub fn cutoffs(&self) -> Vec<(u64, Option<(u32, u64)>)> {
        let mut per: Vec<Vec<(u64, bool)>> = vec![Vec::new(); self.instance.n_schools()];
        for i in 0..self.instance.n_students() {
            for e in self.instance.entries(i) {
                let s = self.instance.school[e];
                per[s as usize].push((self.instance.key[e], self.assigned[i] == s));
            }
        }
        per.iter_mut()
            .map(|list| {
                list.sort_unstable();
                let filled = list.iter().filter(|x| x.1).count() as u64;
                let last = list
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, x)| x.1)
                    .map(|(r, x)| (crate::allocate::tier_of(x.0), r as u64 + 1));
                (filled, last)
            })
            .collect()
    }
}
