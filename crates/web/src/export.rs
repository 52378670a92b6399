//! The cockpit's tables: built once per page, shown as HTML by the `table` macro of the
//! templates and written to .xlsx (`?format=xlsx`) from the same rows, so what a user keeps
//! is exactly what they saw. Headers are Chinese and English (`问题数 Problems`), as the
//! command line's exports write them; money is a number in yuan.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

/// One cell: its text (a zh/en pair when `en` is set), an optional link, and the number it
/// stands for (right-aligned on the page, numeric in the workbook).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub zh: String,
    pub en: Option<String>,
    pub href: Option<String>,
    pub num: Option<f64>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            zh: s.into(),
            en: None,
            href: None,
            num: None,
        }
    }

    pub fn pair(zh: impl Into<String>, en: impl Into<String>) -> Cell {
        Cell {
            en: Some(en.into()),
            ..Cell::text(zh)
        }
    }

    pub fn int(n: i64) -> Cell {
        Cell {
            num: Some(n as f64),
            ..Cell::text(n.to_string())
        }
    }

    /// Fen shown as yuan with two decimals.
    pub fn yuan(fen: i64) -> Cell {
        Cell {
            num: Some(fen as f64 / 100.0),
            ..Cell::text(qinglian_core::money::format_yuan(fen))
        }
    }

    /// A rate as a percentage, `-` when undefined.
    pub fn rate(r: Option<f64>) -> Cell {
        match r {
            Some(r) => Cell {
                num: Some(r),
                ..Cell::text(format!("{:.1}%", r * 100.0))
            },
            None => Cell::text("-"),
        }
    }

    pub fn link(mut self, href: impl Into<String>) -> Cell {
        self.href = Some(href.into());
        self
    }

    /// The text as the workbook holds it.
    fn plain(&self) -> String {
        match &self.en {
            Some(en) if en != &self.zh => format!("{} {en}", self.zh),
            _ => self.zh.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Anchor on the page and (from `en`) the sheet name.
    pub id: String,
    pub zh: String,
    pub en: String,
    /// (zh, en) per column.
    pub headers: Vec<(String, String)>,
    pub rows: Vec<Vec<Cell>>,
    /// Shown when there are no rows.
    pub empty_zh: String,
    pub empty_en: String,
    /// Rows were cut at the page's limit (the page says so).
    pub truncated: bool,
}

impl Table {
    pub fn new(id: &str, zh: &str, en: &str, headers: &[(&str, &str)]) -> Table {
        Table {
            id: id.to_owned(),
            zh: zh.to_owned(),
            en: en.to_owned(),
            headers: headers
                .iter()
                .map(|(z, e)| ((*z).to_owned(), (*e).to_owned()))
                .collect(),
            rows: Vec::new(),
            empty_zh: "暂无".into(),
            empty_en: "none".into(),
            truncated: false,
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "{}", self.id);
        self.rows.push(cells);
    }
}

/// A worksheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique in the book.
fn sheet_name(en: &str, taken: &[String]) -> String {
    let base: String = en
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(28)
        .collect();
    let base = if base.trim().is_empty() {
        "Sheet".to_owned()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// The tables as one workbook, one sheet each: header row, then the rows.
pub fn workbook(tables: &[&Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let mut taken: Vec<String> = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        let name = sheet_name(&t.en, &taken);
        ws.set_name(&name)?;
        taken.push(name);
        for (c, (zh, en)) in t.headers.iter().enumerate() {
            ws.write_with_format(0, c as u16, format!("{zh} {en}"), &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell.num {
                    Some(n) if cell.zh.contains('.') && !cell.zh.ends_with('%') => {
                        ws.write_with_format(r, c, n, &money)?;
                    }
                    Some(n) => {
                        ws.write(r, c, n)?;
                    }
                    None => {
                        ws.write(r, c, cell.plain())?;
                    }
                }
            }
        }
        ws.autofit();
    }
    wb.save_to_buffer()
}

/// The workbook as a download named `<stem>.xlsx` (ASCII stems only: ids and codes).
pub fn xlsx_response(stem: &str, tables: &[&Table]) -> Response {
    match workbook(tables) {
        Ok(bytes) => {
            let safe: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let disposition = format!("attachment; filename=\"{safe}.xlsx\"");
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        ),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .unwrap_or(HeaderValue::from_static("attachment")),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            crate::error::ApiError::internal().into_response()
        }
    }
}

/// Whether the page was asked for as a workbook (`?format=xlsx`).
pub fn wants_xlsx(format: Option<&str>) -> bool {
    format == Some("xlsx")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let taken = vec!["Hits".to_owned()];
        assert_eq!(sheet_name("Hits", &taken), "Hits 2");
        assert_eq!(sheet_name("a/b:c", &[]), "a-b-c");
        assert!(sheet_name(&"x".repeat(40), &[]).chars().count() <= 31);
    }

    #[test]
    fn cells() {
        assert_eq!(Cell::yuan(123_456).zh, "1234.56");
        assert_eq!(Cell::yuan(123_456).num, Some(1234.56));
        assert_eq!(Cell::rate(Some(0.6667)).zh, "66.7%");
        assert_eq!(Cell::rate(None).zh, "-");
        assert_eq!(Cell::pair("销号", "closed").plain(), "销号 closed");
    }

    #[test]
    fn workbook_is_a_zip() {
        let mut t = Table::new("t", "表", "Table", &[("名称", "Name"), ("金额", "Amount")]);
        t.row(vec![Cell::text("甲"), Cell::yuan(150)]);
        let bytes = workbook(&[&t]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
