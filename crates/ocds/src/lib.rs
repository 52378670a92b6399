//! OCDS (Open Contracting Data Standard) 1.1 compiled releases, one per line: Cardinal-
//! compatible `prepare` and `coverage`, and flattening into the lake's procurement tables.
//!
//! Input is streamed in chunks of whole lines; each chunk's lines are parsed, prepared and
//! flattened on the rayon pool while the next chunk is read, and results are consumed in input
//! order, so outputs do not depend on the number of threads. Real publishers' data is messy:
//! nothing here refuses a file for a bad record. Odd records are corrected or kept the way
//! Cardinal's `prepare` does, and every problem becomes an [`Issue`] with its line number.

pub mod coverage;
pub mod flatten;
pub mod json;
pub mod prepare;
pub mod read;
pub mod settings;

pub use coverage::Coverage;
pub use flatten::{TABLES, Tables};
pub use prepare::{Issue, PreparedLine, prepare_line};
pub use read::{LineReader, RawLine};
pub use settings::{PrepareSettings, Settings, SettingsError};

use arrow_array::RecordBatch;
use qinglian_lake::{CommitReport, ImportError, Lake, Prepared, PreparedFile};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Lines per second of work are best with chunks of a few megabytes.
const CHUNK_BYTES: usize = 4 << 20;

/// What a run saw.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Lines that were a JSON object (written out or flattened).
    pub releases: u64,
    /// Lines dropped: invalid UTF-8, invalid JSON, not an object.
    pub skipped_lines: u64,
    /// Issue rows, skipped lines included.
    pub issues: u64,
    /// Issue rows per `path description` (e.g. `/bids/details[]/status not set`).
    pub issues_by_kind: BTreeMap<String, u64>,
    /// The read error that ended the input early (a truncated gzip stream, say).
    pub read_error: Option<String>,
}

impl Summary {
    fn add(&mut self, no: u64, released: bool, issues: &[Issue]) {
        self.lines = self.lines.max(no);
        if released {
            self.releases += 1;
        }
        for i in issues {
            self.issues += 1;
            if i.is_skipped_line() {
                self.skipped_lines += 1;
            }
            let kind = if i.path.is_empty() {
                i.description.to_owned()
            } else {
                format!("{} {}", i.path, i.description)
            };
            *self.issues_by_kind.entry(kind).or_default() += 1;
        }
    }
}

/// Where issue rows go: a CSV writer (no header, Cardinal's columns) or nowhere.
pub type IssueSink<'a> = Option<&'a mut csv::Writer<Box<dyn Write + Send>>>;

fn write_issues(sink: &mut IssueSink<'_>, issues: &[Issue]) -> io::Result<()> {
    if let Some(w) = sink {
        prepare::write_issues(w, issues).map_err(io::Error::other)?;
    }
    Ok(())
}

/// `prepare`: the corrected releases as JSON lines on `out`, issues to `issues`.
pub fn prepare_stream(
    reader: &mut LineReader,
    settings: &PrepareSettings,
    out: &mut (dyn Write + Send),
    mut issues: IssueSink<'_>,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let err = read::pipeline(
        reader,
        CHUNK_BYTES,
        |line| {
            let p = prepare_line(&line, settings);
            let text = p.release.as_ref().map(|r| {
                let mut s = String::with_capacity(line.bytes.len() + 64);
                json::write_map(r, &mut s);
                s
            });
            (p.no, text, p.issues)
        },
        |chunk| {
            for (no, text, found) in chunk {
                summary.add(no, text.is_some(), &found);
                if let Some(t) = text {
                    out.write_all(t.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                write_issues(&mut issues, &found)?;
            }
            Ok::<(), io::Error>(())
        },
    )?;
    summary.read_error = err.map(|e| e.to_string());
    out.flush()?;
    if let Some(w) = issues {
        w.flush()?;
    }
    Ok(summary)
}

/// An import ready for the lake: one list of batches per table, all rows tagged with the
/// import id (the first 16 hex digits of `content_hash`).
pub struct Flattened {
    pub summary: Summary,
    /// SHA-256 over the decoded input and the settings text: the same data prepared the same
    /// way is the same import.
    pub content_hash: String,
    pub tables: Vec<(&'static str, Vec<RecordBatch>)>,
}

impl Flattened {
    pub fn import_id(&self) -> &str {
        &self.content_hash[..16]
    }

    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .filter(|(t, _)| *t == table)
            .flat_map(|(_, b)| b.iter().map(|b| b.num_rows() as u64))
            .sum()
    }
}

/// `prepare`, then flatten every release into the procurement tables. `progress` gets the
/// bytes taken from the source so far after each chunk.
pub fn flatten_stream(
    reader: &mut LineReader,
    settings: &PrepareSettings,
    settings_text: &str,
    mut issues: IssueSink<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<Flattened> {
    use rayon::prelude::*;
    let mut summary = Summary::default();
    let mut runs: Vec<Vec<flatten::Part>> = Vec::new();
    let counter = reader.bytes_counter();
    // A run of lines goes straight into one set of Arrow builders on one worker.
    let run_lines = 256;
    let err = read::pipeline_runs(
        reader,
        CHUNK_BYTES,
        |lines| {
            lines
                .par_chunks(run_lines)
                .map(|run| {
                    let mut tables = Tables::new();
                    let mut seen = Vec::with_capacity(run.len());
                    for line in run {
                        let p = prepare_line(line, settings);
                        if let Some(r) = &p.release {
                            tables.push(&flatten::flatten_release(p.no, r));
                        }
                        seen.push((p.no, p.release.is_some(), p.issues));
                    }
                    (tables.into_parts(), seen)
                })
                .collect()
        },
        |chunk| {
            for (parts, seen) in chunk {
                for (no, released, found) in seen {
                    summary.add(no, released, &found);
                    write_issues(&mut issues, &found)?;
                }
                runs.push(parts);
            }
            progress(counter.load(std::sync::atomic::Ordering::Relaxed));
            Ok::<(), io::Error>(())
        },
    )?;
    progress(reader.bytes_read());
    summary.read_error = err.map(|e| e.to_string());
    if let Some(w) = issues {
        w.flush()?;
    }
    let mut h = Sha256::new();
    h.update(reader.content_hash().as_bytes());
    h.update(b"\0");
    h.update(settings_text.as_bytes());
    let content_hash = hex::encode(h.finalize());
    let tables = flatten::assemble(runs, &content_hash[..16]);
    Ok(Flattened {
        summary,
        content_hash,
        tables,
    })
}

/// The lake imports of one flattened file, one per table (each one batch, published by its
/// manifest swap). `already_imported` is set for tables that hold this content already.
pub fn lake_imports(
    lake: &Lake,
    f: Flattened,
    source: &str,
    replace: bool,
) -> Result<Vec<Prepared>, ImportError> {
    let mut out = Vec::new();
    for (table, batches) in f.tables {
        let m = lake.manifest(table)?;
        let already = m.batches.iter().any(|b| b.content_hash == f.content_hash);
        out.push(Prepared {
            dataset: table.to_owned(),
            replace,
            files: vec![PreparedFile {
                source: source.to_owned(),
                content_hash: f.content_hash.clone(),
                sheet: None,
                encoding: None,
                batches: if already { vec![] } else { batches },
                rows: vec![],
                already_imported: already,
            }],
        });
    }
    Ok(out)
}

/// Commits what [`lake_imports`] prepared, table by table.
pub fn commit_all(lake: &Lake, imports: Vec<Prepared>) -> Result<Vec<CommitReport>, ImportError> {
    imports.into_iter().map(|p| lake.commit(p)).collect()
}
