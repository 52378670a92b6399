//! `import ocds`, `ocds prepare` and `ocds coverage` through the binary: the documented
//! exception to all-or-nothing import (messy lines are reported, exit 0), unreadable input
//! (exit 2), the issue report against Cardinal's on the real DR file, and re-import.

use super::{BIN, json, ok, q, run};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn ocds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ocds")
}

fn sorted(text: &str) -> Vec<String> {
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    rows.sort_by(|a, b| {
        let n = |r: &str| r.split(',').next().unwrap().parse::<u64>().unwrap();
        n(a).cmp(&n(b)).then_with(|| a.as_bytes().cmp(b.as_bytes()))
    });
    rows
}

#[test]
fn ocds_help_is_bilingual() {
    for sub in [
        vec!["ocds"],
        vec!["ocds", "prepare"],
        vec!["ocds", "coverage"],
    ] {
        let text = ok(Command::new(BIN).args(&sub).arg("--help"));
        let about = text.lines().next().unwrap();
        assert!(text.contains("用法 / Usage"), "{sub:?}");
        assert!(
            about.contains("/ ")
                && about
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{sub:?}: {about}"
        );
    }
    let import = ok(Command::new(BIN).args(["import", "--help"]));
    assert!(import.contains("--settings") && import.contains("--report"));
}

#[test]
fn dr_import_reports_what_cardinal_reports_and_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let report = dir.path().join("issues.csv");
    let src = ocds_dir();
    let out = json(
        q(&data)
            .args(["import", "ocds"])
            .arg(src.join("dominican-republic-dgcp-10000.jsonl.gz"))
            .arg("--settings")
            .arg(src.join("cardinal-expected/settings.ini"))
            .arg("--report")
            .arg(&report),
    );
    assert_eq!(out["summary"]["releases"], 10_000);
    assert_eq!(out["summary"]["issues"], 1_254);
    assert!(out["ledger_index"].as_u64().is_some());
    let tables = out["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 8);
    let rows = |name: &str| {
        tables.iter().find(|t| t["dataset"] == name).unwrap()["rows_written"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(rows("ocds_processes"), 10_000);
    assert_eq!(rows("ocds_bids"), 24_903);
    assert_eq!(rows("ocds_awards"), 9_522);
    let expected =
        std::fs::read_to_string(src.join("cardinal-expected/prepared-issues.csv")).unwrap();
    assert_eq!(
        sorted(&std::fs::read_to_string(&report).unwrap()),
        sorted(&expected)
    );

    // One bid proven on its own: the import entry's receipt plus the row's proof in its table.
    let index = out["ledger_index"].as_u64().unwrap();
    let file = tables
        .iter()
        .position(|t| t["dataset"] == "ocds_bids")
        .unwrap();
    let proof = dir.path().join("bid.json");
    ok(q(&data)
        .args(["ledger", "record-proof", &index.to_string(), "7", "--file"])
        .arg(file.to_string())
        .arg("--out")
        .arg(&proof));
    let vkey = json(q(&data).args(["init"]))["ledger_vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = json(
        Command::new(BIN)
            .args(["ledger", "verify-record"])
            .arg(&proof)
            .args(["--vkey", &vkey]),
    );
    assert_eq!(
        (v["verified"].as_bool(), v["dataset"].as_str()),
        (Some(true), Some("ocds_bids"))
    );

    // The same file with the same settings: recognised, nothing written, no ledger entry.
    let again = json(
        q(&data)
            .args(["import", "ocds"])
            .arg(src.join("dominican-republic-dgcp-10000.jsonl.gz"))
            .arg("--settings")
            .arg(src.join("cardinal-expected/settings.ini")),
    );
    assert!(again["ledger_index"].is_null());
    assert!(
        again["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["rows_written"] == 0)
    );
}

#[test]
fn messy_stdin_is_kept_and_every_problem_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let report = dir.path().join("r.csv");
    let mut child = q(&data)
        .args(["--json", "import", "ocds", "-", "--report"])
        .arg(&report)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"{\"ocid\":\"a\",\"bids\":{\"details\":[{\"value\":{\"amount\":0}}]}}\n{not json\n\n[1,2]\n{\"ocid\":\"b\"}\n",
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["releases"], 2);
    assert_eq!(v["summary"]["skipped_lines"], 2);
    let r = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        r.lines().collect::<Vec<_>>(),
        [
            "1,a,/bids/details[]/value/amount,0,,is zero",
            "1,a,/bids/details[]/value/currency,0,,not set",
            "1,a,/bids/details[]/status,0,,not set",
            "2,,,,,invalid JSON",
            "4,,,,,not a JSON object",
        ]
    );
}

#[test]
fn unreadable_input_and_bad_settings_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let missing = run(q(&data).args(["import", "ocds", "/nonexistent/x.jsonl"]));
    assert_eq!(missing.status.code(), Some(2));
    let bad_gz = dir.path().join("bad.jsonl.gz");
    std::fs::write(&bad_gz, [0x1f, 0x8b, 0, 1, 2, 3]).unwrap();
    let o = run(q(&data).args(["import", "ocds"]).arg(&bad_gz));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ini = dir.path().join("s.ini");
    std::fs::write(&ini, "[defaults]\ncurency = USD\n").unwrap();
    let o = run(Command::new(BIN)
        .args(["ocds", "prepare", "--settings"])
        .arg(&ini)
        .arg(ocds_dir().join("cardinal-fixtures/prepare/amount.jsonl")));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("curency"));
}

#[test]
fn prepare_and_coverage_print_cardinal_shapes() {
    let fx = ocds_dir().join("cardinal-fixtures");
    let out = ok(Command::new(BIN)
        .args(["ocds", "prepare", "--settings"])
        .arg(fx.join("prepare/defaults.ini"))
        .arg(fx.join("prepare/defaults.jsonl")));
    assert_eq!(
        out,
        std::fs::read_to_string(fx.join("prepare/defaults.output")).unwrap()
    );
    let cov: serde_json::Value = serde_json::from_str(&ok(Command::new(BIN)
        .args(["ocds", "coverage", "--cardinal-json"])
        .arg(fx.join("coverage/mixed_lines_object.jsonl"))))
    .unwrap();
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fx.join("coverage/mixed_lines_object.expected")).unwrap(),
    )
    .unwrap();
    assert_eq!(cov, expected);
}
