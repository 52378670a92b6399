//! Domain vocabulary of Qinglian (清廉): the words every other crate shares.
//!
//! Pure code only: no files, no network, no database. The one table that ships with the
//! product (GB/T 2260 province/city/county divisions) is compiled in.

pub mod division;
pub mod ids;
pub mod money;
pub mod msg;
pub mod role;
pub mod unit;

pub use division::{Division, DivisionCode, Level};
pub use msg::Msg;
pub use role::Role;
pub use unit::UnitKind;
