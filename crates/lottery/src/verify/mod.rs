//! `verify all` and `verify me` (LOT1 §4.7): offline, no database, no network.

pub mod all;
mod compare;
pub mod evidence;
pub mod me;
pub mod report;
mod summary;
mod timing;

pub use all::{Notarised, TimingEvidence, VerifyOptions, verify_all, verify_all_with};
pub use evidence::Evidence;
pub use me::{MeChoice, MeFiles, MeReport, verify_me, verify_me_files};
pub use report::{Check, Report, Status};
