//! XLSX output through rust_xlsxwriter in constant-memory mode: rows stream to a temporary
//! file, so a province sheet of 300k rows needs little RAM. Text cells are inline strings.

use crate::SynthError;
use crate::write::Cell;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};
use std::path::Path;

/// Written into the workbook instead of "now", so the same seed gives the same bytes
/// (the zip entries already carry the fixed 1980-01-01 timestamp).
fn fixed_properties() -> Result<DocProperties, XlsxError> {
    let created = ExcelDateTime::from_ymd(2025, 1, 1)?;
    Ok(DocProperties::new()
        .set_author("qinglian-synth")
        .set_comment("合成数据，非真实信息 / synthetic data, not real people")
        .set_creation_datetime(&created))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    // Generated dates lie in 1960–2025, well inside what u16/u8 hold.
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// One sheet named `sheet` with a bold frozen header row; returns the number of data rows.
pub(crate) fn write_xlsx<T, const N: usize>(
    path: &Path,
    sheet: &str,
    header: [(&str, f64); N],
    rows: &[T],
    cells: impl Fn(&T) -> [Cell<'_>; N],
    progress: &dyn Fn(u64, u64),
) -> Result<usize, SynthError> {
    let err = |source| SynthError::Xlsx {
        path: path.to_owned(),
        source,
    };
    let mut wb = Workbook::new();
    wb.set_properties(&fixed_properties().map_err(err)?);
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name(sheet).map_err(err)?;
    for (c, (title, width)) in header.iter().enumerate() {
        let c = c as u16;
        ws.set_column_width(c, *width).map_err(err)?;
        ws.write_string_with_format(0, c, *title, &bold)
            .map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    let total = rows.len() as u64;
    for (n, row) in rows.iter().enumerate() {
        let r = n as u32 + 1;
        for (c, cell) in cells(row).into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Owned(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Date(d) => excel_date(d)
                    .and_then(|d| ws.write_date_with_format(r, c, d, &date))
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
        if n % crate::write::PROGRESS_EVERY == 0 {
            progress(n as u64, total);
        }
    }
    wb.save(path).map_err(err)?;
    progress(total, total);
    Ok(rows.len())
}
