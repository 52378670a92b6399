//! Imports real files end to end: CSV (UTF-8, GB18030), XLSX (with title rows, bad cells),
//! JSONL; all-or-nothing; re-import no-op; replace; Parquet read back.

use arrow_array::{Array, BooleanArray, Date32Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use qinglian_lake::{ImportError, Lake, ReadOptions};
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};

fn id(seq: u32) -> String {
    let first17 = format!("330106198{}0101{:03}", seq % 10, seq % 1000);
    let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn import(
    lake: &Lake,
    ds: &str,
    files: &[PathBuf],
    opts: &ReadOptions,
    replace: bool,
) -> Result<qinglian_lake::CommitReport, ImportError> {
    let p = lake.prepare(ds, files, opts, replace, &|_, _| {})?;
    lake.commit(p)
}

fn read_all(lake: &Lake, ds: &str) -> Vec<RecordBatch> {
    lake.snapshot(ds)
        .unwrap()
        .files
        .iter()
        .flat_map(|f| {
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .map(Result::unwrap)
        })
        .collect()
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const POSTS_CSV: &str = "岗位编号,单位编号,人员编号,职务,关键岗位类别,是否一把手,任职日期,备注\n\
    P1,U1,R1,\"局长,兼书记\",,是,2020/1/5,x\n\
    P2,U1,R2,采购科长,物资采购,否,2021-03-01,\n\
    \n\
    P3,U2,R3,\"财务\n主管\",finance,0,2022年7月1日,\n";

#[test]
fn csv_round_trip_and_idempotence() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = write(dir.path(), "posts.csv", POSTS_CSV.as_bytes());
    let r = import(
        &lake,
        "posts",
        std::slice::from_ref(&f),
        &ReadOptions::default(),
        false,
    )
    .unwrap();
    assert_eq!(r.rows_written, 3);
    let batches = read_all(&lake, "posts");
    let b = arrow_select_concat(&batches);
    assert_eq!(col::<StringArray>(&b, "title").value(0), "局长,兼书记");
    assert_eq!(col::<StringArray>(&b, "title").value(2), "财务\n主管");
    assert!(col::<StringArray>(&b, "key_area").is_null(0));
    assert_eq!(col::<StringArray>(&b, "key_area").value(1), "procurement");
    assert!(col::<BooleanArray>(&b, "is_head").value(0));
    assert_eq!(
        col::<Date32Array>(&b, "start_date")
            .value_as_date(2)
            .unwrap()
            .to_string(),
        "2022-07-01"
    );

    // The same bytes again change nothing.
    let before = lake.manifest("posts").unwrap();
    let p = lake
        .prepare("posts", &[f], &ReadOptions::default(), false, &|_, _| {})
        .unwrap();
    assert!(p.is_noop(&lake));
    let r = lake.commit(p).unwrap();
    assert_eq!(r.rows_written, 0);
    assert_eq!(lake.manifest("posts").unwrap(), before);
    assert_eq!(lake.snapshot("posts").unwrap().rows, 3);
}

/// Concatenates batches (tests only; avoids pulling arrow-select into the product).
fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    assert_eq!(batches.len(), 1, "small files land as one part");
    batches[0].clone()
}

#[test]
fn append_and_replace_change_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let a = write(dir.path(), "a.csv", POSTS_CSV.as_bytes());
    let b = write(
        dir.path(),
        "b.csv",
        "岗位编号,单位编号,人员编号,职务,任职日期\nP9,U9,R9,主任,2024-01-01\n".as_bytes(),
    );
    import(
        &lake,
        "posts",
        std::slice::from_ref(&a),
        &ReadOptions::default(),
        false,
    )
    .unwrap();
    let s1 = lake.snapshot("posts").unwrap();
    import(
        &lake,
        "posts",
        std::slice::from_ref(&b),
        &ReadOptions::default(),
        false,
    )
    .unwrap();
    let s2 = lake.snapshot("posts").unwrap();
    assert_eq!(s2.rows, 4);
    assert_ne!(s1.hash, s2.hash);
    let r = import(&lake, "posts", &[b], &ReadOptions::default(), true).unwrap();
    assert_eq!(r.rows_written, 0, "b is already there");
    assert_eq!(r.superseded.len(), 1, "a is superseded");
    let s3 = lake.snapshot("posts").unwrap();
    assert_eq!(s3.rows, 1);
    // replacing with earlier content brings that batch back, without writing it again
    let r = import(
        &lake,
        "posts",
        std::slice::from_ref(&a),
        &ReadOptions::default(),
        true,
    )
    .unwrap();
    assert_eq!((r.rows_written, r.superseded.len()), (0, 1));
    assert_eq!(lake.snapshot("posts").unwrap().hash, s1.hash);
    assert_eq!(
        lake.manifest("posts").unwrap().batches.len(),
        2,
        "history is kept"
    );
}

#[test]
fn gb18030_detected_or_refused_when_declared_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let (gb, _, _) = encoding_rs::GB18030.encode(POSTS_CSV);
    let f = write(dir.path(), "posts-gbk.csv", &gb);
    let declared = ReadOptions {
        encoding: Some(qinglian_lake::Encoding::Utf8),
        ..Default::default()
    };
    let err = import(&lake, "posts", std::slice::from_ref(&f), &declared, false).unwrap_err();
    assert_eq!(err.code(), "IMPORT_ENCODING_MISMATCH");
    let text = err.to_string();
    assert!(
        text.contains("posts-gbk.csv") && text.contains("gb18030") && text.contains("声明"),
        "{text}"
    );
    assert!(
        !dir.path().join("lake/posts/manifest.json").exists(),
        "nothing landed"
    );
    let r = import(&lake, "posts", &[f], &ReadOptions::default(), false).unwrap();
    assert_eq!(r.rows_written, 3);
    let m = lake.manifest("posts").unwrap();
    assert_eq!(
        m.batches[0].encoding,
        Some(qinglian_lake::Encoding::Gb18030)
    );
}

fn people_xlsx(
    path: &Path,
    rows: u32,
    bad_date_row: Option<u32>,
    bad_id_row: Option<u32>,
    title: bool,
) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("人员名册").unwrap();
    let mut r = 0;
    if title {
        ws.write(0, 0, "某县清廉单元人员名册（2026 年）").unwrap();
        r = 2;
    }
    for (c, h) in [
        "人员编号",
        "姓名",
        "身份证号",
        "性别",
        "所属区划",
        "所在单位编号",
    ]
    .iter()
    .enumerate()
    {
        ws.write(r, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let row = r + 1 + i;
        let excel_row = row + 1;
        ws.write(row, 0, format!("R{i:05}")).unwrap();
        ws.write(row, 1, "测试人").unwrap();
        let cid = if Some(excel_row) == bad_id_row {
            let mut s = id(i);
            s.pop();
            s.push(if s.ends_with('1') { '2' } else { '1' });
            // make sure the check digit is wrong
            if qinglian_core::ids::validate_citizen_id(&s).is_ok() {
                s.replace_range(17.., "0");
            }
            s
        } else {
            id(i)
        };
        ws.write(row, 2, cid).unwrap();
        ws.write(
            row,
            3,
            if Some(excel_row) == bad_date_row {
                "未知"
            } else {
                "男"
            },
        )
        .unwrap();
        ws.write_number(row, 4, 330106.0).unwrap();
        ws.write(row, 5, "U1").unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn xlsx_bad_cells_are_named_precisely_and_nothing_lands() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = dir.path().join("people.xlsx");
    people_xlsx(&f, 2_000, Some(1_234), Some(1_500), false);
    let err = import(&lake, "people", &[f], &ReadOptions::default(), false).unwrap_err();
    let ImportError::Invalid { errors, more } = &err else {
        panic!("{err}")
    };
    assert_eq!((errors.len(), *more), (2, 0), "{err}");
    let e = &errors[0];
    assert_eq!(e.file, "people.xlsx");
    assert_eq!(e.sheet.as_deref(), Some("人员名册"));
    assert_eq!(e.row, Some(1_234));
    assert_eq!(e.column.as_deref(), Some("性别"));
    assert_eq!(e.column_letter.as_deref(), Some("D"));
    assert_eq!(e.value.as_deref(), Some("未知"));
    assert!(
        e.zh.contains("男(male)") && e.en.contains("male (男)"),
        "{e:?}"
    );
    let e = &errors[1];
    assert_eq!(
        (e.code, e.row, e.column_letter.as_deref()),
        ("BAD_CITIZEN_ID", Some(1_500), Some("C"))
    );
    assert!(e.zh.contains("校验码") && e.en.contains("check digit"));
    let text = err.to_string();
    assert!(
        text.contains("第 1234 行") && text.contains("row 1234") && text.contains("D 列（性别）"),
        "{text}"
    );
    assert!(
        !dir.path()
            .join("lake/people")
            .join("manifest.json")
            .exists()
    );
}

#[test]
fn xlsx_missing_required_column() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = dir.path().join("units.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "单位编号").unwrap();
    ws.write(0, 1, "单位名称").unwrap();
    ws.write(1, 0, "U1").unwrap();
    ws.write(1, 1, "某局").unwrap();
    wb.save(&f).unwrap();
    let err = import(&lake, "units", &[f], &ReadOptions::default(), false).unwrap_err();
    let ImportError::Invalid { errors, .. } = &err else {
        panic!("{err}")
    };
    let missing: Vec<&str> = errors
        .iter()
        .map(|e| e.column.as_deref().unwrap())
        .collect();
    assert_eq!(missing, ["单位类型", "行政区划代码"]);
    assert!(
        errors
            .iter()
            .all(|e| e.code == "IMPORT_MISSING_COLUMN" && e.row == Some(1))
    );
}

#[test]
fn xlsx_title_rows_and_sheet_choice() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = dir.path().join("people.xlsx");
    people_xlsx(&f, 10, None, None, true);
    let by_number = ReadOptions {
        sheet: Some("1".into()),
        ..Default::default()
    };
    let r = import(&lake, "people", std::slice::from_ref(&f), &by_number, false).unwrap();
    assert_eq!(r.rows_written, 10);
    let b = &read_all(&lake, "people")[0];
    assert_eq!(col::<StringArray>(b, "division_code").value(0), "330106");
    assert_eq!(col::<StringArray>(b, "gender").value(0), "male");
    let missing = ReadOptions {
        sheet: Some("Sheet9".into()),
        ..Default::default()
    };
    let err = import(&lake, "people", &[f], &missing, false).unwrap_err();
    assert!(
        err.to_string().contains("人员名册"),
        "lists the sheets: {err}"
    );
}

#[test]
fn errors_are_capped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let mut csv = String::from("岗位编号,单位编号,人员编号,职务,任职日期\n");
    for i in 0..500 {
        csv += &format!("P{i},U,R,t,not-a-date\n");
    }
    let f = write(dir.path(), "posts.csv", csv.as_bytes());
    let opts = ReadOptions {
        max_errors: 100,
        ..Default::default()
    };
    let ImportError::Invalid { errors, more } =
        import(&lake, "posts", &[f], &opts, false).unwrap_err()
    else {
        panic!()
    };
    assert_eq!((errors.len(), more), (100, 400));
    assert_eq!(errors[0].row, Some(2));
    assert_eq!(errors[99].row, Some(101));
}

#[test]
fn duplicate_keys_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = write(
        dir.path(),
        "u.csv",
        "单位编号,单位名称,单位类型,行政区划代码\nU1,甲,机关,330106\nU1,乙,学校,330106\n"
            .as_bytes(),
    );
    let ImportError::Invalid { errors, .. } =
        import(&lake, "units", &[f], &ReadOptions::default(), false).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(
        (errors[0].code, errors[0].row, errors[0].value.as_deref()),
        ("IMPORT_DUPLICATE_KEY", Some(3), Some("U1"))
    );

    let j = write(
        dir.path(),
        "units.jsonl",
        "{\"unit_id\":\"U1\",\"name\":\"甲\",\"kind\":\"organ\",\"division_code\":\"330106\"}\n{\"单位编号\":\"U2\",\"单位名称\":\"乙\",\"单位类型\":\"学校\",\"行政区划代码\":330106001}\n".as_bytes(),
    );
    assert_eq!(
        import(&lake, "units", &[j], &ReadOptions::default(), false)
            .unwrap()
            .rows_written,
        2
    );
    let bad = write(dir.path(), "bad.jsonl", "{\"unit_id\":\"U3\",\"name\":\"丙\",\"kind\":\"organ\",\"division_code\":\"33\"}\nnot json\n".as_bytes());
    let ImportError::Invalid { errors, .. } =
        import(&lake, "units", &[bad], &ReadOptions::default(), false).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0].row, errors[0].column.as_deref()),
        (Some(1), Some("division_code"))
    );
    assert_eq!((errors[1].row, errors[1].code), (Some(2), "IMPORT_JSON"));
}

#[test]
fn large_csv_splits_into_parallel_parts_with_exact_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let mut csv = String::from("岗位编号,单位编号,人员编号,职务,任职日期\n");
    for i in 0..60_000 {
        let date = if i == 45_678 {
            "2024-13-01"
        } else {
            "2024-01-01"
        };
        csv += &format!("P{i},U{},R{i},\"职务\n第{i}号\",{date}\n", i % 50);
    }
    let f = write(dir.path(), "posts.csv", csv.as_bytes());
    let ImportError::Invalid { errors, .. } =
        import(&lake, "posts", &[f], &ReadOptions::default(), false).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].row,
        Some(45_678 + 2),
        "header is row 1, record 0 is row 2"
    );
    let fixed = write(
        dir.path(),
        "posts2.csv",
        csv.replace("2024-13-01", "2024-12-01").as_bytes(),
    );
    let r = import(&lake, "posts", &[fixed], &ReadOptions::default(), false).unwrap();
    assert_eq!(r.rows_written, 60_000);
    assert_eq!(
        read_all(&lake, "posts")
            .iter()
            .map(RecordBatch::num_rows)
            .sum::<usize>(),
        60_000
    );
}

/// A police system's export with its own headers and outcome words imports through a column
/// mapping file, without code changes; without the mapping it is refused, and a value the
/// mapping does not cover is named as found in the file.
#[test]
fn a_column_mapping_imports_foreign_headers_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let csv = "案事件编号,所属单位,派出所编号,主办民警,案件类别,办理程序,发生地区划,报警时间,处理结果\n\
        A1,U1,S1,O1,治安,一般程序,330106,2025-03-01 08:00:00,已处罚\n\
        A2,U1,S1,O2,警情,无,330106,2025-03-02 09:30:00,已处置\n";
    let f = write(dir.path(), "cases.csv", csv.as_bytes());
    let schema = qinglian_lake::Catalogue::builtin().get("le_cases").unwrap();
    let map = qinglian_lake::ColumnMap::parse(
        r#"
[columns]
"案事件编号" = "case_id"
"所属单位" = "unit_id"
"派出所编号" = "squad_id"
"主办民警" = "lead_officer_id"
"案件类别" = "case_type"
"办理程序" = "procedure"
"发生地区划" = "division_code"
"报警时间" = "received_at"
"处理结果" = "outcome"

[values.case_type]
"治安" = "public_security"
"警情" = "incident"

[values.procedure]
"一般程序" = "general"
"无" = "none"

[values.outcome]
"已处罚" = "penalty"
"已处置" = "处置完毕"
"#,
        "police.toml",
        schema,
    )
    .unwrap();

    let refused = import(
        &lake,
        "le_cases",
        std::slice::from_ref(&f),
        &ReadOptions::default(),
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("case_id") || refused.contains("案件编号"),
        "{refused}"
    );

    let opts = ReadOptions {
        columns: Some(std::sync::Arc::new(map)),
        ..ReadOptions::default()
    };
    let r = import(&lake, "le_cases", std::slice::from_ref(&f), &opts, false).unwrap();
    assert_eq!(r.rows_written, 2);
    let b = arrow_select_concat(&read_all(&lake, "le_cases"));
    assert_eq!(col::<StringArray>(&b, "squad_id").value(0), "S1");
    assert_eq!(
        col::<StringArray>(&b, "case_type").value(0),
        "public_security"
    );
    assert_eq!(col::<StringArray>(&b, "procedure").value(1), "none");
    assert_eq!(col::<StringArray>(&b, "outcome").value(0), "penalty");
    assert_eq!(col::<StringArray>(&b, "outcome").value(1), "handled");

    let odd = write(
        dir.path(),
        "odd.csv",
        "案事件编号,所属单位,派出所编号,主办民警,案件类别,办理程序,发生地区划,报警时间,处理结果\n\
         A3,U1,S1,O1,治安,一般程序,330106,2025-03-03 08:00:00,已移交\n"
            .as_bytes(),
    );
    let e = import(&lake, "le_cases", &[odd], &opts, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("已移交") && e.contains("处理结果"), "{e}");
}

/// A row's proof under the rows root its import computed: it verifies, a wrong root is called
/// an altered lake, and a row past the end is refused with the file's size.
#[test]
fn row_proof_verifies_under_the_import_root() {
    use qinglian_lake::rowhash::RowProofError;
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = write(dir.path(), "posts.csv", POSTS_CSV.as_bytes());
    let p = lake
        .prepare("posts", &[f], &ReadOptions::default(), false, &|_, _| {})
        .unwrap();
    let (root, content) = (p.files[0].rows_root(), p.files[0].content_hash.clone());
    lake.commit(p).unwrap();
    let proof = lake.row_proof("posts", &content, &root, 2).unwrap();
    assert_eq!((proof.row, proof.rows), (2, 3));
    assert!(
        proof.record.contains(r#""post_id":"P3""#),
        "{}",
        proof.record
    );
    let leaf = qinglian_ledger::leaf_hash(proof.record.as_bytes());
    qinglian_ledger::verify_inclusion(&leaf, 2, 3, &proof.path, &root).unwrap();
    let doc = proof.document(7, 0, "receipt");
    assert_eq!(doc["format"], "qinglian-record-proof/v1");
    assert_eq!(
        (doc["entry_index"].as_u64(), doc["row"].as_u64()),
        (Some(7), Some(2))
    );
    assert!(matches!(
        lake.row_proof("posts", &content, &[0; 32], 2),
        Err(RowProofError::Altered)
    ));
    assert!(matches!(
        lake.row_proof("posts", &content, &root, 3),
        Err(RowProofError::NoSuchRow(3))
    ));
    assert!(matches!(
        lake.row_proof("posts", "no-such-content", &root, 0),
        Err(RowProofError::Lake(_))
    ));
}
