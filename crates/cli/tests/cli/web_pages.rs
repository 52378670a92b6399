//! The web import, screening and parameter pages on a real `qinglian serve`, with the
//! capability `serve` wires in (the CLI's own import and screening): a file with one bad cell
//! shows the row-precise error and lands nothing; the fixed file lands; an override set on the
//! parameter page changes what the next screening run started from the page finds.

use super::served::{client, serve, sign_in};
use super::{json, ok, open_store, q, synth};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

fn add_user(data: &std::path::Path, name: &str, role: &str, password: &str) {
    let mut child = q(data)
        .args([
            "users",
            "add",
            name,
            "--role",
            role,
            "--jurisdiction",
            "330106",
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success());
}

async fn upload(
    c: &reqwest::Client,
    base: &str,
    csrf: &str,
    dataset: &str,
    name: &str,
    body: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("dataset", dataset.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    c.post(format!("{base}/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The ledger entries of a kind, newest first, as JSON (the store is shared with the server).
async fn entries(data: &std::path::Path, kind: &str) -> Vec<serde_json::Value> {
    let store = open_store(data).await;
    let found = store.ledger_recent(kind, 1000).await.unwrap();
    store.close().await;
    found
        .iter()
        .map(|e| serde_json::from_slice(&e.leaf).unwrap())
        .collect()
}

fn unit_count(data: &std::path::Path) -> usize {
    json(q(data).args(["registry", "units", "--limit", "100000"]))
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn import_page_refuses_a_bad_cell_row_precisely_and_lands_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).arg("init"));
    add_user(&data, "ana", "analyst", "analyst-password");
    let s = serve(&data);
    let c = client();
    let csrf = sign_in(&c, &s.base, "ana", "analyst-password").await;
    let units_before = unit_count(&data);
    let imports_before = entries(&data, "import").await.len();

    let bad = "单位编号,单位名称,单位类型,所属区划\nWEB-1,测试甲单位,国企,330106\nWEB-2,测试乙单位,银行,330106\n";
    let res = upload(&c, &s.base, &csrf, "units", "单位.csv", bad).await;
    assert_eq!(res.status(), 303);
    let page = c
        .get(format!("{}/import", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("没有写入任何数据"), "{page}");
    // File, row as the spreadsheet shows it, column letter and header, the value found.
    for want in [
        "单位.csv",
        "<td class=\"n\">3</td>",
        "C（单位类型）",
        "银行",
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }
    let xlsx = c
        .get(format!("{}/import?format=xlsx", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");
    assert_eq!(unit_count(&data), units_before, "nothing landed");
    assert_eq!(entries(&data, "import").await.len(), imports_before);

    // A form without the session's CSRF token imports nothing either.
    let good = bad.replace("银行", "国企");
    let res = upload(&c, &s.base, "forged", "units", "单位.csv", &good).await;
    assert_eq!(res.status(), 403);
    assert_eq!(entries(&data, "import").await.len(), imports_before);

    let res = upload(&c, &s.base, &csrf, "units", "单位.csv", &good).await;
    assert_eq!(res.status(), 303);
    let page = c
        .get(format!("{}/import", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("导入完成"), "{page}");
    let imports = entries(&data, "import").await;
    assert_eq!(imports.len(), imports_before + 1, "one ledger entry");
    assert_eq!(imports[0]["actor"], "web:ana", "{}", imports[0]);
    assert_eq!(unit_count(&data), units_before + 2);
}

/// SL-R01 hits of the last screening run, from the ledger's screen entry.
async fn sl_r01_hits(data: &std::path::Path) -> u64 {
    let runs = entries(data, "screen").await;
    let run = runs.first().expect("a screening run");
    assert_eq!(run["actor"], "web:adm");
    run["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "SL-R01")
        .unwrap()["hits"]
        .as_u64()
        .unwrap()
}

/// Starts a run of SL-R01 from the page and waits until the page says it finished.
async fn screen_from_page(c: &reqwest::Client, base: &str, csrf: &str) -> String {
    let res = c
        .post(format!("{base}/screening"))
        .form(&[
            ("csrf", csrf),
            ("target", "indicator:SL-R01"),
            ("as_of", "2025-12-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for _ in 0..600 {
        let page = c
            .get(format!("{base}/screening"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !page.contains("http-equiv=\"refresh\"") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the screening run did not finish");
}

#[tokio::test]
async fn an_override_set_on_the_page_changes_what_screening_finds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let src = synth(dir.path(), 7);
    json(q(&data).arg("import-dir").arg(&src));
    add_user(&data, "adm", "admin", "admin-password");
    let s = serve(&data);
    let c = client();
    let csrf = sign_in(&c, &s.base, "adm", "admin-password").await;

    let page = screen_from_page(&c, &s.base, &csrf).await;
    assert!(page.contains("SL-R01"), "{page}");
    let before = sl_r01_hits(&data).await;
    assert!(before > 0, "the synthetic county has untendered leases");

    // A hit's page shows the lake records behind it, read at the hit's recorded snapshot.
    let hits = json(q(&data).arg("hits"));
    let hit = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["indicator_id"] == "SL-R01")
        .expect("an SL-R01 hit");
    let contract = hit["subject"]["contract_id"].as_str().unwrap();
    let page = c
        .get(format!("{}/hits/{}", s.base, hit["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("证据记录：房产租赁合同（contract_id = ") && page.contains(contract),
        "{page}"
    );
    assert!(
        page.contains("月租金"),
        "the record's columns, by their Chinese headers"
    );

    // A value of the wrong type is refused, bilingually, and nothing is written.
    let set = |value: &'static str| {
        c.post(format!("{}/admin/parameters", s.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("target", "SL-R01:single_min_annual"),
                ("division", "330106"),
                ("value", value),
            ])
            .send()
    };
    let res = set("很多").await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("很多") && html.contains("yuan"), "{html}");
    assert!(!data.join("overrides.toml").exists());

    // Tender required only from 100 million yuan a year: no lease in the county reaches it.
    let res = set("100000000").await.unwrap();
    assert_eq!(res.status(), 303);
    let written = std::fs::read_to_string(data.join("overrides.toml")).unwrap();
    assert!(written.contains("330106") && written.contains("single_min_annual"));
    let page = c
        .get(format!("{}/admin/parameters?indicator=SL-R01", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>330106</code>"), "{page}");
    let set_entries = entries(&data, "override_set").await;
    assert_eq!(set_entries.len(), 1);
    assert_eq!(set_entries[0]["actor"], "web:adm");
    assert_eq!(set_entries[0]["value"], "100000000");

    screen_from_page(&c, &s.base, &csrf).await;
    let after = sl_r01_hits(&data).await;
    assert!(
        after < before,
        "the override narrows SL-R01: {before} → {after}"
    );

    // Removed again: the shipped default applies and the hits come back.
    let res = c
        .post(format!("{}/admin/parameters/remove", s.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("target", "SL-R01:single_min_annual"),
            ("division", "330106"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    screen_from_page(&c, &s.base, &csrf).await;
    assert_eq!(sl_r01_hits(&data).await, before);
    // The command line reads the same file and verifies the whole ledger.
    ok(q(&data).args(["ledger", "verify"]));
}
