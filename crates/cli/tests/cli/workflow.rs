//! Drives the real `qinglian` binary through the workflow: a screening hit becomes a clue and
//! walks every state to closure (销号), with a refused illegal move, an escalation by injected
//! time, a verification refused while the indicator still fires (and inside the cool-down),
//! accepted once the data is corrected and re-imported, the outcome report following each step,
//! and `ledger verify` passing — until the clue's status is changed behind Qinglian's back.

use super::{BIN, json, ok, q, refused, test_indicators};
use std::path::Path;
use std::process::Command;

fn report(data: &Path, extra: &[&str]) -> serde_json::Value {
    json(q(data).arg("report").args(extra))
}

#[test]
fn a_hit_walks_every_state_to_closure() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "unit_id,name,kind,division_code,uscc\nU1,甲国企,国企,330106,\nU2,乙区机关,机关,330102,\nU3,丙村,村居,330106,\n",
    )
    .unwrap();
    ok(q(&data).args(["import", "units"]).arg(&units));
    let screened = json(
        q(&data)
            .args([
                "screen",
                "--as-of",
                "2025-12-31",
                "--indicator",
                "TS-R01",
                "--indicators",
            ])
            .arg(test_indicators()),
    );
    assert_eq!(screened["total_hits"], 2);
    for (name, div) in [("xh", "330106"), ("hz", "330100")] {
        ok(q(&data).args([
            "users",
            "add",
            name,
            "--role",
            "supervisor",
            "--jurisdiction",
            div,
        ]));
    }
    let hits = json(q(&data).arg("hits"));
    let hit_of = |unit: &str| -> String {
        hits.as_array()
            .unwrap()
            .iter()
            .find(|h| h["unit_id"] == unit)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (h1, h2) = (hit_of("U1"), hit_of("U2"));

    // Triage feedback: a false positive, ledgered, leaves the listing.
    ok(q(&data).args([
        "hits",
        "decide",
        &h2[..12],
        "--decision",
        "false_positive",
        "--note",
        "机关已另行登记",
    ]));
    assert_eq!(json(q(&data).arg("hits")).as_array().unwrap().len(), 1);
    let e = refused(q(&data).args(["hits", "decide", &h1, "--decision", "maybe"]));
    assert!(e.contains("HIT_BAD_DECISION"), "{e}");

    // Open: the id is printed first.
    let out = ok(q(&data).args(["clues", "open", "--hit", &h1[..12]]));
    assert_eq!(out.lines().next(), Some("C-1"));
    let r = report(&data, &[]);
    assert_eq!(
        (
            r["problems_found"].as_i64(),
            r["problems_rectified"].as_i64()
        ),
        (Some(0), Some(0))
    );

    // An illegal move names the current state and what is allowed.
    let e = refused(q(&data).args(["clues", "move", "C-1", "--to", "closed"]));
    assert!(
        e.contains("CLUE_ILLEGAL_TRANSITION")
            && e.contains("登记")
            && e.contains("allowed next: triaged"),
        "{e}"
    );

    let mv = |args: &[&str]| ok(q(&data).args(["clues", "move", "C-1"]).args(args));
    mv(&["--to", "triaged", "--handler", "xh"]);
    mv(&[
        "--to",
        "disposed",
        "--method",
        "初步核实",
        "--note",
        "核实单位登记情况",
    ]);
    mv(&[
        "--to",
        "confirmed",
        "--note",
        "确未登记",
        "--persons",
        "提醒谈话=1",
        "--persons",
        "admonishment=1",
    ]);
    let r = report(&data, &[]);
    assert_eq!(
        (
            r["problems_found"].as_i64(),
            r["problems_rectified"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(r["rectification_rate"], 0.0);
    assert_eq!(r["persons_handled"]["reminder_talk"], 1);
    assert_eq!(r["persons_handled"]["admonishment"], 1);
    assert_eq!(r["persons_handled"]["judicial_referral"], 0);

    // The order: one item tied to the hit's indicator and subject.
    ok(q(&data).args([
        "clues",
        "item",
        "add",
        "C-1",
        "--text",
        "补录统一社会信用代码",
        "--deadline",
        "2099-12-31",
        "--from-hit",
    ]));
    mv(&["--to", "rectifying", "--note", "下达整改通知"]);

    // Escalation by injected time: nothing before the deadline, one level up after it.
    let j = json(q(&data).args(["jobs", "run", "--now", "2099-12-31T23:00"]));
    assert_eq!(j["escalated"].as_array().unwrap().len(), 0);
    let j = json(q(&data).args(["jobs", "run", "--now", "2100-01-02"]));
    let up = &j["escalated"][0];
    assert_eq!(
        (
            up["from_division"].as_str(),
            up["to_division"].as_str(),
            up["handler"].as_str()
        ),
        (Some("330106"), Some("330100"), Some("hz"))
    );
    let inbox = json(q(&data).args(["inbox", "--user", "hz"]));
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert!(inbox[0]["text_zh"].as_str().unwrap().contains("C-1/1"));
    let j = json(q(&data).args(["jobs", "run", "--now", "2100-01-03"]));
    assert_eq!(
        j["escalated"].as_array().unwrap().len(),
        0,
        "not again within escalation_days"
    );

    // The unit's report with evidence kept by hash.
    let evidence = dir.path().join("营业执照.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 licence").unwrap();
    ok(q(&data)
        .args([
            "clues",
            "item",
            "report",
            "C-1",
            "1",
            "--grade",
            "completely",
            "--evidence",
        ])
        .arg(&evidence));
    let show = json(q(&data).args(["clues", "show", "C-1"]));
    let sha = show["items"][0]["evidence"]
        .as_str()
        .unwrap()
        .trim_matches(['[', ']', '"'])
        .to_owned();
    // Kept by the store (with the report, like the server's uploads), not beside it.
    assert_eq!(
        sha,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"%PDF-1.4 licence")),
        "the evidence is named by its SHA-256"
    );
    assert!(!data.join("evidence").exists(), "no second file store");

    // Verification on data: refused while the indicator still fires, naming the hit.
    let verify = |extra: &[&str]| {
        let mut c = q(&data);
        c.args([
            "clues",
            "item",
            "verify",
            "C-1",
            "1",
            "--grade",
            "completely",
            "--as-of",
            "2025-12-31",
            "--indicators",
        ])
        .arg(test_indicators())
        .args(extra);
        c
    };
    let e = refused(&mut verify(&[]));
    assert!(e.contains("ITEM_STILL_FIRES") && e.contains(&h1), "{e}");
    // The unit records its USCC; the data is re-imported. Inside the cool-down: still refused.
    std::fs::write(
        &units,
        "unit_id,name,kind,division_code,uscc\nU1,甲国企,国企,330106,91350100M000100Y43\nU2,乙区机关,机关,330102,\nU3,丙村,村居,330106,\n",
    )
    .unwrap();
    ok(q(&data).args(["import", "units", "--replace"]).arg(&units));
    let e = refused(&mut verify(&[]));
    assert!(e.contains("ITEM_COOLDOWN") && e.contains(&h1), "{e}");
    ok(verify(&[
        "--systems-improved",
        "《单位信息登记管理办法》",
        "--money-fen",
        "50000",
    ])
    .env("QINGLIAN_COOLDOWN_DAYS", "0"));
    let r = report(&data, &[]);
    assert_eq!(
        (
            r["systems_improved"].as_i64(),
            r["money_recovered_fen"].as_i64()
        ),
        (Some(1), Some(50_000))
    );
    assert_eq!(r["problems_rectified"], 0, "rectified means closed");

    mv(&["--to", "closed", "--note", "销号"]);
    let show = json(q(&data).args(["clues", "show", "C-1"]));
    assert_eq!(show["clue"]["status"], "closed");
    let timeline = show["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "open",
            "triage",
            "dispose",
            "finding",
            "item_add",
            "order",
            "escalate",
            "item_report",
            "item_verify",
            "close"
        ]
    );
    assert!(
        timeline
            .iter()
            .all(|e| e["ledger_index"].as_u64().is_some())
    );
    let check = &timeline[8]["detail"]["data_check"];
    assert_eq!(
        (
            check["passed"].as_bool(),
            check["firing"].as_array().map(Vec::len)
        ),
        (Some(true), Some(0))
    );
    let human = ok(q(&data).args(["clues", "show", "C-1"]));
    assert!(
        human.contains("销号 closed") && human.contains("全过程 timeline"),
        "{human}"
    );

    // The report reflects the closure, per period and division, and exports.
    let r = report(&data, &[]);
    assert_eq!(
        (
            r["problems_found"].as_i64(),
            r["problems_rectified"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(r["rectification_rate"], 1.0);
    let found_at = show["clue"]["found_at"].as_i64().unwrap();
    let year = String::from_utf8(
        Command::new("date")
            .env("TZ", "Asia/Shanghai")
            .arg("-d")
            .arg(format!("@{found_at}"))
            .arg("+%Y")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        report(&data, &["--period", year.trim()])["problems_found"],
        1
    );
    assert_eq!(report(&data, &["--period", "2020-Q1"])["problems_found"], 0);
    assert_eq!(
        report(&data, &["--division", "330100"])["problems_rectified"],
        1
    );
    assert_eq!(
        report(&data, &["--division", "330200"])["problems_found"],
        0
    );
    let xlsx = dir.path().join("成效.xlsx");
    ok(q(&data).arg("report").arg("--export").arg(&xlsx));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    assert_eq!(
        json(q(&data).args(["clues", "list"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The ledger verifies, replaying the clue; a status changed behind Qinglian's back fails it.
    let v = json(q(&data).args(["ledger", "verify"]));
    assert_eq!(
        v["report"]["objects_replayed"], 5,
        "2 users, 1 clue, 1 decided hit, 1 evidence file: {v}"
    );
    let db = data.join("qinglian.db");
    let o = Command::new("sqlite3")
        .arg(&db)
        .arg("UPDATE clues SET status = 'rectifying' WHERE id = 'C-1'")
        .output()
        .expect("sqlite3 CLI");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = refused(q(&data).args(["ledger", "verify"]));
    assert!(
        e.contains("LEDGER_STATE_DIVERGED") && e.contains("C-1"),
        "{e}"
    );
}

#[test]
fn workflow_help_is_bilingual() {
    for sub in [
        vec!["clues", "open"],
        vec!["clues", "move"],
        vec!["clues", "show"],
        vec!["clues", "item", "add"],
        vec!["clues", "item", "report"],
        vec!["clues", "item", "verify"],
        vec!["hits", "decide"],
        vec!["jobs", "run"],
        vec!["inbox"],
        vec!["report"],
    ] {
        let text = ok(Command::new(BIN).args(&sub).arg("--help"));
        let about = text.lines().next().unwrap();
        assert!(
            about.contains("/ ")
                && about
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{sub:?}: {about}"
        );
    }
}
