//! 《廉政风险防控清单》: the catalogue's risk points for a unit kind and a key post.

use crate::compose::{Frame, clean, paragraph};
use crate::content::content;
use crate::error::{Error, Result};
use crate::model::{Block, Header, IndicatorSummary, Letter, LetterKind};
use std::cmp::Reverse;

/// The risk-prevention list for the recipient's post: every indicator that applies to the
/// unit's kind and touches the post's key area, most severe first, then by id.
pub fn risk_list(header: &Header, indicators: &[IndicatorSummary]) -> Result<Letter> {
    let f = Frame::new(LetterKind::RiskList, header)?;
    let post = f.post()?.clone();
    let kind = f.recipient().unit_kind;
    let mut chosen: Vec<&IndicatorSummary> = indicators
        .iter()
        .filter(|i| i.unit_kinds.is_empty() || i.unit_kinds.contains(&kind))
        .filter(|i| i.key_areas.contains(&post.key_area))
        .collect();
    if chosen.is_empty() {
        return Err(Error::NoMatchingIndicators {
            unit_kind: kind.name_zh(),
            area: post.key_area.name_zh(),
        });
    }
    chosen.sort_by(|a, b| (Reverse(a.severity), &a.id).cmp(&(Reverse(b.severity), &b.id)));
    let standard = content().measure(post.key_area);
    let rows = chosen
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let measure = i
                .measure_zh
                .as_deref()
                .map(clean)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| standard.to_owned());
            vec![
                (n + 1).to_string(),
                format!("{}（{}）", clean(&i.name_zh), clean(&i.id)),
                clean(&i.why_zh),
                clean(&i.legal_basis_zh),
                i.severity.name_zh().to_owned(),
                measure,
            ]
        })
        .collect();
    let t = &content().risk_list;
    let blocks = vec![
        paragraph(f.fill(&t.intro, &[])),
        Block::Table {
            columns: t.columns.iter().map(|c| f.fill(c, &[])).collect(),
            rows,
        },
        paragraph(f.fill(&t.closing, &[])),
    ];
    Ok(f.finish(blocks))
}
