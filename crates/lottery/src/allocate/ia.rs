//! Immediate acceptance ("first choice first", Boston): in round k every unassigned student
//! applies to its k-th choice and schools admit permanently, best key first, up to the seats
//! still free. With seat blocks, seats consumed through flow are charged to the nearest
//! earlier block with seats left (see docs/lottery-protocol.md).

use super::{Instance, UNASSIGNED, choose};

pub fn immediate_acceptance(inst: &Instance) -> Vec<u32> {
    let n = inst.n_students();
    let mut assigned = vec![UNASSIGNED; n];
    let mut remaining: Vec<Vec<u32>> = inst
        .blocks
        .iter()
        .map(|bl| bl.iter().map(|b| b.seats).collect())
        .collect();
    let max_len = (0..n).map(|i| inst.entries(i).len()).max().unwrap_or(0);
    let mut apps: Vec<Vec<(u64, u32)>> = vec![Vec::new(); inst.n_schools()];
    for k in 0..max_len {
        for (i, a) in assigned.iter().enumerate() {
            let r = inst.entries(i);
            if *a == UNASSIGNED && k < r.len() {
                let e = r.start + k;
                apps[inst.school[e] as usize].push((inst.key[e], i as u32));
            }
        }
        for (s, list) in apps.iter_mut().enumerate() {
            if list.is_empty() {
                continue;
            }
            let taken = choose(&inst.blocks[s], &remaining[s], list);
            for (j, &(_, st)) in list.iter().enumerate() {
                if let Some(b) = taken[j] {
                    assigned[st as usize] = s as u32;
                    charge(&mut remaining[s], b);
                }
            }
            list.clear();
        }
    }
    assigned
}

/// One seat used in block `b`: from its own seats if any, else from the nearest earlier block
/// whose unused seats flowed into it.
fn charge(rem: &mut [u32], b: usize) {
    for k in (0..=b).rev() {
        if rem[k] > 0 {
            rem[k] -= 1;
            return;
        }
    }
}
