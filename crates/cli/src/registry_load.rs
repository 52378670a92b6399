//! Glue between the lake and the store for registry datasets: turns validated batches into
//! store rows, checking that every reference (division, unit, person) resolves — in the store
//! or earlier in the same import — with row-precise errors before anything is written.

use arrow_array::{Array, BooleanArray, Date32Array, Float64Array, RecordBatch, StringArray};
use qinglian_core::DivisionCode;
use qinglian_lake::{CellError, ImportError, PreparedFile};
use qinglian_store::ledger::Stmt;
use qinglian_store::{
    DivisionRow, OrgRelationRow, PersonRelationRow, PersonRow, PostRow, RegistryTable, Store,
    UnitRow, upsert_stmts,
};
use std::collections::BTreeSet;

/// Keys that references may point to.
#[derive(Default)]
pub struct Known {
    pub divisions: BTreeSet<String>,
    pub units: BTreeSet<String>,
    pub people: BTreeSet<String>,
}

impl Known {
    pub async fn load(store: &Store) -> anyhow::Result<Known> {
        Ok(Known {
            divisions: store
                .registry_keys(RegistryTable::Divisions)
                .await?
                .into_iter()
                .collect(),
            units: store
                .registry_keys(RegistryTable::Units)
                .await?
                .into_iter()
                .collect(),
            people: store
                .registry_keys(RegistryTable::People)
                .await?
                .into_iter()
                .collect(),
        })
    }
}

pub enum Rows {
    Divisions(Vec<DivisionRow>),
    Units(Vec<UnitRow>),
    People(Vec<PersonRow>),
    Posts(Vec<PostRow>),
    PersonRelations(Vec<PersonRelationRow>),
    OrgRelations(Vec<OrgRelationRow>),
}

impl Rows {
    /// The store statements that upsert these rows: the change an import's ledger entry carries.
    pub fn stmts(&self) -> Vec<Stmt> {
        match self {
            Rows::Divisions(r) => upsert_stmts(r),
            Rows::Units(r) => upsert_stmts(r),
            Rows::People(r) => upsert_stmts(r),
            Rows::Posts(r) => upsert_stmts(r),
            Rows::PersonRelations(r) => upsert_stmts(r),
            Rows::OrgRelations(r) => upsert_stmts(r),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Rows::Divisions(r) => r.len(),
            Rows::Units(r) => r.len(),
            Rows::People(r) => r.len(),
            Rows::Posts(r) => r.len(),
            Rows::PersonRelations(r) => r.len(),
            Rows::OrgRelations(r) => r.len(),
        }
    }
}

/// Column accessors over one batch, by schema column name.
struct Cols<'b>(&'b RecordBatch);

impl Cols<'_> {
    fn s(&self, name: &str, i: usize) -> Option<String> {
        let a = self
            .0
            .column_by_name(name)?
            .as_any()
            .downcast_ref::<StringArray>()?;
        a.is_valid(i).then(|| a.value(i).to_owned())
    }
    fn req(&self, name: &str, i: usize) -> String {
        self.s(name, i).unwrap_or_default()
    }
    fn f(&self, name: &str, i: usize) -> Option<f64> {
        let a = self
            .0
            .column_by_name(name)?
            .as_any()
            .downcast_ref::<Float64Array>()?;
        a.is_valid(i).then(|| a.value(i))
    }
    fn b(&self, name: &str, i: usize) -> Option<bool> {
        let a = self
            .0
            .column_by_name(name)?
            .as_any()
            .downcast_ref::<BooleanArray>()?;
        a.is_valid(i).then(|| a.value(i))
    }
    fn d(&self, name: &str, i: usize) -> Option<String> {
        let a = self
            .0
            .column_by_name(name)?
            .as_any()
            .downcast_ref::<Date32Array>()?;
        if a.is_valid(i) {
            a.value_as_date(i).map(|d| d.to_string())
        } else {
            None
        }
    }
}

struct Checker<'a> {
    file: &'a PreparedFile,
    errors: Vec<CellError>,
    more: u64,
    max: usize,
}

impl Checker<'_> {
    fn missing(&mut self, row_idx: usize, column: &str, value: &str, what_zh: &str, what_en: &str) {
        if self.errors.len() >= self.max {
            self.more += 1;
            return;
        }
        self.errors.push(CellError {
            code: "IMPORT_BAD_REFERENCE",
            file: self.file.source.clone(),
            sheet: self.file.sheet.clone(),
            row: self.file.rows.get(row_idx).copied(),
            column: Some(column.to_owned()),
            column_letter: None,
            value: Some(value.to_owned()),
            zh: format!("引用的{what_zh}不存在（既不在系统中，也不在本次导入中）"),
            en: format!(
                "the referenced {what_en} does not exist (neither in the system nor in this import)"
            ),
        });
    }
}

/// Converts one prepared registry file into store rows, checking references against `known`
/// and then adding this file's own keys to it.
pub fn convert(
    dataset: &str,
    file: &PreparedFile,
    known: &mut Known,
    max_errors: usize,
) -> Result<Rows, ImportError> {
    let mut ck = Checker {
        file,
        errors: vec![],
        more: 0,
        max: max_errors,
    };
    let mut idx = 0usize;
    macro_rules! each_row {
        (|$c:ident, $i:ident, $n:ident| $body:expr) => {{
            let mut out = Vec::new();
            for batch in &file.batches {
                let $c = Cols(batch);
                for $i in 0..batch.num_rows() {
                    let $n = idx;
                    idx += 1;
                    out.push($body);
                }
            }
            out
        }};
    }
    let rows = match dataset {
        "divisions" => {
            // Parents may come later in the same file: learn every code first.
            for b in &file.batches {
                let c = Cols(b);
                for i in 0..b.num_rows() {
                    known.divisions.insert(c.req("code", i));
                }
            }
            Rows::Divisions(each_row!(|c, i, n| {
                let code = DivisionCode::parse(&c.req("code", i)).expect("validated on import");
                let parent = match c.s("parent_code", i) {
                    Some(p) if known.divisions.contains(&p) => Some(p),
                    Some(p) => {
                        ck.missing(n, "上级区划代码", &p, "上级区划", "parent division");
                        None
                    }
                    None => {
                        let found = code
                            .parent_candidates()
                            .into_iter()
                            .map(|p| p.to_string())
                            .find(|p| known.divisions.contains(p));
                        if found.is_none() && code.level() != qinglian_core::Level::Province {
                            ck.missing(
                                n,
                                "行政区划代码",
                                code.as_str(),
                                "上级区划",
                                "parent division",
                            );
                        }
                        found
                    }
                };
                DivisionRow {
                    level: code.level().as_str().to_owned(),
                    code: code.to_string(),
                    name: c.req("name", i),
                    parent_code: parent,
                    longitude: c.f("longitude", i),
                    latitude: c.f("latitude", i),
                    builtin: false,
                }
            }))
        }
        "units" => {
            for b in &file.batches {
                let c = Cols(b);
                for i in 0..b.num_rows() {
                    known.units.insert(c.req("unit_id", i));
                }
            }
            Rows::Units(each_row!(|c, i, n| {
                let div = c.req("division_code", i);
                if !known.divisions.contains(&div) {
                    ck.missing(n, "行政区划代码", &div, "行政区划", "division");
                }
                if let Some(p) = c
                    .s("parent_unit_id", i)
                    .filter(|p| !known.units.contains(p))
                {
                    ck.missing(n, "上级单位编号", &p, "上级单位", "parent unit");
                }
                UnitRow {
                    unit_id: c.req("unit_id", i),
                    name: c.req("name", i),
                    kind: c.req("kind", i),
                    division_code: div,
                    uscc: c.s("uscc", i),
                    parent_unit_id: c.s("parent_unit_id", i),
                    address: c.s("address", i),
                }
            }))
        }
        "people" => Rows::People(each_row!(|c, i, n| {
            let div = c.req("division_code", i);
            if !known.divisions.contains(&div) {
                ck.missing(n, "所属区划", &div, "行政区划", "division");
            }
            if let Some(u) = c.s("unit_id", i).filter(|u| !known.units.contains(u)) {
                ck.missing(n, "所在单位编号", &u, "单位", "unit");
            }
            known.people.insert(c.req("person_id", i));
            PersonRow {
                person_id: c.req("person_id", i),
                name: c.req("name", i),
                citizen_id: c.req("citizen_id", i),
                gender: c.s("gender", i),
                division_code: div,
                unit_id: c.s("unit_id", i),
            }
        })),
        "posts" => Rows::Posts(each_row!(|c, i, n| {
            let (u, p) = (c.req("unit_id", i), c.req("person_id", i));
            if !known.units.contains(&u) {
                ck.missing(n, "单位编号", &u, "单位", "unit");
            }
            if !known.people.contains(&p) {
                ck.missing(n, "人员编号", &p, "人员", "person");
            }
            PostRow {
                post_id: c.req("post_id", i),
                unit_id: u,
                person_id: p,
                title: c.req("title", i),
                key_area: c.s("key_area", i),
                is_head: c.b("is_head", i).unwrap_or(false),
                start_date: c.d("start_date", i).unwrap_or_default(),
                end_date: c.d("end_date", i),
            }
        })),
        "person_relations" => Rows::PersonRelations(each_row!(|c, i, n| {
            for col in ["person_id", "related_person_id"] {
                let p = c.req(col, i);
                if !known.people.contains(&p) {
                    ck.missing(
                        n,
                        if col == "person_id" {
                            "人员编号"
                        } else {
                            "关系人编号"
                        },
                        &p,
                        "人员",
                        "person",
                    );
                }
            }
            PersonRelationRow {
                person_id: c.req("person_id", i),
                related_person_id: c.req("related_person_id", i),
                relation: c.req("relation", i),
            }
        })),
        "org_relations" => Rows::OrgRelations(each_row!(|c, i, n| {
            let p = c.req("person_id", i);
            if !known.people.contains(&p) {
                ck.missing(n, "人员编号", &p, "人员", "person");
            }
            if let Some(u) = c.s("unit_id", i).filter(|u| !known.units.contains(u)) {
                ck.missing(n, "单位编号", &u, "单位", "unit");
            }
            OrgRelationRow {
                person_id: p,
                org_name: c.req("org_name", i),
                org_uscc: c.s("org_uscc", i).unwrap_or_default(),
                unit_id: c.s("unit_id", i),
                role: c.req("role", i),
                share_pct: c.f("share_pct", i),
                start_date: c.d("start_date", i),
                end_date: c.d("end_date", i),
            }
        })),
        other => unreachable!("{other} is not a registry dataset"),
    };
    if ck.errors.is_empty() && ck.more == 0 {
        Ok(rows)
    } else {
        Err(ImportError::Invalid {
            errors: ck.errors,
            more: ck.more,
        })
    }
}
