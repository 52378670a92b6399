//! Families and associates of heads and key-post holders, and people's roles in private firms.
//!
//! Nothing here links an official's family to a firm: such links are anomalies, planted (and
//! recorded in the ground truth) by the domain packs, not produced by chance.

use super::county::{CountyState, Slot};
use super::staff::{
    add_years, birth_in, clamp_birth, date_between, hire_regular, is_public_employer, latest_start,
    serial_index,
};
use super::titles::Role;
use super::{Gender, OrgRelation, OrgRole, PersonRelation, Relation};
use crate::names;
use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use std::ops::RangeInclusive;

fn opposite(g: Gender) -> Gender {
    match g {
        Gender::Male => Gender::Female,
        Gender::Female => Gender::Male,
    }
}

fn random_gender(rng: &mut ChaCha8Rng) -> Gender {
    if rng.random_bool(0.5) {
        Gender::Male
    } else {
        Gender::Female
    }
}

/// A birth date some `years` (± a year) from `birth`, if it falls in 1960–2002.
fn offset_birth(
    rng: &mut ChaCha8Rng,
    birth: NaiveDate,
    years: RangeInclusive<i32>,
) -> Option<NaiveDate> {
    let centre = add_years(birth, rng.random_range(years));
    clamp_birth(date_between(
        rng,
        add_years(centre, -1),
        add_years(centre, 1),
    ))
}

fn in_public_unit(st: &CountyState<'_>, p: usize) -> bool {
    st.out.people[p]
        .unit_id
        .as_deref()
        .is_some_and(|u| is_public_employer(st, serial_index(u)))
}

fn relate(st: &mut CountyState<'_>, a: usize, b: usize, relation: Relation) {
    st.out.person_relations.push(PersonRelation {
        person_id: st.out.people[a].person_id.clone(),
        related_person_id: st.out.people[b].person_id.clone(),
        relation,
    });
}

/// Adds a family member of `anchor`; a share of them work in a public unit of the county.
fn add_relative(
    st: &mut CountyState<'_>,
    rng: &mut ChaCha8Rng,
    anchor: usize,
    name: String,
    birth: NaiveDate,
    gender: Gender,
    employed_share: f64,
) -> usize {
    // Never in the anchor's own unit or one directly under it: that is the avoidance-rule
    // (任职回避) pattern, which only packs may plant.
    let anchor_unit = st.out.people[anchor].unit_id.clone();
    let employer = if rng.random_bool(employed_share) {
        let u = rng.random_range(0..st.out.units.len());
        let unit = &st.out.units[u];
        let near = anchor_unit.is_some()
            && (Some(&unit.unit_id) == anchor_unit.as_ref() || unit.parent_unit_id == anchor_unit);
        (is_public_employer(st, u) && !near).then_some(u)
    } else {
        None
    };
    let division = match employer {
        Some(u) => st.out.units[u].division_code.clone(),
        None => st.out.people[anchor].division_code.clone(),
    };
    let p = st.add_person(rng, name, birth, gender, division, employer);
    if let Some(u) = employer {
        hire_regular(st, rng, u, p);
    }
    p
}

pub(super) fn family(st: &mut CountyState<'_>, rng: &mut ChaCha8Rng) {
    let anchors = st.anchors.clone();
    let staff_count = st.out.people.len();
    for a in anchors {
        let birth = st.births[a];
        let gender = st.out.people[a].gender;
        let surname = names::surname_of(&st.out.people[a].name).to_owned();

        let mut spouse_surname = None;
        if rng.random_bool(0.75)
            && let Some(b) = offset_birth(rng, birth, -3..=3)
        {
            let g = opposite(gender);
            let s = names::surname(rng);
            let name = names::person_name_with_surname(rng, s, g == Gender::Male);
            let p = add_relative(st, rng, a, name, b, g, 0.25);
            relate(st, a, p, Relation::Spouse);
            spouse_surname = Some(s);
        }

        // Children take the father's surname.
        let child_surname = match gender {
            Gender::Male => surname.clone(),
            Gender::Female => {
                spouse_surname.map_or_else(|| names::surname(rng).to_owned(), str::to_owned)
            }
        };
        let n_children = [0, 0, 1, 1, 2].choose(rng).copied().unwrap_or(0);
        for _ in 0..n_children {
            if let Some(b) = offset_birth(rng, birth, 25..=33) {
                let g = random_gender(rng);
                let name = names::person_name_with_surname(rng, &child_surname, g == Gender::Male);
                let p = add_relative(st, rng, a, name, b, g, 0.15);
                relate(st, a, p, Relation::Child);
            }
        }

        if rng.random_bool(0.4)
            && let Some(b) = offset_birth(rng, birth, -32..=-24)
        {
            let g = random_gender(rng);
            let s = if g == Gender::Male {
                surname.clone()
            } else {
                names::surname(rng).to_owned()
            };
            let name = names::person_name_with_surname(rng, &s, g == Gender::Male);
            let p = add_relative(st, rng, a, name, b, g, 0.0);
            relate(st, a, p, Relation::Parent);
        }

        if rng.random_bool(0.1)
            && let Some(b) = offset_birth(rng, birth, -6..=6)
        {
            let g = random_gender(rng);
            let name = names::person_name_with_surname(rng, &surname, g == Gender::Male);
            let p = add_relative(st, rng, a, name, b, g, 0.2);
            relate(st, a, p, Relation::Sibling);
        }

        if rng.random_bool(0.05) {
            let g = random_gender(rng);
            let b = birth_in(rng, 1960..=2002);
            let name = names::person_name(rng, g == Gender::Male);
            let p = add_relative(st, rng, a, name, b, g, 0.2);
            relate(st, a, p, Relation::Relative);
        }

        // A close associate among the county's public-sector staff (not oneself). Firms stay
        // out of it: an official's associate running a firm is a pattern for packs to plant.
        if rng.random_bool(0.05) && in_public_unit(st, a) {
            let b = (0..20)
                .map(|_| rng.random_range(0..staff_count))
                .find(|&b| b != a && in_public_unit(st, b));
            if let Some(b) = b {
                relate(st, a, b, Relation::Associate);
            }
        }
    }
}

/// (person, role, share in hundredths of a percent, start, end) before it becomes a row.
type RoleRow = (
    usize,
    OrgRole,
    Option<u32>,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// Shareholders, legal representative, managers and employees of every private firm. Current
/// shares of a firm sum to exactly 100 %; some firms also list a former shareholder.
pub(super) fn org_relations(st: &mut CountyState<'_>, rng: &mut ChaCha8Rng) {
    // Start of each person's current post, to date their role in the firm.
    let mut current = vec![None; st.out.people.len()];
    for post in st.out.posts.iter().filter(|p| p.end_date.is_none()) {
        current[serial_index(&post.person_id)] = Some(post.start_date);
    }
    let start_of = |p: usize| current.get(p).copied().flatten();
    for u in 0..st.out.units.len() {
        if st.meta[u].role != Role::Private {
            continue;
        }
        let founded = st.meta[u].founded.unwrap_or_else(latest_start);
        let staff = st.meta[u].staff.clone();
        let mut rows: Vec<RoleRow> = Vec::new();

        // Shareholders: the chairman, and up to two more (a deputy or an outside investor).
        let head = staff[0].0;
        let mut holders = vec![(head, start_of(head))];
        let deputies: Vec<usize> = staff
            .iter()
            .filter(|s| s.1 == Slot::Deputy)
            .map(|s| s.0)
            .collect();
        for _ in 0..rng.random_range(0..=2) {
            let deputy = deputies
                .iter()
                .copied()
                .find(|d| holders.iter().all(|h| h.0 != *d));
            match deputy {
                Some(d) if rng.random_bool(0.5) => holders.push((d, start_of(d))),
                _ => {
                    let p = outside_investor(st, rng, u);
                    holders.push((p, Some(founded)));
                }
            }
        }
        for ((p, start), share) in holders.iter().zip(split_shares(rng, holders.len())) {
            rows.push((*p, OrgRole::Shareholder, Some(share), *start, None));
        }
        if rng.random_bool(0.1) {
            let earliest = add_years(founded, 1);
            if earliest < latest_start() {
                let p = outside_investor(st, rng, u);
                let end = date_between(rng, earliest, latest_start());
                let share = 100 * rng.random_range(5..=30);
                rows.push((
                    p,
                    OrgRole::Shareholder,
                    Some(share),
                    Some(founded),
                    Some(end),
                ));
            }
        }

        let legal = match deputies.first() {
            Some(d) if rng.random_bool(0.15) => *d,
            _ => head,
        };
        rows.push((
            legal,
            OrgRole::LegalRepresentative,
            None,
            start_of(legal),
            None,
        ));
        for &(p, slot) in &staff {
            let role = match slot {
                Slot::Head => continue,
                Slot::Deputy | Slot::Key => OrgRole::Manager,
                Slot::Regular => OrgRole::Employee,
            };
            rows.push((p, role, None, start_of(p), None));
        }

        let unit = &st.out.units[u];
        for (p, role, share_bp, start_date, end_date) in rows {
            st.out.org_relations.push(OrgRelation {
                person_id: st.out.people[p].person_id.clone(),
                org_name: unit.name.clone(),
                org_uscc: unit.uscc.clone(),
                unit_id: unit.unit_id.clone(),
                role,
                share_bp,
                start_date,
                end_date,
            });
        }
    }
}

/// A person outside the public sector who invested in firm `u`.
fn outside_investor(st: &mut CountyState<'_>, rng: &mut ChaCha8Rng, u: usize) -> usize {
    let g = if rng.random_bool(0.7) {
        Gender::Male
    } else {
        Gender::Female
    };
    let birth = birth_in(rng, 1960..=1990);
    let name = names::person_name(rng, g == Gender::Male);
    let division = st.out.units[u].division_code.clone();
    st.add_person(rng, name, birth, g, division, None)
}

/// Splits 100 % (10000 hundredths) into `n` whole-percent shares, the first the largest.
fn split_shares(rng: &mut ChaCha8Rng, n: usize) -> Vec<u32> {
    if n <= 1 {
        return vec![10_000];
    }
    let first = rng.random_range(51..=90u32);
    let mut left = 100 - first;
    let mut shares = vec![first * 100];
    for i in 1..n {
        let others_after = (n - 1 - i) as u32;
        let s = if others_after == 0 {
            left
        } else {
            rng.random_range(1..=left - others_after)
        };
        shares.push(s * 100);
        left -= s;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shares_sum_to_100() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for n in 1..=3 {
            for _ in 0..1000 {
                let s = split_shares(&mut rng, n);
                assert_eq!(s.len(), n);
                assert_eq!(s.iter().sum::<u32>(), 10_000);
                assert!(s.iter().all(|x| *x > 0));
            }
        }
    }
}
