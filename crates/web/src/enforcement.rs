//! What the enforcement pages (team board, workload table, case trajectory) need from code the
//! server does not own: reading the lake's enforcement datasets (`qinglian-enforce`), keeping
//! the trajectory index between requests, deciding jurisdiction through the store's `scope`,
//! and recording views of personal data (officer names, GPS tracks) in the ledger. `qinglian
//! serve` and `qinglian demo` implement [`Enforcement`] with the same functions as `qinglian
//! enforcement …` and hand it over in [`crate::Services`].

use crate::analysis::BoxFuture;
use qinglian_core::Msg;
use qinglian_store::Principal;

use qinglian_enforce::{Officer, OfficerCases, RowSource, Squad, Trajectory, Workload};
use qinglian_lake::rowhash::{RowProof, RowProofError};
use qinglian_ledger::Hash;

/// A squad on the board with its officers (names masked unless the view was recorded).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SquadCard {
    pub squad: Squad,
    pub officers: Vec<Officer>,
}

/// A workload table as the page asks for it: the period text (`2025-09`, `2025-09上旬`,
/// `2025-W36`, `2025-09-01..2025-09-10` …) and optionally one squad or one officer.
#[derive(Debug, Clone, Default)]
pub struct WorkloadRequest {
    pub period: String,
    pub squad: Option<String>,
    pub officer: Option<String>,
}

pub trait Enforcement: Send + Sync {
    /// Squads the principal may see (supervisors and commanders: inside their jurisdiction),
    /// optionally of one unit or inside one division.
    fn board(
        &self,
        p: &Principal,
        unit: Option<String>,
        division: Option<String>,
    ) -> BoxFuture<'_, anyhow::Result<Result<Vec<SquadCard>, Msg>>>;

    /// The workload table for the period, rows of visible squads only (ranks and percentiles
    /// are computed over every officer). A bad period is `Err(Msg)` inside.
    fn workload(
        &self,
        p: &Principal,
        req: WorkloadRequest,
    ) -> BoxFuture<'_, anyhow::Result<Result<Workload, Msg>>>;

    /// One case's trajectory; `None` when the case does not exist or lies outside the
    /// principal's jurisdiction (the page answers 404 for both). Records the view of the GPS
    /// track in the ledger.
    fn trajectory(
        &self,
        p: &Principal,
        case_id: String,
    ) -> BoxFuture<'_, anyhow::Result<Option<Trajectory>>>;

    /// Where step `event_id` of the case was imported (import batch and row); `None` when the
    /// case is missing or outside the principal's jurisdiction, or has no such step. Nothing
    /// personal is returned, so nothing is recorded.
    fn step_source(
        &self,
        p: &Principal,
        case_id: String,
        event_id: String,
    ) -> BoxFuture<'_, anyhow::Result<Option<RowSource>>>;

    /// Row `row` of the `dataset` batch imported from content `content_hash`, proven under
    /// `rows_root` (the root its import entry carries). The caller has decided that the
    /// principal may see the row; the view of the record is recorded in the ledger.
    fn import_row_proof(
        &self,
        p: &Principal,
        dataset: &'static str,
        content_hash: String,
        rows_root: Hash,
        row: u64,
    ) -> BoxFuture<'_, anyhow::Result<Result<RowProof, RowProofError>>>;

    /// The cases an officer handled in the period (as lead, or named in a step), earliest
    /// received first and capped (`truncated` says so); `None` when the officer is unknown or
    /// their squad lies outside the principal's jurisdiction. A bad period is `Err(Msg)` inside.
    fn officer_cases(
        &self,
        p: &Principal,
        officer_id: String,
        period: String,
    ) -> BoxFuture<'_, anyhow::Result<Result<Option<OfficerCases>, Msg>>>;
}
