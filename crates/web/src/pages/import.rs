//! `/import` (导入数据): an analyst picks a dataset, uploads an Excel/CSV/JSON file, and the
//! import runs as `qinglian import DATASET FILE` does: all-or-nothing with one ledger entry.
//! The page then shows what was written, or every row-precise error as a table, which also
//! downloads as .xlsx (`?format=xlsx`).

use super::forms::{Caller, Need, caller, msg_ctx, unavailable};
use super::see_other;
use crate::analysis::{ImportOutcome, ImportRequest, LastImport};
use crate::error::ApiError;
use crate::export::{Cell, Table, wants_xlsx, xlsx_response};
use crate::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use qinglian_core::Msg;
use qinglian_lake::{Catalogue, CellError};
use serde::Deserialize;
use std::path::PathBuf;

const PATH: &str = "/import";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportQuery {
    pub lang: Option<String>,
    pub format: Option<String>,
}

/// The row-precise errors as a table (the page and the workbook).
fn error_table(errors: &[CellError]) -> Table {
    let mut t = Table::new(
        "errors",
        "错误明细",
        "Errors",
        &[
            ("文件", "File"),
            ("工作表", "Sheet"),
            ("行", "Row"),
            ("列", "Column"),
            ("取值", "Value"),
            ("问题", "Problem"),
            ("代码", "Code"),
        ],
    );
    for e in errors {
        let column = match (&e.column_letter, &e.column) {
            (Some(l), Some(c)) => format!("{l}（{c}）"),
            (None, Some(c)) => c.clone(),
            (Some(l), None) => l.clone(),
            (None, None) => String::new(),
        };
        t.row(vec![
            Cell::text(&e.file),
            Cell::text(e.sheet.clone().unwrap_or_default()),
            e.row
                .map_or_else(|| Cell::text(""), |r| Cell::int(r as i64)),
            Cell::text(column),
            Cell::text(e.value.clone().unwrap_or_default()),
            Cell::pair(&e.zh, &e.en),
            Cell::text(e.code),
        ]);
    }
    t
}

/// `GET /import`: the form, and the caller's last import (`?format=xlsx`: its errors).
pub async fn import_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ImportQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let c = match caller(&state, &headers, q.lang.as_deref(), PATH, Need::Import).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let last = state.desk.imports().get(&c.p.user_id).cloned();
    if wants_xlsx(q.format.as_deref()) {
        let errors = match &last {
            Some(LastImport {
                outcome: Ok(ImportOutcome::Refused { errors, .. }),
                ..
            }) => errors.as_slice(),
            _ => &[],
        };
        return xlsx_response("import-errors", &[&error_table(errors)]);
    }
    render(&state, &c, StatusCode::OK, last.as_ref(), None)
}

fn render(
    state: &AppState,
    c: &Caller,
    status: StatusCode,
    last: Option<&LastImport>,
    refusal: Option<&Msg>,
) -> Response {
    let datasets: Vec<_> = Catalogue::builtin()
        .all()
        .iter()
        .map(|d| {
            context! {
                name => &d.name,
                name_zh => &d.name_zh,
                domain => &d.domain,
                description_zh => &d.description_zh,
                description_en => &d.description_en,
            }
        })
        .collect();
    let last = last.map(|l| {
        let (done, refused, more, failed) = match &l.outcome {
            Ok(ImportOutcome::Done(d)) => (Some(d.clone()), None, 0, None),
            Ok(ImportOutcome::Refused { errors, more }) => {
                (None, Some(error_table(errors)), *more, None)
            }
            Err(m) => (None, None, 0, Some(msg_ctx(m))),
        };
        context! {
            dataset => &l.dataset,
            file_name => &l.file_name,
            at => super::screening::fmt_time(l.at),
            done => done,
            errors => refused.map(|t| context! { tables => vec![t] }),
            more => more,
            failed => failed,
        }
    });
    c.page(
        status,
        "import.html",
        PATH,
        context! {
            datasets => datasets,
            limit_mib => state.cfg.import_body_limit / (1024 * 1024),
            available => state.services.as_ref().is_some_and(|s| s.analysis.is_some()),
            last => last,
            refusal => refusal.map(msg_ctx),
        },
    )
}

struct Upload {
    csrf: String,
    dataset: String,
    sheet: Option<String>,
    replace: bool,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, Msg> {
    let mut u = Upload {
        csrf: String::new(),
        dataset: String::new(),
        sheet: None,
        replace: false,
        file: None,
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        Msg::new(
            "BAD_BODY",
            format!("表单无效或文件过大：{}", e.body_text()),
            format!("invalid form or file too large: {}", e.body_text()),
        )
    };
    while let Some(field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(bad)?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "csrf" => u.csrf = text(),
            "dataset" => u.dataset = text(),
            "sheet" => u.sheet = Some(text()).filter(|s| !s.is_empty()),
            "replace" => u.replace = !text().is_empty(),
            "file" if !bytes.is_empty() => {
                u.file = Some((file_name.unwrap_or_default(), bytes.to_vec()));
            }
            _ => {}
        }
    }
    Ok(u)
}

/// The uploaded file's own name without any folder part (browsers may send a path), so
/// errors and the ledger name the file the user chose.
fn base_name(name: &str) -> Option<String> {
    let n = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    (!n.is_empty() && n != "." && n != "..").then(|| n.to_owned())
}

/// `POST /import` (multipart): CSRF, then the import; back to `GET /import` with its result.
pub async fn import_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let c = match caller(&state, &headers, None, PATH, Need::Import).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    // Before reading a possibly large body: nothing to import with.
    let Some(analysis) = state.services.as_ref().and_then(|s| s.analysis.clone()) else {
        return c.error(&unavailable());
    };
    let refuse = |m: Msg| {
        let last = state.desk.imports().get(&c.p.user_id).cloned();
        render(&state, &c, StatusCode::BAD_REQUEST, last.as_ref(), Some(&m))
    };
    let upload = match form {
        Ok(m) => read_upload(m).await,
        Err(e) => Err(Msg::new(
            "BAD_BODY",
            format!("表单无效：{}", e.body_text()),
            format!("invalid form: {}", e.body_text()),
        )),
    };
    let u = match upload {
        Ok(u) => u,
        Err(m) => return refuse(m),
    };
    if let Some(res) = c.check_csrf(&u.csrf) {
        return res;
    }
    if Catalogue::builtin().get(&u.dataset).is_none() {
        return refuse(Msg::new(
            "IMPORT_UNKNOWN_DATASET",
            format!("请选择数据集（“{}”不在数据集列表中）", u.dataset),
            format!("choose a dataset ('{}' is not in the list)", u.dataset),
        ));
    }
    let Some((name, bytes)) = u.file else {
        return refuse(Msg::new(
            "IMPORT_NO_FILE",
            "请选择要上传的文件（.xlsx、.csv、.json 或 .jsonl）",
            "choose a file to upload (.xlsx, .csv, .json or .jsonl)",
        ));
    };
    let Some(file_name) = base_name(&name) else {
        return refuse(Msg::new(
            "IMPORT_NO_FILE",
            "上传的文件没有文件名",
            "the uploaded file has no name",
        ));
    };
    // The upload is kept under its own name in a private folder only while it is imported.
    let dir = std::env::temp_dir().join(format!("qinglian-upload-{}", crate::auth::random_token()));
    let path: PathBuf = dir.join(&file_name);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &bytes)) {
        tracing::error!(error = %e, "cannot keep the upload");
        return c.error(&ApiError::internal());
    }
    let req = ImportRequest {
        dataset: u.dataset.clone(),
        file: path,
        sheet: u.sheet,
        replace: u.replace,
        actor: format!("web:{}", c.p.username),
    };
    // Off the request threads: reading a large workbook and the data directory's write lock
    // would otherwise hold a runtime worker.
    let handle = tokio::runtime::Handle::current();
    let ran = tokio::task::spawn_blocking(move || handle.block_on(analysis.import(req))).await;
    let _ = std::fs::remove_dir_all(&dir);
    let outcome = match ran {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "import failed");
            Err(e.downcast_ref::<Msg>().cloned().unwrap_or_else(|| {
                Msg::new(
                    "IMPORT_FAILED",
                    format!("导入失败：{e}"),
                    format!("import failed: {e}"),
                )
            }))
        }
        Err(e) => {
            tracing::error!(error = %e, "import task failed");
            return c.error(&ApiError::internal());
        }
    };
    state.desk.imports().insert(
        c.p.user_id,
        LastImport {
            dataset: u.dataset,
            file_name,
            at: (state.clock)(),
            outcome,
        },
    );
    see_other(PATH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_file_name() {
        assert_eq!(
            base_name("C:\\Users\\a\\人员.xlsx").as_deref(),
            Some("人员.xlsx")
        );
        assert_eq!(base_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(base_name("dir/"), None);
        assert_eq!(base_name(".."), None);
    }

    #[test]
    fn errors_table_names_row_and_column() {
        let e = CellError {
            code: "IMPORT_BAD_CELL",
            file: "p.csv".into(),
            sheet: None,
            row: Some(3),
            column: Some("性别".into()),
            column_letter: Some("D".into()),
            value: Some("未知".into()),
            zh: "应为男或女".into(),
            en: "expected male or female".into(),
        };
        let t = error_table(&[e]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0][2].num, Some(3.0));
        assert_eq!(t.rows[0][3].zh, "D（性别）");
        assert_eq!(t.rows[0][4].zh, "未知");
    }
}
