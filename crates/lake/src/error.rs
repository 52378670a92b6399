//! Import errors that name file, sheet, row, column, the value found and what was expected,
//! in Chinese and English.

use qinglian_core::Msg;
use serde::Serialize;
use std::fmt;

/// One bad cell (or one file-level problem, with no row or column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellError {
    pub code: &'static str,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Row as a spreadsheet shows it: the header row of a CSV is row 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// Header text of the column, and its spreadsheet letter (A, B, …, AA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_letter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub zh: String,
    pub en: String,
}

impl CellError {
    pub(crate) fn file_level(file: &str, sheet: Option<&str>, msg: Msg) -> Self {
        CellError {
            code: msg.code,
            file: file.to_owned(),
            sheet: sheet.map(str::to_owned),
            row: None,
            column: None,
            column_letter: None,
            value: None,
            zh: msg.zh,
            en: msg.en,
        }
    }

    /// Where the problem is, zh then en: `文件 a.xlsx，工作表 Sheet1，第 12 行，C 列（金额）`.
    pub fn location(&self) -> (String, String) {
        let mut zh = format!("文件 {}", self.file);
        let mut en = format!("file {}", self.file);
        if let Some(s) = &self.sheet {
            zh += &format!("，工作表 {s}");
            en += &format!(", sheet {s}");
        }
        if let Some(r) = self.row {
            zh += &format!("，第 {r} 行");
            en += &format!(", row {r}");
        }
        if let Some(c) = &self.column {
            match &self.column_letter {
                Some(l) => {
                    zh += &format!("，{l} 列（{c}）");
                    en += &format!(", column {l} ({c})");
                }
                None => {
                    zh += &format!("，列“{c}”");
                    en += &format!(", column '{c}'");
                }
            }
        }
        (zh, en)
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (lzh, len) = self.location();
        let value = self
            .value
            .as_deref()
            .map(|v| format!("“{v}”"))
            .unwrap_or_default();
        let value_en = self
            .value
            .as_deref()
            .map(|v| format!(" '{v}'"))
            .unwrap_or_default();
        write!(
            f,
            "[{}] {lzh}：{value}{}\n    {len}:{value_en} {}",
            self.code, self.zh, self.en
        )
    }
}

/// Why an import did not land. Nothing was written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad input: every error found, up to the limit, plus how many more there were.
    #[error("{}", render_invalid(.errors, *.more))]
    Invalid { errors: Vec<CellError>, more: u64 },
    #[error("[{}] {} / {}", .0.code, .0.zh, .0.en)]
    Usage(Msg),
    #[error("[IO] 读写 {path} 失败 / cannot read or write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("[PARQUET] 写入 Parquet 失败 / writing Parquet failed: {0}")]
    Parquet(String),
}

fn render_invalid(errors: &[CellError], more: u64) -> String {
    let mut s = format!(
        "导入被拒绝，未写入任何数据：{} 个错误 / import refused, nothing was written: {} error(s)",
        errors.len() as u64 + more,
        errors.len() as u64 + more
    );
    for e in errors {
        s.push('\n');
        s += &e.to_string();
    }
    if more > 0 {
        s += &format!("\n另有 {more} 个错误未列出 / {more} more error(s) not listed");
    }
    s
}

impl ImportError {
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        ImportError::Io {
            path: path.to_string(),
            source,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Invalid { errors, .. } => {
                errors.first().map_or("IMPORT_INVALID", |e| e.code)
            }
            ImportError::Usage(m) => m.code,
            ImportError::Io { .. } => "IO",
            ImportError::Parquet(_) => "PARQUET",
        }
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(mut idx: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// Collects errors up to a limit and counts the rest.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    pub list: Vec<CellError>,
    pub more: u64,
    pub limit: usize,
}

impl Errors {
    pub fn new(limit: usize) -> Self {
        Errors {
            list: Vec::new(),
            more: 0,
            limit,
        }
    }
    pub fn push(&mut self, e: CellError) {
        if self.list.len() < self.limit {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }
    pub fn merge(&mut self, other: Errors) {
        for e in other.list {
            self.push(e);
        }
        self.more += other.more;
    }
    pub fn into_result(mut self) -> Result<(), ImportError> {
        if self.is_empty() {
            return Ok(());
        }
        self.list.sort_by(|a, b| {
            (&a.file, &a.sheet, a.row, &a.column_letter).cmp(&(
                &b.file,
                &b.sheet,
                b.row,
                &b.column_letter,
            ))
        });
        Err(ImportError::Invalid {
            errors: self.list,
            more: self.more,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
        assert_eq!(super::column_letter(701), "ZZ");
        assert_eq!(super::column_letter(702), "AAA");
    }
}
