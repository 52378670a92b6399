//! Screening (廉洁风险排查): the indicator catalogue, its execution on Apache DataFusion over the
//! Parquet lake, peer-group statistics, and explained, reproducible hits.
//!
//! This crate returns hits; it never writes to the store (the binary does, through the store's
//! one interface). It is the only crate that links DataFusion.

pub mod asof;
pub mod catalogue;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod fixture;
pub mod hit;
pub mod indicator;
pub mod overrides;
pub mod params;
pub mod parity;
pub mod procurement;
pub mod run;
pub mod score;
pub mod stats;
pub mod template;

pub use catalogue::Catalogue;
pub use engine::{Engine, InputRef, Limits};
pub use error::ScreenError;
pub use hit::Hit;
pub use indicator::{Indicator, Kind, Severity};
pub use overrides::Overrides;
pub use params::{ParamSet, ParamType, ParamValue};
pub use run::{Outcome, Rerun, Status};
