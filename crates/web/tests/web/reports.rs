//! Citizen reports over a real socket: a citizen files (JSON, multipart, the HTML form), gets
//! a receipt code and sees the status — never the content; staff in the unit's jurisdiction
//! read it, take it into triage and open a clue from it, and the public status follows;
//! typos, unknown codes, the rate limit, the size limit, CSRF and other jurisdictions.

use super::{Server, add_user, client, hidden, seed, sign_in, sqlite_store};
use base64::Engine;
use qinglian_core::Role;
use qinglian_store::Store;
use qinglian_store::reports::code;
use qinglian_web::{Services, WebConfig};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// A seeded SQLite server that can change state (ledger and an empty catalogue), with the
/// Xihu supervisor `xihu`, the Ningbo supervisor `nb`, a unit user of the Xihu SOE and an
/// auditor of the province.
pub(crate) async fn start_writable(cfg: WebConfig) -> Server {
    let (store, dir) = sqlite_store().await;
    seed(&store).await;
    for (name, role, divs, units) in [
        ("xihu", Role::Supervisor, &["330106"][..], &[][..]),
        ("nb", Role::Supervisor, &["330200"][..], &[][..]),
        ("soe", Role::Unit, &[][..], &["U-XH-SOE"][..]),
        ("aud", Role::Auditor, &["330000"][..], &[][..]),
    ] {
        add_user(&store, name, name, role, divs, units).await;
    }
    let ledger = qinglian_store::testing::test_ledger(&store).await;
    let services = Services {
        ledger,
        indicators: Arc::new(Vec::new()),
        analysis: None,
        enforcement: None,
    };
    super::start_serving(store, Some(services), cfg, Some(dir)).await
}

/// A bearer token of `user`.
pub(crate) async fn token(store: &Store, user: &str) -> String {
    store
        .create_token(
            &qinglian_store::testing::test_ledger(store).await,
            user,
            "test",
            2_000,
        )
        .await
        .unwrap()
        .1
}

/// (status, JSON) of a request with a bearer token.
pub(crate) async fn call(
    s: &Server,
    tok: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rb = Client::new().request(method, s.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn bilingual(v: &Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(!v["error"]["zh"].as_str().unwrap().is_empty(), "{v}");
    assert!(!v["error"]["en"].as_str().unwrap().is_empty(), "{v}");
}

async fn file_json(s: &Server, body: Value) -> reqwest::Response {
    Client::new()
        .post(s.url("/api/v1/public/reports"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_citizen_report_becomes_a_clue_and_the_public_sees_only_its_status() {
    let s = start_writable(WebConfig {
        report_max_per_window: 100,
        ..WebConfig::default()
    })
    .await;
    let xihu = token(&s.store, "xihu").await;
    let nb = token(&s.store, "nb").await;
    let soe = token(&s.store, "soe").await;
    let secret_text = "城投集团食堂采购价格明显偏高";
    let photo = base64::engine::general_purpose::STANDARD.encode(b"photo bytes");

    // Filing needs no credentials; the receipt code comes once, in groups of four.
    let res = file_json(
        &s,
        json!({
            "unit_id": "U-XH-SOE",
            "text": secret_text,
            "contact": "13800000000",
            "attachments": [{"name": "收据.jpg", "media_type": "image/jpeg", "content_base64": photo}],
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let receipt: Value = res.json().await.unwrap();
    let shown = receipt["code"].as_str().unwrap().to_owned();
    assert_eq!(shown.len(), 21, "{shown}");
    assert_eq!(shown.matches('-').count(), 4);
    let canonical = code::parse(&shown).unwrap();
    assert_eq!(receipt["report_status"]["status"], "received");
    assert_eq!(
        receipt["status_url"],
        format!("/api/v1/public/reports/{canonical}")
    );
    assert!(!receipt.to_string().contains(secret_text));

    // The status by code, typed sloppily; never the content.
    let public = |c: String| {
        let url = s.url(&format!("/api/v1/public/reports/{c}"));
        async move {
            let res = Client::new().get(url).send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            (status, text)
        }
    };
    let (st, text) = public(shown.to_lowercase()).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["status_zh"].as_str()),
        (Some("received"), Some("已受理"))
    );
    for secret in [secret_text, "13800000000", "U-XH-SOE", "收据"] {
        assert!(!text.contains(secret), "{text}");
    }
    // A typo is told apart from an unknown code; both in Chinese and English.
    let mut typo = canonical.clone().into_bytes();
    typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
    let (st, text) = public(String::from_utf8(typo).unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    bilingual(&serde_json::from_str(&text).unwrap(), "REPORT_CODE_CHECK");
    let (st, text) = public("ABC".into()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    bilingual(&serde_json::from_str(&text).unwrap(), "REPORT_CODE_LENGTH");
    let (st, text) = public(code::generate()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    bilingual(&serde_json::from_str(&text).unwrap(), "REPORT_CODE_UNKNOWN");

    // Refusals of bad reports, with reasons.
    let res = file_json(&s, json!({"unit_id": "NOPE", "text": "x"})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    bilingual(&res.json().await.unwrap(), "REPORT_UNIT_UNKNOWN");
    let res = file_json(&s, json!({"unit_id": "U-XH", "text": ""})).await;
    bilingual(&res.json().await.unwrap(), "REPORT_TEXT");
    let res = Client::new()
        .post(s.url("/api/v1/public/reports"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    bilingual(&res.json().await.unwrap(), "BAD_BODY");

    // Multipart, naming the unit by name and division.
    let form = Form::new()
        .text("unit_name", "西湖区某局")
        .text("division", "330106")
        .text("text", "办事窗口吃拿卡要")
        .part(
            "attachment",
            Part::bytes(b"%PDF-1.4 evidence".to_vec())
                .file_name("证据.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = Client::new()
        .post(s.url("/api/v1/public/reports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let second: Value = res.json().await.unwrap();
    let second_code = code::parse(second["code"].as_str().unwrap()).unwrap();

    // Staff: the Xihu supervisor reads the content; Ningbo, the reported unit and a stranger
    // to the report see nothing (404 / 403 by role).
    let (st, list) = call(&s, &xihu, reqwest::Method::GET, "/api/v1/reports", None).await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["R-1", "R-2"]);
    let (st, r1) = call(&s, &xihu, reqwest::Method::GET, "/api/v1/reports/R-1", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (r1["text"].as_str(), r1["contact"].as_str()),
        (Some(secret_text), Some("13800000000"))
    );
    assert_eq!(r1["attachments"][0]["name"], "收据.jpg");
    let res = Client::new()
        .get(s.url("/api/v1/reports/R-1/attachments/1"))
        .bearer_auth(&xihu)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"photo bytes");
    let (_, nb_list) = call(&s, &nb, reqwest::Method::GET, "/api/v1/reports", None).await;
    assert_eq!(nb_list["items"], json!([]));
    for path in ["/api/v1/reports/R-1", "/api/v1/reports/R-1/attachments/1"] {
        let (st, v) = call(&s, &nb, reqwest::Method::GET, path, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        bilingual(&v, "NOT_FOUND");
    }
    for path in [
        "/api/v1/reports/R-1/triage",
        "/api/v1/reports/R-1/clue",
        "/api/v1/reports/R-1/close",
    ] {
        let (st, _) = call(
            &s,
            &nb,
            reqwest::Method::POST,
            path,
            Some(json!({"note": "x"})),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
    }
    let (st, v) = call(&s, &soe, reqwest::Method::GET, "/api/v1/reports", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, _) = call(&s, &soe, reqwest::Method::GET, "/api/v1/reports/R-1", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Triage, then a clue through the same opening step as a hit; the public status follows.
    let (st, v) = call(
        &s,
        &xihu,
        reqwest::Method::POST,
        "/api/v1/reports/R-1/triage",
        None,
    )
    .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("triaging"))
    );
    let (_, text) = public(canonical.clone()).await;
    assert!(text.contains("\"triaging\""), "{text}");
    let (st, clue) = call(
        &s,
        &xihu,
        reqwest::Method::POST,
        "/api/v1/reports/R-1/clue",
        Some(json!({"summary": "核查城投集团食堂采购"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{clue}");
    assert_eq!(
        (clue["source"].as_str(), clue["status"].as_str()),
        (Some("report"), Some("registered"))
    );
    let clue_id = clue["id"].as_str().unwrap().to_owned();
    let (st, v) = call(
        &s,
        &xihu,
        reqwest::Method::POST,
        "/api/v1/reports/R-1/clue",
        Some(json!({})),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    bilingual(&v, "REPORT_FINAL");
    let (_, text) = public(canonical.clone()).await;
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "clue");
    assert!(v["clue_on"].is_string() && v["triage_on"].is_string());
    assert!(
        !text.contains(&clue_id),
        "the clue id is not public: {text}"
    );
    // The reported unit sees the clue (it has to rectify) but not the citizen's words.
    let (st, c) = call(
        &s,
        &soe,
        reqwest::Method::GET,
        &format!("/api/v1/clues/{clue_id}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(!c.to_string().contains(secret_text), "{c}");

    // Closing without a clue needs a reason.
    let (st, v) = call(
        &s,
        &xihu,
        reqwest::Method::POST,
        "/api/v1/reports/R-2/close",
        Some(json!({})),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    bilingual(&v, "REPORT_NOTE_REQUIRED");

    // A browser session needs the CSRF header for the same step.
    let browser = sign_in(&s, "xihu").await;
    let res = browser
        .post(s.url("/api/v1/reports/R-2/close"))
        .json(&json!({"note": "已另案处理"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let home = browser
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(s.url("/api/v1/reports/R-2/close"))
        .header("x-csrf-token", hidden(&home, "csrf"))
        .json(&json!({"note": "已另案处理"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, text) = public(second_code).await;
    assert!(
        text.contains("\"closed\"") && !text.contains("另案"),
        "{text}"
    );

    // Every step is in the ledger and replays.
    let ledger = qinglian_store::testing::test_ledger(&s.store).await;
    s.store
        .ledger_verify(&ledger.verifier(), None)
        .await
        .unwrap();
    s.stop().await;
}

#[tokio::test]
async fn filing_is_rate_limited_per_address_and_bounded_in_size() {
    let s = start_writable(WebConfig {
        report_max_per_window: 2,
        report_window_secs: 3600,
        report_body_limit: 200 * 1024,
        ..WebConfig::default()
    })
    .await;
    // Larger than the server-wide 64 KiB, within the report limit: accepted.
    let big = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 100 * 1024]);
    let res = file_json(
        &s,
        json!({"unit_id": "U-XH", "text": "附件较大", "attachments": [{"name": "a.bin", "content_base64": big}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Above the report limit: 413.
    let huge = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 300 * 1024]);
    let res = file_json(
        &s,
        json!({"unit_id": "U-XH", "text": "过大", "attachments": [{"name": "a.bin", "content_base64": huge}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Refused by its length before it reached the form: not counted.
    let res = file_json(&s, json!({"unit_id": "U-XH", "text": "第二次"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The third attempt from this address within the window: 429 with Retry-After.
    let res = file_json(&s, json!({"unit_id": "U-XH", "text": "第三次"})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 3600, "{wait}");
    bilingual(&res.json().await.unwrap(), "REPORT_RATE_LIMITED");
    // Other bodies keep the server-wide 64 KiB limit.
    let xihu = token(&s.store, "xihu").await;
    let (st, _) = call(
        &s,
        &xihu,
        reqwest::Method::POST,
        "/api/v1/clues",
        Some(json!({"unit_id": "U-XH", "summary": "长".repeat(40 * 1024)})),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    // The status lookup is not rate-limited with filing.
    let (st, _) = call(
        &s,
        "none",
        reqwest::Method::GET,
        &format!("/api/v1/public/reports/{}", code::generate()),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn the_report_form_and_status_page() {
    let s = start_writable(WebConfig::default()).await;
    let c: Client = client();
    let page = c
        .get(s.url("/public/reports/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("群众举报") && page.contains("Report a concern"));
    let csrf = hidden(&page, "csrf");
    assert_eq!(csrf.len(), 43);
    let form = |csrf: &str| {
        Form::new()
            .text("csrf", csrf.to_owned())
            .text("unit_id", "U-XH-SOE")
            .text("text", "工程款拨付异常")
            .text("contact", "")
            .part("attachment", Part::bytes(Vec::new()).file_name(""))
    };
    // A forged token is refused, the text kept for the next try.
    let res = c
        .post(s.url("/public/reports/new"))
        .multipart(form("forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let retry = res.text().await.unwrap();
    assert!(retry.contains("工程款拨付异常"));
    // The refusal comes with a fresh token (cookie and form); the old one is gone.
    let fresh = hidden(&retry, "csrf");
    assert_ne!(fresh, csrf);
    let res = c
        .post(s.url("/public/reports/new"))
        .multipart(form(&fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = res.text().await.unwrap();
    assert!(html.contains("回执码") && html.contains("Receipt code"));
    let shown = html
        .split("<code>")
        .nth(1)
        .and_then(|r| r.split("</code>").next())
        .unwrap()
        .to_owned();
    let canonical = code::parse(&shown).unwrap();
    assert!(!html.contains("工程款"), "no content on the status page");
    let st = s
        .store
        .report_status(&canonical)
        .await
        .unwrap()
        .expect("filed");
    assert_eq!(st.status, "received");
    // The status page by code; English first on request; typos explained.
    let res = c
        .get(s.url(&format!("/public/reports/{shown}?lang=en")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let main = html.split("<main>").nth(1).unwrap();
    assert!(main.find("received").unwrap() < main.find("已受理").unwrap());
    assert!(!html.contains("工程款") && !html.contains("U-XH-SOE"));
    let res = c
        .get(s.url("/public/reports/0000-0000"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("回执码应为 17 位"), "{html}");
    s.stop().await;
}

#[tokio::test]
async fn a_read_only_server_refuses_to_file() {
    let (store, dir) = sqlite_store().await;
    seed(&store).await;
    let s = super::start_with(store, WebConfig::default(), Some(dir)).await;
    let res = file_json(&s, json!({"unit_id": "U-XH", "text": "x"})).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    bilingual(&res.json().await.unwrap(), "SERVER_READ_ONLY");
    s.stop().await;
}
