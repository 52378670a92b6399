//! The workflow REST API over a real socket: a hit decided, a clue walked through every state
//! to closure (a refused illegal step, roles, the unit's own report), the timeline with its
//! ledger indexes, the outcome figures, letters issued, delivered and acknowledged; every new
//! resource answers 404 outside the caller's jurisdiction; the OpenAPI document lists them.

use super::reports::{call, start_writable, token};
use qinglian_store::HitRecord;
use qinglian_web::WebConfig;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) fn hit(id: &str) -> HitRecord {
    HitRecord {
        id: id.into(),
        indicator_id: "SL-R01".into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: "high".into(),
        param_hash: "p".into(),
        params: json!({}),
        inputs: json!({"leases": "abc"}),
        unit_id: "U-XH-SOE".into(),
        unit_kind: Some("soe".into()),
        division_code: "330106".into(),
        subject: json!({"lease_id": "L1"}),
        facts_hash: "f".into(),
        values: json!({"rent": 41}),
        thresholds: json!({"rent": 80}),
        explanation_zh: "疑似低价出租".into(),
        explanation_en: "possibly leased below market".into(),
        counterfactual_zh: String::new(),
        counterfactual_en: String::new(),
        first_seen_at: 0,
        last_seen_at: 0,
        times_seen: 0,
        decision: None,
        decided_by: None,
        decided_at: None,
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_api_walks_a_clue_from_hit_to_closure() {
    let s = start_writable(WebConfig::default()).await;
    s.store
        .upsert_hits(&[hit("a1b2c3d4e5f6")], 1_000)
        .await
        .unwrap();
    let xihu = token(&s.store, "xihu").await;
    let nb = token(&s.store, "nb").await;
    let soe = token(&s.store, "soe").await;
    let aud = token(&s.store, "aud").await;

    // Hits: listed, one with its indicator's precision, decided.
    let (st, v) = call(
        &s,
        &xihu,
        Method::GET,
        "/api/v1/hits?indicator=SL-R01",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let (_, v) = call(&s, &nb, Method::GET, "/api/v1/hits", None).await;
    assert_eq!(v["items"], json!([]), "Ningbo sees no Xihu hits");
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/hits/a1b2c3d4e5f6/decision",
        Some(json!({"decision": "maybe"})),
    )
    .await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::BAD_REQUEST, "HIT_BAD_DECISION")
    );
    let (st, v) = call(
        &s,
        &aud,
        Method::POST,
        "/api/v1/hits/a1b2c3d4e5f6/decision",
        Some(json!({"decision": "confirmed"})),
    )
    .await;
    assert_eq!((st, code(&v)), (StatusCode::FORBIDDEN, "HIT_FORBIDDEN"));
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/hits/a1b2c3d4e5f6/decision",
        Some(json!({"decision": "confirmed", "note": "租金明显偏低"})),
    )
    .await;
    assert_eq!(
        (st, v["decision"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let (_, v) = call(&s, &xihu, Method::GET, "/api/v1/hits/a1b2c3d4e5f6", None).await;
    assert_eq!(v["indicator_precision"]["precision"], 1.0);

    // Open from the hit; a second open is a conflict.
    let open = json!({"hit_id": "a1b2c3d4e5f6"});
    let (st, c) = call(&s, &xihu, Method::POST, "/api/v1/clues", Some(open.clone())).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (c["status"].as_str(), c["source"].as_str()),
        (Some("registered"), Some("hit"))
    );
    assert_eq!(c["allowed_next"], json!(["triaged"]));
    let (st, v) = call(&s, &xihu, Method::POST, "/api/v1/clues", Some(open)).await;
    assert_eq!((st, code(&v)), (StatusCode::CONFLICT, "CLUE_EXISTS"));

    // Walk it. An illegal step says where one stands; roles are enforced by the store.
    let path = format!("/api/v1/clues/{id}/transitions");
    let (server, tok) = (&s, xihu.as_str());
    let mv = |body: Value| {
        let path = path.clone();
        async move { call(server, tok, Method::POST, &path, Some(body)).await }
    };
    let (st, v) = mv(json!({"to": "closed"})).await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::CONFLICT, "CLUE_ILLEGAL_TRANSITION")
    );
    assert!(
        v["error"]["en"]
            .as_str()
            .unwrap()
            .ends_with("allowed next: triaged")
    );
    let (st, v) = call(
        &s,
        &aud,
        Method::POST,
        &path,
        Some(json!({"to": "triaged", "handler": "xihu"})),
    )
    .await;
    assert_eq!((st, code(&v)), (StatusCode::FORBIDDEN, "CLUE_FORBIDDEN"));
    let (st, v) = mv(json!({"to": "triaged", "handler": "xihu"})).await;
    assert_eq!(
        (st, v["handler"].as_str()),
        (StatusCode::OK, Some("xihu")),
        "{v}"
    );
    let (st, v) = mv(json!({"to": "初步核实"})).await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::BAD_REQUEST, "CLUE_NOTE_REQUIRED")
    );
    let (st, _) = mv(json!({"to": "初步核实", "note": "调取租赁合同"})).await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = mv(json!({"to": "confirmed", "note": "低于市场价", "persons": {"诫勉谈话": 1, "reminder_talk": 2}})).await;
    assert_eq!(
        (st, v["finding"].as_str()),
        (StatusCode::OK, Some("confirmed")),
        "{v}"
    );
    let (st, v) = mv(json!({"to": "rectifying"})).await;
    assert_eq!((st, code(&v)), (StatusCode::BAD_REQUEST, "CLUE_NO_ITEMS"));

    // Rectification: add, the unit reports with evidence, the supervisor verifies.
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/rectifications",
        Some(json!({"clue": id, "text": "重新公开招租", "deadline": "2026-12-31"})),
    )
    .await;
    assert_eq!(
        (st, v["seq"].as_i64()),
        (StatusCode::CREATED, Some(1)),
        "{v}"
    );
    let (st, _) = mv(json!({"to": "rectifying"})).await;
    assert_eq!(st, StatusCode::OK);
    let item = format!("/api/v1/rectifications/{id}/1");
    let evidence = "ab".repeat(32);
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        &format!("{item}/verification"),
        Some(json!({"grade": "completely"})),
    )
    .await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::CONFLICT, "ITEM_ILLEGAL_STEP"),
        "report first"
    );
    let (st, v) = call(
        &s,
        &soe,
        Method::POST,
        &format!("{item}/report"),
        Some(json!({"grade": "completely", "evidence": [evidence], "note": "已重新招租"})),
    )
    .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("reported")),
        "{v}"
    );
    assert_eq!(v["evidence"], json!([evidence]));
    let (st, v) = call(
        &s,
        &soe,
        Method::POST,
        &format!("{item}/verification"),
        Some(json!({"grade": "completely"})),
    )
    .await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::FORBIDDEN, "CLUE_FORBIDDEN"),
        "a unit does not verify itself"
    );
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        &format!("{item}/verification"),
        Some(json!({"grade": "completely", "systems_improved": "修订资产出租管理办法", "money_recovered_fen": 120000})),
    )
    .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("rectified")),
        "{v}"
    );
    let (st, v) = mv(json!({"to": "closed"})).await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{v}"
    );
    assert_eq!(v["allowed_next"], json!([]));

    // The timeline: every step with its ledger entry, in order.
    let (_, v) = call(&s, &soe, Method::GET, &format!("/api/v1/clues/{id}"), None).await;
    let timeline = v["timeline"].as_array().unwrap();
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
            "item_report",
            "item_verify",
            "close"
        ]
    );
    let idx: Vec<u64> = timeline
        .iter()
        .map(|e| {
            e["ledger_index"]
                .as_u64()
                .expect("every step is in the ledger")
        })
        .collect();
    assert!(idx.windows(2).all(|w| w[0] < w[1]), "{idx:?}");
    assert_eq!(v["items"][0]["verdict"], "completely");
    let (_, v) = call(&s, &xihu, Method::GET, "/api/v1/clues?status=closed", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let (st, v) = call(&s, &xihu, Method::GET, "/api/v1/clues?status=done", None).await;
    assert_eq!((st, code(&v)), (StatusCode::BAD_REQUEST, "CLUE_BAD_STATE"));

    // The outcome figures reflect the walk.
    let (st, o) = call(
        &s,
        &xihu,
        Method::GET,
        "/api/v1/outcomes?division=330106",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(
        (
            o["problems_found"].as_i64(),
            o["problems_rectified"].as_i64(),
            o["rectification_rate"].as_f64(),
            o["systems_improved"].as_i64(),
            o["money_recovered_fen"].as_i64(),
        ),
        (Some(1), Some(1), Some(1.0), Some(1), Some(120_000))
    );
    assert_eq!(o["persons_handled"]["admonishment"], 1);
    assert_eq!(o["persons_handled"]["reminder_talk"], 2);
    assert_eq!(o["persons_handled"]["sanction"], 0);
    let (_, o) = call(&s, &nb, Method::GET, "/api/v1/outcomes", None).await;
    assert_eq!(o["problems_found"], 0, "Ningbo counts only its own");
    let (st, o) = call(
        &s,
        &xihu,
        Method::GET,
        "/api/v1/outcomes?period=2026-Q5",
        None,
    )
    .await;
    assert_eq!(
        (st, code(&o)),
        (StatusCode::BAD_REQUEST, "REPORT_BAD_PERIOD")
    );

    // Letters: issue a notice to the unit, deliver, acknowledge.
    let (st, l) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/letters",
        Some(json!({"kind": "notice", "unit_id": "U-XH-SOE", "counterparty": "tenant", "issue_date": "2026-05-10"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{l}");
    let letter = l["letter"]["id"].as_str().unwrap().to_owned();
    assert_eq!(l["letter"]["status"], "issued");
    assert_eq!(l["title_zh"], "廉政告知书");
    let (st, v) = call(
        &s,
        &xihu,
        Method::POST,
        &format!("/api/v1/letters/{letter}/delivery"),
        Some(json!({"on": "2026-05-11"})),
    )
    .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("delivered")),
        "{v}"
    );
    let (st, v) = call(
        &s,
        &soe,
        Method::POST,
        &format!("/api/v1/letters/{letter}/acknowledgement"),
        Some(json!({"signed_on": "2026-05-12"})),
    )
    .await;
    assert_eq!(
        (st, v["signed_on"].as_str()),
        (StatusCode::OK, Some("2026-05-12")),
        "{v}"
    );
    let (_, v) = call(
        &s,
        &xihu,
        Method::GET,
        "/api/v1/letters?status=acknowledged",
        None,
    )
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    // Outside the jurisdiction every resource answers 404, reads and writes alike.
    let outside: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/hits/a1b2c3d4e5f6".into(), None),
        (
            Method::POST,
            "/api/v1/hits/a1b2c3d4e5f6/decision".into(),
            Some(json!({"decision": "unsure"})),
        ),
        (Method::GET, format!("/api/v1/clues/{id}"), None),
        (
            Method::POST,
            path.clone(),
            Some(json!({"to": "triaged", "handler": "nb"})),
        ),
        (
            Method::GET,
            format!("/api/v1/rectifications?clue={id}"),
            None,
        ),
        (Method::GET, item.clone(), None),
        (
            Method::POST,
            format!("{item}/report"),
            Some(json!({"grade": "partly"})),
        ),
        (
            Method::POST,
            format!("{item}/verification"),
            Some(json!({"grade": "partly"})),
        ),
        (
            Method::POST,
            "/api/v1/rectifications".into(),
            Some(json!({"clue": id, "text": "x", "deadline": "2026-12-31"})),
        ),
        (Method::GET, format!("/api/v1/letters/{letter}"), None),
        (
            Method::POST,
            format!("/api/v1/letters/{letter}/delivery"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/letters/{letter}/acknowledgement"),
            Some(json!({"signed_on": "2026-05-12"})),
        ),
        (
            Method::POST,
            "/api/v1/clues".into(),
            Some(json!({"unit_id": "U-XH-SOE", "summary": "x"})),
        ),
    ];
    for (m, p, body) in outside {
        let (st, v) = call(&s, &nb, m.clone(), &p, body).await;
        assert_eq!(
            (st, code(&v)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{m} {p}: {v}"
        );
    }
    let (_, v) = call(&s, &nb, Method::GET, "/api/v1/clues", None).await;
    assert_eq!(v["items"], json!([]));
    let (_, v) = call(&s, &nb, Method::GET, "/api/v1/rectifications", None).await;
    assert_eq!(v["items"], json!([]));
    let (_, v) = call(&s, &nb, Method::GET, "/api/v1/letters", None).await;
    assert_eq!(v["items"], json!([]));

    // Without credentials: 401, like every other API path.
    let (st, _) = call(&s, "qlt_nope", Method::GET, "/api/v1/clues", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    let ledger = qinglian_store::testing::test_ledger(&s.store).await;
    // Verified while the server (and its temporary database file) is still there: verification
    // reads the file through its own read-only connection.
    let report = s
        .store
        .ledger_verify(&ledger.verifier(), None)
        .await
        .unwrap();
    assert!(report.objects_replayed >= 3, "{report:?}");
    s.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_workflow() {
    let s = start_writable(WebConfig::default()).await;
    let v: Value = reqwest::get(s.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/public/reports", "post"),
        ("/api/v1/public/reports/{code}", "get"),
        ("/api/v1/reports", "get"),
        ("/api/v1/reports/{id}", "get"),
        ("/api/v1/reports/{id}/attachments/{seq}", "get"),
        ("/api/v1/reports/{id}/triage", "post"),
        ("/api/v1/reports/{id}/close", "post"),
        ("/api/v1/reports/{id}/clue", "post"),
        ("/api/v1/hits", "get"),
        ("/api/v1/hits/{id}", "get"),
        ("/api/v1/hits/{id}/decision", "post"),
        ("/api/v1/clues", "get"),
        ("/api/v1/clues", "post"),
        ("/api/v1/clues/{id}", "get"),
        ("/api/v1/clues/{id}/transitions", "post"),
        ("/api/v1/rectifications", "get"),
        ("/api/v1/rectifications", "post"),
        ("/api/v1/rectifications/{clue}/{seq}", "get"),
        ("/api/v1/rectifications/{clue}/{seq}/report", "post"),
        ("/api/v1/rectifications/{clue}/{seq}/verification", "post"),
        ("/api/v1/letters", "get"),
        ("/api/v1/letters", "post"),
        ("/api/v1/letters/{id}", "get"),
        ("/api/v1/letters/{id}/delivery", "post"),
        ("/api/v1/letters/{id}/acknowledgement", "post"),
        ("/api/v1/outcomes", "get"),
    ] {
        assert!(
            v["paths"][path][method].is_object(),
            "missing {method} {path}"
        );
    }
    // The public routes need no credentials; the others name both schemes.
    assert_eq!(
        v["paths"]["/api/v1/public/reports"]["post"]["security"],
        json!([{}])
    );
    assert_eq!(
        v["paths"]["/api/v1/clues"]["get"]["security"],
        json!([{"bearer": []}, {"session": []}])
    );
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "reports",
        "hits",
        "clues",
        "rectifications",
        "letters",
        "outcomes",
    ] {
        assert!(tags.contains(&t), "{tags:?}");
    }
    assert!(v["components"]["schemas"]["Receipt"].is_object());
    assert!(v["components"]["schemas"]["Outcomes"]["properties"]["rectification_rate"].is_object());
    s.stop().await;
}

/// The unit's report through the API with evidence files (multipart): kept by SHA-256 in the
/// store, the hashes in the step's ledger entry, downloadable by whoever sees the clue, 404
/// outside, and bounded by `evidence_body_limit`.
#[tokio::test]
async fn evidence_files_are_uploaded_kept_by_hash_and_downloaded() {
    use reqwest::multipart::{Form, Part};
    use sha2::{Digest, Sha256};
    let cfg = WebConfig {
        evidence_body_limit: 64 * 1024,
        ..WebConfig::default()
    };
    let s = start_writable(cfg).await;
    s.store
        .upsert_hits(&[hit("a1b2c3d4e5f6")], 1_000)
        .await
        .unwrap();
    let xihu = token(&s.store, "xihu").await;
    let soe = token(&s.store, "soe").await;
    let nb = token(&s.store, "nb").await;
    let (st, _) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/clues",
        Some(json!({"hit_id": "a1b2c3d4e5f6"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    for t in [
        json!({"to": "triaged", "handler": "xihu"}),
        json!({"to": "verification", "note": "核实"}),
        json!({"to": "confirmed", "note": "属实"}),
    ] {
        let (st, v) = call(
            &s,
            &xihu,
            Method::POST,
            "/api/v1/clues/C-1/transitions",
            Some(t),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (st, _) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/rectifications",
        Some(json!({"clue": "C-1", "text": "重新招租", "deadline": "2099-01-01"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = call(
        &s,
        &xihu,
        Method::POST,
        "/api/v1/clues/C-1/transitions",
        Some(json!({"to": "rectifying"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);

    let url = s.url("/api/v1/rectifications/C-1/1/report");
    let big = Form::new().text("grade", "completely").part(
        "file",
        Part::bytes(vec![7u8; 80 * 1024]).file_name("big.bin"),
    );
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&soe)
        .multipart(big)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "beyond evidence_body_limit"
    );

    let (pdf, xlsx) = (b"%PDF-1.4 lease".to_vec(), b"PK\x03\x04 ledger".to_vec());
    let form = Form::new()
        .text("grade", "completely")
        .text("note", "已重新招租")
        .part("file", Part::bytes(pdf.clone()).file_name("合同.pdf"))
        .part("file", Part::bytes(xlsx.clone()).file_name("台账.xlsx"));
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&soe)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    let mut want = vec![
        format!("{:x}", Sha256::digest(&pdf)),
        format!("{:x}", Sha256::digest(&xlsx)),
    ];
    want.sort();
    assert_eq!(
        (v["status"].as_str(), &v["evidence"]),
        (Some("reported"), &json!(want))
    );

    // The step's ledger entry carries the hashes.
    let (_, c) = call(&s, &xihu, Method::GET, "/api/v1/clues/C-1", None).await;
    let step = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "item_report")
        .unwrap();
    let entry = s
        .store
        .ledger_entry(step["ledger_index"].as_u64().unwrap())
        .await
        .unwrap()
        .unwrap();
    let leaf: Value = serde_json::from_slice(&entry.leaf).unwrap();
    assert_eq!(leaf["evidence_sha256"], json!(want), "{leaf}");

    for (tok, ok) in [(&soe, true), (&xihu, true), (&nb, false)] {
        for (sha, bytes) in [
            (format!("{:x}", Sha256::digest(&pdf)), &pdf),
            (format!("{:x}", Sha256::digest(&xlsx)), &xlsx),
        ] {
            let res = reqwest::Client::new()
                .get(s.url(&format!("/api/v1/rectifications/C-1/1/evidence/{sha}")))
                .bearer_auth(tok)
                .send()
                .await
                .unwrap();
            if !ok {
                assert_eq!(res.status(), StatusCode::NOT_FOUND);
                continue;
            }
            assert_eq!(res.status(), StatusCode::OK);
            let d = res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                d.starts_with("attachment;") && d.contains("filename*=UTF-8''"),
                "{d}"
            );
            assert_eq!(&res.bytes().await.unwrap().to_vec(), bytes);
        }
    }
    let (st, _) = call(
        &s,
        &soe,
        Method::GET,
        &format!("/api/v1/rectifications/C-1/1/evidence/{}", "0".repeat(64)),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "a hash the report does not name");
    s.stop().await;
}
