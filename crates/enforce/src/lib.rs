//! Smart law enforcement (智慧执法) read models, computed straight from the lake's Parquet with
//! Arrow (no SQL engine): the officer workload table ([`workload()`]), a case's trajectory
//! ([`trajectory_scan`], or [`TrajectoryIndex`] for a server), and the squad board
//! ([`Roster`]). Only the columns needed are read, row groups are pruned by their time
//! statistics, rows are filtered while decoding, and (file, row group) pairs run on all cores.
//!
//! Jurisdiction is not decided here: callers pass what the principal may see (the store's
//! `scope` module decides it), and this crate never sees a user.

pub mod cases;
mod geo;
pub mod period;
pub mod roster;
mod scan;
pub mod trajectory;
pub mod workload;

pub use cases::{OFFICER_CASES_CAP, OfficerCase, OfficerCases, officer_cases};
pub use geo::haversine_m;
pub use period::{LocalTime, Period, PeriodKind};
pub use roster::{Officer, Roster, Squad};
pub use scan::RowSource;
pub use trajectory::{
    CaseInfo, Event, Fix, TrackPoint, Trajectory, TrajectoryIndex, trajectory_scan,
};
pub use workload::{RankBy, TimeLimits, Workload, WorkloadOptions, WorkloadRow, workload};
