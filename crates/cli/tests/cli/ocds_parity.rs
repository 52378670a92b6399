//! Cardinal parity of `ocds indicators` through the binary: on the real Dominican Republic file
//! the output equals Cardinal's `indicators.json` as parsed JSON (flags, values, Meta), and
//! every Cardinal indicator fixture reproduces its `.expected` with its settings.

use super::{ok, q, run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn ocds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ocds")
}

fn import(data: &Path, file: &Path, settings: &Path) {
    ok(q(data)
        .args(["import", "ocds"])
        .arg(file)
        .arg("--settings")
        .arg(settings));
}

fn indicators(data: &Path, extra: &[&str]) -> Value {
    let out = ok(q(data)
        .args(["ocds", "indicators", "--cardinal-json"])
        .args(extra));
    serde_json::from_str(&out).expect("Cardinal JSON")
}

/// Flag counts per group and indicator: a readable first difference before the full comparison.
fn counts(v: &Value) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (g, ids) in v.as_object().unwrap() {
        if g == "Meta" {
            continue;
        }
        for flags in ids.as_object().unwrap().values() {
            for ind in flags.as_object().unwrap().keys() {
                *out.entry(format!("{g}/{ind}")).or_default() += 1;
            }
        }
    }
    out
}

#[test]
fn dr_file_gives_cardinals_indicators_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let src = ocds_dir();
    let settings = src.join("cardinal-expected/settings.ini");
    import(
        &data,
        &src.join("dominican-republic-dgcp-10000.jsonl.gz"),
        &settings,
    );
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(src.join("cardinal-expected/indicators.json")).unwrap(),
    )
    .unwrap();
    let got = indicators(&data, &["--settings", settings.to_str().unwrap()]);
    assert_eq!(counts(&got), counts(&expected));
    assert_eq!(got["Meta"], expected["Meta"]);
    assert!(got == expected, "same flags, but a value differs");
    // Without a settings file all eleven run at Cardinal's init defaults: the same result.
    assert!(indicators(&data, &[]) == expected);
    // --no-meta drops Meta only.
    let bare = indicators(&data, &["--no-meta"]);
    assert!(bare.get("Meta").is_none() && bare["OCID"] == expected["OCID"]);
}

#[test]
fn every_cardinal_indicator_fixture_reproduces() {
    let src = ocds_dir().join("cardinal-fixtures");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("settings-manifest.json")).unwrap())
            .unwrap();
    let fixtures = manifest["indicators"].as_array().unwrap();
    assert_eq!(fixtures.len(), 15);
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (n, f) in fixtures.iter().enumerate() {
        let name = f["name"].as_str().unwrap();
        let data = dir.path().join(format!("d{n}"));
        let ini = dir.path().join(format!("{n}.ini"));
        std::fs::write(&ini, f["settings_ini"].as_str().unwrap()).unwrap();
        import(&data, &src.join(f["input"].as_str().unwrap()), &ini);
        let got = indicators(&data, &["--no-meta", "--settings", ini.to_str().unwrap()]);
        let text = std::fs::read_to_string(src.join(f["expected"].as_str().unwrap())).unwrap();
        let want: Value = serde_json::from_str(&text).unwrap();
        if got != want {
            failures.push(format!("{name}:\n  got  {got}\n  want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn indicators_need_an_ocds_import_and_refuse_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    let o = run(q(&data).args(["ocds", "indicators", "--cardinal-json"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("import ocds"));

    let src = ocds_dir().join("cardinal-fixtures/indicators/R003.jsonl");
    let ini = dir.path().join("s.ini");
    std::fs::write(&ini, "[R003]\n").unwrap();
    import(&data, &src, &ini);
    std::fs::write(&ini, "[R003]\nthreshold = soon\n").unwrap();
    let o = run(q(&data)
        .args(["ocds", "indicators", "--settings"])
        .arg(&ini));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("[R003] threshold") && err.contains("soon"),
        "{err}"
    );

    // Without --cardinal-json: explained hits, the ocid as subject.
    std::fs::write(&ini, "[R003]\n").unwrap();
    let out = ok(q(&data)
        .args(["--json", "ocds", "indicators", "--settings"])
        .arg(&ini));
    let hits: Value = serde_json::from_str(&out).unwrap();
    let first = &hits.as_array().unwrap()[0];
    assert_eq!(first["indicator_id"], "OCDS-R003");
    assert_eq!(first["subject"]["group_name"], "OCID");
    assert!(first["explanation_zh"].as_str().unwrap().contains("投标期"));
}
