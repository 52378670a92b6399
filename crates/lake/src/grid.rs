//! From rows of cells to a validated Arrow batch: header mapping, per-cell validation with
//! row- and column-precise errors, key uniqueness. Shared by every source format.

use crate::cell::{Cell, ColumnBuilder, arrow_field};
use crate::colmap::ColumnMap;
use crate::error::{CellError, Errors, column_letter};
use crate::schema::DatasetSchema;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::Schema;
use qinglian_core::Msg;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// How the columns of one source map onto a dataset.
pub(crate) struct Ctx<'a> {
    pub schema: &'a DatasetSchema,
    pub file: String,
    pub sheet: Option<String>,
    /// For each schema column, the source column index (None: absent, all nulls).
    pub mapping: Vec<Option<usize>>,
    pub headers: Vec<String>,
    /// Whether columns have spreadsheet letters (CSV and XLSX) or only names (JSON).
    pub lettered: bool,
    /// Per schema column, the user's value translations (a column mapping's `[values.*]`).
    pub values: Vec<Option<std::collections::BTreeMap<String, String>>>,
}

/// Whether header `h` names column `c`: through the user's mapping when it names `h`, else by
/// the column's own name and aliases.
pub(crate) fn names(c: &crate::schema::Column, h: &str, map: Option<&ColumnMap>) -> bool {
    match map.and_then(|m| m.target(h)) {
        Some(target) => c.name == target,
        None => c.matches_header(h),
    }
}

impl<'a> Ctx<'a> {
    /// Maps header cells to schema columns. Errors: missing required columns, or two headers
    /// claiming the same column. Unknown headers are ignored (sheets often carry extra columns).
    pub fn new(
        schema: &'a DatasetSchema,
        file: &str,
        sheet: Option<&str>,
        headers: Vec<String>,
        header_row: Option<u64>,
        lettered: bool,
        map: Option<&ColumnMap>,
    ) -> Result<Self, Errors> {
        let mut errors = Errors::new(100);
        let mut mapping = vec![None; schema.columns.len()];
        for (i, h) in headers.iter().enumerate() {
            if let Some(ci) = schema.columns.iter().position(|c| names(c, h, map)) {
                if let Some(prev) = mapping[ci] {
                    let prev: usize = prev;
                    errors.push(CellError {
                        row: header_row,
                        column: Some(h.clone()),
                        column_letter: lettered.then(|| column_letter(i)),
                        value: Some(h.clone()),
                        ..CellError::file_level(
                            file,
                            sheet,
                            Msg::new(
                                "IMPORT_DUPLICATE_COLUMN",
                                format!(
                                    "列“{}”与第 {} 列“{}”都对应字段 {}",
                                    h,
                                    prev + 1,
                                    headers[prev],
                                    schema.columns[ci].name
                                ),
                                format!(
                                    "column '{}' and column {} '{}' both map to field {}",
                                    h,
                                    prev + 1,
                                    headers[prev],
                                    schema.columns[ci].name
                                ),
                            ),
                        )
                    });
                } else {
                    mapping[ci] = Some(i);
                }
            }
        }
        for (ci, c) in schema.columns.iter().enumerate() {
            if c.required && mapping[ci].is_none() {
                let names = std::iter::once(c.name.as_str())
                    .chain(c.aliases.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" / ");
                errors.push(CellError {
                    row: header_row,
                    column: Some(c.label_zh().to_owned()),
                    ..CellError::file_level(
                        file,
                        sheet,
                        Msg::new(
                            "IMPORT_MISSING_COLUMN",
                            format!("缺少必需列“{}”（可用表头：{names}）", c.label_zh()),
                            format!(
                                "required column '{}' is missing (accepted headers: {names})",
                                c.name
                            ),
                        ),
                    )
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Ctx {
            schema,
            file: file.to_owned(),
            sheet: sheet.map(str::to_owned),
            mapping,
            headers,
            lettered,
            values: schema
                .columns
                .iter()
                .map(|c| map.and_then(|m| m.values(&c.name)).cloned())
                .collect(),
        })
    }

    /// How many schema columns a header row names: used to find the header below title rows.
    pub fn score(schema: &DatasetSchema, headers: &[String], map: Option<&ColumnMap>) -> usize {
        schema
            .columns
            .iter()
            .filter(|c| headers.iter().any(|h| names(c, h, map)))
            .count()
    }

    pub fn arrow_schema(&self) -> Arc<Schema> {
        Arc::new(Schema::new(
            self.schema
                .columns
                .iter()
                .map(arrow_field)
                .collect::<Vec<_>>(),
        ))
    }
}

/// Builds one batch from a run of rows.
pub(crate) struct ChunkBuilder<'c> {
    ctx: &'c Ctx<'c>,
    cols: Vec<ColumnBuilder>,
    pub errors: Errors,
    pub rows: Vec<u64>,
}

impl<'c> ChunkBuilder<'c> {
    pub fn new(ctx: &'c Ctx<'c>, capacity: usize, max_errors: usize) -> Self {
        ChunkBuilder {
            ctx,
            cols: ctx
                .schema
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(c, capacity))
                .collect(),
            errors: Errors::new(max_errors),
            rows: Vec::with_capacity(capacity),
        }
    }

    /// Appends one source row. `get(i)` returns source column `i`. Rows whose mapped cells are
    /// all empty are skipped (spreadsheets end with blank rows).
    pub fn push_row<'v>(&mut self, row_no: u64, get: impl Fn(usize) -> Cell<'v>) {
        let all_empty = self.ctx.mapping.iter().flatten().all(|&i| match get(i) {
            Cell::Empty => true,
            Cell::Str(s) => s.trim().is_empty(),
            _ => false,
        });
        if all_empty {
            return;
        }
        for (ci, b) in self.cols.iter_mut().enumerate() {
            let raw = self.ctx.mapping[ci].map_or(Cell::Empty, &get);
            let cell = match (raw, &self.ctx.values[ci]) {
                (Cell::Str(s), Some(m)) => m.get(s.trim()).map_or(raw, |v| Cell::Str(v)),
                _ => raw,
            };
            if let Err(msg) = b.push(cell) {
                let src = self.ctx.mapping[ci];
                self.errors.push(CellError {
                    row: Some(row_no),
                    column: Some(src.map_or_else(
                        || b.col.label_zh().to_owned(),
                        |i| self.ctx.headers[i].clone(),
                    )),
                    column_letter: src.filter(|_| self.ctx.lettered).map(column_letter),
                    value: Some(raw.display()),
                    ..CellError::file_level(&self.ctx.file, self.ctx.sheet.as_deref(), msg)
                });
            }
        }
        self.rows.push(row_no);
    }

    pub fn finish(self) -> (RecordBatch, Vec<u64>, Errors) {
        let arrays: Vec<ArrayRef> = self.cols.into_iter().map(ColumnBuilder::finish).collect();
        // With errors the batch is discarded; bad cells left nulls in required columns.
        let batch = if self.errors.is_empty() {
            RecordBatch::try_new(self.ctx.arrow_schema(), arrays)
                .expect("builders match the schema")
        } else {
            RecordBatch::new_empty(self.ctx.arrow_schema())
        };
        (batch, self.rows, self.errors)
    }
}

/// Rejects rows whose key repeats an earlier row of the same import.
///
/// Keys are hashed in parallel and the hashes sorted; only rows whose hashes collide are compared
/// as text. A hash set of millions of string keys was the slowest step of a large import.
pub(crate) fn check_keys(
    ctx: &Ctx<'_>,
    batches: &[RecordBatch],
    rows: &[u64],
    errors: &mut Errors,
) {
    let key_idx: Vec<usize> = ctx
        .schema
        .key
        .iter()
        .filter_map(|k| ctx.schema.columns.iter().position(|c| &c.name == k))
        .collect();
    let mut cols: Vec<Vec<&StringArray>> = Vec::with_capacity(batches.len());
    for b in batches {
        let c: Option<Vec<&StringArray>> = key_idx
            .iter()
            .map(|&i| b.column(i).as_any().downcast_ref::<StringArray>())
            .collect();
        match c {
            Some(c) => cols.push(c),
            None => return, // non-text keys are not checked here
        }
    }
    let key = |bi: usize, i: usize| -> Vec<&str> {
        cols[bi]
            .iter()
            .map(|c| if c.is_valid(i) { c.value(i) } else { "" })
            .collect()
    };
    // (hash, position in the import, batch, row in batch)
    let mut offsets = Vec::with_capacity(batches.len());
    let mut total = 0usize;
    for b in batches {
        offsets.push(total);
        total += b.num_rows();
    }
    let mut hashed: Vec<(u64, usize, u32, u32)> = batches
        .par_iter()
        .enumerate()
        .flat_map_iter(|(bi, b)| {
            let (cols, base) = (&cols[bi], offsets[bi]);
            (0..b.num_rows()).map(move |i| {
                let mut h = std::hash::DefaultHasher::new();
                for c in cols {
                    c.is_valid(i).hash(&mut h);
                    if c.is_valid(i) {
                        c.value(i).hash(&mut h);
                    }
                }
                (h.finish(), base + i, bi as u32, i as u32)
            })
        })
        .collect();
    hashed.par_sort_unstable();
    let mut dups: Vec<(usize, usize, usize)> = Vec::new(); // (position, batch, row)
    let mut start = 0;
    while start < hashed.len() {
        let mut end = start + 1;
        while end < hashed.len() && hashed[end].0 == hashed[start].0 {
            end += 1;
        }
        // Within a run of equal hashes (sorted by position), a row is a duplicate if an earlier
        // row has the same text.
        for j in start + 1..end {
            let (_, pos, bj, ij) = hashed[j];
            let kj = key(bj as usize, ij as usize);
            if hashed[start..j]
                .iter()
                .any(|&(_, _, b, i)| key(b as usize, i as usize) == kj)
            {
                dups.push((pos, bj as usize, ij as usize));
            }
        }
        start = end;
    }
    dups.sort_unstable();
    let first = ctx.schema.key[0].clone();
    let src = ctx.mapping[key_idx[0]];
    for (pos, bi, i) in dups {
        errors.push(CellError {
            row: Some(rows[pos]),
            column: Some(src.map_or(first.clone(), |c| ctx.headers[c].clone())),
            column_letter: src.filter(|_| ctx.lettered).map(column_letter),
            value: Some(key(bi, i).join(" / ")),
            ..CellError::file_level(
                &ctx.file,
                ctx.sheet.as_deref(),
                Msg::new(
                    "IMPORT_DUPLICATE_KEY",
                    format!(
                        "主键（{}）重复：同一文件中已出现过",
                        ctx.schema.key.join("、")
                    ),
                    format!(
                        "duplicate key ({}): already present earlier in this import",
                        ctx.schema.key.join(", ")
                    ),
                ),
            )
        });
    }
}
