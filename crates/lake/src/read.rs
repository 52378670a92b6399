//! Readers: CSV (UTF-8 with or without BOM, or GB18030), XLSX (any sheet) and JSON/JSONL.
//! Each turns a file into validated Arrow batches or the list of everything wrong with it.

use crate::cell::Cell;
use crate::error::{CellError, Errors, ImportError};
use crate::grid::{ChunkBuilder, Ctx, check_keys};
use crate::schema::DatasetSchema;
use arrow_array::RecordBatch;
use calamine::{Data, Reader, Xlsx};
use qinglian_core::Msg;
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Utf8,
    Gb18030,
}

impl std::str::FromStr for Encoding {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Msg> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "utf8" => Ok(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Ok(Encoding::Gb18030),
            _ => Err(Msg::new(
                "BAD_ENCODING",
                format!("不支持的编码“{s}”：应为 utf-8 或 gb18030"),
                format!("unsupported encoding '{s}': expected utf-8 or gb18030"),
            )),
        }
    }
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// XLSX sheet by name or 1-based number; default the first sheet.
    pub sheet: Option<String>,
    /// CSV encoding as declared by the user; detected when absent.
    pub encoding: Option<Encoding>,
    /// Errors listed before the rest are only counted.
    pub max_errors: usize,
    /// The user's header and value mapping (`import --columns`), checked against the dataset.
    pub columns: Option<std::sync::Arc<crate::colmap::ColumnMap>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            sheet: None,
            encoding: None,
            max_errors: 100,
            columns: None,
        }
    }
}

/// A file read and validated, not yet written.
pub(crate) struct Parsed {
    pub batches: Vec<RecordBatch>,
    /// Source row number (as a spreadsheet shows it) of every record, in batch order.
    pub rows: Vec<u64>,
    pub sheet: Option<String>,
    pub encoding: Option<Encoding>,
}

pub(crate) type Progress<'p> = &'p (dyn Fn(u64) + Sync);

pub(crate) fn parse(
    schema: &DatasetSchema,
    file: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    progress: Progress<'_>,
) -> Result<Parsed, ImportError> {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".txt") {
        parse_csv(schema, file, bytes, opts, progress)
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        parse_xlsx(schema, file, bytes, opts, progress)
    } else if lower.ends_with(".json") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        parse_json(schema, file, bytes, opts)
    } else {
        Err(ImportError::Usage(Msg::new(
            "IMPORT_FORMAT",
            format!("无法识别文件 {file} 的格式：支持 .csv、.xlsx、.json、.jsonl"),
            format!("unrecognised format of {file}: .csv, .xlsx, .json and .jsonl are supported"),
        )))
    }
}

fn file_error(file: &str, sheet: Option<&str>, msg: Msg) -> ImportError {
    ImportError::Invalid {
        errors: vec![CellError::file_level(file, sheet, msg)],
        more: 0,
    }
}

/// Detects the encoding of CSV bytes and checks it against the declared one.
pub(crate) fn decode<'b>(
    file: &str,
    bytes: &'b [u8],
    declared: Option<Encoding>,
) -> Result<(Cow<'b, str>, Encoding), ImportError> {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let detected = match std::str::from_utf8(body) {
        Ok(s) => Ok((Cow::Borrowed(s), Encoding::Utf8, s.is_ascii() && !bom)),
        Err(utf8_err) => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(body) {
                Some(s) if !bom => Ok((s, Encoding::Gb18030, false)),
                _ => Err(utf8_err.valid_up_to()),
            }
        }
    };
    match (detected, declared) {
        (Err(at), _) => {
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(file_error(
                file,
                None,
                Msg::new(
                    "IMPORT_ENCODING",
                    format!(
                        "文件既不是有效的 UTF-8 也不是 GB18030 编码（第 {line} 行附近，字节偏移 {at}）"
                    ),
                    format!(
                        "the file is neither valid UTF-8 nor GB18030 (near line {line}, byte offset {at})"
                    ),
                ),
            ))
        }
        // pure ASCII reads the same in both
        (Ok((s, _, true)), Some(d)) => Ok((s, d)),
        (Ok((s, det, _)), None) => Ok((s, det)),
        (Ok((s, det, _)), Some(d)) if d == det => Ok((s, det)),
        (Ok((_, det, _)), Some(d)) => Err(file_error(
            file,
            None,
            Msg::new(
                "IMPORT_ENCODING_MISMATCH",
                format!(
                    "声明的编码为 {}，但文件实际为 {} 编码；请去掉 --encoding 让系统自动识别，或声明正确的编码",
                    d.as_str(),
                    det.as_str()
                ),
                format!(
                    "declared encoding {} but the file is {}; drop --encoding to detect it, or declare the right one",
                    d.as_str(),
                    det.as_str()
                ),
            ),
        )),
    }
}

/// Splits CSV text after the header into chunks that end on record boundaries (a newline
/// outside quotes: an even number of quote characters precedes it).
fn split_records(text: &str, start: usize, target: usize) -> Vec<(usize, usize)> {
    split_records_limit(text, start, target, usize::MAX)
}

fn split_records_limit(
    text: &str,
    start: usize,
    target: usize,
    limit: usize,
) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut from = start;
    let mut quotes_before_from = 0usize;
    // Most exports quote nothing: then every newline is a boundary and counting can be skipped
    // (`contains` on bytes is a vectorised search).
    let quoted = b[start.min(b.len())..].contains(&b'"');
    let count = |s: &[u8]| {
        if quoted {
            s.iter().filter(|&&c| c == b'"').count()
        } else {
            0
        }
    };
    while from < b.len() && out.len() < limit {
        let mut cut = (from + target).min(b.len());
        let mut q = quotes_before_from + count(&b[from..cut]);
        loop {
            if cut >= b.len() {
                cut = b.len();
                break;
            }
            match b[cut..].iter().position(|&c| c == b'\n') {
                None => {
                    cut = b.len();
                    break;
                }
                Some(p) => {
                    q += count(&b[cut..cut + p]);
                    cut += p + 1;
                    if q.is_multiple_of(2) {
                        break;
                    }
                }
            }
        }
        out.push((from, cut));
        quotes_before_from = q;
        from = cut;
    }
    out
}

fn parse_csv(
    schema: &DatasetSchema,
    file: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    progress: Progress<'_>,
) -> Result<Parsed, ImportError> {
    let (text, encoding) = decode(file, bytes, opts.encoding)?;
    let header_end = split_records_limit(&text, 0, 0, 1)
        .first()
        .map_or(text.len(), |r| r.1);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text[..header_end].as_bytes());
    let headers: Vec<String> = match rdr.records().next() {
        Some(Ok(r)) => r.iter().map(str::to_owned).collect(),
        _ => {
            return Err(file_error(
                file,
                None,
                Msg::new(
                    "IMPORT_EMPTY",
                    "文件为空，没有表头",
                    "the file is empty: no header row",
                ),
            ));
        }
    };
    let ctx = Ctx::new(
        schema,
        file,
        None,
        headers,
        Some(1),
        true,
        opts.columns.as_deref(),
    )
    .map_err(|e| e.into_result().expect_err("errors present"))?;
    let chunk_size =
        (text.len() / (rayon::current_num_threads() * 8)).clamp(256 * 1024, 16 * 1024 * 1024);
    let chunks = split_records(&text, header_end, chunk_size);
    let done = std::sync::atomic::AtomicU64::new(header_end as u64);
    let results: Vec<(RecordBatch, Vec<u64>, Errors, u64)> = chunks
        .par_iter()
        .map(|&(a, z)| {
            let slice = &text[a..z];
            let mut builder = ChunkBuilder::new(&ctx, slice.len() / 64 + 16, opts.max_errors);
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(slice.as_bytes());
            let mut rec = csv::StringRecord::new();
            let mut n = 0u64;
            while rdr.read_record(&mut rec).unwrap_or(false) {
                builder.push_row(n, |i| rec.get(i).map_or(Cell::Empty, Cell::Str));
                n += 1;
            }
            let (batch, rows, errors) = builder.finish();
            let d = done.fetch_add((z - a) as u64, std::sync::atomic::Ordering::Relaxed)
                + (z - a) as u64;
            progress(d);
            (batch, rows, errors, n)
        })
        .collect();
    // Chunk-local record numbers become spreadsheet rows: header is row 1.
    let mut errors = Errors::new(opts.max_errors);
    let mut batches = Vec::with_capacity(results.len());
    let mut rows = Vec::new();
    let mut offset = 1u64;
    for (batch, local_rows, mut errs, n) in results {
        for e in &mut errs.list {
            e.row = e.row.map(|r| r + offset + 1);
        }
        errors.merge(errs);
        rows.extend(local_rows.into_iter().map(|r| r + offset + 1));
        batches.push(batch);
        offset += n;
    }
    check_keys(&ctx, &batches, &rows, &mut errors);
    errors.into_result()?;
    Ok(Parsed {
        batches,
        rows,
        sheet: None,
        encoding: Some(encoding),
    })
}

fn xlsx_cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Str(s),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map_or(Cell::Float(dt.as_f64()), Cell::DateTime),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_owned(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn parse_xlsx(
    schema: &DatasetSchema,
    file: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    progress: Progress<'_>,
) -> Result<Parsed, ImportError> {
    let bad = |zh: String, en: String| {
        file_error(file, opts.sheet.as_deref(), Msg::new("IMPORT_XLSX", zh, en))
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        bad(
            format!("不是有效的 XLSX 文件：{e}"),
            format!("not a valid XLSX file: {e}"),
        )
    })?;
    let names = wb.sheet_names();
    let sheet = match &opts.sheet {
        None => names.first().cloned(),
        Some(s) => names.iter().find(|n| *n == s).cloned().or_else(|| {
            s.parse::<usize>()
                .ok()
                .filter(|i| *i >= 1)
                .and_then(|i| names.get(i - 1).cloned())
        }),
    }
    .ok_or_else(|| {
        bad(
            format!(
                "找不到工作表“{}”；文件中的工作表：{}",
                opts.sheet.as_deref().unwrap_or(""),
                names.join("、")
            ),
            format!(
                "no sheet '{}'; the file has: {}",
                opts.sheet.as_deref().unwrap_or(""),
                names.join(", ")
            ),
        )
    })?;
    let range = wb.worksheet_range(&sheet).map_err(|e| {
        bad(
            format!("无法读取工作表 {sheet}：{e}"),
            format!("cannot read sheet {sheet}: {e}"),
        )
    })?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let all: Vec<&[Data]> = range.rows().collect();
    // The header is the row (among the first ten) naming most schema columns: Chinese sheets
    // often carry a title row or two above it.
    let header_idx = (0..all.len().min(10))
        .max_by_key(|&i| {
            (
                Ctx::score(
                    schema,
                    &all[i].iter().map(cell_text).collect::<Vec<_>>(),
                    opts.columns.as_deref(),
                ),
                std::cmp::Reverse(i),
            )
        })
        .unwrap_or(0);
    let mut headers: Vec<String> = vec![String::new(); col0 as usize];
    headers.extend(
        all.get(header_idx)
            .map_or(vec![], |r| r.iter().map(cell_text).collect()),
    );
    let header_row = u64::from(row0) + header_idx as u64 + 1;
    let map = opts.columns.as_deref();
    let ctx = Ctx::new(
        schema,
        file,
        Some(&sheet),
        headers,
        Some(header_row),
        true,
        map,
    )
    .map_err(|e| e.into_result().expect_err("errors present"))?;
    let data = &all[(header_idx + 1).min(all.len())..];
    let per = (data.len() / (rayon::current_num_threads() * 4)).max(4096);
    let results: Vec<(RecordBatch, Vec<u64>, Errors)> = data
        .par_chunks(per)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut b = ChunkBuilder::new(&ctx, chunk.len(), opts.max_errors);
            for (i, row) in chunk.iter().enumerate() {
                let row_no = header_row + (ci * per + i) as u64 + 1;
                b.push_row(row_no, |c| {
                    c.checked_sub(col0 as usize)
                        .and_then(|c| row.get(c))
                        .map_or(Cell::Empty, xlsx_cell)
                });
            }
            b.finish()
        })
        .collect();
    progress(bytes.len() as u64);
    let mut errors = Errors::new(opts.max_errors);
    let mut batches = Vec::new();
    let mut rows = Vec::new();
    for (b, r, e) in results {
        batches.push(b);
        rows.extend(r);
        errors.merge(e);
    }
    check_keys(&ctx, &batches, &rows, &mut errors);
    errors.into_result()?;
    Ok(Parsed {
        batches,
        rows,
        sheet: Some(sheet),
        encoding: None,
    })
}

fn json_cell(v: &serde_json::Value) -> Cell<'_> {
    match v {
        serde_json::Value::Null => Cell::Empty,
        serde_json::Value::Bool(b) => Cell::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Cell::Float(n.as_f64().unwrap_or(f64::NAN)), Cell::Int),
        serde_json::Value::String(s) => Cell::Str(s),
        // Nested values are not part of any tabular dataset; show them as text so the
        // column's own validation explains what was expected.
        _ => Cell::Str("[object]"),
    }
}

fn parse_json(
    schema: &DatasetSchema,
    file: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Parsed, ImportError> {
    let (text, _) = decode(file, bytes, Some(Encoding::Utf8))?;
    let trimmed = text.trim_start();
    // (record number as shown in errors, object)
    let mut records: Vec<(u64, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    let mut errors = Errors::new(opts.max_errors);
    let not_object = |n: u64| CellError {
        row: Some(n),
        ..CellError::file_level(
            file,
            None,
            Msg::new("IMPORT_JSON", "应为 JSON 对象", "expected a JSON object"),
        )
    };
    if trimmed.starts_with('[') {
        let values: Vec<serde_json::Value> = serde_json::from_str(trimmed).map_err(|e| {
            file_error(
                file,
                None,
                Msg::new(
                    "IMPORT_JSON",
                    format!("JSON 语法错误：第 {} 行第 {} 列", e.line(), e.column()),
                    format!(
                        "JSON syntax error at line {}, column {}",
                        e.line(),
                        e.column()
                    ),
                ),
            )
        })?;
        for (i, v) in values.into_iter().enumerate() {
            match v {
                serde_json::Value::Object(m) => records.push((i as u64 + 1, m)),
                _ => errors.push(not_object(i as u64 + 1)),
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let n = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(m)) => records.push((n, m)),
                Ok(_) => errors.push(not_object(n)),
                Err(e) => errors.push(CellError {
                    row: Some(n),
                    ..CellError::file_level(
                        file,
                        None,
                        Msg::new(
                            "IMPORT_JSON",
                            format!("JSON 语法错误：第 {} 列", e.column()),
                            format!("JSON syntax error at column {}", e.column()),
                        ),
                    )
                }),
            }
        }
    }
    // Keys may be English names or Chinese aliases, and may differ between records: map each
    // record's keys to schema columns, so the "headers" are the schema's own column names.
    let headers: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    let ctx = Ctx::new(
        schema,
        file,
        None,
        headers,
        None,
        false,
        opts.columns.as_deref(),
    )
    .map_err(|e| e.into_result().expect_err("errors present"))?;
    let mut b = ChunkBuilder::new(&ctx, records.len(), opts.max_errors);
    for (n, m) in &records {
        let mut cells: Vec<Option<&serde_json::Value>> = vec![None; schema.columns.len()];
        for (k, v) in m {
            if let Some(ci) = schema
                .columns
                .iter()
                .position(|c| crate::grid::names(c, k, opts.columns.as_deref()))
            {
                if cells[ci].is_some() {
                    errors.push(CellError {
                        row: Some(*n),
                        column: Some(k.clone()),
                        ..CellError::file_level(
                            file,
                            None,
                            Msg::new(
                                "IMPORT_DUPLICATE_COLUMN",
                                format!("同一记录中有多个键对应字段 {}", schema.columns[ci].name),
                                format!(
                                    "several keys of this record map to field {}",
                                    schema.columns[ci].name
                                ),
                            ),
                        )
                    });
                }
                cells[ci] = Some(v);
            }
        }
        b.push_row(*n, |i| cells[i].map_or(Cell::Empty, json_cell));
    }
    let (batch, rows, errs) = b.finish();
    errors.merge(errs);
    let batches = vec![batch];
    check_keys(&ctx, &batches, &rows, &mut errors);
    errors.into_result()?;
    Ok(Parsed {
        batches,
        rows,
        sheet: None,
        encoding: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_splitting_respects_quotes() {
        let text = "h1,h2\na,\"x\ny\"\nb,c\n\"q\"\"\n\",d\n";
        let chunks = split_records(text, 6, 1);
        let parts: Vec<&str> = chunks.iter().map(|&(a, z)| &text[a..z]).collect();
        assert_eq!(parts, ["a,\"x\ny\"\n", "b,c\n", "\"q\"\"\n\",d\n"]);
        assert_eq!(split_records(text, 0, 0)[0], (0, 6));
    }

    #[test]
    fn encoding_detection() {
        let (gb, _, _) = encoding_rs::GB18030.encode("名称,代码\n西湖区,330106\n");
        assert_eq!(decode("f.csv", &gb, None).unwrap().1, Encoding::Gb18030);
        assert_eq!(
            decode("f.csv", &gb, Some(Encoding::Gb18030)).unwrap().0,
            "名称,代码\n西湖区,330106\n"
        );
        let e = decode("f.csv", &gb, Some(Encoding::Utf8)).unwrap_err();
        assert_eq!(e.code(), "IMPORT_ENCODING_MISMATCH");
        let utf = "\u{feff}名称\n".as_bytes();
        assert_eq!(
            decode("f.csv", utf, None).unwrap(),
            (Cow::Borrowed("名称\n"), Encoding::Utf8)
        );
        assert_eq!(
            decode("f.csv", utf, Some(Encoding::Gb18030))
                .unwrap_err()
                .code(),
            "IMPORT_ENCODING_MISMATCH"
        );
        assert_eq!(
            decode("f.csv", b"a,b\n", Some(Encoding::Gb18030))
                .unwrap()
                .1,
            Encoding::Gb18030
        );
        assert_eq!(
            decode("f.csv", b"\xff\xfe\xfd", None).unwrap_err().code(),
            "IMPORT_ENCODING"
        );
    }
}
