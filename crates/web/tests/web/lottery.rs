//! The public lottery page over a real socket: the golden LOT1 lottery run through the store,
//! its nine files downloadable byte for byte, a parent's receipt checked (pasted or uploaded)
//! exactly as `verify me` does, nothing personal shown, CSRF and per-address throttling.

use super::{
    PASSWORD, add_user, assert_security_headers, client, hidden, post_login, sqlite_store,
    start_with,
};
use qinglian_core::Role;
use qinglian_lottery::hash::to_hex;
use qinglian_store::{NewApplicant, Principal, Store};
use qinglian_web::WebConfig;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use std::path::{Path, PathBuf};

const ID: &str = "2026-DEMO-G1";
const FAMILY: &str = "00221f29940a8599ac529aacf3ed52fde655c7614d372a9fa3eb61c53d2eff14";

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/lottery-lot1/published-stb-da")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(golden().join(name)).unwrap()
}

/// (citizen ID, salt) of a golden family.
fn family(c: &str) -> (String, String) {
    let text = std::fs::read_to_string(golden().join("../applicants.csv")).unwrap();
    let f: Vec<String> = text
        .lines()
        .find(|l| l.ends_with(c))
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    (f[1].clone(), f[2].clone())
}

/// Announces the golden STB lottery; with `publish`, registers its 2,000 commitments, freezes
/// (a rehearsal: round 123 is long past), draws with the golden ceremony and beacon, publishes.
async fn golden_lottery(store: &Store, publish: bool) {
    let ledger = qinglian_store::testing::test_ledger(store).await;
    let op = Principal::operator();
    store
        .announce_lottery(
            &ledger,
            &op,
            &read("params.txt"),
            "民办初中派位（样例）",
            None,
            1_000,
        )
        .await
        .unwrap();
    if !publish {
        return;
    }
    let ids = std::fs::read_to_string(golden().join("../applicants.csv")).unwrap();
    let apps: Vec<NewApplicant> = String::from_utf8(read("roster.csv"))
        .unwrap()
        .lines()
        .map(|l| {
            let (c, choices) = l.split_once(',').unwrap();
            let id = ids
                .lines()
                .find(|r| r.ends_with(c))
                .unwrap()
                .split(',')
                .nth(1)
                .unwrap();
            NewApplicant {
                commitment: c.to_owned(),
                choices: choices
                    .split(';')
                    .map(|it| {
                        let (s, t) = it.split_once(':').unwrap();
                        (s.to_owned(), t.parse().unwrap())
                    })
                    .collect(),
                group: None,
                id_digest: qinglian_store::lottery::id_digest(ID, id),
            }
        })
        .collect();
    store
        .register_applicants(&ledger, &op, ID, &apps, 1_001)
        .await
        .unwrap();
    store
        .freeze_lottery(&ledger, &op, ID, true, 1_002)
        .await
        .unwrap();
    store
        .draw_lottery(
            &ledger,
            &op,
            ID,
            &read("ceremony.txt"),
            &read("beacon.json"),
            2,
            1_003,
        )
        .await
        .unwrap();
    store
        .publish_lottery(&ledger, &op, ID, 1_004)
        .await
        .unwrap();
}

fn page_url(base: &str) -> String {
    format!("{base}/public/lottery/{ID}")
}

async fn form_page(c: &Client, url: &str) -> (String, String) {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    assert_eq!(csrf.len(), 43, "the verify form carries a CSRF token");
    (html, csrf)
}

async fn check(c: &Client, url: &str, form: Form) -> (StatusCode, String) {
    let res = c.post(url).multipart(form).send().await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

#[tokio::test]
async fn the_public_page_serves_the_files_and_checks_a_receipt() {
    let (store, dir) = sqlite_store().await;
    golden_lottery(&store, true).await;
    add_user(&store, "admin1", "管理员", Role::Admin, &["330106"], &[]).await;
    let cfg = WebConfig {
        login_max_failures: 3,
        ..WebConfig::default()
    };
    let s = start_with(store, cfg, Some(dir)).await;
    let url = page_url(&s.base);
    let c = client();

    // no sign-in; Chinese first; what LOT1 publishes, no personal data
    let res = c.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_security_headers(res.headers(), "lottery page");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    for needle in [
        "民办初中派位（样例）",
        "已公布",
        "本次为演练",
        "77b0af94422662931b71242b0004ebe25ed0e3b48bcdecafee6c05dd18494b8a",
        "4c04f9bdee5f4202bb3af0ea00f9d16d19eab8d1d9ab42714a673fca22b008bd",
        "sha256sum -c run_manifest.txt",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    assert!(
        !html.contains("<script") && !html.contains("style=\""),
        "CSP-clean"
    );
    let (zh, en) = (
        html.find("核验本人结果").unwrap(),
        html.find("Check your own result").unwrap(),
    );
    assert!(zh < en, "Chinese first");

    // the nine files, byte for byte as the golden publication
    for name in [
        "params.txt",
        "roster.csv",
        "ceremony.txt",
        "beacon.json",
        "seed.txt",
        "results.csv",
        "waitlists.csv",
        "offers_log.csv",
        "run_manifest.txt",
    ] {
        assert!(
            html.contains(&format!("/public/lottery/{ID}/files/{name}")),
            "{name} offered"
        );
        let res = c.get(format!("{url}/files/{name}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(name)
        );
        assert!(
            res.bytes().await.unwrap().as_ref() == read(name).as_slice(),
            "{name}"
        );
    }
    for bad in [
        format!("{url}/files/qinglian.db"),
        format!("{}/public/lottery/NOPE/files/params.txt", s.base),
        format!("{}/public/lottery/NOPE", s.base),
    ] {
        assert_eq!(
            c.get(&bad).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // a parent pastes the ID and the salt: the same as verify me over the golden directory
    let (id, salt) = family(FAMILY);
    let expected = qinglian_lottery::verify_me(&golden(), &id, &salt).unwrap();
    let (_, csrf) = form_page(&c, &url).await;
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("id", id.clone())
        .text("salt", salt.clone());
    let (status, html) = check(&c, &url, form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(FAMILY), "commitment shown");
    assert!(html.contains(&to_hex(&expected.seed)));
    for m in &expected.choices {
        assert!(html.contains(&to_hex(&m.number)), "number at {}", m.school);
        let (t, r) = m.cutoff.unwrap();
        assert!(
            html.contains(&format!("{} / {}", m.rank, m.listed_by)),
            "rank at {}",
            m.school
        );
        assert!(
            html.contains(&format!("第 {t} 层第 {r} 名")),
            "cut-off at {}",
            m.school
        );
        assert!(html.contains(&format!(
            "<td class=\"n\">{}</td>",
            m.waitlist_rank.unwrap()
        )));
    }
    assert!(html.contains("未录取"), "not placed, as in results.csv");
    assert!(!html.contains(&id), "the full ID is never shown");
    assert!(
        html.contains(&format!("{}********{}", &id[..6], &id[14..])),
        "masked"
    );
    assert!(!html.contains(&salt), "the salt is not echoed");

    // or uploads the receipt: the salt is read from it
    let receipt = qinglian_lottery::Receipt {
        lottery_id: ID.into(),
        salt: qinglian_lottery::Salt::parse(&salt).unwrap(),
        commitment: expected.commitment,
    }
    .to_text();
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("id", id.clone())
        .text("salt", "")
        .part(
            "receipt",
            Part::bytes(receipt.clone().into_bytes()).file_name("回执.txt"),
        );
    let (status, html) = check(&c, &url, form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("S04") && html.contains(&to_hex(&expected.choices[0].number)));
    let other = receipt.replace(ID, "2026-OTHER");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("id", id.clone())
        .part(
            "receipt",
            Part::bytes(other.into_bytes()).file_name("r.txt"),
        );
    let (status, html) = check(&c, &url, form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("另一次抽签"));

    // without the form's token: refused
    let form = Form::new()
        .text("id", id.clone())
        .text("salt", salt.clone());
    let (status, _) = check(&client(), &url, form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // failed checks are throttled per address (3 allowed here, the sign-in setting); sign-in
    // from the same address is not affected
    for _ in 0..2 {
        let form = Form::new()
            .text("csrf", csrf.clone())
            .text("id", id.clone())
            .text("salt", "0123456789abcdef0123456789abcdef");
        let (status, html) = check(&c, &url, form).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("名册中没有这个承诺值"));
    }
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("id", id.clone())
        .text("salt", salt.clone());
    let res = c.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the earlier bad-receipt failure counts too"
    );
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("核验失败次数过多"));
    let login = client();
    let r = post_login(&login, &s, "admin1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "sign-in has its own counters"
    );
    s.stop().await.close().await;
}

#[tokio::test]
async fn before_publication_only_the_rules_are_public() {
    let (store, dir) = sqlite_store().await;
    golden_lottery(&store, false).await;
    let s = start_with(store, WebConfig::default(), Some(dir)).await;
    let url = page_url(&s.base);
    let c = client();
    let html = c.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("已公告") && !html.contains("核验本人结果"),
        "no form yet"
    );
    let res = c
        .get(format!("{url}/files/params.txt"))
        .send()
        .await
        .unwrap();
    assert!(res.bytes().await.unwrap().as_ref() == read("params.txt").as_slice());
    for name in ["roster.csv", "results.csv", "run_manifest.txt"] {
        let res = c.get(format!("{url}/files/{name}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name} not yet public");
    }
    // the English switch keeps the page
    let en = c
        .get(format!("{url}?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains(r#"<html lang="en">"#));
    let (status, _) = check(&c, &url, Form::new().text("id", "x").text("salt", "y")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing to check before publication"
    );
    s.stop().await.close().await;
}
