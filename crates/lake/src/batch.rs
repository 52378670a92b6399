//! The versioned lake on disk.
//!
//! ```text
//! <root>/<dataset>/manifest.json              the only thing readers trust
//! <root>/<dataset>/batches/<batch>/part-N.parquet
//! <root>/<dataset>/.lock                      one writer per dataset
//! ```
//! A batch is immutable. A commit writes its files under a temporary name, syncs them, renames
//! the directory into `batches/`, then replaces `manifest.json` by an atomic rename: a `kill -9`
//! at any point leaves the previous manifest, so no partial dataset is ever visible. Directories
//! that no manifest names are leftovers of such a crash and are removed by the next commit.

use crate::error::ImportError;
use crate::read::{self, Encoding, Parsed, ReadOptions};
use crate::schema::{Catalogue, DatasetSchema};
use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use qinglian_core::Msg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub id: String,
    /// SHA-256 of the source file's bytes (and the sheet read): the same content twice is a no-op.
    pub content_hash: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub encoding: Option<Encoding>,
    pub rows: u64,
    pub files: Vec<String>,
    pub imported_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub superseded_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub dataset: String,
    pub batches: Vec<BatchInfo>,
}

impl Manifest {
    pub fn active(&self) -> impl Iterator<Item = &BatchInfo> {
        self.batches.iter().filter(|b| b.superseded_by.is_none())
    }
}

/// What screening reads: the active batches and a hash that changes when they do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub dataset: String,
    pub hash: String,
    pub rows: u64,
    pub files: Vec<PathBuf>,
    pub batches: Vec<String>,
    /// The content hash of each batch (as `batches`), which names its import in the ledger.
    pub content_hashes: Vec<String>,
    /// Which of `batches` each of `files` belongs to (a batch's files are in row order).
    pub file_batch: Vec<usize>,
}

/// One validated file, ready to be written.
pub struct PreparedFile {
    pub source: String,
    pub content_hash: String,
    pub sheet: Option<String>,
    pub encoding: Option<Encoding>,
    pub batches: Vec<RecordBatch>,
    /// Spreadsheet row of each record, for errors found after validation (references).
    pub rows: Vec<u64>,
    /// Already in the lake with the same content: nothing will be written for it.
    pub already_imported: bool,
}

impl PreparedFile {
    pub fn num_rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }
}

pub struct Prepared {
    pub dataset: String,
    pub replace: bool,
    pub files: Vec<PreparedFile>,
}

impl Prepared {
    /// Nothing to do: every file is already in the lake (and `--replace` would change nothing).
    pub fn is_noop(&self, lake: &Lake) -> bool {
        if !self.files.iter().all(|f| f.already_imported) {
            return false;
        }
        if !self.replace {
            return true;
        }
        let m = lake.manifest(&self.dataset).unwrap_or_default();
        let active: Vec<&str> = m.active().map(|b| b.content_hash.as_str()).collect();
        active.len() == self.files.len()
            && self
                .files
                .iter()
                .all(|f| active.contains(&f.content_hash.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitReport {
    pub dataset: String,
    pub new_batches: Vec<String>,
    pub rows_written: u64,
    pub skipped_files: Vec<String>,
    pub superseded: Vec<String>,
    pub snapshot: String,
}

pub struct Lake {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ImportError + '_ {
    move |e| ImportError::io(path.display(), e)
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Lake {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Lake { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, dataset: &str) -> PathBuf {
        self.root.join(dataset)
    }

    pub fn manifest(&self, dataset: &str) -> Result<Manifest, ImportError> {
        let p = self.dir(dataset).join("manifest.json");
        match fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                ImportError::Usage(Msg::new(
                    "LAKE_MANIFEST",
                    format!("数据集清单 {} 已损坏：{e}", p.display()),
                    format!("dataset manifest {} is corrupt: {e}", p.display()),
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                dataset: dataset.to_owned(),
                batches: vec![],
            }),
            Err(e) => Err(ImportError::io(p.display(), e)),
        }
    }

    /// The dataset's current snapshot; its hash is derived from the active batches' hashes.
    pub fn snapshot(&self, dataset: &str) -> Result<Snapshot, ImportError> {
        let m = self.manifest(dataset)?;
        let mut h = Sha256::new();
        h.update(dataset.as_bytes());
        let mut files = Vec::new();
        let mut batches = Vec::new();
        let (mut content_hashes, mut file_batch) = (Vec::new(), Vec::new());
        let mut rows = 0;
        for b in m.active() {
            h.update(b"\n");
            h.update(b.content_hash.as_bytes());
            rows += b.rows;
            file_batch.extend(std::iter::repeat_n(batches.len(), b.files.len()));
            batches.push(b.id.clone());
            content_hashes.push(b.content_hash.clone());
            files.extend(
                b.files
                    .iter()
                    .map(|f| self.dir(dataset).join("batches").join(&b.id).join(f)),
            );
        }
        Ok(Snapshot {
            dataset: dataset.to_owned(),
            hash: hex::encode(h.finalize()),
            rows,
            files,
            batches,
            content_hashes,
            file_batch,
        })
    }

    /// Reads and validates files for a shipped dataset. Writes nothing.
    pub fn prepare(
        &self,
        dataset: &str,
        paths: &[PathBuf],
        opts: &ReadOptions,
        replace: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Prepared, ImportError> {
        let schema = Catalogue::builtin()
            .get(dataset)
            .ok_or_else(|| unknown_dataset(dataset))?;
        self.prepare_with_schema(schema, paths, opts, replace, progress)
    }

    /// As [`Lake::prepare`], for a schema that is not in the shipped catalogue (benchmarks, and
    /// later user-defined datasets).
    pub fn prepare_with_schema(
        &self,
        schema: &DatasetSchema,
        paths: &[PathBuf],
        opts: &ReadOptions,
        replace: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Prepared, ImportError> {
        let dataset = schema.name.as_str();
        let manifest = self.manifest(dataset)?;
        let total: u64 = paths
            .iter()
            .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum();
        let mut base = 0u64;
        let mut files = Vec::new();
        let mut errors: Vec<crate::CellError> = Vec::new();
        let mut more = 0;
        for path in paths {
            let bytes = fs::read(path).map_err(io(path))?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let sheet_key = opts.sheet.clone().unwrap_or_default();
            let content_hash = sha256_hex(&[&bytes, b"\0", sheet_key.as_bytes()]);
            if manifest
                .batches
                .iter()
                .any(|b| b.content_hash == content_hash)
            {
                files.push(PreparedFile {
                    source: name,
                    content_hash,
                    sheet: opts.sheet.clone(),
                    encoding: None,
                    batches: vec![],
                    rows: vec![],
                    already_imported: true,
                });
                base += bytes.len() as u64;
                progress(base, total);
                continue;
            }
            let cb = |done: u64| progress(base + done, total);
            match read::parse(schema, &name, &bytes, opts, &cb) {
                Ok(Parsed {
                    batches,
                    rows,
                    sheet,
                    encoding,
                }) => files.push(PreparedFile {
                    source: name,
                    content_hash,
                    sheet,
                    encoding,
                    batches,
                    rows,
                    already_imported: false,
                }),
                Err(ImportError::Invalid { errors: e, more: m }) => {
                    errors.extend(e);
                    more += m;
                }
                Err(other) => return Err(other),
            }
            base += bytes.len() as u64;
        }
        if !errors.is_empty() || more > 0 {
            return Err(ImportError::Invalid { errors, more });
        }
        Ok(Prepared {
            dataset: dataset.to_owned(),
            replace,
            files,
        })
    }

    /// Writes the prepared files as new batches and publishes them in one manifest swap.
    pub fn commit(&self, prepared: Prepared) -> Result<CommitReport, ImportError> {
        let dir = self.dir(&prepared.dataset);
        let batches_dir = dir.join("batches");
        fs::create_dir_all(&batches_dir).map_err(io(&batches_dir))?;
        let lock_path = dir.join(".lock");
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;

        let mut manifest = self.manifest(&prepared.dataset)?;
        self.remove_orphans(&manifest, &batches_dir);
        let mut report = CommitReport {
            dataset: prepared.dataset.clone(),
            new_batches: vec![],
            rows_written: 0,
            skipped_files: vec![],
            superseded: vec![],
            snapshot: String::new(),
        };
        let mut kept_hashes: Vec<String> = Vec::new();
        let mut new_infos = Vec::new();
        let mut seq = manifest.batches.len();
        for f in prepared.files {
            // Re-checked under the lock: a concurrent import may have landed the same content.
            if f.already_imported
                || manifest
                    .batches
                    .iter()
                    .any(|b| b.content_hash == f.content_hash)
            {
                report.skipped_files.push(f.source);
                kept_hashes.push(f.content_hash);
                continue;
            }
            seq += 1;
            let id = format!("{seq:06}-{}", &f.content_hash[..16]);
            let tmp = batches_dir.join(format!(".tmp-{id}"));
            let _ = fs::remove_dir_all(&tmp);
            fs::create_dir_all(&tmp).map_err(io(&tmp))?;
            let names = write_parts(&tmp, &f.batches)?;
            let fin = batches_dir.join(&id);
            fs::rename(&tmp, &fin).map_err(io(&fin))?;
            let rows = f.num_rows();
            report.rows_written += rows;
            report.new_batches.push(id.clone());
            kept_hashes.push(f.content_hash.clone());
            new_infos.push(BatchInfo {
                id,
                content_hash: f.content_hash,
                source: f.source,
                sheet: f.sheet,
                encoding: f.encoding,
                rows,
                files: names,
                imported_at: now_rfc3339(),
                superseded_by: None,
            });
        }
        sync_dir(&batches_dir);
        let marker = new_infos
            .first()
            .map_or_else(|| "replace".to_owned(), |b| b.id.clone());
        if prepared.replace {
            for b in &mut manifest.batches {
                if kept_hashes.contains(&b.content_hash) {
                    // Replacing with content imported before makes that batch active again.
                    b.superseded_by = None;
                } else if b.superseded_by.is_none() {
                    b.superseded_by = Some(marker.clone());
                    report.superseded.push(b.id.clone());
                }
            }
        }
        manifest.batches.extend(new_infos);
        write_atomic(
            &dir.join("manifest.json"),
            &serde_json::to_vec_pretty(&manifest).expect("serialisable"),
        )?;
        report.snapshot = self.snapshot(&prepared.dataset)?.hash;
        drop(lock);
        Ok(report)
    }

    /// Batch directories that the manifest does not name are what a crash left; remove them.
    fn remove_orphans(&self, manifest: &Manifest, batches_dir: &Path) {
        let Ok(entries) = fs::read_dir(batches_dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !manifest.batches.iter().any(|b| b.id == name) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }

    /// The Parquet files of the named batches (active or superseded: batches are immutable and
    /// kept), so that an earlier snapshot can be read again. Unknown ids are an error.
    pub fn batch_files(
        &self,
        dataset: &str,
        batch_ids: &[String],
    ) -> Result<Vec<PathBuf>, ImportError> {
        let m = self.manifest(dataset)?;
        let mut files = Vec::new();
        for id in batch_ids {
            let b = m.batches.iter().find(|b| &b.id == id).ok_or_else(|| {
                ImportError::Usage(Msg::new(
                    "LAKE_BATCH_MISSING",
                    format!("数据集 {dataset} 中没有批次 {id}（数据湖已被改动？）"),
                    format!("dataset {dataset} has no batch {id} (was the lake altered?)"),
                ))
            })?;
            files.extend(
                b.files
                    .iter()
                    .map(|f| self.dir(dataset).join("batches").join(&b.id).join(f)),
            );
        }
        Ok(files)
    }

    /// Every dataset with a manifest, with its snapshot.
    pub fn datasets(&self) -> Result<Vec<Snapshot>, ImportError> {
        let mut out = Vec::new();
        for d in Catalogue::builtin().all() {
            if self.dir(&d.name).join("manifest.json").exists() {
                out.push(self.snapshot(&d.name)?);
            }
        }
        Ok(out)
    }
}

pub(crate) fn unknown_dataset(name: &str) -> ImportError {
    let names: Vec<&str> = Catalogue::builtin()
        .all()
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    ImportError::Usage(Msg::new(
        "UNKNOWN_DATASET",
        format!(
            "未知数据集“{name}”；可用：{}（见 qinglian datasets）",
            names.join("、")
        ),
        format!(
            "unknown dataset '{name}'; known: {} (see qinglian datasets)",
            names.join(", ")
        ),
    ))
}

/// Encodings by column type. Times and integers are delta-encoded (times sorted within an
/// officer or a case differ by minutes, a few bits each, where the dictionary fell back to 8-byte
/// plain values), and floats (coordinates, amounts) byte-stream-split so that zstd finds their
/// repeated sign and exponent bytes. Readers spend most of a scan decompressing pages; these
/// shrink what is decompressed (GPS: 6.1 → 3.0 MB raw per 310 k rows, workload table at design
/// volume 2.67 → 2.08 s, see docs/benchmarks.md).
fn column_encodings(
    schema: &arrow_schema::Schema,
) -> parquet::file::properties::WriterPropertiesBuilder {
    use arrow_schema::DataType;
    use parquet::basic::Encoding as PageEncoding;
    use parquet::schema::types::ColumnPath;
    let mut b = WriterProperties::builder();
    for f in schema.fields() {
        let encoding = match f.data_type() {
            DataType::Timestamp(..) | DataType::Int64 | DataType::Int32 | DataType::Date32 => {
                PageEncoding::DELTA_BINARY_PACKED
            }
            DataType::Float64 => PageEncoding::BYTE_STREAM_SPLIT,
            _ => continue,
        };
        let path = ColumnPath::from(f.name().as_str());
        b = b
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_encoding(path, encoding);
    }
    b
}

/// Writes batches as Parquet parts in parallel (one file per chunk keeps both cores busy).
fn write_parts(dir: &Path, batches: &[RecordBatch]) -> Result<Vec<String>, ImportError> {
    let props = batches
        .first()
        .map_or_else(WriterProperties::builder, |b| column_encodings(&b.schema()))
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("valid level"),
        ))
        .set_created_by(concat!("qinglian ", env!("CARGO_PKG_VERSION")).to_owned())
        .build();
    let non_empty: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    let parts: Vec<&RecordBatch> = if non_empty.is_empty() {
        batches.iter().take(1).collect()
    } else {
        non_empty
    };
    parts
        .par_iter()
        .enumerate()
        .map(|(i, b)| {
            let name = format!("part-{i:05}.parquet");
            let path = dir.join(&name);
            let file = File::create(&path).map_err(io(&path))?;
            let mut w = ArrowWriter::try_new(file, b.schema(), Some(props.clone()))
                .map_err(|e| ImportError::Parquet(e.to_string()))?;
            w.write(b)
                .map_err(|e| ImportError::Parquet(e.to_string()))?;
            let file = w
                .into_inner()
                .map_err(|e| ImportError::Parquet(e.to_string()))?;
            file.sync_all().map_err(io(&path))?;
            Ok(name)
        })
        .collect()
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let tmp = path.with_extension("json.tmp");
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(parent) = path.parent() {
        sync_dir(parent);
    }
    Ok(())
}

/// Makes renames durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The schema of a dataset by name, or the bilingual "unknown dataset" error.
pub fn schema_of(name: &str) -> Result<&'static DatasetSchema, ImportError> {
    Catalogue::builtin()
        .get(name)
        .ok_or_else(|| unknown_dataset(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray, TimestampSecondArray};
    use parquet::basic::Encoding as PageEncoding;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::sync::Arc;

    #[test]
    fn times_and_integers_are_delta_encoded_floats_split_strings_keep_dictionaries() {
        let dir = tempfile::tempdir().unwrap();
        let batch = RecordBatch::try_from_iter([
            (
                "at",
                Arc::new(
                    TimestampSecondArray::from_iter_values(
                        (0..1000).map(|i| 1_735_689_600 + i * 60),
                    )
                    .with_timezone("+08:00"),
                ) as arrow_array::ArrayRef,
            ),
            ("n", Arc::new(Int64Array::from_iter_values(0..1000)) as _),
            (
                "lon",
                Arc::new(Float64Array::from_iter_values(
                    (0..1000).map(|i| 120.0 + f64::from(i) * 1e-5),
                )) as _,
            ),
            (
                "officer",
                Arc::new(StringArray::from_iter_values(
                    (0..1000).map(|i| format!("O{}", i % 3)),
                )) as _,
            ),
        ])
        .unwrap();
        let names = write_parts(dir.path(), std::slice::from_ref(&batch)).unwrap();
        let reader =
            SerializedFileReader::new(File::open(dir.path().join(&names[0])).unwrap()).unwrap();
        let rg = reader.metadata().row_group(0);
        let enc = |c: usize| rg.column(c).encodings().collect::<Vec<_>>();
        assert!(
            enc(0).contains(&PageEncoding::DELTA_BINARY_PACKED),
            "{:?}",
            enc(0)
        );
        assert!(
            enc(1).contains(&PageEncoding::DELTA_BINARY_PACKED),
            "{:?}",
            enc(1)
        );
        assert!(
            enc(2).contains(&PageEncoding::BYTE_STREAM_SPLIT),
            "{:?}",
            enc(2)
        );
        assert!(
            enc(3).contains(&PageEncoding::RLE_DICTIONARY),
            "{:?}",
            enc(3)
        );
        // The values read back are the values written.
        let back: Vec<RecordBatch> =
            parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(
                File::open(dir.path().join(&names[0])).unwrap(),
                4096,
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, vec![batch]);
    }
}
