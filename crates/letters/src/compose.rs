//! What the three composers share: input cleaning, the letter frame, the acknowledgement.

use crate::content::{content, fill};
use crate::error::{Error, Result};
use crate::model::{Acknowledgement, Block, Header, Issuer, Letter, LetterKind, Post, Recipient};
use crate::number::letter_number;
use chrono::Datelike;

/// Makes a user-supplied string single-line and free of control characters: the canonical
/// text is line-oriented (so a newline inside a field could forge a line) and XML 1.0, hence
/// .docx, cannot carry most control characters at all.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn required(s: &str, zh: &'static str, en: &'static str) -> Result<String> {
    let s = clean(s);
    if s.is_empty() {
        return Err(Error::EmptyField { zh, en });
    }
    Ok(s)
}

/// The header with every field cleaned and checked, plus the derived number.
pub(crate) struct Frame {
    pub kind: LetterKind,
    pub number: String,
    pub header: Header,
}

impl Frame {
    pub fn new(kind: LetterKind, h: &Header) -> Result<Frame> {
        let issuer = Issuer {
            name_zh: required(&h.issuer.name_zh, "发文机关", "issuer name")?,
            short_name_zh: h.issuer.short_name_zh.trim().to_owned(),
        };
        let number = letter_number(&issuer.short_name_zh, h.issue_date.year(), kind, h.sequence)?;
        let post = match &h.recipient.post {
            Some(p) => Some(Post {
                title_zh: required(&p.title_zh, "岗位名称", "post title")?,
                key_area: p.key_area,
            }),
            None => None,
        };
        let person = h
            .recipient
            .person_name_zh
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty());
        let recipient = Recipient {
            unit_name_zh: required(&h.recipient.unit_name_zh, "单位名称", "unit name")?,
            unit_kind: h.recipient.unit_kind,
            post,
            person_name_zh: person,
        };
        Ok(Frame {
            kind,
            number,
            header: Header {
                issuer,
                recipient,
                issue_date: h.issue_date,
                sequence: h.sequence,
            },
        })
    }

    pub fn recipient(&self) -> &Recipient {
        &self.header.recipient
    }

    pub fn post(&self) -> Result<&Post> {
        self.recipient()
            .post
            .as_ref()
            .ok_or(Error::MissingPost(self.kind))
    }

    /// The placeholders every text may use.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let r = self.recipient();
        vec![
            ("unit", r.unit_name_zh.clone()),
            ("unit_kind", r.unit_kind.name_zh().to_owned()),
            (
                "post",
                r.post
                    .as_ref()
                    .map_or(String::new(), |p| p.title_zh.clone()),
            ),
            (
                "area",
                r.post
                    .as_ref()
                    .map_or("日常", |p| p.key_area.name_zh())
                    .to_owned(),
            ),
            ("issuer", self.header.issuer.name_zh.clone()),
            ("title", self.kind.title_zh().to_owned()),
            ("number", self.number.clone()),
        ]
    }

    pub fn fill(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let vars = self.vars();
        // Extra values first: they override the letter's own (a prior letter's `number`).
        let mut all: Vec<(&str, &str)> = extra.to_vec();
        all.extend(vars.iter().map(|(k, v)| (*k, v.as_str())));
        clean(&fill(template, &all))
    }

    /// 张三同志： to a person, 某某单位： to a unit.
    fn salutation(&self) -> String {
        let r = self.recipient();
        match &r.person_name_zh {
            Some(name) => format!("{name}同志："),
            None => format!("{}：", r.unit_name_zh),
        }
    }

    pub fn finish(self, blocks: Vec<Block>) -> Letter {
        let a = &content().ack;
        let ack = Acknowledgement {
            heading: self.fill(&a.heading, &[]),
            statement: self.fill(&a.statement, &[]),
            signer_label: self.fill(&a.signer, &[]),
            date_label: self.fill(&a.date, &[]),
        };
        let salutation = self.salutation();
        Letter {
            kind: self.kind,
            number: self.number,
            issue_date: self.header.issue_date,
            issuer: self.header.issuer,
            recipient: self.header.recipient,
            salutation,
            blocks,
            ack,
        }
    }
}

pub(crate) fn paragraph(text: String) -> Block {
    Block::Paragraph { text }
}

pub(crate) fn heading(text: String) -> Block {
    Block::Heading { text }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_makes_single_lines() {
        assert_eq!(clean("  甲\n乙\r\n\t丙\u{0}丁  "), "甲 乙 丙 丁");
        assert_eq!(clean("\u{1b}[31m"), "[31m");
        assert_eq!(clean(""), "");
    }
}
