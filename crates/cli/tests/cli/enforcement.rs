//! `enforcement workload | trajectory | board` on the synthetic county: planted anomalies show
//! in the numbers, names are masked unless the view is ledgered, and jurisdiction applies. The
//! same county behind `qinglian serve`: the team board, an officer's workload page and its
//! workbook, its list of cases handled (as the crate lists them) linking to their trajectories,
//! and a case's trajectory page with its map and ledger proof.

use super::served::{hidden, serve, signed_in};
use super::{BIN, json, ok, q, refused};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn county(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = dir.join("synth");
    ok(Command::new(BIN)
        .args(["synth", "--scale", "county", "--seed", "7", "--out"])
        .arg(&src));
    let data = dir.join("d");
    ok(q(&data).arg("init"));
    ok(q(&data).arg("import-dir").arg(&src));
    (src, data)
}

#[test]
fn workload_trajectory_and_board_on_the_synthetic_county() {
    let dir = tempfile::tempdir().unwrap();
    let (src, data) = county(dir.path());

    // Planted: 18 patrol shifts in March 2025 without a single inspection (巡而不查).
    let w = json(q(&data).args([
        "enforcement",
        "workload",
        "--period",
        "2025-03",
        "--officer",
        "ZF330106-028",
    ]));
    let rows = w["workload"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["inspections"], 0);
    assert!(
        rows[0]["patrol_hours"].as_f64().unwrap() > 30.0,
        "{}",
        rows[0]
    );
    assert!(rows[0]["name"].as_str().unwrap().contains('*'), "masked");
    assert!(w["ledger_index"].is_null(), "a masked view is not ledgered");

    // Unmasked, exported: the view is a ledger entry and the ledger still verifies.
    let xlsx = dir.path().join("w.xlsx");
    let w = json(
        q(&data)
            .args([
                "enforcement",
                "workload",
                "--period",
                "2025-09上旬",
                "--unmask",
                "--export",
            ])
            .arg(&xlsx),
    );
    let rows = w["workload"]["rows"].as_array().unwrap();
    assert!(rows.len() > 20, "every serving officer of the county");
    assert!(
        rows.iter()
            .all(|r| !r["name"].as_str().unwrap_or("*").contains('*'))
    );
    assert!(w["ledger_index"].as_u64().is_some());
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range("工作量化表").unwrap();
    assert_eq!(sheet.get((0, 0)).unwrap().to_string(), "队员编号");
    assert_eq!(sheet.height(), rows.len() + 1);
    ok(q(&data).args(["ledger", "verify"]));

    // Planted: arrival recorded 21 km from where the officer's GPS was (found through the
    // ground truth, so new plants elsewhere in the pack do not move it).
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("ground_truth.json")).unwrap())
            .unwrap();
    let event = truth["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "enforcement-S02-fast-330106-001")
        .and_then(|a| a["keys"]["event_id"].as_str())
        .unwrap()
        .to_owned();
    let events = std::fs::read_to_string(src.join("le_case_events.csv")).unwrap();
    let case = events
        .lines()
        .find(|l| l.starts_with(&format!("{event},")))
        .and_then(|l| l.split(',').nth(1))
        .unwrap()
        .to_owned();
    let t = json(q(&data).args(["enforcement", "trajectory", &case]));
    let far = t["trajectory"]["max_fix_distance_m"].as_f64().unwrap();
    assert!((20_000.0..23_000.0).contains(&far), "{far}");
    assert!(!t["trajectory"]["track"].as_array().unwrap().is_empty());
    assert!(
        t["ledger_index"].as_u64().is_some(),
        "a GPS track view is ledgered"
    );
    let lead = t["trajectory"]["case"]["lead_officer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let month = t["trajectory"]["case"]["received_at"].as_str().unwrap()[..7].to_owned();

    let board = json(q(&data).args(["enforcement", "board"]));
    assert_eq!(board["squads"].as_array().unwrap().len(), 6);

    // Jurisdiction: a supervisor of another city sees no squad and no case; a commander of
    // the county sees them all.
    ok(q(&data).args([
        "users",
        "add",
        "nb",
        "--role",
        "supervisor",
        "--jurisdiction",
        "330200",
    ]));
    ok(q(&data).args([
        "users",
        "add",
        "cmd",
        "--role",
        "commander",
        "--jurisdiction",
        "330106",
    ]));
    let none = json(q(&data).args(["enforcement", "board", "--as", "nb"]));
    assert!(none["squads"].as_array().unwrap().is_empty());
    let none = json(q(&data).args([
        "enforcement",
        "workload",
        "--period",
        "2025-09",
        "--as",
        "nb",
    ]));
    assert!(none["workload"]["rows"].as_array().unwrap().is_empty());
    let e = refused(q(&data).args(["enforcement", "trajectory", &case, "--as", "nb"]));
    assert!(e.contains("CASE_NOT_FOUND"), "{e}");
    let mine = json(q(&data).args(["enforcement", "board", "--as", "cmd"]));
    assert_eq!(mine["squads"].as_array().unwrap().len(), 6);

    let e = refused(q(&data).args(["enforcement", "workload", "--period", "2025-09-D4"]));
    assert!(e.contains("PERIOD_SYNTAX"), "{e}");

    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(pages(&data, &case, far, &lead, &month));
}

fn add_user(data: &Path, name: &str, role: &str, division: &str) {
    let mut child = q(data)
        .args([
            "users",
            "add",
            name,
            "--role",
            role,
            "--jurisdiction",
            division,
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{name}-password-1").unwrap();
    assert!(child.wait().unwrap().success());
}

async fn get(c: &reqwest::Client, base: &str, path: &str) -> (u16, String) {
    let r = c.get(format!("{base}{path}")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The web pages against what the command line computes on the same lake.
async fn pages(data: &Path, case: &str, far: f64, lead: &str, month: &str) {
    add_user(data, "web-sup", "supervisor", "330106");
    add_user(data, "web-far", "supervisor", "330200");
    add_user(data, "web-ana", "analyst", "330106");
    let s = serve(data);
    let base = s.base.as_str();
    let sup = signed_in(base, "web-sup", "web-sup-password-1").await;

    // The board: one card per squad, one avatar per officer, each linking to its page; the
    // default period is the latest full month with work.
    let board = json(q(data).args(["enforcement", "board"]));
    let squads = board["squads"].as_array().unwrap();
    let officers: usize = squads
        .iter()
        .map(|c| c["officers"].as_array().unwrap().len())
        .sum();
    let (code, html) = get(&sup, base, "/enforcement").await;
    assert_eq!(code, 200, "{html}");
    assert_eq!(
        html.matches(r#"class="chart avatars""#).count(),
        squads.len()
    );
    assert_eq!(html.matches(r#"class="avatar""#).count(), officers);
    assert!(!html.contains("<img"), "generated avatars, no photos");
    assert!(
        html.contains(r#"href="/enforcement""#),
        "the nav offers the board"
    );
    let period = hidden(&html, "period");
    assert!(period.starts_with("2025-"), "default period {period}");
    let first = &squads[0]["officers"][0];
    assert!(html.contains(&format!(
        "/enforcement/officers/{}?period={period}",
        first["officer_id"].as_str().unwrap()
    )));
    let masked = first["name"].as_str().unwrap();
    assert!(masked.contains('*'), "{masked}");
    let glyph = masked.chars().next().unwrap();
    assert!(
        html.contains(&format!(">{glyph}</text></a>")),
        "the name's first character"
    );

    // An officer's page: the planted patrol without inspections, as the command line counts it.
    let cli = json(q(data).args([
        "enforcement",
        "workload",
        "--period",
        "2025-03",
        "--officer",
        "ZF330106-028",
    ]));
    let row = &cli["workload"]["rows"][0];
    let path = "/enforcement/officers/ZF330106-028?period=2025-03";
    let (code, html) = get(&sup, base, path).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("执法队员工作量化表") && html.contains(row["name"].as_str().unwrap()));
    let bytes = sup
        .get(format!("{base}{path}&format=xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::{DataType, Reader};
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let own = wb.worksheet_range("Officer workload").unwrap();
    assert_eq!(own.height(), 2);
    let cell = |r: &calamine::Range<calamine::Data>, c: usize| r.get((1, c)).unwrap().clone();
    assert_eq!(cell(&own, 0).to_string(), "ZF330106-028");
    assert_eq!(
        cell(&own, 4).as_f64().unwrap(),
        row["incidents_closed"].as_f64().unwrap()
    );
    let hours = cell(&own, 12).as_f64().unwrap();
    assert!(
        (hours - row["patrol_hours"].as_f64().unwrap()).abs() < 0.051,
        "{hours}"
    );
    assert_eq!(
        cell(&own, 13).as_f64(),
        Some(0.0),
        "no inspection on patrol"
    );
    let squad = wb.worksheet_range("The squad for comparison").unwrap();
    let squad_id = row["squad_id"].as_str().unwrap();
    let peers = json(q(data).args([
        "enforcement",
        "workload",
        "--period",
        "2025-03",
        "--squad",
        squad_id,
    ]));
    assert_eq!(
        squad.height(),
        peers["workload"]["rows"].as_array().unwrap().len() + 1
    );

    // The lead officer's page for the month the planted case came in lists it among the cases
    // handled, exactly the crate's list, each id linking to its trajectory; the workbook too.
    let lake = qinglian_lake::Lake::new(data.join("lake"));
    let expected = qinglian_enforce::officer_cases(
        &lake,
        lead,
        &qinglian_enforce::Period::parse(month).unwrap(),
        &qinglian_enforce::WorkloadOptions::default(),
        qinglian_enforce::OFFICER_CASES_CAP,
    )
    .unwrap();
    let ids: Vec<&str> = expected.cases.iter().map(|c| c.case_id.as_str()).collect();
    assert!(ids.contains(&case), "{case} among {ids:?}");
    let opath = format!("/enforcement/officers/{lead}?period={month}");
    let (code, html) = get(&sup, base, &opath).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("经办案件"));
    let html = html.replace("&#x2f;", "/");
    let linked: Vec<&str> = html
        .split(r#"href="/enforcement/cases/"#)
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
        .collect();
    assert_eq!(linked, ids);
    let bytes = sup
        .get(format!("{base}{opath}&format=xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Cases handled").unwrap();
    let in_book: Vec<String> = (1..sheet.height())
        .map(|r| sheet.get((r, 0)).unwrap().to_string())
        .collect();
    assert_eq!(in_book, ids);
    let link = linked.iter().find(|&&l| l == case).unwrap();
    let (code, html) = get(&sup, base, &format!("/enforcement/cases/{link}")).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains(&format!("案件 {case} 的办案轨迹")));

    // The trajectory: track and numbered places on the map, the planted 21 km gap in the
    // table, each step with its import batch's proof, which downloads.
    let (code, html) = get(&sup, base, &format!("/enforcement/cases/{case}")).await;
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("<polyline") && html.contains(r#"class="scale""#));
    assert!(html.contains(r#"<g class="event">"#));
    assert!(
        html.contains(&format!("{:.1} km", far / 1000.0)),
        "the 21 km gap"
    );
    // Each step links to its record proof (attribute values come HTML-escaped, `/` as
    // `&#x2f;`), which verifies offline against the ledger's key and holds the step's row.
    let html = html.replace("&#x2f;", "/");
    let prefix = format!(r#"href="/enforcement/cases/{case}/steps/"#);
    let steps: Vec<&str> = html
        .split(prefix.as_str())
        .skip(1)
        .map(|r| r.split('/').next().unwrap())
        .collect();
    let shown = json(q(data).args(["enforcement", "trajectory", case]));
    assert_eq!(
        steps.len(),
        shown["trajectory"]["events"].as_array().unwrap().len(),
        "one proof link per step"
    );
    let r = sup
        .get(format!(
            "{base}/enforcement/cases/{case}/steps/{}/proof",
            steps[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let file = data.join("step.record-proof.json");
    std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
    let vkey = std::fs::read_to_string(data.join("keys/ledger.vkey")).unwrap();
    let v = json(
        Command::new(BIN)
            .args(["ledger", "verify-record"])
            .arg(&file)
            .args(["--vkey", vkey.trim()]),
    );
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["dataset"], "le_case_events");
    assert_eq!(v["record"]["event_id"].as_str(), Some(steps[0]));
    assert_eq!(v["record"]["case_id"].as_str(), Some(case));
    // A step the case does not have, and the proof outside the jurisdiction: 404.
    let r = sup
        .get(format!(
            "{base}/enforcement/cases/{case}/steps/no-such-step/proof"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Outside the jurisdiction: no squad, and the officer and the case answer 404.
    let far_sup = signed_in(base, "web-far", "web-far-password-1").await;
    let (code, html) = get(&far_sup, base, "/enforcement?period=2025-03").await;
    assert_eq!(code, 200);
    assert_eq!(html.matches(r#"class="avatar""#).count(), 0);
    assert_eq!(get(&far_sup, base, path).await.0, 404);
    assert_eq!(
        get(&far_sup, base, &format!("/enforcement/cases/{case}"))
            .await
            .0,
        404
    );
    assert_eq!(
        get(
            &far_sup,
            base,
            &format!("/enforcement/cases/{case}/steps/{}/proof", steps[0])
        )
        .await
        .0,
        404
    );
    // A role that sees no squad: no nav link, no officer.
    let ana = signed_in(base, "web-ana", "web-ana-password-1").await;
    let (_, home) = get(&ana, base, "/").await;
    assert!(!home.contains(r#"href="/enforcement""#));
    assert_eq!(get(&ana, base, path).await.0, 404);
    // A bad period is refused with its message.
    let (code, html) = get(&sup, base, "/enforcement?period=2025-09-D4").await;
    assert_eq!(code, 400);
    assert!(html.contains("无法识别统计周期"), "{html}");
}
