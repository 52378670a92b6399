//! The registry datasets in memory: divisions below county level, units, people, posts and
//! relations. Domain packs read this to attach their own data to existing units and people.

mod county;
mod family;
mod staff;
mod titles;

use crate::{Scale, SynthError};
use chrono::NaiveDate;
use qinglian_core::UnitKind;
use qinglian_core::division::{Division, DivisionCode, Level, builtin, builtin_lookup};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// 关键岗位类别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyArea {
    Procurement,
    Bidding,
    PropertyTrading,
    Investment,
    Personnel,
    Finance,
}

impl KeyArea {
    pub const ALL: [KeyArea; 6] = [
        KeyArea::Procurement,
        KeyArea::Bidding,
        KeyArea::PropertyTrading,
        KeyArea::Investment,
        KeyArea::Personnel,
        KeyArea::Finance,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            KeyArea::Procurement => "procurement",
            KeyArea::Bidding => "bidding",
            KeyArea::PropertyTrading => "property_trading",
            KeyArea::Investment => "investment",
            KeyArea::Personnel => "personnel",
            KeyArea::Finance => "finance",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            KeyArea::Procurement => "物资采购",
            KeyArea::Bidding => "招标投标",
            KeyArea::PropertyTrading => "产权交易",
            KeyArea::Investment => "投资",
            KeyArea::Personnel => "人事",
            KeyArea::Finance => "财务",
        }
    }
}

/// How `related_person_id` relates to `person_id` ("B is A's spouse").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    Spouse,
    Parent,
    Child,
    Sibling,
    Relative,
    Associate,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::Spouse,
        Relation::Parent,
        Relation::Child,
        Relation::Sibling,
        Relation::Relative,
        Relation::Associate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
            Relation::Relative => "relative",
            Relation::Associate => "associate",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Relation::Spouse => "配偶",
            Relation::Parent => "父母",
            Relation::Child => "子女",
            Relation::Sibling => "兄弟姐妹",
            Relation::Relative => "其他亲属",
            Relation::Associate => "关系密切人员",
        }
    }
}

/// A person's role in an organisation (org_relations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrgRole {
    Shareholder,
    LegalRepresentative,
    Manager,
    Employee,
}

impl OrgRole {
    pub const ALL: [OrgRole; 4] = [
        OrgRole::Shareholder,
        OrgRole::LegalRepresentative,
        OrgRole::Manager,
        OrgRole::Employee,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Shareholder => "shareholder",
            OrgRole::LegalRepresentative => "legal_representative",
            OrgRole::Manager => "manager",
            OrgRole::Employee => "employee",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            OrgRole::Shareholder => "股东",
            OrgRole::LegalRepresentative => "法定代表人",
            OrgRole::Manager => "高级管理人员",
            OrgRole::Employee => "员工",
        }
    }
}

/// A township (9 digits) or village (12 digits).
#[derive(Debug, Clone, PartialEq)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub parent_code: String,
    pub longitude: f64,
    pub latitude: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub unit_id: String,
    pub name: String,
    pub kind: UnitKind,
    pub division_code: String,
    pub uscc: String,
    pub parent_unit_id: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub person_id: String,
    pub name: String,
    pub citizen_id: String,
    pub gender: Gender,
    pub division_code: String,
    pub unit_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub post_id: String,
    pub unit_id: String,
    pub person_id: String,
    pub title: String,
    pub key_area: Option<KeyArea>,
    pub is_head: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRelation {
    pub person_id: String,
    pub related_person_id: String,
    pub relation: Relation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRelation {
    pub person_id: String,
    pub org_name: String,
    pub org_uscc: String,
    pub unit_id: String,
    pub role: OrgRole,
    /// Hundredths of a percent (6000 = 60.00 %), exact so a firm's shares sum to 100.
    pub share_bp: Option<u32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// All registry rows, each dataset in key order.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub divisions: Vec<DivisionRow>,
    pub units: Vec<Unit>,
    pub people: Vec<Person>,
    pub posts: Vec<Post>,
    pub person_relations: Vec<PersonRelation>,
    pub org_relations: Vec<OrgRelation>,
}

impl Registry {
    fn append(&mut self, mut other: Registry) {
        self.divisions.append(&mut other.divisions);
        self.units.append(&mut other.units);
        self.people.append(&mut other.people);
        self.posts.append(&mut other.posts);
        self.person_relations.append(&mut other.person_relations);
        self.org_relations.append(&mut other.org_relations);
    }

    /// The counties (shipped six-digit divisions) a scale covers, in code order.
    pub fn counties(scale: Scale) -> Result<Vec<&'static Division>, SynthError> {
        let root = DivisionCode::parse(scale.root_code())
            .map_err(|_| SynthError::MissingDivision(scale.root_code().to_owned()))?;
        let counties: Vec<_> = builtin()
            .iter()
            .filter(|d| d.level == Level::County && root.contains(&d.code))
            .collect();
        if counties.is_empty() {
            return Err(SynthError::MissingDivision(root.to_string()));
        }
        Ok(counties)
    }

    /// Generates every county of `scale`. Counties are independent (own random streams), so
    /// they are built on all cores and joined in code order; the result does not depend on
    /// the number of threads.
    pub fn generate(
        scale: Scale,
        seed: u64,
        progress: &dyn Fn(&str, u64, u64),
    ) -> Result<Registry, SynthError> {
        let counties = Self::counties(scale)?;
        let inputs = counties
            .iter()
            .map(|c| county_input(c))
            .collect::<Result<Vec<_>, _>>()?;
        let total = inputs.len() as u64;
        progress("registry", 0, total);

        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(inputs.len());
        let next = AtomicUsize::new(0);
        let mut parts: Vec<Option<Registry>> = vec![None; inputs.len()];
        let (tx, rx) = mpsc::channel::<(usize, Registry)>();
        std::thread::scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, inputs) = (&next, &inputs);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        if tx.send((i, county::generate(input, seed))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Progress is reported here, on the caller's thread, as counties finish.
            for (done, (i, part)) in rx.iter().enumerate() {
                parts[i] = Some(part);
                progress("registry", done as u64 + 1, total);
            }
        });

        let mut all = Registry::default();
        for part in parts.into_iter().flatten() {
            all.append(part);
        }
        Ok(all)
    }
}

/// What a county generator needs to know about its place.
#[derive(Debug, Clone)]
pub(crate) struct CountyInput {
    pub code: String,
    pub name: String,
    pub city_name: String,
    pub province_name: String,
    pub longitude: f64,
    pub latitude: f64,
}

fn county_input(county: &Division) -> Result<CountyInput, SynthError> {
    let missing = |c: &str| SynthError::MissingDivision(c.to_owned());
    let city = county.parent.as_ref().and_then(builtin_lookup);
    let province_code = DivisionCode::parse(&format!("{}0000", &county.code.as_str()[..2]))
        .map_err(|_| missing(county.code.as_str()))?;
    let province = builtin_lookup(&province_code).ok_or_else(|| missing(province_code.as_str()))?;
    // A few new districts ship without a centroid: fall back to the city, then the province.
    let centre = [Some(county), city, Some(province)]
        .into_iter()
        .flatten()
        .find_map(|d| Some((d.longitude?, d.latitude?)))
        .unwrap_or((120.15, 30.27));
    Ok(CountyInput {
        code: county.code.to_string(),
        name: county.name.clone(),
        city_name: city
            .filter(|c| c.level == Level::City)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        province_name: province.name.clone(),
        longitude: centre.0,
        latitude: centre.1,
    })
}

/// The random stream of one county and phase. Phases draw from separate streams so that
/// changing, say, the relations generator leaves people and posts as they were.
pub(crate) fn county_rng(seed: u64, county_code: &str, phase: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let county: u64 = county_code.parse().unwrap_or(0);
    rng.set_stream((county << 8) | phase);
    rng
}
