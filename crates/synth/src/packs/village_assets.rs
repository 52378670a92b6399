//! Village collective assets (农村集体“三资”): the collective of every village unit, its assets,
//! the contracts letting them with their resolutions, receivables and expenses, the finance
//! postings, and tree-grading records of orchard transfers and an expropriation project.
//!
//! The background follows the rules every RA indicator checks (resolutions before signing with a
//! quorum, a majority and every deliberation step, platform trading above the threshold with
//! several bidders, fair prices, rent collected, cash within the limit, quarterly postings,
//! honest grading), so that a hit on it is a false positive. Each county then gets planted cases,
//! near misses and legitimate outliers on contracts of their own, recorded in the ground truth.

use super::{Index, Truth, add_months, as_of, days, hundredths, ymd, yuan};
use crate::ids::{self, UsccCategory};
use crate::names;
use crate::registry::{OrgRelation, OrgRole, Registry, Relation, county_rng};
use crate::truth::{Anomaly, AnomalyKind, Expect};
use crate::write::Cell;
use chrono::{Datelike, NaiveDate};
use qinglian_core::UnitKind;
use qinglian_core::division::Division;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The random stream of this pack (the registry uses 1–5, SOE leasing 20).
const PHASE: u64 = 21;
/// The default platform threshold of the RA indicators (fen a year) and term (years).
const PLATFORM_ANNUAL: i64 = 5_000_000;
const PLATFORM_YEARS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssetType {
    Arable,
    Forest,
    Orchard,
    Waste,
    Water,
    Building,
    Facility,
}

impl AssetType {
    const ALL: [AssetType; 7] = [
        AssetType::Arable,
        AssetType::Forest,
        AssetType::Orchard,
        AssetType::Waste,
        AssetType::Water,
        AssetType::Building,
        AssetType::Facility,
    ];
    const WEIGHTS: [u32; 7] = [30, 15, 15, 10, 10, 15, 5];

    pub fn name_zh(self) -> &'static str {
        match self {
            AssetType::Arable => "耕地",
            AssetType::Forest => "林地",
            AssetType::Orchard => "园地",
            AssetType::Waste => "四荒地",
            AssetType::Water => "水面",
            AssetType::Building => "房屋",
            AssetType::Facility => "设施",
        }
    }

    /// Yearly price per mu (fen) of an average township.
    fn base_fen(self) -> f64 {
        match self {
            AssetType::Arable => 100_000.0,
            AssetType::Forest => 15_000.0,
            AssetType::Orchard => 160_000.0,
            AssetType::Waste => 8_000.0,
            AssetType::Water => 70_000.0,
            AssetType::Building => 6_000_000.0,
            AssetType::Facility => 3_000_000.0,
        }
    }

    /// Area range in hundredths of a mu.
    fn area(self) -> (i64, i64) {
        match self {
            AssetType::Arable => (2_000, 30_000),
            AssetType::Forest => (5_000, 80_000),
            AssetType::Orchard => (1_000, 15_000),
            AssetType::Waste => (2_000, 30_000),
            AssetType::Water => (500, 8_000),
            AssetType::Building => (30, 500),
            AssetType::Facility => (20, 300),
        }
    }

    fn is_land(self) -> bool {
        !matches!(self, AssetType::Building | AssetType::Facility)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractType {
    Lease,
    Contracting,
    Transfer,
}

impl ContractType {
    pub fn name_zh(self) -> &'static str {
        match self {
            ContractType::Lease => "租赁",
            ContractType::Contracting => "承包",
            ContractType::Transfer => "流转",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collective {
    pub coop_id: String,
    pub unit_id: String,
    pub name: String,
    pub uscc: String,
    pub division_code: String,
    pub households: i64,
    pub members: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub asset_id: String,
    pub unit_id: String,
    pub name: String,
    pub asset_type: AssetType,
    pub division_code: String,
    /// Hundredths of a mu.
    pub area: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub resolution_id: String,
    pub unit_id: String,
    pub assembly: bool,
    pub meeting_date: NaiveDate,
    pub subject: String,
    pub amount: Option<i64>,
    pub eligible: i64,
    pub attended: i64,
    pub approved: i64,
    pub proposal_date: Option<NaiveDate>,
    pub committees_date: Option<NaiveDate>,
    pub party_review_date: Option<NaiveDate>,
    pub published_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub contract_id: String,
    pub unit_id: String,
    pub asset_id: String,
    pub contract_type: ContractType,
    pub party_name: String,
    pub party_uscc: Option<String>,
    pub party_person_id: Option<String>,
    pub member: bool,
    pub sign_date: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub auto_renew_years: i64,
    pub area: i64,
    pub annual: i64,
    pub resolution_id: Option<String>,
    pub approval_no: Option<String>,
    pub listing_id: Option<String>,
    pub bidders: Option<i64>,
    pub winner_bid: Option<bool>,
    pub after_failed: bool,
    pub last_reserve: Option<i64>,
    pub written: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub payment_id: String,
    pub unit_id: String,
    pub income: bool,
    pub contract_id: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub pay_date: Option<NaiveDate>,
    pub amount: i64,
    pub cash: Option<bool>,
    pub payee_name: Option<String>,
    pub payee_person_id: Option<String>,
    pub purpose: String,
    pub written_off: bool,
    pub writeoff_resolution_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    pub disclosure_id: String,
    pub unit_id: String,
    pub finance: bool,
    pub posted_date: NaiveDate,
    pub period: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grading {
    pub record_id: String,
    pub unit_id: String,
    pub compensation: bool,
    pub project_id: Option<String>,
    pub plot_id: String,
    pub contract_id: Option<String>,
    pub household: Option<String>,
    pub species: &'static str,
    /// Hundredths of a mu.
    pub area: i64,
    pub dead: i64,
    pub mid: i64,
    pub peak: i64,
    pub price_dead: i64,
    pub price_mid: i64,
    pub price_peak: i64,
    pub planting_date: Option<NaiveDate>,
    pub announcement_date: Option<NaiveDate>,
    pub sampled: Option<i64>,
    pub sampled_peak: Option<i64>,
    pub inspection_date: Option<NaiveDate>,
}

/// Everything the pack writes.
#[derive(Debug, Clone, Default)]
pub struct VillageAssets {
    pub collectives: Vec<Collective>,
    pub assets: Vec<Asset>,
    pub resolutions: Vec<Resolution>,
    pub contracts: Vec<Contract>,
    pub payments: Vec<Payment>,
    pub disclosures: Vec<Disclosure>,
    pub gradings: Vec<Grading>,
}

impl VillageAssets {
    fn append(&mut self, mut o: VillageAssets) {
        self.collectives.append(&mut o.collectives);
        self.assets.append(&mut o.assets);
        self.resolutions.append(&mut o.resolutions);
        self.contracts.append(&mut o.contracts);
        self.payments.append(&mut o.payments);
        self.disclosures.append(&mut o.disclosures);
        self.gradings.append(&mut o.gradings);
    }
}

#[derive(Debug, Clone)]
enum Party {
    Firm { name: String, uscc: String },
    Person { name: String, id: Option<String> },
}

/// Generates the pack for every county, in code order, adding its planted firm links to the
/// registry's `org_relations`.
pub fn generate(
    reg: &mut Registry,
    counties: &[&Division],
    seed: u64,
    truth: &mut Vec<Anomaly>,
) -> VillageAssets {
    let mut all = VillageAssets::default();
    let mut new_org = Vec::new();
    {
        let index = Index::new(reg);
        for c in counties {
            let mut g = County::new(reg, &index, c.code.as_str(), seed);
            g.background();
            g.plant();
            g.finish();
            all.append(g.out);
            new_org.append(&mut g.new_org);
            truth.append(&mut g.truth.out);
        }
    }
    reg.org_relations.append(&mut new_org);
    all
}

struct Village {
    unit_id: String,
    division: String,
    name: String,
}

struct County<'r> {
    code: String,
    short: String,
    rng: ChaCha8Rng,
    index: &'r Index<'r>,
    villages: Vec<Village>,
    firms: Vec<(String, String)>,
    township_factor: BTreeMap<String, f64>,
    out: VillageAssets,
    serial: BTreeMap<&'static str, u32>,
    /// Counterparties used per village, so no one signs twice by chance.
    parties: HashMap<String, HashSet<String>>,
    /// Contracts whose price is set relative to the final peer median: (contract, ratio).
    relative_prices: Vec<(usize, f64)>,
    /// How each contract's resolution and receivables are to be made in `finish`.
    plans: Vec<Plan>,
    /// The village and id of the county's expropriation project.
    project: Option<(usize, String)>,
    new_org: Vec<OrgRelation>,
    truth: Truth,
}

/// When a contract's resolution was taken, relative to signing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum Meeting {
    #[default]
    Before,
    SameDay,
    After(i64),
}

/// Deviations a planted contract asks of `finish`.
#[derive(Debug, Clone, Default)]
struct Plan {
    no_resolution: bool,
    meeting: Meeting,
    amount_factor: Option<f64>,
    /// (eligible, attended, approved) of its resolution.
    consent: Option<(i64, i64, i64)>,
    drop_party_review: bool,
    publish_after: Option<i64>,
    /// Unpaid receivables due on these dates; `writeoff` marks them written off (with or
    /// without a resolution).
    unpaid: Vec<NaiveDate>,
    writeoff: Option<bool>,
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], weights: &[u32]) -> T {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items.iter().zip(weights) {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1]
}

fn date_in(rng: &mut ChaCha8Rng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = (b - a).num_days().max(0);
    days(a, rng.random_range(0..=span))
}

/// The median of prices as the indicators compute it (mean of the middle two of an even count).
fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let h = (n - 1) as f64 * 0.5;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The term as the indicators round it.
fn term_months(start: NaiveDate, end: NaiveDate) -> i64 {
    (((end - start).num_days() + 1) as f64 / 30.4375).round() as i64
}

fn end_after_years(start: NaiveDate, years: u32) -> NaiveDate {
    add_months(start, 12 * years).pred_opt().unwrap_or(start)
}

impl<'r> County<'r> {
    fn new(reg: &'r Registry, index: &'r Index<'r>, code: &str, seed: u64) -> Self {
        let rng = county_rng(seed, code, PHASE);
        let villages = reg
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Village && u.division_code.starts_with(code))
            .map(|u| Village {
                unit_id: u.unit_id.clone(),
                division: u.division_code.clone(),
                name: u.name.clone(),
            })
            .collect();
        let firms = reg
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::PrivateEnterprise && u.division_code.starts_with(code))
            .map(|u| (u.name.clone(), u.uscc.clone()))
            .collect();
        let county_name = qinglian_core::division::DivisionCode::parse(code)
            .ok()
            .and_then(|c| qinglian_core::division::builtin_lookup(&c))
            .map_or_else(|| "本县".to_owned(), |d| d.name.clone());
        County {
            code: code.to_owned(),
            short: names::short_name(&county_name).to_owned(),
            rng,
            index,
            villages,
            firms,
            township_factor: BTreeMap::new(),
            out: VillageAssets::default(),
            serial: BTreeMap::new(),
            parties: HashMap::new(),
            relative_prices: Vec::new(),
            plans: Vec::new(),
            project: None,
            new_org: Vec::new(),
            truth: Truth::new("village_assets", code),
        }
    }

    fn next(&mut self, kind: &'static str) -> u32 {
        let n = self.serial.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    fn factor(&mut self, village_division: &str) -> f64 {
        let town = village_division[..9.min(village_division.len())].to_owned();
        if let Some(f) = self.township_factor.get(&town) {
            return *f;
        }
        let f = self.rng.random_range(0.7..1.3);
        self.township_factor.insert(town, f);
        f
    }

    fn asset(&mut self, v: usize, t: AssetType, area: Option<i64>) -> usize {
        let n = self.next("asset");
        let (lo, hi) = t.area();
        let area = area.unwrap_or_else(|| self.rng.random_range(lo..=hi));
        let stem = names::place_stem(&mut self.rng);
        let village = &self.villages[v];
        self.out.assets.push(Asset {
            asset_id: format!("ZC{}-{n:06}", self.code),
            unit_id: village.unit_id.clone(),
            name: format!("{stem}{}", t.name_zh()),
            asset_type: t,
            division_code: village.division.clone(),
            area,
        });
        self.out.assets.len() - 1
    }

    /// A counterparty new to this village: a registry firm unrelated to its people, or a
    /// private person (by name only, so no registry link exists).
    fn party(&mut self, v: usize, firm: bool) -> Party {
        let unit = self.villages[v].unit_id.clone();
        let used = self.parties.entry(unit.clone()).or_default().clone();
        if firm {
            for _ in 0..40 {
                let Some((name, uscc)) = self.firms.choose(&mut self.rng).cloned() else {
                    break;
                };
                let linked = self
                    .index
                    .firm_links
                    .get(uscc.as_str())
                    .is_some_and(|u| u.contains(unit.as_str()));
                if !linked && !used.contains(&uscc) {
                    self.parties.entry(unit).or_default().insert(uscc.clone());
                    return Party::Firm { name, uscc };
                }
            }
        }
        loop {
            let male = self.rng.random_bool(0.6);
            let name = names::person_name(&mut self.rng, male);
            if !used.contains(&name) {
                self.parties.entry(unit).or_default().insert(name.clone());
                return Party::Person { name, id: None };
            }
        }
    }

    fn fresh_firm(&mut self) -> Party {
        let place = names::place_stem(&mut self.rng);
        Party::Firm {
            name: names::company_name(&mut self.rng, &place),
            uscc: ids::uscc(&mut self.rng, UsccCategory::Enterprise, &self.code),
        }
    }

    /// A contract at a fair price (`ratio` of the base), listed when the platform rules require
    /// it; its resolution and receivables are made in `finish`.
    #[allow(clippy::too_many_arguments)]
    fn contract(
        &mut self,
        v: usize,
        a: usize,
        ct: ContractType,
        party: Party,
        member: bool,
        sign: NaiveDate,
        years: u32,
        ratio: f64,
    ) -> usize {
        let n = self.next("contract");
        let asset = self.out.assets[a].clone();
        let f = self.factor(&asset.division_code);
        let annual =
            (asset.asset_type.base_fen() * f * ratio * asset.area as f64 / 100.0).round() as i64;
        let start = days(sign, self.rng.random_range(0..=20));
        let end = end_after_years(start, years);
        let household = ct == ContractType::Contracting && member;
        let listed = !household
            && (annual >= PLATFORM_ANNUAL || years >= PLATFORM_YEARS || self.rng.random_bool(0.3));
        let listing_id = if listed {
            let l = self.next("listing");
            Some(format!("NC{}-{l:06}", self.code))
        } else {
            None
        };
        let bidders = listed.then(|| self.rng.random_range(2..=5));
        let (party_name, party_uscc, party_person_id) = match party {
            Party::Firm { name, uscc } => (name, Some(uscc), None),
            Party::Person { name, id } => (name, None, id),
        };
        let approval = if ct == ContractType::Contracting && !member && asset.asset_type.is_land() {
            let a = self.next("approval");
            Some(format!("{}农〔{}〕{a}号", self.short, sign.year()))
        } else {
            None
        };
        self.out.contracts.push(Contract {
            contract_id: format!("JH{}-{n:06}", self.code),
            unit_id: self.villages[v].unit_id.clone(),
            asset_id: asset.asset_id.clone(),
            contract_type: ct,
            party_name,
            party_uscc,
            party_person_id,
            member,
            sign_date: sign,
            start_date: start,
            end_date: end,
            auto_renew_years: 0,
            area: asset.area,
            annual,
            resolution_id: None,
            approval_no: approval,
            bidders,
            winner_bid: listed.then_some(true),
            listing_id,
            after_failed: false,
            last_reserve: None,
            written: true,
        });
        self.plans.push(Plan::default());
        self.out.contracts.len() - 1
    }

    fn background(&mut self) {
        for v in 0..self.villages.len() {
            let village = &self.villages[v];
            let (unit, division, name) = (
                village.unit_id.clone(),
                village.division.clone(),
                village.name.clone(),
            );
            let households = self.rng.random_range(200..=900);
            let uscc = ids::uscc(&mut self.rng, UsccCategory::VillageCollective, &self.code);
            self.out.collectives.push(Collective {
                coop_id: format!("JT{division}"),
                unit_id: unit.clone(),
                name: format!("{name}股份经济合作社"),
                uscc,
                division_code: division,
                households,
                members: households * self.rng.random_range(25..=35) / 10,
            });
            let n_assets = self.rng.random_range(6..=12);
            for _ in 0..n_assets {
                let t = weighted(&mut self.rng, &AssetType::ALL, &AssetType::WEIGHTS);
                let a = self.asset(v, t, None);
                if self.rng.random_bool(0.1) {
                    continue;
                }
                let sign = date_in(&mut self.rng, ymd(2021, 1, 1), ymd(2025, 6, 30));
                let (ct, years, member) = match t {
                    AssetType::Arable if self.rng.random_bool(0.4) => {
                        (ContractType::Contracting, 30, true)
                    }
                    AssetType::Arable | AssetType::Waste | AssetType::Forest => (
                        ContractType::Contracting,
                        self.rng.random_range(5..=15),
                        false,
                    ),
                    AssetType::Orchard => {
                        (ContractType::Transfer, self.rng.random_range(5..=15), false)
                    }
                    _ => (ContractType::Lease, self.rng.random_range(3..=10), false),
                };
                let firm = !member && self.rng.random_bool(0.5);
                let party = self.party(v, firm);
                let member =
                    member || (!firm && ct == ContractType::Lease && self.rng.random_bool(0.5));
                let ratio = self.rng.random_range(0.85..1.2);
                let c = self.contract(v, a, ct, party, member, sign, years, ratio);
                if t == AssetType::Orchard && self.rng.random_bool(0.5) {
                    self.grading(c, None);
                }
            }
            self.expenses(v);
            self.postings(v, &[]);
        }
        self.project();
    }

    /// Transfer grading of an orchard contract; with `sample = None` an honest inspection
    /// (the sample share equals the declared one) or none at all.
    fn grading(&mut self, c: usize, sample: Option<(f64, i64, i64)>) -> usize {
        let contract = self.out.contracts[c].clone();
        let trees =
            (contract.area as f64 / 100.0 * self.rng.random_range(40.0..90.0)).round() as i64;
        let (share, sampled, sampled_peak) = match sample {
            Some((share, n, k)) => (share, Some(n), Some(k)),
            None => {
                let share = self.rng.random_range(0.3..0.6);
                if self.rng.random_bool(0.6) {
                    let n = self.rng.random_range(30..=80);
                    (share, Some(n), Some((n as f64 * share).round() as i64))
                } else {
                    (share, None, None)
                }
            }
        };
        let peak = (trees as f64 * share).round() as i64;
        let dead = ((trees - peak) as f64 * self.rng.random_range(0.1..0.3)).round() as i64;
        let inspection_date =
            sampled.map(|_| days(contract.sign_date, self.rng.random_range(30..=200)));
        let (price_dead, price_mid, price_peak) = (
            self.rng.random_range(1_000..=3_000),
            self.rng.random_range(10_000..=20_000),
            self.rng.random_range(30_000..=50_000),
        );
        let n = self.next("grading");
        self.out.gradings.push(Grading {
            record_id: format!("DJ{}-{n:06}", self.code),
            unit_id: contract.unit_id.clone(),
            compensation: false,
            project_id: None,
            plot_id: format!("DK{}-{n:06}", self.code),
            contract_id: Some(contract.contract_id.clone()),
            household: None,
            species: "柑橘",
            area: contract.area,
            dead,
            mid: trees - peak - dead,
            peak,
            price_dead,
            price_mid,
            price_peak,
            planting_date: None,
            announcement_date: None,
            inspection_date,
            sampled,
            sampled_peak,
        });
        self.out.gradings.len() - 1
    }

    /// Expenses of 2024–2025: transfers, small cash, payments to people under a limit.
    fn expenses(&mut self, v: usize) {
        let unit = self.villages[v].unit_id.clone();
        let n = self.rng.random_range(15..=30);
        for _ in 0..n {
            let cash = self.rng.random_bool(0.15);
            let amount = if cash {
                self.rng.random_range(5_000..=180_000)
            } else {
                self.rng.random_range(50_000..=3_000_000)
            };
            let to_person = !cash && amount <= 400_000 && self.rng.random_bool(0.3);
            let person_id = if to_person {
                let x = self.next("payee");
                Some(format!("P{}-X{x:05}", self.code))
            } else {
                None
            };
            let pay_date = date_in(&mut self.rng, ymd(2024, 1, 1), ymd(2025, 12, 20));
            let purpose = [
                "办公用品",
                "道路养护",
                "保洁服务",
                "水电费",
                "误工补贴",
                "绿化养护",
                "会议费",
            ][self.rng.random_range(0..7)];
            let payee = if to_person {
                names::person_name(&mut self.rng, true)
            } else {
                let place = names::place_stem(&mut self.rng);
                names::company_name(&mut self.rng, &place)
            };
            self.payment(Payment {
                payment_id: String::new(),
                unit_id: unit.clone(),
                income: false,
                contract_id: None,
                due_date: None,
                pay_date: Some(pay_date),
                amount,
                cash: Some(cash),
                payee_name: Some(payee),
                payee_person_id: person_id,
                purpose: purpose.to_owned(),
                written_off: false,
                writeoff_resolution_id: None,
            });
        }
    }

    fn payment(&mut self, mut p: Payment) -> usize {
        let n = self.next("payment");
        p.payment_id = format!("SZ{}-{n:07}", self.code);
        self.out.payments.push(p);
        self.out.payments.len() - 1
    }

    /// Quarterly finance postings (the 10th of January, April, July, October) from 2024, with
    /// the given quarters left out, and a village-affairs posting twice a year.
    fn postings(&mut self, v: usize, skip: &[NaiveDate]) {
        let unit = self.villages[v].unit_id.clone();
        for year in [2024, 2025] {
            for month in [1, 4, 7, 10] {
                let d = ymd(year, month, 10);
                let n = self.next("disclosure");
                if !skip.contains(&d) {
                    self.out.disclosures.push(Disclosure {
                        disclosure_id: format!("GK{}-{n:06}", self.code),
                        unit_id: unit.clone(),
                        finance: true,
                        posted_date: d,
                        period: format!("{year}年第{}季度", month / 3 + 1),
                    });
                }
            }
            let n = self.next("disclosure");
            self.out.disclosures.push(Disclosure {
                disclosure_id: format!("GK{}-{n:06}", self.code),
                unit_id: unit.clone(),
                finance: false,
                posted_date: ymd(year, 6, 20),
                period: format!("{year}年上半年"),
            });
        }
    }

    /// The county's expropriation project: households compensated by tree grade, evenly
    /// spread peak-yield shares (no outliers), planted long before the pre-announcement.
    fn project(&mut self) {
        if self.villages.is_empty() {
            return;
        }
        let v = self.rng.random_range(0..self.villages.len());
        let np = self.next("project");
        let project = format!("ZS{}-{np:03}", self.code);
        let n = 24;
        for i in 0..n {
            let share = 0.25 + 0.15 * i as f64 / (n - 1) as f64;
            let per_mu = self.rng.random_range(40.0..100.0);
            self.parcel(v, &project, None, share, per_mu, None);
        }
        self.project = Some((v, project));
    }

    fn parcel(
        &mut self,
        v: usize,
        project: &str,
        household: Option<String>,
        share: f64,
        per_mu: f64,
        planting: Option<NaiveDate>,
    ) -> usize {
        let n = self.next("grading");
        let area = self.rng.random_range(100..=500);
        let trees = (area as f64 / 100.0 * per_mu).floor() as i64;
        let peak = (trees as f64 * share).round() as i64;
        let dead = ((trees - peak) as f64 * 0.15).round() as i64;
        let household = match household {
            Some(h) => h,
            None => {
                let h = self.next("household");
                format!("HH{}-{h:05}", self.code)
            }
        };
        let planting = match planting {
            Some(d) => d,
            None => date_in(&mut self.rng, ymd(2010, 1, 1), ymd(2020, 12, 31)),
        };
        self.out.gradings.push(Grading {
            record_id: format!("DJ{}-{n:06}", self.code),
            unit_id: self.villages[v].unit_id.clone(),
            compensation: true,
            project_id: Some(project.to_owned()),
            plot_id: format!("DK{}-{n:06}", self.code),
            contract_id: None,
            household: Some(household),
            species: "杨梅",
            area,
            dead,
            mid: trees - peak - dead,
            peak,
            price_dead: 2_000,
            price_mid: 15_000,
            price_peak: 40_000,
            planting_date: Some(planting),
            announcement_date: Some(ymd(2024, 5, 1)),
            sampled: None,
            sampled_peak: None,
            inspection_date: None,
        });
        self.out.gradings.len() - 1
    }

    fn village(&mut self) -> usize {
        self.rng.random_range(0..self.villages.len())
    }

    fn cid(&self, c: usize) -> String {
        self.out.contracts[c].contract_id.clone()
    }

    // One line per planted case reads best with every field spelled out at the call.
    #[allow(clippy::too_many_arguments)]
    fn mark(
        &mut self,
        pattern: &'static str,
        dataset: &str,
        keys: &[(&str, &str)],
        indicators: &[&str],
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        self.truth
            .push(pattern, dataset, keys, indicators, expect, kind, zh, en);
    }

    // As `mark`, for the contract case.
    #[allow(clippy::too_many_arguments)]
    fn mark_contract(
        &mut self,
        pattern: &'static str,
        c: usize,
        ind: &str,
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        let id = self.cid(c);
        self.mark(
            pattern,
            "village_contracts",
            &[("contract_id", &id)],
            &[ind],
            expect,
            kind,
            zh,
            en,
        );
    }

    /// A clean planted lease of a building to a fresh person, priced fairly.
    fn lease(&mut self, v: usize, sign: NaiveDate, years: u32) -> usize {
        let a = self.asset(v, AssetType::Building, None);
        let party = self.party(v, false);
        self.contract(v, a, ContractType::Lease, party, false, sign, years, 1.0)
    }

    /// A building sized so that its fair annual rent is about `annual` fen.
    fn lease_of(
        &mut self,
        v: usize,
        party: Party,
        sign: NaiveDate,
        years: u32,
        annual: i64,
    ) -> usize {
        let f = self.factor(&self.villages[v].division.clone());
        let area = (annual as f64 / (AssetType::Building.base_fen() * f) * 100.0)
            .round()
            .max(1.0) as i64;
        let a = self.asset(v, AssetType::Building, Some(area));
        self.contract(v, a, ContractType::Lease, party, false, sign, years, 1.0)
    }

    fn plant(&mut self) {
        if self.villages.is_empty() {
            return;
        }
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let sign = ymd(2025, 3, 1);

        // RA-R01: leases and transfers over twenty years.
        for (years, renew, kind, expect, zh, en) in [
            (25, 0, Planted, Fire, "租期 25 年", "a 25-year lease"),
            (25, 0, Planted, Fire, "租期 25 年", "a 25-year lease"),
            (
                18,
                5,
                Planted,
                Fire,
                "18 年另加自动续期 5 年",
                "18 years plus 5 of automatic renewal",
            ),
            (
                20,
                0,
                NearThreshold,
                NoFire,
                "正好 20 年",
                "exactly 20 years",
            ),
        ] {
            let v = self.village();
            let c = self.lease(v, sign, years);
            self.out.contracts[c].auto_renew_years = renew;
            self.mark_contract("long_lease", c, "RA-R01", expect, kind, zh, en);
        }
        let v = self.village();
        let a = self.asset(v, AssetType::Arable, None);
        let party = self.party(v, false);
        let c = self.contract(v, a, ContractType::Contracting, party, true, sign, 30, 0.5);
        self.mark_contract(
            "long_lease",
            c,
            "RA-R01",
            NoFire,
            NaturalOutlier,
            "成员家庭承包 30 年",
            "household contracting by a member, 30 years",
        );

        // RA-R02: contracts without a proper resolution.
        for (plan, kind, expect, zh, en) in [
            (
                Plan {
                    no_resolution: true,
                    ..Plan::default()
                },
                Planted,
                Fire,
                "没有决议",
                "no resolution",
            ),
            (
                Plan {
                    meeting: Meeting::After(10),
                    ..Plan::default()
                },
                Planted,
                Fire,
                "决议晚于签约 10 天",
                "resolution 10 days after signing",
            ),
            (
                Plan {
                    amount_factor: Some(1.2),
                    ..Plan::default()
                },
                Planted,
                Fire,
                "决议金额与合同不符",
                "resolution amount differs",
            ),
            (
                Plan {
                    meeting: Meeting::SameDay,
                    ..Plan::default()
                },
                NearThreshold,
                NoFire,
                "决议与签约同日",
                "resolution on the day of signing",
            ),
        ] {
            let v = self.village();
            let c = self.lease(v, sign, 3);
            self.plans[c] = plan;
            self.mark_contract("resolution", c, "RA-R02", expect, kind, zh, en);
        }

        // RA-R03: defective procedures (on leases to members, so RA-R04 does not apply).
        for (consent, drop_step, publish, kind, expect, zh, en) in [
            (
                (30, 18, 15),
                false,
                None,
                Planted,
                Fire,
                "到会 18/30，不足三分之二",
                "18 of 30 present, under two thirds",
            ),
            (
                (30, 24, 12),
                false,
                None,
                Planted,
                Fire,
                "同意 12/24，未过半",
                "12 of 24 in favour, no majority",
            ),
            (
                (30, 25, 20),
                true,
                None,
                Planted,
                Fire,
                "缺少党员大会审议",
                "no Party members' review",
            ),
            (
                (30, 25, 20),
                false,
                Some(20),
                Planted,
                Fire,
                "会后 20 天才公开",
                "published 20 days after the meeting",
            ),
            (
                (30, 20, 11),
                false,
                Some(7),
                NearThreshold,
                NoFire,
                "正好三分之二到会、过半同意、第 7 天公开",
                "exactly two thirds present, a majority, published on day 7",
            ),
        ] {
            let v = self.village();
            let c = self.lease(v, sign, 3);
            self.out.contracts[c].member = true;
            let plan = &mut self.plans[c];
            plan.consent = Some(consent);
            plan.drop_party_review = drop_step;
            plan.publish_after = publish;
            self.resolution_mark(c, kind, expect, zh, en);
        }

        // RA-R04: land contracted to outsiders.
        for (consent, approval, kind, expect, zh, en) in [
            (
                (30, 25, 18),
                true,
                Planted,
                Fire,
                "同意 18/30，不足三分之二",
                "18 of 30 consent, under two thirds",
            ),
            (
                (30, 25, 22),
                false,
                Planted,
                Fire,
                "无乡镇批准",
                "no township approval",
            ),
            (
                (30, 25, 20),
                true,
                NearThreshold,
                NoFire,
                "正好三分之二同意且有批准",
                "exactly two thirds, approved",
            ),
        ] {
            let v = self.village();
            let a = self.asset(v, AssetType::Arable, None);
            let party = self.party(v, true);
            let c = self.contract(v, a, ContractType::Contracting, party, false, sign, 6, 1.0);
            self.plans[c].consent = Some(consent);
            if !approval {
                self.out.contracts[c].approval_no = None;
            }
            self.mark_contract("outsider", c, "RA-R04", expect, kind, zh, en);
        }

        // RA-R05: off the platform.
        for (annual, years, variant, kind, expect, zh, en) in [
            (
                8_000_000,
                3,
                "unlisted",
                Planted,
                Fire,
                "年金额 8 万元未进场",
                "80,000 yuan a year off the platform",
            ),
            (
                2_000_000,
                6,
                "unlisted",
                Planted,
                Fire,
                "期限 6 年未进场",
                "a six-year term off the platform",
            ),
            (
                8_000_000,
                3,
                "non_bidder",
                Planted,
                Fire,
                "成交方未参与竞价",
                "awarded to a non-bidder",
            ),
            (
                4_999_999,
                4,
                "unlisted",
                NearThreshold,
                NoFire,
                "年金额 49999.99 元、4 年",
                "49,999.99 yuan a year, four years",
            ),
        ] {
            let v = self.village();
            let party = self.party(v, false);
            let c = self.lease_of(v, party, sign, years, annual);
            let k = &mut self.out.contracts[c];
            if variant == "unlisted" {
                k.listing_id = None;
                k.bidders = None;
                k.winner_bid = None;
                // The near miss sits exactly one fen under the threshold.
                if annual == 4_999_999 {
                    k.annual = annual;
                }
            } else {
                // Above the threshold, so `contract` listed it.
                k.winner_bid = Some(false);
            }
            self.mark_contract("platform", c, "RA-R05", expect, kind, zh, en);
        }

        // RA-R06: a single bidder; a cheap deal after a failed auction.
        for (variant, kind, expect, zh, en) in [
            ("single", Planted, Fire, "只有一人竞价", "a single bidder"),
            (
                "after_failed_low",
                Planted,
                Fire,
                "流拍后以底价 80% 协议成交",
                "after a failed auction at 80% of the reserve",
            ),
            (
                "after_failed_at",
                NearThreshold,
                NoFire,
                "流拍后以最后底价成交",
                "after a failed auction at the reserve",
            ),
        ] {
            let v = self.village();
            let party = self.party(v, true);
            let c = self.lease_of(v, party, sign, 6, 3_000_000);
            let k = &mut self.out.contracts[c];
            match variant {
                "single" => k.bidders = Some(1),
                _ => {
                    k.after_failed = true;
                    k.bidders = Some(0);
                    k.winner_bid = None;
                    k.last_reserve = Some(if variant == "after_failed_low" {
                        (k.annual as f64 / 0.8).round() as i64
                    } else {
                        k.annual
                    });
                }
            }
            self.mark_contract("bidding", c, "RA-R06", expect, kind, zh, en);
        }

        // RA-R07: no written contract.
        for (months, kind, expect, zh, en) in [
            (
                24u32,
                Planted,
                Fire,
                "两年租赁无书面合同",
                "a two-year lease without a written contract",
            ),
            (
                5,
                NearThreshold,
                NoFire,
                "五个月租赁无书面合同",
                "a five-month lease without a written contract",
            ),
        ] {
            let v = self.village();
            let c = self.lease(v, sign, 2);
            let k = &mut self.out.contracts[c];
            k.end_date = add_months(k.start_date, months)
                .pred_opt()
                .unwrap_or(k.start_date);
            k.written = false;
            debug_assert_eq!(term_months(k.start_date, k.end_date), i64::from(months));
            self.mark_contract("oral", c, "RA-R07", expect, kind, zh, en);
        }

        // RA-S01: below the township median (prices set in `finish`).
        for (ratio, kind, expect, zh, en) in [
            (
                0.5,
                Planted,
                Fire,
                "单价为同乡镇同类中位数的 50%",
                "at 50% of the township median",
            ),
            (
                0.45,
                Planted,
                Fire,
                "单价为同乡镇同类中位数的 45%",
                "at 45% of the township median",
            ),
            (
                0.71,
                NearThreshold,
                NoFire,
                "单价为同乡镇同类中位数的 71%",
                "at 71% of the township median",
            ),
            (
                3.0,
                NaturalOutlier,
                NoFire,
                "单价为中位数的 3 倍",
                "at three times the median",
            ),
        ] {
            let v = self.village();
            let a = self.asset(v, AssetType::Orchard, None);
            let party = self.party(v, true);
            let provisional = if ratio > 1.0 { 3.0 } else { 0.3 };
            let c = self.contract(
                v,
                a,
                ContractType::Transfer,
                party,
                false,
                sign,
                6,
                provisional,
            );
            self.relative_prices.push((c, ratio));
            self.mark_contract("below_price", c, "RA-S01", expect, kind, zh, en);
        }

        // RA-S02: receivables left unpaid, or written off without a decision.
        for (start, unpaid, writeoff, kind, expect, zh, en) in [
            (
                ymd(2023, 6, 1),
                vec![ymd(2024, 6, 1), ymd(2025, 6, 1)],
                None,
                Planted,
                Fire,
                "两年应收款未收",
                "two years of receivables unpaid",
            ),
            (
                ymd(2023, 6, 1),
                vec![ymd(2024, 6, 1)],
                Some(false),
                Planted,
                Fire,
                "欠款未经决议核销",
                "arrears written off without a resolution",
            ),
            (
                ymd(2023, 10, 10),
                vec![ymd(2025, 10, 10)],
                None,
                NearThreshold,
                NoFire,
                "逾期 82 天",
                "82 days overdue",
            ),
            (
                ymd(2023, 6, 1),
                vec![ymd(2024, 6, 1)],
                Some(true),
                NaturalOutlier,
                NoFire,
                "核销经决议",
                "written off by resolution",
            ),
        ] {
            let v = self.village();
            let c = self.lease(v, start, 5);
            let k = &mut self.out.contracts[c];
            k.start_date = start;
            k.end_date = end_after_years(start, 5);
            self.plans[c].unpaid = unpaid;
            self.plans[c].writeoff = writeoff;
            self.mark_contract("arrears", c, "RA-S02", expect, kind, zh, en);
        }

        // RA-S03: counterparties related to the village's cadres.
        self.plant_related();

        // RA-S04: one counterparty, split contracts.
        for (amounts, kind, expect, zh, en) in [
            (
                vec![2_000_000, 2_000_000, 2_000_000],
                Planted,
                Fire,
                "同一相对方 8 个月内 3 份合同合计 6 万元",
                "three contracts in eight months totalling 60,000 yuan",
            ),
            (
                vec![2_000_000, 2_500_000],
                NearThreshold,
                NoFire,
                "同一相对方两份合同合计 4.5 万元",
                "two contracts totalling 45,000 yuan",
            ),
        ] {
            let v = self.village();
            let party = self.fresh_firm();
            for (i, annual) in amounts.into_iter().enumerate() {
                let s = add_months(ymd(2025, 1, 10), 4 * i as u32);
                let c = self.lease_of(v, party.clone(), s, 3, annual);
                let k = &mut self.out.contracts[c];
                k.annual = annual;
                k.listing_id = None;
                k.bidders = None;
                k.winner_bid = None;
                self.mark_contract("split", c, "RA-S04", expect, kind, zh, en);
            }
        }

        // RA-S05: the county's expropriation project.
        if let Some((v0, project)) = self.project.clone() {
            let mark = |g: &mut Self, i: usize, kind, expect, zh: &str, en: &str| {
                let id = g.out.gradings[i].record_id.clone();
                g.mark(
                    "grading",
                    "grading_records",
                    &[("record_id", &id)],
                    &["RA-S05"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            };
            let i = self.parcel(v0, &project, None, 0.3, 180.0, None);
            mark(self, i, Planted, Fire, "每亩 180 株", "180 trees per mu");
            let i = self.parcel(v0, &project, None, 0.9, 70.0, None);
            mark(
                self,
                i,
                Planted,
                Fire,
                "盛产树占 90%",
                "90% peak-yield trees",
            );
            let i = self.parcel(v0, &project, None, 0.3, 70.0, Some(ymd(2024, 9, 1)));
            mark(
                self,
                i,
                Planted,
                Fire,
                "预公告后种植",
                "planted after the pre-announcement",
            );
            let i = self.parcel(v0, &project, None, 0.3, 110.0, None);
            mark(
                self,
                i,
                NearThreshold,
                NoFire,
                "每亩正好 110 株",
                "exactly 110 trees per mu",
            );
            for (n, kind, expect, zh, en) in [
                (
                    5,
                    Planted,
                    Fire,
                    "同一户 5 个地块",
                    "one household, five plots",
                ),
                (
                    3,
                    NearThreshold,
                    NoFire,
                    "同一户 3 个地块",
                    "one household, three plots",
                ),
            ] {
                let hn = self.next("household");
                let h = format!("HH{}-{hn:05}", self.code);
                for _ in 0..n {
                    let i = self.parcel(v0, &project, Some(h.clone()), 0.3, 70.0, None);
                    mark(self, i, kind, expect, zh, en);
                }
            }
        }

        // RA-S06: unusual outflows.
        for (cash, amount, person, kind, expect, zh, en) in [
            (
                true,
                800_000,
                false,
                Planted,
                Fire,
                "现金支出 8000 元",
                "8,000 yuan in cash",
            ),
            (
                false,
                2_000_000,
                true,
                Planted,
                Fire,
                "无合同向个人付款 2 万元",
                "20,000 yuan to a person without a contract",
            ),
            (
                true,
                200_000,
                false,
                NearThreshold,
                NoFire,
                "现金支出正好 2000 元",
                "exactly 2,000 yuan in cash",
            ),
            (
                false,
                500_000,
                true,
                NearThreshold,
                NoFire,
                "无合同向个人付款正好 5000 元",
                "exactly 5,000 yuan to a person",
            ),
        ] {
            let v = self.village();
            let unit = self.villages[v].unit_id.clone();
            let name = names::person_name(&mut self.rng, true);
            let pid = if person {
                let x = self.next("payee");
                Some(format!("P{}-Y{x:05}", self.code))
            } else {
                None
            };
            let i = self.payment(Payment {
                payment_id: String::new(),
                unit_id: unit,
                income: false,
                contract_id: None,
                due_date: None,
                pay_date: Some(ymd(2025, 5, 12)),
                amount,
                cash: Some(cash),
                payee_name: Some(name),
                payee_person_id: pid,
                purpose: "劳务费".to_owned(),
                written_off: false,
                writeoff_resolution_id: None,
            });
            let id = self.out.payments[i].payment_id.clone();
            self.mark(
                "outflow",
                "village_payments",
                &[("payment_id", &id)],
                &["RA-S06"],
                expect,
                kind,
                zh,
                en,
            );
        }

        // RA-S07: finance postings missing in two villages, the second a near miss.
        if self.villages.len() >= 2 {
            let v1 = self.village();
            let v2 =
                (v1 + 1 + self.rng.random_range(0..self.villages.len() - 1)) % self.villages.len();
            for (v, skip, kind, expect, zh, en) in [
                (
                    v1,
                    vec![ymd(2024, 7, 10), ymd(2024, 10, 10)],
                    Planted,
                    Fire,
                    "2024 年下半年未公开财务（间隔 275 天）",
                    "no finance posting in the second half of 2024 (a 275-day gap)",
                ),
                (
                    v2,
                    vec![ymd(2024, 7, 10)],
                    NearThreshold,
                    NoFire,
                    "间隔正好 183 天",
                    "a gap of exactly 183 days",
                ),
            ] {
                let unit = self.villages[v].unit_id.clone();
                self.out
                    .disclosures
                    .retain(|d| !(d.unit_id == unit && d.finance && skip.contains(&d.posted_date)));
                self.mark(
                    "disclosure",
                    "village_disclosures",
                    &[("gap_from", "2024-04-10"), ("unit_id", &unit)],
                    &["RA-S07"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
        }

        // RA-S08: grading inflation in orchard transfers.
        for (sample, kind, expect, zh, en) in [
            (
                (0.6, 50, 18),
                Planted,
                Fire,
                "申报盛产 60%，抽检 50 株仅 18 株",
                "60% declared, 18 of 50 sampled",
            ),
            (
                (0.6, 60, 20),
                Planted,
                Fire,
                "申报盛产 60%，抽检 60 株仅 20 株",
                "60% declared, 20 of 60 sampled",
            ),
            (
                (0.6, 25, 5),
                NearThreshold,
                NoFire,
                "只抽检 25 株",
                "only 25 trees sampled",
            ),
            (
                (0.6, 40, 20),
                NaturalOutlier,
                NoFire,
                "抽检 40 株有 20 株盛产（p≈0.13）",
                "20 of 40 sampled (p ≈ 0.13)",
            ),
        ] {
            let v = self.village();
            let a = self.asset(v, AssetType::Orchard, None);
            let party = self.party(v, true);
            let c = self.contract(v, a, ContractType::Transfer, party, false, sign, 6, 1.0);
            let g = self.grading(c, Some(sample));
            let id = self.out.gradings[g].record_id.clone();
            self.mark(
                "grading_inflation",
                "grading_records",
                &[("record_id", &id)],
                &["RA-S08"],
                expect,
                kind,
                zh,
                en,
            );
        }
    }

    fn resolution_mark(&mut self, c: usize, kind: AnomalyKind, expect: Expect, zh: &str, en: &str) {
        // The resolution id is fixed in `finish`; remember the contract and patch the key then.
        let id = format!("@contract:{}", self.cid(c));
        self.mark(
            "procedure",
            "village_resolutions",
            &[("resolution_id", &id)],
            &["RA-R03"],
            expect,
            kind,
            zh,
            en,
        );
    }

    /// Officials (any post serving on 2025-01-01) of a village with their close relatives.
    fn relatives_of(&self, unit: &str, head: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for p in self.index.posts_by_unit.get(unit).into_iter().flatten() {
            let serving = p.start_date <= ymd(2025, 1, 1) && p.end_date.is_none();
            if !serving || (head && !p.is_head) {
                continue;
            }
            for (rel, relation) in self
                .index
                .relatives
                .get(p.person_id.as_str())
                .into_iter()
                .flatten()
            {
                if matches!(
                    relation,
                    Relation::Spouse | Relation::Child | Relation::Sibling | Relation::Parent
                ) {
                    out.push((p.person_id.clone(), (*rel).to_owned()));
                }
            }
        }
        out.sort();
        out
    }

    fn plant_related(&mut self) {
        use AnomalyKind::{NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let sign = ymd(2025, 3, 1);
        let with_heads: Vec<(usize, Vec<(String, String)>)> = (0..self.villages.len())
            .map(|v| {
                (
                    v,
                    self.relatives_of(&self.villages[v].unit_id.clone(), true),
                )
            })
            .filter(|(_, r)| !r.is_empty())
            .collect();
        let Some((v, rels)) = with_heads.first().cloned() else {
            return;
        };
        let (_, relative) = rels[0].clone();
        let name = self
            .index
            .names
            .get(relative.as_str())
            .copied()
            .unwrap_or("某某")
            .to_owned();
        let c = self.lease(v, sign, 3);
        let k = &mut self.out.contracts[c];
        k.party_name = name;
        k.party_person_id = Some(relative);
        self.mark_contract(
            "related",
            c,
            "RA-S03",
            Fire,
            Planted,
            "相对方是村书记（主任）的近亲属",
            "the counterparty is a close relative of the village head",
        );
        // A firm whose legal representative is a relative of another official of a village.
        let all: Vec<(usize, Vec<(String, String)>)> = (0..self.villages.len())
            .map(|v| {
                (
                    v,
                    self.relatives_of(&self.villages[v].unit_id.clone(), false),
                )
            })
            .filter(|(_, r)| !r.is_empty())
            .collect();
        if let Some((v2, rels2)) = all.last().cloned() {
            let (_, relative2) = rels2[rels2.len() - 1].clone();
            let firm = self.fresh_firm();
            if let Party::Firm { name, uscc } = &firm {
                self.new_org.push(OrgRelation {
                    person_id: relative2,
                    org_name: name.clone(),
                    org_uscc: uscc.clone(),
                    unit_id: String::new(),
                    role: OrgRole::LegalRepresentative,
                    share_bp: None,
                    start_date: Some(ymd(2022, 3, 1)),
                    end_date: None,
                });
            }
            let c = self.lease_of(v2, firm, sign, 3, 2_000_000);
            self.mark_contract(
                "related",
                c,
                "RA-S03",
                Fire,
                Planted,
                "相对方企业的法定代表人是村干部的近亲属",
                "the counterparty firm's legal representative is a close relative of a cadre",
            );
        }
        // The relative of one village's head signing with another village: no link there.
        if let Some((v3, _)) = with_heads.iter().find(|(x, _)| *x != v) {
            let staff: BTreeSet<String> = self
                .index
                .posts_by_unit
                .get(self.villages[*v3].unit_id.as_str())
                .into_iter()
                .flatten()
                .map(|p| p.person_id.clone())
                .collect();
            let rel_here = self.relatives_of(&self.villages[*v3].unit_id.clone(), false);
            let related_here: BTreeSet<&String> = rel_here.iter().map(|r| &r.1).collect();
            if let Some((_, relative3)) = rels
                .iter()
                .find(|(_, r)| !staff.contains(r) && !related_here.contains(r))
                .cloned()
            {
                let name = self
                    .index
                    .names
                    .get(relative3.as_str())
                    .copied()
                    .unwrap_or("某某")
                    .to_owned();
                let c = self.lease(*v3, sign, 3);
                let k = &mut self.out.contracts[c];
                k.party_name = name;
                k.party_person_id = Some(relative3);
                self.mark_contract(
                    "related",
                    c,
                    "RA-S03",
                    NoFire,
                    NearThreshold,
                    "相对方是另一个村书记的近亲属",
                    "the counterparty is related to another village's head",
                );
            }
        }
    }

    /// Final prices relative to the township medians, then a resolution and the receivables of
    /// every contract, as each plan asks.
    fn finish(&mut self) {
        // Medians as RA-S01 computes them: per township and asset type, member household
        // contracting left out. Planted prices move within one side of the median, so setting
        // them leaves the median where it was.
        let assets: HashMap<String, (AssetType, String)> = self
            .out
            .assets
            .iter()
            .map(|a| {
                (
                    a.asset_id.clone(),
                    (a.asset_type, a.division_code[..9].to_owned()),
                )
            })
            .collect();
        let mut groups: HashMap<(String, AssetType), Vec<f64>> = HashMap::new();
        for c in &self.out.contracts {
            if c.contract_type == ContractType::Contracting && c.member || c.area <= 0 {
                continue;
            }
            let (t, town) = assets[&c.asset_id].clone();
            groups
                .entry((town, t))
                .or_default()
                .push(c.annual as f64 / (c.area as f64 / 100.0));
        }
        let medians: HashMap<(String, AssetType), f64> = groups
            .into_iter()
            .map(|(k, v)| (k, median_f64(v)))
            .collect();
        for (c, ratio) in self.relative_prices.clone() {
            let k = &self.out.contracts[c];
            let (t, town) = assets[&k.asset_id].clone();
            let med = medians[&(town, t)];
            let annual = (ratio * med * k.area as f64 / 100.0).ceil() as i64;
            self.out.contracts[c].annual = annual;
        }
        for c in 0..self.out.contracts.len() {
            let plan = self.plans[c].clone();
            let k = self.out.contracts[c].clone();
            if !plan.no_resolution {
                let n = self.next("resolution");
                let id = format!("JY{}-{n:06}", self.code);
                let meeting = match plan.meeting {
                    Meeting::After(d) => days(k.sign_date, d),
                    Meeting::SameDay => k.sign_date,
                    Meeting::Before => days(k.sign_date, -self.rng.random_range(5..=40)),
                };
                let (eligible, attended, approved) = plan.consent.unwrap_or_else(|| {
                    let e: i64 = self.rng.random_range(25..=60);
                    let approved = (e * 7 + 9) / 10 + self.rng.random_range(0..=e / 10);
                    let attended = (approved + self.rng.random_range(0..=5)).min(e);
                    (e, attended, approved)
                });
                let mut r = Resolution {
                    resolution_id: id.clone(),
                    unit_id: k.unit_id.clone(),
                    assembly: false,
                    meeting_date: meeting,
                    subject: format!("{}{}", k.contract_type.name_zh(), k.asset_id),
                    amount: Some(
                        plan.amount_factor
                            .map_or(k.annual, |f| (k.annual as f64 * f).round() as i64),
                    ),
                    eligible,
                    attended,
                    approved,
                    proposal_date: Some(days(meeting, -self.rng.random_range(30..=40))),
                    committees_date: Some(days(meeting, -self.rng.random_range(20..=29))),
                    party_review_date: Some(days(meeting, -self.rng.random_range(5..=15))),
                    published_date: Some(days(meeting, self.rng.random_range(1..=5))),
                };
                if plan.drop_party_review {
                    r.party_review_date = None;
                }
                if let Some(d) = plan.publish_after {
                    r.published_date = Some(days(meeting, d));
                }
                for a in self.truth.out.iter_mut() {
                    if a.keys.get("resolution_id").map(String::as_str)
                        == Some(&format!("@contract:{}", k.contract_id))
                    {
                        a.keys.insert("resolution_id".to_owned(), id.clone());
                    }
                }
                self.out.resolutions.push(r);
                self.out.contracts[c].resolution_id = Some(id);
            }
            // Receivables: the annual amount on each anniversary of the start from 2024 on.
            let mut due = k.start_date;
            while due <= as_of() && due <= k.end_date {
                if due >= ymd(2024, 1, 1) {
                    let unpaid = plan.unpaid.contains(&due);
                    let paid = days(due, self.rng.random_range(0..=30));
                    let pay_date = (!unpaid && paid <= as_of()).then_some(paid);
                    let (written_off, wr) = match (unpaid, plan.writeoff) {
                        (true, Some(true)) => {
                            let w = self.next("writeoff");
                            (true, Some(format!("JY{}-W{w:05}", self.code)))
                        }
                        (true, Some(false)) => (true, None),
                        _ => (false, None),
                    };
                    self.payment(Payment {
                        payment_id: String::new(),
                        unit_id: k.unit_id.clone(),
                        income: true,
                        contract_id: Some(k.contract_id.clone()),
                        due_date: Some(due),
                        pay_date,
                        amount: self.out.contracts[c].annual,
                        cash: Some(false),
                        payee_name: None,
                        payee_person_id: None,
                        purpose: "承包费（租金）".to_owned(),
                        written_off,
                        writeoff_resolution_id: wr,
                    });
                }
                due = add_months(due, 12);
            }
        }
    }
}

// ---- output -------------------------------------------------------------------------------

pub const COLLECTIVES: [(&str, &str); 7] = [
    ("coop_id", "组织编号"),
    ("unit_id", "村（社区）单位编号"),
    ("name", "组织名称"),
    ("uscc", "统一社会信用代码"),
    ("division_code", "所在区划代码"),
    ("households", "成员户数"),
    ("members", "成员人数"),
];
pub const ASSETS: [(&str, &str); 6] = [
    ("asset_id", "资产编号"),
    ("unit_id", "村（社区）单位编号"),
    ("name", "资产名称"),
    ("asset_type", "资产类别"),
    ("division_code", "所在区划代码"),
    ("area_mu", "面积（亩）"),
];
pub const RESOLUTIONS: [(&str, &str); 13] = [
    ("resolution_id", "决议编号"),
    ("unit_id", "村（社区）单位编号"),
    ("meeting_type", "会议类型"),
    ("meeting_date", "会议日期"),
    ("subject", "决议事项"),
    ("amount", "涉及金额（元）"),
    ("eligible", "应到人数"),
    ("attended", "实到人数"),
    ("approved", "同意人数"),
    ("proposal_date", "党组织提议日期"),
    ("committees_date", "两委联席会议商议日期"),
    ("party_review_date", "党员大会审议日期"),
    ("published_date", "决议公开日期"),
];
pub const CONTRACTS: [(&str, &str); 22] = [
    ("contract_id", "合同编号"),
    ("unit_id", "村（社区）单位编号"),
    ("asset_id", "资产编号"),
    ("contract_type", "合同类型"),
    ("counterparty_name", "相对方名称"),
    ("counterparty_uscc", "相对方统一社会信用代码"),
    ("counterparty_person_id", "相对方人员编号"),
    ("counterparty_member", "相对方为本集体成员"),
    ("sign_date", "签订日期"),
    ("start_date", "起始日期"),
    ("end_date", "终止日期"),
    ("auto_renew_years", "自动续期年数"),
    ("area_mu", "面积（亩）"),
    ("annual_amount", "年金额（元）"),
    ("resolution_id", "决议编号"),
    ("township_approval_no", "乡镇审批文号"),
    ("listing_id", "交易平台项目编号"),
    ("bidders", "竞价人数"),
    ("winner_bid", "成交方参与竞价"),
    ("after_failed_auction", "流拍后协议成交"),
    ("last_reserve", "流拍前底价（元）"),
    ("written", "书面合同"),
];
pub const PAYMENTS: [(&str, &str); 13] = [
    ("payment_id", "收支编号"),
    ("unit_id", "村（社区）单位编号"),
    ("direction", "收支方向"),
    ("contract_id", "合同编号"),
    ("due_date", "应收日期"),
    ("pay_date", "发生日期"),
    ("amount", "金额（元）"),
    ("method", "收付方式"),
    ("payee_name", "收款方"),
    ("payee_person_id", "收款人人员编号"),
    ("purpose", "用途"),
    ("written_off", "已核销"),
    ("writeoff_resolution_id", "核销决议编号"),
];
pub const DISCLOSURES: [(&str, &str); 5] = [
    ("disclosure_id", "公开编号"),
    ("unit_id", "村（社区）单位编号"),
    ("kind", "公开类别"),
    ("posted_date", "公开日期"),
    ("period", "所属期间"),
];
pub const GRADINGS: [(&str, &str); 20] = [
    ("record_id", "定级编号"),
    ("unit_id", "村（社区）单位编号"),
    ("kind", "定级类别"),
    ("project_id", "项目编号"),
    ("plot_id", "地块编号"),
    ("contract_id", "合同编号"),
    ("household_person_id", "户主人员编号"),
    ("species", "品种"),
    ("area_mu", "面积（亩）"),
    ("declared_dead", "死树株数"),
    ("declared_mid", "中产树株数"),
    ("declared_peak", "盛产树株数"),
    ("price_dead", "死树单价（元/株）"),
    ("price_mid", "中产树单价（元/株）"),
    ("price_peak", "盛产树单价（元/株）"),
    ("planting_date", "种植日期"),
    ("announcement_date", "征收预公告日期"),
    ("sampled", "抽检株数"),
    ("sampled_peak", "抽检盛产株数"),
    ("inspection_date", "抽检日期"),
];

fn opt_text(s: &Option<String>) -> Cell<'_> {
    s.as_deref().map_or(Cell::Empty, Cell::Text)
}
fn opt_date(d: Option<NaiveDate>) -> Cell<'static> {
    d.map_or(Cell::Empty, Cell::Date)
}
fn opt_int(v: Option<i64>) -> Cell<'static> {
    v.map_or(Cell::Empty, |v| Cell::Owned(v.to_string()))
}
fn opt_money(v: Option<i64>) -> Cell<'static> {
    v.map_or(Cell::Empty, |v| Cell::Owned(yuan(v)))
}
fn yes_no(b: bool) -> Cell<'static> {
    Cell::Text(if b { "是" } else { "否" })
}

pub(crate) fn collective_cells(c: &Collective) -> [Cell<'_>; 7] {
    [
        Cell::Text(&c.coop_id),
        Cell::Text(&c.unit_id),
        Cell::Text(&c.name),
        Cell::Text(&c.uscc),
        Cell::Text(&c.division_code),
        Cell::Owned(c.households.to_string()),
        Cell::Owned(c.members.to_string()),
    ]
}

pub(crate) fn asset_cells(a: &Asset) -> [Cell<'_>; 6] {
    [
        Cell::Text(&a.asset_id),
        Cell::Text(&a.unit_id),
        Cell::Text(&a.name),
        Cell::Text(a.asset_type.name_zh()),
        Cell::Text(&a.division_code),
        Cell::Owned(hundredths(a.area)),
    ]
}

pub(crate) fn resolution_cells(r: &Resolution) -> [Cell<'_>; 13] {
    [
        Cell::Text(&r.resolution_id),
        Cell::Text(&r.unit_id),
        Cell::Text(if r.assembly {
            "村民会议"
        } else {
            "村民代表会议"
        }),
        Cell::Date(r.meeting_date),
        Cell::Text(&r.subject),
        opt_money(r.amount),
        Cell::Owned(r.eligible.to_string()),
        Cell::Owned(r.attended.to_string()),
        Cell::Owned(r.approved.to_string()),
        opt_date(r.proposal_date),
        opt_date(r.committees_date),
        opt_date(r.party_review_date),
        opt_date(r.published_date),
    ]
}

pub(crate) fn contract_cells(c: &Contract) -> [Cell<'_>; 22] {
    [
        Cell::Text(&c.contract_id),
        Cell::Text(&c.unit_id),
        Cell::Text(&c.asset_id),
        Cell::Text(c.contract_type.name_zh()),
        Cell::Text(&c.party_name),
        opt_text(&c.party_uscc),
        opt_text(&c.party_person_id),
        yes_no(c.member),
        Cell::Date(c.sign_date),
        Cell::Date(c.start_date),
        Cell::Date(c.end_date),
        Cell::Owned(c.auto_renew_years.to_string()),
        Cell::Owned(hundredths(c.area)),
        Cell::Owned(yuan(c.annual)),
        opt_text(&c.resolution_id),
        opt_text(&c.approval_no),
        opt_text(&c.listing_id),
        opt_int(c.bidders),
        c.winner_bid.map_or(Cell::Empty, yes_no),
        yes_no(c.after_failed),
        opt_money(c.last_reserve),
        yes_no(c.written),
    ]
}

pub(crate) fn payment_cells(p: &Payment) -> [Cell<'_>; 13] {
    [
        Cell::Text(&p.payment_id),
        Cell::Text(&p.unit_id),
        Cell::Text(if p.income { "收入" } else { "支出" }),
        opt_text(&p.contract_id),
        opt_date(p.due_date),
        opt_date(p.pay_date),
        Cell::Owned(yuan(p.amount)),
        p.cash.map_or(Cell::Empty, |c| {
            Cell::Text(if c { "现金" } else { "转账" })
        }),
        opt_text(&p.payee_name),
        opt_text(&p.payee_person_id),
        Cell::Text(&p.purpose),
        yes_no(p.written_off),
        opt_text(&p.writeoff_resolution_id),
    ]
}

pub(crate) fn disclosure_cells(d: &Disclosure) -> [Cell<'_>; 5] {
    [
        Cell::Text(&d.disclosure_id),
        Cell::Text(&d.unit_id),
        Cell::Text(if d.finance {
            "财务公开"
        } else {
            "村务公开"
        }),
        Cell::Date(d.posted_date),
        Cell::Text(&d.period),
    ]
}

pub(crate) fn grading_cells(g: &Grading) -> [Cell<'_>; 20] {
    [
        Cell::Text(&g.record_id),
        Cell::Text(&g.unit_id),
        Cell::Text(if g.compensation {
            "征收补偿"
        } else {
            "流转定级"
        }),
        opt_text(&g.project_id),
        Cell::Text(&g.plot_id),
        opt_text(&g.contract_id),
        opt_text(&g.household),
        Cell::Text(g.species),
        Cell::Owned(hundredths(g.area)),
        Cell::Owned(g.dead.to_string()),
        Cell::Owned(g.mid.to_string()),
        Cell::Owned(g.peak.to_string()),
        Cell::Owned(yuan(g.price_dead)),
        Cell::Owned(yuan(g.price_mid)),
        Cell::Owned(yuan(g.price_peak)),
        opt_date(g.planting_date),
        opt_date(g.announcement_date),
        opt_int(g.sampled),
        opt_int(g.sampled_peak),
        opt_date(g.inspection_date),
    ]
}
