//! `qinglian lottery`: offline verify on the golden publications (no data directory), the
//! golden lottery reproduced byte for byte through the store and the commands, a walk from an
//! applicants file (receipts, two batches, rehearsal, publish, verify me), precise refusals of
//! bad files, and `ledger verify` catching lottery rows changed behind Qinglian's back.

use super::{BIN, json, ok, q, refused, run, stderr};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

fn lot1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/lottery-lot1")
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The binary with no data directory anywhere near it.
fn offline(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env("QINGLIAN_DATA", dir.join("no-such-data"))
        .env_remove("QINGLIAN_DATABASE_URL");
    c
}

/// (citizen ID, salt) of a golden applicant by commitment.
fn golden_family(c: &str) -> (String, String) {
    let text = std::fs::read_to_string(lot1().join("applicants.csv")).unwrap();
    let row = text.lines().find(|l| l.ends_with(c)).unwrap();
    let f: Vec<&str> = row.split(',').collect();
    (f[1].to_owned(), f[2].to_owned())
}

fn sqlite3(db: &Path, sql: &str) {
    let o = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 CLI");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn verify_needs_no_data_directory_and_names_the_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    for d in ["published-stb-da", "published-mtb-da"] {
        let out = ok(offline(dir.path())
            .args(["lottery", "verify", "all"])
            .arg(lot1().join(d)));
        assert!(
            out.contains("结论：核验通过")
                && out.contains("[通过 PASS] beacon.json · beacon-signature"),
            "{d}: {out}"
        );
        assert!(
            out.contains("无证据 NO-EVIDENCE"),
            "timing evidence absent is reported: {out}"
        );
    }
    let tampered = lot1().join("published-stb-da-tampered-roster");
    let o = run(offline(dir.path())
        .args(["lottery", "verify", "all"])
        .arg(&tampered));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("核验失败：roster.csv · sha256-vs-manifest"),
        "{}",
        stderr(&o)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("[失败 FAIL] roster.csv · sha256-vs-manifest")
            && text.contains("verdict: FAILED")
    );
    let o = run(offline(dir.path())
        .args(["--json", "lottery", "verify", "all"])
        .arg(&tampered));
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["first_failure"]["artefact"], "roster.csv");
    assert_eq!(v["first_failure"]["check"], "sha256-vs-manifest");
    // usage and I/O: exit 2
    let o = run(offline(dir.path()).args(["lottery", "verify", "all", "nowhere"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        !dir.path().join("no-such-data").exists(),
        "no data directory was created"
    );
}

#[test]
fn verify_me_shows_number_ranks_and_cutoffs_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let stb = lot1().join("published-stb-da");
    let (id, salt) =
        golden_family("00221f29940a8599ac529aacf3ed52fde655c7614d372a9fa3eb61c53d2eff14");
    let out = ok(offline(dir.path())
        .args(["lottery", "verify", "me"])
        .arg(&stb)
        .args(["--id", &id, "--salt", &salt]));
    for needle in [
        "您的号码 / your number N_i: ac02c56f96fa3ebb8278245929ea619113a8d56136e740bc1091de3f51cdff99",
        "S04：第 1 层",
        "候补第 21 位",
        "S01：第 3 层",
        "候补第 404 位",
        "末位录取为第",
        "派位结果：未录取",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let v = json(
        offline(dir.path())
            .args(["lottery", "verify", "me"])
            .arg(&stb)
            .args(["--id", &id, "--salt", &salt]),
    );
    assert_eq!(v["found"], true);
    assert_eq!(v["choices"][0]["school"], "S04");
    assert_eq!(v["choices"][0]["waitlist_rank"], 21);
    assert!(
        v["choices"][0]["rank"].as_u64().unwrap()
            > v["choices"][0]["cutoff"]["rank"].as_u64().unwrap()
    );
    // a salt that is not the family's: not in the roster, exit 1; a malformed one: exit 2
    let o = run(offline(dir.path())
        .args(["lottery", "verify", "me"])
        .arg(&stb)
        .args(["--id", &id, "--salt", "0123456789abcdef0123456789abcdef"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("未在名册中找到"));
    let o = run(offline(dir.path())
        .args(["lottery", "verify", "me"])
        .arg(&stb)
        .args(["--id", &id, "--salt", "xyz"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Opens the CLI's store with the CLI's own ledger key (to register precomputed commitments
/// the way an enrolment platform would hand them over).
async fn store_and_ledger(data: &Path) -> (qinglian_store::Store, qinglian_store::ledger::Ledger) {
    let store = super::open_store(data).await;
    let origin = store
        .ledger_state(qinglian_store::ledger::LOG_ID)
        .await
        .unwrap()
        .unwrap()
        .origin;
    let key = std::fs::read_to_string(data.join("keys/ledger.skey")).unwrap();
    let signer = qinglian_ledger::Signer::parse(key.trim()).unwrap();
    let (ledger, _) = qinglian_store::ledger::Ledger::open(&store, signer, &origin)
        .await
        .unwrap();
    (store, ledger)
}

#[tokio::test]
async fn the_golden_lottery_is_reproduced_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let golden = lot1().join("published-stb-da");
    let first = ok(q(&data)
        .args(["lottery", "announce", "--params"])
        .arg(golden.join("params.txt"))
        .args(["--title", "LOT1 golden (STB/DA)"]));
    assert_eq!(first.lines().next(), Some("2026-DEMO-G1"));
    // The golden IDs are synthetic and mostly fail GB 11643, so `register` (which enforces the
    // checksum) refuses them; register their commitments through the store, as an enrolment
    // platform that issued the receipts would hand them over. Two batches.
    {
        let (store, ledger) = store_and_ledger(&data).await;
        let roster = std::fs::read_to_string(golden.join("roster.csv")).unwrap();
        let apps = std::fs::read_to_string(lot1().join("applicants.csv")).unwrap();
        let ids: std::collections::BTreeMap<&str, &str> = apps
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[3], f[1])
            })
            .collect();
        let all: Vec<qinglian_store::NewApplicant> = roster
            .lines()
            .map(|l| {
                let (c, choices) = l.split_once(',').unwrap();
                qinglian_store::NewApplicant {
                    commitment: c.to_owned(),
                    choices: choices
                        .split(';')
                        .map(|it| {
                            let (s, t) = it.split_once(':').unwrap();
                            (s.to_owned(), t.parse().unwrap())
                        })
                        .collect(),
                    group: None,
                    id_digest: qinglian_store::lottery::id_digest("2026-DEMO-G1", ids[c]),
                }
            })
            .collect();
        let op = qinglian_store::Principal::operator();
        for part in all.chunks(1200) {
            store
                .register_applicants(&ledger, &op, "2026-DEMO-G1", part, 1_800_000_000)
                .await
                .unwrap();
        }
        drop(ledger);
        store.close().await;
    }
    let frozen = ok(q(&data).args([
        "lottery",
        "freeze",
        "--lottery",
        "2026-DEMO-G1",
        "--rehearsal",
    ]));
    assert_eq!(
        frozen.lines().next(),
        Some("4c04f9bdee5f4202bb3af0ea00f9d16d19eab8d1d9ab42714a673fca22b008bd"),
        "the golden roster hash"
    );
    ok(q(&data)
        .args(["lottery", "draw", "--lottery", "2026-DEMO-G1", "--ceremony"])
        .arg(golden.join("ceremony.txt"))
        .arg("--beacon")
        .arg(golden.join("beacon.json")));
    let out = dir.path().join("pub");
    ok(q(&data)
        .args(["lottery", "publish", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&out));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected, "exactly the nine files");
    for n in &names {
        assert!(
            std::fs::read(out.join(n)).unwrap() == std::fs::read(golden.join(n)).unwrap(),
            "{n} differs from the golden publication"
        );
    }
    assert_eq!(json(q(&data).args(["ledger", "verify"]))["verified"], true);
    post_draw_offers(&data, &golden, dir.path());
    notarised_evidence(&data, &golden, &dir.path().join("pub-offers"));
}

/// The notary's record: `lottery evidence` without it takes T4 from the ledger (this golden
/// run is a rehearsal frozen years after round 123, which the timing check catches); with the
/// notarised hashes and times recorded, `verify all --evidence` checks them.
fn notarised_evidence(data: &Path, golden: &Path, published: &Path) {
    let ev = dir_file(published, "evidence.txt");
    ok(q(data)
        .args(["lottery", "evidence", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&ev));
    let text = std::fs::read_to_string(&ev).unwrap();
    assert!(text.starts_with("t4.commit_utc=20"), "{text}");
    let verify = |ev: &Path| {
        let mut c = offline(published);
        c.args(["lottery", "verify", "all"])
            .arg(published)
            .arg("--evidence")
            .arg(ev);
        c
    };
    let e = refused(&mut verify(&ev));
    assert!(
        e.contains("timing-t4-margin"),
        "a rehearsal's T4 is after R: {e}"
    );

    let roster = sha(&std::fs::read(golden.join("roster.csv")).unwrap());
    let notarise = |extra: &[&str]| {
        let mut c = q(data);
        c.args([
            "lottery",
            "notarise",
            "--lottery",
            "2026-DEMO-G1",
            "--by",
            "西湖公证处",
        ])
        .args(extra);
        c
    };
    // Round 123 of quicknet is at 2023-08-23T15:15:33Z.
    let rec = json(&mut notarise(&[
        "--roster-sha256",
        &roster,
        "--t4",
        "2023-08-23T14:00:00Z",
        "--not-before-round",
        "100",
        "--ceremony-done",
        "2023-08-23T15:10:00Z",
    ]));
    assert_eq!(rec["warnings"].as_array().unwrap().len(), 0, "{rec}");
    ok(q(data)
        .args(["lottery", "evidence", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&ev));
    let v = json(&mut verify(&ev));
    let passed: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    for check in [
        "sha256-vs-notarised",
        "timing-t4-margin",
        "timing-not-before",
        "timing-ceremony",
    ] {
        assert!(passed.contains(&check), "{check}: {v}");
    }

    // a notarised hash that is not the roster's: warned at once, failed by verify
    let rec = json(&mut notarise(&["--roster-sha256", &"0".repeat(64)]));
    assert!(
        rec["warnings"][0].as_str().unwrap().contains("roster.csv"),
        "{rec}"
    );
    ok(q(data)
        .args(["lottery", "evidence", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&ev));
    let e = refused(&mut verify(&ev));
    assert!(e.contains("roster.csv · sha256-vs-notarised"), "{e}");
    // a malformed evidence file is a usage error naming the line
    std::fs::write(&ev, "t4.commit_utc=yesterday\n").unwrap();
    let o = run(&mut verify(&ev));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        super::stderr(&o).contains("line 1"),
        "{}",
        super::stderr(&o)
    );
    assert_eq!(json(q(data).args(["ledger", "verify"]))["verified"], true);
}

fn dir_file(dir: &Path, name: &str) -> PathBuf {
    dir.parent().unwrap().join(name)
}

/// T8 on the golden lottery: a holder gives up a seat, the seat goes to the first on the
/// waitlist, who accepts; refusals for out-of-order events; the new publication verifies and
/// the ledger replays the log.
fn post_draw_offers(data: &Path, golden: &Path, tmp: &Path) {
    let results = std::fs::read_to_string(golden.join("results.csv")).unwrap();
    let waitlists = std::fs::read_to_string(golden.join("waitlists.csv")).unwrap();
    let holder = results
        .lines()
        .find_map(|l| l.strip_suffix(",S03"))
        .unwrap()
        .to_owned();
    // Nobody else moved, so the seat goes to rank 1 of S03's waitlist.
    let first = waitlists
        .lines()
        .find_map(|l| l.strip_prefix("S03,1,"))
        .unwrap()
        .to_owned();
    let offers = |args: &[&str]| {
        let mut c = q(data);
        c.args(["lottery", "offers"]).args(args).args([
            "--lottery",
            "2026-DEMO-G1",
            "--school",
            "S03",
        ]);
        c
    };
    // no seat is free before anyone gives one up; nobody answers an offer never made
    let e = refused(&mut offers(&["next"]));
    assert!(e.contains("LOTTERY_OFFER") && e.contains("S03"), "{e}");
    let e = refused(&mut offers(&["accept", "--applicant", &first]));
    assert!(e.contains("accept without an open offer"), "{e}");

    let d = json(&mut offers(&["decline", "--applicant", &holder]));
    assert_eq!(
        (d["seq"].as_u64(), d["free_seats"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(d["next_eligible"], first.as_str());
    let o = json(&mut offers(&["next"]));
    assert_eq!(
        (o["seq"].as_u64(), o["applicant"].as_str()),
        (Some(2), Some(first.as_str()))
    );
    assert_eq!(o["free_seats"], 0, "the open offer holds the seat");
    let e = refused(&mut offers(&["next"]));
    assert!(e.contains("no free seat"), "{e}");
    let a = json(&mut offers(&["accept", "--applicant", &first]));
    assert_eq!(a["seq"], 3);
    assert!(
        a["manifest_sha256"].is_string(),
        "a published lottery's manifest follows"
    );

    let list = json(q(data).args(["lottery", "offers", "list", "--lottery", "2026-DEMO-G1"]));
    let events: Vec<&str> = list["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["decline", "offer", "accept"]);

    // publishing again gives nine files that verify, with the log in the manifest
    let out = tmp.join("pub-offers");
    ok(q(data)
        .args(["lottery", "publish", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&out));
    let log = std::fs::read_to_string(out.join("offers_log.csv")).unwrap();
    assert_eq!(log.lines().count(), 3);
    assert!(
        log.lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!(",S03,{first},offer"))
    );
    assert!(
        std::fs::read_to_string(out.join("run_manifest.txt"))
            .unwrap()
            .contains(&format!("{}  offers_log.csv", sha(log.as_bytes())))
    );
    let v = ok(offline(&out).args(["lottery", "verify", "all"]).arg(&out));
    assert!(v.contains("offers"), "{v}");
    assert_eq!(json(q(data).args(["ledger", "verify"]))["verified"], true);

    // the log edited behind Qinglian's back: ledger verify names the file
    sqlite3(
        &data.join("qinglian.db"),
        "UPDATE lottery_files SET content = CAST('' AS BLOB) WHERE name = 'offers_log.csv'",
    );
    let e = refused(q(data).args(["ledger", "verify"]));
    assert!(e.contains("offers_log.csv"), "{e}");
    sqlite3(
        &data.join("qinglian.db"),
        &format!(
            "UPDATE lottery_files SET content = readfile('{}') WHERE name = 'offers_log.csv'",
            out.join("offers_log.csv").display()
        ),
    );
    assert_eq!(json(q(data).args(["ledger", "verify"]))["verified"], true);
}

/// `n` families with valid IDs, choices from the golden roster, one pair of twins.
fn applicants_csv(path: &Path, from: usize, n: usize) -> Vec<String> {
    let roster = std::fs::read_to_string(lot1().join("roster.csv")).unwrap();
    let mut csv = String::from("姓名,身份证号,志愿,兄弟姐妹组\n");
    let mut ids = Vec::new();
    for (i, line) in roster.lines().skip(from).take(n).enumerate() {
        let k = from + i;
        let first17 = format!(
            "3301062014{:02}{:02}{:03}",
            1 + k % 12,
            1 + k % 28,
            k % 1000
        );
        let id = format!(
            "{first17}{}",
            qinglian_core::ids::citizen_id_check_char(first17.as_bytes())
        );
        let choices = line.split_once(',').unwrap().1;
        let group = if i < 2 { "G-TWIN-1" } else { "" };
        csv.push_str(&format!("学生{k},{id},{choices},{group}\n"));
        ids.push(id);
    }
    std::fs::write(path, csv).unwrap();
    ids
}

/// (row, salt, commitment) from a receipts export.
fn receipts(path: &Path) -> Vec<(u64, String, String)> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range("回执").unwrap();
    range
        .rows()
        .skip(1)
        .map(|r| {
            (
                r[0].to_string().parse().unwrap(),
                r[5].to_string(),
                r[6].to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_lottery_from_applicant_files_to_publication_and_ledger_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let golden = lot1().join("published-stb-da");
    let id = ok(q(&data)
        .args(["lottery", "announce", "--division", "330106", "--params"])
        .arg(golden.join("params.txt")));
    assert_eq!(id.lines().next(), Some("2026-DEMO-G1"));
    // two batches: a CSV and an Excel file
    let a = dir.path().join("第一批.csv");
    let mut ids = applicants_csv(&a, 0, 150);
    let reg = json(
        q(&data)
            .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
            .arg(&a),
    );
    assert_eq!(reg["report"]["registered"], 150);
    let b_csv = dir.path().join("b.csv");
    ids.extend(applicants_csv(&b_csv, 150, 90)[2..].iter().cloned());
    let text = std::fs::read_to_string(&b_csv).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("报名").unwrap();
    for (r, line) in text
        .lines()
        .enumerate()
        .filter(|(r, _)| !(1..=2).contains(r))
    {
        let row = if r == 0 { 0 } else { r as u32 - 2 };
        for (c, cell) in line.split(',').enumerate() {
            ws.write(row, c as u16, cell).unwrap();
        }
    }
    let b = dir.path().join("第二批.xlsx");
    wb.save(&b).unwrap();
    ok(q(&data)
        .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
        .arg(&b));
    let html = std::fs::read_to_string(dir.path().join("第一批-receipts.html")).unwrap();
    assert_eq!(
        html.matches("<section>").count(),
        150,
        "one page per family"
    );
    assert!(
        html.contains("盐值 / salt: ") && !html.contains(&ids[0]),
        "IDs only masked"
    );
    let mut issued = receipts(&dir.path().join("第一批-receipts.xlsx"));
    issued.extend(receipts(&dir.path().join("第二批-receipts.xlsx")));
    assert_eq!(issued.len(), 238);
    // the same child again is refused, naming the row
    let err = refused(
        q(&data)
            .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
            .arg(&a)
            .args(["--receipts"])
            .arg(dir.path().join("again.html"))
            .arg("--export")
            .arg(dir.path().join("again.xlsx")),
    );
    assert!(
        err.contains("LOTTERY_ALREADY_REGISTERED") && err.contains("第 2 行"),
        "{err}"
    );
    assert!(!dir.path().join("again.html").exists());

    // a real lottery must freeze an hour before its beacon round; round 123 is long past
    let err = refused(q(&data).args(["lottery", "freeze", "--lottery", "2026-DEMO-G1"]));
    assert!(
        err.contains("LOTTERY_BEACON_TIMING") && err.contains("123"),
        "{err}"
    );
    let roster_hash = ok(q(&data).args([
        "lottery",
        "freeze",
        "--lottery",
        "2026-DEMO-G1",
        "--rehearsal",
    ]));
    let roster_hash = roster_hash.lines().next().unwrap().to_owned();
    // the roster is exactly the receipts' commitments with the files' choices, sorted
    let mut lines: Vec<String> = Vec::new();
    let files = [std::fs::read_to_string(&a).unwrap(), text.clone()];
    let choices_of = |row: u64, batch: usize| -> (String, String) {
        let f: Vec<String> = files[batch]
            .lines()
            .nth(if batch == 0 {
                row as usize - 1
            } else {
                row as usize + 1
            })
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        (f[2].clone(), f[3].clone())
    };
    for (k, (row, _, c)) in issued.iter().enumerate() {
        let (ch, g) = choices_of(*row, usize::from(k >= 150));
        lines.push(if g.is_empty() {
            format!("{c},{ch}\n")
        } else {
            format!("{c},{ch},group={g}\n")
        });
    }
    lines.sort();
    let roster = lines.concat();
    assert_eq!(sha(roster.as_bytes()), roster_hash);

    let drawn = json(
        q(&data)
            .args(["lottery", "draw", "--lottery", "2026-DEMO-G1", "--ceremony"])
            .arg(golden.join("ceremony.txt"))
            .arg("--beacon")
            .arg(golden.join("beacon.json")),
    );
    // the seed by the protocol's formula, computed here from the hashes
    let seed = sha(format!(
        "LOT1|SEED|2026-DEMO-G1|{roster_hash}|{}|{}|fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc",
        sha(&std::fs::read(golden.join("params.txt")).unwrap()),
        sha(&std::fs::read(golden.join("ceremony.txt")).unwrap()),
    ).as_bytes());
    assert_eq!(drawn["seed"], seed.as_str());
    let err = refused(
        q(&data)
            .args(["lottery", "draw", "--lottery", "2026-DEMO-G1", "--ceremony"])
            .arg(golden.join("ceremony.txt"))
            .arg("--beacon")
            .arg(golden.join("beacon.json")),
    );
    assert!(err.contains("LOTTERY_STATE"), "never drawn twice: {err}");

    let out = dir.path().join("公布");
    let p = ok(q(&data)
        .args(["lottery", "publish", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(&out));
    assert!(p.contains("verify all 通过"), "{p}");
    // the protocol's fixed inputs are byte-identical to the golden publication's
    for n in [
        "params.txt",
        "ceremony.txt",
        "beacon.json",
        "offers_log.csv",
    ] {
        assert!(
            std::fs::read(out.join(n)).unwrap() == std::fs::read(golden.join(n)).unwrap(),
            "{n}"
        );
    }
    // and every file is what the reference library publishes from the same inputs
    let reference = dir.path().join("reference");
    let params = std::fs::read(golden.join("params.txt")).unwrap();
    let ceremony = std::fs::read(golden.join("ceremony.txt")).unwrap();
    let beacon = std::fs::read(golden.join("beacon.json")).unwrap();
    qinglian_lottery::publish(
        &reference,
        &qinglian_lottery::PublishInput {
            params: &params,
            roster: roster.as_bytes(),
            ceremony: &ceremony,
            beacon: &beacon,
            offers_log: b"",
        },
        1,
    )
    .unwrap();
    for e in std::fs::read_dir(&reference).unwrap() {
        let n = e.unwrap().file_name();
        assert!(
            std::fs::read(out.join(&n)).unwrap() == std::fs::read(reference.join(&n)).unwrap(),
            "{n:?}"
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 9);
    // a family checks its own result offline
    let (row, salt, c) = &issued[0];
    let me = json(
        Command::new(BIN)
            .args(["lottery", "verify", "me"])
            .arg(&out)
            .args(["--id", &ids[*row as usize - 2], "--salt", salt]),
    );
    assert_eq!(me["commitment"], c.as_str());
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mine = results.lines().find(|l| l.starts_with(c.as_str())).unwrap();
    let seat = mine.split(',').nth(1).unwrap();
    assert_eq!(me["result"].as_str().unwrap_or("-"), seat);

    // list, show (each step with its ledger entry), publish again adds no step
    let list = json(q(&data).args(["lottery", "list"]));
    assert_eq!(list[0]["state"], "published");
    assert_eq!(list[0]["applicants"], 238);
    let shown = json(q(&data).args(["lottery", "show", "2026-DEMO-G1"]));
    let actions: Vec<&str> = shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "announce", "register", "register", "freeze", "draw", "publish"
        ]
    );
    ok(q(&data)
        .args(["lottery", "publish", "--lottery", "2026-DEMO-G1", "--out"])
        .arg(dir.path().join("again")));
    assert_eq!(
        json(q(&data).args(["lottery", "show", "2026-DEMO-G1"]))["steps"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    // ledger verify replays the lottery; rows changed behind Qinglian's back are caught
    let v = json(q(&data).args(["ledger", "verify"]));
    assert_eq!(v["verified"], true, "{v}");
    assert!(v["report"]["objects_replayed"].as_u64().unwrap() >= 1);
    let db = data.join("qinglian.db");
    let tampers = [
        (
            format!(
                "UPDATE lotteries SET seed = '{}' WHERE id = '2026-DEMO-G1'",
                "0".repeat(64)
            ),
            format!("UPDATE lotteries SET seed = '{seed}' WHERE id = '2026-DEMO-G1'"),
            "seed",
        ),
        (
            "UPDATE lotteries SET state = 'frozen' WHERE id = '2026-DEMO-G1'".to_owned(),
            "UPDATE lotteries SET state = 'published' WHERE id = '2026-DEMO-G1'".to_owned(),
            "state",
        ),
        (
            format!("UPDATE lottery_applicants SET choices = 'S01:1' WHERE commitment = '{c}'"),
            format!(
                "UPDATE lottery_applicants SET choices = '{}' WHERE commitment = '{c}'",
                mine_choices(&roster, c)
            ),
            "第 1 批",
        ),
        (
            "UPDATE lottery_files SET content = CAST('x' AS BLOB) WHERE name = 'results.csv'"
                .to_owned(),
            format!(
                "UPDATE lottery_files SET content = readfile('{}') WHERE name = 'results.csv'",
                out.join("results.csv").display()
            ),
            "results.csv",
        ),
    ];
    for (tamper, restore, named) in tampers {
        sqlite3(&db, &tamper);
        let e = refused(q(&data).args(["ledger", "verify"]));
        assert!(
            e.contains("LEDGER_STATE_DIVERGED") && e.contains("2026-DEMO-G1") && e.contains(named),
            "{tamper}: {e}"
        );
        sqlite3(&db, &restore);
        assert_eq!(
            json(q(&data).args(["ledger", "verify"]))["verified"],
            true,
            "restored: {restore}"
        );
    }
}

fn mine_choices(roster: &str, c: &str) -> String {
    let line = roster.lines().find(|l| l.starts_with(c)).unwrap();
    line.split(',').nth(1).unwrap().to_owned()
}

#[test]
fn bad_applicant_files_are_refused_precisely_and_nothing_lands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data)
        .args(["lottery", "announce", "--params"])
        .arg(lot1().join("published-stb-da/params.txt")));
    let valid = |k: u32| {
        let first17 = format!("33010620140301{k:03}");
        format!(
            "{first17}{}",
            qinglian_core::ids::citizen_id_check_char(first17.as_bytes())
        )
    };
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("报名表").unwrap();
    for (c, h) in ["姓名", "身份证号", "志愿", "兄弟姐妹组"]
        .iter()
        .enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    let rows: Vec<(String, &str, &str)> = vec![
        (valid(1), "S01:1;S02:2", ""),              // row 2: fine
        ("110108201901010000".into(), "S01:1", ""), // row 3: golden synthetic ID, bad checksum
        (valid(3), "S09:1", ""),                    // row 4: unknown school
        (valid(1), "S02:1", ""),                    // row 5: same child as row 2
        (valid(5), "S01:1", "X1"),                  // row 6: bad group label
        (valid(6), "S01；S02:1", ""),               // row 7: no tier
    ];
    for (r, (id, ch, g)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write(r, 0, format!("学生{r}")).unwrap();
        ws.write(r, 1, id.as_str()).unwrap();
        ws.write(r, 2, *ch).unwrap();
        ws.write(r, 3, *g).unwrap();
    }
    ws.write_number(7, 1, 330106201403010070.0).unwrap(); // row 8: ID typed as a number
    ws.write(7, 2, "S01:1").unwrap();
    let f = dir.path().join("报名.xlsx");
    wb.save(&f).unwrap();
    let o = run(q(&data)
        .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
        .arg(&f));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for needle in [
        "报名被拒绝，未写入任何数据",
        "registration refused, nothing was written",
        "文件 报名.xlsx，工作表 报名表，第 3 行，B 列（身份证号）",
        "“110108201901010000”",
        "校验码",
        "第 4 行，C 列（志愿）",
        "S09",
        "not in the announced rules",
        "第 5 行",
        "与第 2 行是同一名学生",
        "第 6 行，D 列（兄弟姐妹组）",
        "“X1”",
        "第 7 行",
        "school:tier",
        "第 8 行",
        "stored as a number",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in\n{err}");
    }
    let o = run(q(&data)
        .args([
            "--json",
            "lottery",
            "register",
            "--lottery",
            "2026-DEMO-G1",
            "--from",
        ])
        .arg(&f));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4, 5, 6, 7, 8]);
    assert!(
        !dir.path().join("报名-receipts.html").exists(),
        "no receipts for a refused file"
    );
    let shown = json(q(&data).args(["lottery", "show", "2026-DEMO-G1"]));
    assert_eq!(shown["lottery"]["applicants"], 0);
    assert_eq!(shown["lottery"]["state"], "announced");
    // a missing column
    let f2 = dir.path().join("short.csv");
    std::fs::write(&f2, format!("身份证号\n{}\n", valid(9))).unwrap();
    let err = refused(
        q(&data)
            .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
            .arg(&f2),
    );
    assert!(
        err.contains("缺少必需列“志愿”") && err.contains("required column 'choices' is missing"),
        "{err}"
    );
    // receipts are never overwritten: exit 2
    let f3 = dir.path().join("ok.csv");
    std::fs::write(&f3, format!("身份证号,志愿\n{},S01:1\n", valid(10))).unwrap();
    std::fs::write(dir.path().join("ok-receipts.html"), "earlier salts").unwrap();
    let o = run(q(&data)
        .args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
        .arg(&f3));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok-receipts.html")).unwrap(),
        "earlier salts"
    );
    // params without pinned beacon keys cannot be announced
    let err = refused(
        q(&data)
            .args(["lottery", "announce", "--params"])
            .arg(lot1().join("params_mtb.txt")),
    );
    assert!(err.contains("LOTTERY_NO_BEACON"), "{err}");
}

#[tokio::test]
async fn the_postgres_backend_runs_a_lottery() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let pg = |c: &mut Command| {
        c.arg("--database").arg(&db.url);
    };
    let golden = lot1().join("published-mtb-da");
    let mut c = q(&data);
    pg(&mut c);
    ok(c.args(["lottery", "announce", "--params"])
        .arg(golden.join("params.txt")));
    let a = dir.path().join("a.csv");
    applicants_csv(&a, 0, 60);
    let mut c = q(&data);
    pg(&mut c);
    ok(
        c.args(["lottery", "register", "--lottery", "2026-DEMO-G1", "--from"])
            .arg(&a),
    );
    let mut c = q(&data);
    pg(&mut c);
    ok(c.args([
        "lottery",
        "freeze",
        "--lottery",
        "2026-DEMO-G1",
        "--rehearsal",
    ]));
    let mut c = q(&data);
    pg(&mut c);
    ok(
        c.args(["lottery", "draw", "--lottery", "2026-DEMO-G1", "--ceremony"])
            .arg(golden.join("ceremony.txt"))
            .arg("--beacon")
            .arg(golden.join("beacon.json")),
    );
    let out = dir.path().join("pub");
    let mut c = q(&data);
    pg(&mut c);
    ok(
        c.args(["lottery", "publish", "--lottery", "2026-DEMO-G1", "--out"])
            .arg(&out),
    );
    ok(Command::new(BIN)
        .args(["lottery", "verify", "all"])
        .arg(&out));
    let mut c = q(&data);
    pg(&mut c);
    assert_eq!(json(c.args(["ledger", "verify"]))["verified"], true);
    db.drop_db().await;
}

#[test]
fn lottery_help_is_bilingual() {
    for sub in [
        vec!["lottery"],
        vec!["lottery", "announce"],
        vec!["lottery", "register"],
        vec!["lottery", "freeze"],
        vec!["lottery", "draw"],
        vec!["lottery", "publish"],
        vec!["lottery", "verify", "all"],
        vec!["lottery", "verify", "me"],
        vec!["lottery", "list"],
        vec!["lottery", "show"],
    ] {
        let text = ok(Command::new(BIN).args(&sub).arg("--help"));
        let about = text.lines().next().unwrap();
        assert!(
            about.contains(" / ")
                && about
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{sub:?}: {about}"
        );
    }
}

#[test]
fn the_demo_publishes_a_verifiable_lottery() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let v = json(
        Command::new(BIN)
            .args(["demo", "--no-serve", "--data"])
            .arg(&demo),
    );
    let l = &v["lottery"];
    assert_eq!(l["lottery"]["state"], "published");
    assert_eq!(l["lottery"]["rehearsal"], true);
    assert!(
        l["public_page"]
            .as_str()
            .unwrap()
            .ends_with("/public/lottery/DEMO-330106-2026-G7")
    );
    let published = PathBuf::from(l["published"].as_str().unwrap());
    ok(Command::new(BIN)
        .args(["lottery", "verify", "all"])
        .arg(&published));
    let me = json(
        Command::new(BIN)
            .args(["lottery", "verify", "me"])
            .arg(&published)
            .args([
                "--id",
                l["sample_id"].as_str().unwrap(),
                "--salt",
                l["sample_salt"].as_str().unwrap(),
            ]),
    );
    assert_eq!(me["found"], true);
    assert_eq!(json(q(&demo).args(["ledger", "verify"]))["verified"], true);
}
