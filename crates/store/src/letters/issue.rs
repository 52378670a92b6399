//! Issuing a letter: resolve the recipient in the registry, compose the letter with the next
//! number of its register (issuing division, year, kind), and save it with its ledger entry in
//! one transaction. The number is claimed by the insert itself (it must follow the register's
//! highest number), so numbers are gap-free; a concurrent issue that took the number makes the
//! insert miss, and the letter is composed again with the next one.

use super::catalogue::{IndicatorInfo, PostFacts, domain_key_areas, hit_summary};
use super::read::LetterRecord;
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::{self, Principal, Scope};
use crate::workflow::{MAX_ATTEMPTS, ot, refuse, require, retryable, t, ts};
use crate::{HitFilter, HitRecord, Result, Store, StoreError, UnitRow, on_pool};
use chrono::{Datelike, NaiveDate};
use qinglian_core::{DivisionCode, Level, Msg, UnitKind};
use qinglian_letters::{
    Counterparty, Header, Issuer, KeyArea, Letter, LetterKind, Post, PriorLetter, Recipient,
};
use serde_json::json;

/// What to issue. Which fields are needed depends on the kind: a notice needs a unit and a
/// counterparty, a risk list a unit and a key post, a reminder a person (and their post).
#[derive(Debug, Clone)]
pub struct LetterRequest {
    pub kind: LetterKind,
    pub unit_id: Option<String>,
    /// A post of the registry; its unit, holder, title and key area fill the letter.
    pub post_id: Option<String>,
    /// A post title (and key area) not in the registry, or overriding the registry's.
    pub post_title: Option<String>,
    pub key_area: Option<KeyArea>,
    pub person_id: Option<String>,
    pub counterparty: Option<Counterparty>,
    /// A reminder's hits; empty: every hit (not a false positive) that concerns the person.
    pub hit_ids: Vec<String>,
    pub issue_date: NaiveDate,
    pub reply_by: Option<NaiveDate>,
    /// The issuing division (its discipline body signs); default: the principal's
    /// jurisdiction holding the unit, for the operator the unit's county.
    pub division: Option<String>,
    /// The issuer's full and short names; default: derived from the division's name.
    pub issuer_name: Option<String>,
    pub issuer_short: Option<String>,
}

impl LetterRequest {
    pub fn new(kind: LetterKind, issue_date: NaiveDate) -> Self {
        LetterRequest {
            kind,
            unit_id: None,
            post_id: None,
            post_title: None,
            key_area: None,
            person_id: None,
            counterparty: None,
            hit_ids: Vec::new(),
            issue_date,
            reply_by: None,
            division: None,
            issuer_name: None,
            issuer_short: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct IssuedLetter {
    pub record: LetterRecord,
    pub letter: Letter,
    pub ledger_index: u64,
}

/// Everything resolved from the registry before the number is known.
struct Resolved {
    unit: UnitRow,
    post: Option<PostFacts>,
    person: Option<(String, String)>,
    letter_post: Option<Post>,
    hits: Vec<HitRecord>,
    prior: Vec<PriorLetter>,
    division: String,
    issuer: Issuer,
}

pub(crate) fn letters_err(e: qinglian_letters::Error) -> StoreError {
    let text = e.to_string();
    let (zh, en) = text
        .split_once(" / ")
        .map_or((text.clone(), text.clone()), |(a, b)| {
            (a.to_owned(), b.to_owned())
        });
    StoreError::Invalid(Msg::new(e.code(), zh, en))
}

fn not_found(what_zh: &str, what_en: &str, id: &str) -> StoreError {
    StoreError::NotFound(format!("{what_zh} / {what_en} {id}"))
}

/// The short name printed in numbers: the division's name without its level suffix, plus 纪
/// (西湖区 → 西湖纪).
fn short_name(name: &str) -> String {
    let base = ["街道", "省", "市", "区", "县", "镇", "乡"]
        .iter()
        .find_map(|s| name.strip_suffix(s).filter(|r| r.chars().count() >= 2))
        .unwrap_or(name);
    format!("{base}纪")
}

impl Store {
    /// Issues a letter (一书一单一函): composes it, numbers it in its register and records it
    /// with one ledger entry (number, kind, recipient ids, content SHA-256, dates; no personal
    /// text). `catalogue` is the indicator catalogue (risk lists, reminder wording).
    pub async fn issue_letter(
        &self,
        ledger: &Ledger,
        p: &Principal,
        req: &LetterRequest,
        catalogue: &[IndicatorInfo],
        now: i64,
    ) -> Result<IssuedLetter> {
        require(p, "letter_issue")?;
        let r = self.resolve_letter(p, req).await?;
        let kind = req.kind.as_str();
        let year = i64::from(req.issue_date.year());
        let mut hit_ids: Vec<String> = r.hits.iter().map(|h| h.id.clone()).collect();
        hit_ids.sort();
        for _ in 0..MAX_ATTEMPTS {
            let seq = self.next_letter_seq(&r.division, year, kind).await?;
            let letter = self.compose(req, &r, catalogue, seq)?;
            let id = format!("{}-{year}-{kind}-{seq:04}", r.division);
            let hash = letter.content_hash();
            let document = serde_json::to_string(&letter).expect("letters serialise");
            let person = r.person.as_ref().map(|(id, _)| id.as_str());
            let post = r.post.as_ref().map(|s| s.post_id.as_str());
            let change = vec![
                Stmt::new(
                    "INSERT INTO letters (id, number, kind, issuer_division, issuer_name, year, seq, unit_id, division_code, person_id, post_id, hit_ids, content_sha256, document, issued_on, issued_at, issued_by, status, updated_at, steps) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'issued', $16, 1 \
                     WHERE (SELECT COALESCE(MAX(seq), 0) FROM letters WHERE issuer_division = $4 AND year = $6 AND kind = $3) = $7 - 1",
                    vec![
                        t(&id),
                        t(&letter.number),
                        t(kind),
                        t(&r.division),
                        t(&r.issuer.name_zh),
                        Bind::Int(year),
                        Bind::Int(seq),
                        t(&r.unit.unit_id),
                        t(&r.unit.division_code),
                        ot(person),
                        ot(post),
                        Bind::Text(json!(hit_ids).to_string()),
                        t(&hash),
                        Bind::Text(document),
                        t(&req.issue_date.to_string()),
                        Bind::Int(now),
                        t(&p.username),
                    ],
                )
                .expecting(1),
            ];
            let entry = json!({
                "letter": id, "step": 1, "action": "issue", "letter_kind": kind,
                "number": letter.number, "status": "issued", "issuer_division": r.division,
                "unit": r.unit.unit_id, "person": person, "post": post, "hits": hit_ids,
                "content_sha256": hash, "issued_on": req.issue_date.to_string(),
                "actor": p.username, "ts": ts(now),
            });
            let unit = Unit::new("letter_issue", crate::workflow::entry(entry))
                .about("letter", &id)
                .with_change(change);
            match ledger.append(unit).await {
                Ok(a) => {
                    let record = self
                        .get_letter(p, &id)
                        .await?
                        .ok_or_else(|| super::read::letter_not_found(&id))?;
                    return Ok(IssuedLetter {
                        record,
                        letter,
                        ledger_index: a.index,
                    });
                }
                Err(e) if retryable(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(refuse(
            "LETTER_BUSY",
            format!("文书编号多次被并发占用（{MAX_ATTEMPTS} 次），请稍后重试"),
            format!("the letter number was taken concurrently {MAX_ATTEMPTS} times; try again"),
        ))
    }

    async fn next_letter_seq(&self, division: &str, year: i64, kind: &str) -> Result<i64> {
        let max: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM letters WHERE issuer_division = $1 AND year = $2 AND kind = $3")
            .bind(division).bind(year).bind(kind).fetch_one(pool).await)?;
        Ok(max + 1)
    }

    fn compose(
        &self,
        req: &LetterRequest,
        r: &Resolved,
        catalogue: &[IndicatorInfo],
        seq: i64,
    ) -> Result<Letter> {
        let unit_kind: UnitKind = r.unit.kind.parse().map_err(|()| {
            refuse(
                "LETTER_UNIT_KIND",
                format!("单位 {} 的类型“{}”无法识别", r.unit.unit_id, r.unit.kind),
                format!(
                    "unit {} has an unknown kind '{}'",
                    r.unit.unit_id, r.unit.kind
                ),
            )
        })?;
        let header = Header {
            issuer: r.issuer.clone(),
            recipient: Recipient {
                unit_name_zh: r.unit.name.clone(),
                unit_kind,
                post: r.letter_post.clone(),
                person_name_zh: r.person.as_ref().map(|(_, name)| name.clone()),
            },
            issue_date: req.issue_date,
            sequence: u32::try_from(seq).unwrap_or(u32::MAX),
        };
        let letter = match req.kind {
            LetterKind::Notice => {
                let cp = req.counterparty.ok_or_else(|| {
                    refuse(
                        "LETTER_COUNTERPARTY_REQUIRED",
                        "廉政告知书须指明交往对象（--counterparty）".into(),
                        "a notice letter needs the business counterparty (--counterparty)".into(),
                    )
                })?;
                qinglian_letters::notice(&header, cp)
            }
            LetterKind::RiskList => {
                let summaries: Vec<_> = catalogue.iter().map(IndicatorInfo::summary).collect();
                qinglian_letters::risk_list(&header, &summaries)
            }
            LetterKind::Reminder => {
                let hits: Vec<_> = r
                    .hits
                    .iter()
                    .map(|h| hit_summary(h, catalogue.iter().find(|i| i.id == h.indicator_id)))
                    .collect();
                qinglian_letters::reminder(&header, &hits, req.reply_by, &r.prior)
            }
        };
        letter.map_err(letters_err)
    }

    /// A registry post the principal may see (through its unit).
    async fn visible_post(&self, p: &Principal, post_id: &str) -> Result<PostFacts> {
        let f = scope::units(p, "u", 2);
        let sql = format!(
            "SELECT x.post_id, x.unit_id, x.person_id, x.title, x.key_area, x.is_head, x.start_date, x.end_date FROM posts x JOIN units u ON u.unit_id = x.unit_id WHERE x.post_id = $1 AND {}",
            f.sql
        );
        let row: Option<PostFacts> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, PostFacts>(&sql).bind(post_id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?;
        row.ok_or_else(|| not_found("岗位", "post", post_id))
    }

    /// A person's name as written (letters are addressed by name), if the principal may see them.
    async fn person_name(&self, p: &Principal, person_id: &str) -> Result<String> {
        let f = scope::people(p, "x", 2);
        let sql = format!(
            "SELECT x.name FROM people x WHERE x.person_id = $1 AND {}",
            f.sql
        );
        let name: Option<String> = on_pool!(self, pool => {
            let mut q = sqlx::query_scalar::<_, String>(&sql).bind(person_id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?;
        name.ok_or_else(|| not_found("人员", "person", person_id))
    }

    /// The reminder's post when none is named: the person's one post held on the issue date
    /// (at the given unit, if any).
    async fn sole_post(
        &self,
        p: &Principal,
        person: &str,
        unit: Option<&str>,
        day: NaiveDate,
    ) -> Result<PostFacts> {
        let mut held = Vec::new();
        for s in self.posts_of(&[person.to_owned()]).await? {
            if s.held_on(day)
                && unit.is_none_or(|u| u == s.unit_id)
                && self.get_unit(p, &s.unit_id).await?.is_some()
            {
                held.push(s);
            }
        }
        match held.len() {
            1 => Ok(held.remove(0)),
            0 => Err(refuse(
                "LETTER_NO_POST",
                format!(
                    "人员 {person} 在 {day} 没有可见的在任岗位；提醒函经岗位关联命中，请先登记岗位"
                ),
                format!(
                    "person {person} holds no visible post on {day}; reminders reach hits through posts, register one first"
                ),
            )),
            _ => Err(refuse(
                "LETTER_POST_AMBIGUOUS",
                format!(
                    "人员 {person} 同时在任多个岗位（{}），请用 --post 指定",
                    held.iter()
                        .map(|s| s.post_id.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "person {person} holds several posts ({}); name one with --post",
                    held.iter()
                        .map(|s| s.post_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    async fn resolve_letter(&self, p: &Principal, req: &LetterRequest) -> Result<Resolved> {
        let mut post = match &req.post_id {
            Some(id) => Some(self.visible_post(p, id).await?),
            None => None,
        };
        if let (Some(s), Some(person)) = (&post, &req.person_id)
            && &s.person_id != person
        {
            return Err(refuse(
                "LETTER_POST_PERSON",
                format!(
                    "岗位 {} 的任职人员是 {}，不是 {person}",
                    s.post_id, s.person_id
                ),
                format!(
                    "post {} is held by {}, not {person}",
                    s.post_id, s.person_id
                ),
            ));
        }
        if req.kind == LetterKind::Reminder && post.is_none() {
            let person = req.person_id.as_deref().ok_or_else(|| {
                refuse(
                    "LETTER_PERSON_REQUIRED",
                    "廉政风险提醒函须指明收件人（--person）".into(),
                    "a reminder letter needs its recipient (--person)".into(),
                )
            })?;
            post = Some(
                self.sole_post(p, person, req.unit_id.as_deref(), req.issue_date)
                    .await?,
            );
        }
        let unit_id = match (&req.unit_id, &post) {
            (Some(u), Some(s)) if *u != s.unit_id => {
                return Err(refuse(
                    "LETTER_POST_UNIT",
                    format!("岗位 {} 属于单位 {}，不是 {u}", s.post_id, s.unit_id),
                    format!("post {} belongs to unit {}, not {u}", s.post_id, s.unit_id),
                ));
            }
            (_, Some(s)) => s.unit_id.clone(),
            (Some(u), None) => u.clone(),
            (None, None) => {
                return Err(refuse(
                    "LETTER_UNIT_REQUIRED",
                    "请用 --unit 指明收文单位（或用 --post 指明岗位）".into(),
                    "name the recipient unit with --unit (or a post with --post)".into(),
                ));
            }
        };
        let unit = self
            .get_unit(p, &unit_id)
            .await?
            .ok_or_else(|| not_found("单位", "unit", &unit_id))?;
        let person_id = req
            .person_id
            .clone()
            .or_else(|| post.as_ref().map(|s| s.person_id.clone()));
        let person = match person_id {
            Some(id) => {
                let name = self.person_name(p, &id).await?;
                Some((id, name))
            }
            None => None,
        };
        let hits = if req.kind == LetterKind::Reminder {
            self.reminder_hits(p, req, post.as_ref().expect("resolved above"))
                .await?
        } else {
            Vec::new()
        };
        // A head post has no key area of its own; a reminder borrows the one its hits screen.
        let area = req
            .key_area
            .or_else(|| post.as_ref().and_then(PostFacts::area))
            .or_else(|| {
                hits.iter()
                    .find_map(|h| domain_key_areas(&h.domain).first().copied())
            });
        let title = req
            .post_title
            .clone()
            .or_else(|| post.as_ref().map(|s| s.title.clone()));
        let letter_post = match (title, area) {
            (Some(title_zh), Some(key_area)) => Some(Post { title_zh, key_area }),
            _ => None,
        };
        let prior = match (&person, req.kind) {
            (Some((id, _)), LetterKind::Reminder) => self
                .list_letters(
                    p,
                    &super::LetterFilter {
                        kind: Some("reminder".into()),
                        person_id: Some(id.clone()),
                        ..Default::default()
                    },
                )
                .await?
                .into_iter()
                .filter_map(|l| {
                    Some(PriorLetter {
                        issue_date: NaiveDate::parse_from_str(&l.issued_on, "%Y-%m-%d").ok()?,
                        number: l.number,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        let division = self.issuing_division(p, req, &unit).await?;
        let issuer = self.issuer(req, &division).await?;
        Ok(Resolved {
            unit,
            post,
            person,
            letter_post,
            hits,
            prior,
            division,
            issuer,
        })
    }

    /// The hits a reminder quotes: those named (each must concern the post's holder), or every
    /// hit on the post's unit that concerns them and is not a decided false positive.
    async fn reminder_hits(
        &self,
        p: &Principal,
        req: &LetterRequest,
        post: &PostFacts,
    ) -> Result<Vec<HitRecord>> {
        if req.hit_ids.is_empty() {
            let all = self
                .list_hits(
                    p,
                    &HitFilter {
                        unit_id: Some(post.unit_id.clone()),
                        limit: 100_000,
                        ..Default::default()
                    },
                )
                .await?;
            return Ok(all.into_iter().filter(|h| post.concerns(h)).collect());
        }
        let mut out = Vec::new();
        for id in &req.hit_ids {
            let h = self
                .get_hit(p, id)
                .await?
                .ok_or_else(|| not_found("命中", "hit", id))?;
            if !post.concerns(&h) || h.decision.as_deref() == Some("false_positive") {
                return Err(refuse(
                    "LETTER_HIT_NOT_CONCERNED",
                    format!(
                        "命中 {id} 与岗位 {}（{}）无关或已判定为误报：提醒函只引用该岗位所在单位、属其领域的命中",
                        post.post_id, post.title
                    ),
                    format!(
                        "hit {id} does not concern post {} ({}) or is a false positive: a reminder quotes hits on the post's unit in its area",
                        post.post_id, post.title
                    ),
                ));
            }
            out.push(h);
        }
        Ok(out)
    }

    async fn issuing_division(
        &self,
        p: &Principal,
        req: &LetterRequest,
        unit: &UnitRow,
    ) -> Result<String> {
        let unit_div = DivisionCode::parse(&unit.division_code)?;
        let division = match &req.division {
            Some(d) => DivisionCode::parse(d)?,
            None => match &p.scope {
                Scope::Divisions(ds) => ds
                    .iter()
                    .filter(|d| d.contains(&unit_div))
                    .max_by_key(|d| d.level())
                    .cloned()
                    .unwrap_or_else(|| unit_div.clone()),
                _ if unit_div.level() > Level::County => {
                    DivisionCode::parse(&unit_div.as_str()[..6])?
                }
                _ => unit_div.clone(),
            },
        };
        if !division.contains(&unit_div) || !p.sees_division(&division) {
            return Err(refuse(
                "LETTER_DIVISION",
                format!("发文区划 {division} 须在您的管辖范围内并包含收文单位所在区划 {unit_div}"),
                format!(
                    "the issuing division {division} must lie in your jurisdiction and contain the unit's division {unit_div}"
                ),
            ));
        }
        Ok(division.to_string())
    }

    /// The issuer's names, as given or from the division table: 中共杭州市西湖区纪律检查委员会, 西湖纪.
    async fn issuer(&self, req: &LetterRequest, division: &str) -> Result<Issuer> {
        let name_of = |code: String| async move {
            on_pool!(self, pool => sqlx::query_as::<_, (String, String, Option<String>)>(
                "SELECT name, level, parent_code FROM divisions WHERE code = $1")
                .bind(code).fetch_optional(pool).await)
        };
        let own = name_of(division.to_owned()).await?;
        let derived = match &own {
            Some((name, level, parent)) => {
                let mut full = String::new();
                if matches!(level.as_str(), "county" | "township")
                    && let Some(parent) = parent.clone()
                    && let Some((pname, plevel, _)) = name_of(parent).await?
                    && plevel != "province"
                {
                    full.push_str(&pname);
                }
                full.push_str(name);
                Some((format!("中共{full}纪律检查委员会"), short_name(name)))
            }
            None => None,
        };
        let unknown = || {
            refuse(
                "LETTER_ISSUER",
                format!(
                    "区划 {division} 不在区划表中，请用 --issuer-name 与 --issuer-short 写明发文机关"
                ),
                format!(
                    "division {division} is not in the division table; give the issuer with --issuer-name and --issuer-short"
                ),
            )
        };
        let name_zh = match (&req.issuer_name, &derived) {
            (Some(n), _) => n.clone(),
            (None, Some((n, _))) => n.clone(),
            (None, None) => return Err(unknown()),
        };
        let short_name_zh = match (&req.issuer_short, &derived) {
            (Some(s), _) => s.clone(),
            (None, Some((_, s))) => s.clone(),
            (None, None) => return Err(unknown()),
        };
        Ok(Issuer {
            name_zh,
            short_name_zh,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names_drop_the_level_suffix() {
        assert_eq!(super::short_name("西湖区"), "西湖纪");
        assert_eq!(super::short_name("杭州市"), "杭州纪");
        assert_eq!(super::short_name("留下街道"), "留下纪");
        assert_eq!(super::short_name("某区"), "某区纪", "keeps two characters");
        assert_eq!(super::short_name("330106"), "330106纪");
    }
}
