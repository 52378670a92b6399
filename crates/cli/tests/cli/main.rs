//! Drives the real `qinglian` binary: help, init, synth, import (good and bad files),
//! kill -9 during an import, users and tokens, demo, settings precedence, serve on port 0,
//! and the PostgreSQL backend. One test binary for the crate; each area is a module.

mod enforcement;
mod letters;
mod lottery;
mod ocds;
mod ocds_parity;
mod ocds_pr;
mod served;
mod web_pages;
mod web_procurement;
mod workflow;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_qinglian");

fn q(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data")
        .arg(data)
        .env_remove("QINGLIAN_DATA")
        .env_remove("QINGLIAN_DATABASE_URL")
        .env_remove("QINGLIAN_CONFIG")
        .env_remove("QINGLIAN_COOLDOWN_DAYS")
        .env_remove("QINGLIAN_ESCALATION_DAYS");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("binary runs")
}

fn ok(c: &mut Command) -> String {
    let o = run(c);
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn json(c: &mut Command) -> serde_json::Value {
    serde_json::from_str(&ok(c.arg("--json"))).expect("JSON output")
}

/// Runs a command that must be refused (exit 1) and returns its error text.
fn refused(c: &mut Command) -> String {
    let o = run(c);
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected a refusal: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn synth(dir: &Path, seed: u64) -> PathBuf {
    let out = dir.join(format!("synth-{seed}"));
    ok(Command::new(BIN)
        .args([
            "synth",
            "--scale",
            "county",
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(&out));
    out
}

async fn open_store(data: &Path) -> qinglian_store::Store {
    qinglian_store::Store::open(&format!("sqlite://{}", data.join("qinglian.db").display()))
        .await
        .unwrap()
}

async fn count(data: &Path, table: &str) -> i64 {
    let s = open_store(data).await;
    let n = s
        .registry_totals()
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| *t == table)
        .unwrap()
        .1;
    s.close().await;
    n
}

#[test]
fn help_is_bilingual_everywhere() {
    let top = ok(Command::new(BIN).arg("--help"));
    assert!(
        top.contains("用法 / Usage")
            && top.contains("命令 / Commands")
            && top.contains("选项 / Options")
    );
    for sub in [
        vec!["init"],
        vec!["config"],
        vec!["datasets"],
        vec!["import"],
        vec!["import-dir"],
        vec!["registry"],
        vec!["users", "add"],
        vec!["users", "list"],
        vec!["tokens", "create"],
        vec!["serve"],
        vec!["synth"],
        vec!["demo"],
        vec!["indicators", "list"],
        vec!["indicators", "show"],
        vec!["indicators", "check"],
        vec!["screen"],
        vec!["hits"],
        vec!["hits", "rerun"],
    ] {
        let text = ok(Command::new(BIN).args(&sub).arg("--help"));
        assert!(text.contains("用法 / Usage"), "{sub:?}: {text}");
        let about = text.lines().next().unwrap();
        assert!(
            about.contains("/ ")
                && about
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{sub:?}: {about}"
        );
    }
    let bad = run(Command::new(BIN).arg("nonsense"));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn init_is_idempotent_and_loads_the_shipped_divisions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let first = json(q(&data).arg("init"));
    assert_eq!(first["builtin_divisions_loaded"], 3428);
    assert_eq!(first["backend"], "sqlite");
    let second = json(q(&data).arg("init"));
    assert_eq!(second["builtin_divisions_loaded"], 0);
    assert!(data.join("qinglian.db").exists() && data.join("lake").is_dir());
}

#[tokio::test]
async fn synth_imports_in_dependency_order_and_reimport_is_a_noop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let src = synth(dir.path(), 7);
    let report = json(q(&data).arg("import-dir").arg(&src));
    let names: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "divisions",
            "units",
            "people",
            "posts",
            "person_relations",
            "org_relations",
            "market_rents",
            "properties",
            "tender_listings",
            "lease_contracts",
            "rent_payments",
            "collectives",
            "village_assets",
            "village_resolutions",
            "village_contracts",
            "village_payments",
            "village_disclosures",
            "grading_records",
            "enrolment_plans",
            "enrolment_applications",
            "household_registrations",
            "admissions",
            "lottery_lists",
            "class_assignments",
            "pupil_records",
            "school_transfers",
            "le_squads",
            "le_officers",
            "le_shifts",
            "le_gps_points",
            "le_inspections",
            "le_cases",
            "le_case_events",
            "le_av_evidence",
            "le_violation_codes",
            "le_penalties",
            "le_publications",
            "le_legal_reviews",
            "le_hearing_notices",
            "le_clock_stops",
            "le_complaints",
            "le_use_of_force",
            "le_discipline",
            "work_calendar"
        ]
    );
    let people = report[2]["rows_written"].as_u64().unwrap();
    assert!(people > 1_000);
    assert_eq!(count(&data, "people").await, people as i64);
    let again = json(q(&data).arg("import-dir").arg(&src));
    for r in again.as_array().unwrap() {
        assert_eq!(r["rows_written"], 0, "{r}");
        assert_eq!(r["skipped_files"].as_array().unwrap().len(), 1);
    }
    assert_eq!(report[2]["snapshot"], again[2]["snapshot"]);
    // listing and Excel export of registry tables
    let units = json(q(&data).args(["registry", "units", "--kind", "soe", "--limit", "5"]));
    assert!(units.as_array().unwrap().iter().all(|u| u["kind"] == "soe"));
    let people = json(q(&data).args(["registry", "people", "--limit", "3"]));
    assert!(
        people[0]["citizen_id"]
            .as_str()
            .unwrap()
            .contains("********"),
        "masked: {people}"
    );
    let key_posts = json(q(&data).args(["registry", "posts", "--key-only", "--limit", "20"]));
    assert!(!key_posts.as_array().unwrap().is_empty());
    assert!(
        key_posts
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["key_area"].is_null())
    );
    let rel = json(q(&data).args(["registry", "relations", "--limit", "5"]));
    assert_eq!(rel["person_relations"].as_array().unwrap().len(), 5);
    let xlsx = dir.path().join("units.xlsx");
    ok(q(&data).args(["registry", "units", "--export"]).arg(&xlsx));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1_000);
}

fn people_xlsx(path: &Path, rows: u32) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("名册").unwrap();
    for (c, h) in ["人员编号", "姓名", "身份证号", "所属区划", "所在单位编号"]
        .iter()
        .enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = i + 1;
        let excel_row = r + 1;
        let first17 = format!("33010619800101{:03}", i % 1000);
        let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
        let mut id = format!("{first17}{check}");
        if excel_row == 777 {
            id.replace_range(17.., if check == '0' { "1" } else { "0" }); // bad checksum
        }
        ws.write(r, 0, format!("X{i}")).unwrap();
        ws.write(r, 1, "测试").unwrap();
        ws.write(r, 2, id).unwrap();
        if excel_row == 1_234 {
            ws.write(r, 3, "杭州西湖").unwrap(); // wrong type: not a division code
        } else {
            ws.write(r, 3, "330106").unwrap();
        }
    }
    wb.save(path).unwrap();
}

#[tokio::test]
async fn malformed_files_are_refused_precisely_and_nothing_lands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    let xlsx = dir.path().join("people.xlsx");
    people_xlsx(&xlsx, 2_000);
    let o = run(q(&data).args(["import", "people"]).arg(&xlsx));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for needle in [
        "未写入任何数据",
        "nothing was written",
        "people.xlsx",
        "工作表 名册",
        "第 1234 行",
        "row 1234",
        "D 列（所属区划）",
        "“杭州西湖”",
        "'杭州西湖'",
        "第 777 行",
        "校验码不符",
        "check digit mismatch",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    // the same as JSON for scripts
    let o = run(q(&data).args(["import", "people", "--json"]).arg(&xlsx));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let rows: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [777, 1_234]);
    assert!(!data.join("lake/people/manifest.json").exists());
    assert_eq!(count(&data, "people").await, 0);

    // missing required column
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "人员编号").unwrap();
    ws.write(1, 0, "X1").unwrap();
    let f = dir.path().join("short.xlsx");
    wb.save(&f).unwrap();
    let err = stderr(&run(q(&data).args(["import", "people"]).arg(&f)));
    assert!(
        err.contains("缺少必需列“姓名”") && err.contains("required column 'citizen_id' is missing"),
        "{err}"
    );

    // GB18030 CSV declared as UTF-8
    let text = "单位编号,单位名称,单位类型,行政区划代码\nU1,西湖区某局,机关,330106\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    let f = dir.path().join("units.csv");
    std::fs::write(&f, &gb).unwrap();
    let o = run(q(&data)
        .args(["import", "units", "--encoding", "utf-8"])
        .arg(&f));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("IMPORT_ENCODING_MISMATCH")
            && err.contains("gb18030")
            && err.contains("units.csv"),
        "{err}"
    );
    assert_eq!(count(&data, "units").await, 0);
    // detected without the wrong declaration
    ok(q(&data).args(["import", "units"]).arg(&f));
    assert_eq!(count(&data, "units").await, 1);

    // a reference that resolves nowhere
    let f = dir.path().join("units2.csv");
    std::fs::write(&f, "单位编号,单位名称,单位类型,行政区划代码,上级单位编号\nU2,某校,学校,330106,U1\nU3,某院,医院,330106999,\n").unwrap();
    let err = stderr(&run(q(&data).args(["import", "units"]).arg(&f)));
    assert!(
        err.contains("IMPORT_BAD_REFERENCE")
            && err.contains("第 3 行")
            && err.contains("330106999"),
        "{err}"
    );
    assert_eq!(count(&data, "units").await, 1);
}

/// A large units file (references only the shipped county 330106).
fn big_units_csv(path: &Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "单位编号,单位名称,单位类型,行政区划代码,地址").unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "K{i:07},测试单位{i},机关,330106,浙江省杭州市西湖区某路{i}号"
        )
        .unwrap();
    }
}

#[tokio::test]
async fn kill_9_during_an_import_leaves_the_dataset_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    let f = dir.path().join("units.csv");
    let n = 400_000;
    big_units_csv(&f, n);
    let lake = qinglian_lake::Lake::new(data.join("lake"));
    // Kill while reading, while the store transaction runs, and while Parquet is being written
    // (the moment the batches folder appears).
    let batches = data.join("lake/units/batches");
    for delay_ms in [50, 1_500, 0] {
        let mut child = q(&data)
            .args(["import", "units"])
            .arg(&f)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if delay_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        } else {
            let t = std::time::Instant::now();
            while !batches.exists() && t.elapsed().as_secs() < 120 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // The lake shows all of the import or none of it, and every file it names is whole.
        let snap = lake.snapshot("units").unwrap();
        assert!(
            snap.rows == 0 || snap.rows == n as u64,
            "partial lake after kill at {delay_ms} ms: {}",
            snap.rows
        );
        for file in &snap.files {
            let reader = std::fs::File::open(file)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    parquet::file::reader::SerializedFileReader::new(f).map_err(|e| e.to_string())
                });
            assert!(reader.is_ok(), "unreadable {file:?}");
        }
        // The store commits in one transaction: none or all.
        let units = count(&data, "units").await;
        assert!(
            units == 0 || units == n as i64,
            "partial store after kill at {delay_ms} ms: {units}"
        );
    }
    // Importing again completes whatever was interrupted.
    ok(q(&data).args(["import", "units"]).arg(&f));
    assert_eq!(lake.snapshot("units").unwrap().rows, n as u64);
    assert_eq!(count(&data, "units").await, n as i64);
    let dirs = std::fs::read_dir(&batches).unwrap().count();
    assert_eq!(dirs, 1, "no leftovers of killed imports");
}

#[tokio::test]
async fn users_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let mut c = q(&data);
    c.args([
        "users",
        "add",
        "li",
        "--role",
        "supervisor",
        "--jurisdiction",
        "330106",
        "--name",
        "李监督",
        "--password-stdin",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long secret\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("a long secret"));
    let generated = json(q(&data).args(["users", "add", "wang", "--role", "unit", "--unit", "U1"]));
    assert_eq!(generated["password"].as_str().unwrap().len(), 16);
    let o = run(q(&data).args(["users", "add", "bad", "--role", "supervisor"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--jurisdiction"));
    let o = run(q(&data).args([
        "users",
        "add",
        "bad",
        "--role",
        "boss",
        "--jurisdiction",
        "330106",
    ]));
    assert!(stderr(&o).contains("未知角色"));
    let list = json(q(&data).args(["users", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["jurisdictions"][0], "330106");
    let store = open_store(&data).await;
    assert!(
        store
            .authenticate("li", "a long secret")
            .await
            .unwrap()
            .is_some()
    );
    let t = json(q(&data).args(["tokens", "create", "--user", "li"]));
    let secret = t["token"].as_str().unwrap().to_owned();
    assert!(store.token_principal(&secret, 0).await.unwrap().is_some());
    let listed = ok(q(&data).args(["tokens", "list"]));
    assert!(!listed.contains(&secret[10..]), "secrets are never listed");
    ok(q(&data).args(["tokens", "revoke", &t["id"].to_string()]));
    assert!(store.token_principal(&secret, 0).await.unwrap().is_none());
    ok(q(&data).args(["users", "disable", "li"]));
    assert!(
        store
            .authenticate("li", "a long secret")
            .await
            .unwrap()
            .is_none()
    );
    // every one of those changes is a ledger entry about the user; the token secret never is
    let history = store.ledger_object_history("user", "li").await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "user_created",
            "token_created",
            "token_revoked",
            "user_disabled"
        ]
    );
    assert!(
        history
            .iter()
            .all(|e| !String::from_utf8_lossy(&e.leaf).contains(&secret))
    );
    store.close().await;
}

#[test]
fn settings_precedence_and_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("qinglian.toml"),
        "bind = \"127.0.0.1:9999\"\nmax_errors = 3\n",
    )
    .unwrap();
    let mut c = Command::new(BIN);
    c.env("QINGLIAN_DATA", &data)
        .env("QINGLIAN_MAX_ERRORS", "9")
        .env("QINGLIAN_DATABASE_URL", "postgres://u:hunter2@db/x");
    let cfg = json(c.arg("config"));
    assert_eq!(cfg["data"], data.display().to_string(), "environment");
    assert_eq!(cfg["bind"], "127.0.0.1:9999", "file");
    assert_eq!(cfg["login_max_failures"], "5", "default");
    assert_eq!(cfg["database_url"], "postgres://u:***@db/x");
    let text = ok(Command::new(BIN)
        .env("QINGLIAN_DATABASE_URL", "postgres://u:hunter2@db/x")
        .arg("config"));
    assert!(!text.contains("hunter2"));
    // flags beat the environment
    let cfg = json(
        Command::new(BIN)
            .env("QINGLIAN_DATA", &data)
            .arg("--data")
            .arg(dir.path())
            .arg("config"),
    );
    assert_eq!(cfg["data"], dir.path().display().to_string());
}

#[test]
fn datasets_lists_every_column() {
    let v = json(Command::new(BIN).arg("datasets"));
    let units = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "units")
        .unwrap();
    let kind = units["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "kind")
        .unwrap();
    assert_eq!(kind["type"], "enum");
    assert_eq!(kind["required"], true);
    assert!(
        kind["aliases"]
            .as_array()
            .unwrap()
            .contains(&"单位类型".into())
    );
    let o = run(Command::new(BIN).args(["datasets", "nope"]));
    assert!(!o.status.success() && stderr(&o).contains("未知数据集"));
}

#[tokio::test]
async fn demo_loads_and_keeps_to_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut c = Command::new(BIN);
    c.env("QINGLIAN_DATA", dir.path().join("elsewhere"))
        .args(["demo", "--no-serve", "--data"])
        .arg(&demo);
    let v = json(&mut c);
    assert!(v["totals"]["units"].as_i64().unwrap() > 100);
    assert_eq!(v["accounts"].as_array().unwrap().len(), 6);
    // The supervisor's walk: one clue closed, one rectifying, one assigned, each step ledgered.
    let states: Vec<&str> = v["walked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["closed", "rectifying", "triaged"]);
    let report = json(q(&demo).args(["report", "--as", "demo-supervisor"]));
    assert_eq!(report["problems_found"], 2, "{report}");
    assert_eq!(report["problems_rectified"], 1);
    assert_eq!(report["money_recovered_fen"], 1_250_000);
    assert_eq!(json(q(&demo).args(["ledger", "verify"]))["verified"], true);
    assert!(
        !dir.path().join("elsewhere").exists(),
        "QINGLIAN_DATA is ignored"
    );
    // again: rebuilt from scratch (accounts would clash otherwise)
    ok(Command::new(BIN)
        .args(["demo", "--no-serve", "--data"])
        .arg(&demo));
    // a folder without the marker is never deleted
    let precious = dir.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("keep.txt"), "x").unwrap();
    let o = run(Command::new(BIN)
        .args(["demo", "--no-serve", "--data"])
        .arg(&precious));
    assert!(!o.status.success() && stderr(&o).contains("拒绝"));
    assert!(precious.join("keep.txt").exists());
}

#[tokio::test]
async fn serve_answers_on_port_0() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let mut child = q(&data)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let health: serde_json::Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = reqwest::get(format!("http://{addr}/api/v1/units"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn the_postgres_backend_runs_the_same_commands() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let src = synth(dir.path(), 3);
    let init = json(q(&data).arg("--database").arg(&db.url).arg("init"));
    assert_eq!(init["backend"], "postgres");
    json(
        q(&data)
            .arg("--database")
            .arg(&db.url)
            .arg("import-dir")
            .arg(&src),
    );
    let units = json(
        q(&data)
            .arg("--database")
            .arg(&db.url)
            .args(["registry", "units", "--limit", "10000"]),
    );
    let store = qinglian_store::Store::open(&db.url).await.unwrap();
    let totals = store.registry_totals().await.unwrap();
    assert_eq!(units.as_array().unwrap().len() as i64, totals[1].1);
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn ledger_records_imports_and_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let init = json(q(&data).arg("init"));
    let vkey = init["ledger_vkey"].as_str().unwrap().to_owned();
    assert!(init["ledger_genesis_created"].as_bool().unwrap());
    // the signing key stays private and is never printed
    let skey = std::fs::read_to_string(data.join("keys/ledger.skey")).unwrap();
    assert!(skey.starts_with("PRIVATE+KEY+"));
    assert!(!ok(q(&data).arg("init")).contains(skey.trim()));
    // a checkpoint kept by a user before the imports
    let kept = ok(q(&data).args(["ledger", "checkpoint"]));
    assert!(kept.starts_with("qinglian.local/ledger/v1\n1\n"), "{kept}");
    let kept_file = dir.path().join("kept.checkpoint");
    std::fs::write(&kept_file, &kept).unwrap();

    let src = synth(dir.path(), 11);
    let report = json(q(&data).arg("import-dir").arg(&src));
    let indices: Vec<u64> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ledger_index"].as_u64().unwrap())
        .collect();
    let datasets: std::collections::BTreeSet<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(datasets.len(), indices.len(), "one report per dataset");
    assert_eq!(
        indices,
        (1..=datasets.len() as u64).collect::<Vec<u64>>(),
        "one entry per dataset import, right after genesis"
    );
    // a no-op import records nothing
    let again = json(q(&data).arg("import-dir").arg(&src));
    assert!(
        again
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ledger_index"].is_null())
    );

    let proof = json(q(&data).args(["ledger", "proof", "3"]));
    assert_eq!(proof["entry"]["kind"], "import");
    assert_eq!(proof["entry"]["dataset"], "people");
    assert_eq!(
        proof["entry"]["files"][0]["rows_root"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    let v = json(
        q(&data)
            .args(["ledger", "verify", "--from"])
            .arg(&kept_file),
    );
    assert_eq!(v["verified"], true);
    assert_eq!(v["report"]["consistent_with"], 1);

    // an offline receipt, checked with nothing but the verifier key
    let receipt = dir.path().join("people.tlog-proof");
    ok(q(&data)
        .args(["ledger", "receipt", "3", "--out"])
        .arg(&receipt));
    let r = json(
        Command::new(BIN)
            .args(["ledger", "verify-receipt"])
            .arg(&receipt)
            .args(["--vkey", &vkey]),
    );
    assert_eq!(r["verified"], true);
    assert_eq!(r["entry"]["dataset"], "people");
    let text = std::fs::read_to_string(&receipt).unwrap();
    let forged = text.replacen("index 3", "index 4", 1);
    let bad = dir.path().join("forged.tlog-proof");
    std::fs::write(&bad, forged).unwrap();
    let o = run(Command::new(BIN)
        .args(["ledger", "verify-receipt"])
        .arg(&bad)
        .args(["--vkey", &vkey]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let other_key = "other.invalid/ledger/v1+12345678+AQ==".to_owned();
    assert_eq!(
        run(Command::new(BIN)
            .args(["ledger", "verify-receipt"])
            .arg(&receipt)
            .args(["--vkey", &other_key]))
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        run(Command::new(BIN).args(["ledger", "verify-receipt", "/no/such/file", "--vkey", &vkey]))
            .status
            .code(),
        Some(2)
    );

    // an administrator edits an import entry behind the application's back
    let store = open_store(&data).await;
    store
        .execute_raw_for_tests("DROP TRIGGER ledger_entries_no_update")
        .await
        .unwrap();
    store.execute_raw_for_tests("UPDATE ledger_entries SET leaf = (SELECT leaf FROM ledger_entries WHERE idx = 2) WHERE idx = 3").await.unwrap();
    store.close().await;
    let o = run(q(&data)
        .args(["ledger", "verify", "--from"])
        .arg(&kept_file));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("LEDGER_LEAF_MISMATCH") && stderr(&o).contains("entry 3"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ledger_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let old = json(q(&data).arg("init"))["ledger_vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = dir.path().join("kept");
    std::fs::write(&kept, ok(q(&data).args(["ledger", "checkpoint"]))).unwrap();
    let r = json(q(&data).args(["ledger", "rotate-key"]));
    assert_eq!(r["old_key"], old);
    let new = r["new_key"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        std::fs::read_to_string(data.join("keys/ledger.vkey"))
            .unwrap()
            .trim(),
        new
    );
    let retired = r["retired_key_file"].as_str().unwrap();
    assert!(std::path::Path::new(retired).exists());
    // the log goes on under the new key, and both keys verify it
    assert_eq!(json(q(&data).arg("init"))["ledger_vkey"], new);
    for key in [&old, &new] {
        let v = json(
            q(&data)
                .args(["ledger", "verify", "--vkey", key, "--from"])
                .arg(&kept),
        );
        assert_eq!(v["verified"], true, "{key}");
    }
}

#[tokio::test]
async fn backup_and_restore_stay_consistent_with_earlier_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let src = synth(dir.path(), 5);
    json(q(&data).arg("import-dir").arg(&src));
    ok(q(&data).args([
        "users",
        "add",
        "wu",
        "--role",
        "auditor",
        "--jurisdiction",
        "330106",
    ]));
    let kept = dir.path().join("kept");
    std::fs::write(&kept, ok(q(&data).args(["ledger", "checkpoint"]))).unwrap();
    let backup = dir.path().join("backup");
    ok(q(&data).arg("backup").arg(&backup));
    // the original goes on after the backup
    ok(q(&data).args([
        "users",
        "add",
        "later",
        "--role",
        "auditor",
        "--jurisdiction",
        "330106",
    ]));
    // a non-empty folder is refused
    assert!(!run(q(&data).arg("backup").arg(&backup)).status.success());

    let restored = dir.path().join("r");
    let r = json(q(&restored).arg("restore").arg(&backup));
    assert_eq!(r["restored"], true);
    let v = json(q(&restored).args(["ledger", "verify", "--from"]).arg(&kept));
    assert_eq!(
        v["verified"], true,
        "consistent with the checkpoint kept before the backup"
    );
    let units = |d: &Path| {
        json(q(d).args(["registry", "units", "--limit", "10000"]))
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(units(&restored), units(&data));
    let snap = |d: &Path| {
        qinglian_lake::Lake::new(d.join("lake"))
            .snapshot("people")
            .unwrap()
            .hash
    };
    assert_eq!(snap(&restored), snap(&data));
    assert!(std::fs::metadata(restored.join("keys/ledger.skey")).is_ok());
    // the restored system keeps writing under the same key
    ok(q(&restored).args([
        "users",
        "add",
        "after",
        "--role",
        "auditor",
        "--jurisdiction",
        "330106",
    ]));
    assert_eq!(
        json(q(&restored).args(["ledger", "verify"]))["verified"],
        true
    );
    // restoring over existing data is refused
    assert!(
        !run(q(&restored).arg("restore").arg(&backup))
            .status
            .success()
    );
}

#[tokio::test]
async fn postgres_backup_and_restore() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let Some(target) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("--database").arg(&db.url).args([
        "users",
        "add",
        "wu",
        "--role",
        "auditor",
        "--jurisdiction",
        "330106",
    ]));
    let backup = dir.path().join("backup");
    ok(q(&data)
        .arg("--database")
        .arg(&db.url)
        .arg("backup")
        .arg(&backup));
    let restored = dir.path().join("r");
    let r = json(
        q(&restored)
            .arg("--database")
            .arg(&target.url)
            .arg("restore")
            .arg(&backup),
    );
    assert_eq!(r["restored"], true);
    let users = json(
        q(&restored)
            .arg("--database")
            .arg(&target.url)
            .args(["users", "list"]),
    );
    assert_eq!(users[0]["username"], "wu");
    db.drop_db().await;
    target.drop_db().await;
}

#[test]
fn witness_cosignatures_are_kept_and_published() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    let note = ok(q(&data).args(["ledger", "checkpoint"]));
    let witness = qinglian_ledger::Cosigner::from_seed("witness.example/w1", &[9; 32]).unwrap();
    let wkey = witness.verifier().to_vkey();
    let cosigned = qinglian_ledger::cosign(&note, &witness, 1_764_000_000).unwrap();
    let f = dir.path().join("cosigned");
    std::fs::write(&f, &cosigned).unwrap();
    ok(q(&data)
        .args(["ledger", "add-cosignature"])
        .arg(&f)
        .args(["--witness-vkey", &wkey]));
    let published = ok(q(&data).args(["ledger", "checkpoint"]));
    let opened = qinglian_ledger::open_note(&published, &[witness.verifier()])
        .expect("the witness's cosignature is published");
    assert_eq!(opened.verified.len(), 1);
    assert!(
        published.starts_with(&note),
        "the log's own note comes first, unchanged"
    );
    // another witness's key, or a checkpoint this log never signed, is refused
    let other = qinglian_ledger::Cosigner::from_seed("witness.example/w2", &[8; 32]).unwrap();
    let o = run(q(&data)
        .args(["ledger", "add-cosignature"])
        .arg(&f)
        .args(["--witness-vkey", &other.verifier().to_vkey()]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let forged = cosigned.replacen("\n1\n", "\n2\n", 1);
    std::fs::write(&f, forged).unwrap();
    let o = run(q(&data)
        .args(["ledger", "add-cosignature"])
        .arg(&f)
        .args(["--witness-vkey", &wkey]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_single_imported_record_has_an_offline_proof() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let vkey = json(q(&data).arg("init"))["ledger_vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let src = synth(dir.path(), 13);
    let report = json(q(&data).arg("import-dir").arg(&src));
    let people = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dataset"] == "people")
        .unwrap()["ledger_index"]
        .as_u64()
        .unwrap();
    let proof = dir.path().join("row.json");
    ok(q(&data)
        .args(["ledger", "record-proof", &people.to_string(), "42", "--out"])
        .arg(&proof));
    let v = json(
        Command::new(BIN)
            .args(["ledger", "verify-record"])
            .arg(&proof)
            .args(["--vkey", &vkey]),
    );
    assert_eq!(v["verified"], true);
    assert_eq!(v["dataset"], "people");
    assert!(v["record"]["person_id"].is_string());
    // a changed record no longer fits under the signed rows root
    let text = std::fs::read_to_string(&proof).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let record = doc["record"].as_str().unwrap();
    let mut forged = doc.clone();
    forged["record"] = serde_json::Value::String(
        record
            .replacen("\"gender\":\"male\"", "\"gender\":\"female\"", 1)
            .replacen("\"gender\":\"female\"", "\"gender\":\"male\"", 1)
            + " ",
    );
    std::fs::write(&proof, serde_json::to_vec(&forged).unwrap()).unwrap();
    let o = run(Command::new(BIN)
        .args(["ledger", "verify-record"])
        .arg(&proof)
        .args(["--vkey", &vkey]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// The screening engine's own test indicators (a user directory, not shipped).
fn test_indicators() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../screen/tests/indicators")
}

#[test]
fn indicators_need_no_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-data");
    let cmd = |args: &[&str]| {
        let mut c = Command::new(BIN);
        c.current_dir(dir.path())
            .env("QINGLIAN_DATA", &missing)
            .env_remove("QINGLIAN_INDICATORS")
            .args(args);
        c
    };
    let list = json(
        cmd(&["indicators", "list"])
            .arg("--indicators")
            .arg(test_indicators()),
    );
    let list = list.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "sorted by id");
    assert!(ids.contains(&"TS-R01") && ids.contains(&"TS-S01"));
    for i in list {
        for k in [
            "id",
            "version",
            "domain",
            "unit_kinds",
            "name_zh",
            "name_en",
            "kind",
            "severity",
            "legal_basis",
        ] {
            assert!(!i[k].is_null(), "{k} in {i}");
        }
        assert!(["rule", "statistical"].contains(&i["kind"].as_str().unwrap()));
    }
    let show = ok(cmd(&["indicators", "show", "TS-S01"])
        .arg("--indicators")
        .arg(test_indicators()));
    assert!(
        show.contains("peer_q1(share_pct)") && show.contains("Tukey 系数 / Tukey coefficient"),
        "{show}"
    );

    let check = json(
        cmd(&["indicators", "check"])
            .arg("--indicators")
            .arg(test_indicators()),
    );
    for r in check.as_array().unwrap() {
        assert_eq!(r["passed"], true, "{r}");
        assert!(r["positives"].as_u64().unwrap() >= 1 && r["negatives"].as_u64().unwrap() >= 1);
    }
    assert!(!missing.exists(), "no data directory was created");

    // A fixture that no longer matches: non-zero exit, the mismatch named in both languages.
    let user = dir.path().join("mine");
    std::fs::create_dir(&user).unwrap();
    let text = std::fs::read_to_string(test_indicators().join("TS-R01.toml"))
        .unwrap()
        .replacen("values = { name_len = 3 }", "values = { name_len = 9 }", 1);
    std::fs::write(user.join("TS-R01.toml"), text).unwrap();
    let o = run(cmd(&["--json", "indicators", "check", "--indicators"]).arg(&user));
    assert_eq!(o.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad = r
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "TS-R01")
        .unwrap();
    assert_eq!(bad["passed"], false);
    assert_eq!(bad["problems"][0]["code"], "FIXTURE_VALUE");
    // An invalid file: refused with its precise error, exit 1.
    std::fs::write(user.join("TS-R01.toml"), "id = \"TS-R01\"\n").unwrap();
    let o = run(cmd(&["indicators", "list", "--indicators"]).arg(&user));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("IND_PARSE") && stderr(&o).contains("无法解析"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn screen_writes_stable_hits_that_rerun_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "unit_id,name,kind,division_code,uscc\nU1,甲国企,国企,330106,\nU2,乙区机关,机关,330102,\nU3,丙村,村居,330106,\n",
    )
    .unwrap();
    ok(q(&data).args(["import", "units"]).arg(&units));
    let screen = |extra: &[&str]| {
        let mut c = q(&data);
        c.args(["screen", "--as-of", "2025-12-31", "--indicators"])
            .arg(test_indicators())
            .args(extra);
        c
    };
    let first = json(&mut screen(&[]));
    // The shipped catalogue runs too: without its datasets it says so, it does not fail.
    let by_id = |r: &serde_json::Value, id: &str| -> serde_json::Value {
        r["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(first["total_hits"], 2);
    assert_eq!(first["new"], 2);
    let r01 = by_id(&first, "TS-R01");
    assert_eq!(
        (r01["id"].as_str(), r01["status"].as_str()),
        (Some("TS-R01"), Some("ran"))
    );
    assert_eq!(by_id(&first, "TS-S01")["status"], "not_computable");
    assert_eq!(
        by_id(&first, "TS-S01")["error"]["code"],
        "SCREEN_DATASET_MISSING"
    );
    assert_eq!(first["by_unit_kind"]["soe"], 1);
    assert_eq!(first["by_unit_kind"]["organ"], 1);
    // Screening again: the same hits, not duplicates.
    let second = json(&mut screen(&["--indicator", "TS-R01"]));
    assert_eq!(
        (
            second["new"].as_u64(),
            second["indicators"][0]["seen_again"].as_u64()
        ),
        (Some(0), Some(2))
    );
    let hits = json(q(&data).arg("hits"));
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2);
    for k in [
        "id",
        "indicator_id",
        "indicator_version",
        "unit_id",
        "subject",
        "severity",
        "values",
        "explanation_zh",
        "explanation_en",
    ] {
        assert!(!hits[0][k].is_null(), "{k}");
    }
    assert_eq!(
        hits[0]["explanation_zh"],
        "提示：单位 甲国企（U1）未登记统一社会信用代码，名称 3 字，阈值 2"
    );
    assert_eq!(hits[0]["times_seen"], 2);
    let xlsx = dir.path().join("hits.xlsx");
    ok(q(&data).arg("hits").arg("--export").arg(&xlsx));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

    // Re-run by a short prefix: same hit on the recorded snapshot, even after the units change.
    std::fs::write(
        &units,
        "unit_id,name,kind,division_code,uscc\nU1,甲国企集团,国企,330106,\n",
    )
    .unwrap();
    ok(q(&data).args(["import", "units", "--replace"]).arg(&units));
    let id = hits[0]["id"].as_str().unwrap();
    let rerun = json(
        q(&data)
            .args(["hits", "rerun", &id[..12], "--indicators"])
            .arg(test_indicators()),
    );
    assert_eq!(rerun["reproduced"], true, "{rerun}");
    assert_eq!(rerun["hit"]["id"].as_str(), Some(id));
    let o = run(q(&data)
        .args(["hits", "rerun", "zz", "--indicators"])
        .arg(test_indicators()));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("HIT_ID"));
    // The run is in the ledger, with the hits as its change.
    let store = open_store(&data).await;
    let op = qinglian_store::Principal::operator();
    assert_eq!(
        store
            .list_hits(&op, &Default::default())
            .await
            .unwrap()
            .len(),
        2
    );
    store.close().await;
}

#[test]
fn a_runaway_user_indicator_is_stopped_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let units = dir.path().join("units.csv");
    let mut csv = String::from("unit_id,name,kind,division_code,uscc\n");
    for i in 0..3000 {
        csv.push_str(&format!("U{i},单位{i},国企,330106,\n"));
    }
    std::fs::write(&units, csv).unwrap();
    ok(q(&data).args(["import", "units"]).arg(&units));
    let user = dir.path().join("mine");
    std::fs::create_dir(&user).unwrap();
    let text = std::fs::read_to_string(test_indicators().join("TS-R01.toml")).unwrap();
    let start = text.find("SELECT unit_id").unwrap();
    let end = start + text[start..].find("\"\"\"").unwrap();
    let runaway = format!(
        "{}SELECT a.unit_id, a.name AS unit_name, a.kind AS kind_code, count(*) AS name_len FROM units a CROSS JOIN units b CROSS JOIN units c WHERE a.kind <> $exempt_kind AND $min_name_len > 0 GROUP BY 1, 2, 3\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(user.join("TS-R01.toml"), runaway).unwrap();
    let started = std::time::Instant::now();
    let o = run(q(&data)
        .args([
            "--json",
            "screen",
            "--time-limit",
            "1",
            "--indicator",
            "TS-R01",
            "--indicators",
        ])
        .arg(&user));
    assert!(started.elapsed().as_secs() < 30, "stopped promptly");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ind = &r["indicators"][0];
    assert_eq!(ind["status"], "failed");
    assert_eq!(ind["error"]["code"], "SCREEN_TIMEOUT");
    assert!(ind["error"]["zh"].as_str().unwrap().contains("时间上限"));
    assert!(ind["error"]["en"].as_str().unwrap().contains("time limit"));
}

/// `import --columns`: another system's export (its own headers and outcome words) lands through
/// a mapping file; without it the same file is refused and nothing lands.
#[test]
fn import_with_a_column_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    let csv = dir.path().join("police.csv");
    std::fs::write(
        &csv,
        "案事件编号,所属单位,派出所编号,主办民警,案件类别,办理程序,发生地区划,报警时间,处理结果\n\
         A1,U1,S1,O1,治安,一般程序,330106,2025-03-01 08:00:00,已处罚\n",
    )
    .unwrap();
    let map = dir.path().join("police.toml");
    std::fs::write(
        &map,
        "[columns]\n\"案事件编号\" = \"case_id\"\n\"所属单位\" = \"unit_id\"\n\"派出所编号\" = \"squad_id\"\n\
         \"主办民警\" = \"lead_officer_id\"\n\"案件类别\" = \"case_type\"\n\"办理程序\" = \"procedure\"\n\
         \"发生地区划\" = \"division_code\"\n\"报警时间\" = \"received_at\"\n\"处理结果\" = \"outcome\"\n\
         [values.case_type]\n\"治安\" = \"public_security\"\n[values.procedure]\n\"一般程序\" = \"general\"\n\
         [values.outcome]\n\"已处罚\" = \"penalty\"\n",
    )
    .unwrap();
    let e = refused(q(&data).args(["import", "le_cases"]).arg(&csv));
    assert!(e.contains("IMPORT_MISSING_COLUMN"), "{e}");
    let r = json(
        q(&data)
            .args(["import", "le_cases"])
            .arg(&csv)
            .arg("--columns")
            .arg(&map),
    );
    assert_eq!(r[0]["rows_written"], 1, "{r}");
}
