//! 一书一单一函 in the store: the notice letter, the risk-prevention list and the reminder
//! letter, issued with a number from a gap-free register (issuing division, year, kind),
//! delivered and acknowledged, each step one ledger entry (object ("letter", id); ids, dates and
//! the content SHA-256, never names or text) committed with its row.
//!
//! Composition and rendering are `qinglian-letters` (pure); this module resolves the recipient
//! in the registry, picks a reminder's hits, allocates the number and keeps the composed
//! document, so the same letter renders again to the same hash.

mod catalogue;
mod issue;
mod read;
mod replay;
mod track;

pub use catalogue::{IndicatorInfo, domain_key_areas, parse_key_area};
pub use issue::{IssuedLetter, LetterRequest};
pub use read::{LetterFilter, LetterRecord, Warning};
