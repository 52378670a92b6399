//! The screening engine end to end: catalogue loading and validation, the SQL sandbox, resource
//! limits, peer statistics, Parquet lake input, stable hit ids, overrides and re-runs.

use qinglian_lake::{Lake, ReadOptions};
use qinglian_screen::fixture;
use qinglian_screen::run::{self, Status};
use qinglian_screen::{Catalogue, Engine, Limits, Overrides, ScreenError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn test_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/indicators")
}

fn test_catalogue() -> Catalogue {
    Catalogue::load(&[test_dir()]).expect("test indicators load")
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The test indicator's text with one piece replaced, written as `<id>.toml` in a temp dir.
fn variant(id: &str, from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(test_dir().join(format!("{id}.toml"))).unwrap();
    assert!(text.contains(from), "test setup: {from:?} not in {id}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(format!("{id}.toml"));
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    (dir, p)
}

fn codes(e: &ScreenError) -> Vec<&'static str> {
    e.messages().iter().map(|m| m.code).collect()
}

/// Loads a one-file user directory holding a variant of a test indicator.
fn load_variant(id: &str, from: &str, to: &str) -> Result<Catalogue, ScreenError> {
    let (dir, _) = variant(id, from, to);
    Catalogue::load(&[dir.path().to_path_buf()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_catalogue_fixtures_pass() {
    let c = Catalogue::builtin().expect("shipped catalogue is valid");
    let mut failed = Vec::new();
    for ind in c.all() {
        let r = fixture::check(ind, Limits::default()).await;
        assert!(r.positives >= 1 && r.negatives >= 1);
        if !r.passed {
            failed.push(r.problems);
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_fixtures_pass_and_explain_with_numbers() {
    let c = test_catalogue();
    for id in ["TS-R01", "TS-S01"] {
        let ind = c.get(id).unwrap();
        let r = fixture::check(ind, Limits::default()).await;
        assert!(r.passed, "{id}: {:#?}", r.problems);
    }
    let hits = fixture::run_fixture(c.get("TS-S01").unwrap(), Limits::default())
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.indicator_version, "2.0.1");
    assert_eq!(h.subject["person_id"], "P6");
    assert_eq!(h.subject["unit_id"], "U3");
    assert!(
        h.explanation_en
            .contains("60.0% share, above the peer fence 16.50"),
        "{}",
        h.explanation_en
    );
    assert_eq!(h.counterfactual_zh, "持股不超过 16.50% 即不会触发");
    assert_eq!(h.thresholds["peer_n"], 6);
    // robust z: median 11.5, MAD 1.5 → (60 − 11.5) / (1.4826·1.5)
    let z = h.values["z"].as_f64().unwrap();
    assert!((z - 48.5 / (1.4826 * 1.5)).abs() < 1e-9, "{z}");
    assert!(h.inputs.contains_key("org_relations"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_mismatches_are_reported_exactly() {
    // The fixture now claims U4 must fire and forgets U3.
    let c = load_variant(
        "TS-R01",
        "[[fixture.fire]]\nsubject = { unit_id = \"U3\" }",
        "[[fixture.fire]]\nsubject = { unit_id = \"U9\" }",
    )
    .unwrap();
    let r = fixture::check(c.get("TS-R01").unwrap(), Limits::default()).await;
    assert!(!r.passed);
    let codes: Vec<&str> = r.problems.iter().map(|m| m.code).collect();
    assert_eq!(
        codes,
        ["FIXTURE_MISSED", "FIXTURE_UNEXPECTED"],
        "{:#?}",
        r.problems
    );
    assert!(r.problems[1].zh.contains("unit_id=U3"));
    // A checked value that differs.
    let c = load_variant(
        "TS-R01",
        "values = { name_len = 3 }",
        "values = { name_len = 4 }",
    )
    .unwrap();
    let r = fixture::check(c.get("TS-R01").unwrap(), Limits::default()).await;
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].code, "FIXTURE_VALUE");
    assert!(
        r.problems[0].en.contains("name_len should be 4, is 3"),
        "{}",
        r.problems[0].en
    );
}

#[test]
fn validation_errors_are_precise_and_bilingual() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "TS-R01",
            "version = \"1.2.0\"",
            "version = \"1.2\"",
            "IND_VERSION",
        ),
        (
            "TS-R01",
            "kind = \"rule\"",
            "kind = \"statistical\"",
            "IND_KIND",
        ),
        (
            "TS-R01",
            "unit_kinds = [\"soe\", \"organ\"]",
            "unit_kinds = [\"soe\", \"factory\"]",
            "IND_UNIT_KIND",
        ),
        (
            "TS-R01",
            "datasets = [\"units\"]",
            "datasets = [\"unitz\"]",
            "IND_DATASET",
        ),
        (
            "TS-R01",
            "阈值 {min_name_len}\"",
            "阈值 {min_len}\"",
            "IND_TEMPLATE",
        ),
        (
            "TS-R01",
            "{name_len} 字",
            "{name_len:pct7} 字",
            "IND_TEMPLATE",
        ),
        ("TS-R01", "提示：单位", "单位", "IND_WORDING"),
        (
            "TS-R01",
            "default = 2\nmin = 0",
            "default = -1\nmin = 0",
            "IND_PARAM_RANGE",
        ),
        (
            "TS-R01",
            "default = 2\n",
            "default = \"two\"\n",
            "IND_PARAM_VALUE",
        ),
        (
            "TS-R01",
            "severity = \"low\"",
            "severity = \"low\"\nseverity2 = 1",
            "IND_PARSE",
        ),
        (
            "TS-R01",
            "[[fixture.no_fire]]\nsubject = { unit_id = \"U2\" }",
            "[[fixture.no_fire]]\nsubject = { id = \"U2\" }",
            "IND_FIXTURE",
        ),
        ("TS-S01", "疑似异常：持股", "违规：持股", "IND_WORDING"),
    ];
    for (id, from, to, code) in cases {
        let e = load_variant(id, from, to).expect_err(code);
        assert!(codes(&e).contains(code), "{code}: {e}");
        let m = e.messages().into_iter().find(|m| m.code == *code).unwrap();
        assert!(
            m.zh.contains(id) && m.en.contains(id),
            "names the indicator: {m}"
        );
        assert!(
            m.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese text: {m}"
        );
    }
    // The file name must be the id.
    let (dir, p) = variant("TS-R01", "id = \"TS-R01\"", "id = \"TS-R02\"");
    let _ = p;
    let e = Catalogue::load(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(codes(&e).contains(&"IND_FILE_NAME"), "{e}");
    // Two files with one id.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    let text = std::fs::read_to_string(test_dir().join("TS-R01.toml")).unwrap();
    std::fs::write(dir.path().join("TS-R01.toml"), &text).unwrap();
    std::fs::write(dir.path().join("a/TS-R01.toml"), &text).unwrap();
    let e = Catalogue::load(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(codes(&e).contains(&"IND_DUPLICATE"), "{e}");
}

/// Runs a variant's SQL against its fixture tables and returns the error code.
async fn sql_error(id: &str, from: &str, to: &str) -> ScreenError {
    let c = load_variant(id, from, to).expect("loads (the SQL is checked when planned)");
    let ind = c.get(id).unwrap();
    fixture::run_fixture(ind, Limits::default())
        .await
        .expect_err("refused")
}

const TS_R01_SQL: &str = "SELECT unit_id, name AS unit_name, kind AS kind_code, length(name) AS name_len\nFROM units\nWHERE uscc IS NULL AND kind <> $exempt_kind AND length(name) >= $min_name_len";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_allows_only_one_read_only_query_over_declared_tables() {
    let forbidden = [
        "DROP TABLE units",
        "CREATE TABLE x AS SELECT 1",
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
        "COPY units TO '/tmp/qinglian-leak.csv'",
        "INSERT INTO units VALUES ('a')",
        "SET datafusion.execution.target_partitions = 64",
        "EXPLAIN SELECT 1",
    ];
    for sql in forbidden {
        let e = sql_error("TS-R01", TS_R01_SQL, sql).await;
        assert!(
            matches!(e.code(), "IND_SQL_FORBIDDEN" | "IND_SQL_SYNTAX"),
            "{sql}: {e}"
        );
        assert!(!Path::new("/tmp/qinglian-leak.csv").exists());
    }
    let e = sql_error("TS-R01", TS_R01_SQL, &format!("{TS_R01_SQL}; SELECT 1")).await;
    assert_eq!(e.code(), "IND_SQL_MULTI", "{e}");
    for sql in [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file:///etc/hosts'",
        "SELECT * FROM generate_series(1, 10)",
        "SELECT u.unit_id, u.name AS unit_name, u.kind AS kind_code, 1 AS name_len FROM units u JOIN people p ON p.unit_id = u.unit_id",
        "SELECT * FROM information_schema.tables",
    ] {
        let e = sql_error("TS-R01", TS_R01_SQL, sql).await;
        assert!(
            matches!(e.code(), "IND_SQL_TABLE" | "IND_SQL_PLAN"),
            "{sql}: {e}"
        );
        assert!(
            !e.to_string().contains("root:"),
            "no file content leaks: {e}"
        );
    }
    // The as-of table function reads only declared datasets too: LE-S03 (as LE-S93) without le_gps_points
    // among its datasets (the fixture still registers the table).
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators/enforcement/LE-S03.toml");
    let text = std::fs::read_to_string(shipped).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("LE-S93.toml"),
        text.replacen("\"le_gps_points\", ", "", 1).replacen(
            "id = \"LE-S03\"",
            "id = \"LE-S93\"",
            1,
        ),
    )
    .unwrap();
    let c = Catalogue::load(&[dir.path().to_path_buf()]).unwrap();
    let e = fixture::run_fixture(c.get("LE-S93").unwrap(), Limits::default())
        .await
        .expect_err("refused");
    assert_eq!(e.code(), "IND_SQL_TABLE", "{e}");
    assert!(e.to_string().contains("le_gps_points"), "{e}");
    let e = sql_error("TS-R01", TS_R01_SQL, "SELECT unit_id, name AS unit_name, kind AS kind_code, 1 AS name_len FROM units WHERE name = $undeclared").await;
    assert_eq!(e.code(), "IND_SQL_PARAM", "{e}");
    assert!(e.to_string().contains("$undeclared"));
    let e = sql_error(
        "TS-R01",
        TS_R01_SQL,
        "SELECT unit_id FROM units WHERE kind <> $exempt_kind AND $min_name_len > 0",
    )
    .await;
    assert_eq!(e.code(), "IND_OUTPUT_COLUMN", "{e}");
    assert!(e.to_string().contains("unit_name"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_are_bound_not_spliced() {
    // A text parameter holding SQL is compared as text: nothing is dropped or broken, and the
    // village (no longer equal to the exempt kind) fires too.
    let text = std::fs::read_to_string(test_dir().join("TS-R01.toml"))
        .unwrap()
        .replacen(
            "default = \"village\"",
            "default = \"village'; DROP TABLE units; --\"",
            1,
        )
        .replacen(
            "unit_kinds = [\"soe\", \"organ\"]",
            "unit_kinds = [\"soe\", \"organ\", \"village\"]",
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("TS-R01.toml"), text).unwrap();
    let c = Catalogue::load(&[dir.path().to_path_buf()]).unwrap();
    let ind = c.get("TS-R01").unwrap();
    let hits = fixture::run_fixture(ind, Limits::default()).await.unwrap();
    let units: Vec<&str> = hits.iter().map(|h| h.unit_id.as_str()).collect();
    assert_eq!(units, ["U1", "U2", "U3"]);
    assert_eq!(
        hits[0].params["exempt_kind"],
        "village'; DROP TABLE units; --"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_cross_join_is_stopped_by_the_time_limit() {
    let rows: String = (0..3000)
        .map(|i| format!("U{i},单位{i},国企,330106,\n"))
        .collect();
    let text = std::fs::read_to_string(test_dir().join("TS-R01.toml")).unwrap();
    let start = text.find("tables.units = \"\"\"").unwrap();
    let end = start + text[start..].find("\"\"\"\n[[").unwrap();
    let mut runaway = text[..start].to_owned();
    runaway.push_str("tables.units = \"\"\"\nunit_id,name,kind,division_code,uscc\n");
    runaway.push_str(&rows);
    runaway.push_str(&text[end..]);
    let runaway = runaway.replacen(
        TS_R01_SQL,
        "SELECT a.unit_id, a.name AS unit_name, a.kind AS kind_code, count(*) AS name_len FROM units a CROSS JOIN units b CROSS JOIN units c WHERE a.kind <> $exempt_kind AND $min_name_len > 0 GROUP BY 1, 2, 3",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("TS-R01.toml"), runaway).unwrap();
    let c = Catalogue::load(&[dir.path().to_path_buf()]).unwrap();
    let ind = c.get("TS-R01").unwrap();
    let limits = Limits {
        time_limit: Duration::from_secs(2),
        ..Limits::default()
    };
    let started = Instant::now();
    let e = fixture::run_fixture(ind, limits).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code(), "SCREEN_TIMEOUT", "{e}");
    assert!(
        e.to_string().contains("时间上限 2 秒") && e.to_string().contains("time limit of 2 s"),
        "{e}"
    );
    assert!(took < Duration::from_secs(10), "stopped promptly: {took:?}");

    // The same join sorted instead of counted needs memory: the pool refuses it.
    let dir2 = tempfile::tempdir().unwrap();
    let sorted = std::fs::read_to_string(dir.path().join("TS-R01.toml")).unwrap().replacen(
        "count(*) AS name_len FROM units a CROSS JOIN units b CROSS JOIN units c WHERE a.kind <> $exempt_kind AND $min_name_len > 0 GROUP BY 1, 2, 3",
        "length(b.name) AS name_len FROM units a CROSS JOIN units b WHERE a.kind <> $exempt_kind AND $min_name_len > 0 ORDER BY b.name, a.name",
        1,
    );
    std::fs::write(dir2.path().join("TS-R01.toml"), sorted).unwrap();
    let c = Catalogue::load(&[dir2.path().to_path_buf()]).unwrap();
    let limits = Limits {
        memory_bytes: 16 << 20,
        time_limit: Duration::from_secs(60),
        ..Limits::default()
    };
    let e = fixture::run_fixture(c.get("TS-R01").unwrap(), limits)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "SCREEN_MEMORY", "{e}");
    assert!(e.to_string().contains("16 MB"), "{e}");
}

fn write_units(dir: &Path, name: &str, rows: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("unit_id,name,kind,division_code,uscc\n{rows}")).unwrap();
    p
}

fn import(lake: &Lake, ds: &str, file: &Path, replace: bool) {
    let p = lake
        .prepare(
            ds,
            &[file.to_path_buf()],
            &ReadOptions::default(),
            replace,
            &|_, _| {},
        )
        .unwrap();
    lake.commit(p).unwrap();
}

async fn screen_lake(lake: &Lake, c: &Catalogue, overrides: &Overrides) -> Vec<run::Outcome> {
    let mut engine = Engine::new(Limits::default()).unwrap();
    engine.register_lake(lake).unwrap();
    // Only the test indicators: the shipped ones have their own tests, and `out[0]` is TS-R01.
    let sel: Vec<_> = c.all().iter().filter(|i| i.id.starts_with("TS-")).collect();
    run::screen(
        &engine,
        &sel,
        overrides,
        day("2025-06-30"),
        &mut |_, _, _| {},
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hits_from_the_lake_are_stable_and_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let c = test_catalogue();
    // Nothing imported: TS-R01 is not computable, said so.
    let out = screen_lake(&lake, &c, &Overrides::default()).await;
    assert!(
        matches!(&out[0].status, Status::NotComputable { reason } if reason.code == "SCREEN_DATASET_MISSING")
    );

    let f1 = write_units(
        dir.path(),
        "u1.csv",
        "U1,甲国企,国企,330106,\nU2,乙机关,机关,330102,\nU3,丙村,村居,330106001001,\n",
    );
    import(&lake, "units", &f1, false);
    let out = screen_lake(&lake, &c, &Overrides::default()).await;
    let r01 = out.iter().find(|o| o.indicator_id == "TS-R01").unwrap();
    assert_eq!(r01.status, Status::Ran);
    assert_eq!(r01.rows_read, 3);
    let first: Vec<(String, String)> = r01
        .hits
        .iter()
        .map(|h| (h.unit_id.clone(), h.id.clone()))
        .collect();
    assert_eq!(
        first.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["U1", "U2"]
    );
    let h = &r01.hits[0];
    assert_eq!(h.unit_kind.as_deref(), Some("soe"));
    assert_eq!(h.division_code.as_deref(), Some("330106"));
    assert_eq!(h.inputs["units"].hash, lake.snapshot("units").unwrap().hash);
    assert_eq!(h.indicator_version, "1.2.0");
    let recorded = h.clone();

    // An unrelated import (another dataset) and a second batch of other units: same ids.
    let f2 = write_units(dir.path(), "u2.csv", "U7,庚学校,学校,330106,\n");
    import(&lake, "units", &f2, false);
    let o = dir.path().join("org.csv");
    std::fs::write(&o, "person_id,org_name,role,share_pct\nP1,甲公司,股东,50\n").unwrap();
    import(&lake, "org_relations", &o, false);
    let out = screen_lake(&lake, &c, &Overrides::default()).await;
    let again: Vec<(String, String)> = out[0]
        .hits
        .iter()
        .map(|h| (h.unit_id.clone(), h.id.clone()))
        .collect();
    assert_eq!(again, first, "unrelated imports leave hit ids alone");
    assert_ne!(
        out[0].hits[0].inputs["units"].hash,
        recorded.inputs["units"].hash
    );

    // A changed fact (U1 renamed) is a new hit.
    let f3 = write_units(
        dir.path(),
        "u3.csv",
        "U1,甲国企集团,国企,330106,\nU2,乙机关,机关,330102,\nU3,丙村,村居,330106001001,\n",
    );
    import(&lake, "units", &f3, true);
    let out = screen_lake(&lake, &c, &Overrides::default()).await;
    assert_ne!(out[0].hits[0].id, recorded.id);
    assert_eq!(out[0].hits[1].id, first[1].1);

    // Re-running the recorded hit reads its recorded (now superseded) snapshot: same hit.
    let mut engine = Engine::new(Limits::default()).unwrap();
    engine.register_recorded(&lake, &recorded.inputs).unwrap();
    let r = run::rerun(&engine, c.get("TS-R01").unwrap(), &recorded)
        .await
        .unwrap();
    assert!(r.reproduced, "{:#?}", r.differences);
    assert_eq!(r.hit.unwrap(), recorded);
    // On today's snapshot the facts differ, and the re-run says exactly that.
    let mut engine = Engine::new(Limits::default()).unwrap();
    engine.register_lake(&lake).unwrap();
    let r = run::rerun(&engine, c.get("TS-R01").unwrap(), &recorded)
        .await
        .unwrap();
    assert!(!r.reproduced);
    let fields: Vec<String> = r
        .differences
        .iter()
        .map(|m| m.en.split(':').next().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"id".to_owned()) && fields.contains(&"facts_hash".to_owned()),
        "{fields:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_are_level_aware() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let c = test_catalogue();
    // Name lengths 3 (Xihu county), 4 (Shangcheng, same city), 5 (Ningbo, another city).
    let f = write_units(
        dir.path(),
        "u.csv",
        "U1,甲国企,国企,330106,\nU2,乙区机关,机关,330102,\nU3,丙市国有企,国企,330203,\n",
    );
    import(&lake, "units", &f, false);
    let text =
        "[\"TS-R01\".\"330100\"]\nmin_name_len = 4\n\n[\"TS-R01\".\"330106\"]\nmin_name_len = 3\n";
    let ov = Overrides::parse(text, "overrides.toml", &c).unwrap();
    let out = screen_lake(&lake, &c, &ov).await;
    let fired: Vec<(&str, i64)> = out[0]
        .hits
        .iter()
        .map(|h| {
            (
                h.unit_id.as_str(),
                h.params["min_name_len"].as_i64().unwrap(),
            )
        })
        .collect();
    // Xihu: county 3 beats city 4 → fires; Shangcheng: city 4 → fires at 4; Ningbo: default 2.
    assert_eq!(fired, [("U1", 3), ("U2", 4), ("U3", 2)]);
    let ov = Overrides::parse("[\"TS-R01\".\"330100\"]\nmin_name_len = 5\n", "o", &c).unwrap();
    let out = screen_lake(&lake, &c, &ov).await;
    let fired: Vec<&str> = out[0].hits.iter().map(|h| h.unit_id.as_str()).collect();
    assert_eq!(
        fired,
        ["U3"],
        "the city override silences both Hangzhou units"
    );

    for (text, code) in [
        ("[\"XX-R01\".\"330100\"]\nk = 1\n", "OVERRIDE_INDICATOR"),
        (
            "[\"TS-R01\".\"33010\"]\nmin_name_len = 1\n",
            "OVERRIDE_DIVISION",
        ),
        ("[\"TS-R01\".\"330100\"]\nmin_len = 1\n", "OVERRIDE_PARAM"),
        (
            "[\"TS-R01\".\"330100\"]\nmin_name_len = -1\n",
            "IND_PARAM_RANGE",
        ),
        (
            "[\"TS-R01\".\"330100\"]\nmin_name_len = \"x\"\n",
            "IND_PARAM_VALUE",
        ),
        ("[\"TS-R01\"\nmin_name_len = 1\n", "OVERRIDE_PARSE"),
    ] {
        let e = Overrides::parse(text, "overrides.toml", &c).unwrap_err();
        assert_eq!(e.code(), code, "{text}: {e}");
        assert!(e.to_string().contains("overrides.toml"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validity_dates_and_unit_kinds_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let f = write_units(
        dir.path(),
        "u.csv",
        "U1,甲国企,国企,330106,\nU4,丁学校,学校,330106,\n",
    );
    import(&lake, "units", &f, false);
    let c = load_variant(
        "TS-R01",
        "valid_from = \"2020-01-01\"",
        "valid_from = \"2030-01-01\"",
    )
    .unwrap();
    let out = screen_lake(&lake, &c, &Overrides::default()).await;
    assert_eq!(out[0].status, Status::NotInForce);
    let out = screen_lake(&lake, &test_catalogue(), &Overrides::default()).await;
    let units: Vec<&str> = out[0].hits.iter().map(|h| h.unit_id.as_str()).collect();
    assert_eq!(units, ["U1"], "schools are outside TS-R01's unit kinds");
}

/// Generates a synthetic scale, imports every file into a fresh lake, screens the shipped
/// catalogue on the ground truth's reference day and scores it.
async fn synthetic_scores(scale: qinglian_synth::Scale) -> Vec<qinglian_screen::score::Score> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("synth");
    let summary = qinglian_synth::generate(
        &qinglian_synth::Options {
            scale,
            seed: 42,
            out: out.clone(),
        },
        &|_, _, _| {},
    )
    .unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    for f in summary.files.iter().filter(|f| f.dataset != "ground_truth") {
        let p = lake
            .prepare(
                &f.dataset,
                std::slice::from_ref(&f.path),
                &ReadOptions::default(),
                false,
                &|_, _| {},
            )
            .unwrap_or_else(|e| panic!("{}: {e}", f.dataset));
        lake.commit(p).unwrap();
    }
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ground_truth.json")).unwrap())
            .unwrap();
    let as_of = day(truth["as_of"].as_str().unwrap());
    let c = Catalogue::builtin().unwrap();
    let mut engine = Engine::new(Limits::default()).unwrap();
    engine.register_lake(&lake).unwrap();
    // Procurement has no synthetic pack: its indicators run on real OCDS data in the CLI's
    // parity and PR tests.
    let sel: Vec<_> = c
        .all()
        .iter()
        .filter(|i| i.domain != "procurement")
        .collect();
    let outcomes = run::screen(
        &engine,
        &sel,
        &Overrides::default(),
        as_of,
        &mut |_, _, _| {},
    )
    .await
    .unwrap();
    for o in &outcomes {
        assert_eq!(o.status, Status::Ran, "{}", o.indicator_id);
    }
    let hits: Vec<_> = outcomes.into_iter().flat_map(|o| o.hits).collect();
    let ids: Vec<&str> = sel.iter().map(|i| i.id.as_str()).collect();
    let scores = qinglian_screen::score::score(&truth, &hits, &ids);
    for s in &scores {
        eprintln!(
            "{:8} hits {:4}  TP {:4}  must fire {:4} found {:4}  must not {:3} wrongly {:2}  recall {:.3}  precision {:.3}",
            s.indicator_id,
            s.hits,
            s.true_positives,
            s.must_fire,
            s.found,
            s.must_not_fire,
            s.wrongly_fired,
            s.recall,
            s.precision
        );
    }
    scores
}

fn assert_quality(c: &Catalogue, scores: &[qinglian_screen::score::Score]) {
    for s in scores {
        let ind = c.get(&s.indicator_id).unwrap();
        assert!(
            s.must_fire > 0,
            "{}: the ground truth plants cases for every indicator",
            s.indicator_id
        );
        let min_recall = if ind.kind == qinglian_screen::Kind::Rule {
            1.0
        } else {
            0.95
        };
        assert!(
            s.recall >= min_recall,
            "{}: recall {}",
            s.indicator_id,
            s.recall
        );
        assert!(
            s.precision >= 0.9,
            "{}: precision {}",
            s.indicator_id,
            s.precision
        );
        assert_eq!(
            s.wrongly_fired, 0,
            "{}: fired on a near miss or legitimate outlier",
            s.indicator_id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_finds_the_planted_anomalies_of_a_county() {
    let scores = synthetic_scores(qinglian_synth::Scale::County).await;
    assert_quality(&Catalogue::builtin().unwrap(), &scores);
}

/// `cargo test --release -p qinglian-screen -- --ignored --nocapture`: the same on a city.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute in release builds; run for the quality report"]
async fn the_catalogue_finds_the_planted_anomalies_of_a_city() {
    let scores = synthetic_scores(qinglian_synth::Scale::City).await;
    assert_quality(&Catalogue::builtin().unwrap(), &scores);
}
