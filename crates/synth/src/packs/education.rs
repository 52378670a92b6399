//! School enrolment (阳光招生): the yearly plans of every primary and junior secondary school of
//! a county for 2023–2025, the applications, the household and address registrations pupils
//! enrol on, admissions with their 学籍 status, lottery and priority lists, class assignments,
//! termly in-school records and transfers.
//!
//! The background follows every rule the ED indicators check (common windows, enrolment within
//! the approved area, no more than the plan, oversubscribed schools admitting only from their
//! priority lists and lottery winners, no tests, records for every registered pupil, one
//! household per catchment address, household registrations moved in long before enrolment,
//! transfers within the county's usual range, pupils whose parents hold key posts spread
//! evenly over classes), so that a hit on it is a false positive. Each county then gets planted
//! cases, near misses and legitimate outliers, recorded in the ground truth.

use super::{Index, Truth, as_of, days, ymd};
use crate::names;
use crate::registry::{Registry, Relation, county_rng};
use crate::truth::{Anomaly, AnomalyKind, Expect};
use crate::write::Cell;
use chrono::NaiveDate;
use qinglian_core::UnitKind;
use qinglian_core::division::{Division, Level};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

mod files;
mod plant;

pub use files::{
    ADMISSIONS, APPLICATIONS, CLASSES, LISTS, PLANS, RECORDS, REGISTRATIONS, TRANSFERS,
};
pub(crate) use files::{
    admission_cells, application_cells, class_cells, list_cells, plan_cells, record_cells,
    registration_cells, transfer_cells,
};

/// The random stream of this pack (the registry uses 1–5, SOE leasing 20, village assets 21).
const PHASE: u64 = 22;
/// Enrolment years generated.
const YEARS: [i32; 3] = [2023, 2024, 2025];
/// Terms of in-school records up to the reference day: name and first day.
const TERMS: [(&str, (i32, u32, u32)); 5] = [
    ("2023秋", (2023, 9, 1)),
    ("2024春", (2024, 2, 19)),
    ("2024秋", (2024, 9, 1)),
    ("2025春", (2025, 2, 17)),
    ("2025秋", (2025, 9, 1)),
];
/// Defaults of the ED-S indicators the background and the plants are built around.
const MIN_MARKED: usize = 8;
const MIN_PEERS: usize = 10;
const MIN_TRANSFERS: usize = 5;
const FENCE_K: f64 = 1.5;
const GRACE_DAYS: i64 = 60;
/// χ² critical values at α = 0.001 (ED-S04's default) for 1–15 degrees of freedom, as
/// statistical tables give them (R: `qchisq(0.999, df)`).
const CHI2_CRIT: [f64; 15] = [
    10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588, 31.264, 32.909,
    34.528, 36.123, 37.697,
];
/// A province-external county for household registrations of migrant children.
const OTHER_PROVINCE: &str = "340104";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    Primary,
    Junior,
}

impl Stage {
    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Primary => "小学",
            Stage::Junior => "初中",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Stage::Primary => "primary",
            Stage::Junior => "junior",
        }
    }
    pub fn entry_grade(self) -> i64 {
        match self {
            Stage::Primary => 1,
            Stage::Junior => 7,
        }
    }
    fn class_size(self) -> usize {
        match self {
            Stage::Primary => 40,
            Stage::Junior => 45,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Catchment,
    Lottery,
    Priority,
    Waitlist,
    Allocation,
}

impl Route {
    pub fn name_zh(self) -> &'static str {
        match self {
            Route::Catchment => "学区对口",
            Route::Lottery => "摇号录取",
            Route::Priority => "优先录取",
            Route::Waitlist => "递补录取",
            Route::Allocation => "教育局统筹",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Registered,
    HomeEducation,
    Withdrawn,
}

impl Status {
    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Registered => "在籍",
            Status::HomeEducation => "送教上门",
            Status::Withdrawn => "已放弃",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cross {
    Coordinated,
    Migrant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Hukou,
    Property,
    Rental,
}

impl Basis {
    pub fn name_zh(self) -> &'static str {
        match self {
            Basis::Hukou => "户籍",
            Basis::Property => "房产",
            Basis::Rental => "租赁",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    Winner,
    Priority,
    Waitlist,
}

impl ListType {
    pub fn name_zh(self) -> &'static str {
        match self {
            ListType::Winner => "摇号中签",
            ListType::Priority => "优先录取",
            ListType::Waitlist => "依序递补",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    Interview,
    WrittenTest,
    Disability,
}

impl Assessment {
    pub fn name_zh(self) -> &'static str {
        match self {
            Assessment::Interview => "面试",
            Assessment::WrittenTest => "笔试",
            Assessment::Disability => "残疾儿童入学评估",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    Transfer,
    Insertion,
    Borrowing,
}

impl TransferKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            TransferKind::Transfer => "转学",
            TransferKind::Insertion => "插班",
            TransferKind::Borrowing => "借读",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub plan_id: String,
    pub unit_id: String,
    pub year: i32,
    pub stage: Stage,
    pub private: bool,
    pub approved_area: String,
    pub seats: i64,
    pub reg_start: NaiveDate,
    pub reg_end: NaiveDate,
    pub offer_start: NaiveDate,
    pub approval_no: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub application_id: String,
    pub unit_id: String,
    pub year: i32,
    pub stage: Stage,
    pub pupil_id: String,
    pub apply_date: NaiveDate,
    pub assessment: Option<Assessment>,
    pub assessment_date: Option<NaiveDate>,
    /// Tenths of a point.
    pub score: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub registration_id: String,
    pub pupil_id: String,
    pub household_id: String,
    pub address_id: String,
    pub address: String,
    pub division_code: String,
    pub basis: Basis,
    pub since: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    pub admission_id: String,
    pub unit_id: String,
    pub year: i32,
    pub stage: Stage,
    pub pupil_id: String,
    pub route: Route,
    pub offer_date: NaiveDate,
    pub deposit_date: Option<NaiveDate>,
    pub status: Status,
    pub status_date: Option<NaiveDate>,
    pub hukou: String,
    pub residence: Option<String>,
    pub cross: Option<Cross>,
    pub registration_id: Option<String>,
    pub guardian: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    pub unit_id: String,
    pub year: i32,
    pub stage: Stage,
    pub pupil_id: String,
    pub list: ListType,
    pub lottery_id: Option<String>,
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassAssignment {
    pub unit_id: String,
    pub year: i32,
    pub grade: i64,
    pub class_name: String,
    pub pupil_id: String,
    pub assign_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PupilRecord {
    pub pupil_id: String,
    pub unit_id: String,
    pub term: &'static str,
    pub term_start: NaiveDate,
    pub attendance: i64,
    pub meals: i64,
    pub exams: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub transfer_id: String,
    pub pupil_id: String,
    pub from_unit_id: Option<String>,
    pub from_school: String,
    pub to_unit_id: String,
    pub school_year: i32,
    pub transfer_date: NaiveDate,
    pub grade: i64,
    pub kind: TransferKind,
    pub reason: &'static str,
}

/// Everything the pack writes.
#[derive(Debug, Clone, Default)]
pub struct Education {
    pub plans: Vec<Plan>,
    pub applications: Vec<Application>,
    pub registrations: Vec<Registration>,
    pub admissions: Vec<Admission>,
    pub lists: Vec<ListEntry>,
    pub classes: Vec<ClassAssignment>,
    pub records: Vec<PupilRecord>,
    pub transfers: Vec<Transfer>,
}

impl Education {
    fn append(&mut self, mut o: Education) {
        self.plans.append(&mut o.plans);
        self.applications.append(&mut o.applications);
        self.registrations.append(&mut o.registrations);
        self.admissions.append(&mut o.admissions);
        self.lists.append(&mut o.lists);
        self.classes.append(&mut o.classes);
        self.records.append(&mut o.records);
        self.transfers.append(&mut o.transfers);
    }
}

/// Registry facts about people the pack needs: key-post spans and spouses.
struct People<'r> {
    /// Posts that are key posts or a unit's head: (start, end).
    key_spans: HashMap<&'r str, Vec<(NaiveDate, Option<NaiveDate>)>>,
    /// Spouses, both directions.
    spouses: HashMap<&'r str, Vec<&'r str>>,
}

impl<'r> People<'r> {
    fn new(reg: &'r Registry, index: &Index<'r>) -> Self {
        let mut key_spans: HashMap<&str, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
        for p in reg
            .posts
            .iter()
            .filter(|p| p.key_area.is_some() || p.is_head)
        {
            key_spans
                .entry(p.person_id.as_str())
                .or_default()
                .push((p.start_date, p.end_date));
        }
        let mut spouses: HashMap<&str, Vec<&str>> = HashMap::new();
        for (&a, rels) in &index.relatives {
            for &(b, r) in rels {
                if r == Relation::Spouse {
                    spouses.entry(a).or_default().push(b);
                    spouses.entry(b).or_default().push(a);
                }
            }
        }
        People { key_spans, spouses }
    }

    fn holds_key(&self, person: &str, day: NaiveDate) -> bool {
        self.key_spans.get(person).is_some_and(|spans| {
            spans
                .iter()
                .any(|(s, e)| *s <= day && e.is_none_or(|e| e >= day))
        })
    }

    /// Whether a guardian or the guardian's spouse holds a key post on `day` (as ED-S04 reads it).
    fn marked(&self, person: &str, day: NaiveDate) -> bool {
        self.holds_key(person, day)
            || self
                .spouses
                .get(person)
                .is_some_and(|s| s.iter().any(|p| self.holds_key(p, day)))
    }
}

/// Generates the pack for every county, in code order.
pub fn generate(
    reg: &Registry,
    counties: &[&Division],
    seed: u64,
    truth: &mut Vec<Anomaly>,
) -> Education {
    let mut all = Education::default();
    let index = Index::new(reg);
    let people = People::new(reg, &index);
    for c in counties {
        let mut g = County::new(reg, &people, c, seed);
        if g.schools.is_empty() {
            continue;
        }
        g.background();
        g.plant();
        g.finish();
        all.append(g.out);
        truth.append(&mut g.truth.out);
    }
    all
}

struct School {
    unit_id: String,
    /// The school's township (9 digits) or county code.
    division: String,
    stage: Stage,
    private: bool,
    area: String,
    classes: usize,
}

/// One school's intake of one year.
struct Intake {
    school: usize,
    year: i32,
    plan: usize,
    over: bool,
    /// Admissions (indices into `out.admissions`).
    admitted: Vec<usize>,
    /// Applicants who lost the lottery (pupil, application index), in lottery order.
    losers: Vec<String>,
}

/// A planted class-assignment pattern: marked pupils per class, in class order.
struct ClassPlan {
    intake: usize,
    marked: Vec<usize>,
}

struct County<'r> {
    code: String,
    rng: ChaCha8Rng,
    people: &'r People<'r>,
    schools: Vec<School>,
    /// Townships and villages of the county.
    places: Vec<String>,
    /// A county of the same city and one of another city (or `None` when there is none).
    same_city: Option<String>,
    other_city: String,
    /// Registry people of the county with a key post, and those with none.
    key_people: Vec<&'r str>,
    other_people: Vec<&'r str>,
    used_guardians: HashSet<&'r str>,
    intakes: Vec<Intake>,
    /// Intakes a plant changed in number or list: left alone by other plants.
    busy: BTreeSet<usize>,
    /// Admissions a plant changed.
    touched: BTreeSet<usize>,
    app_of: HashMap<String, usize>,
    reg_of: HashMap<String, usize>,
    class_plans: Vec<ClassPlan>,
    /// Admissions whose pupil has no records, or records at another school.
    no_records: BTreeSet<usize>,
    records_at: BTreeMap<usize, String>,
    /// Admissions transferred out: (admission, to school).
    transferred: Vec<(usize, usize)>,
    /// ED-S03 plants of 2025: (school, role).
    transfer_plants: Vec<(usize, TransferRole)>,
    out: Education,
    serial: BTreeMap<&'static str, u32>,
    truth: Truth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransferRole {
    Fire,
    Near,
    Undersubscribed,
}

/// Quantile as `peer_q1`/`peer_q3` compute it (linear interpolation, Excel `QUARTILE.INC`).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The Tukey upper fence of rates as ED-S03 computes it; `None` for a flat group.
fn upper_fence(rates: &[f64]) -> Option<f64> {
    let mut v = rates.to_vec();
    v.sort_by(f64::total_cmp);
    let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
    let iqr = q3 - q1;
    (iqr > 0.0).then_some(q3 + FENCE_K * iqr)
}

/// The χ² statistic of marked pupils over classes (sizes `n`, marked `x`), as ED-S04 sums it.
fn chi2(n: &[usize], x: &[usize]) -> f64 {
    let pupils: usize = n.iter().sum();
    let marked: usize = x.iter().sum();
    let share = marked as f64 / pupils as f64;
    n.iter()
        .zip(x)
        .map(|(n, x)| {
            let expected = *n as f64 * marked as f64 / pupils as f64;
            (*x as f64 - expected) * (*x as f64 - expected) / (expected * (1.0 - share))
        })
        .sum()
}

/// Class sizes for `n` pupils in `k` classes, as even as possible.
fn class_sizes(n: usize, k: usize) -> Vec<usize> {
    (0..k).map(|c| n / k + usize::from(c < n % k)).collect()
}

/// `m` marked pupils in the first class and the rest spread round-robin over the others.
fn concentrated(sizes: &[usize], total: usize, m: usize) -> Vec<usize> {
    let mut x = vec![0; sizes.len()];
    x[0] = m;
    let mut c = 1;
    for _ in m..total {
        while x[c] >= sizes[c] {
            c = if c + 1 < sizes.len() { c + 1 } else { 1 };
        }
        x[c] += 1;
        c = if c + 1 < sizes.len() { c + 1 } else { 1 };
    }
    x
}

impl<'r> County<'r> {
    fn new(reg: &'r Registry, people: &'r People<'r>, county: &Division, seed: u64) -> Self {
        let code = county.code.as_str().to_owned();
        let mut rng = county_rng(seed, &code, PHASE);
        let mut schools = Vec::new();
        for u in reg
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::School && u.division_code.starts_with(&code))
        {
            let stage = if u.name.ends_with("小学") {
                Stage::Primary
            } else if u.name.ends_with("初级中学") {
                Stage::Junior
            } else {
                continue;
            };
            let classes = match stage {
                Stage::Primary => rng.random_range(2..=5),
                Stage::Junior => rng.random_range(3..=6),
            };
            schools.push(School {
                unit_id: u.unit_id.clone(),
                division: u.division_code.clone(),
                stage,
                private: false,
                area: code.clone(),
                classes,
            });
        }
        // One junior school is private and approved by the city (it may enrol city-wide), one
        // primary school private and approved by the county.
        let city_area = format!("{}00", &code[..4]);
        if let Some(s) = schools.iter_mut().find(|s| s.stage == Stage::Junior) {
            s.private = true;
            s.area = city_area;
        }
        if let Some(s) = schools.iter_mut().find(|s| s.stage == Stage::Primary) {
            s.private = true;
        }
        let places: Vec<String> = reg
            .divisions
            .iter()
            .filter(|d| d.code.starts_with(&code))
            .map(|d| d.code.clone())
            .collect();
        let counties: Vec<&Division> = qinglian_core::division::builtin()
            .iter()
            .filter(|d| d.level == Level::County && d.code.as_str()[..2] == code[..2])
            .collect();
        let same_city = counties
            .iter()
            .find(|d| d.code.as_str()[..4] == code[..4] && d.code.as_str() != code)
            .map(|d| d.code.as_str().to_owned());
        let other_city = counties
            .iter()
            .find(|d| d.code.as_str()[..4] != code[..4])
            .map_or_else(|| "330282".to_owned(), |d| d.code.as_str().to_owned());
        let prefix = format!("P{code}-");
        let mut key_people = Vec::new();
        let mut other_people = Vec::new();
        for p in reg
            .people
            .iter()
            .filter(|p| p.person_id.starts_with(&prefix))
        {
            let id = p.person_id.as_str();
            // "Key" if they ever held a key post: never used as an unmarked guardian.
            let ever_key = people.key_spans.contains_key(id)
                || people
                    .spouses
                    .get(id)
                    .is_some_and(|s| s.iter().any(|q| people.key_spans.contains_key(q)));
            if people.key_spans.contains_key(id) {
                key_people.push(id);
            } else if !ever_key {
                other_people.push(id);
            }
        }
        County {
            truth: Truth::new("education", &code),
            code,
            rng,
            people,
            schools,
            places,
            same_city,
            other_city,
            key_people,
            other_people,
            used_guardians: HashSet::new(),
            intakes: Vec::new(),
            busy: BTreeSet::new(),
            touched: BTreeSet::new(),
            app_of: HashMap::new(),
            reg_of: HashMap::new(),
            class_plans: Vec::new(),
            no_records: BTreeSet::new(),
            records_at: BTreeMap::new(),
            transferred: Vec::new(),
            transfer_plants: Vec::new(),
            out: Education::default(),
            serial: BTreeMap::new(),
        }
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

    fn place_near(&mut self, school: usize) -> String {
        let town = self.schools[school].division.clone();
        let near: Vec<&String> = self
            .places
            .iter()
            .filter(|p| p.starts_with(&town))
            .collect();
        let pool = if near.is_empty() || self.schools[school].private {
            self.places.iter().collect()
        } else {
            near
        };
        if pool.is_empty() {
            return self.code.clone();
        }
        pool[self.rng.random_range(0..pool.len())].clone()
    }

    fn plan(&mut self, s: usize, year: i32) -> usize {
        let school = &self.schools[s];
        let seats = (school.classes * school.stage.class_size()) as i64;
        let (unit, stage, private, area) = (
            school.unit_id.clone(),
            school.stage,
            school.private,
            school.area.clone(),
        );
        let n = self.next("plan");
        self.out.plans.push(Plan {
            plan_id: format!("ZS{}-{year}-{n:03}", self.code),
            unit_id: unit,
            year,
            stage,
            private,
            approved_area: area,
            seats,
            reg_start: ymd(year, 5, 20),
            reg_end: ymd(year, 6, 10),
            offer_start: ymd(year, 7, 1),
            approval_no: format!("教基〔{year}〕{}号", 10 + n % 50),
        });
        self.out.plans.len() - 1
    }

    fn application(&mut self, s: usize, year: i32, pupil: &str) -> usize {
        let id = self.id("BM", 7);
        let day = self.rng.random_range(0..=21);
        let school = &self.schools[s];
        self.out.applications.push(Application {
            application_id: id,
            unit_id: school.unit_id.clone(),
            year,
            stage: school.stage,
            pupil_id: pupil.to_owned(),
            apply_date: days(ymd(year, 5, 20), day),
            assessment: None,
            assessment_date: None,
            score: None,
        });
        self.app_of
            .insert(pupil.to_owned(), self.out.applications.len() - 1);
        self.out.applications.len() - 1
    }

    /// A household registration long before enrolment (at least 14 months).
    fn registration(&mut self, pupil: &str, division: &str, year: i32) -> String {
        let id = self.id("RH", 7);
        let household = self.id("HU", 7);
        let address_id = self.id("DZ", 7);
        let address = format!(
            "{}{}幢{}室",
            names::road_address(&mut self.rng),
            self.rng.random_range(1..=30),
            self.rng.random_range(101..=1802)
        );
        let basis = match self.rng.random_range(0..20) {
            0..16 => Basis::Hukou,
            16..19 => Basis::Property,
            _ => Basis::Rental,
        };
        let span = (ymd(year - 1, 3, 1) - ymd(2008, 1, 1)).num_days();
        let since = days(ymd(2008, 1, 1), self.rng.random_range(0..=span));
        self.out.registrations.push(Registration {
            registration_id: id.clone(),
            pupil_id: pupil.to_owned(),
            household_id: household,
            address_id,
            address,
            division_code: division.to_owned(),
            basis,
            since,
        });
        self.reg_of
            .insert(pupil.to_owned(), self.out.registrations.len() - 1);
        id
    }

    fn admission(&mut self, s: usize, year: i32, pupil: &str, route: Route) -> usize {
        let id = self.id("LQ", 7);
        let hukou = self.place_near(s);
        let school = &self.schools[s];
        let (unit, stage, private) = (school.unit_id.clone(), school.stage, school.private);
        let late = if route == Route::Allocation { 10 } else { 0 };
        let offer = days(ymd(year, 7, 1), late + self.rng.random_range(0..=10));
        let deposit = private.then(|| days(offer, self.rng.random_range(0..=5)));
        let status_date = days(ymd(year, 9, 1), self.rng.random_range(0..=10));
        let registration = (!private).then(|| self.registration(pupil, &hukou, year));
        self.out.admissions.push(Admission {
            admission_id: id,
            unit_id: unit,
            year,
            stage,
            pupil_id: pupil.to_owned(),
            route,
            offer_date: offer,
            deposit_date: deposit,
            status: Status::Registered,
            status_date: Some(status_date),
            residence: Some(hukou.clone()),
            hukou,
            cross: None,
            registration_id: registration,
            guardian: None,
        });
        self.out.admissions.len() - 1
    }

    fn list(&mut self, s: usize, year: i32, pupil: &str, list: ListType, seq: i64) {
        let school = &self.schools[s];
        let lottery_id =
            (list != ListType::Priority).then(|| format!("YH{}-{year}-{s:03}", self.code));
        self.out.lists.push(ListEntry {
            unit_id: school.unit_id.clone(),
            year,
            stage: school.stage,
            pupil_id: pupil.to_owned(),
            list,
            lottery_id,
            seq,
        });
    }

    /// One school's intake of one year: plan, applications, priority list and lottery when
    /// oversubscribed, admissions.
    fn intake(&mut self, s: usize, year: i32) {
        let plan = self.plan(s, year);
        let seats = self.out.plans[plan].seats as usize;
        let private = self.schools[s].private;
        let over = private || self.rng.random_bool(0.35);
        let applicants = if over {
            seats * self.rng.random_range(110..=160) / 100
        } else {
            seats * self.rng.random_range(75..=98) / 100
        };
        let mut pupils = Vec::with_capacity(applicants);
        for _ in 0..applicants {
            let pupil = self.id("XS", 7);
            self.application(s, year, &pupil);
            pupils.push(pupil);
        }
        let mut admitted = Vec::new();
        let mut losers = Vec::new();
        if over {
            pupils.shuffle(&mut self.rng);
            let priority = if private {
                seats * self.rng.random_range(0..=10) / 100
            } else {
                seats * self.rng.random_range(30..=50) / 100
            };
            for (i, p) in pupils.iter().enumerate() {
                if i < priority {
                    self.list(s, year, p, ListType::Priority, i as i64 + 1);
                    admitted.push(self.admission(s, year, p, Route::Priority));
                } else if i < seats {
                    self.list(s, year, p, ListType::Winner, (i - priority) as i64 + 1);
                    admitted.push(self.admission(s, year, p, Route::Lottery));
                } else {
                    losers.push(p.clone());
                }
            }
        } else {
            for p in &pupils {
                admitted.push(self.admission(s, year, p, Route::Catchment));
            }
        }
        self.intakes.push(Intake {
            school: s,
            year,
            plan,
            over,
            admitted,
            losers,
        });
    }

    fn seats(&self, i: usize) -> usize {
        self.out.plans[self.intakes[i].plan].seats as usize
    }

    /// Admitted and not withdrawn.
    fn active(&self, i: usize) -> usize {
        self.intakes[i]
            .admitted
            .iter()
            .filter(|a| self.out.admissions[**a].status != Status::Withdrawn)
            .count()
    }

    fn background(&mut self) {
        for year in YEARS {
            for s in 0..self.schools.len() {
                self.intake(s, year);
            }
            // Lottery losers are placed by the education bureau in spare seats of schools of
            // the same stage; those left over go to schools outside the data.
            for stage in [Stage::Primary, Stage::Junior] {
                let ids: Vec<usize> = (0..self.intakes.len())
                    .filter(|i| {
                        self.intakes[*i].year == year
                            && self.schools[self.intakes[*i].school].stage == stage
                    })
                    .collect();
                let mut waiting: Vec<String> = ids
                    .iter()
                    .flat_map(|i| self.intakes[*i].losers.clone())
                    .collect();
                waiting.reverse();
                for i in ids {
                    if self.intakes[i].over || self.schools[self.intakes[i].school].private {
                        continue;
                    }
                    while self.active(i) < self.seats(i) {
                        let Some(p) = waiting.pop() else { break };
                        let s = self.intakes[i].school;
                        let a = self.admission(s, year, &p, Route::Allocation);
                        self.intakes[i].admitted.push(a);
                    }
                }
            }
        }
    }

    /// Guardians: most are not in the registry; some are registry people, a few of them in key
    /// posts (or married to someone in one). Never the same person twice.
    fn guardians(&mut self) {
        for i in 0..self.intakes.len() {
            let year = self.intakes[i].year;
            let day = ymd(year, 8, 25);
            for a in self.intakes[i].admitted.clone() {
                let r = self.rng.random_range(0..100);
                let person = if r < 4 {
                    self.free_key_person(day)
                } else if r < 7 {
                    self.free_other_person()
                } else {
                    None
                };
                self.out.admissions[a].guardian = Some(match person {
                    Some(p) => p.to_owned(),
                    None => self.id("JHR", 7),
                });
            }
        }
    }

    fn free_key_person(&mut self, day: NaiveDate) -> Option<&'r str> {
        let n = self.key_people.len();
        if n == 0 {
            return None;
        }
        let start = self.rng.random_range(0..n);
        let found = (0..n)
            .map(|k| self.key_people[(start + k) % n])
            .find(|p| !self.used_guardians.contains(p) && self.people.holds_key(p, day));
        if let Some(p) = found {
            self.used_guardians.insert(p);
        }
        found
    }

    fn free_other_person(&mut self) -> Option<&'r str> {
        let n = self.other_people.len();
        if n == 0 {
            return None;
        }
        let start = self.rng.random_range(0..n);
        let found = (0..n)
            .map(|k| self.other_people[(start + k) % n])
            .find(|p| !self.used_guardians.contains(p));
        if let Some(p) = found {
            self.used_guardians.insert(p);
        }
        found
    }

    fn is_marked(&self, a: usize) -> bool {
        let adm = &self.out.admissions[a];
        adm.guardian
            .as_deref()
            .is_some_and(|g| self.people.marked(g, ymd(adm.year, 8, 25)))
    }

    /// Class assignments, records and transfers, after every plant.
    fn finish(&mut self) {
        self.assign_classes();
        self.write_records();
        self.write_transfers();
    }

    fn assign_classes(&mut self) {
        for i in 0..self.intakes.len() {
            let s = self.intakes[i].school;
            let (unit, stage, k) = (
                self.schools[s].unit_id.clone(),
                self.schools[s].stage,
                self.schools[s].classes,
            );
            let year = self.intakes[i].year;
            let pupils: Vec<usize> = self.intakes[i]
                .admitted
                .iter()
                .copied()
                .filter(|a| self.out.admissions[*a].status != Status::Withdrawn)
                .collect();
            let sizes = class_sizes(pupils.len(), k);
            let (marked, unmarked): (Vec<usize>, Vec<usize>) =
                pupils.iter().partition(|a| self.is_marked(**a));
            let want = match self.class_plans.iter().find(|p| p.intake == i) {
                Some(p) => p.marked.clone(),
                None => {
                    // Round robin from a random class: as even as assignment can be.
                    let mut x = vec![0; k];
                    let start = self.rng.random_range(0..k);
                    for n in 0..marked.len() {
                        x[(start + n) % k] += 1;
                    }
                    x
                }
            };
            let mut class_of = Vec::new();
            let mut next_marked = marked.iter();
            let mut free: Vec<usize> = sizes.clone();
            for (c, count) in want.iter().enumerate() {
                for _ in 0..*count {
                    if let Some(a) = next_marked.next() {
                        class_of.push((*a, c));
                        free[c] -= 1;
                    }
                }
            }
            let mut c = 0;
            for a in unmarked {
                while free[c] == 0 {
                    c += 1;
                }
                class_of.push((a, c));
                free[c] -= 1;
            }
            class_of.sort_by_key(|(a, _)| *a);
            for (a, c) in class_of {
                self.out.classes.push(ClassAssignment {
                    unit_id: unit.clone(),
                    year,
                    grade: stage.entry_grade(),
                    class_name: format!("{}班", c + 1),
                    pupil_id: self.out.admissions[a].pupil_id.clone(),
                    assign_date: ymd(year, 8, 25),
                });
            }
        }
    }

    fn record(&mut self, pupil: &str, unit: &str, term: usize) {
        let (name, (y, m, d)) = TERMS[term];
        let current = term == TERMS.len() - 1;
        let attendance = if current {
            self.rng.random_range(70..=80)
        } else {
            self.rng.random_range(85..=95)
        };
        let meals = attendance - self.rng.random_range(0..=5);
        let exams = self.rng.random_range(1..=3);
        self.out.records.push(PupilRecord {
            pupil_id: pupil.to_owned(),
            unit_id: unit.to_owned(),
            term: name,
            term_start: ymd(y, m, d),
            attendance,
            meals,
            exams,
        });
    }

    fn write_records(&mut self) {
        let moved: HashMap<usize, usize> = self.transferred.iter().copied().collect();
        for a in 0..self.out.admissions.len() {
            let adm = &self.out.admissions[a];
            if adm.status != Status::Registered || self.no_records.contains(&a) {
                continue;
            }
            let (pupil, unit, year) = (adm.pupil_id.clone(), adm.unit_id.clone(), adm.year);
            let unit = self.records_at.get(&a).cloned().unwrap_or(unit);
            for (t, (_, (y, m, d))) in TERMS.iter().copied().enumerate() {
                if ymd(y, m, d) < ymd(year, 9, 1) {
                    continue;
                }
                // A pupil transferred out attends the new school from autumn 2025.
                let here = match moved.get(&a) {
                    Some(to) if ymd(y, m, d) >= ymd(2025, 9, 1) => {
                        self.schools[*to].unit_id.clone()
                    }
                    _ => unit.clone(),
                };
                self.record(&pupil, &here, t);
            }
        }
    }

    /// Transfers into a school in a school year; `(school, year)` → count.
    fn transfer_counts(&mut self) -> BTreeMap<(usize, i32), usize> {
        let mut counts = BTreeMap::new();
        for i in 0..self.intakes.len() {
            let max = (self.seats(i) * 4 / 100).max(1);
            let key = (self.intakes[i].school, self.intakes[i].year);
            counts.insert(key, self.rng.random_range(0..=max));
        }
        counts
    }

    /// Each (school, year)'s rate, seats and whether it is oversubscribed, for one year.
    fn transfer_group(
        &self,
        year: i32,
        counts: &BTreeMap<(usize, i32), usize>,
    ) -> Vec<(usize, usize, usize, bool)> {
        let applicants: HashMap<&str, BTreeSet<&str>> = self
            .out
            .applications
            .iter()
            .filter(|a| a.year == year)
            .fold(HashMap::new(), |mut m, a| {
                m.entry(a.unit_id.as_str())
                    .or_default()
                    .insert(a.pupil_id.as_str());
                m
            });
        (0..self.intakes.len())
            .filter(|i| self.intakes[*i].year == year)
            .map(|i| {
                let s = self.intakes[i].school;
                let seats = self.seats(i);
                let apps = applicants
                    .get(self.schools[s].unit_id.as_str())
                    .map_or(0, BTreeSet::len);
                let fixed = self
                    .transferred
                    .iter()
                    .filter(|(_, to)| *to == s && year == 2025)
                    .count();
                (s, seats, counts[&(s, year)] + fixed, apps > seats)
            })
            .collect()
    }

    fn fence_of(group: &[(usize, usize, usize, bool)]) -> Option<f64> {
        let rates: Vec<f64> = group
            .iter()
            .map(|(_, seats, t, _)| *t as f64 / *seats as f64)
            .collect();
        upper_fence(&rates)
    }

    fn write_transfers(&mut self) {
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let mut counts = self.transfer_counts();
        let planted: BTreeMap<usize, TransferRole> = self.transfer_plants.iter().copied().collect();
        // Planted schools start as the group's top values so the quartiles do not depend on
        // them; then no background school may sit above the fence (it would be an unlabelled
        // hit), and finally the planted counts are set around the fence.
        for (s, _) in &self.transfer_plants {
            let i = self.intake_of(*s, 2025);
            counts.insert((*s, 2025), self.seats(i));
        }
        for year in YEARS {
            let skip = if year == 2025 {
                planted.clone()
            } else {
                BTreeMap::new()
            };
            self.clamp(year, &mut counts, &skip);
        }
        let mut settled = planted.is_empty();
        for _ in 0..10 {
            if planted.is_empty() {
                break;
            }
            let group = self.transfer_group(2025, &counts);
            let Some(fence) = Self::fence_of(&group) else {
                break;
            };
            for (s, role) in &planted {
                let seats = self.seats(self.intake_of(*s, 2025));
                let fixed =
                    group.iter().find(|g| g.0 == *s).map_or(0, |g| g.2) - counts[&(*s, 2025)];
                // The largest count whose rate is still on the fence or below it.
                let mut near = (fence * seats as f64).floor() as usize;
                while near > 0 && near as f64 / seats as f64 > fence {
                    near -= 1;
                }
                let total = match role {
                    TransferRole::Near => near,
                    TransferRole::Fire | TransferRole::Undersubscribed => {
                        (2 * (near + 1)).max(MIN_TRANSFERS + 3)
                    }
                };
                counts.insert((*s, 2025), total.saturating_sub(fixed));
            }
            let group = self.transfer_group(2025, &counts);
            let check = Self::fence_of(&group);
            settled = check.is_some_and(|fence| {
                group.iter().all(|(s, seats, t, over)| {
                    let rate = *t as f64 / *seats as f64;
                    match planted.get(s) {
                        Some(TransferRole::Fire) => *over && *t >= MIN_TRANSFERS && rate > fence,
                        Some(TransferRole::Near) => *over && *t >= MIN_TRANSFERS && rate <= fence,
                        Some(TransferRole::Undersubscribed) => !*over && rate > fence,
                        None => !(*over && *t >= MIN_TRANSFERS && rate > fence),
                    }
                })
            });
            if settled {
                break;
            }
        }
        if !settled {
            // No clean pattern around this county's fence: plant nothing rather than leave an
            // unlabelled hit.
            for s in planted.keys() {
                counts.insert((*s, 2025), 0);
            }
            self.clamp(2025, &mut counts, &BTreeMap::new());
        }
        for ((s, year), n) in &counts {
            for _ in 0..*n {
                self.transfer(*s, *year, None);
            }
        }
        for (a, to) in self.transferred.clone() {
            self.transfer(to, 2025, Some(a));
        }
        if !settled {
            return;
        }
        for (s, role) in self.transfer_plants.clone() {
            let unit = self.schools[s].unit_id.clone();
            let (expect, kind, zh, en) = match role {
                TransferRole::Fire => (
                    Fire,
                    Planted,
                    "学位紧张的学校入学后大量转入、插班、借读",
                    "an oversubscribed school taking many transfers after enrolment",
                ),
                TransferRole::Near => (
                    NoFire,
                    NearThreshold,
                    "转入人数正好不超过上围栏",
                    "transfers just within the upper fence",
                ),
                TransferRole::Undersubscribed => (
                    NoFire,
                    NaturalOutlier,
                    "转入多，但学校学位不紧张（新建小区）",
                    "many transfers into a school that is not oversubscribed (a new estate)",
                ),
            };
            self.mark(
                "transfers",
                "school_transfers",
                &[("school_year", "2025"), ("unit_id", &unit)],
                "ED-S03",
                expect,
                kind,
                zh,
                en,
            );
        }
    }

    /// Lowers background counts until no school of `year` outside `skip` would fire ED-S03.
    fn clamp(
        &self,
        year: i32,
        counts: &mut BTreeMap<(usize, i32), usize>,
        skip: &BTreeMap<usize, TransferRole>,
    ) {
        loop {
            let group = self.transfer_group(year, counts);
            if group.len() < MIN_PEERS {
                return;
            }
            let Some(fence) = Self::fence_of(&group) else {
                return;
            };
            let above = group.iter().find(|(s, seats, t, over)| {
                !skip.contains_key(s)
                    && *over
                    && *t >= MIN_TRANSFERS
                    && *t as f64 / *seats as f64 > fence
            });
            let Some((s, _, _, _)) = above else {
                return;
            };
            let c = counts.get_mut(&(*s, year)).expect("every school counted");
            if *c == 0 {
                // Only fixed transfers left: nothing more to lower.
                return;
            }
            *c -= 1;
        }
    }

    fn intake_of(&self, s: usize, year: i32) -> usize {
        (0..self.intakes.len())
            .find(|i| self.intakes[*i].school == s && self.intakes[*i].year == year)
            .expect("every school has an intake every year")
    }

    /// One transfer into school `s`: a pupil from outside the data, or admission `from`
    /// moving from its school.
    fn transfer(&mut self, s: usize, year: i32, from: Option<usize>) {
        let id = self.id("ZX", 6);
        let stage = self.schools[s].stage;
        let (pupil, from_unit, from_school, grade, date, kind, reason) = match from {
            Some(a) => {
                let adm = &self.out.admissions[a];
                (
                    adm.pupil_id.clone(),
                    Some(adm.unit_id.clone()),
                    "本区学校".to_owned(),
                    stage.entry_grade() + 1,
                    ymd(2025, 9, 1),
                    TransferKind::Transfer,
                    "搬家",
                )
            }
            None => {
                let pupil = self.id("XS", 7);
                let kind = match self.rng.random_range(0..10) {
                    0..7 => TransferKind::Transfer,
                    7..9 => TransferKind::Insertion,
                    _ => TransferKind::Borrowing,
                };
                let span = if year == 2025 {
                    (ymd(2025, 12, 20) - ymd(2025, 9, 1)).num_days()
                } else {
                    (ymd(year + 1, 6, 30) - ymd(year, 9, 1)).num_days()
                };
                let date = days(ymd(year, 9, 1), self.rng.random_range(0..=span));
                let grades = match stage {
                    Stage::Primary => 1..=6,
                    Stage::Junior => 7..=9,
                };
                let reason = ["随父母工作调动", "随迁", "搬家"][self.rng.random_range(0..3)];
                (
                    pupil,
                    None,
                    "外县学校".to_owned(),
                    self.rng.random_range(grades),
                    date,
                    kind,
                    reason,
                )
            }
        };
        self.out.transfers.push(Transfer {
            transfer_id: id,
            pupil_id: pupil,
            from_unit_id: from_unit,
            from_school,
            to_unit_id: self.schools[s].unit_id.clone(),
            school_year: year,
            transfer_date: date,
            grade,
            kind,
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_matches_the_indicator_fixture() {
        // ED-S04's fixture: four classes of 8, marked 7/1/0/0 → 22.67; 6/2/0/0 → 16.
        assert!((chi2(&[8, 8, 8, 8], &[7, 1, 0, 0]) - 22.666_666_666_666_67).abs() < 1e-9);
        assert!((chi2(&[8, 8, 8, 8], &[6, 2, 0, 0]) - 16.0).abs() < 1e-9);
        assert!(chi2(&[8, 8, 8, 8], &[2, 2, 2, 2]).abs() < 1e-12);
    }

    #[test]
    fn concentration_keeps_the_total_and_the_sizes() {
        let sizes = class_sizes(123, 4);
        assert_eq!(sizes, [31, 31, 31, 30]);
        let x = concentrated(&sizes, 12, 6);
        assert_eq!(x, [6, 2, 2, 2]);
        assert_eq!(concentrated(&[3, 3, 3], 7, 3), [3, 2, 2]);
    }

    #[test]
    fn fence_like_the_indicator() {
        // ED-S03's fixture group: Q1 0.1, Q3 0.3, fence 0.6; 6/10 is not above it.
        let mut rates: Vec<f64> = [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]
            .iter()
            .map(|t| f64::from(*t) / 10.0)
            .collect();
        rates.extend([0.8, 0.8, 0.6, 0.8]);
        let f = upper_fence(&rates).unwrap();
        // 6/10 sits on the fence (not above it), 8/10 above it.
        assert!((6.0 / 10.0..8.0 / 10.0).contains(&f), "{f}");
        assert_eq!(upper_fence(&[0.1, 0.1, 0.1]), None);
    }
}
