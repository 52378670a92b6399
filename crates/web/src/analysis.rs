//! What the import, screening and parameter pages need from code this crate does not link
//! (the screening engine, DataFusion) or does not own (the CLI's import pipeline). `qinglian
//! serve` and `qinglian demo` implement [`Analysis`] by calling the same functions as
//! `qinglian import` and `qinglian screen`, and hand it over in [`crate::Services`].

use qinglian_core::Msg;
use qinglian_lake::CellError;
use serde::Serialize;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A future driven where it is made: the screening engine's run holds its progress callback
/// across awaits and is not `Send`, so the server drives it on a blocking thread of its own.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Progress of a screening run: (indicators done, total, the indicator now running).
pub type Progress = Arc<dyn Fn(usize, usize, &str) + Send + Sync>;

/// One uploaded file to import into one dataset, as `qinglian import DATASET FILE` would.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub dataset: String,
    /// The upload saved under its original file name (errors and the ledger name the file).
    pub file: PathBuf,
    pub sheet: Option<String>,
    pub replace: bool,
    /// Who the ledger entry names (`web:<username>`).
    pub actor: String,
}

/// What an accepted import wrote, per dataset.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedDataset {
    pub dataset: String,
    pub rows_written: u64,
    pub registry_rows: usize,
    /// Files skipped because the same content was imported before.
    pub skipped_files: usize,
    pub snapshot: String,
    /// The import's ledger entry; none when nothing changed.
    pub ledger_index: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Done(Vec<ImportedDataset>),
    /// Nothing was written: every problem found, and how many more were not listed.
    Refused {
        errors: Vec<CellError>,
        more: u64,
    },
}

/// A screening run as `qinglian screen --domain D | --indicator ID [--as-of DATE]` starts it.
#[derive(Debug, Clone)]
pub struct ScreenRequest {
    pub domain: Option<String>,
    pub indicator: Option<String>,
    /// `YYYY-MM-DD`; none: today in Asia/Shanghai.
    pub as_of: Option<String>,
    pub actor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScreenedIndicator {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `ran`, `not_computable`, `not_in_force` or `failed`.
    pub status: String,
    pub hits: usize,
    pub new: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScreenSummary {
    pub as_of: String,
    pub total_hits: usize,
    pub new: usize,
    pub ledger_index: u64,
    pub elapsed_ms: u64,
    pub indicators: Vec<ScreenedIndicator>,
}

/// A parameter of an indicator with its type and shipped default.
#[derive(Debug, Clone, Serialize)]
pub struct ParamDef {
    pub indicator: String,
    pub name: String,
    /// `int`, `float`, `money`, `bool`, `text` or `date`.
    pub ty: String,
    pub default: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// One value of the overrides file: indicator → division → parameter = value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverrideValue {
    pub indicator: String,
    pub division: String,
    pub param: String,
    /// As written in the file (TOML).
    pub value: String,
}

/// Setting (`value: Some`) or removing (`None`) one override.
#[derive(Debug, Clone)]
pub struct OverrideChange {
    pub indicator: String,
    pub division: String,
    pub param: String,
    pub value: Option<String>,
    pub actor: String,
}

pub trait Analysis: Send + Sync {
    /// Imports all-or-nothing with one ledger entry, exactly as the command line does.
    fn import(&self, req: ImportRequest) -> BoxFuture<'_, anyhow::Result<ImportOutcome>>;

    /// Screens the lake and writes the hits with one ledger entry. A refused selection or
    /// catalogue is `Err(Msg)` inside.
    fn screen(
        &self,
        req: ScreenRequest,
        progress: Progress,
    ) -> LocalBoxFuture<'_, anyhow::Result<Result<ScreenSummary, Msg>>>;

    /// Domains of the catalogue, each with its indicators' ids.
    fn domains(&self) -> Vec<(String, Vec<String>)>;

    /// Every parameter of every indicator, with its type and default.
    fn params(&self) -> Vec<ParamDef>;

    /// The overrides file as it is now (a file that does not parse is an error).
    fn overrides(&self) -> Result<Vec<OverrideValue>, Msg>;

    /// Validates the change against the parameter's type and bounds, writes the overrides file
    /// the screening reads, and records the change in the ledger; returns the entry's index.
    fn set_override(
        &self,
        change: OverrideChange,
    ) -> BoxFuture<'_, anyhow::Result<Result<u64, Msg>>>;

    /// The lake records behind a hit the caller may already see (the page checked).
    fn evidence(
        &self,
        hit: qinglian_store::HitRecord,
    ) -> BoxFuture<'_, anyhow::Result<Vec<EvidenceTable>>>;
}

/// The records behind a hit: rows of one dataset, at the hit's recorded snapshot, found by one
/// of the hit's record keys; personal datasets come masked.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceTable {
    pub dataset: String,
    pub name_zh: String,
    pub key: String,
    pub value: String,
    /// (column name, Chinese header).
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
    pub truncated: bool,
    pub masked: bool,
}

/// What the import and screening pages remember in this process: each user's last import
/// (so the page can show and export it after the redirect) and the screening run.
#[derive(Default)]
pub(crate) struct Desk {
    pub imports: std::sync::Mutex<std::collections::HashMap<i64, LastImport>>,
    pub screening: std::sync::Mutex<Screening>,
}

#[derive(Clone)]
pub(crate) struct LastImport {
    pub dataset: String,
    pub file_name: String,
    pub at: i64,
    pub outcome: Result<ImportOutcome, Msg>,
}

/// One run at a time: the running one with its progress, and the last one this process ran.
#[derive(Default, Clone)]
pub(crate) struct Screening {
    pub running: Option<RunState>,
    pub last: Option<(RunState, Result<ScreenSummary, Msg>)>,
}

#[derive(Clone, Serialize)]
pub(crate) struct RunState {
    pub by: String,
    /// What was selected, as the form named it (`domain:…`, `indicator:…`, `all`).
    pub selection: String,
    pub as_of: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub done: usize,
    pub total: usize,
    pub current: String,
}

impl Desk {
    /// Locks ignoring poison: a panicked run leaves only page state behind.
    pub fn screening(&self) -> std::sync::MutexGuard<'_, Screening> {
        self.screening
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn imports(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, LastImport>> {
        self.imports
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
