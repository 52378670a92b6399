//! Domain packs: data attached to the registry's units and people, with planted anomalies,
//! near misses and legitimate outliers recorded in the ground truth.
//!
//! Each pack draws from its own random stream per county (like the registry), so a county's
//! pack data is the same whether it is generated alone or as part of its city or province.

pub mod education;
pub mod enforcement;
pub mod soe_leasing;
pub mod village_assets;

use crate::registry::{OrgRole, Post, Registry, Relation};
use crate::truth::{Anomaly, AnomalyKind, Expect};
use chrono::{Months, NaiveDate};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The reference day of every pack: screening the synthetic data "as of" this day reproduces
/// the ground truth (`ground_truth.json` records it as `as_of`).
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date")
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The last day of a lease of `months` starting on `start`.
pub(crate) fn lease_end(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start)
}

pub(crate) fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap_or(d)
}

pub(crate) fn days(d: NaiveDate, n: i64) -> NaiveDate {
    d + chrono::Duration::days(n)
}

/// Fen as yuan text with two decimals, as spreadsheets hold money.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Hundredths as a decimal with two places (areas).
pub(crate) fn hundredths(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// The median as the indicators compute it: the mean of the two middle values of an even count.
pub(crate) fn median(values: &[i64]) -> f64 {
    let mut v: Vec<f64> = values.iter().map(|x| *x as f64).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let h = (n - 1) as f64 * 0.5;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Builds ground-truth entries with a running serial per pattern.
pub(crate) struct Truth {
    pub pack: &'static str,
    pub county: String,
    serial: BTreeMap<&'static str, u32>,
    pub out: Vec<Anomaly>,
}

impl Truth {
    pub fn new(pack: &'static str, county: &str) -> Self {
        Truth {
            pack,
            county: county.to_owned(),
            serial: BTreeMap::new(),
            out: Vec::new(),
        }
    }

    // Mirrors the fields of an entry one to one; a builder would only add ceremony.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        pattern: &'static str,
        dataset: &str,
        keys: &[(&str, &str)],
        indicators: &[&str],
        expect: Expect,
        kind: AnomalyKind,
        note_zh: &str,
        note_en: &str,
    ) {
        let n = self.serial.entry(pattern).or_insert(0);
        *n += 1;
        self.out.push(Anomaly {
            id: format!("{}-{pattern}-{}-{:03}", self.pack, self.county, n),
            dataset: dataset.to_owned(),
            keys: keys
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            indicators: indicators.iter().map(|s| (*s).to_owned()).collect(),
            expect,
            kind,
            note_zh: note_zh.to_owned(),
            note_en: note_en.to_owned(),
        });
    }
}

/// One pack's CSV files written into a folder, with their summaries in import order.
struct CsvFiles<'a> {
    out: &'a std::path::Path,
    progress: &'a dyn Fn(&str, u64, u64),
    files: Vec<crate::FileSummary>,
}

impl<'a> CsvFiles<'a> {
    fn new(out: &'a std::path::Path, progress: &'a dyn Fn(&str, u64, u64)) -> Self {
        CsvFiles {
            out,
            progress,
            files: Vec::new(),
        }
    }

    /// Writes `<dataset>.csv` with the Chinese headers of `cols` (`(field, header)` pairs).
    fn write<T, const N: usize>(
        &mut self,
        dataset: &str,
        cols: [(&'static str, &'static str); N],
        rows: &[T],
        cells: impl Fn(&T) -> [crate::write::Cell<'_>; N],
    ) -> Result<(), crate::SynthError> {
        let path = self.out.join(format!("{dataset}.csv"));
        let progress = |done, total| (self.progress)(dataset, done, total);
        let rows = crate::csv::write_csv(&path, cols.map(|c| c.1), rows, cells, &progress)?;
        self.files.push(crate::FileSummary {
            dataset: dataset.to_owned(),
            path,
            rows,
        });
        Ok(())
    }
}

/// Writes the SOE leasing files; returns their summaries in import order.
pub(crate) fn write_soe_leasing(
    out: &std::path::Path,
    d: &soe_leasing::SoeLeasing,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<crate::FileSummary>, crate::SynthError> {
    use soe_leasing as s;
    let mut w = CsvFiles::new(out, progress);
    w.write("market_rents", s::MARKET, &d.market, s::market_cells)?;
    w.write(
        "properties",
        s::PROPERTIES,
        &d.properties,
        s::property_cells,
    )?;
    w.write(
        "tender_listings",
        s::LISTINGS,
        &d.listings,
        s::listing_cells,
    )?;
    w.write(
        "lease_contracts",
        s::CONTRACTS,
        &d.contracts,
        s::contract_cells,
    )?;
    w.write("rent_payments", s::PAYMENTS, &d.payments, s::payment_cells)?;
    Ok(w.files)
}

/// Writes the village collective asset files; returns their summaries in import order.
pub(crate) fn write_village_assets(
    out: &std::path::Path,
    d: &village_assets::VillageAssets,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<crate::FileSummary>, crate::SynthError> {
    use village_assets as v;
    let mut w = CsvFiles::new(out, progress);
    w.write(
        "collectives",
        v::COLLECTIVES,
        &d.collectives,
        v::collective_cells,
    )?;
    w.write("village_assets", v::ASSETS, &d.assets, v::asset_cells)?;
    w.write(
        "village_resolutions",
        v::RESOLUTIONS,
        &d.resolutions,
        v::resolution_cells,
    )?;
    w.write(
        "village_contracts",
        v::CONTRACTS,
        &d.contracts,
        v::contract_cells,
    )?;
    w.write(
        "village_payments",
        v::PAYMENTS,
        &d.payments,
        v::payment_cells,
    )?;
    w.write(
        "village_disclosures",
        v::DISCLOSURES,
        &d.disclosures,
        v::disclosure_cells,
    )?;
    w.write(
        "grading_records",
        v::GRADINGS,
        &d.gradings,
        v::grading_cells,
    )?;
    Ok(w.files)
}

/// Writes the school enrolment files; returns their summaries in import order.
pub(crate) fn write_education(
    out: &std::path::Path,
    d: &education::Education,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<crate::FileSummary>, crate::SynthError> {
    use education as e;
    let mut w = CsvFiles::new(out, progress);
    w.write("enrolment_plans", e::PLANS, &d.plans, e::plan_cells)?;
    w.write(
        "enrolment_applications",
        e::APPLICATIONS,
        &d.applications,
        e::application_cells,
    )?;
    w.write(
        "household_registrations",
        e::REGISTRATIONS,
        &d.registrations,
        e::registration_cells,
    )?;
    w.write(
        "admissions",
        e::ADMISSIONS,
        &d.admissions,
        e::admission_cells,
    )?;
    w.write("lottery_lists", e::LISTS, &d.lists, e::list_cells)?;
    w.write("class_assignments", e::CLASSES, &d.classes, e::class_cells)?;
    w.write("pupil_records", e::RECORDS, &d.records, e::record_cells)?;
    w.write(
        "school_transfers",
        e::TRANSFERS,
        &d.transfers,
        e::transfer_cells,
    )?;
    Ok(w.files)
}

/// Registry facts the packs need, indexed once per generation.
pub(crate) struct Index<'r> {
    pub(crate) posts_by_unit: HashMap<&'r str, Vec<&'r Post>>,
    pub(crate) relatives: HashMap<&'r str, Vec<(&'r str, Relation)>>,
    pub(crate) names: HashMap<&'r str, &'r str>,
    /// Units where someone behind a firm (shareholder, legal representative, manager) holds
    /// or held a post: such a firm never deals with those units in the background.
    pub(crate) firm_links: HashMap<&'r str, BTreeSet<&'r str>>,
}

impl<'r> Index<'r> {
    pub(crate) fn new(reg: &'r Registry) -> Self {
        let mut posts_by_unit: HashMap<&str, Vec<&Post>> = HashMap::new();
        let mut units_of_person: HashMap<&str, Vec<&str>> = HashMap::new();
        for p in &reg.posts {
            posts_by_unit.entry(p.unit_id.as_str()).or_default().push(p);
            units_of_person
                .entry(p.person_id.as_str())
                .or_default()
                .push(p.unit_id.as_str());
        }
        let mut relatives: HashMap<&str, Vec<(&str, Relation)>> = HashMap::new();
        for r in &reg.person_relations {
            relatives
                .entry(r.person_id.as_str())
                .or_default()
                .push((r.related_person_id.as_str(), r.relation));
        }
        let names = reg
            .people
            .iter()
            .map(|p| (p.person_id.as_str(), p.name.as_str()))
            .collect();
        let mut firm_links: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for o in reg
            .org_relations
            .iter()
            .filter(|o| o.role != OrgRole::Employee)
        {
            let units = units_of_person.get(o.person_id.as_str());
            firm_links
                .entry(o.org_uscc.as_str())
                .or_default()
                .extend(units.into_iter().flatten().copied());
        }
        Index {
            posts_by_unit,
            relatives,
            names,
            firm_links,
        }
    }
}
