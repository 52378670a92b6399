//! A Merkle root over an import's rows, so that an import is one ledger entry and a single
//! record's proof is that entry's inclusion proof plus the record's proof within the batch.
//!
//! Each row is encoded as canonical JSON (keys sorted by column name, nulls omitted, integers as
//! numbers, floats, dates and times as strings), hashed as an RFC 6962 leaf; the root is the
//! RFC 6962 tree over the rows in file order.

use crate::batch::PreparedFile;
use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampSecondArray,
};
use qinglian_ledger::{Hash, leaf_hash, root_of};
use rayon::prelude::*;

/// Canonical JSON of row `i` (see the module notes).
pub fn row_json(batch: &RecordBatch, i: usize) -> String {
    let schema = batch.schema();
    let mut cols: Vec<(usize, &str)> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(c, f)| (c, f.name().as_str()))
        .collect();
    cols.sort_by(|a, b| a.1.cmp(b.1));
    let mut out = String::from("{");
    let mut first = true;
    for (c, name) in cols {
        let a = batch.column(c);
        if a.is_null(i) {
            continue;
        }
        let any = a.as_any();
        let value = if let Some(x) = any.downcast_ref::<StringArray>() {
            serde_json::to_string(x.value(i)).expect("strings serialise")
        } else if let Some(x) = any.downcast_ref::<Int64Array>() {
            x.value(i).to_string()
        } else if let Some(x) = any.downcast_ref::<BooleanArray>() {
            x.value(i).to_string()
        } else if let Some(x) = any.downcast_ref::<Float64Array>() {
            format!("\"{}\"", x.value(i))
        } else if let Some(x) = any.downcast_ref::<Date32Array>() {
            format!(
                "\"{}\"",
                x.value_as_date(i)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            )
        } else if let Some(x) = any.downcast_ref::<TimestampSecondArray>() {
            let t = chrono::DateTime::from_timestamp(x.value(i), 0).unwrap_or_default();
            format!("\"{}\"", t.format("%Y-%m-%dT%H:%M:%SZ"))
        } else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&serde_json::to_string(name).expect("names serialise"));
        out.push(':');
        out.push_str(&value);
    }
    out.push('}');
    out
}

/// Leaf hashes of every row, in order (batches in parallel).
pub fn row_leaf_hashes(batches: &[RecordBatch]) -> Vec<Hash> {
    batches
        .par_iter()
        .flat_map_iter(|b| (0..b.num_rows()).map(move |i| leaf_hash(row_json(b, i).as_bytes())))
        .collect()
}

impl PreparedFile {
    /// The Merkle root over this file's rows.
    pub fn rows_root(&self) -> Hash {
        root_of(&row_leaf_hashes(&self.batches))
    }
}

impl crate::Lake {
    /// The rows of the batch imported from content `content_hash`, in the order their Merkle root
    /// was computed (for a single record's proof within an import).
    pub fn batch_rows(
        &self,
        dataset: &str,
        content_hash: &str,
    ) -> Result<Vec<RecordBatch>, crate::ImportError> {
        let m = self.manifest(dataset)?;
        let id = m
            .batches
            .iter()
            .find(|b| b.content_hash == content_hash)
            .map(|b| b.id.clone())
            .ok_or_else(|| {
                crate::ImportError::Usage(qinglian_core::Msg::new(
                    "LAKE_BATCH_MISSING",
                    format!("数据集 {dataset} 中没有该内容的批次"),
                    format!("dataset {dataset} has no batch with that content"),
                ))
            })?;
        let mut out = Vec::new();
        for f in self.batch_files(dataset, &[id])? {
            let file =
                std::fs::File::open(&f).map_err(|e| crate::ImportError::io(f.display(), e))?;
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::build)
                    .map_err(|e| crate::ImportError::Parquet(e.to_string()))?;
            for b in reader {
                out.push(b.map_err(|e| crate::ImportError::Parquet(e.to_string()))?);
            }
        }
        Ok(out)
    }
}

/// One row's place under its import file's rows root: with the import entry's receipt, the
/// proof that this record was imported under that entry (`qinglian-record-proof/v1`).
#[derive(Debug, Clone)]
pub struct RowProof {
    /// Rows of the file (the tree's size).
    pub rows: u64,
    pub row: u64,
    /// The row's canonical JSON, the leaf that was hashed.
    pub record: String,
    pub path: Vec<Hash>,
}

/// Why a row proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RowProofError {
    #[error(
        "数据湖中的批次与账本记录的行根不符（被改动）/ the lake's batch does not match the rows root in the ledger (altered)"
    )]
    Altered,
    #[error("该文件只有 {0} 行 / the file has {0} rows")]
    NoSuchRow(u64),
    #[error(transparent)]
    Lake(#[from] crate::ImportError),
}

impl RowProof {
    /// The record-proof document: this row proof plus the entry's receipt (a C2SP tlog-proof),
    /// which `qinglian ledger verify-record` checks offline.
    pub fn document(&self, entry_index: u64, file: usize, receipt: &str) -> serde_json::Value {
        serde_json::json!({
            "format": "qinglian-record-proof/v1",
            "entry_index": entry_index,
            "file": file,
            "row": self.row,
            "rows": self.rows,
            "record": self.record,
            "row_proof": self.path.iter().map(qinglian_ledger::hash_to_base64).collect::<Vec<_>>(),
            "receipt": receipt,
        })
    }
}

impl crate::Lake {
    /// Row `row` of the batch imported from content `content_hash`, proven under `rows_root`
    /// (the root the import entry carries): the whole batch is rehashed, so a changed lake is
    /// caught before anything is proven.
    pub fn row_proof(
        &self,
        dataset: &str,
        content_hash: &str,
        rows_root: &Hash,
        row: u64,
    ) -> Result<RowProof, RowProofError> {
        let batches = self.batch_rows(dataset, content_hash)?;
        let leaves = row_leaf_hashes(&batches);
        if &root_of(&leaves) != rows_root {
            return Err(RowProofError::Altered);
        }
        let rows = leaves.len() as u64;
        if row >= rows {
            return Err(RowProofError::NoSuchRow(rows));
        }
        let (mut b, mut i) = (0, row as usize);
        while i >= batches[b].num_rows() {
            i -= batches[b].num_rows();
            b += 1;
        }
        let record = row_json(&batches[b], i);
        let tree = qinglian_ledger::MemTree::from_leaf_hashes(leaves);
        let path = qinglian_ledger::inclusion_proof(&tree, row, rows)
            .expect("row checked against the tree's size");
        Ok(RowProof {
            rows,
            row,
            record,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::ArrayRef;
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    #[test]
    fn rows_are_canonical_and_order_matters() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("amount", DataType::Int64, true),
            Field::new("ok", DataType::Boolean, true),
        ]));
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("甲\"乙"), None])),
            Arc::new(Int64Array::from(vec![Some(100), Some(-5)])),
            Arc::new(BooleanArray::from(vec![Some(true), None])),
        ];
        let b = RecordBatch::try_new(schema, cols).unwrap();
        assert_eq!(
            row_json(&b, 0),
            r#"{"amount":100,"name":"甲\"乙","ok":true}"#
        );
        assert_eq!(row_json(&b, 1), r#"{"amount":-5}"#);
        let h = row_leaf_hashes(std::slice::from_ref(&b));
        assert_eq!(h.len(), 2);
        assert_ne!(root_of(&h), root_of(&[h[1], h[0]]));
    }
}
