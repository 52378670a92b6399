//! Smart law enforcement (智慧执法): each county's 综合行政执法局 gets squads (中队) named after
//! townships, officers who are registry people (sworn officers and auxiliaries), a year of duty
//! shifts, GPS tracks of the patrols along a street grid around each squad's base, inspections
//! made at the patrol's stops, incidents and cases with their event timeline at those stops,
//! body-camera files around every on-site step, penalties within the discretion benchmark,
//! publications, legal reviews, hearing notices, clock-stops, complaints, use of force and
//! discipline.
//!
//! The background keeps every LE rule of `/work/spec/le-semantics.md` and stays inside the peer
//! fences of the statistical ones (inspection rates and abnormal-closure shares are spread
//! evenly, never by chance in the tails). Each county then gets planted cases, near misses and
//! legitimate outliers on records of their own, recorded in the ground truth.

use super::{Truth, as_of, days, ymd};
use crate::names;
use crate::registry::{Gender, Person, Post, Registry, county_rng};
use crate::truth::Anomaly;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use qinglian_core::UnitKind;
use qinglian_core::division::Division;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap, HashSet};

mod cases;
mod conduct;
mod files;
pub mod model;
mod patrol;
mod plant;
mod roster;

pub(crate) use files::write;
pub use files::{
    AV, CALENDAR, CASES, CLOCK_STOPS, CODES_COLS, COMPLAINTS, DISCIPLINE, EVENTS, FORCE, GPS,
    HEARINGS, INSPECTIONS, OFFICERS, PENALTIES, PUBLICATIONS, REVIEWS, SHIFTS, SQUADS,
};
use model::*;

/// The random stream of this pack (registry 1–5, SOE leasing 20, village assets 21,
/// education 22).
const PHASE: u64 = 23;
/// Last day new cases start (and decisions are taken): later ones would still be inside their
/// publication window on the reference day.
fn case_cutoff() -> NaiveDate {
    ymd(2025, 12, 20)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Squad {
    pub squad_id: String,
    pub unit_id: String,
    pub name: String,
    pub division_code: String,
    pub longitude: f64,
    pub latitude: f64,
    pub commander: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Officer {
    pub officer_id: String,
    pub person_id: String,
    pub squad_id: String,
    pub unit_id: String,
    pub badge_no: Option<String>,
    pub sworn: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub shift_id: String,
    pub officer_id: String,
    pub kind: ShiftKind,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GpsPoint {
    /// Shared by all of an officer's fixes (the largest table of any pack).
    pub officer_id: std::sync::Arc<str>,
    pub recorded_at: NaiveDateTime,
    pub longitude: f64,
    pub latitude: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub inspection_id: String,
    pub officer_id: String,
    pub shift_id: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub place: String,
    pub longitude: f64,
    pub latitude: f64,
    pub result: InspectionResult,
    pub case_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub case_id: String,
    pub unit_id: String,
    pub squad_id: String,
    pub lead_officer_id: String,
    pub case_type: CaseType,
    pub procedure: Procedure,
    pub source: Source,
    pub party_id: Option<String>,
    pub party_kind: Option<PartyKind>,
    pub place: String,
    pub division_code: String,
    pub longitude: f64,
    pub latitude: f64,
    pub received_at: NaiveDateTime,
    pub registered_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
    pub needs_verification: bool,
    pub major_complex: bool,
    pub major_decision: bool,
    pub extension_approval_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub event_id: String,
    pub case_id: String,
    pub step: Step,
    pub occurred_at: NaiveDateTime,
    pub officer_id: String,
    pub co_officer_id: Option<String>,
    pub on_site: bool,
    pub place: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AvFile {
    pub file_id: String,
    pub officer_id: String,
    pub case_id: Option<String>,
    pub event_id: Option<String>,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
    pub is_evidence: bool,
    pub deleted_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Penalty {
    pub penalty_id: String,
    pub case_id: String,
    pub officer_id: String,
    pub violation_code: &'static str,
    pub band: Band,
    pub fine: i64,
    pub mitigation_ground: Option<&'static str>,
    pub on_the_spot: bool,
    pub decided_on: NaiveDate,
    pub voided_on: Option<NaiveDate>,
    pub reissue_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub penalty_id: String,
    pub published_on: NaiveDate,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegalReview {
    pub review_id: String,
    pub case_id: String,
    pub reviewed_on: NaiveDate,
    pub reviewer_person_id: Option<String>,
    pub conclusion: Conclusion,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HearingNotice {
    pub case_id: String,
    pub notified_on: NaiveDate,
    pub requested: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClockStop {
    pub case_id: String,
    pub kind: StopKind,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    pub complaint_id: String,
    pub officer_id: String,
    pub case_id: Option<String>,
    pub received_on: NaiveDate,
    pub category: Category,
    pub finding: Finding,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseOfForce {
    pub report_id: String,
    pub officer_id: String,
    pub case_id: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub level: ForceLevel,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discipline {
    pub finding_id: String,
    pub officer_id: String,
    pub complaint_id: Option<String>,
    pub recommended: Sanction,
    pub final_sanction: Option<Sanction>,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
}

/// A day of the working-day calendar: a statutory holiday or a make-up working day.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub workday: bool,
    pub name: &'static str,
}

/// 2025's statutory holidays and make-up working days (国务院办公厅关于2025年部分节假日安排的
/// 通知): name, first and last holiday (month, day), the weekend days worked instead.
type Holiday = (&'static str, (u32, u32), (u32, u32), &'static [(u32, u32)]);
const SCHEDULE_2025: &[Holiday] = &[
    ("元旦", (1, 1), (1, 1), &[]),
    ("春节", (1, 28), (2, 4), &[(1, 26), (2, 8)]),
    ("清明节", (4, 4), (4, 6), &[]),
    ("劳动节", (5, 1), (5, 5), &[(4, 27)]),
    ("端午节", (5, 31), (6, 2), &[]),
    ("国庆节、中秋节", (10, 1), (10, 8), &[(9, 28), (10, 11)]),
];

/// The calendar rows of 2025, by day.
pub fn calendar_2025() -> Vec<CalendarDay> {
    let mut out = Vec::new();
    for &(name, (m1, d1), (m2, d2), worked) in SCHEDULE_2025 {
        let (first, last) = (ymd(2025, m1, d1), ymd(2025, m2, d2));
        for day in first.iter_days().take_while(|d| *d <= last) {
            out.push(CalendarDay {
                day,
                workday: false,
                name,
            });
        }
        for &(m, d) in worked {
            out.push(CalendarDay {
                day: ymd(2025, m, d),
                workday: true,
                name,
            });
        }
    }
    out.sort_by_key(|c| c.day);
    out
}

/// Whether `d` is a working day: the 2025 calendar first, else Monday to Friday.
pub fn is_working_day(d: NaiveDate) -> bool {
    let md = (d.month(), d.day());
    if d.year() == 2025 {
        for &(_, first, last, worked) in SCHEDULE_2025 {
            if worked.contains(&md) {
                return true;
            }
            if first <= md && md <= last {
                return false;
            }
        }
    }
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Everything the pack writes.
#[derive(Debug, Clone, Default)]
pub struct Enforcement {
    pub squads: Vec<Squad>,
    pub officers: Vec<Officer>,
    pub shifts: Vec<Shift>,
    pub gps: Vec<GpsPoint>,
    pub inspections: Vec<Inspection>,
    pub cases: Vec<Case>,
    pub events: Vec<CaseEvent>,
    pub av: Vec<AvFile>,
    pub penalties: Vec<Penalty>,
    pub publications: Vec<Publication>,
    pub reviews: Vec<LegalReview>,
    pub hearings: Vec<HearingNotice>,
    pub clock_stops: Vec<ClockStop>,
    pub complaints: Vec<Complaint>,
    pub force: Vec<UseOfForce>,
    pub discipline: Vec<Discipline>,
    /// The working-day calendar (one for all counties).
    pub calendar: Vec<CalendarDay>,
}

impl Enforcement {
    fn append(&mut self, mut o: Enforcement) {
        self.squads.append(&mut o.squads);
        self.officers.append(&mut o.officers);
        self.shifts.append(&mut o.shifts);
        self.gps.append(&mut o.gps);
        self.inspections.append(&mut o.inspections);
        self.cases.append(&mut o.cases);
        self.events.append(&mut o.events);
        self.av.append(&mut o.av);
        self.penalties.append(&mut o.penalties);
        self.publications.append(&mut o.publications);
        self.reviews.append(&mut o.reviews);
        self.hearings.append(&mut o.hearings);
        self.clock_stops.append(&mut o.clock_stops);
        self.complaints.append(&mut o.complaints);
        self.force.append(&mut o.force);
        self.discipline.append(&mut o.discipline);
    }
}

/// Generates the pack for every county, in code order, and adds the officers to the registry's
/// people and posts (each county's new rows after its existing ones, ids continuing its own
/// sequence, so existing ids and every other pack's output stay as they were).
pub fn generate(
    reg: &mut Registry,
    counties: &[&Division],
    seed: u64,
    truth: &mut Vec<Anomaly>,
) -> Enforcement {
    let mut all = Enforcement::default();
    let (mut people, mut posts) = (Vec::new(), Vec::new());
    for c in counties {
        let Some(mut g) = County::new(reg, c, seed) else {
            continue;
        };
        g.run();
        all.append(std::mem::take(&mut g.out));
        truth.append(&mut g.truth.out);
        people.append(&mut g.new_people);
        posts.append(&mut g.new_posts);
    }
    if !all.squads.is_empty() {
        all.calendar = calendar_2025();
    }
    if !people.is_empty() {
        // Ids are zero-padded per county, so their text order is the registry's key order.
        reg.people.append(&mut people);
        reg.people.sort_by(|a, b| a.person_id.cmp(&b.person_id));
        reg.posts.append(&mut posts);
        reg.posts.sort_by(|a, b| a.post_id.cmp(&b.post_id));
    }
    all
}

/// Metres on the local plane around a base point, and back to WGS-84.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plane {
    lon: f64,
    lat: f64,
}

impl Plane {
    /// Metres per degree on the sphere the haversine distance uses, so local offsets and
    /// great-circle distances agree.
    const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

    fn lonlat(self, x: f64, y: f64) -> (f64, f64) {
        (
            self.lon + x / (Self::M_PER_DEG * self.lat.to_radians().cos()),
            self.lat + y / Self::M_PER_DEG,
        )
    }
}

/// Great-circle distance in metres (haversine, mean earth radius).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dla = la2 - la1;
    let dlo = (b.0 - a.0).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// The `n`-th working day strictly after `d` (Monday–Friday, as the 2025 calendar adjusts
/// them: the semantics of LE-R07 with the calendar imported).
pub fn working_day_after(d: NaiveDate, n: i64) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

pub(crate) fn at(d: NaiveDate, secs: i64) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight") + Duration::seconds(secs)
}

struct SquadCtx {
    id: String,
    town: String,
    town_name: String,
    plane: Plane,
    /// Street names of the grid: east–west roads by row, north–south roads by column.
    ew: Vec<String>,
    ns: Vec<String>,
    officers: Vec<usize>,
}

struct OfficerCtx {
    id: String,
    squad: usize,
    sworn: bool,
    start: NaiveDate,
    /// Rest-day offset in the weekly rotation.
    rota: i64,
    /// Inspections recorded per stop, spread evenly over the officers (see `patrol`).
    diligence: f64,
    insp_acc: f64,
    /// Share of non-incident cases ending abnormally (withdrawn, no penalty, …), spread evenly.
    abnormal: f64,
    abn_acc: f64,
    /// Non-incident cases led.
    led: usize,
    lead_cap: Option<usize>,
    leave: Option<(NaiveDate, NaiveDate)>,
    /// Months (1–12) in which the officer records no inspection (LE-S01 plants).
    idle_months: Vec<u32>,
    /// Share of fines set at exactly the code's minimum (LE-S06), spread evenly; `min_step`
    /// sets them one step above it instead (the near miss).
    at_min: f64,
    min_acc: f64,
    min_step: bool,
}

/// A stop of a patrol: the pair stays at one place from the fix at `t_in` to the fix at
/// `t_out`, so every on-site step there lies between two fixes at the place.
#[derive(Debug, Clone)]
struct Stop {
    squad: usize,
    day: NaiveDate,
    a: usize,
    b: usize,
    shift_a: usize,
    shift_b: usize,
    t_in: NaiveDateTime,
    t_out: NaiveDateTime,
    lon: f64,
    lat: f64,
    place: String,
    /// Reserved by a plant: the background leaves it alone.
    reserved: bool,
}

struct County<'r> {
    code: String,
    short: String,
    rng: ChaCha8Rng,
    unit_id: String,
    head: Option<String>,
    reviewer: Option<String>,
    reg: &'r Registry,
    squads: Vec<SquadCtx>,
    officers: Vec<OfficerCtx>,
    stops: Vec<Stop>,
    /// Patrol shifts (indices into `out.shifts`) by officer and day, and their GPS ranges.
    patrol_of: HashMap<(usize, NaiveDate), usize>,
    gps_of_shift: HashMap<usize, (usize, usize)>,
    /// Penalty cases per party (the background keeps every party below three).
    parties: HashMap<String, u32>,
    /// Officers and stops the plants use.
    sp: plant::Specials,
    out: Enforcement,
    serial: BTreeMap<&'static str, u32>,
    truth: Truth,
    new_people: Vec<Person>,
    new_posts: Vec<Post>,
    citizen_ids: HashSet<String>,
}

impl<'r> County<'r> {
    fn new(reg: &'r Registry, county: &Division, seed: u64) -> Option<Self> {
        let code = county.code.as_str().to_owned();
        let unit = reg.units.iter().find(|u| {
            u.kind == UnitKind::Organ
                && u.division_code == code
                && u.name.ends_with("综合行政执法局")
        })?;
        let mut head = None;
        let mut reviewer = None;
        for p in reg.posts.iter().filter(|p| p.unit_id == unit.unit_id) {
            if p.end_date.is_some() {
                continue;
            }
            if p.is_head {
                head.get_or_insert_with(|| p.person_id.clone());
            } else {
                reviewer.get_or_insert_with(|| p.person_id.clone());
            }
        }
        let prefix = format!("P{code}-");
        let citizen_ids = reg
            .people
            .iter()
            .filter(|p| p.person_id.starts_with(&prefix))
            .map(|p| p.citizen_id.clone())
            .collect();
        Some(County {
            truth: Truth::new("enforcement", &code),
            short: names::short_name(&county.name).to_owned(),
            rng: county_rng(seed, &code, PHASE),
            unit_id: unit.unit_id.clone(),
            reviewer: reviewer.or_else(|| head.clone()),
            head,
            code,
            reg,
            squads: Vec::new(),
            officers: Vec::new(),
            stops: Vec::new(),
            patrol_of: HashMap::new(),
            gps_of_shift: HashMap::new(),
            parties: HashMap::new(),
            sp: plant::Specials::default(),
            out: Enforcement::default(),
            serial: BTreeMap::new(),
            new_people: Vec::new(),
            new_posts: Vec::new(),
            citizen_ids,
        })
    }

    fn run(&mut self) {
        self.roster();
        if self.squads.is_empty() {
            return;
        }
        self.plan_plants();
        self.schedule();
        self.reserve_stops();
        self.cases();
        self.sp.background_penalties = self.out.penalties.len();
        self.plant();
        self.top_up_inspections();
        self.voids();
        self.s06_truth();
        self.conduct();
    }

    fn next(&mut self, kind: &'static str) -> u32 {
        let n = self.serial.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    fn id(&mut self, prefix: &'static str, width: usize) -> String {
        let n = self.next(prefix);
        format!("{prefix}{}-{n:0width$}", self.code)
    }

    fn oid(&self, o: usize) -> String {
        self.officers[o].id.clone()
    }

    /// Seconds in `lo..=hi`.
    fn secs(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::seconds(self.rng.random_range(lo..=hi))
    }

    /// A time of office hours on `d`.
    fn office(&mut self, d: NaiveDate) -> NaiveDateTime {
        let s = self.rng.random_range(9 * 3600..=16 * 3600 + 1800);
        at(d, s)
    }
}

/// Whether `d` is a Saturday or Sunday.
fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn year_days() -> impl Iterator<Item = NaiveDate> {
    let first = ymd(2025, 1, 1);
    (0..365).map(move |i| days(first, i))
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_as_the_semantics_file_counts() {
        // Decided Mon 2025-06-02: the 7th working day after is Wed 2025-06-11.
        assert_eq!(working_day_after(ymd(2025, 6, 2), 7), ymd(2025, 6, 11));
        // A Saturday counts as from the Friday before.
        assert_eq!(working_day_after(ymd(2025, 6, 7), 1), ymd(2025, 6, 9));
        assert_eq!(working_day_after(ymd(2025, 6, 6), 1), ymd(2025, 6, 9));
        // Around holidays: 国庆 10/1–10/8 off, Sat 10/11 worked; Sat 2/8 worked.
        assert_eq!(working_day_after(ymd(2025, 9, 30), 7), ymd(2025, 10, 16));
        assert_eq!(working_day_after(ymd(2025, 2, 6), 7), ymd(2025, 2, 14));
        assert_eq!(working_day_after(ymd(2025, 1, 24), 1), ymd(2025, 1, 26));
        let cal = calendar_2025();
        assert_eq!(
            cal.iter().filter(|c| !c.workday).count(),
            1 + 8 + 3 + 5 + 3 + 8
        );
        assert_eq!(cal.iter().filter(|c| c.workday).count(), 5);
    }

    #[test]
    fn distances() {
        let a = (120.13, 30.26);
        let p = Plane { lon: a.0, lat: a.1 };
        let b = p.lonlat(3000.0, 4000.0);
        let d = distance_m(a, b);
        assert!((d - 5000.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn bands_cover_the_dictionary() {
        for c in CODES {
            assert!(c.min < c.light_max && c.light_max < c.heavy_min && c.heavy_min < c.max);
            assert_eq!(band_of(c, c.min), Band::Light);
            assert_eq!(band_of(c, c.max), Band::Heavy);
        }
        let _ = (as_of(), Gender::Male);
    }
}
