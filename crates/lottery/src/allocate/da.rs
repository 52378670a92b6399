//! Student-proposing deferred acceptance. With the block choice rule (substitutable, law of
//! aggregate demand) the outcome is the student-optimal stable matching whatever the
//! proposal order, so a simple stack of free students is enough.

use std::collections::BinaryHeap;

use super::{Instance, UNASSIGNED, choose};

enum Held {
    /// One open block: a max-heap of (key, student); the worst held is on top.
    Heap(BinaryHeap<(u64, u32)>, usize),
    /// Seat blocks: the held set, re-chosen on every proposal.
    Blocks(Vec<(u64, u32)>),
}

pub fn deferred_acceptance(inst: &Instance) -> Vec<u32> {
    let n = inst.n_students();
    let mut held: Vec<Held> = (0..inst.n_schools())
        .map(|s| {
            if inst.is_simple(s) {
                let cap = usize::try_from(inst.cap(s)).unwrap_or(usize::MAX);
                Held::Heap(BinaryHeap::with_capacity(cap.min(n)), cap)
            } else {
                Held::Blocks(Vec::new())
            }
        })
        .collect();
    let mut next: Vec<u32> = inst.start[..n].to_vec();
    let mut assigned = vec![UNASSIGNED; n];
    let mut free: Vec<u32> = (0..n as u32).rev().collect();
    while let Some(i) = free.pop() {
        let end = inst.start[i as usize + 1];
        while next[i as usize] < end {
            let e = next[i as usize] as usize;
            next[i as usize] += 1;
            let s = inst.school[e] as usize;
            let key = inst.key[e];
            match &mut held[s] {
                Held::Heap(heap, cap) => {
                    if heap.len() < *cap {
                        heap.push((key, i));
                        assigned[i as usize] = s as u32;
                    } else if heap.peek().is_some_and(|top| key < top.0) {
                        if let Some((_, r)) = heap.pop() {
                            assigned[r as usize] = UNASSIGNED;
                            free.push(r);
                        }
                        heap.push((key, i));
                        assigned[i as usize] = s as u32;
                    } else {
                        continue;
                    }
                }
                Held::Blocks(list) => {
                    list.push((key, i));
                    let avail: Vec<u32> = inst.blocks[s].iter().map(|b| b.seats).collect();
                    let taken = choose(&inst.blocks[s], &avail, list);
                    let mut kept = Vec::with_capacity(list.len());
                    for (j, &(k, st)) in list.iter().enumerate() {
                        if taken[j].is_some() {
                            kept.push((k, st));
                            assigned[st as usize] = s as u32;
                        } else if st != i {
                            assigned[st as usize] = UNASSIGNED;
                            free.push(st);
                        }
                    }
                    let accepted = kept.iter().any(|&(_, st)| st == i);
                    *list = kept;
                    if !accepted {
                        continue;
                    }
                }
            }
            break;
        }
    }
    assigned
}
