//! Reading letters: one, a list, the stored document, and the warnings a later hit carries.

use super::catalogue::PostFacts;
use crate::scope::{self, Principal};
use crate::workflow::refuse;
use crate::{HitRecord, Result, Store, StoreError, on_pool};
use qinglian_letters::{Letter, LetterNumber};
use serde::Serialize;
use std::collections::BTreeMap;

/// A letter as stored and listed (the document itself: [`Store::letter_document`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetterRecord {
    pub id: String,
    pub number: String,
    /// `notice`, `risk_list` or `reminder`.
    pub kind: String,
    pub issuer_division: String,
    pub issuer_name: String,
    pub year: i64,
    pub seq: i64,
    pub unit_id: String,
    pub division_code: String,
    pub person_id: Option<String>,
    pub post_id: Option<String>,
    pub hit_ids: Vec<String>,
    pub content_sha256: String,
    pub issued_on: String,
    pub issued_at: i64,
    pub issued_by: String,
    /// `issued`, `delivered` or `acknowledged`.
    pub status: String,
    pub delivered_on: Option<String>,
    pub delivered_by: Option<String>,
    pub signed_on: Option<String>,
    pub acked_by: Option<String>,
    pub updated_at: i64,
    pub steps: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: String,
    number: String,
    kind: String,
    issuer_division: String,
    issuer_name: String,
    year: i64,
    seq: i64,
    unit_id: String,
    division_code: String,
    person_id: Option<String>,
    post_id: Option<String>,
    hit_ids: String,
    content_sha256: String,
    issued_on: String,
    issued_at: i64,
    issued_by: String,
    status: String,
    delivered_on: Option<String>,
    delivered_by: Option<String>,
    signed_on: Option<String>,
    acked_by: Option<String>,
    updated_at: i64,
    steps: i64,
}

impl From<Row> for LetterRecord {
    fn from(r: Row) -> Self {
        LetterRecord {
            hit_ids: serde_json::from_str(&r.hit_ids).unwrap_or_default(),
            id: r.id,
            number: r.number,
            kind: r.kind,
            issuer_division: r.issuer_division,
            issuer_name: r.issuer_name,
            year: r.year,
            seq: r.seq,
            unit_id: r.unit_id,
            division_code: r.division_code,
            person_id: r.person_id,
            post_id: r.post_id,
            content_sha256: r.content_sha256,
            issued_on: r.issued_on,
            issued_at: r.issued_at,
            issued_by: r.issued_by,
            status: r.status,
            delivered_on: r.delivered_on,
            delivered_by: r.delivered_by,
            signed_on: r.signed_on,
            acked_by: r.acked_by,
            updated_at: r.updated_at,
            steps: r.steps,
        }
    }
}

pub(crate) const COLS: &str = "l.id, l.number, l.kind, l.issuer_division, l.issuer_name, l.year, \
    l.seq, l.unit_id, l.division_code, l.person_id, l.post_id, l.hit_ids, l.content_sha256, \
    l.issued_on, l.issued_at, l.issued_by, l.status, l.delivered_on, l.delivered_by, l.signed_on, \
    l.acked_by, l.updated_at, l.steps";

/// Which letters to list; all fields narrow.
#[derive(Debug, Clone, Default)]
pub struct LetterFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub unit_id: Option<String>,
    pub person_id: Option<String>,
}

/// An earlier reminder letter to a person a hit concerns: "已于 … 以 … 函提醒".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub letter_id: String,
    pub number: String,
    pub issued_on: String,
    pub person_id: String,
    pub note_zh: String,
    pub note_en: String,
}

impl Warning {
    fn of(l: &LetterRecord, person: &str) -> Warning {
        let day = chrono::NaiveDate::parse_from_str(&l.issued_on, "%Y-%m-%d").unwrap_or_default();
        Warning {
            letter_id: l.id.clone(),
            number: l.number.clone(),
            issued_on: l.issued_on.clone(),
            person_id: person.to_owned(),
            note_zh: qinglian_letters::warned_note_zh(day, &l.number),
            note_en: format!("warned on {} by letter {}", l.issued_on, l.number),
        }
    }
}

pub(crate) fn letter_not_found(r: &str) -> StoreError {
    StoreError::NotFound(format!("文书 / letter {r}"))
}

impl Store {
    async fn letters_where(
        &self,
        p: &Principal,
        cond: &str,
        binds: &[String],
    ) -> Result<Vec<LetterRecord>> {
        let f = scope::letters(p, "l", binds.len() + 1);
        let sql = format!(
            "SELECT {COLS} FROM letters l WHERE {cond} AND {} ORDER BY l.issued_at, l.id",
            f.sql
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, Row>(&sql);
            for b in binds.iter().chain(&f.binds) { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(LetterRecord::from).collect())
    }

    /// One letter by id, if the principal may see it (outside the scope: `None`).
    pub async fn get_letter(&self, p: &Principal, id: &str) -> Result<Option<LetterRecord>> {
        Ok(self
            .letters_where(p, "l.id = $1", &[id.to_owned()])
            .await?
            .into_iter()
            .next())
    }

    /// A letter by its id or by its number as printed (西湖纪〔2026〕提醒 第 0007 号).
    pub async fn find_letter(&self, p: &Principal, reference: &str) -> Result<LetterRecord> {
        let r = reference.trim();
        if let Some(l) = self.get_letter(p, r).await? {
            return Ok(l);
        }
        let Some(n) = LetterNumber::parse(r) else {
            return Err(letter_not_found(r));
        };
        let mut found = self
            .letters_where(p, "l.number = $1", &[n.to_string()])
            .await?;
        match found.len() {
            0 => Err(letter_not_found(r)),
            1 => Ok(found.remove(0)),
            _ => Err(refuse(
                "LETTER_AMBIGUOUS",
                format!(
                    "文号“{r}”对应多份文书（{}），请用编号",
                    found
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "number '{r}' matches several letters ({}); give the id",
                    found
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Letters the principal may see, in order of issue.
    pub async fn list_letters(
        &self,
        p: &Principal,
        filter: &LetterFilter,
    ) -> Result<Vec<LetterRecord>> {
        let mut cond = vec!["TRUE".to_owned()];
        let mut binds = Vec::new();
        for (col, v) in [
            ("l.kind", &filter.kind),
            ("l.status", &filter.status),
            ("l.unit_id", &filter.unit_id),
            ("l.person_id", &filter.person_id),
        ] {
            if let Some(v) = v {
                binds.push(v.clone());
                cond.push(format!("{col} = ${}", binds.len()));
            }
        }
        self.letters_where(p, &cond.join(" AND "), &binds).await
    }

    /// The composed letter as issued; it renders to HTML and .docx again with the same hash.
    pub async fn letter_document(&self, p: &Principal, id: &str) -> Result<Letter> {
        if self.get_letter(p, id).await?.is_none() {
            return Err(letter_not_found(id));
        }
        let doc: String = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT document FROM letters WHERE id = $1").bind(id).fetch_one(pool).await)?;
        serde_json::from_str(&doc).map_err(|e| {
            refuse(
                "LETTER_CORRUPT",
                format!("文书 {id} 的存储内容已损坏：{e}"),
                format!("the stored document of letter {id} is corrupt: {e}"),
            )
        })
    }

    /// Posts of the given people (no scope: callers pass people they already may see).
    pub(crate) async fn posts_of(&self, people: &[String]) -> Result<Vec<PostFacts>> {
        let mut out = Vec::new();
        for chunk in people.chunks(200) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT post_id, unit_id, person_id, title, key_area, is_head, start_date, end_date FROM posts WHERE person_id IN ({}) ORDER BY post_id",
                ph.join(", ")
            );
            let rows: Vec<PostFacts> = on_pool!(self, pool => {
                let mut q = sqlx::query_as::<_, PostFacts>(&sql);
                for id in chunk { q = q.bind(id); }
                q.fetch_all(pool).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// For each hit, the reminder letters already sent to a person it concerns (the holder of
    /// the unit's head post or of a key post in the area the hit's domain screens), oldest
    /// first: what `hits` and `clues show` print as "已于 … 以 … 函提醒 / warned on … by letter …".
    pub async fn hit_warnings(
        &self,
        p: &Principal,
        hits: &[HitRecord],
    ) -> Result<BTreeMap<String, Vec<Warning>>> {
        let letters = self
            .letters_where(p, "l.kind = 'reminder' AND l.person_id IS NOT NULL", &[])
            .await?;
        let mut out = BTreeMap::new();
        if letters.is_empty() || hits.is_empty() {
            return Ok(out);
        }
        let mut people: Vec<String> = letters.iter().filter_map(|l| l.person_id.clone()).collect();
        people.sort();
        people.dedup();
        let posts = self.posts_of(&people).await?;
        for h in hits {
            let concerned: Vec<&str> = posts
                .iter()
                .filter(|s| s.concerns(h))
                .map(|s| s.person_id.as_str())
                .collect();
            let w: Vec<Warning> = letters
                .iter()
                .filter_map(|l| {
                    let person = l.person_id.as_deref()?;
                    concerned.contains(&person).then(|| Warning::of(l, person))
                })
                .collect();
            if !w.is_empty() {
                out.insert(h.id.clone(), w);
            }
        }
        Ok(out)
    }
}
