//! Deterministic synthetic registry data (登记信息) for a Zhejiang-like province.
//!
//! The same [`Options::seed`] always gives byte-identical files. Each county draws from its
//! own random stream, so a county looks the same whether it is generated alone (`county`
//! scale) or as part of its city or the province.
//!
//! Output (one file per dataset, Chinese headers, see `crates/lake/datasets/*.toml`): the
//! registry (`divisions.csv`, `units.csv`, `people.xlsx`, `posts.xlsx`, `person_relations.csv`,
//! `org_relations.csv`), the domain packs (SOE leasing: `market_rents.csv`, `properties.csv`,
//! `tender_listings.csv`, `lease_contracts.csv`, `rent_payments.csv`; village collective assets:
//! `collectives.csv`, `village_assets.csv`, `village_resolutions.csv`, `village_contracts.csv`,
//! `village_payments.csv`, `village_disclosures.csv`, `grading_records.csv`; school enrolment:
//! `enrolment_plans.csv`, `enrolment_applications.csv`, `household_registrations.csv`,
//! `admissions.csv`, `lottery_lists.csv`, `class_assignments.csv`, `pupil_records.csv`,
//! `school_transfers.csv`; smart law enforcement: `le_squads.csv` … `le_discipline.csv` and
//! `work_calendar.csv`, see `packs::enforcement`) and `ground_truth.json` (schema in `GROUND_TRUTH.md`).

mod csv;
mod error;
pub mod ids;
pub mod names;
pub mod packs;
pub mod registry;
pub mod truth;
pub mod write;
mod xlsx;

pub use error::SynthError;
pub use registry::Registry;
pub use truth::{Anomaly, AnomalyKind, Expect, GroundTruth};

use std::path::PathBuf;
use std::str::FromStr;

/// How much of the province to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scale {
    /// One county, 330106 西湖区: seconds, for tests and the demo.
    County,
    /// Every county of 330100 杭州市.
    City,
    /// All of 330000 浙江省 (11 cities, 90 counties), for benchmarks.
    Province,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::County => "county",
            Scale::City => "city",
            Scale::Province => "province",
        }
    }

    /// The shipped division (county, city or province) this scale covers.
    pub fn root_code(self) -> &'static str {
        match self {
            Scale::County => "330106",
            Scale::City => "330100",
            Scale::Province => "330000",
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = SynthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "county" => Ok(Scale::County),
            "city" => Ok(Scale::City),
            "province" => Ok(Scale::Province),
            _ => Err(SynthError::UnknownScale(s.to_owned())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// Output directory; created if missing, existing files of the same names are replaced.
    pub out: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// Dataset name as in the registry (`divisions`, `units`, …) or `ground_truth`.
    pub dataset: String,
    pub path: PathBuf,
    /// Data rows, header excluded (for `ground_truth`: the number of anomalies).
    pub rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// In dependency (import) order; `ground_truth` last.
    pub files: Vec<FileSummary>,
}

/// Generates the registry of `opts.scale` and writes it into `opts.out`.
///
/// `progress(dataset, done, total)` is called from the calling thread: first for the
/// pseudo-dataset `registry` (counties generated), then for each file as rows are written.
pub fn generate(opts: &Options, progress: &dyn Fn(&str, u64, u64)) -> Result<Summary, SynthError> {
    let mut registry = Registry::generate(opts.scale, opts.seed, progress)?;
    let mut truth = GroundTruth::new(opts.scale, opts.seed);
    truth.as_of = Some(packs::as_of().format("%Y-%m-%d").to_string());
    let counties = Registry::counties(opts.scale)?;
    progress("soe_leasing", 0, 1);
    let soe =
        packs::soe_leasing::generate(&mut registry, &counties, opts.seed, &mut truth.anomalies);
    progress("soe_leasing", 1, 1);
    progress("village_assets", 0, 1);
    let village =
        packs::village_assets::generate(&mut registry, &counties, opts.seed, &mut truth.anomalies);
    progress("village_assets", 1, 1);
    progress("education", 0, 1);
    let education =
        packs::education::generate(&registry, &counties, opts.seed, &mut truth.anomalies);
    progress("education", 1, 1);
    // Last: it adds officers to the registry's people and posts, which no earlier pack sees.
    progress("enforcement", 0, 1);
    let enforcement =
        packs::enforcement::generate(&mut registry, &counties, opts.seed, &mut truth.anomalies);
    progress("enforcement", 1, 1);
    let mut summary = write::write_all(&opts.out, &registry, &truth, progress)?;
    // Pack files go after the registry and before the ground truth, in import order.
    let mut packs = packs::write_soe_leasing(&opts.out, &soe, progress)?;
    packs.extend(packs::write_village_assets(&opts.out, &village, progress)?);
    packs.extend(packs::write_education(&opts.out, &education, progress)?);
    packs.extend(packs::enforcement::write(
        &opts.out,
        &enforcement,
        progress,
    )?);
    let at = summary.files.len() - 1;
    summary.files.splice(at..at, packs);
    Ok(summary)
}
