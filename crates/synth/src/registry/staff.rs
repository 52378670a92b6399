//! Staff: the people working in each unit and their posts.

use super::county::{CountyState, Slot};
use super::{Gender, KeyArea};
use crate::names;
use chrono::{Datelike, Months, NaiveDate};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use std::ops::RangeInclusive;

/// No post starts after this day (the data are as of year end).
pub(super) fn latest_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Uniform date in `[a, b]`; `b` if the range is empty.
pub(super) fn date_between(rng: &mut ChaCha8Rng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    if a >= b {
        return b;
    }
    let (x, y) = (a.num_days_from_ce(), b.num_days_from_ce());
    NaiveDate::from_num_days_from_ce_opt(rng.random_range(x..=y)).unwrap_or(b)
}

pub(super) fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    let m = Months::new(12 * years.unsigned_abs());
    let r = if years >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    };
    r.unwrap_or(d)
}

/// Birth dates stay inside 1960–2002 so every ID is of working age.
pub(super) fn birth_in(rng: &mut ChaCha8Rng, years: RangeInclusive<i32>) -> NaiveDate {
    let lo = (*years.start()).max(1960);
    let hi = (*years.end()).min(2002);
    date_between(rng, ymd(lo, 1, 1), ymd(hi, 12, 31))
}

pub(super) fn clamp_birth(d: NaiveDate) -> Option<NaiveDate> {
    (ymd(1960, 1, 1)..=ymd(2002, 12, 31))
        .contains(&d)
        .then_some(d)
}

/// A start date in `[from, to]`, but never before age 22 or the firm's registration.
fn start_in(
    rng: &mut ChaCha8Rng,
    birth: NaiveDate,
    founded: Option<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
) -> NaiveDate {
    let adult = add_years(birth, 22);
    let from = from.max(adult).max(founded.unwrap_or(from));
    date_between(rng, from, to)
}

fn gender(rng: &mut ChaCha8Rng, male_share: f64) -> Gender {
    if rng.random_bool(male_share) {
        Gender::Male
    } else {
        Gender::Female
    }
}

pub(super) fn staff(st: &mut CountyState<'_>, rng: &mut ChaCha8Rng) {
    let latest = latest_start();
    for u in 0..st.out.units.len() {
        let shape = st.meta[u].role.shape();
        let founded = st.meta[u].founded;
        let division = st.out.units[u].division_code.clone();

        let hire = |st: &mut CountyState<'_>,
                    rng: &mut ChaCha8Rng,
                    slot: Slot,
                    title: &str,
                    key_area: Option<KeyArea>| {
            let (births, male_share, from) = match slot {
                Slot::Head => (1962..=1985, 0.8, ymd(2016, 1, 1)),
                Slot::Deputy => (1965..=1990, 0.65, ymd(2014, 1, 1)),
                // Key posts rotate: most holders started within the last six years.
                Slot::Key if rng.random_bool(0.85) => (1968..=1995, 0.55, ymd(2020, 1, 1)),
                Slot::Key => (1968..=1990, 0.55, ymd(2012, 1, 1)),
                Slot::Regular => (1963..=2002, 0.5, ymd(1985, 1, 1)),
            };
            let birth = birth_in(rng, births);
            let g = gender(rng, male_share);
            let name = names::person_name(rng, g == Gender::Male);
            let p = st.add_person(rng, name, birth, g, division.clone(), Some(u));
            let start = start_in(rng, birth, founded, from, latest);
            st.add_post(u, p, title, key_area, slot == Slot::Head, start, None);
            st.meta[u].staff.push((p, slot));
            if matches!(slot, Slot::Head | Slot::Key) {
                st.anchors.push(p);
            }
        };

        hire(st, rng, Slot::Head, shape.head, None);
        for i in 0..rng.random_range(shape.n_deputies.clone()) {
            let title = shape.deputies[i.min(shape.deputies.len() - 1)];
            hire(st, rng, Slot::Deputy, title, None);
        }
        let mut keys = shape.key.to_vec();
        keys.shuffle(rng);
        let n_key = rng.random_range(shape.n_key.clone()).min(keys.len());
        for (title, area) in &keys[..n_key] {
            hire(st, rng, Slot::Key, title, Some(*area));
        }
        for _ in 0..rng.random_range(shape.n_regular.clone()) {
            let title = shape.regular.choose(rng).copied().unwrap_or("职员");
            hire(st, rng, Slot::Regular, title, None);
        }
    }
    previous_posts(st, rng);
}

/// Some staff came from another unit of the county: an ended post there, the day before
/// (or some weeks before) the current one started. Heads' earlier posts are never heads, so
/// no unit ever has two heads at once.
fn previous_posts(st: &mut CountyState<'_>, rng: &mut ChaCha8Rng) {
    let n_units = st.out.units.len();
    let current = st.out.posts.len();
    for post in 0..current {
        if n_units < 2 || !rng.random_bool(0.08) {
            continue;
        }
        let p = &st.out.posts[post];
        let (start, person_id) = (p.start_date, p.person_id.clone());
        let person = serial_index(&person_id);
        let birth = st.births[person];
        let end = start - chrono::Duration::days(rng.random_range(1..=60));
        let from = add_years(birth, 22).max(ymd(1985, 1, 1));
        if from >= add_years(end, -1) {
            continue;
        }
        let before = date_between(rng, from, add_years(end, -1));
        let own_unit = serial_index(&st.out.posts[post].unit_id);
        let other = loop {
            let o = rng.random_range(0..n_units);
            if o != own_unit {
                break o;
            }
        };
        let shape = st.meta[other].role.shape();
        let (title, area) = match shape.key.choose(rng) {
            Some((t, a)) if rng.random_bool(0.2) => (*t, Some(*a)),
            _ => (shape.regular.choose(rng).copied().unwrap_or("职员"), None),
        };
        st.add_post(other, person, title, area, false, before, Some(end));
    }
}

/// Unit and person ids of a county are `<prefix><county>-<serial>` with serial = index + 1.
pub(super) fn serial_index(id: &str) -> usize {
    id.rsplit('-')
        .next()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(0, |n| n.saturating_sub(1))
}

/// Where relatives and family members may be employed: public-sector units.
pub(super) fn is_public_employer(st: &CountyState<'_>, u: usize) -> bool {
    use qinglian_core::UnitKind::{PrivateEnterprise, Village};
    !matches!(st.out.units[u].kind, PrivateEnterprise | Village)
}

/// Adds a regular post for `person` in unit `u`, starting after age 22.
pub(super) fn hire_regular(
    st: &mut CountyState<'_>,
    rng: &mut ChaCha8Rng,
    u: usize,
    person: usize,
) {
    let birth = st.births[person];
    let shape = st.meta[u].role.shape();
    let title = shape.regular.choose(rng).copied().unwrap_or("职员");
    let start = start_in(rng, birth, None, ymd(1985, 1, 1), latest_start());
    st.add_post(u, person, title, None, false, start, None);
    st.meta[u].staff.push((person, Slot::Regular));
}
