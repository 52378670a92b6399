//! Drives the real `qinglian` binary through 一书一单一函, triage feedback, the jobs and `--as`:
//! letters issued with gap-free numbers, written as HTML and .docx (opened with LibreOffice
//! when it is installed), delivered and acknowledged, a later hit on a warned person carrying
//! the warning in `hits` and `clues show`, `ledger verify` catching a signature date changed
//! behind Qinglian's back; the routine screening and the items' re-checks run by injected time;
//! precision beside each indicator, the triage queue, and a user's jurisdiction from `--as`.

use super::{BIN, json, ok, q, refused, run, test_indicators};
use std::path::{Path, PathBuf};
use std::process::Command;

fn citizen_id(n: u32) -> String {
    let first17 = format!("33010619800101{n:03}");
    let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

const UNITS: &str =
    "unit_id,name,kind,division_code,uscc\nU1,甲国企,国企,330106,\nU2,乙区机关,机关,330102,\n";

/// Units, people and posts (U1's head P1 and its asset manager P2), three users, and a first
/// screening with the test indicator TS-R01 (one hit per unit without a USCC).
fn setup(dir: &Path) -> PathBuf {
    let data = dir.join("d");
    let files = [
        ("units.csv", UNITS.to_owned()),
        (
            "people.csv",
            format!(
                "person_id,name,citizen_id,division_code,unit_id\nP1,李志强,{},330106,U1\nP2,王建国,{},330106,U1\n",
                citizen_id(1),
                citizen_id(2)
            ),
        ),
        (
            "posts.csv",
            "post_id,unit_id,person_id,title,key_area,is_head,start_date\nT1,U1,P1,董事长,,是,2020-01-01\nT2,U1,P2,资产经营部经理,产权交易,否,2020-01-01\n".to_owned(),
        ),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let dataset = name.trim_end_matches(".csv");
        ok(q(&data).args(["import", dataset]).arg(&path));
    }
    for (name, role, scope) in [
        ("xh", "supervisor", ["--jurisdiction", "330106"]),
        ("nb", "supervisor", ["--jurisdiction", "330200"]),
        ("s1", "unit", ["--unit", "U1"]),
    ] {
        ok(q(&data)
            .args(["users", "add", name, "--role", role])
            .args(scope));
    }
    screen(&data);
    data
}

fn screen(data: &Path) {
    ok(q(data)
        .args([
            "screen",
            "--as-of",
            "2025-12-31",
            "--indicator",
            "TS-R01",
            "--indicators",
        ])
        .arg(test_indicators()));
}

fn reimport_units(dir: &Path, data: &Path, text: &str) {
    let path = dir.join("units.csv");
    std::fs::write(&path, text).unwrap();
    ok(q(data).args(["import", "units", "--replace"]).arg(&path));
}

fn hit_of(data: &Path, unit: &str) -> Vec<serde_json::Value> {
    json(q(data).arg("hits"))
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["unit_id"] == unit)
        .cloned()
        .collect()
}

/// The .docx through a real reader when one is installed (`.ci/run` installs LibreOffice).
fn docx_text(path: &Path, dir: &Path) -> Option<String> {
    let have = Command::new("soffice").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "soffice is required in CI"
        );
        eprintln!("SKIPPED: soffice not installed; the .docx was checked as bytes only");
        return None;
    }
    let out = dir.join("txt");
    let o = Command::new("soffice")
        .args(["--headless", "--convert-to", "txt:Text", "--outdir"])
        .arg(&out)
        .arg(path)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    Some(std::fs::read_to_string(out.join(format!("{stem}.txt"))).unwrap())
}

#[test]
fn letters_are_numbered_rendered_tracked_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let data = setup(dir.path());
    let issue = |args: &[&str]| {
        let mut c = q(&data);
        c.args(["letters", "issue"])
            .args(args)
            .arg("--indicators")
            .arg(test_indicators());
        json(&mut c)
    };

    // The notice letter: the number from its register, the files, the hash in the HTML.
    let n1 = issue(&[
        "--kind",
        "notice",
        "--unit",
        "U1",
        "--counterparty",
        "承租方",
        "--date",
        "2026-05-08",
    ]);
    let number = n1["letter"]["number"].as_str().unwrap();
    assert_eq!(number, "西湖纪〔2026〕告知 第 0001 号");
    assert_eq!(n1["letter"]["id"], "330106-2026-notice-0001");
    let html = std::fs::read_to_string(n1["files"]["html"].as_str().unwrap()).unwrap();
    let sha = n1["letter"]["content_sha256"].as_str().unwrap();
    assert!(html.contains(number) && html.contains(sha) && html.contains("承租方"));
    let docx_path = PathBuf::from(n1["files"]["docx"].as_str().unwrap());
    let docx = std::fs::read(&docx_path).unwrap();
    assert!(docx.starts_with(b"PK"), "a zip archive");
    if let Some(text) = docx_text(&docx_path, dir.path()) {
        assert!(text.contains(number) && text.contains("甲国企"), "{text}");
    }
    let n2 = issue(&[
        "--kind",
        "告知书",
        "--unit",
        "U1",
        "--counterparty",
        "supplier",
        "--date",
        "2026-05-09",
        "--as",
        "xh",
    ]);
    assert_eq!(n2["letter"]["seq"], 2, "the register has no gaps");

    // The risk list for a key post: the shipped catalogue's risk points of its area.
    let rl = issue(&[
        "--kind",
        "risk-list",
        "--post",
        "T2",
        "--date",
        "2026-05-09",
        "--as",
        "xh",
    ]);
    assert_eq!(rl["letter"]["number"], "西湖纪〔2026〕清单 第 0001 号");
    let html = std::fs::read_to_string(rl["files"]["html"].as_str().unwrap()).unwrap();
    assert!(
        html.contains("SL-R01") && !html.contains("RA-R01"),
        "soe_leasing only"
    );

    // The reminder to the unit's head, from the hits on the unit.
    let out = ok(q(&data)
        .args([
            "letters",
            "issue",
            "--kind",
            "reminder",
            "--person",
            "P1",
            "--date",
            "2026-05-10",
        ])
        .args(["--reply-by", "2026-05-31", "--indicators"])
        .arg(test_indicators()));
    let rem_id = out.lines().next().unwrap().to_owned();
    assert_eq!(rem_id, "330106-2026-reminder-0001");
    let reminder = "西湖纪〔2026〕提醒 第 0001 号";
    let html =
        std::fs::read_to_string(data.join("letters").join(format!("{rem_id}.html"))).unwrap();
    assert!(
        html.contains("李志强同志") && html.contains("甲国企（U1）未登记"),
        "{html}"
    );

    // Jurisdiction and role from --as.
    let e = refused(q(&data).args([
        "letters",
        "issue",
        "--kind",
        "notice",
        "--unit",
        "U1",
        "--counterparty",
        "tenant",
        "--as",
        "nb",
    ]));
    assert!(e.contains("NOT_FOUND") || e.contains("not found"), "{e}");
    let e = refused(q(&data).args([
        "letters",
        "issue",
        "--kind",
        "notice",
        "--unit",
        "U1",
        "--counterparty",
        "tenant",
        "--as",
        "s1",
    ]));
    assert!(e.contains("CLUE_FORBIDDEN"), "{e}");
    assert_eq!(
        json(q(&data).args(["letters", "list", "--as", "nb"])),
        serde_json::json!([])
    );

    // A later hit on the same person: the unit renamed, screened again, a new hit that carries
    // the warning in `hits` (JSON and text) and in `clues show`.
    reimport_units(
        dir.path(),
        &data,
        &UNITS.replace("U1,甲国企", "U1,甲国企集团"),
    );
    screen(&data);
    let later = hit_of(&data, "U1")
        .into_iter()
        .find(|h| h["explanation_zh"].as_str().unwrap().contains("甲国企集团"))
        .unwrap();
    assert_eq!(later["warned"][0]["number"], reminder);
    assert_eq!(
        later["warned"][0]["note_zh"],
        format!("已于2026年5月10日以{reminder}函提醒")
    );
    assert!(
        hit_of(&data, "U2")[0]["warned"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let text = ok(q(&data).arg("hits"));
    assert!(
        text.contains(&format!("warned on 2026-05-10 by letter {reminder}")),
        "{text}"
    );
    let id = later["id"].as_str().unwrap();
    ok(q(&data).args(["clues", "open", "--hit", &id[..12]]));
    let show = json(q(&data).args(["clues", "show", "C-1"]));
    assert_eq!(show["warnings"][0]["number"], reminder);
    assert!(ok(q(&data).args(["clues", "show", "C-1"])).contains("提醒 warned: 已于2026年5月10日"));

    // Delivery and acknowledgement, by id or by the number as printed.
    ok(q(&data).args(["letters", "deliver", &rem_id, "--on", "2026-05-12"]));
    let e = refused(q(&data).args(["letters", "ack", reminder, "--signed-on", "2026-05-11"]));
    assert!(e.contains("LETTER_BAD_DATE"), "{e}");
    let a = json(q(&data).args([
        "letters",
        "ack",
        reminder,
        "--signed-on",
        "2026-05-13",
        "--signer",
        "李志强",
    ]));
    assert_eq!(
        (a["status"].as_str(), a["signed_on"].as_str()),
        (Some("acknowledged"), Some("2026-05-13"))
    );
    let e = refused(q(&data).args(["letters", "ack", &rem_id, "--signed-on", "2026-05-13"]));
    assert!(e.contains("LETTER_ILLEGAL_STEP"), "{e}");
    ok(q(&data).args([
        "letters",
        "ack",
        "330106-2026-notice-0001",
        "--signed-on",
        "2026-05-08",
        "--as",
        "s1",
    ]));
    let listed = json(q(&data).args(["letters", "list"]));
    let mut statuses: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [
            ("330106-2026-notice-0001", "acknowledged"),
            ("330106-2026-notice-0002", "issued"),
            ("330106-2026-reminder-0001", "acknowledged"),
            ("330106-2026-risk_list-0001", "issued"),
        ]
    );
    let xlsx = dir.path().join("文书.xlsx");
    ok(q(&data).args(["letters", "list", "--export"]).arg(&xlsx));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

    // The ledger replays the letters; a signature date changed behind Qinglian's back fails it.
    let v = json(q(&data).args(["ledger", "verify"]));
    assert!(
        // 3 users, 4 letters, 1 clue.
        v["report"]["objects_replayed"].as_u64().unwrap() >= 8,
        "{v}"
    );
    let o = Command::new("sqlite3")
        .arg(data.join("qinglian.db"))
        .arg(format!(
            "UPDATE letters SET signed_on = '2026-05-20' WHERE id = '{rem_id}'"
        ))
        .output()
        .expect("sqlite3 CLI");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = refused(q(&data).args(["ledger", "verify"]));
    assert!(
        e.contains("LEDGER_STATE_DIVERGED") && e.contains(&rem_id),
        "{e}"
    );
}

#[test]
fn jobs_screen_on_schedule_and_recheck_items_waiting_for_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = setup(dir.path());
    let h = hit_of(&data, "U1")[0]["id"].as_str().unwrap().to_owned();
    ok(q(&data).args(["clues", "open", "--hit", &h[..12]]));
    let mv = |args: &[&str]| ok(q(&data).args(["clues", "move", "C-1"]).args(args));
    mv(&["--to", "triaged", "--handler", "xh"]);
    mv(&["--method", "初步核实", "--note", "核实"]);
    mv(&["--to", "confirmed", "--note", "属实"]);
    ok(q(&data).args([
        "clues",
        "item",
        "add",
        "C-1",
        "--text",
        "补录代码",
        "--deadline",
        "2099-12-31",
        "--from-hit",
    ]));
    mv(&["--to", "rectifying", "--note", "下达整改通知"]);
    ok(q(&data).args([
        "clues",
        "item",
        "report",
        "C-1",
        "1",
        "--grade",
        "completely",
    ]));
    let jobs = |now: &str, extra: &[&str]| {
        let mut c = q(&data);
        c.args(["jobs", "run", "--now", now, "--indicators"])
            .arg(test_indicators())
            .args(extra);
        json(&mut c)
    };

    // First run: the routine screening is due (none yet), and the item's re-check still fires.
    let j = jobs("2100-01-01", &[]);
    assert_eq!(j["screening"]["as_of"], "2100-01-01");
    assert!(
        j["rescreen"].is_null(),
        "the routine run covered the item's indicator"
    );
    assert_eq!(j["checks"][0]["passed"], false);
    assert_eq!(j["checks"][0]["firing"][0], h.as_str());
    // Hours later nothing is due; a week later the routine screening is, and so is the item.
    let j = jobs("2100-01-01T06:00", &[]);
    assert!(j["screening"].is_null() && j["checks"].as_array().unwrap().is_empty());
    let j = jobs("2100-01-09", &["--screen-every-days", "0"]);
    assert!(j["screening"].is_null(), "0 turns it off");
    assert_eq!(
        j["rescreen"]["indicators"][0]["id"], "TS-R01",
        "the item's own re-screen"
    );
    let j = jobs("2100-01-10", &[]);
    assert_eq!(j["screening"]["as_of"], "2100-01-10");

    // The unit records its USCC: the re-check no longer fires but the cool-down is running;
    // with no cool-down it passes and tells the handler.
    reimport_units(
        dir.path(),
        &data,
        &UNITS.replace("330106,\n", "330106,91350100M000100Y43\n"),
    );
    let j = jobs("2100-01-12", &[]);
    let c = &j["checks"][0];
    assert_eq!(
        (c["passed"].as_bool(), c["firing"].as_array().map(Vec::len)),
        (Some(false), Some(0))
    );
    assert!(
        c["verifiable_from"]
            .as_str()
            .unwrap()
            .starts_with("2100-02-0"),
        "{c}"
    );
    let j = jobs("2100-01-13", &["--cooldown-days", "0"]);
    assert_eq!(j["checks"][0]["passed"], true, "{j}");
    let inbox = json(q(&data).args(["inbox", "--as", "xh", "--unread"]));
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert_eq!(inbox[0]["kind"], "item_ready");
    let id = inbox[0]["id"].as_str().unwrap().to_owned();
    assert!(
        json(q(&data).args(["inbox", "--as", "nb"]))
            .as_array()
            .unwrap()
            .is_empty()
    );
    refused(q(&data).args(["inbox", "read", &id, "--as", "nb"]));
    ok(q(&data).args(["inbox", "read", &id, "--as", "xh"]));
    assert!(
        json(q(&data).args(["inbox", "--as", "xh", "--unread"]))
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Every check is a step of the clue with its ledger entry; the ledger verifies, and a read
    // mark removed behind Qinglian's back is caught.
    let show = json(q(&data).args(["clues", "show", "C-1"]));
    let checks: Vec<&serde_json::Value> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "item_check")
        .collect();
    assert_eq!(checks.len(), 5, "01-01, 01-09, 01-10, 01-12, 01-13");
    assert!(
        checks
            .iter()
            .all(|e| e["ledger_index"].as_u64().is_some() && e["actor"] == "jobs")
    );
    assert_eq!(show["items"][0]["check_passed"], true);
    ok(q(&data).args(["ledger", "verify"]));
    let o = Command::new("sqlite3")
        .arg(data.join("qinglian.db"))
        .arg("UPDATE inbox SET read_at = NULL")
        .output()
        .expect("sqlite3 CLI");
    assert!(o.status.success());
    let e = refused(q(&data).args(["ledger", "verify"]));
    assert!(
        e.contains("LEDGER_STATE_DIVERGED") && e.contains(&id),
        "{e}"
    );
}

#[test]
fn triage_feedback_and_acting_as_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let data = setup(dir.path());
    let u1 = hit_of(&data, "U1")[0]["id"].as_str().unwrap().to_owned();
    let u2 = hit_of(&data, "U2")[0]["id"].as_str().unwrap().to_owned();

    // The queue: undecided hits; a user sees only their jurisdiction's.
    let queue = json(
        q(&data)
            .args(["hits", "queue", "--indicators"])
            .arg(test_indicators()),
    );
    assert_eq!(queue.as_array().unwrap().len(), 2);
    let mine = json(q(&data).args(["hits", "queue", "--as", "xh"]));
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["id"], u1.as_str());
    assert!(
        json(q(&data).args(["hits", "--as", "nb"]))
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Decisions through --as follow the jurisdiction; precision is confirmed ÷ decided.
    let e = refused(q(&data).args([
        "hits",
        "decide",
        &u2,
        "--decision",
        "false_positive",
        "--as",
        "xh",
    ]));
    assert!(e.contains("not found") || e.contains("NOT_FOUND"), "{e}");
    ok(q(&data).args([
        "hits",
        "decide",
        &u1,
        "--decision",
        "confirmed",
        "--as",
        "xh",
    ]));
    ok(q(&data).args(["hits", "decide", &u2, "--decision", "false_positive"]));
    assert!(
        json(q(&data).args(["hits", "queue"]))
            .as_array()
            .unwrap()
            .is_empty()
    );
    let hits = json(q(&data).args(["hits", "--all"]));
    let p = &hits[0]["indicator_precision"];
    assert_eq!(
        (
            p["confirmed"].as_i64(),
            p["decided"].as_i64(),
            p["precision"].as_f64()
        ),
        (Some(1), Some(2), Some(0.5))
    );
    let list = json(
        q(&data)
            .args(["indicators", "list", "--indicators"])
            .arg(test_indicators()),
    );
    let ts = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "TS-R01")
        .unwrap();
    assert_eq!(ts["precision"]["precision"], 0.5);
    let text = ok(q(&data)
        .args(["indicators", "list", "--indicators"])
        .arg(test_indicators()));
    assert!(text.contains("50% (1/2)"), "{text}");
    // Without a data directory: no precision, and no data directory is created.
    let empty = dir.path().join("elsewhere");
    std::fs::create_dir(&empty).unwrap();
    let o = run(Command::new(BIN)
        .current_dir(&empty)
        .env_remove("QINGLIAN_DATA")
        .env_remove("QINGLIAN_DATABASE_URL")
        .args(["--json", "indicators", "list"]));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(list[0].get("precision").is_none());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // Clues and the report through --as; an unknown or disabled user is refused.
    ok(q(&data).args(["clues", "open", "--hit", &u1[..12], "--as", "xh"]));
    let clues = json(q(&data).args(["clues", "list", "--as", "xh"]));
    assert_eq!(
        clues[0]["indicator_precision"]["decided"], 1,
        "precision over the hits the user sees"
    );
    assert!(
        json(q(&data).args(["clues", "--as", "nb", "list"]))
            .as_array()
            .unwrap()
            .is_empty()
    );
    let e = refused(q(&data).args([
        "clues",
        "move",
        "C-1",
        "--to",
        "triaged",
        "--handler",
        "xh",
        "--as",
        "s1",
    ]));
    assert!(e.contains("CLUE_FORBIDDEN"), "{e}");
    assert_eq!(
        json(q(&data).args(["report", "--as", "nb"]))["problems_found"],
        0
    );
    let e = refused(q(&data).args(["clues", "list", "--as", "nobody"]));
    assert!(e.contains("USER_UNKNOWN"), "{e}");
    ok(q(&data).args(["users", "disable", "xh"]));
    let e = refused(q(&data).args(["clues", "list", "--as", "xh"]));
    assert!(e.contains("USER_DISABLED"), "{e}");
}

#[test]
fn letters_help_is_bilingual() {
    for sub in [
        vec!["letters", "issue"],
        vec!["letters", "list"],
        vec!["letters", "deliver"],
        vec!["letters", "ack"],
        vec!["hits", "queue"],
        vec!["inbox", "read"],
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
        assert!(text.contains("--as"), "{sub:?}: --as is offered");
    }
}
