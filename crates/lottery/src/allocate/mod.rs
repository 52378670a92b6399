//! Allocation (LOT1 §4.5) on an abstract instance: students with ordered choices, a priority
//! key per choice entry (smaller = better, unique per school), schools with seat blocks.
//!
//! Kept free of hashing so property tests can drive it with arbitrary small instances.

pub mod da;
pub mod ia;

use crate::params::{Block, Mechanism};

pub const UNASSIGNED: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `school[start[i]..start[i+1]]` are student i's choices, best first.
    pub start: Vec<u32>,
    pub school: Vec<u32>,
    /// Priority key per choice entry; the tier is `key >> 32`.
    pub key: Vec<u64>,
    /// Seat blocks per school, in precedence order.
    pub blocks: Vec<Vec<Block>>,
}

impl Instance {
    pub fn n_students(&self) -> usize {
        self.start.len() - 1
    }

    pub fn n_schools(&self) -> usize {
        self.blocks.len()
    }

    pub fn entries(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i] as usize..self.start[i + 1] as usize
    }

    pub fn cap(&self, s: usize) -> u64 {
        self.blocks[s].iter().map(|b| u64::from(b.seats)).sum()
    }

    /// True when the school is one open block, so "keep the best `cap`" is its choice rule.
    pub fn is_simple(&self, s: usize) -> bool {
        self.blocks[s].len() == 1 && self.blocks[s][0].tiers.is_none()
    }
}

pub fn tier_of(key: u64) -> u32 {
    (key >> 32) as u32
}

/// The school's choice from a candidate set (sorted by key in place): blocks are filled in
/// precedence order with the best eligible candidates; seats a block leaves empty flow on to
/// the next block. `avail[k]` are the seats block k has. Returns per candidate the block it
/// takes, or `None` if rejected.
pub fn choose(blocks: &[Block], avail: &[u32], cands: &mut [(u64, u32)]) -> Vec<Option<usize>> {
    cands.sort_unstable();
    let mut taken: Vec<Option<usize>> = vec![None; cands.len()];
    let mut carry = 0u64;
    for (k, b) in blocks.iter().enumerate() {
        let mut seats = u64::from(avail[k]) + carry;
        for (j, (key, _)) in cands.iter().enumerate() {
            if seats == 0 {
                break;
            }
            if taken[j].is_none() && b.admits(tier_of(*key)) {
                taken[j] = Some(k);
                seats -= 1;
            }
        }
        carry = seats;
    }
    taken
}

/// Runs the declared mechanism; returns the school index per student or [`UNASSIGNED`].
pub fn allocate(inst: &Instance, mechanism: Mechanism) -> Vec<u32> {
    match mechanism {
        Mechanism::Da => da::deferred_acceptance(inst),
        Mechanism::Ia => ia::immediate_acceptance(inst),
    }
}

/// Waitlist entries per school, each sorted by key: every (s, i) where i lists s above its
/// seat, or lists s at all when unassigned (LOT1 §4.5, vectors README "waitlists.csv").
pub fn waitlists(inst: &Instance, assigned: &[u32]) -> Vec<Vec<(u64, u32)>> {
    let mut out: Vec<Vec<(u64, u32)>> = vec![Vec::new(); inst.n_schools()];
    for (i, &a) in assigned.iter().enumerate() {
        for e in inst.entries(i) {
            let s = inst.school[e];
            if s == a {
                break;
            }
            out[s as usize].push((inst.key[e], i as u32));
        }
    }
    for w in &mut out {
        w.sort_unstable();
    }
    out
}
