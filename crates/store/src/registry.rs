//! The registry (登记信息): divisions, units, people, posts and relations.
//!
//! Writes are bulk upserts in one transaction (an import lands whole or not at all); reads are
//! scoped by [`crate::scope`] and people are masked on the way out.

use crate::ledger::change::bind_all;
use crate::ledger::{Bind, Stmt};
use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};
use qinglian_core::ids::{mask_citizen_id, mask_name};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct UnitRow {
    pub unit_id: String,
    pub name: String,
    pub kind: String,
    pub division_code: String,
    pub uscc: Option<String>,
    pub parent_unit_id: Option<String>,
    pub address: Option<String>,
}

/// A person as stored. Only the store's own code and authorised unmasking see this.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PersonRow {
    pub person_id: String,
    pub name: String,
    pub citizen_id: String,
    pub gender: Option<String>,
    pub division_code: String,
    pub unit_id: Option<String>,
}

/// A person as shown: name and citizen ID masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonMasked {
    pub person_id: String,
    pub name: String,
    pub citizen_id: String,
    pub gender: Option<String>,
    pub division_code: String,
    pub unit_id: Option<String>,
}

impl From<PersonRow> for PersonMasked {
    fn from(p: PersonRow) -> Self {
        PersonMasked {
            person_id: p.person_id,
            name: mask_name(&p.name),
            citizen_id: mask_citizen_id(&p.citizen_id),
            gender: p.gender,
            division_code: p.division_code,
            unit_id: p.unit_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PostRow {
    pub post_id: String,
    pub unit_id: String,
    pub person_id: String,
    pub title: String,
    pub key_area: Option<String>,
    pub is_head: bool,
    pub start_date: String,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonRelationRow {
    pub person_id: String,
    pub related_person_id: String,
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OrgRelationRow {
    pub person_id: String,
    pub org_name: String,
    /// Empty when unknown (it is part of the key).
    pub org_uscc: String,
    pub unit_id: Option<String>,
    pub role: String,
    pub share_pct: Option<f64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub division: Option<String>,
    pub kind: Option<String>,
    /// Substring of the name.
    pub name: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegistryCounts {
    pub divisions: i64,
    pub units: i64,
    pub people: i64,
    pub units_by_kind: Vec<(String, i64)>,
}

/// Rows per INSERT statement. Small on purpose: SQLite looks each bound parameter up by a linear
/// scan (`sqlite3_bind_parameter_name`), so binding costs grow with the square of the parameters
/// per statement; about 250 keeps that negligible (measured: a 2,800-parameter statement spent
/// most of its time there).
const CHUNK_ROWS: usize = 32;

/// Builds `INSERT INTO t (cols) VALUES ($1,…),(…) ON CONFLICT (key) DO UPDATE SET …`.
fn upsert_sql(table: &str, cols: &[&str], key: &[&str], rows: usize) -> String {
    let n = cols.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let ph: Vec<String> = (1..=n).map(|c| format!("${}", r * n + c)).collect();
            format!("({})", ph.join(","))
        })
        .collect();
    let updates: Vec<String> = cols
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let action = if updates.is_empty() {
        "NOTHING".to_owned()
    } else {
        format!("UPDATE SET {}", updates.join(", "))
    };
    format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO {action}",
        cols.join(", "),
        values.join(", "),
        key.join(", ")
    )
}

const DIVISION_COLS: &[&str] = &[
    "code",
    "name",
    "level",
    "parent_code",
    "longitude",
    "latitude",
    "builtin",
];
const UNIT_COLS: &[&str] = &[
    "unit_id",
    "name",
    "kind",
    "division_code",
    "uscc",
    "parent_unit_id",
    "address",
];
const PERSON_COLS: &[&str] = &[
    "person_id",
    "name",
    "citizen_id",
    "gender",
    "division_code",
    "unit_id",
];
const POST_COLS: &[&str] = &[
    "post_id",
    "unit_id",
    "person_id",
    "title",
    "key_area",
    "is_head",
    "start_date",
    "end_date",
];
const PREL_COLS: &[&str] = &["person_id", "related_person_id", "relation"];
const OREL_COLS: &[&str] = &[
    "person_id",
    "org_name",
    "org_uscc",
    "unit_id",
    "role",
    "share_pct",
    "start_date",
    "end_date",
];

/// A registry row that can be upserted by its key.
pub trait UpsertRow {
    const TABLE: &'static str;
    const COLS: &'static [&'static str];
    const KEY: &'static [&'static str];
    /// The row's values in `COLS` order.
    fn binds(&self, out: &mut Vec<Bind>);
}

/// The statements that upsert `rows`, in chunks: run them in one transaction, or hand them to
/// the ledger as the change of an import so that the rows and their entry commit together.
pub fn upsert_stmts<R: UpsertRow>(rows: &[R]) -> Vec<Stmt> {
    rows.chunks(CHUNK_ROWS)
        .map(|chunk| {
            let mut binds = Vec::with_capacity(chunk.len() * R::COLS.len());
            for r in chunk {
                r.binds(&mut binds);
            }
            Stmt::new(upsert_sql(R::TABLE, R::COLS, R::KEY, chunk.len()), binds)
        })
        .collect()
}

fn t(v: &str) -> Bind {
    Bind::Text(v.to_owned())
}
fn ot(v: &Option<String>) -> Bind {
    Bind::OptText(v.clone())
}

impl UpsertRow for DivisionRow {
    const TABLE: &'static str = "divisions";
    const COLS: &'static [&'static str] = DIVISION_COLS;
    const KEY: &'static [&'static str] = &["code"];
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.code),
            t(&self.name),
            t(&self.level),
            ot(&self.parent_code),
        ]);
        out.extend([
            Bind::OptFloat(self.longitude),
            Bind::OptFloat(self.latitude),
            Bind::Bool(self.builtin),
        ]);
    }
}

impl UpsertRow for UnitRow {
    const TABLE: &'static str = "units";
    const COLS: &'static [&'static str] = UNIT_COLS;
    const KEY: &'static [&'static str] = &["unit_id"];
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.unit_id),
            t(&self.name),
            t(&self.kind),
            t(&self.division_code),
        ]);
        out.extend([ot(&self.uscc), ot(&self.parent_unit_id), ot(&self.address)]);
    }
}

impl UpsertRow for PersonRow {
    const TABLE: &'static str = "people";
    const COLS: &'static [&'static str] = PERSON_COLS;
    const KEY: &'static [&'static str] = &["person_id"];
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.person_id),
            t(&self.name),
            t(&self.citizen_id),
            ot(&self.gender),
        ]);
        out.extend([t(&self.division_code), ot(&self.unit_id)]);
    }
}

impl UpsertRow for PostRow {
    const TABLE: &'static str = "posts";
    const COLS: &'static [&'static str] = POST_COLS;
    const KEY: &'static [&'static str] = &["post_id"];
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.post_id),
            t(&self.unit_id),
            t(&self.person_id),
            t(&self.title),
        ]);
        out.extend([
            ot(&self.key_area),
            Bind::Bool(self.is_head),
            t(&self.start_date),
            ot(&self.end_date),
        ]);
    }
}

impl UpsertRow for PersonRelationRow {
    const TABLE: &'static str = "person_relations";
    const COLS: &'static [&'static str] = PREL_COLS;
    const KEY: &'static [&'static str] = PREL_COLS;
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.person_id),
            t(&self.related_person_id),
            t(&self.relation),
        ]);
    }
}

impl UpsertRow for OrgRelationRow {
    const TABLE: &'static str = "org_relations";
    const COLS: &'static [&'static str] = OREL_COLS;
    const KEY: &'static [&'static str] = &["person_id", "org_uscc", "org_name", "role"];
    fn binds(&self, out: &mut Vec<Bind>) {
        out.extend([
            t(&self.person_id),
            t(&self.org_name),
            t(&self.org_uscc),
            ot(&self.unit_id),
            t(&self.role),
        ]);
        out.extend([
            Bind::OptFloat(self.share_pct),
            ot(&self.start_date),
            ot(&self.end_date),
        ]);
    }
}

impl Store {
    /// Upserts rows of one registry table in one transaction.
    pub async fn upsert<R: UpsertRow>(&self, rows: &[R]) -> Result<usize> {
        let stmts = upsert_stmts(rows);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for st in &stmts {
                bind_all!(sqlx::query(&st.sql), &st.binds).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len())
    }

    pub async fn upsert_divisions(&self, rows: &[DivisionRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    pub async fn upsert_units(&self, rows: &[UnitRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    pub async fn upsert_people(&self, rows: &[PersonRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    pub async fn upsert_posts(&self, rows: &[PostRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    pub async fn upsert_person_relations(&self, rows: &[PersonRelationRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    pub async fn upsert_org_relations(&self, rows: &[OrgRelationRow]) -> Result<usize> {
        self.upsert(rows).await
    }

    /// All keys of one registry table, for reference checks before an import lands.
    /// `table` is one of the fixed registry names, never user input.
    pub async fn registry_keys(&self, table: RegistryTable) -> Result<Vec<String>> {
        let sql = match table {
            RegistryTable::Divisions => "SELECT code FROM divisions ORDER BY code",
            RegistryTable::Units => "SELECT unit_id FROM units ORDER BY unit_id",
            RegistryTable::People => "SELECT person_id FROM people ORDER BY person_id",
        };
        let keys: Vec<String> = on_pool!(self, p => sqlx::query_scalar(sql).fetch_all(p).await)?;
        Ok(keys)
    }

    // ---- scoped reads -------------------------------------------------------------------

    pub async fn list_divisions(
        &self,
        p: &Principal,
        parent: Option<&str>,
    ) -> Result<Vec<DivisionRow>> {
        let f = scope::divisions(p, "code", 1);
        let mut sql = format!(
            "SELECT code, name, level, parent_code, longitude, latitude, builtin FROM divisions WHERE {}",
            f.sql
        );
        if parent.is_some() {
            sql.push_str(&format!(" AND parent_code = ${}", f.binds.len() + 1));
        }
        sql.push_str(" ORDER BY code");
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, DivisionRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            if let Some(parent) = parent { q = q.bind(parent); }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    pub async fn get_division(&self, p: &Principal, code: &str) -> Result<Option<DivisionRow>> {
        let f = scope::divisions(p, "code", 2);
        let sql = format!(
            "SELECT code, name, level, parent_code, longitude, latitude, builtin FROM divisions WHERE code = $1 AND {}",
            f.sql
        );
        let row = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, DivisionRow>(&sql).bind(code);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?;
        Ok(row)
    }

    pub async fn list_units(&self, p: &Principal, filter: &UnitFilter) -> Result<Vec<UnitRow>> {
        let f = scope::units(p, "u", 1);
        let mut sql = format!(
            "SELECT u.unit_id, u.name, u.kind, u.division_code, u.uscc, u.parent_unit_id, u.address FROM units u WHERE {}",
            f.sql
        );
        let mut extra: Vec<String> = Vec::new();
        if let Some(d) = &filter.division {
            let code = qinglian_core::DivisionCode::parse(d)?;
            let n = f.binds.len() + extra.len();
            sql.push_str(&format!(
                " AND u.division_code >= ${} AND u.division_code < ${}",
                n + 1,
                n + 2
            ));
            extra.push(code.prefix().to_owned());
            extra.push(scope::prefix_upper(code.prefix()));
        }
        if let Some(k) = &filter.kind {
            extra.push(k.clone());
            sql.push_str(&format!(" AND u.kind = ${}", f.binds.len() + extra.len()));
        }
        if let Some(n) = &filter.name {
            extra.push(format!("%{}%", n.replace(['%', '_'], "")));
            sql.push_str(&format!(
                " AND u.name LIKE ${}",
                f.binds.len() + extra.len()
            ));
        }
        let limit = if filter.limit <= 0 {
            100
        } else {
            filter.limit.min(10_000)
        };
        sql.push_str(&format!(
            " ORDER BY u.unit_id LIMIT {limit} OFFSET {}",
            filter.offset.max(0)
        ));
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, UnitRow>(&sql);
            for b in f.binds.iter().chain(&extra) { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    pub async fn get_unit(&self, p: &Principal, unit_id: &str) -> Result<Option<UnitRow>> {
        let f = scope::units(p, "u", 2);
        let sql = format!(
            "SELECT u.unit_id, u.name, u.kind, u.division_code, u.uscc, u.parent_unit_id, u.address FROM units u WHERE u.unit_id = $1 AND {}",
            f.sql
        );
        let row = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, UnitRow>(&sql).bind(unit_id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?;
        Ok(row)
    }

    /// People visible to `p`, masked. Unmasked views come with the ledger (they must be logged).
    pub async fn list_people(
        &self,
        p: &Principal,
        unit_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonMasked>> {
        let f = scope::people(p, "x", 1);
        let mut sql = format!(
            "SELECT x.person_id, x.name, x.citizen_id, x.gender, x.division_code, x.unit_id FROM people x WHERE {}",
            f.sql
        );
        if unit_id.is_some() {
            sql.push_str(&format!(" AND x.unit_id = ${}", f.binds.len() + 1));
        }
        let limit = if limit <= 0 { 100 } else { limit.min(10_000) };
        sql.push_str(&format!(
            " ORDER BY x.person_id LIMIT {limit} OFFSET {}",
            offset.max(0)
        ));
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, PersonRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            if let Some(u) = unit_id { q = q.bind(u); }
            q.fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(PersonMasked::from).collect())
    }

    pub async fn get_person(&self, p: &Principal, person_id: &str) -> Result<Option<PersonMasked>> {
        let f = scope::people(p, "x", 2);
        let sql = format!(
            "SELECT x.person_id, x.name, x.citizen_id, x.gender, x.division_code, x.unit_id FROM people x WHERE x.person_id = $1 AND {}",
            f.sql
        );
        let row = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, PersonRow>(&sql).bind(person_id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?;
        Ok(row.map(PersonMasked::from))
    }

    /// Posts in units visible to `p`, optionally of one unit or only key posts (关键岗位).
    pub async fn list_posts(
        &self,
        p: &Principal,
        unit_id: Option<&str>,
        key_only: bool,
        limit: i64,
    ) -> Result<Vec<PostRow>> {
        let f = scope::units(p, "u", 1);
        let mut sql = format!(
            "SELECT x.post_id, x.unit_id, x.person_id, x.title, x.key_area, x.is_head, x.start_date, x.end_date FROM posts x JOIN units u ON u.unit_id = x.unit_id WHERE {}",
            f.sql
        );
        if unit_id.is_some() {
            sql.push_str(&format!(" AND x.unit_id = ${}", f.binds.len() + 1));
        }
        if key_only {
            sql.push_str(" AND x.key_area IS NOT NULL");
        }
        let limit = if limit <= 0 { 100 } else { limit.min(10_000) };
        sql.push_str(&format!(" ORDER BY x.post_id LIMIT {limit}"));
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, PostRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            if let Some(u) = unit_id { q = q.bind(u); }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Relations between people, for people visible to `p`.
    pub async fn list_person_relations(
        &self,
        p: &Principal,
        limit: i64,
    ) -> Result<Vec<PersonRelationRow>> {
        let f = scope::people(p, "x", 1);
        let limit = if limit <= 0 { 100 } else { limit.min(10_000) };
        let sql = format!(
            "SELECT r.person_id, r.related_person_id, r.relation FROM person_relations r JOIN people x ON x.person_id = r.person_id WHERE {} ORDER BY r.person_id, r.related_person_id, r.relation LIMIT {limit}",
            f.sql
        );
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, PersonRelationRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// People's roles in organisations, for people visible to `p`.
    pub async fn list_org_relations(
        &self,
        p: &Principal,
        limit: i64,
    ) -> Result<Vec<OrgRelationRow>> {
        let f = scope::people(p, "x", 1);
        let limit = if limit <= 0 { 100 } else { limit.min(10_000) };
        let sql = format!(
            "SELECT r.person_id, r.org_name, r.org_uscc, r.unit_id, r.role, r.share_pct, r.start_date, r.end_date FROM org_relations r JOIN people x ON x.person_id = r.person_id WHERE {} ORDER BY r.person_id, r.org_uscc, r.org_name, r.role LIMIT {limit}",
            f.sql
        );
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, OrgRelationRow>(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Counts of what `p` can see, for the landing page and `demo`.
    pub async fn registry_counts(&self, p: &Principal) -> Result<RegistryCounts> {
        let fd = scope::divisions(p, "code", 1);
        let fu = scope::units(p, "u", 1);
        let fp = scope::people(p, "x", 1);
        let dsql = format!("SELECT COUNT(*) FROM divisions WHERE {}", fd.sql);
        let ksql = format!(
            "SELECT u.kind, COUNT(*) FROM units u WHERE {} GROUP BY u.kind ORDER BY u.kind",
            fu.sql
        );
        let psql = format!("SELECT COUNT(*) FROM people x WHERE {}", fp.sql);
        let (divisions, by_kind, people) = on_pool!(self, pool => {
            let mut q = sqlx::query_scalar::<_, i64>(&dsql);
            for b in &fd.binds { q = q.bind(b); }
            let d = q.fetch_one(pool).await?;
            let mut q = sqlx::query_as::<_, (String, i64)>(&ksql);
            for b in &fu.binds { q = q.bind(b); }
            let k = q.fetch_all(pool).await?;
            let mut q = sqlx::query_scalar::<_, i64>(&psql);
            for b in &fp.binds { q = q.bind(b); }
            let n = q.fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((d, k, n))
        })?;
        Ok(RegistryCounts {
            divisions,
            units: by_kind.iter().map(|k| k.1).sum(),
            people,
            units_by_kind: by_kind,
        })
    }

    /// How many rows of the shipped division table the store holds (init loads them once).
    pub async fn builtin_division_count(&self) -> Result<i64> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE builtin").fetch_one(p).await)?,
        )
    }

    /// Unscoped totals per registry table, for operators (`init`, `demo`), never for users.
    pub async fn registry_totals(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for t in [
            "divisions",
            "units",
            "people",
            "posts",
            "person_relations",
            "org_relations",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {t}");
            let n: i64 = on_pool!(self, p => sqlx::query_scalar(&sql).fetch_one(p).await)?;
            out.push((t, n));
        }
        Ok(out)
    }
}

/// Registry tables whose keys other imports refer to.
#[derive(Debug, Clone, Copy)]
pub enum RegistryTable {
    Divisions,
    Units,
    People,
}

#[cfg(test)]
mod tests {
    #[test]
    fn upsert_sql_numbers_placeholders_row_major() {
        let s = super::upsert_sql("t", &["a", "b"], &["a"], 2);
        assert_eq!(
            s,
            "INSERT INTO t (a, b) VALUES ($1,$2), ($3,$4) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
        );
    }
}
