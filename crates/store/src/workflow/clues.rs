//! Clues: opening (from a hit or a manual report), moving through the state machine, reading.

use super::machine::{self, Action, State};
use super::{MAX_ATTEMPTS, claim_step, event_stmt, note_hash, ot, refuse, retryable, t, ts};
use crate::ledger::{Bind, Ledger, Stmt, Unit};
use crate::scope::{self, Principal};
use crate::{Result, Store, StoreError, on_pool};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ClueRecord {
    pub id: String,
    pub status: String,
    pub source: String,
    pub hit_id: Option<String>,
    pub unit_id: String,
    pub division_code: String,
    pub indicator_id: Option<String>,
    /// JSON text of the subject keys.
    pub subject: Option<String>,
    pub summary: String,
    pub handler: Option<String>,
    pub responsible_unit: Option<String>,
    pub level_division: Option<String>,
    pub method: Option<String>,
    pub finding: Option<String>,
    pub found_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub last_escalated_at: Option<i64>,
    pub steps: i64,
}

impl ClueRecord {
    pub fn state(&self) -> Result<State> {
        State::parse(&self.status).ok_or_else(|| {
            refuse(
                "CLUE_BAD_STATE",
                format!("线索 {} 的状态“{}”无法识别", self.id, self.status),
                format!("clue {} has an unknown state '{}'", self.id, self.status),
            )
        })
    }
}

/// One step of a clue's timeline, with the index of its ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClueEvent {
    pub step: i64,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor: String,
    pub note: Option<String>,
    pub detail: Value,
    pub at: i64,
    pub ledger_index: Option<u64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    step: i64,
    kind: String,
    from_status: Option<String>,
    to_status: Option<String>,
    actor: String,
    note: Option<String>,
    detail: String,
    at: i64,
}

/// What a move carries besides its target; which fields are required depends on the step.
#[derive(Debug, Clone, Default)]
pub struct Move {
    pub to: Option<State>,
    /// Reason or remark; required for disposals and findings.
    pub note: Option<String>,
    /// Triage: the handling officer (a user name).
    pub handler: Option<String>,
    /// Triage: the responsible unit (defaults to the clue's unit).
    pub unit: Option<String>,
    /// Confirmed finding: persons handled, by form (glossary codes), and how many.
    pub persons: Vec<(String, i64)>,
}

const COLS: &str = "c.id, c.status, c.source, c.hit_id, c.unit_id, c.division_code, c.indicator_id, \
    c.subject, c.summary, c.handler, c.responsible_unit, c.level_division, c.method, c.finding, \
    c.found_at, c.created_at, c.updated_at, c.closed_at, c.last_escalated_at, c.steps";

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("线索 / clue {id}"))
}

fn forbidden(p: &Principal, what: &str) -> StoreError {
    refuse(
        "CLUE_FORBIDDEN",
        format!("角色“{}”不能执行此操作（{what}）", p.role.name_zh()),
        format!("role {} may not do this ({what})", p.role.as_str()),
    )
}

pub(crate) fn require(p: &Principal, action: &str) -> Result<()> {
    if machine::may(p.role, action) {
        Ok(())
    } else {
        Err(forbidden(p, action))
    }
}

impl Store {
    /// The next free `C-n`: one past the highest number (not the row count, so a clue that
    /// failed to land never makes two share a number).
    pub(crate) async fn next_clue_id(&self) -> Result<String> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COALESCE(MAX(CAST(SUBSTR(id, 3) AS BIGINT)), 0) FROM clues WHERE id LIKE 'C-%'")
            .fetch_one(pool).await)?;
        Ok(format!("C-{}", n + 1))
    }

    async fn open_clue_of_hit(&self, hit_id: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM clues WHERE hit_id = $1 AND status NOT IN ('closed', 'concluded')")
            .bind(hit_id).fetch_optional(pool).await)?)
    }

    /// Opens a clue (登记) from a hit the principal may see; one open clue per hit.
    pub async fn open_clue_from_hit(
        &self,
        ledger: &Ledger,
        p: &Principal,
        hit_id: &str,
        now: i64,
    ) -> Result<ClueRecord> {
        require(p, "open")?;
        let hit = self
            .get_hit(p, hit_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("命中 / hit {hit_id}")))?;
        if let Some(c) = self.open_clue_of_hit(&hit.id).await? {
            return Err(clue_exists(&c));
        }
        let subject = serde_json::to_string(&hit.subject).expect("JSON");
        self.insert_clue(
            ledger,
            p,
            NewClue {
                source: "hit",
                hit_id: Some(&hit.id),
                unit_id: &hit.unit_id,
                division_code: &hit.division_code,
                indicator_id: Some(&hit.indicator_id),
                subject: Some(&subject),
                summary: &hit.explanation_zh,
            },
            now,
        )
        .await
    }

    /// Opens a clue from a manual report about a registered unit the principal may see.
    pub async fn open_clue_manual(
        &self,
        ledger: &Ledger,
        p: &Principal,
        unit_id: &str,
        summary: &str,
        now: i64,
    ) -> Result<ClueRecord> {
        require(p, "open")?;
        let unit = self
            .get_unit(p, unit_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("单位 / unit {unit_id}")))?;
        if summary.trim().is_empty() {
            return Err(refuse(
                "CLUE_NO_SUMMARY",
                "手工登记的线索需要摘要（--summary）".into(),
                "a manual clue needs a summary (--summary)".into(),
            ));
        }
        self.insert_clue(
            ledger,
            p,
            NewClue {
                source: "manual",
                hit_id: None,
                unit_id: &unit.unit_id,
                division_code: &unit.division_code,
                indicator_id: None,
                subject: None,
                summary: summary.trim(),
            },
            now,
        )
        .await
    }

    /// Inserts under the next free id, retrying when a concurrent opening took it: the insert
    /// claims the id (primary key) and, for a hit, that no open clue exists for it, in the same
    /// transaction as its entry.
    async fn insert_clue(
        &self,
        ledger: &Ledger,
        p: &Principal,
        c: NewClue<'_>,
        now: i64,
    ) -> Result<ClueRecord> {
        for _ in 0..MAX_ATTEMPTS {
            let id = self.next_clue_id().await?;
            match ledger.append(clue_unit(&id, p, &c, now)).await {
                Ok(_) => return self.get_clue(p, &id).await?.ok_or_else(|| not_found(&id)),
                Err(e) if retryable(&e) => {
                    if let Some(hit) = c.hit_id
                        && let Some(open) = self.open_clue_of_hit(hit).await?
                    {
                        return Err(clue_exists(&open));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(refuse(
            "CLUE_BUSY",
            format!("线索编号多次被并发占用（{MAX_ATTEMPTS} 次），请稍后重试"),
            format!("the clue id was taken concurrently {MAX_ATTEMPTS} times; try again"),
        ))
    }

    /// Moves a clue to `m.to` if the state machine allows it and the step carries what it
    /// needs. One ledger entry, in the same transaction as the change.
    pub async fn move_clue(
        &self,
        ledger: &Ledger,
        p: &Principal,
        id: &str,
        m: &Move,
        now: i64,
    ) -> Result<ClueRecord> {
        require(p, "move")?;
        let clue = self.get_clue(p, id).await?.ok_or_else(|| not_found(id))?;
        let from = clue.state()?;
        let Some(to) = m.to else {
            let next: Vec<&str> = machine::allowed_from(from)
                .iter()
                .map(|s| s.as_str())
                .collect();
            return Err(refuse(
                "CLUE_TO_REQUIRED",
                format!(
                    "请用 --to 指定目标状态；当前状态：{}；可转到：{}",
                    from.label(),
                    next.join("、")
                ),
                format!(
                    "give the target state with --to; current state: {}; allowed next: {}",
                    from.as_str(),
                    next.join(", ")
                ),
            ));
        };
        let action = machine::step(from, to)?;
        let step = clue.steps + 1;
        let note = m.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let mut set: Vec<(&str, Bind)> = vec![("status", t(to.as_str()))];
        let mut refs = serde_json::Map::new();
        let mut extra: Vec<Stmt> = Vec::new();
        let need_note = |what_zh: &str, what_en: &str| {
            note.map(|_| ()).ok_or_else(|| {
                refuse(
                    "CLUE_NOTE_REQUIRED",
                    format!("{what_zh}须说明理由（--note）"),
                    format!("{what_en} needs a reason (--note)"),
                )
            })
        };
        match action {
            Action::Triage => {
                let handler = m.handler.as_deref().ok_or_else(|| {
                    refuse(
                        "CLUE_HANDLER_REQUIRED",
                        "分办须指定承办人（--handler）".into(),
                        "triage needs a handler (--handler)".into(),
                    )
                })?;
                let user = self
                    .find_user(handler)
                    .await?
                    .filter(|u| !u.disabled)
                    .ok_or_else(|| StoreError::NotFound(format!("用户 / user {handler}")))?;
                let unit_id = m.unit.clone().unwrap_or_else(|| clue.unit_id.clone());
                let unit = self
                    .get_unit(p, &unit_id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("单位 / unit {unit_id}")))?;
                // The clue is handled at the handler's level: the jurisdiction of theirs that
                // holds the unit, else the unit's own division.
                let level = self
                    .handler_level(user.id, &unit.division_code)
                    .await?
                    .unwrap_or_else(|| unit.division_code.clone());
                refs.insert("handler".into(), json!(user.username));
                refs.insert("responsible_unit".into(), json!(unit.unit_id));
                refs.insert("level".into(), json!(level));
                set.push(("handler", t(&user.username)));
                set.push(("responsible_unit", t(&unit.unit_id)));
                set.push(("level_division", t(&level)));
            }
            Action::Dispose(method) => {
                need_note("处置", "a disposal")?;
                refs.insert("method".into(), json!(method.as_str()));
                set.push(("method", t(method.as_str())));
                if to.is_terminal() {
                    set.push(("closed_at", Bind::Int(now)));
                }
            }
            Action::Reopen => need_note("重新分办", "reopening")?,
            Action::Find { confirmed } => {
                need_note("认定", "a finding")?;
                let finding = if confirmed {
                    "confirmed"
                } else {
                    "not_confirmed"
                };
                refs.insert("finding".into(), json!(finding));
                set.push(("finding", t(finding)));
                set.push(("found_at", Bind::Int(now)));
                if !confirmed {
                    set.push(("closed_at", Bind::Int(now)));
                    if !m.persons.is_empty() {
                        return Err(refuse(
                            "CLUE_PERSONS_WITHOUT_PROBLEM",
                            "问题不实时不能记录人员处理".into(),
                            "persons handled need a confirmed problem".into(),
                        ));
                    }
                }
                let mut persons: BTreeMap<&str, i64> = BTreeMap::new();
                for (form, n) in &m.persons {
                    let code = machine::person_form(form).ok_or_else(|| {
                        refuse(
                            "CLUE_BAD_FORM",
                            format!(
                                "处理方式“{form}”无效，应为：{}",
                                machine::PERSON_FORMS.map(|f| f.1).join("、")
                            ),
                            format!(
                                "invalid form '{form}', expected one of: {}",
                                machine::PERSON_FORMS.map(|f| f.0).join(", ")
                            ),
                        )
                    })?;
                    if *n <= 0 {
                        return Err(refuse(
                            "CLUE_BAD_COUNT",
                            format!("人数须为正数：{form}={n}"),
                            format!("a count must be positive: {form}={n}"),
                        ));
                    }
                    *persons.entry(code).or_default() += n;
                }
                for (form, n) in &persons {
                    extra.push(Stmt::new(
                        "INSERT INTO clue_persons (clue_id, form, persons) VALUES ($1, $2, $3)",
                        vec![t(id), t(form), Bind::Int(*n)],
                    ));
                }
                refs.insert("persons".into(), json!(persons));
            }
            Action::Order => {
                if self.clue_items(id).await?.is_empty() {
                    return Err(refuse(
                        "CLUE_NO_ITEMS",
                        "下达整改通知前须先添加整改事项（clues item add）".into(),
                        "add rectification items before issuing the order (clues item add)".into(),
                    ));
                }
            }
            Action::Close => {
                let items = self.clue_items(id).await?;
                if let Some(i) = items.iter().find(|i| i.status != "rectified") {
                    return Err(refuse(
                        "CLUE_ITEMS_OPEN",
                        format!("整改事项 {}/{} 尚未核查为已整改，不能销号", id, i.seq),
                        format!(
                            "item {}/{} is not verified rectified; the clue cannot be closed",
                            id, i.seq
                        ),
                    ));
                }
                set.push(("closed_at", Bind::Int(now)));
            }
        }
        let assignments: Vec<String> = set
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", i + 3))
            .collect();
        let mut binds = vec![t(id), t(from.as_str())];
        binds.extend(set.into_iter().map(|(_, b)| b));
        let mut change = vec![
            claim_step(id, clue.steps, now),
            Stmt::new(
                format!(
                    "UPDATE clues SET {} WHERE id = $1 AND status = $2",
                    assignments.join(", ")
                ),
                binds,
            )
            .expecting(1),
        ];
        let detail = Value::Object(refs.clone());
        change.push(event_stmt(
            id,
            step,
            action.as_str(),
            Some(from.as_str()),
            Some(to.as_str()),
            &p.username,
            note,
            &detail,
            now,
        ));
        change.extend(extra);
        let mut entry = json!({
            "clue": id,
            "step": step,
            "action": action.as_str(),
            "from": from.as_str(),
            "to": to.as_str(),
            "note_sha256": note_hash(note),
            "actor": p.username,
            "ts": ts(now),
        });
        entry.as_object_mut().expect("object").extend(refs);
        ledger
            .append(
                Unit::new("clue_transition", crate::workflow::entry(entry))
                    .about("clue", id)
                    .with_change(change),
            )
            .await?;
        self.get_clue(p, id).await?.ok_or_else(|| not_found(id))
    }

    /// The handler's jurisdiction that holds `division`, most specific first.
    async fn handler_level(&self, user_id: i64, division: &str) -> Result<Option<String>> {
        let ds: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT division_code FROM user_divisions WHERE user_id = $1 ORDER BY division_code")
            .bind(user_id).fetch_all(pool).await)?;
        let Ok(target) = qinglian_core::DivisionCode::parse(division) else {
            return Ok(None);
        };
        Ok(ds
            .iter()
            .filter_map(|d| qinglian_core::DivisionCode::parse(d).ok())
            .filter(|d| d.contains(&target))
            .max_by_key(|d| d.level())
            .map(|d| d.to_string()))
    }

    /// One clue, if the principal may see it (outside the scope: `None`, as if missing).
    pub async fn get_clue(&self, p: &Principal, id: &str) -> Result<Option<ClueRecord>> {
        let f = scope::clues(p, "c", 2);
        let sql = format!("SELECT {COLS} FROM clues c WHERE c.id = $1 AND {}", f.sql);
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, ClueRecord>(&sql).bind(id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?)
    }

    /// Clues the principal may see, oldest first (ids are numbered in order of opening).
    pub async fn list_clues(&self, p: &Principal) -> Result<Vec<ClueRecord>> {
        let f = scope::clues(p, "c", 1);
        let sql = format!(
            "SELECT {COLS} FROM clues c WHERE {} ORDER BY c.created_at, c.id",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, ClueRecord>(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    /// One page of the clues the principal may see, oldest first, optionally only those in
    /// `status` or of `unit`: filtered and cut in SQL, walking the (created_at, id) index.
    pub async fn list_clues_page(
        &self,
        p: &Principal,
        status: Option<&str>,
        unit: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ClueRecord>> {
        let f = scope::clues(p, "c", 1);
        let mut sql = format!("SELECT {COLS} FROM clues c WHERE {}", f.sql);
        let mut binds = f.binds;
        for (col, v) in [("c.status", status), ("c.unit_id", unit)] {
            if let Some(v) = v {
                binds.push(v.to_owned());
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        sql.push_str(&format!(
            " ORDER BY c.created_at, c.id LIMIT {} OFFSET {}",
            limit.clamp(1, 1000),
            offset.max(0)
        ));
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, ClueRecord>(&sql);
            for b in &binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    /// A clue's steps, each with the index of the ledger entry that recorded it.
    pub async fn clue_timeline(&self, p: &Principal, id: &str) -> Result<Vec<ClueEvent>> {
        if self.get_clue(p, id).await?.is_none() {
            return Err(not_found(id));
        }
        let rows: Vec<EventRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT step, kind, from_status, to_status, actor, note, detail, at FROM clue_events WHERE clue_id = $1 ORDER BY step")
            .bind(id).fetch_all(pool).await)?;
        let mut index: BTreeMap<i64, u64> = BTreeMap::new();
        for e in self.ledger_object_history("clue", id).await? {
            let v: Value = serde_json::from_slice(&e.leaf).unwrap_or_default();
            if let Some(s) = v["step"].as_i64() {
                index.insert(s, e.index);
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| ClueEvent {
                ledger_index: index.get(&r.step).copied(),
                detail: serde_json::from_str(&r.detail).unwrap_or(Value::Null),
                step: r.step,
                kind: r.kind,
                from_status: r.from_status,
                to_status: r.to_status,
                actor: r.actor,
                note: r.note,
                at: r.at,
            })
            .collect())
    }
}

fn clue_exists(c: &str) -> StoreError {
    refuse(
        "CLUE_EXISTS",
        format!("命中已有未办结的线索 {c}"),
        format!("the hit already has an open clue {c}"),
    )
}

/// The opening step of clue `id`: its row, its first event and its entry.
pub(crate) fn clue_unit(id: &str, p: &Principal, c: &NewClue<'_>, now: i64) -> Unit {
    let to = State::Registered.as_str();
    let detail = json!({"source": c.source, "hit": c.hit_id, "unit": c.unit_id});
    let change = vec![
        Stmt::new(
            "INSERT INTO clues (id, status, source, hit_id, unit_id, division_code, indicator_id, subject, summary, created_at, updated_at, steps) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1 \
             WHERE NOT EXISTS (SELECT 1 FROM clues WHERE hit_id = $4 AND status NOT IN ('closed', 'concluded'))",
            vec![
                t(id),
                t(to),
                t(c.source),
                ot(c.hit_id),
                t(c.unit_id),
                t(c.division_code),
                ot(c.indicator_id),
                ot(c.subject),
                t(c.summary),
                Bind::Int(now),
            ],
        )
        .expecting(1),
        event_stmt(
            id,
            1,
            "open",
            None,
            Some(to),
            &p.username,
            None,
            &detail,
            now,
        ),
    ];
    let entry = json!({
        "clue": id,
        "step": 1,
        "action": "open",
        "from": null,
        "to": to,
        "source": c.source,
        "hit": c.hit_id,
        "unit": c.unit_id,
        "division": c.division_code,
        "summary_sha256": note_hash(Some(c.summary)),
        "actor": p.username,
        "ts": ts(now),
    });
    Unit::new("clue_transition", crate::workflow::entry(entry))
        .about("clue", id)
        .with_change(change)
}

/// What an opening step records; also used by citizen reports (`crate::reports`), whose clue
/// opens through the same step.
pub(crate) struct NewClue<'a> {
    pub source: &'a str,
    pub hit_id: Option<&'a str>,
    pub unit_id: &'a str,
    pub division_code: &'a str,
    pub indicator_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub summary: &'a str,
}
