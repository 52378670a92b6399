//! Reading the lake's Parquet directly: only the named columns, row groups pruned by the min/max
//! statistics of one time column, rows filtered while decoding (the other columns are decoded
//! only for rows that pass), and every (file, row group) on its own core.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, TimestampSecondType};
use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, PrimitiveArray, RecordBatch, StringArray,
};
use arrow_buffer::BooleanBuffer;
use arrow_schema::ArrowError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    RowFilter, RowSelection,
};
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::statistics::Statistics;
use qinglian_core::Msg;
use qinglian_lake::Lake;
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) type TsArray = PrimitiveArray<TimestampSecondType>;

pub(crate) type Pred =
    Arc<dyn Fn(&RecordBatch) -> Result<BooleanArray, ArrowError> + Send + Sync + 'static>;

/// Rows to keep, decided on `columns` before anything else is decoded.
#[derive(Clone)]
pub(crate) struct Filter {
    pub columns: Vec<&'static str>,
    pub pred: Pred,
}

/// One scan: output columns, optional pruning of row groups by a time (Int64 timestamp or
/// Date32) column's statistics against `[lo, hi)`, optional row filter.
#[derive(Clone, Default)]
pub(crate) struct Scan {
    pub columns: Vec<&'static str>,
    pub prune: Option<(&'static str, i64, i64)>,
    pub filter: Option<Filter>,
}

pub(crate) fn lake_err(e: qinglian_lake::ImportError) -> Msg {
    let text = e.to_string();
    Msg::new("ENFORCE_LAKE", text.clone(), text)
}

pub(crate) fn pq_err(path: &Path, e: impl std::fmt::Display) -> Msg {
    Msg::new(
        "ENFORCE_PARQUET",
        format!("无法读取 {}：{e}", path.display()),
        format!("cannot read {}: {e}", path.display()),
    )
}

/// A dataset's active Parquet files with their footers (read once, reused by every scan).
#[derive(Clone)]
pub(crate) struct Files {
    pub dataset: &'static str,
    pub hash: String,
    pub files: Vec<(PathBuf, ArrowReaderMetadata)>,
    /// Per file: the content hash of the import batch it belongs to and the batch row of its
    /// first row, so that a row found here can be proven under its import's ledger entry.
    pub origin: Vec<(Arc<str>, u64)>,
}

/// Where a row was imported: the import batch's content hash and the row within that batch (as
/// `qinglian ledger record-proof` counts rows).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowSource {
    pub content_hash: String,
    pub row: u64,
}

impl Files {
    /// The dataset's current snapshot; an absent dataset has no files (zero rows).
    pub fn open(lake: &Lake, dataset: &'static str) -> Result<Files, Msg> {
        let snap = lake.snapshot(dataset).map_err(lake_err)?;
        let files = snap
            .files
            .par_iter()
            .map(|p| {
                let f = File::open(p).map_err(|e| pq_err(p, e))?;
                let meta = ArrowReaderMetadata::load(
                    &f,
                    ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional),
                )
                .map_err(|e| pq_err(p, e))?;
                Ok((p.clone(), meta))
            })
            .collect::<Result<Vec<_>, Msg>>()?;
        let mut origin = Vec::with_capacity(files.len());
        let mut next = (usize::MAX, 0u64);
        for (i, (_, meta)) in files.iter().enumerate() {
            let b = snap.file_batch[i];
            if next.0 != b {
                next = (b, 0);
            }
            origin.push((Arc::from(snap.content_hashes[b].as_str()), next.1));
            next.1 += meta.metadata().file_metadata().num_rows() as u64;
        }
        Ok(Files {
            dataset,
            hash: snap.hash,
            files,
            origin,
        })
    }

    /// Where row `row` of file `fi` was imported.
    pub fn source(&self, fi: u32, row: u64) -> Option<RowSource> {
        let (hash, first) = self.origin.get(fi as usize)?;
        Some(RowSource {
            content_hash: hash.to_string(),
            row: first + row,
        })
    }

    pub fn rows(&self) -> u64 {
        self.files
            .iter()
            .map(|(_, m)| m.metadata().file_metadata().num_rows() as u64)
            .sum()
    }

    fn missing(&self, col: &str) -> Msg {
        Msg::new(
            "ENFORCE_COLUMN",
            format!(
                "数据集 {} 缺少列 {col}（数据湖与程序版本不符？）",
                self.dataset
            ),
            format!(
                "dataset {} lacks column {col} (lake and program versions differ?)",
                self.dataset
            ),
        )
    }

    fn mask(
        &self,
        meta: &ArrowReaderMetadata,
        cols: &[&'static str],
    ) -> Result<ProjectionMask, Msg> {
        let descr = meta.parquet_schema();
        for c in cols {
            if !descr.columns().iter().any(|d| d.name() == *c) {
                return Err(self.missing(c));
            }
        }
        Ok(ProjectionMask::columns(descr, cols.iter().copied()))
    }

    /// Row groups of file `fi` whose statistics may hold a value in `[lo, hi)`.
    fn row_groups(&self, fi: usize, prune: Option<(&'static str, i64, i64)>) -> Vec<usize> {
        let meta = self.files[fi].1.metadata();
        let n = meta.num_row_groups();
        let Some((col, lo, hi)) = prune else {
            return (0..n).collect();
        };
        let Some(ci) = meta
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .position(|d| d.name() == col)
        else {
            return (0..n).collect();
        };
        (0..n)
            .filter(|&rg| {
                let range = match meta.row_group(rg).column(ci).statistics() {
                    Some(Statistics::Int64(s)) => {
                        s.min_opt().zip(s.max_opt()).map(|(a, b)| (*a, *b))
                    }
                    Some(Statistics::Int32(s)) => s
                        .min_opt()
                        .zip(s.max_opt())
                        .map(|(a, b)| (i64::from(*a), i64::from(*b))),
                    _ => None,
                };
                // No statistics (all nulls, or an old writer): keep the row group.
                range.is_none_or(|(min, max)| max >= lo && min < hi)
            })
            .collect()
    }

    fn builder(
        &self,
        fi: usize,
        cols: &[&'static str],
        filter: Option<&Filter>,
    ) -> Result<ParquetRecordBatchReaderBuilder<File>, Msg> {
        let (path, meta) = &self.files[fi];
        let f = File::open(path).map_err(|e| pq_err(path, e))?;
        let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
            .with_projection(self.mask(meta, cols)?)
            .with_batch_size(64 * 1024);
        if let Some(flt) = filter {
            let pm = self.mask(meta, &flt.columns)?;
            let pred = flt.pred.clone();
            b = b.with_row_filter(RowFilter::new(vec![Box::new(ArrowPredicateFn::new(
                pm,
                move |batch: RecordBatch| pred(&batch),
            ))]));
        }
        Ok(b)
    }

    /// Runs `per_batch` on every batch of the scan, in parallel over (file, row group); results
    /// in file and row-group order.
    pub fn scan<T: Send>(
        &self,
        scan: &Scan,
        per_batch: impl Fn(&RecordBatch) -> Result<T, Msg> + Sync,
    ) -> Result<Vec<T>, Msg> {
        let units: Vec<(usize, usize)> = (0..self.files.len())
            .flat_map(|fi| {
                self.row_groups(fi, scan.prune)
                    .into_iter()
                    .map(move |rg| (fi, rg))
            })
            .collect();
        let per_unit: Vec<Vec<T>> = units
            .par_iter()
            .map(|&(fi, rg)| {
                let reader = self
                    .builder(fi, &scan.columns, scan.filter.as_ref())?
                    .with_row_groups(vec![rg])
                    .build()
                    .map_err(|e| pq_err(&self.files[fi].0, e))?;
                let mut out = Vec::new();
                for batch in reader {
                    let batch = batch.map_err(|e| pq_err(&self.files[fi].0, e))?;
                    if batch.num_rows() > 0 {
                        out.push(per_batch(&batch)?);
                    }
                }
                Ok(out)
            })
            .collect::<Result<_, Msg>>()?;
        Ok(per_unit.into_iter().flatten().collect())
    }

    /// Runs `per_batch(file index, file row of the batch's first row, batch)` over every row of
    /// `columns`, in parallel over (file, row group). A batch never spans row groups.
    pub fn scan_located<T: Send>(
        &self,
        columns: &[&'static str],
        per_batch: impl Fn(u32, u64, &RecordBatch) -> Result<T, Msg> + Sync,
    ) -> Result<Vec<T>, Msg> {
        let mut units = Vec::new();
        for (fi, (_, meta)) in self.files.iter().enumerate() {
            let mut first = 0u64;
            for (rg, g) in meta.metadata().row_groups().iter().enumerate() {
                units.push((fi, rg, first));
                first += g.num_rows() as u64;
            }
        }
        let per_unit: Vec<Vec<T>> = units
            .par_iter()
            .map(|&(fi, rg, first)| {
                let reader = self
                    .builder(fi, columns, None)?
                    .with_row_groups(vec![rg])
                    .build()
                    .map_err(|e| pq_err(&self.files[fi].0, e))?;
                let mut out = Vec::new();
                let mut row = first;
                for batch in reader {
                    let batch = batch.map_err(|e| pq_err(&self.files[fi].0, e))?;
                    let n = batch.num_rows() as u64;
                    out.push(per_batch(fi as u32, row, &batch)?);
                    row += n;
                }
                Ok(out)
            })
            .collect::<Result<_, Msg>>()?;
        Ok(per_unit.into_iter().flatten().collect())
    }

    /// Reads row ranges `(first row, count)` of file `fi` (sorted, disjoint) of `cols`. Only the pages holding them are decoded (the lake's Parquet files
    /// carry offset indexes).
    pub fn ranges_at(
        &self,
        fi: usize,
        ranges: &[(u64, u64)],
        cols: &[&'static str],
    ) -> Result<Vec<RecordBatch>, Msg> {
        if ranges.is_empty() {
            return Ok(vec![]);
        }
        let meta = self.files[fi].1.metadata();
        let mut starts = Vec::with_capacity(meta.num_row_groups());
        let mut acc = 0u64;
        for rg in meta.row_groups() {
            starts.push(acc);
            acc += rg.num_rows() as u64;
        }
        let rg_of = |r: u64| starts.partition_point(|&s| s <= r).saturating_sub(1);
        // Ranges cut at row-group boundaries: (row group, first row, count).
        let mut pieces: Vec<(usize, u64, u64)> = Vec::with_capacity(ranges.len());
        for &(mut r, mut n) in ranges {
            while n > 0 && r < acc {
                let g = rg_of(r);
                let take = n.min(starts[g] + meta.row_group(g).num_rows() as u64 - r);
                pieces.push((g, r, take));
                r += take;
                n -= take;
            }
        }
        let mut groups: Vec<usize> = pieces.iter().map(|p| p.0).collect();
        groups.dedup();
        // Offset of each chosen row group within the concatenation the reader sees.
        let mut offset = vec![0u64; starts.len()];
        let mut total = 0u64;
        for &g in &groups {
            offset[g] = total;
            total += meta.row_group(g).num_rows() as u64;
        }
        let sel = pieces.iter().map(|&(g, r, n)| {
            let x = (r - starts[g] + offset[g]) as usize;
            x..x + n as usize
        });
        let selection = RowSelection::from_consecutive_ranges(sel, total as usize);
        let reader = self
            .builder(fi, cols, None)?
            .with_row_groups(groups)
            .with_row_selection(selection)
            .build()
            .map_err(|e| pq_err(&self.files[fi].0, e))?;
        reader
            .map(|b| b.map_err(|e| pq_err(&self.files[fi].0, e)))
            .collect()
    }
}

fn col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b dyn Array, Msg> {
    b.column_by_name(name).map(|a| a.as_ref()).ok_or_else(|| {
        Msg::new(
            "ENFORCE_COLUMN",
            format!("读取结果缺少列 {name}"),
            format!("column {name} missing from the batch read"),
        )
    })
}

fn wrong(name: &str) -> Msg {
    Msg::new(
        "ENFORCE_COLUMN_TYPE",
        format!("列 {name} 的类型与数据集定义不符"),
        format!("column {name} does not have the type its dataset declares"),
    )
}

pub(crate) fn strs<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b StringArray, Msg> {
    col(b, name)?
        .as_string_opt::<i32>()
        .ok_or_else(|| wrong(name))
}

pub(crate) fn ts<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b TsArray, Msg> {
    col(b, name)?
        .as_primitive_opt::<TimestampSecondType>()
        .ok_or_else(|| wrong(name))
}

pub(crate) fn f64s<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b Float64Array, Msg> {
    col(b, name)?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| wrong(name))
}

pub(crate) fn dates<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b Date32Array, Msg> {
    col(b, name)?
        .as_primitive_opt::<Date32Type>()
        .ok_or_else(|| wrong(name))
}

pub(crate) fn bools<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b BooleanArray, Msg> {
    col(b, name)?.as_boolean_opt().ok_or_else(|| wrong(name))
}

/// The value at `i`, or `None` when null.
pub(crate) fn opt_ts(a: &TsArray, i: usize) -> Option<i64> {
    a.is_valid(i).then(|| a.value(i))
}

pub(crate) fn opt_str(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i)).filter(|s| !s.is_empty())
}

pub(crate) fn opt_f64(a: &Float64Array, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.value(i))
}

pub(crate) fn arrow_err(m: Msg) -> ArrowError {
    ArrowError::ExternalError(Box::new(m))
}

/// A predicate's answer for rows `0..n`, packed as it is computed (collecting `Option<bool>`
/// cost a twentieth of a whole workload scan).
pub(crate) fn keep(n: usize, f: impl FnMut(usize) -> bool) -> BooleanArray {
    BooleanArray::new(BooleanBuffer::collect_bool(n, f), None)
}

/// Predicate helper: `lo <= col < hi` on a timestamp column (nulls fail).
pub(crate) fn ts_between(name: &'static str, lo: i64, hi: i64) -> Pred {
    Arc::new(move |b: &RecordBatch| {
        let a = ts(b, name).map_err(arrow_err)?;
        let v = a.values();
        Ok(keep(a.len(), |i| a.is_valid(i) && v[i] >= lo && v[i] < hi))
    })
}

/// A small, fast hasher for ids (officer and case ids are short ASCII strings); the standard
/// SipHash costs more than the scan itself at millions of lookups.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
pub(crate) type FxMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

/// A 64-bit key for an id (the index stores these, and checks the id itself on read). A final
/// mix spreads the bits so sorted arrays of keys partition evenly.
pub(crate) fn key64(id: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher::default();
    h.write(id.as_bytes());
    h.write_u8(0xff);
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    /// One file of ten rows in row groups of three, ids `k0`…`k9` and values 0…9.
    fn file(dir: &Path) -> Files {
        let path = dir.join("p.parquet");
        let batch = RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(StringArray::from_iter_values(
                    (0..10).map(|i| format!("k{i}")),
                )) as arrow_array::ArrayRef,
            ),
            ("v", Arc::new(Int64Array::from_iter_values(0..10)) as _),
        ])
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .build();
        let mut w = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(props))
            .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let meta = ArrowReaderMetadata::load(
            &File::open(&path).unwrap(),
            ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional),
        )
        .unwrap();
        assert_eq!(meta.metadata().num_row_groups(), 4);
        Files {
            dataset: "t",
            hash: String::new(),
            files: vec![(path, meta)],
            origin: vec![(Arc::from("c"), 0)],
        }
    }

    fn values(batches: &[RecordBatch]) -> Vec<i64> {
        batches
            .iter()
            .flat_map(|b| {
                b.column_by_name("v")
                    .unwrap()
                    .as_primitive::<arrow_array::types::Int64Type>()
                    .values()
                    .to_vec()
            })
            .collect()
    }

    #[test]
    fn ranges_across_row_groups_read_exactly_their_rows() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path());
        let got = f.ranges_at(0, &[(1, 1), (2, 3), (8, 5)], &["v"]).unwrap();
        assert_eq!(values(&got), [1, 2, 3, 4, 8, 9]);
        assert!(f.ranges_at(0, &[], &["v"]).unwrap().is_empty());
    }

    #[test]
    fn located_scans_number_rows_within_the_file_and_filters_apply() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path());
        let firsts = f
            .scan_located(&["id"], |fi, row0, b| Ok((fi, row0, b.num_rows())))
            .unwrap();
        assert_eq!(firsts, [(0, 0, 3), (0, 3, 3), (0, 6, 3), (0, 9, 1)]);
        let even: Pred = Arc::new(|b: &RecordBatch| {
            let v = b
                .column_by_name("v")
                .unwrap()
                .as_primitive::<arrow_array::types::Int64Type>();
            Ok(v.iter().map(|x| x.map(|x| x % 2 == 0)).collect())
        });
        let scan = Scan {
            columns: vec!["v"],
            // Statistics prune the first row group (0–2) and the last (9).
            prune: Some(("v", 3, 9)),
            filter: Some(Filter {
                columns: vec!["v"],
                pred: even,
            }),
        };
        let got = f
            .scan(&scan, |b| Ok(values(std::slice::from_ref(b))))
            .unwrap();
        assert_eq!(got.concat(), [4, 6, 8]);
    }
}
