//! The canonical rendering: one tagged line per part, UTF-8, `\n` line ends.
//!
//! The ledger records the SHA-256 of this text, not the text. It is independent of HTML and
//! .docx styling, so both formats of one letter share one hash, and a changed word changes it.
//! Fields are single-line and tab-free (see `compose::clean`), so tags, tabs and newlines
//! delimit them unambiguously. Changing this format is a new version line, never an edit.

use crate::layout::{Part, layout};
use crate::model::Letter;
use sha2::{Digest, Sha256};

const VERSION_LINE: &str = "qinglian-letter/1";

pub fn canonical_text(l: &Letter) -> String {
    let mut out = format!("{VERSION_LINE}\nK {}\n", l.kind.as_str());
    let mut line = |tag: &str, text: &str| {
        out.push_str(tag);
        out.push(' ');
        out.push_str(text);
        out.push('\n');
    };
    for p in layout(l) {
        match p {
            Part::Title(t) => line("T", &t),
            Part::Number(t) => line("N", &t),
            Part::Recipient(t) => line("R", &t),
            Part::Salutation(t) => line("S", &t),
            Part::Heading(t) => line("H", &t),
            Part::Paragraph(t) => line("P", &t),
            Part::Item(t) => line("I", &t),
            Part::Table { columns, rows } => {
                line("C", &columns.join("\t"));
                for r in rows {
                    line("D", &r.join("\t"));
                }
            }
            Part::SignIssuer(t) => line("F", &t),
            Part::SignDate(t) => line("E", &t),
            Part::AckHeading(t) => line("A", &t),
            Part::AckStatement(t) => line("B", &t),
            Part::AckField(t) => line("G", &t),
        }
    }
    out
}

/// Lower-case hex SHA-256 of [`canonical_text`].
pub fn content_hash(l: &Letter) -> String {
    hex::encode(Sha256::digest(canonical_text(l).as_bytes()))
}
