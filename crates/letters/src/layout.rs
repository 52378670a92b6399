//! The reading order of a letter, shared by every renderer, so the canonical text, the HTML
//! and the .docx carry exactly the same words in the same order.

use crate::model::{Block, Letter, date_zh};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Title(String),
    Number(String),
    /// 送达：unit post person
    Recipient(String),
    Salutation(String),
    Heading(String),
    Paragraph(String),
    /// A list item with its label already in front: （一）…
    Item(String),
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    SignIssuer(String),
    SignDate(String),
    AckHeading(String),
    AckStatement(String),
    /// A label followed by a blank to fill in by hand.
    AckField(String),
}

pub(crate) fn layout(l: &Letter) -> Vec<Part> {
    let r = &l.recipient;
    let mut to = vec![r.unit_name_zh.clone()];
    if let Some(p) = &r.post {
        to.push(p.title_zh.clone());
    }
    if let Some(name) = &r.person_name_zh {
        to.push(name.clone());
    }
    let mut parts = vec![
        Part::Title(l.title_zh().to_owned()),
        Part::Number(l.number.clone()),
        Part::Recipient(format!("送达：{}", to.join(" "))),
        Part::Salutation(l.salutation.clone()),
    ];
    for b in &l.blocks {
        parts.push(match b {
            Block::Heading { text } => Part::Heading(text.clone()),
            Block::Paragraph { text } => Part::Paragraph(text.clone()),
            Block::List { items } => {
                parts.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, t)| Part::Item(format!("（{}）{t}", zh_numeral(i + 1)))),
                );
                continue;
            }
            Block::Table { columns, rows } => Part::Table {
                columns: columns.clone(),
                rows: rows.clone(),
            },
        });
    }
    parts.extend([
        Part::SignIssuer(l.issuer.name_zh.clone()),
        Part::SignDate(date_zh(l.issue_date)),
        Part::AckHeading(l.ack.heading.clone()),
        Part::AckStatement(l.ack.statement.clone()),
        Part::AckField(l.ack.signer_label.clone()),
        Part::AckField(l.ack.date_label.clone()),
    ]);
    parts
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; beyond that, Arabic digits.
pub(crate) fn zh_numeral(n: usize) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_owned(),
        10..=99 => {
            let (t, u) = (n / 10, n % 10);
            let tens = if t == 1 {
                "十".to_owned()
            } else {
                format!("{}十", D[t])
            };
            if u == 0 {
                tens
            } else {
                format!("{tens}{}", D[u])
            }
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::zh_numeral;

    #[test]
    fn chinese_numerals() {
        let got: Vec<String> = [1, 9, 10, 11, 19, 20, 21, 99, 100]
            .into_iter()
            .map(zh_numeral)
            .collect();
        assert_eq!(
            got,
            [
                "一",
                "九",
                "十",
                "十一",
                "十九",
                "二十",
                "二十一",
                "九十九",
                "100"
            ]
        );
    }
}
