//! 《廉政风险提醒函》: a person's screening hits, as reasons to look, never as verdicts.

use crate::compose::{Frame, clean, paragraph};
use crate::content::content;
use crate::error::{Error, Result};
use crate::model::{Block, Header, HitSummary, Letter, LetterKind, PriorLetter, date_zh};
use chrono::NaiveDate;

/// The reminder letter to a named person. Hits are listed by date, then indicator id;
/// `prior` letters to the same person are quoted, oldest first, so the history is on paper.
pub fn reminder(
    header: &Header,
    hits: &[HitSummary],
    reply_by: Option<NaiveDate>,
    prior: &[PriorLetter],
) -> Result<Letter> {
    let f = Frame::new(LetterKind::Reminder, header)?;
    if f.recipient().person_name_zh.is_none() {
        return Err(Error::MissingPerson(LetterKind::Reminder));
    }
    if hits.is_empty() {
        return Err(Error::NoHits);
    }
    let mut hits: Vec<&HitSummary> = hits.iter().collect();
    hits.sort_by(|a, b| (a.date, &a.indicator_id).cmp(&(b.date, &b.indicator_id)));
    let rows = hits
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let values = h
                .values
                .iter()
                .map(|(k, v)| format!("{}：{}", clean(k), clean(v)))
                .collect::<Vec<_>>()
                .join("；");
            vec![
                (n + 1).to_string(),
                date_zh(h.date),
                format!(
                    "{}（{}）",
                    clean(&h.indicator_name_zh),
                    clean(&h.indicator_id)
                ),
                clean(&h.explanation_zh),
                if values.is_empty() {
                    "—".to_owned()
                } else {
                    values
                },
            ]
        })
        .collect();
    let t = &content().reminder;
    let mut blocks = vec![
        paragraph(f.fill(&t.intro, &[])),
        Block::Table {
            columns: t.columns.iter().map(|c| f.fill(c, &[])).collect(),
            rows,
        },
    ];
    let mut prior: Vec<&PriorLetter> = prior.iter().collect();
    prior.sort_by(|a, b| (a.issue_date, &a.number).cmp(&(b.issue_date, &b.number)));
    for p in prior {
        let date = date_zh(p.issue_date);
        let number = clean(&p.number);
        blocks.push(paragraph(
            f.fill(&t.prior, &[("date", &date), ("number", &number)]),
        ));
    }
    let request = match reply_by {
        Some(d) => f.fill(&t.request_by, &[("reply_by", &date_zh(d))]),
        None => f.fill(&t.request, &[]),
    };
    blocks.push(paragraph(request));
    Ok(f.finish(blocks))
}
