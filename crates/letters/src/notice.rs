//! 《廉政告知书》: duties, what is prohibited with the business side, how to report.

use crate::compose::{Frame, heading, paragraph};
use crate::content::content;
use crate::error::Result;
use crate::model::{Block, Counterparty, Header, Letter, LetterKind};

/// The notice letter to a unit (or the holder of one of its posts) about its dealings with
/// one kind of counterparty. Duties narrowed to a key area appear only when a post is named.
pub fn notice(header: &Header, counterparty: Counterparty) -> Result<Letter> {
    let f = Frame::new(LetterKind::Notice, header)?;
    let t = &content().notice;
    let kind = f.recipient().unit_kind;
    let area = f.recipient().post.as_ref().map(|p| p.key_area);
    let cp = [("counterparty", counterparty.name_zh())];
    let pick = |rules: &[crate::content::Rule], cp_filter: Option<Counterparty>| -> Vec<String> {
        rules
            .iter()
            .filter(|r| r.applies(kind, area, cp_filter))
            .map(|r| f.fill(&r.text, &cp))
            .collect()
    };
    let duties = pick(&t.duty, None);
    let prohibitions = pick(&t.prohibition, Some(counterparty));
    let blocks = vec![
        paragraph(f.fill(&t.intro, &cp)),
        heading(f.fill(&t.duties_heading, &cp)),
        Block::List { items: duties },
        heading(f.fill(&t.prohibitions_heading, &cp)),
        Block::List {
            items: prohibitions,
        },
        heading(f.fill(&t.report_heading, &cp)),
        Block::List {
            items: t.report.iter().map(|s| f.fill(s, &cp)).collect(),
        },
        paragraph(f.fill(&t.closing, &cp)),
    ];
    Ok(f.finish(blocks))
}
