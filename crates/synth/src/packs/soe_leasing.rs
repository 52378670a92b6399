//! SOE property leasing (国企出租房产): properties, lease contracts, quarterly rent payments,
//! exchange listings and market reference rents for every state-owned unit of the registry.
//!
//! The background is clean with respect to every SL indicator (rents at 92–125 % of the
//! comparable median, terms of at most three years, listings above the tender threshold with a
//! fresh appraisal and several bidders, rent paid on time, utilities billed in full, tenants
//! unrelated to the lessor), so that every hit on it would be a false positive. Each county then
//! gets planted anomalies, near misses just inside a threshold and legitimate outliers, each on a
//! property of its own, recorded in the ground truth.

use super::{Index, Truth, add_months, as_of, days, hundredths, lease_end, median, ymd, yuan};
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
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The random stream of this pack (registry phases use 1–5).
const PHASE: u64 = 20;
/// Annual rent from which a lease must go through a property exchange (fen).
const TENDER_MIN_ANNUAL: i64 = 5_000_000;
const MARKET_YEARS: std::ops::RangeInclusive<i32> = 2018..=2025;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Usage {
    Shop,
    Office,
    Warehouse,
    Factory,
    Residential,
    Other,
}

impl Usage {
    const ALL: [Usage; 6] = [
        Usage::Shop,
        Usage::Office,
        Usage::Warehouse,
        Usage::Factory,
        Usage::Residential,
        Usage::Other,
    ];
    const WEIGHTS: [u32; 6] = [35, 25, 12, 8, 15, 5];

    pub fn name_zh(self) -> &'static str {
        match self {
            Usage::Shop => "商铺",
            Usage::Office => "办公",
            Usage::Warehouse => "仓储",
            Usage::Factory => "厂房",
            Usage::Residential => "住宅",
            Usage::Other => "其他",
        }
    }

    /// Typical monthly rent per m² in a prime location of an average county (fen).
    fn base_fen(self) -> f64 {
        match self {
            Usage::Shop => 11_000.0,
            Usage::Office => 7_000.0,
            Usage::Warehouse => 2_800.0,
            Usage::Factory => 2_200.0,
            Usage::Residential => 4_000.0,
            Usage::Other => 2_000.0,
        }
    }

    /// Area range in m².
    fn area(self) -> (i64, i64) {
        match self {
            Usage::Shop => (20, 300),
            Usage::Office => (60, 1200),
            Usage::Warehouse => (200, 3000),
            Usage::Factory => (400, 5000),
            Usage::Residential => (40, 140),
            Usage::Other => (15, 400),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    Prime,
    Standard,
    Remote,
}

impl Grade {
    const ALL: [Grade; 3] = [Grade::Prime, Grade::Standard, Grade::Remote];
    const WEIGHTS: [u32; 3] = [25, 55, 20];

    pub fn name_zh(self) -> &'static str {
        match self {
            Grade::Prime => "核心",
            Grade::Standard => "一般",
            Grade::Remote => "偏远",
        }
    }

    fn factor(self) -> f64 {
        match self {
            Grade::Prime => 1.0,
            Grade::Standard => 0.55,
            Grade::Remote => 0.3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub property_id: String,
    pub unit_id: String,
    pub name: String,
    pub address: String,
    pub division_code: String,
    pub usage: Usage,
    pub grade: Grade,
    /// Hundredths of a m².
    pub area: i64,
    pub vacant_since: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub contract_id: String,
    pub unit_id: String,
    pub property_id: String,
    pub tenant_name: String,
    pub tenant_uscc: Option<String>,
    pub tenant_person_id: Option<String>,
    pub sign_date: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub area: i64,
    pub monthly_rent: i64,
    pub rent_free_months: i64,
    pub listing_id: Option<String>,
    pub bundle_id: Option<String>,
    pub reserve: Option<i64>,
    pub appraisal_date: Option<NaiveDate>,
    pub term_approval_no: Option<String>,
    pub negotiated_after_failure: bool,
    pub price_approval_no: Option<String>,
    pub renewal_of: Option<String>,
    pub tenant_reg_address: String,
    pub tenant_reg_capital: Option<i64>,
    pub tenant_scope: String,
    pub sublet_rent: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub payment_id: String,
    pub contract_id: String,
    pub unit_id: String,
    pub due_date: NaiveDate,
    pub amount_due: i64,
    pub paid_date: Option<NaiveDate>,
    pub amount_paid: Option<i64>,
    pub utilities_metered: i64,
    pub utilities_billed: i64,
    pub legal_action: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingResult {
    Awarded,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub listing_id: String,
    pub unit_id: String,
    pub property_id: String,
    pub exchange: String,
    pub list_date: NaiveDate,
    pub reserve: i64,
    pub bidders: i64,
    pub winner_name: Option<String>,
    pub winner_uscc: Option<String>,
    pub result: ListingResult,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarketRent {
    pub ref_id: String,
    pub division_code: String,
    pub usage: Usage,
    pub grade: Grade,
    pub year: i32,
    /// Fen per m² per month.
    pub rent: i64,
    pub source: &'static str,
}

/// Everything the pack writes.
#[derive(Debug, Clone, Default)]
pub struct SoeLeasing {
    pub properties: Vec<Property>,
    pub contracts: Vec<Contract>,
    pub payments: Vec<Payment>,
    pub listings: Vec<Listing>,
    pub market: Vec<MarketRent>,
}

impl SoeLeasing {
    fn append(&mut self, mut o: SoeLeasing) {
        self.properties.append(&mut o.properties);
        self.contracts.append(&mut o.contracts);
        self.payments.append(&mut o.payments);
        self.listings.append(&mut o.listings);
        self.market.append(&mut o.market);
    }
}

#[derive(Debug, Clone)]
struct Firm {
    name: String,
    uscc: String,
    address: String,
}

#[derive(Debug, Clone)]
enum Tenant {
    Firm(Firm),
    Person { id: String, name: String },
}

impl Tenant {
    fn key(&self) -> String {
        match self {
            Tenant::Firm(f) => f.uscc.clone(),
            Tenant::Person { id, .. } => id.clone(),
        }
    }
}

/// A lease to create; `lease` fills in listing, appraisal and payments consistently.
struct Lease {
    unit: String,
    property: usize,
    tenant: Tenant,
    start: NaiveDate,
    months: u32,
    monthly: i64,
    listed: bool,
    rent_free: i64,
    renewal_of: Option<String>,
    /// Background leases keep every winner under three wins per unit and year.
    background: bool,
}

/// An official's person id, a close relative's person id, the official's title.
type Related = (String, String, String);

/// Indices of what one lease created.
struct Made {
    contract: usize,
    listing: Option<usize>,
    payments: std::ops::Range<usize>,
}

const SCOPES: &[&str] = &[
    "餐饮服务",
    "日用百货零售",
    "服装鞋帽零售",
    "仓储服务（不含危险品）",
    "软件开发；信息技术咨询",
    "企业管理咨询",
    "教育培训（不含学科类）",
    "机械零部件加工",
    "美容美发服务",
    "医疗器械经营",
];
const EXCHANGES: &[&str] = &["浙江产权交易所", "杭州产权交易所", "市公共资源交易中心"];

/// Generates the pack for every county of the registry, in code order, and adds the firm links
/// it plants to the registry's `org_relations`.
pub fn generate(
    reg: &mut Registry,
    counties: &[&Division],
    seed: u64,
    truth: &mut Vec<Anomaly>,
) -> SoeLeasing {
    let mut all = SoeLeasing::default();
    let mut new_org = Vec::new();
    {
        let index = Index::new(reg);
        for c in counties {
            let code = c.code.as_str();
            let mut g = County::new(reg, &index, code, seed);
            g.background();
            g.plant();
            all.append(g.out);
            new_org.append(&mut g.new_org);
            truth.append(&mut g.truth.out);
        }
    }
    reg.org_relations.append(&mut new_org);
    all
}

struct County<'r> {
    code: String,
    short: String,
    rng: ChaCha8Rng,
    index: &'r Index<'r>,
    soes: Vec<&'r crate::registry::Unit>,
    firms: Vec<Firm>,
    towns: Vec<(String, String)>,
    medians: HashMap<(Usage, Grade, i32), f64>,
    out: SoeLeasing,
    serial: BTreeMap<&'static str, u32>,
    wins: HashMap<(String, i32, String), u32>,
    new_org: Vec<OrgRelation>,
    truth: Truth,
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

/// Term in months as the indicators round it.
fn term_months(start: NaiveDate, end: NaiveDate) -> i64 {
    (((end - start).num_days() + 1) as f64 / 30.4375).round() as i64
}

impl<'r> County<'r> {
    fn new(reg: &'r Registry, index: &'r Index<'r>, code: &str, seed: u64) -> Self {
        let mut rng = county_rng(seed, code, PHASE);
        let soes: Vec<_> = reg
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Soe && u.division_code.starts_with(code))
            .collect();
        let firms: Vec<Firm> = reg
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::PrivateEnterprise && u.division_code.starts_with(code))
            .map(|u| Firm {
                name: u.name.clone(),
                uscc: u.uscc.clone(),
                address: u.address.clone(),
            })
            .collect();
        let towns: Vec<(String, String)> = reg
            .divisions
            .iter()
            .filter(|d| d.code.len() == 9 && d.parent_code == code)
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect();
        let county_name = qinglian_core::division::DivisionCode::parse(code)
            .ok()
            .and_then(|c| qinglian_core::division::builtin_lookup(&c))
            .map_or_else(|| "本县".to_owned(), |d| d.name.clone());
        let short = names::short_name(&county_name).to_owned();
        // Rents differ between counties; the factor is part of the county's own stream.
        let factor = rng.random_range(0.6..1.6);
        let mut out = SoeLeasing::default();
        let mut medians = HashMap::new();
        let mut n = 0;
        for usage in Usage::ALL {
            for grade in Grade::ALL {
                for year in MARKET_YEARS {
                    let growth = 1.03f64.powi(year - 2018);
                    let centre = usage.base_fen() * grade.factor() * factor * growth;
                    let k = rng.random_range(5..=8);
                    let mut values = Vec::with_capacity(k);
                    for _ in 0..k {
                        n += 1;
                        let rent = (centre * rng.random_range(0.85..1.15)).round() as i64;
                        values.push(rent);
                        out.market.push(MarketRent {
                            ref_id: format!("CK{code}-{n:05}"),
                            division_code: code.to_owned(),
                            usage,
                            grade,
                            year,
                            rent,
                            source: ["appraisal", "exchange", "quote", "own"]
                                [rng.random_range(0..4)],
                        });
                    }
                    medians.insert((usage, grade, year), median(&values));
                }
            }
        }
        County {
            code: code.to_owned(),
            short,
            rng,
            index,
            soes,
            firms,
            towns,
            medians,
            out,
            serial: BTreeMap::new(),
            wins: HashMap::new(),
            new_org: Vec::new(),
            truth: Truth::new("soe_leasing", code),
        }
    }

    fn next(&mut self, kind: &'static str) -> u32 {
        let n = self.serial.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    fn median(&self, usage: Usage, grade: Grade, year: i32) -> f64 {
        let y = year.clamp(*MARKET_YEARS.start(), *MARKET_YEARS.end());
        self.medians[&(usage, grade, y)]
    }

    /// Monthly rent (fen) at `ratio` of the comparable median for a property and start date.
    fn rent_at(&self, p: usize, start: NaiveDate, ratio: f64) -> i64 {
        let pr = &self.out.properties[p];
        (self.median(pr.usage, pr.grade, start.year()) * ratio * pr.area as f64 / 100.0).round()
            as i64
    }

    fn property(
        &mut self,
        unit: &str,
        usage: Usage,
        grade: Grade,
        area: i64,
        vacant_since: Option<NaiveDate>,
    ) -> usize {
        let n = self.next("property");
        let (town_code, town_name) = self
            .towns
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_else(|| (self.code.clone(), String::new()));
        let road = names::road_address(&mut self.rng);
        self.out.properties.push(Property {
            property_id: format!("FC{}-{n:06}", self.code),
            unit_id: unit.to_owned(),
            name: format!("{road}{}", usage.name_zh()),
            address: format!("{town_name}{road}"),
            division_code: town_code,
            usage,
            grade,
            area,
            vacant_since,
        });
        self.out.properties.len() - 1
    }

    fn random_property(&mut self, unit: &str, vacant_since: Option<NaiveDate>) -> usize {
        let usage = weighted(&mut self.rng, &Usage::ALL, &Usage::WEIGHTS);
        let grade = weighted(&mut self.rng, &Grade::ALL, &Grade::WEIGHTS);
        let (lo, hi) = usage.area();
        let area = self.rng.random_range(lo * 100..=hi * 100);
        self.property(unit, usage, grade, area, vacant_since)
    }

    /// A property sized so that a lease at `ratio` of the median costs about `annual` fen a year.
    fn sized_property(&mut self, unit: &str, annual: i64, ratio: f64, start: NaiveDate) -> usize {
        let usage = weighted(&mut self.rng, &Usage::ALL, &Usage::WEIGHTS);
        let grade = weighted(&mut self.rng, &Grade::ALL, &Grade::WEIGHTS);
        let per_m2_year = self.median(usage, grade, start.year()) * ratio * 12.0;
        let area = ((annual as f64 / per_m2_year) * 100.0).round().max(1000.0) as i64;
        self.property(unit, usage, grade, area, None)
    }

    fn fresh_firm(&mut self) -> Firm {
        let place = names::place_stem(&mut self.rng);
        Firm {
            name: names::company_name(&mut self.rng, &place),
            uscc: ids::uscc(&mut self.rng, UsccCategory::Enterprise, &self.code),
            address: format!("{}{}", self.short, names::road_address(&mut self.rng)),
        }
    }

    /// A registry firm with no one behind it at `unit`, not yet at two wins this year there.
    fn background_firm(&mut self, unit: &str, year: Option<i32>) -> Firm {
        for _ in 0..40 {
            let Some(f) = self.firms.choose(&mut self.rng).cloned() else {
                break;
            };
            let linked = self
                .index
                .firm_links
                .get(f.uscc.as_str())
                .is_some_and(|units| units.contains(unit));
            let capped = year.is_some_and(|y| {
                self.wins
                    .get(&(unit.to_owned(), y, f.uscc.clone()))
                    .is_some_and(|w| *w >= 2)
            });
            if !linked && !capped {
                return f;
            }
        }
        self.fresh_firm()
    }

    fn lease(&mut self, l: Lease) -> Made {
        let n = self.next("contract");
        let contract_id = format!("ZL{}-{n:06}", self.code);
        let end = lease_end(l.start, l.months);
        let prop = self.out.properties[l.property].clone();
        let mut listing = None;
        let (mut reserve, mut appraisal) = (None, None);
        let mut tenant = l.tenant;
        if l.listed {
            let list_date = days(l.start, -self.rng.random_range(20..=60));
            if l.background
                && let Tenant::Firm(f) = &tenant
            {
                let capped = self
                    .wins
                    .get(&(l.unit.clone(), list_date.year(), f.uscc.clone()))
                    .is_some_and(|w| *w >= 2);
                if capped {
                    tenant = Tenant::Firm(self.background_firm(&l.unit, Some(list_date.year())));
                }
            }
            let r = (l.monthly as f64 / self.rng.random_range(1.0..1.15)).floor() as i64;
            reserve = Some(r);
            appraisal = Some(days(list_date, -self.rng.random_range(20..=200)));
            let ln = self.next("listing");
            let listing_id = format!("GP{}-{ln:06}", self.code);
            let (winner_name, winner_uscc) = match &tenant {
                Tenant::Firm(f) => (f.name.clone(), Some(f.uscc.clone())),
                Tenant::Person { name, .. } => (name.clone(), None),
            };
            *self
                .wins
                .entry((l.unit.clone(), list_date.year(), tenant.key()))
                .or_insert(0) += 1;
            self.out.listings.push(Listing {
                listing_id,
                unit_id: l.unit.clone(),
                property_id: prop.property_id.clone(),
                exchange: EXCHANGES[self.rng.random_range(0..EXCHANGES.len())].to_owned(),
                list_date,
                reserve: r,
                bidders: self.rng.random_range(2..=6),
                winner_name: Some(winner_name),
                winner_uscc,
                result: ListingResult::Awarded,
            });
            listing = Some(self.out.listings.len() - 1);
        }
        let (tenant_name, tenant_uscc, tenant_person_id, reg_address, capital) = match &tenant {
            Tenant::Firm(f) => (
                f.name.clone(),
                Some(f.uscc.clone()),
                None,
                f.address.clone(),
                Some(self.rng.random_range(100..=5000) * 1_000_000),
            ),
            Tenant::Person { id, name } => {
                (name.clone(), None, Some(id.clone()), String::new(), None)
            }
        };
        let sublet_rent = self
            .rng
            .random_bool(0.15)
            .then(|| (l.monthly as f64 * self.rng.random_range(0.9..1.35)).round() as i64);
        let scope = if tenant_uscc.is_some() {
            SCOPES[self.rng.random_range(0..SCOPES.len())].to_owned()
        } else {
            String::new()
        };
        self.out.contracts.push(Contract {
            contract_id: contract_id.clone(),
            unit_id: l.unit.clone(),
            property_id: prop.property_id.clone(),
            tenant_name,
            tenant_uscc,
            tenant_person_id,
            sign_date: days(l.start, -self.rng.random_range(0..=15)),
            start_date: l.start,
            end_date: end,
            area: prop.area,
            monthly_rent: l.monthly,
            rent_free_months: l.rent_free,
            listing_id: listing.map(|i| self.out.listings[i].listing_id.clone()),
            bundle_id: None,
            reserve,
            appraisal_date: appraisal,
            term_approval_no: None,
            negotiated_after_failure: false,
            price_approval_no: None,
            renewal_of: l.renewal_of,
            tenant_reg_address: reg_address,
            tenant_reg_capital: capital,
            tenant_scope: scope,
            sublet_rent,
        });
        // Quarterly rent from 2024 on, paid within 25 days; utilities billed at cost or a
        // little above.
        let first = self.out.payments.len();
        let mut k = 0;
        loop {
            let due = add_months(l.start, 3 * k);
            k += 1;
            if due > end || due > as_of() {
                break;
            }
            if due < ymd(2024, 1, 1) {
                continue;
            }
            let pn = self.next("payment");
            let paid = days(due, self.rng.random_range(0..=25));
            let metered = (prop.area as f64 / 100.0 * self.rng.random_range(100.0..400.0) * 3.0)
                .round() as i64;
            let billed = if self.rng.random_bool(0.15) {
                (metered as f64 * self.rng.random_range(1.0..1.08)).round() as i64
            } else {
                metered
            };
            self.out.payments.push(Payment {
                payment_id: format!("SK{}-{pn:07}", self.code),
                contract_id: contract_id.clone(),
                unit_id: l.unit.clone(),
                due_date: due,
                amount_due: 3 * l.monthly,
                paid_date: (paid <= as_of()).then_some(paid),
                amount_paid: (paid <= as_of()).then_some(3 * l.monthly),
                utilities_metered: metered,
                utilities_billed: billed,
                legal_action: false,
            });
        }
        Made {
            contract: self.out.contracts.len() - 1,
            listing,
            payments: first..self.out.payments.len(),
        }
    }

    /// Every SOE's portfolio and its lease history since 2019 (contracts ending before 2022
    /// are not written).
    fn background(&mut self) {
        let soes: Vec<String> = self.soes.iter().map(|u| u.unit_id.clone()).collect();
        for unit in soes {
            let n = self.rng.random_range(50..=110);
            for _ in 0..n {
                let first = date_in(&mut self.rng, ymd(2019, 1, 1), ymd(2023, 6, 30));
                let vacant = self
                    .rng
                    .random_bool(0.3)
                    .then(|| days(first, -self.rng.random_range(15..=150)));
                let p = self.random_property(&unit, vacant);
                self.history(&unit, p, first);
            }
        }
    }

    fn history(&mut self, unit: &str, p: usize, first: NaiveDate) {
        // (contract id, tenant, monthly rent, start of the run, renewals in the run)
        let mut prev: Option<(String, Tenant, i64, NaiveDate, u32)> = None;
        let mut start = first;
        while start <= as_of() {
            let months = *[12u32, 24, 24, 36, 36, 36]
                .choose(&mut self.rng)
                .expect("non-empty");
            let end = lease_end(start, months);
            let floor = self.rent_at(p, start, 0.92);
            let renewal = prev.as_ref().and_then(|(id, t, m, run_start, renewals)| {
                let monthly = ((*m as f64) * self.rng.random_range(1.0..1.05)).round() as i64;
                let monthly = monthly.max(floor);
                let ok = monthly * 12 < TENDER_MIN_ANNUAL
                    && *renewals == 0
                    && term_months(*run_start, end) <= 60
                    && self.rng.random_bool(0.35);
                ok.then(|| (id.clone(), t.clone(), monthly, *run_start))
            });
            let (tenant, monthly, listed, renewal_of, run_start, renewals) = match renewal {
                Some((id, t, monthly, run_start)) => (t, monthly, false, Some(id), run_start, 1),
                None => {
                    let ratio = self.rng.random_range(0.92..1.25);
                    let monthly = self.rent_at(p, start, ratio);
                    let listed = monthly * 12 >= TENDER_MIN_ANNUAL || self.rng.random_bool(0.3);
                    let year = listed.then(|| start.year());
                    let firm = self.background_firm(unit, year);
                    (Tenant::Firm(firm), monthly, listed, None, start, 0)
                }
            };
            let rent_free = match self.rng.random_range(0..100) {
                0..75 => 0,
                75..93 => 1,
                _ if months >= 24 => 2,
                _ => 0,
            };
            let next_start = days(
                end,
                1 + if self.rng.random_bool(0.2) {
                    self.rng.random_range(1..=60)
                } else {
                    0
                },
            );
            if end >= ymd(2022, 1, 1) {
                let made = self.lease(Lease {
                    unit: unit.to_owned(),
                    property: p,
                    tenant: tenant.clone(),
                    start,
                    months,
                    monthly,
                    listed,
                    rent_free,
                    renewal_of,
                    background: true,
                });
                let c = &self.out.contracts[made.contract];
                let t = match (&c.tenant_uscc, &tenant) {
                    (Some(u), Tenant::Firm(f)) if *u != f.uscc => Tenant::Firm(Firm {
                        name: c.tenant_name.clone(),
                        uscc: u.clone(),
                        address: c.tenant_reg_address.clone(),
                    }),
                    _ => tenant,
                };
                prev = Some((c.contract_id.clone(), t, monthly, run_start, renewals));
            } else {
                prev = None;
            }
            start = next_start;
        }
    }

    fn soe(&mut self) -> String {
        self.soes
            .choose(&mut self.rng)
            .map(|u| u.unit_id.clone())
            .unwrap_or_default()
    }

    /// A clean planted lease on a property of its own: ratio 1.0–1.1, no rent-free months,
    /// a fresh tenant firm (so its wins stay its own), listed when above the threshold.
    fn planted(&mut self, unit: &str, annual: i64, start: NaiveDate, months: u32) -> Made {
        let ratio = self.rng.random_range(1.0..1.1);
        let p = self.sized_property(unit, annual, ratio, start);
        let monthly = self.rent_at(p, start, ratio);
        let firm = self.fresh_firm();
        self.lease(Lease {
            unit: unit.to_owned(),
            property: p,
            tenant: Tenant::Firm(firm),
            start,
            months,
            monthly,
            listed: monthly * 12 >= TENDER_MIN_ANNUAL,
            rent_free: 0,
            renewal_of: None,
            background: false,
        })
    }

    fn cid(&self, m: &Made) -> String {
        self.out.contracts[m.contract].contract_id.clone()
    }

    // One line per planted case reads best with every field spelled out at the call.
    #[allow(clippy::too_many_arguments)]
    fn mark(
        &mut self,
        pattern: &'static str,
        m: &Made,
        indicators: &[&str],
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        let id = self.cid(m);
        self.truth.push(
            pattern,
            "lease_contracts",
            &[("contract_id", &id)],
            indicators,
            expect,
            kind,
            zh,
            en,
        );
    }

    fn plant(&mut self) {
        if self.soes.is_empty() {
            return;
        }
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let start = ymd(2025, 3, 1);

        // SL-R01: above the tender threshold, not listed.
        for _ in 0..2 {
            let u = self.soe();
            let m = self.planted(&u, 8_000_000, start, 24);
            self.unlist(&m);
            self.mark(
                "offexchange",
                &m,
                &["SL-R01"],
                Fire,
                Planted,
                "年租金约 8 万元未进场交易",
                "about 80,000 yuan a year, not listed on an exchange",
            );
        }
        let u = self.soe();
        let nb = self.next("bundle");
        let bundle = format!("DB{}-{nb:03}", self.code);
        for _ in 0..3 {
            let m = self.planted(&u, 4_000_000, start, 24);
            self.unlist(&m);
            self.out.contracts[m.contract].bundle_id = Some(bundle.clone());
            self.mark(
                "bundle",
                &m,
                &["SL-R01"],
                Fire,
                Planted,
                "打包三处、合计约 12 万元未进场",
                "a bundle of three, about 120,000 yuan in total, not listed",
            );
        }
        let u = self.soe();
        let m = self.planted(&u, 3_000_000, start, 24);
        self.unlist(&m);
        self.set_rent(&m, 416_666);
        self.mark(
            "offexchange",
            &m,
            &["SL-R01"],
            NoFire,
            NearThreshold,
            "年租金 49999.92 元，差 8 分到限额",
            "49,999.92 yuan a year, 8 fen below the threshold",
        );

        // SL-R02: listed without a current appraisal.
        for age in [None, Some(450)] {
            let u = self.soe();
            let m = self.planted(&u, 8_000_000, start, 24);
            let list_date = self.out.listings[m.listing.expect("listed")].list_date;
            self.out.contracts[m.contract].appraisal_date = age.map(|a| days(list_date, -a));
            self.mark(
                "appraisal",
                &m,
                &["SL-R02"],
                Fire,
                Planted,
                "挂牌无有效评估（无报告或超过一年）",
                "listed without a valid appraisal (none, or over a year old)",
            );
        }
        let u = self.soe();
        let m = self.planted(&u, 8_000_000, start, 24);
        let list_date = self.out.listings[m.listing.expect("listed")].list_date;
        self.out.contracts[m.contract].appraisal_date = Some(days(list_date, -330));
        self.mark(
            "appraisal",
            &m,
            &["SL-R02"],
            NoFire,
            NearThreshold,
            "评估报告距挂牌 330 天",
            "appraisal 330 days before listing",
        );

        // SL-R03: terms over the limits.
        for (months, approval, kind, expect) in [
            (60, false, Planted, Fire),
            (96, true, Planted, Fire),
            (300, true, Planted, Fire),
            (36, false, NearThreshold, NoFire),
            (60, true, NearThreshold, NoFire),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, ymd(2024, 7, 1), months);
            if approval {
                let n = self.next("approval");
                self.out.contracts[m.contract].term_approval_no =
                    Some(format!("{}国资〔2024〕{n}号", self.short));
            }
            let (zh, en) = (
                format!(
                    "租期 {months} 个月{}",
                    if approval {
                        "，有审批"
                    } else {
                        "，无审批"
                    }
                ),
                format!(
                    "{months}-month term{}",
                    if approval {
                        " with approval"
                    } else {
                        " without approval"
                    }
                ),
            );
            self.mark("term", &m, &["SL-R03"], expect, kind, &zh, &en);
        }

        // SL-R04: renewals without a new public process.
        for (terms, kind, expect, zh, en) in [
            (
                vec![12, 12, 24],
                Planted,
                Fire,
                "同一承租方续租两次未重新招租",
                "renewed twice without a new public process",
            ),
            (
                vec![12, 12, 24],
                Planted,
                Fire,
                "同一承租方续租两次未重新招租",
                "renewed twice without a new public process",
            ),
            (
                vec![36, 36],
                Planted,
                Fire,
                "续租一次、连续 72 个月",
                "one renewal, 72 months in a row",
            ),
            (
                vec![24, 36],
                NearThreshold,
                NoFire,
                "续租一次、连续正好 60 个月",
                "one renewal, exactly 60 months in a row",
            ),
        ] {
            let u = self.soe();
            let total: u32 = terms.iter().sum();
            let first = add_months(ymd(2026, 1, 1), 0)
                .checked_sub_months(chrono::Months::new(total))
                .unwrap_or(start);
            let ratio = self.rng.random_range(1.0..1.1);
            let p = self.sized_property(&u, 3_000_000, ratio, first);
            let firm = self.fresh_firm();
            let mut s = first;
            let mut prev: Option<String> = None;
            let mut last = None;
            for months in terms {
                let monthly = self.rent_at(p, s, ratio);
                let made = self.lease(Lease {
                    unit: u.clone(),
                    property: p,
                    tenant: Tenant::Firm(firm.clone()),
                    start: s,
                    months,
                    monthly,
                    listed: false,
                    rent_free: 0,
                    renewal_of: prev.clone(),
                    background: false,
                });
                prev = Some(self.cid(&made));
                s = add_months(s, months);
                last = Some(made);
            }
            let last = last.expect("a chain");
            self.mark("renewal", &last, &["SL-R04"], expect, kind, zh, en);
        }

        // SL-R05: below the reserve.
        for _ in 0..2 {
            let u = self.soe();
            let m = self.planted(&u, 8_000_000, start, 24);
            let rent = self.out.contracts[m.contract].monthly_rent;
            self.set_reserve(&m, (rent as f64 / 0.9).round() as i64);
            self.mark(
                "reserve",
                &m,
                &["SL-R05"],
                Fire,
                Planted,
                "成交租金为底价的 90%",
                "signed at 90% of the reserve",
            );
        }
        for (ratio, approval, kind, expect, zh, en) in [
            (
                0.8,
                false,
                Planted,
                Fire,
                "流拍后协议出租为底价 80%，无审批",
                "negotiated at 80% of the reserve after a failed auction, no approval",
            ),
            (
                0.9,
                false,
                NearThreshold,
                NoFire,
                "流拍后协议出租正好为底价 90%",
                "negotiated at exactly 90% of the reserve",
            ),
            (
                0.8,
                true,
                NaturalOutlier,
                NoFire,
                "流拍后协议出租为底价 80%，有审批",
                "negotiated at 80% with an approval",
            ),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 8_000_000, start, 24);
            let rent = self.out.contracts[m.contract].monthly_rent;
            let reserve = (rent as f64 / ratio).floor() as i64;
            self.set_reserve(&m, reserve);
            // At the boundary the rent is rounded up, never below the allowed share.
            let rent = (ratio * reserve as f64).ceil() as i64;
            self.set_rent(&m, rent);
            let n_approval = self.next("approval");
            let l = m.listing.expect("listed");
            self.out.listings[l].result = ListingResult::Failed;
            self.out.listings[l].bidders = 0;
            self.out.listings[l].winner_name = None;
            self.out.listings[l].winner_uscc = None;
            let c = &mut self.out.contracts[m.contract];
            c.negotiated_after_failure = true;
            if approval {
                c.price_approval_no = Some(format!("{}国资〔2025〕{}号", self.short, n_approval));
            }
            self.mark("reserve", &m, &["SL-R05"], expect, kind, zh, en);
        }

        // SL-S01: below the market.
        for (ratio, kind, expect, zh, en) in [
            (
                self.rng.random_range(0.45..0.7),
                Planted,
                Fire,
                "租金为参考中位数的 45%–70%",
                "rent at 45–70% of the comparable median",
            ),
            (
                self.rng.random_range(0.45..0.7),
                Planted,
                Fire,
                "租金为参考中位数的 45%–70%",
                "rent at 45–70% of the comparable median",
            ),
            (
                0.81,
                NearThreshold,
                NoFire,
                "租金为参考中位数的 81%",
                "rent at 81% of the comparable median",
            ),
            (
                2.5,
                NaturalOutlier,
                NoFire,
                "租金为参考中位数的 2.5 倍",
                "rent at 2.5 times the comparable median",
            ),
        ] {
            let u = self.soe();
            // The high outlier is kept below the tender threshold so that only its rent stands out.
            let annual = if ratio > 1.5 { 1_500_000 } else { 3_000_000 };
            let m = self.planted(&u, annual, start, 24);
            self.at_ratio(&m, ratio);
            self.mark("below_market", &m, &["SL-S01"], expect, kind, zh, en);
        }

        // SL-S02: rent-free periods.
        for (months, free, approval, kind, expect) in [
            (12, 4, false, Planted, Fire),
            (36, 7, false, Planted, Fire),
            (36, 3, false, NearThreshold, NoFire),
            (60, 6, true, NearThreshold, NoFire),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, ymd(2024, 7, 1), months);
            let n = self.next("approval");
            let c = &mut self.out.contracts[m.contract];
            c.rent_free_months = free;
            if approval {
                c.term_approval_no = Some(format!("{}国资〔2024〕{}号", self.short, n));
            }
            let zh = format!("租期 {months} 个月，免租 {free} 个月");
            let en = format!("{months}-month term, {free} months rent-free");
            self.mark("rent_free", &m, &["SL-S02"], expect, kind, &zh, &en);
        }

        // SL-S03: arrears.
        for (first, unpaid, legal, kind, expect, zh, en) in [
            (
                ymd(2025, 1, 1),
                2,
                false,
                Planted,
                Fire,
                "两期租金逾期超过 90 天未追缴",
                "two instalments over 90 days overdue, not pursued",
            ),
            (
                ymd(2024, 10, 1),
                2,
                false,
                Planted,
                Fire,
                "两期租金逾期超过 90 天未追缴",
                "two instalments over 90 days overdue, not pursued",
            ),
            (
                ymd(2025, 1, 5),
                1,
                false,
                NearThreshold,
                NoFire,
                "一期租金逾期 87 天",
                "one instalment 87 days overdue",
            ),
            (
                ymd(2025, 1, 1),
                2,
                true,
                NaturalOutlier,
                NoFire,
                "逾期但已起诉",
                "overdue, with a lawsuit filed",
            ),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, first, 24);
            let range = m.payments.clone();
            let n = range.len();
            for i in range.clone().skip(n.saturating_sub(unpaid)) {
                let p = &mut self.out.payments[i];
                p.paid_date = None;
                p.amount_paid = None;
                p.legal_action = legal;
            }
            self.mark("arrears", &m, &["SL-S03"], expect, kind, zh, en);
        }

        // SL-S04: subletting signs.
        for (variant, kind, expect, zh, en) in [
            (
                "shell",
                Planted,
                Fire,
                "承租方注册在房产内、注册资本 5 万元、经营房屋租赁",
                "tenant registered at the property, 50,000 yuan capital, letting business",
            ),
            (
                "sublet",
                Planted,
                Fire,
                "转租租金为原租金 2 倍",
                "sub-rent twice the head rent",
            ),
            (
                "near",
                NearThreshold,
                NoFire,
                "转租租金为原租金 1.45 倍",
                "sub-rent 1.45 times the head rent",
            ),
            (
                "operator",
                NaturalOutlier,
                NoFire,
                "正规租赁企业，注册资本 1000 万元、注册在别处",
                "a real letting firm, 10 million yuan capital, registered elsewhere",
            ),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, start, 24);
            let address = self
                .out
                .properties
                .iter()
                .find(|p| p.property_id == self.out.contracts[m.contract].property_id)
                .map(|p| p.address.clone())
                .unwrap_or_default();
            let c = &mut self.out.contracts[m.contract];
            c.sublet_rent = None;
            match variant {
                "shell" => {
                    c.tenant_reg_capital = Some(5_000_000);
                    c.tenant_scope = "房屋租赁；物业管理".to_owned();
                    c.tenant_reg_address = address;
                }
                "sublet" => c.sublet_rent = Some(2 * c.monthly_rent),
                "near" => c.sublet_rent = Some((c.monthly_rent as f64 * 1.45).floor() as i64),
                _ => {
                    c.tenant_reg_capital = Some(1_000_000_000);
                    c.tenant_scope = "房屋租赁；资产管理".to_owned();
                }
            }
            self.mark("sublet", &m, &["SL-S04"], expect, kind, zh, en);
        }

        // SL-S05: tenants related to the lessor's head or key-post holders.
        self.plant_related();

        // SL-S06: a single bidder; one winner three times a year; two wins (a near miss).
        for _ in 0..2 {
            let u = self.soe();
            let m = self.planted(&u, 8_000_000, start, 24);
            let l = m.listing.expect("listed");
            self.out.listings[l].bidders = 1;
            let id = self.out.listings[l].listing_id.clone();
            self.truth.push(
                "single_bidder",
                "tender_listings",
                &[("listing_id", &id)],
                &["SL-S06"],
                Fire,
                Planted,
                "只有一家报名竞租",
                "a single registered bidder",
            );
        }
        for (wins, expect, kind, zh, en) in [
            (
                3,
                Fire,
                Planted,
                "同一承租方一年内在同一单位中标 3 次",
                "one bidder won three times at one lessor in a year",
            ),
            (
                2,
                NoFire,
                NearThreshold,
                "同一承租方一年内在同一单位中标 2 次",
                "one bidder won twice at one lessor in a year",
            ),
        ] {
            let u = self.soe();
            let firm = self.fresh_firm();
            for i in 0..wins {
                let s = add_months(ymd(2025, 3, 1), 3 * i);
                let m = self.planted(&u, 8_000_000, s, 24);
                self.retenant(&m, &firm);
                let id = self.out.listings[m.listing.expect("listed")]
                    .listing_id
                    .clone();
                self.truth.push(
                    "repeat_winner",
                    "tender_listings",
                    &[("listing_id", &id)],
                    &["SL-S06"],
                    expect,
                    kind,
                    zh,
                    en,
                );
            }
        }

        // SL-S07: a long vacancy, then a cheap lease (also below market for SL-S01).
        for (vacant, ratio) in [(270, 0.6), (300, 0.55)] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, start, 24);
            self.at_ratio(&m, ratio);
            self.vacate(&m, vacant);
            self.mark(
                "vacancy",
                &m,
                &["SL-S01", "SL-S07"],
                Fire,
                Planted,
                "空置约 9 个月后以参考中位数 60% 以下出租",
                "vacant about nine months, then let below 60% of the median",
            );
        }
        for (vacant, ratio, zh, en) in [
            (
                270,
                0.72,
                "空置 9 个月后以中位数 72% 出租",
                "vacant nine months, then let at 72% of the median",
            ),
            (
                170,
                0.6,
                "空置 170 天后以中位数 60% 出租",
                "vacant 170 days, then let at 60% of the median",
            ),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, start, 24);
            self.at_ratio(&m, ratio);
            self.vacate(&m, vacant);
            self.mark("vacancy", &m, &["SL-S07"], NoFire, NearThreshold, zh, en);
            self.mark("below_market", &m, &["SL-S01"], Fire, Planted, zh, en);
        }

        // SL-S08: utilities billed below cost in 2025.
        for (share, kind, expect, zh, en) in [
            (
                0.7,
                Planted,
                Fire,
                "2025 年水电代收为计量成本的 70%",
                "2025 utilities billed at 70% of cost",
            ),
            (
                0.6,
                Planted,
                Fire,
                "2025 年水电代收为计量成本的 60%",
                "2025 utilities billed at 60% of cost",
            ),
            (
                0.96,
                NearThreshold,
                NoFire,
                "2025 年水电代收为计量成本的 96%",
                "2025 utilities billed at 96% of cost",
            ),
        ] {
            let u = self.soe();
            let m = self.planted(&u, 3_000_000, ymd(2024, 7, 1), 24);
            for i in m.payments.clone() {
                let p = &mut self.out.payments[i];
                if p.due_date.year() == 2025 {
                    p.utilities_billed = (p.utilities_metered as f64 * share).ceil() as i64;
                }
            }
            let id = self.cid(&m);
            self.truth.push(
                "utilities",
                "lease_contracts",
                &[("bill_year", "2025"), ("contract_id", &id)],
                &["SL-S08"],
                expect,
                kind,
                zh,
                en,
            );
        }
    }

    /// Removes the exchange listing (and what comes with it) from a planted lease.
    fn unlist(&mut self, m: &Made) {
        if let Some(l) = m.listing {
            // Listings are only referenced by their contract; an orphan would be screened on
            // its own (single bidder, repeat winner), so it is removed outright.
            let id = self.out.listings[l].listing_id.clone();
            self.out.listings.retain(|x| x.listing_id != id);
        }
        let c = &mut self.out.contracts[m.contract];
        c.listing_id = None;
        c.reserve = None;
        c.appraisal_date = None;
    }

    fn set_rent(&mut self, m: &Made, monthly: i64) {
        self.out.contracts[m.contract].monthly_rent = monthly;
        for i in m.payments.clone() {
            let p = &mut self.out.payments[i];
            p.amount_due = 3 * monthly;
            if p.amount_paid.is_some() {
                p.amount_paid = Some(3 * monthly);
            }
        }
        if let Some(s) = self.out.contracts[m.contract].sublet_rent.as_mut() {
            *s = monthly;
        }
    }

    fn set_reserve(&mut self, m: &Made, reserve: i64) {
        self.out.contracts[m.contract].reserve = Some(reserve);
        if let Some(l) = m.listing {
            self.out.listings[l].reserve = reserve;
        }
    }

    /// Sets the rent to `ratio` of the comparable median (rounded up, so a boundary case never
    /// falls below it).
    fn at_ratio(&mut self, m: &Made, ratio: f64) {
        let c = &self.out.contracts[m.contract];
        let p = self
            .out
            .properties
            .iter()
            .position(|p| p.property_id == c.property_id)
            .expect("property exists");
        let pr = &self.out.properties[p];
        let med = self.median(pr.usage, pr.grade, c.start_date.year());
        let monthly = (ratio * med * pr.area as f64 / 100.0).ceil() as i64;
        self.set_rent(m, monthly);
        if let Some(l) = m.listing {
            let reserve = monthly;
            self.out.listings[l].reserve = reserve;
            self.out.contracts[m.contract].reserve = Some(reserve);
        }
    }

    fn vacate(&mut self, m: &Made, days_before: i64) {
        let c = &self.out.contracts[m.contract];
        let (pid, start) = (c.property_id.clone(), c.start_date);
        if let Some(p) = self
            .out
            .properties
            .iter_mut()
            .find(|p| p.property_id == pid)
        {
            p.vacant_since = Some(days(start, -days_before));
        }
    }

    fn retenant(&mut self, m: &Made, firm: &Firm) {
        let c = &mut self.out.contracts[m.contract];
        c.tenant_name = firm.name.clone();
        c.tenant_uscc = Some(firm.uscc.clone());
        c.tenant_reg_address = firm.address.clone();
        if let Some(l) = m.listing {
            self.out.listings[l].winner_name = Some(firm.name.clone());
            self.out.listings[l].winner_uscc = Some(firm.uscc.clone());
        }
    }

    /// Officials (the head, key-post holders) of a unit serving on 2025-03-01, with their
    /// close relatives.
    fn officials_with_relatives(&self, unit: &str, head: bool) -> Vec<Related> {
        let mut out = Vec::new();
        for p in self.index.posts_by_unit.get(unit).into_iter().flatten() {
            let serving = p.start_date <= ymd(2025, 1, 1) && p.end_date.is_none();
            let fits = if head {
                p.is_head
            } else {
                !p.is_head && p.key_area.is_some()
            };
            if !serving || !fits {
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
                    out.push((p.person_id.clone(), (*rel).to_owned(), p.title.clone()));
                }
            }
        }
        out.sort();
        out
    }

    fn related_firm(&mut self, person: &str) -> Firm {
        let firm = self.fresh_firm();
        for (role, share) in [
            (OrgRole::Shareholder, Some(6000)),
            (OrgRole::LegalRepresentative, None),
        ] {
            self.new_org.push(OrgRelation {
                person_id: person.to_owned(),
                org_name: firm.name.clone(),
                org_uscc: firm.uscc.clone(),
                unit_id: String::new(),
                role,
                share_bp: share,
                start_date: Some(ymd(2023, 5, 1)),
                end_date: None,
            });
        }
        firm
    }

    fn plant_related(&mut self) {
        use AnomalyKind::{NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let start = ymd(2025, 3, 1);
        let units: Vec<String> = self.soes.iter().map(|u| u.unit_id.clone()).collect();
        // A firm of the head's close relative.
        let heads: Vec<(String, Vec<Related>)> = units
            .iter()
            .map(|u| (u.clone(), self.officials_with_relatives(u, true)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if let Some((u, rels)) = heads.first().cloned() {
            let (_, relative, _) = rels[self.rng.random_range(0..rels.len())].clone();
            let firm = self.related_firm(&relative);
            let m = self.planted(&u, 3_000_000, start, 24);
            self.retenant(&m, &firm);
            self.mark("related", &m, &["SL-S05"], Fire, Planted,
                "承租企业的股东、法定代表人是出租单位负责人的近亲属", "the tenant firm's shareholder and legal representative is a close relative of the lessor's head");
            // The same kind of firm, but its owner is related to another unit's head: not a
            // link to this lessor (unless that relative works here, which is then skipped).
            let staff_here: BTreeSet<String> = self
                .index
                .posts_by_unit
                .get(u.as_str())
                .into_iter()
                .flatten()
                .map(|p| p.person_id.clone())
                .collect();
            let other = heads
                .iter()
                .filter(|(x, _)| *x != u)
                .flat_map(|(_, rels)| rels.iter())
                .find(|(_, rel, _)| !staff_here.contains(rel))
                .cloned();
            if let Some((_, relative2, _)) = other {
                let firm2 = self.related_firm(&relative2);
                let m = self.planted(&u, 3_000_000, start, 24);
                self.retenant(&m, &firm2);
                self.mark(
                    "related",
                    &m,
                    &["SL-S05"],
                    NoFire,
                    NearThreshold,
                    "承租企业股东是另一家国企负责人的近亲属",
                    "the tenant firm's owner is related to another SOE's head",
                );
            }
        }
        // A close relative of a key-post holder renting as a private person.
        let keyed: Vec<(String, Vec<Related>)> = units
            .iter()
            .map(|u| (u.clone(), self.officials_with_relatives(u, false)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if let Some((u, rels)) = keyed.last().cloned() {
            let (_, relative, _) = rels[self.rng.random_range(0..rels.len())].clone();
            let name = self
                .index
                .names
                .get(relative.as_str())
                .copied()
                .unwrap_or("某某")
                .to_owned();
            let ratio = self.rng.random_range(1.0..1.1);
            let p = self.sized_property(&u, 3_000_000, ratio, start);
            let monthly = self.rent_at(p, start, ratio);
            let m = self.lease(Lease {
                unit: u.clone(),
                property: p,
                tenant: Tenant::Person { id: relative, name },
                start,
                months: 24,
                monthly,
                listed: false,
                rent_free: 0,
                renewal_of: None,
                background: false,
            });
            self.mark(
                "related",
                &m,
                &["SL-S05"],
                Fire,
                Planted,
                "承租人是出租单位关键岗位人员的近亲属",
                "the tenant is a close relative of a key-post holder of the lessor",
            );
        }
    }
}

// ---- output -------------------------------------------------------------------------------

pub const PROPERTIES: [(&str, &str); 9] = [
    ("property_id", "房产编号"),
    ("unit_id", "产权单位编号"),
    ("name", "房产名称"),
    ("address", "坐落地址"),
    ("division_code", "所在区划代码"),
    ("usage", "用途"),
    ("grade", "地段等级"),
    ("area_m2", "建筑面积（平方米）"),
    ("vacant_since", "空置起始日期"),
];
pub const CONTRACTS: [(&str, &str); 24] = [
    ("contract_id", "合同编号"),
    ("unit_id", "出租单位编号"),
    ("property_id", "房产编号"),
    ("tenant_name", "承租方名称"),
    ("tenant_uscc", "承租方统一社会信用代码"),
    ("tenant_person_id", "承租人人员编号"),
    ("sign_date", "签订日期"),
    ("start_date", "租期起始日"),
    ("end_date", "租期终止日"),
    ("area_m2", "出租面积（平方米）"),
    ("monthly_rent", "月租金（元）"),
    ("rent_free_months", "免租期（月）"),
    ("listing_id", "产权交易项目编号"),
    ("bundle_id", "打包招租编号"),
    ("reserve_monthly_rent", "招租底价（元/月）"),
    ("appraisal_date", "评估基准日"),
    ("term_approval_no", "延长租期审批文号"),
    ("negotiated_after_failure", "流拍后协议出租"),
    ("price_approval_no", "低于底价审批文号"),
    ("renewal_of", "续租原合同编号"),
    ("tenant_reg_address", "承租方注册地址"),
    ("tenant_reg_capital", "承租方注册资本（元）"),
    ("tenant_scope", "承租方经营范围"),
    ("sublet_monthly_rent", "转租市场月租金（元）"),
];
pub const PAYMENTS: [(&str, &str); 10] = [
    ("payment_id", "收款编号"),
    ("contract_id", "合同编号"),
    ("unit_id", "出租单位编号"),
    ("due_date", "应收日期"),
    ("amount_due", "应收租金（元）"),
    ("paid_date", "实收日期"),
    ("amount_paid", "实收租金（元）"),
    ("utilities_metered", "水电计量成本（元）"),
    ("utilities_billed", "水电代收金额（元）"),
    ("legal_action", "已采取法律措施"),
];
pub const LISTINGS: [(&str, &str); 10] = [
    ("listing_id", "产权交易项目编号"),
    ("unit_id", "出租单位编号"),
    ("property_id", "房产编号"),
    ("exchange", "产权交易机构"),
    ("list_date", "挂牌日期"),
    ("reserve_monthly_rent", "挂牌底价（元/月）"),
    ("bidders", "报名竞租人数"),
    ("winner_name", "成交方名称"),
    ("winner_uscc", "成交方统一社会信用代码"),
    ("result", "挂牌结果"),
];
pub const MARKET: [(&str, &str); 7] = [
    ("ref_id", "参考编号"),
    ("division_code", "区划代码"),
    ("usage", "用途"),
    ("grade", "地段等级"),
    ("ref_year", "年度"),
    ("rent_per_m2_month", "参考租金（元/平方米·月）"),
    ("source", "来源"),
];

fn opt_text(s: &Option<String>) -> Cell<'_> {
    s.as_deref().map_or(Cell::Empty, Cell::Text)
}
fn opt_money(v: Option<i64>) -> Cell<'static> {
    v.map_or(Cell::Empty, |f| Cell::Owned(yuan(f)))
}
fn opt_date(d: Option<NaiveDate>) -> Cell<'static> {
    d.map_or(Cell::Empty, Cell::Date)
}
fn yes_no(b: bool) -> Cell<'static> {
    Cell::Text(if b { "是" } else { "否" })
}
fn text(s: &str) -> Cell<'_> {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s)
    }
}

pub(crate) fn property_cells(p: &Property) -> [Cell<'_>; 9] {
    [
        Cell::Text(&p.property_id),
        Cell::Text(&p.unit_id),
        Cell::Text(&p.name),
        Cell::Text(&p.address),
        Cell::Text(&p.division_code),
        Cell::Text(p.usage.name_zh()),
        Cell::Text(p.grade.name_zh()),
        Cell::Owned(hundredths(p.area)),
        opt_date(p.vacant_since),
    ]
}

pub(crate) fn contract_cells(c: &Contract) -> [Cell<'_>; 24] {
    [
        Cell::Text(&c.contract_id),
        Cell::Text(&c.unit_id),
        Cell::Text(&c.property_id),
        Cell::Text(&c.tenant_name),
        opt_text(&c.tenant_uscc),
        opt_text(&c.tenant_person_id),
        Cell::Date(c.sign_date),
        Cell::Date(c.start_date),
        Cell::Date(c.end_date),
        Cell::Owned(hundredths(c.area)),
        Cell::Owned(yuan(c.monthly_rent)),
        Cell::Owned(c.rent_free_months.to_string()),
        opt_text(&c.listing_id),
        opt_text(&c.bundle_id),
        opt_money(c.reserve),
        opt_date(c.appraisal_date),
        opt_text(&c.term_approval_no),
        yes_no(c.negotiated_after_failure),
        opt_text(&c.price_approval_no),
        opt_text(&c.renewal_of),
        text(&c.tenant_reg_address),
        opt_money(c.tenant_reg_capital),
        text(&c.tenant_scope),
        opt_money(c.sublet_rent),
    ]
}

pub(crate) fn payment_cells(p: &Payment) -> [Cell<'_>; 10] {
    [
        Cell::Text(&p.payment_id),
        Cell::Text(&p.contract_id),
        Cell::Text(&p.unit_id),
        Cell::Date(p.due_date),
        Cell::Owned(yuan(p.amount_due)),
        opt_date(p.paid_date),
        opt_money(p.amount_paid),
        Cell::Owned(yuan(p.utilities_metered)),
        Cell::Owned(yuan(p.utilities_billed)),
        yes_no(p.legal_action),
    ]
}

pub(crate) fn listing_cells(l: &Listing) -> [Cell<'_>; 10] {
    [
        Cell::Text(&l.listing_id),
        Cell::Text(&l.unit_id),
        Cell::Text(&l.property_id),
        Cell::Text(&l.exchange),
        Cell::Date(l.list_date),
        Cell::Owned(yuan(l.reserve)),
        Cell::Owned(l.bidders.to_string()),
        opt_text(&l.winner_name),
        opt_text(&l.winner_uscc),
        Cell::Text(match l.result {
            ListingResult::Awarded => "成交",
            ListingResult::Failed => "流拍",
        }),
    ]
}

pub(crate) fn market_cells(m: &MarketRent) -> [Cell<'_>; 7] {
    [
        Cell::Text(&m.ref_id),
        Cell::Text(&m.division_code),
        Cell::Text(m.usage.name_zh()),
        Cell::Text(m.grade.name_zh()),
        Cell::Owned(m.year.to_string()),
        Cell::Owned(yuan(m.rent)),
        Cell::Text(match m.source {
            "appraisal" => "评估",
            "exchange" => "交易结果",
            "quote" => "市场报价",
            _ => "自有物业",
        }),
    ]
}
