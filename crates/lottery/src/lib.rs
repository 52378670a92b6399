//! LOT1: a school-admission lottery (阳光招生 电脑派位) that anyone can verify offline.
//!
//! The specification is `shared/reference/lottery.md` §4; the grammar this project adds
//! (sibling groups, seat blocks, fallback, offers log) is `docs/lottery-protocol.md`.
//! Pure core: no database, no network, no floats, no hash-map iteration in any output, no
//! `rand` in the draw path.

pub mod allocate;
pub mod beacon;
pub mod ceremony;
pub mod commit;
pub mod draw;
pub mod error;
pub mod hash;
pub mod numbers;
pub mod params;
pub mod roster;
pub mod seed;

pub use error::{FormatError, LotteryError, Result};
pub mod offers;
pub mod publish;
pub mod verify;

pub use commit::{Receipt, Salt, commitment, register};
pub use draw::{Draw, draw};
pub use publish::{PublishInput, publish};
pub use verify::{Report, verify_all, verify_me};
