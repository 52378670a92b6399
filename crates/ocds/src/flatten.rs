//! Flattening prepared releases into the lake's procurement tables (`crates/lake/datasets/
//! ocds.toml`). Workers flatten runs of lines straight into Arrow columns ([`Tables`], cells
//! borrowed from the parsed line, nothing copied twice); the runs' columns are concatenated in
//! input order into one batch per table and import ([`assemble`]).
//!
//! Fields the indicators test keep their JSON types: an id, status, currency or date column is
//! null unless the field is a JSON string, an amount is null unless it is a JSON number, so
//! SQL over the lake sees exactly what Cardinal's rules see. Descriptive fields (names,
//! titles, identifiers) also take numbers, as text.

use crate::json::{Map, Value};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampSecondBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::DataType;
use qinglian_lake::{Catalogue, ColType, DatasetSchema};
use std::sync::Arc;

/// The tables, in the order [`LineRows`] holds them.
pub const TABLES: [&str; 8] = [
    "ocds_processes",
    "ocds_parties",
    "ocds_bids",
    "ocds_tenderers",
    "ocds_awards",
    "ocds_suppliers",
    "ocds_items",
    "ocds_contracts",
];
const PROCESSES: usize = 0;
const PARTIES: usize = 1;
const BIDS: usize = 2;
const TENDERERS: usize = 3;
const AWARDS: usize = 4;
const SUPPLIERS: usize = 5;
const ITEMS: usize = 6;
const CONTRACTS: usize = 7;

/// One cell, before it goes into an Arrow builder; text borrows from the parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'v> {
    Null,
    Text(&'v str),
    /// Text made here (joined roles).
    Owned(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Seconds since the epoch.
    Time(i64),
}

/// The rows one release yields, per table; cells follow the table's columns after `import`.
#[derive(Debug, Default, Clone)]
pub struct LineRows<'v> {
    pub rows: [Vec<Vec<Cell<'v>>>; 8],
}

fn st<'v>(v: Option<&'v Value<'_>>) -> Cell<'v> {
    match v {
        Some(Value::String(s)) => Cell::Text(s),
        _ => Cell::Null,
    }
}

/// A string, or a number as its text.
fn txt<'v>(v: Option<&'v Value<'_>>) -> Cell<'v> {
    match v {
        Some(Value::String(s)) | Some(Value::Number(s)) => Cell::Text(s),
        _ => Cell::Null,
    }
}

fn num(v: Option<&Value<'_>>) -> Cell<'static> {
    v.and_then(Value::as_f64).map_or(Cell::Null, Cell::Float)
}

fn time(v: Option<&Value<'_>>) -> Cell<'static> {
    v.and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or(Cell::Null, |d| Cell::Time(d.timestamp()))
}

fn idx(i: usize) -> Cell<'static> {
    Cell::Int(i as i64)
}

/// `v.a.b…` through objects only.
fn at<'v, 'a>(v: Option<&'v Value<'a>>, path: &[&str]) -> Option<&'v Value<'a>> {
    path.iter().try_fold(v?, |cur, k| cur.get(k))
}

fn arr<'v, 'a>(v: Option<&'v Value<'a>>) -> &'v [Value<'a>] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// Items of one tender, award or contract.
fn items<'v>(
    out: &mut Vec<Vec<Cell<'v>>>,
    head: &[Cell<'v>],
    source: &'static str,
    parent: Cell<'v>,
    list: Option<&'v Value<'_>>,
) {
    for (k, item) in arr(list).iter().enumerate() {
        let c = item.get("classification");
        let unit = at(Some(item), &["unit", "value"]);
        let mut row = head.to_vec();
        row.extend([
            Cell::Text(source),
            parent.clone(),
            idx(k),
            txt(item.get("id")),
            txt(item.get("description")),
            st(at(c, &["scheme"])),
            st(at(c, &["id"])),
            num(item.get("quantity")),
            num(at(unit, &["amount"])),
            st(at(unit, &["currency"])),
        ]);
        out.push(row);
    }
}

/// The rows of one prepared release at input line `line`.
pub fn flatten_release<'v>(line: u64, r: &'v Map<'_>) -> LineRows<'v> {
    let mut out = LineRows::default();
    let root = |k: &str| r.get(k);
    let head = vec![Cell::Int(line as i64), st(root("ocid"))];
    let tender = root("tender");
    let buyer = root("buyer");
    let pe = at(tender, &["procuringEntity"]);
    let period = at(tender, &["tenderPeriod"]);
    let tv = at(tender, &["value"]);
    let (start, end) = (at(period, &["startDate"]), at(period, &["endDate"]));
    let days = match (time_full(start), time_full(end)) {
        (Some(a), Some(b)) => Cell::Int((b - a).num_days()),
        _ => Cell::Null,
    };
    let details = at(root("bids"), &["details"]);
    let awards = root("awards");
    let mut p = head.clone();
    p.extend([
        txt(root("id")),
        st(root("date")),
        st(at(buyer, &["id"])),
        txt(at(buyer, &["name"])),
        st(at(pe, &["id"])),
        txt(at(pe, &["name"])),
        txt(at(tender, &["id"])),
        txt(at(tender, &["title"])),
        st(at(tender, &["status"])),
        st(at(tender, &["procurementMethod"])),
        st(at(tender, &["procurementMethodDetails"])),
        st(at(tender, &["mainProcurementCategory"])),
        num(at(tv, &["amount"])),
        st(at(tv, &["currency"])),
        st(start),
        st(end),
        time(start),
        time(end),
        days,
        at(tender, &["numberOfTenderers"])
            .and_then(Value::as_u64)
            .and_then(|n| i64::try_from(n).ok())
            .map_or(Cell::Null, Cell::Int),
        Cell::Bool(matches!(awards, Some(Value::Array(_)))),
        Cell::Bool(matches!(details, Some(Value::Array(_)))),
        idx(arr(awards).len()),
        idx(arr(details).len()),
    ]);
    out.rows[PROCESSES].push(p);

    for (j, party) in arr(root("parties")).iter().enumerate() {
        let roles = match party.get("roles") {
            Some(Value::Array(rs)) => Cell::Owned(
                rs.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            _ => Cell::Null,
        };
        let id = party.get("identifier");
        let addr = party.get("address");
        let cp = party.get("contactPoint");
        let mut row = head.clone();
        row.extend([
            idx(j),
            st(party.get("id")),
            txt(party.get("name")),
            roles,
            txt(at(id, &["scheme"])),
            txt(at(id, &["id"])),
            txt(at(addr, &["streetAddress"])),
            txt(at(addr, &["locality"])),
            txt(at(addr, &["region"])),
            txt(at(addr, &["postalCode"])),
            txt(at(addr, &["countryName"])),
            txt(at(cp, &["name"])),
            txt(at(cp, &["email"])),
            txt(at(cp, &["telephone"])),
            txt(at(cp, &["faxNumber"])),
            txt(at(cp, &["url"])),
        ]);
        out.rows[PARTIES].push(row);
    }

    for (j, bid) in arr(details).iter().enumerate() {
        let value = bid.get("value").filter(|v| v.as_object().is_some());
        let tenderers = bid.get("tenderers");
        let mut row = head.clone();
        row.extend([
            idx(j),
            txt(bid.get("id")),
            st(bid.get("status")),
            st(bid.get("date")),
            time(bid.get("date")),
            num(at(value, &["amount"])),
            st(at(value, &["currency"])),
            Cell::Bool(matches!(tenderers, Some(Value::Array(_)))),
            tenderers
                .and_then(Value::as_array)
                .map_or(Cell::Null, |a| idx(a.len())),
        ]);
        out.rows[BIDS].push(row);
        for (k, t) in arr(tenderers).iter().enumerate() {
            let mut row = head.clone();
            row.extend([idx(j), idx(k), st(t.get("id")), txt(t.get("name"))]);
            out.rows[TENDERERS].push(row);
        }
    }

    for (j, award) in arr(awards).iter().enumerate() {
        let value = award.get("value");
        let suppliers = award.get("suppliers");
        let mut row = head.clone();
        row.extend([
            idx(j),
            st(award.get("id")),
            txt(award.get("title")),
            st(award.get("status")),
            st(award.get("date")),
            time(award.get("date")),
            num(at(value, &["amount"])),
            st(at(value, &["currency"])),
            Cell::Bool(matches!(suppliers, Some(Value::Array(_)))),
            suppliers
                .and_then(Value::as_array)
                .map_or(Cell::Null, |a| idx(a.len())),
            Cell::Bool(matches!(award.get("items"), Some(Value::Array(_)))),
        ]);
        out.rows[AWARDS].push(row);
        for (k, s) in arr(suppliers).iter().enumerate() {
            let mut row = head.clone();
            row.extend([idx(j), idx(k), st(s.get("id")), txt(s.get("name"))]);
            out.rows[SUPPLIERS].push(row);
        }
        items(
            &mut out.rows[ITEMS],
            &head,
            "award",
            idx(j),
            award.get("items"),
        );
    }
    items(
        &mut out.rows[ITEMS],
        &head,
        "tender",
        Cell::Null,
        at(tender, &["items"]),
    );

    for (j, c) in arr(root("contracts")).iter().enumerate() {
        let value = c.get("value");
        let period = c.get("period");
        let mut row = head.clone();
        row.extend([
            idx(j),
            txt(c.get("id")),
            txt(c.get("awardID")),
            st(c.get("status")),
            st(c.get("dateSigned")),
            num(at(value, &["amount"])),
            st(at(value, &["currency"])),
            st(at(period, &["startDate"])),
            st(at(period, &["endDate"])),
        ]);
        out.rows[CONTRACTS].push(row);
        items(
            &mut out.rows[ITEMS],
            &head,
            "contract",
            idx(j),
            c.get("items"),
        );
    }
    out
}

fn time_full(v: Option<&Value<'_>>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(v?.as_str()?).ok()
}

enum Col {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampSecondBuilder),
}

impl Col {
    fn new(ty: ColType, dt: &DataType) -> Col {
        match ty {
            ColType::Int | ColType::Money => Col::Int(Int64Builder::new()),
            ColType::Float => Col::Float(Float64Builder::new()),
            ColType::Bool => Col::Bool(BooleanBuilder::new()),
            ColType::DateTime => {
                Col::Time(TimestampSecondBuilder::new().with_data_type(dt.clone()))
            }
            _ => Col::Text(StringBuilder::new()),
        }
    }

    fn push(&mut self, c: &Cell<'_>) {
        match (self, c) {
            (Col::Text(b), Cell::Text(s)) => b.append_value(s),
            (Col::Text(b), Cell::Owned(s)) => b.append_value(s),
            (Col::Int(b), Cell::Int(i)) => b.append_value(*i),
            (Col::Float(b), Cell::Float(f)) => b.append_value(*f),
            (Col::Bool(b), Cell::Bool(x)) => b.append_value(*x),
            (Col::Time(b), Cell::Time(t)) => b.append_value(*t),
            (Col::Text(b), _) => b.append_null(),
            (Col::Int(b), _) => b.append_null(),
            (Col::Float(b), _) => b.append_null(),
            (Col::Bool(b), _) => b.append_null(),
            (Col::Time(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Text(b) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Float(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows per Parquet part: large enough for few files, small enough to write parts in parallel.
const PART_ROWS: usize = 256 * 1024;

struct Table {
    schema: &'static DatasetSchema,
    cols: Vec<Col>,
    len: usize,
}

impl Table {
    fn new(schema: &'static DatasetSchema) -> Table {
        let arrow = schema.arrow_schema();
        assert_eq!(
            schema.columns[0].name, "import",
            "{}: import first",
            schema.name
        );
        let cols = schema.columns[1..]
            .iter()
            .zip(arrow.fields().iter().skip(1))
            .map(|(c, f)| Col::new(c.ty, f.data_type()))
            .collect();
        Table {
            schema,
            cols,
            len: 0,
        }
    }

    fn push(&mut self, row: &[Cell<'_>]) {
        debug_assert_eq!(row.len(), self.cols.len(), "{}", self.schema.name);
        for (col, cell) in self.cols.iter_mut().zip(row) {
            col.push(cell);
        }
        self.len += 1;
    }
}

/// Columns of one table for a run of lines, without `import` (known only at the end).
pub type Part = (usize, Vec<ArrayRef>);

/// The eight tables for a run of lines, filled in input order.
pub struct Tables {
    tables: Vec<Table>,
}

impl Default for Tables {
    fn default() -> Self {
        Self::new()
    }
}

impl Tables {
    pub fn new() -> Tables {
        let cat = Catalogue::builtin();
        Tables {
            tables: TABLES
                .iter()
                .map(|n| Table::new(cat.get(n).expect("ocds datasets are shipped")))
                .collect(),
        }
    }

    pub fn push(&mut self, rows: &LineRows<'_>) {
        for (t, rows) in self.tables.iter_mut().zip(&rows.rows) {
            for r in rows {
                t.push(r);
            }
        }
    }

    /// Row counts so far, per table.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        self.tables
            .iter()
            .map(|t| (t.schema.name.as_str(), t.len))
            .collect()
    }

    /// The columns built so far, one part per table in [`TABLES`] order.
    pub fn into_parts(self) -> Vec<Part> {
        self.tables
            .into_iter()
            .map(|mut t| (t.len, t.cols.iter_mut().map(Col::finish).collect()))
            .collect()
    }
}

/// Joins the parts of each table (outer list: runs in input order; inner: tables in [`TABLES`]
/// order) into batches of at most [`PART_ROWS`] rows, every row tagged with `import`. A table
/// without rows gets one empty batch, so that every import has all eight.
pub fn assemble(runs: Vec<Vec<Part>>, import: &str) -> Vec<(&'static str, Vec<RecordBatch>)> {
    use rayon::prelude::*;
    let cat = Catalogue::builtin();
    let mut per_table: Vec<Vec<Part>> = TABLES.iter().map(|_| Vec::new()).collect();
    for run in runs {
        for (t, part) in run.into_iter().enumerate() {
            if part.0 > 0 {
                per_table[t].push(part);
            }
        }
    }
    TABLES
        .par_iter()
        .zip(per_table)
        .map(|(name, parts)| {
            let schema = cat.get(name).expect("ocds datasets are shipped");
            let arrow = schema.arrow_schema();
            let rows: usize = parts.iter().map(|p| p.0).sum();
            if rows == 0 {
                return (schema.name.as_str(), vec![RecordBatch::new_empty(arrow)]);
            }
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.columns.len());
            columns.push(Arc::new(StringArray::from(vec![import; rows])));
            for c in 0..schema.columns.len() - 1 {
                let pieces: Vec<&dyn Array> = parts.iter().map(|p| p.1[c].as_ref()).collect();
                columns.push(arrow_select::concat::concat(&pieces).expect("same column types"));
            }
            let all = RecordBatch::try_new(arrow, columns).expect("rows follow the shipped schema");
            let batches = (0..rows)
                .step_by(PART_ROWS)
                .map(|start| all.slice(start, PART_ROWS.min(rows - start)))
                .collect();
            (schema.name.as_str(), batches)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn object(text: &str) -> Map<'_> {
        match parse(text).unwrap() {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn every_row_matches_its_table() {
        let m = object(
            r#"{"ocid":"o","parties":[{"id":"P","roles":["buyer","x"]}],"tender":{"items":[{"id":1}],"tenderPeriod":{"startDate":"2022-01-01T00:00:00Z","endDate":"2022-01-15T23:00:00-04:00"},"numberOfTenderers":1},
                "bids":{"details":[{"status":"valid","value":{"amount":10,"currency":"DOP"},"tenderers":[{"id":"T"}]}]},
                "awards":[{"id":"A","status":"active","suppliers":[{"id":"T"}],"items":[{"classification":{"id":"4311","scheme":"UNSPSC"}}]}],
                "contracts":[{"id":"C","awardID":"A","items":[{}]}]}"#,
        );
        let r = flatten_release(7, &m);
        let mut t = Tables::new();
        t.push(&r);
        let counts: Vec<usize> = t.counts().into_iter().map(|c| c.1).collect();
        assert_eq!(counts, [1, 1, 1, 1, 1, 1, 3, 1]);
        let mut again = Tables::new();
        again.push(&r);
        let joined = assemble(vec![t.into_parts(), again.into_parts()], "abc");
        let rows: Vec<usize> = joined
            .iter()
            .map(|(_, b)| b.iter().map(RecordBatch::num_rows).sum())
            .collect();
        assert_eq!(rows, [2, 2, 2, 2, 2, 2, 6, 2], "both runs, every table");
        let p = &r.rows[PROCESSES][0];
        assert_eq!(p[1], Cell::Text("o"));
        // 15 Jan 23:00 -04:00 is 16 Jan 03:00 UTC: 15 whole days.
        assert!(p.contains(&Cell::Int(15)));
        assert_eq!(r.rows[PARTIES][0][5], Cell::Owned("buyer|x".into()));
    }

    #[test]
    fn types_the_indicators_test_are_kept() {
        let m = object(
            r#"{"ocid":5,"tender":{"numberOfTenderers":1.0},"bids":{"details":[{"status":1,"value":{"amount":"10","currency":"DOP"},"tenderers":{"id":"T"}}]}}"#,
        );
        let r = flatten_release(1, &m);
        let p = &r.rows[PROCESSES][0];
        assert_eq!(p[1], Cell::Null, "a numeric ocid is not an ocid");
        let b = &r.rows[BIDS][0];
        // line, ocid, index, id, status, date, date_at, amount, currency, is_array, count
        assert_eq!(b[4], Cell::Null);
        assert_eq!(b[7], Cell::Null, "a string amount is not an amount");
        assert_eq!(b[9], Cell::Bool(false));
        assert!(r.rows[TENDERERS].is_empty());
    }

    #[test]
    fn empty_import_still_has_every_table() {
        let out = assemble(vec![Tables::new().into_parts()], "x");
        assert_eq!(out.len(), 8);
        assert!(
            out.iter()
                .all(|(_, b)| b.len() == 1 && b[0].num_rows() == 0)
        );
    }
}
