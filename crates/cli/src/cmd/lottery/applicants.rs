//! The applicants file of `lottery register`: .csv (UTF-8 or GB18030) or .xlsx, a header row,
//! then one family per row. Every problem is reported with file, sheet, row (as the
//! spreadsheet shows it), column letter and header, the value found and what was expected, in
//! Chinese and English, in the import's format; a file with any problem registers nobody.

use calamine::{Data, Reader, Xlsx};
use qinglian_core::Msg;
use qinglian_core::ids::{normalize_citizen_id, validate_citizen_id};
use qinglian_lake::{CellError, ImportError};
use qinglian_lottery::params::Params;
use qinglian_lottery::roster::is_group_label;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

/// One family as read: the normalised ID goes into the commitment and the receipt's masked
/// copy; the name only onto the receipt.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub row: u64,
    pub id_norm: String,
    pub name: Option<String>,
    pub choices: Vec<(String, u32)>,
    pub group: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Name,
    Choices,
    Group,
}

const COLUMNS: [(Col, &str, &[&str], bool); 4] = [
    (
        Col::Id,
        "citizen_id",
        &["身份证号", "公民身份号码", "身份证号码", "学生身份证号"],
        true,
    ),
    (Col::Name, "name", &["姓名", "学生姓名"], false),
    (
        Col::Choices,
        "choices",
        &["志愿", "志愿及层级", "报名志愿"],
        true,
    ),
    (
        Col::Group,
        "group",
        &["兄弟姐妹组", "多胞胎组", "同胞组"],
        false,
    ),
];

enum Cell {
    Text(String),
    /// A number as Excel stored it (an ID typed without the Text format has lost digits).
    Number(String),
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) => s,
        }
    }
}

struct Grid {
    file: String,
    sheet: Option<String>,
    header_row: u64,
    headers: Vec<String>,
    rows: Vec<(u64, Vec<Cell>)>,
}

fn usage(code: &'static str, zh: String, en: String) -> ImportError {
    ImportError::Usage(Msg::new(code, zh, en))
}

fn letter(mut idx: usize) -> String {
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

fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<Grid, ImportError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|s| s.into_owned())
            .ok_or_else(|| {
                usage(
                    "IMPORT_ENCODING",
                    format!("文件 {file} 既不是 UTF-8 也不是 GB18030 编码"),
                    format!("file {file} is neither UTF-8 nor GB18030"),
                )
            })?,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            usage(
                "IMPORT_CSV",
                format!("文件 {file} 无法按 CSV 读取：{e}"),
                format!("file {file} is not readable as CSV: {e}"),
            )
        })?;
        let line = rec.position().map_or(0, csv::Position::line);
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match header {
            None => header = Some((line, cells)),
            Some(_) => rows.push((line, cells.into_iter().map(Cell::Text).collect())),
        }
    }
    let (header_row, headers) = header.unwrap_or_default();
    Ok(Grid {
        file: file.to_owned(),
        sheet: None,
        header_row,
        headers,
        rows,
    })
}

fn read_xlsx(file: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Grid, ImportError> {
    let bad = |e: String| {
        usage(
            "IMPORT_XLSX",
            format!("文件 {file} 无法按 Excel 读取：{e}"),
            format!("file {file} is not readable as Excel: {e}"),
        )
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let names = wb.sheet_names();
    let name = match sheet {
        None => names.first().cloned(),
        Some(s) => names.iter().find(|n| n.as_str() == s).cloned().or_else(|| {
            s.parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| names.get(i).cloned())
        }),
    }
    .ok_or_else(|| {
        usage(
            "IMPORT_SHEET",
            format!(
                "文件 {file} 中没有工作表“{}”（共有：{}）",
                sheet.unwrap_or(""),
                names.join("、")
            ),
            format!(
                "file {file} has no sheet '{}' (it has: {})",
                sheet.unwrap_or(""),
                names.join(", ")
            ),
        )
    })?;
    let range = wb.worksheet_range(&name).map_err(|e| bad(e.to_string()))?;
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r));
    let first_col = range.start().map_or(0, |(_, c)| c) as usize;
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let row_no = first_row + i as u64 + 1;
        let mut cells: Vec<Cell> = vec![];
        for _ in 0..first_col {
            cells.push(Cell::Text(String::new()));
        }
        cells.extend(r.iter().map(|d| match d {
            Data::String(s) => Cell::Text(s.trim().to_owned()),
            Data::Float(f) => Cell::Number(f.to_string()),
            Data::Int(n) => Cell::Number(n.to_string()),
            Data::Empty => Cell::Text(String::new()),
            other => Cell::Text(other.to_string().trim().to_owned()),
        }));
        if cells.iter().all(|c| c.text().is_empty()) {
            continue;
        }
        match header {
            None => header = Some((row_no, cells.iter().map(|c| c.text().to_owned()).collect())),
            Some(_) => rows.push((row_no, cells)),
        }
    }
    let (header_row, headers) = header.unwrap_or_default();
    Ok(Grid {
        file: file.to_owned(),
        sheet: Some(name),
        header_row,
        headers,
        rows,
    })
}

/// Collects cell errors up to a limit, then only counts.
struct Errors {
    list: Vec<CellError>,
    more: u64,
    limit: usize,
}

impl Errors {
    fn push(&mut self, e: CellError) {
        if self.list.len() < self.limit {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }
}

fn cell_error(
    g: &Grid,
    row: Option<u64>,
    col: Option<usize>,
    value: Option<&str>,
    msg: Msg,
) -> CellError {
    CellError {
        code: msg.code,
        file: g.file.clone(),
        sheet: g.sheet.clone(),
        row,
        column: col.map(|c| g.headers.get(c).cloned().unwrap_or_default()),
        column_letter: col.map(letter),
        value: value.map(str::to_owned),
        zh: msg.zh,
        en: msg.en,
    }
}

/// `S04:1;S01:3` (full-width `；` `：` and spaces allowed) against the announced params.
fn parse_choices(v: &str, params: &Params) -> Result<Vec<(String, u32)>, Msg> {
    let schools: Vec<&str> = params.schools.keys().map(String::as_str).collect();
    let expected = || {
        Msg::new(
            "LOTTERY_BAD_CHOICES",
            "应为按志愿顺序的“学校:层级”，以分号分隔，如 S04:1;S01:3",
            "expected school:tier items in preference order, separated by semicolons, e.g. S04:1;S01:3",
        )
    };
    let text: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '；' => ';',
            '：' => ':',
            c => c,
        })
        .collect();
    if text.is_empty() {
        return Err(expected());
    }
    let mut out: Vec<(String, u32)> = Vec::new();
    for item in text.trim_end_matches(';').split(';') {
        let (s, t) = item.split_once(':').ok_or_else(expected)?;
        let s = s.to_ascii_uppercase();
        if !schools.contains(&s.as_str()) {
            return Err(Msg::new(
                "LOTTERY_UNKNOWN_SCHOOL",
                format!("学校“{s}”不在公告的规则中（可选：{}）", schools.join("、")),
                format!(
                    "school '{s}' is not in the announced rules (allowed: {})",
                    schools.join(", ")
                ),
            ));
        }
        let tier: u32 = t.parse().ok().filter(|t| *t >= 1).ok_or_else(|| {
            Msg::new(
                "LOTTERY_BAD_TIER",
                format!("“{s}”的层级“{t}”应为正整数"),
                format!("the tier '{t}' of '{s}' must be a positive integer"),
            )
        })?;
        if !params.tier_labels.is_empty() && !params.tier_labels.contains_key(&tier) {
            let known: Vec<String> = params.tier_labels.keys().map(u32::to_string).collect();
            return Err(Msg::new(
                "LOTTERY_BAD_TIER",
                format!("层级 {tier} 未在规则中声明（已声明：{}）", known.join("、")),
                format!(
                    "tier {tier} is not declared in the rules (declared: {})",
                    known.join(", ")
                ),
            ));
        }
        if out.iter().any(|(x, _)| *x == s) {
            return Err(Msg::new(
                "LOTTERY_BAD_CHOICES",
                format!("学校“{s}”填报了两次"),
                format!("school '{s}' is listed twice"),
            ));
        }
        out.push((s, tier));
    }
    Ok(out)
}

/// Reads and checks the whole file; returns every family or every problem (up to `limit`).
pub fn read(
    path: &Path,
    sheet: Option<&str>,
    params: &Params,
    limit: usize,
) -> Result<Vec<Applicant>, ImportError> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path.display(), e))?;
    let lower = file.to_ascii_lowercase();
    let g = if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        read_xlsx(&file, bytes, sheet)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        read_csv(&file, &bytes)?
    } else {
        return Err(usage(
            "IMPORT_FORMAT",
            format!("无法识别文件 {file} 的格式：报名表须为 .xlsx 或 .csv"),
            format!("unrecognised format of {file}: the applicants file must be .xlsx or .csv"),
        ));
    };
    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
        limit: limit.max(1),
    };
    let mut at: BTreeMap<u8, usize> = BTreeMap::new();
    for (i, h) in g.headers.iter().enumerate() {
        let n = norm_header(h);
        for (k, (_, name, aliases, _)) in COLUMNS.iter().enumerate() {
            let named = norm_header(name) == n || aliases.iter().any(|a| norm_header(a) == n);
            if named && at.insert(k as u8, i).is_some() {
                errs.push(cell_error(
                    &g,
                    Some(g.header_row),
                    Some(i),
                    Some(h),
                    Msg::new(
                        "IMPORT_DUPLICATE_COLUMN",
                        "同一列出现了两次",
                        "the same column appears twice",
                    ),
                ));
            }
        }
    }
    for (k, (_, name, aliases, required)) in COLUMNS.iter().enumerate() {
        if *required && !at.contains_key(&(k as u8)) {
            errs.push(cell_error(
                &g,
                None,
                None,
                None,
                Msg::new(
                    "IMPORT_MISSING_COLUMN",
                    format!("缺少必需列“{}”", aliases[0]),
                    format!("required column '{name}' is missing"),
                ),
            ));
        }
    }
    if !errs.list.is_empty() {
        return Err(ImportError::Invalid {
            errors: errs.list,
            more: errs.more,
        });
    }
    if g.rows.is_empty() {
        return Err(usage(
            "LOTTERY_EMPTY_FILE",
            format!("文件 {file} 中没有申请人"),
            format!("file {file} holds no applicants"),
        ));
    }
    let col = |c: Col| {
        COLUMNS
            .iter()
            .position(|x| x.0 == c)
            .and_then(|k| at.get(&(k as u8)).copied())
    };
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(g.rows.len());
    for (row, cells) in &g.rows {
        let get = |c: Option<usize>| c.and_then(|c| cells.get(c));
        let value = |c: Option<usize>| get(c).map_or("", Cell::text);
        let mut bad = |c: Option<usize>, msg: Msg| {
            errs.push(cell_error(&g, Some(*row), c, Some(value(c)), msg));
        };
        let id_col = col(Col::Id);
        let id = match get(id_col) {
            Some(Cell::Number(_)) => {
                bad(
                    id_col,
                    Msg::new(
                        "BAD_CITIZEN_ID",
                        "身份证号被存成了数字，末几位已丢失；请在 Excel 中把该列设为“文本”后重新录入",
                        "the citizen ID was stored as a number and lost its last digits; format the column as Text in Excel and re-enter it",
                    ),
                );
                None
            }
            _ => {
                let id = normalize_citizen_id(value(id_col));
                match validate_citizen_id(&id) {
                    Ok(()) => Some(id),
                    Err(m) => {
                        bad(id_col, m);
                        None
                    }
                }
            }
        };
        if let Some(id) = &id {
            if let Some(first) = seen.get(id) {
                bad(
                    id_col,
                    Msg::new(
                        "LOTTERY_DUPLICATE_ID",
                        format!("与第 {first} 行是同一名学生（每名学生只能报名一次）"),
                        format!("the same child as row {first} (each child registers once)"),
                    ),
                );
            } else {
                seen.insert(id.clone(), *row);
            }
        }
        let ch_col = col(Col::Choices);
        let choices = match parse_choices(value(ch_col), params) {
            Ok(c) => Some(c),
            Err(m) => {
                bad(ch_col, m);
                None
            }
        };
        let gr_col = col(Col::Group);
        let group = match value(gr_col).trim() {
            "" => Some(None),
            g if is_group_label(&g.to_ascii_uppercase()) => Some(Some(g.to_ascii_uppercase())),
            _ => {
                bad(
                    gr_col,
                    Msg::new(
                        "LOTTERY_BAD_GROUP",
                        "兄弟姐妹组应为 G 加字母、数字或连字符，如 G0001",
                        "a sibling group is G followed by letters, digits or hyphens, e.g. G0001",
                    ),
                );
                None
            }
        };
        let name = Some(value(col(Col::Name)).trim().to_owned()).filter(|n| !n.is_empty());
        if let (Some(id_norm), Some(choices), Some(group)) = (id, choices, group) {
            out.push(Applicant {
                row: *row,
                id_norm,
                name,
                choices,
                group,
            });
        }
    }
    if errs.list.is_empty() {
        Ok(out)
    } else {
        Err(ImportError::Invalid {
            errors: errs.list,
            more: errs.more,
        })
    }
}

/// Refusals for rows whose child is already registered in an earlier batch.
pub fn already_registered(path: &Path, rows: &[(u64, String)]) -> ImportError {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    ImportError::Invalid {
        errors: rows
            .iter()
            .map(|(row, masked)| CellError {
                code: "LOTTERY_ALREADY_REGISTERED",
                file: file.clone(),
                sheet: None,
                row: Some(*row),
                column: Some("身份证号".into()),
                column_letter: None,
                value: Some(masked.clone()),
                zh: "该学生已在本抽签的前几批中报名".into(),
                en: "this child was registered in an earlier batch of this lottery".into(),
            })
            .collect(),
        more: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params::parse(b"cap.S01=1\ncap.S02=1\nlottery_id=T\nmechanism=DA\ntiebreak=STB\ntier.1.label=a\ntier.2.label=b\n").unwrap()
    }

    #[test]
    fn choices_grammar() {
        let p = params();
        assert_eq!(
            parse_choices(" s02：2；S01:1 ", &p).unwrap(),
            vec![("S02".to_owned(), 2), ("S01".to_owned(), 1)]
        );
        assert_eq!(
            parse_choices("S03:1", &p).unwrap_err().code,
            "LOTTERY_UNKNOWN_SCHOOL"
        );
        assert_eq!(
            parse_choices("S01:3", &p).unwrap_err().code,
            "LOTTERY_BAD_TIER"
        );
        assert_eq!(
            parse_choices("S01:0", &p).unwrap_err().code,
            "LOTTERY_BAD_TIER"
        );
        assert_eq!(
            parse_choices("S01:1;S01:2", &p).unwrap_err().code,
            "LOTTERY_BAD_CHOICES"
        );
        assert_eq!(
            parse_choices("S01", &p).unwrap_err().code,
            "LOTTERY_BAD_CHOICES"
        );
        assert_eq!(
            parse_choices("", &p).unwrap_err().code,
            "LOTTERY_BAD_CHOICES"
        );
    }

    #[test]
    fn letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(27), "AB");
    }
}
