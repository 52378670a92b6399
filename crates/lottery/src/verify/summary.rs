//! The replay base for the offers log and the printed summary (§4.7 steps 6–7).

use crate::allocate::UNASSIGNED;
use crate::draw::Draw;
use crate::hash::{Hash32, to_hex};

use super::report::Report;

pub(crate) fn summarise(rep: &mut Report, d: &Draw, hashes: &[(&str, Option<Hash32>)]) {
    let assigned = d.assigned.iter().filter(|a| **a != UNASSIGNED).count();
    let seats: u64 = d.params.schools.values().map(|s| u64::from(s.cap)).sum();
    rep.summary.push(format!(
        "申请人 {}，学位 {seats}，录取 {assigned}，未录取 {} / applicants {}, seats {seats}, placed {assigned}, unplaced {}",
        d.roster.len(), d.roster.len() - assigned, d.roster.len(), d.roster.len() - assigned
    ));
    rep.summary.push(format!("种子 / seed {}", to_hex(&d.seed)));
    for ((code, s), (filled, cut)) in d.params.schools.iter().zip(d.cutoffs()) {
        let c = cut.map_or("—".to_owned(), |(t, r)| format!("T{t} #{r}"));
        rep.summary.push(format!(
            "{code}: 学位 {} 录取 {filled} 末位 {c} / seats {} filled {filled} cut-off {c}",
            s.cap, s.cap
        ));
    }
    for (n, h) in hashes {
        if let Some(h) = h {
            rep.summary.push(format!("{}  {n}", to_hex(h)));
        }
    }
}
