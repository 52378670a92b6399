//! The 一书一单一函 letters of Qinglian (清廉): 《廉政告知书》, 《廉政风险防控清单》 and
//! 《廉政风险提醒函》.
//!
//! Pure code: callers pass plain structs in (indicator summaries, hits, the sequence number
//! the store allocated) and get a [`Letter`] back, which renders to print-ready HTML, to
//! .docx and to a canonical text whose SHA-256 the ledger records. No files, no database.

mod canonical;
mod compose;
mod content;
mod docx;
mod error;
mod html;
mod layout;
pub mod model;
mod notice;
pub mod number;
mod reminder;
mod risk_list;

pub use canonical::{canonical_text, content_hash};
pub use compose::clean;
pub use docx::render_docx;
pub use error::{Error, Result};
pub use html::{escape_html, render_html};
pub use model::{
    Acknowledgement, Block, Counterparty, Header, HitSummary, IndicatorSummary, Issuer, KeyArea,
    Letter, LetterKind, Post, PriorLetter, Recipient, Severity, date_zh,
};
pub use notice::notice;
pub use number::{LetterNumber, letter_number};
pub use reminder::reminder;
pub use risk_list::risk_list;

/// The note a later hit on the same person carries: "已于 … 以 … 提醒".
pub fn warned_note_zh(issue_date: chrono::NaiveDate, number: &str) -> String {
    format!("已于{}以{}函提醒", date_zh(issue_date), clean(number))
}

impl Letter {
    pub fn canonical_text(&self) -> String {
        canonical_text(self)
    }
    pub fn content_hash(&self) -> String {
        content_hash(self)
    }
    pub fn to_html(&self) -> String {
        render_html(self)
    }
    pub fn to_docx(&self) -> Result<Vec<u8>> {
        render_docx(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn warned_note_names_date_and_number() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 5, 8).expect("date");
        assert_eq!(
            super::warned_note_zh(d, "西湖纪〔2026〕提醒 第 0007 号\n"),
            "已于2026年5月8日以西湖纪〔2026〕提醒 第 0007 号函提醒"
        );
    }
}
