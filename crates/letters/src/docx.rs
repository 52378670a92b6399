//! .docx rendering with `docx-rs`, made byte-for-byte deterministic.
//!
//! Three things would otherwise vary between runs: the core properties' timestamps (set to the
//! issue date), docx-rs's paragraph-id counter (ids are assigned here), and ZIP entry times
//! (the archive is repacked with fixed times, whatever features the `zip` crate was built with).

use crate::canonical::content_hash;
use crate::error::{Error, Result};
use crate::layout::{Part, layout};
use crate::model::Letter;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};
use std::io::{Cursor, Read, Write};

/// East-Asian text picks `eastAsia`; Latin digits and names pick `ascii`/`hAnsi`. Setting all
/// three to the CJK family keeps one typeface across mixed text such as letter numbers.
const FONT: &str = "Noto Serif CJK SC";

// Twips (1/20 pt). A4 and the GB/T 9704 margins: top 37 mm, bottom 35, left 28, right 26.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_TOP: i32 = 2098;
const MARGIN_BOTTOM: i32 = 1984;
const MARGIN_LEFT: i32 = 1587;
const MARGIN_RIGHT: i32 = 1474;
const TEXT_W: usize = (PAGE_W as usize) - (MARGIN_LEFT + MARGIN_RIGHT) as usize;

// Half-points: 22 pt title (二号), 16 pt body (三号), 11 pt tables, 9 pt fingerprint.
const SIZE_TITLE: usize = 44;
const SIZE_BODY: usize = 32;
const SIZE_TABLE: usize = 22;
const SIZE_SMALL: usize = 18;
/// Two characters of 16 pt, the first-line indent of Chinese prose.
const INDENT_2EM: i32 = 640;

fn fonts() -> RunFonts {
    RunFonts::new().east_asia(FONT).ascii(FONT).hi_ansi(FONT)
}

struct Builder {
    next_id: u32,
}

impl Builder {
    /// docx-rs numbers paragraphs from a thread-local counter that never resets between
    /// documents; explicit ids make the output independent of what ran before.
    fn para(&mut self, text: &str, size: usize) -> Paragraph {
        self.next_id += 1;
        Paragraph::new()
            .id(format!("{:08X}", self.next_id))
            .add_run(Run::new().add_text(text).size(size).fonts(fonts()))
    }

    fn table(&mut self, columns: &[String], rows: &[Vec<String>]) -> Table {
        let widths = column_widths(columns, rows);
        let header = TableRow::new(
            columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    let p = self.para(c, SIZE_TABLE).bold();
                    TableCell::new()
                        .width(*w, WidthType::Dxa)
                        .shading(Shading::new().fill("F2F2F2"))
                        .add_paragraph(p)
                })
                .collect(),
        )
        .cant_split();
        let mut out = vec![header];
        for r in rows {
            let cells = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    TableCell::new()
                        .width(*w, WidthType::Dxa)
                        .add_paragraph(self.para(c, SIZE_TABLE))
                })
                .collect();
            out.push(TableRow::new(cells).cant_split());
        }
        Table::new(out)
            .set_grid(widths)
            .width(TEXT_W, WidthType::Dxa)
    }
}

/// Shares the text width by the average length of each column (header included), clamped so
/// a number column stays narrow and a long prose column does not starve the others.
fn column_widths(columns: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let weights: Vec<usize> = (0..columns.len())
        .map(|i| {
            let total: usize = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .sum();
            let avg = total / rows.len().max(1);
            avg.max(columns[i].chars().count()).clamp(2, 40)
        })
        .collect();
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut widths: Vec<usize> = weights.iter().map(|w| TEXT_W * w / sum).collect();
    // Give the rounding remainder to the last column so the grid fills the text width exactly.
    let remainder = TEXT_W - widths.iter().sum::<usize>();
    if let Some(last) = widths.last_mut() {
        *last += remainder;
    }
    widths
}

pub fn render_docx(l: &Letter) -> Result<Vec<u8>> {
    let date = format!("{}T00:00:00Z", l.issue_date.format("%Y-%m-%d"));
    let mut doc = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(PageMargin {
            top: MARGIN_TOP,
            left: MARGIN_LEFT,
            bottom: MARGIN_BOTTOM,
            right: MARGIN_RIGHT,
            header: 851,
            footer: 992,
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(SIZE_BODY)
        .default_line_spacing(LineSpacing::new().line(560))
        .created_at(&date)
        .updated_at(&date);
    let mut b = Builder { next_id: 0 };
    let mut first_sign = true;
    for p in layout(l) {
        doc = match p {
            Part::Title(t) => {
                doc.add_paragraph(b.para(&t, SIZE_TITLE).bold().align(AlignmentType::Center))
            }
            Part::Number(t) => {
                doc.add_paragraph(b.para(&t, SIZE_BODY).align(AlignmentType::Center))
            }
            Part::Recipient(t) => doc.add_paragraph(b.para(&t, SIZE_TABLE)),
            Part::Salutation(t) => doc.add_paragraph(b.para(&t, SIZE_BODY)),
            Part::Heading(t) => doc.add_paragraph(b.para(&t, SIZE_BODY).bold()),
            Part::Paragraph(t) | Part::Item(t) | Part::AckStatement(t) => {
                doc.add_paragraph(b.para(&t, SIZE_BODY).indent(
                    None,
                    Some(SpecialIndentType::FirstLine(INDENT_2EM)),
                    None,
                    None,
                ))
            }
            Part::Table { columns, rows } => doc.add_table(b.table(&columns, &rows)),
            Part::SignIssuer(t) | Part::SignDate(t) => {
                if first_sign {
                    // A blank line between the body and the signature, as on paper.
                    first_sign = false;
                    doc = doc.add_paragraph(b.para("", SIZE_BODY));
                }
                doc.add_paragraph(b.para(&t, SIZE_BODY).align(AlignmentType::Right))
            }
            Part::AckHeading(t) => doc
                .add_paragraph(b.para("", SIZE_BODY))
                .add_paragraph(b.para(&t, SIZE_BODY).bold().align(AlignmentType::Center)),
            Part::AckField(t) => {
                doc.add_paragraph(b.para(&format!("{t}：＿＿＿＿＿＿＿＿＿＿"), SIZE_BODY))
            }
        };
    }
    let hash = content_hash(l);
    doc = doc.add_paragraph(b.para(&format!("文书指纹（SHA-256）：{hash}"), SIZE_SMALL));

    let mut raw = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut raw)
        .map_err(|e| Error::Docx(e.to_string()))?;
    repack(&raw.into_inner()).map_err(|e| Error::Docx(e.to_string()))
}

/// Copies every entry into a new archive with a fixed time and permissions, in the original
/// order, stored uncompressed (deflate output may differ between backends).
fn repack(bytes: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut src = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::DEFAULT
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::DEFAULT)
        .unix_permissions(0o644);
    for i in 0..src.len() {
        let mut f = src.by_index(i)?;
        let name = f.name().to_owned();
        if f.is_dir() {
            out.add_directory(name, opts)?;
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        out.start_file(name, opts)?;
        out.write_all(&data)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fill_the_text_width() {
        let cols: Vec<String> = ["序号", "风险点", "风险表现"].map(String::from).to_vec();
        let rows = vec![vec![
            "1".to_owned(),
            "低于市场租金".to_owned(),
            "租金明显低于同区域同类房产的参考租金，可能是低价出租。".to_owned(),
        ]];
        let w = column_widths(&cols, &rows);
        assert_eq!(w.iter().sum::<usize>(), TEXT_W);
        assert!(w[0] < w[1] && w[1] < w[2], "{w:?}");
    }
}
