//! The work pages and the workflow's forms over a real socket, as a browser sends them: a
//! supervisor decides a hit, opens a clue and takes it through triage, disposal, finding and
//! the rectification order with plain form posts (POST-redirect-GET, the outcome shown once on
//! the page); an illegal step comes back as the state machine's bilingual message; the unit
//! user files its report with evidence files on `/my-unit`; the supervisor verifies and closes;
//! the work queue and the inbox show what they should; CSRF and jurisdiction hold.

use super::api_workflow::hit;
use super::reports::start_writable;
use super::{Server, add_user, hidden, sign_in};
use qinglian_core::Role;
use qinglian_web::WebConfig;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode, header};
use sha2::{Digest, Sha256};

/// The page's status and HTML.
async fn page(c: &Client, s: &Server, path: &str) -> (StatusCode, String) {
    let res = c.get(s.url(path)).send().await.unwrap();
    // Attribute values come entity-escaped (`/` as `&#x2f;`); read them as a browser does.
    (
        res.status(),
        res.text().await.unwrap().replace("&#x2f;", "/"),
    )
}

/// Posts a form; returns the redirect target and the flash code set with it.
async fn post(c: &Client, s: &Server, path: &str, fields: &[(&str, &str)]) -> (String, String) {
    let res = c.post(s.url(path)).form(fields).send().await.unwrap();
    outcome(res)
}

fn outcome(res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.url());
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let flash = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ql_flash="))
        .and_then(|v| v.split('.').next())
        .unwrap_or_default()
        .to_owned();
    (to, flash)
}

#[tokio::test]
async fn forms_walk_a_clue_and_the_unit_files_its_report_with_evidence() {
    let s = start_writable(WebConfig::default()).await;
    s.store
        .upsert_hits(&[hit("a1b2c3d4e5f6")], 1_000)
        .await
        .unwrap();
    add_user(
        &s.store,
        "hz",
        "杭州市纪委",
        Role::Supervisor,
        &["330100"],
        &[],
    )
    .await;
    let xihu = sign_in(&s, "xihu").await;
    let soe = sign_in(&s, "soe").await;
    let aud = sign_in(&s, "aud").await;
    let nb = sign_in(&s, "nb").await;

    // The hit page offers the supervisor a decision and a clue; the auditor only reads.
    let (st, html) = page(&xihu, &s, "/hits/a1b2c3d4e5f6").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(r#"action="/hits/a1b2c3d4e5f6/decide""#),
        "{html}"
    );
    assert!(html.contains(r#"action="/hits/a1b2c3d4e5f6/clue""#));
    let csrf = hidden(&html, "csrf");
    let (_, ahtml) = page(&aud, &s, "/hits/a1b2c3d4e5f6").await;
    assert!(!ahtml.contains("/decide\""), "no forms for a reader");
    let acsrf = hidden(&ahtml, "csrf");
    let (_, code) = post(
        &aud,
        &s,
        "/hits/a1b2c3d4e5f6/decide",
        &[("csrf", &acsrf), ("decision", "confirmed")],
    )
    .await;
    assert_eq!(
        code, "HIT_FORBIDDEN",
        "the store refuses what the page does not offer"
    );

    // Without the CSRF token nothing happens.
    let res = xihu
        .post(s.url("/hits/a1b2c3d4e5f6/decide"))
        .form(&[("decision", "confirmed")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Outside the jurisdiction: the same 404 as a missing hit.
    let (_, nhtml) = page(&nb, &s, "/").await;
    let ncsrf = hidden(&nhtml, "csrf");
    let res = nb
        .post(s.url("/hits/a1b2c3d4e5f6/clue"))
        .form(&[("csrf", ncsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let (to, code) = post(
        &xihu,
        &s,
        "/hits/a1b2c3d4e5f6/decide",
        &[
            ("csrf", &csrf),
            ("decision", "confirmed"),
            ("note", "租金偏低"),
        ],
    )
    .await;
    assert_eq!((to.as_str(), code.as_str()), ("/hits/a1b2c3d4e5f6", "OK"));
    let (_, html) = page(&xihu, &s, &to).await;
    assert!(html.contains("判定已保存"), "the outcome is shown once");
    let (_, html) = page(&xihu, &s, &to).await;
    assert!(!html.contains("判定已保存"), "and only once");
    let (to, code) = post(&xihu, &s, "/hits/a1b2c3d4e5f6/clue", &[("csrf", &csrf)]).await;
    assert_eq!((to.as_str(), code.as_str()), ("/clues/C-1", "OK"));

    // The clue page offers exactly the next step: triage.
    let (_, html) = page(&xihu, &s, "/clues/C-1").await;
    assert!(html.contains(r#"name="to" value="triaged""#), "{html}");
    assert!(!html.contains(r#"name="to" value="closed""#));
    // An illegal step (a forged form) comes back as the state machine's message.
    let (to, code) = post(
        &xihu,
        &s,
        "/clues/C-1/move",
        &[("csrf", &csrf), ("to", "closed")],
    )
    .await;
    assert_eq!(
        (to.as_str(), code.as_str()),
        ("/clues/C-1", "CLUE_ILLEGAL_TRANSITION")
    );
    let (_, html) = page(&xihu, &s, "/clues/C-1").await;
    assert!(html.contains("不允许从“登记”转到“销号”"), "{html}");
    assert!(html.contains("cannot move from registered to closed"));

    let steps: [&[(&str, &str)]; 4] = [
        &[("to", "triaged"), ("handler", "xihu"), ("unit", "")],
        &[("to", "verification"), ("note", "初步核实租赁合同")],
        &[
            ("to", "confirmed"),
            ("note", "低价出租属实"),
            ("person_reminder_talk", "1"),
            ("person_criticism", "0"),
        ],
        &[("to", "rectifying")],
    ];
    let (to, code) = post(
        &xihu,
        &s,
        "/clues/C-1/items",
        &[("csrf", &csrf), ("text", "x"), ("deadline", "2099-01-01")],
    )
    .await;
    assert_eq!(
        (to.as_str(), code.as_str()),
        ("/clues/C-1", "ITEM_CLUE_NOT_CONFIRMED")
    );
    for (i, fields) in steps.iter().enumerate() {
        if i == 3 {
            let (_, code) = post(
                &xihu,
                &s,
                "/clues/C-1/items",
                &[
                    ("csrf", &csrf),
                    ("text", "重新公开招租"),
                    ("deadline", "2020-01-01"),
                    ("from_hit", "no"),
                ],
            )
            .await;
            assert_eq!(code, "OK");
            let (_, code) = post(
                &xihu,
                &s,
                "/clues/C-1/items",
                &[
                    ("csrf", &csrf),
                    ("text", "完善租赁审批制度"),
                    ("deadline", "2099-12-31"),
                    ("from_hit", "no"),
                ],
            )
            .await;
            assert_eq!(code, "OK");
        }
        let mut f = vec![("csrf", csrf.as_str())];
        f.extend_from_slice(fields);
        let (_, code) = post(&xihu, &s, "/clues/C-1/move", &f).await;
        assert_eq!(code, "OK", "step {i}: {fields:?}");
    }
    let c = s
        .store
        .get_clue(&qinglian_store::Principal::operator(), "C-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.status.as_str(), c.handler.as_deref()),
        ("rectifying", Some("xihu"))
    );

    // The work queue: the clue is the supervisor's, its overdue item first.
    let (st, html) = page(&xihu, &s, "/work").await;
    assert_eq!(st, StatusCode::OK);
    let mine = html
        .split(r#"id="mine""#)
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        mine.contains("/clues/C-1") && mine.contains("1 项逾期"),
        "{mine}"
    );
    assert!(html.contains("分拣队列"), "the triage queue is there");

    // The unit files its report on item 1 with two files on its own page.
    let (st, html) = page(&soe, &s, "/my-unit").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(r#"action="/my-unit/items/C-1/1/report""#),
        "{html}"
    );
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(
        html.contains(r#"href="/my-unit""#),
        "the unit user's nav has its page"
    );
    let scsrf = hidden(&html, "csrf");
    let (pdf, photo) = (
        b"%PDF-1.4 new lease".to_vec(),
        vec![0xFFu8, 0xD8, 0xFF, 1, 2, 3],
    );
    let form = Form::new()
        .text("csrf", scsrf.clone())
        .text("grade", "completely")
        .text("note", "已重新公开招租")
        .part(
            "file",
            Part::bytes(pdf.clone())
                .file_name("新租赁合同.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
        .part("file", Part::bytes(photo.clone()).file_name("现场.jpg"));
    let res = soe
        .post(s.url("/my-unit/items/C-1/1/report"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (to, code) = outcome(res);
    assert_eq!((to.as_str(), code.as_str()), ("/my-unit", "OK"));
    let (_, html) = page(&soe, &s, "/my-unit").await;
    assert!(html.contains("2 个佐证文件"), "{html}");
    let sha = format!("{:x}", Sha256::digest(&pdf));
    let link = format!("/api/v1/rectifications/C-1/1/evidence/{sha}");
    assert!(
        html.contains(&link),
        "a download link to the evidence: {html}"
    );
    for c in [&soe, &xihu, &aud] {
        let res = c.get(s.url(&link)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    }
    assert_eq!(
        nb.get(s.url(&link)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // A second report on the same item is refused by the item's state machine.
    let form = Form::new()
        .text("csrf", scsrf.clone())
        .text("grade", "partly");
    let (_, code) = outcome(
        soe.post(s.url("/my-unit/items/C-1/1/report"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(code, "ITEM_ILLEGAL_STEP");
    // The unit may not move the clue.
    let (_, code) = post(
        &soe,
        &s,
        "/clues/C-1/move",
        &[("csrf", &scsrf), ("to", "closed")],
    )
    .await;
    assert_eq!(code, "CLUE_FORBIDDEN");

    // The supervisor verifies item 1 and (after the unit's report) item 2, then closes.
    let (_, html) = page(&xihu, &s, "/clues/C-1").await;
    assert!(
        html.contains(r#"action="/clues/C-1/items/1/verify""#),
        "{html}"
    );
    let (_, code) = post(
        &xihu,
        &s,
        "/clues/C-1/items/1/verify",
        &[
            ("csrf", &csrf),
            ("grade", "completely"),
            ("money_yuan", "12,500.50"),
            ("systems_improved", "租赁审批制度"),
        ],
    )
    .await;
    assert_eq!(code, "OK");
    let form = Form::new()
        .text("csrf", scsrf.clone())
        .text("grade", "completely");
    let (_, code) = outcome(
        soe.post(s.url("/my-unit/items/C-1/2/report"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(code, "OK");
    let (_, code) = post(
        &xihu,
        &s,
        "/clues/C-1/items/2/verify",
        &[
            ("csrf", &csrf),
            ("grade", "completely"),
            ("money_yuan", "-1"),
        ],
    )
    .await;
    assert_eq!(code, "FORM_BAD_NUMBER");
    let (_, code) = post(
        &xihu,
        &s,
        "/clues/C-1/items/2/verify",
        &[("csrf", &csrf), ("grade", "completely")],
    )
    .await;
    assert_eq!(code, "OK");
    let (_, code) = post(
        &xihu,
        &s,
        "/clues/C-1/move",
        &[("csrf", &csrf), ("to", "closed")],
    )
    .await;
    assert_eq!(code, "OK");
    let items = s.store.clue_items("C-1").await.unwrap();
    assert_eq!(items[0].money_recovered_fen, 1_250_050);
    let (_, html) = page(&xihu, &s, "/clues/C-1").await;
    assert!(
        !html.contains(r#"id="actions""#),
        "nothing left to do on a closed clue"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_inbox_lists_and_marks_read() {
    let s = start_writable(WebConfig::default()).await;
    s.store
        .upsert_hits(&[hit("a1b2c3d4e5f6")], 1_000)
        .await
        .unwrap();
    add_user(
        &s.store,
        "hz",
        "杭州市纪委",
        Role::Supervisor,
        &["330100"],
        &[],
    )
    .await;
    let xihu = sign_in(&s, "xihu").await;
    let (_, html) = page(&xihu, &s, "/hits/a1b2c3d4e5f6").await;
    let csrf = hidden(&html, "csrf");
    post(&xihu, &s, "/hits/a1b2c3d4e5f6/clue", &[("csrf", &csrf)]).await;
    for f in [
        vec![("to", "triaged"), ("handler", "xihu")],
        vec![("to", "verification"), ("note", "核实")],
        vec![("to", "confirmed"), ("note", "属实")],
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(f);
        assert_eq!(post(&xihu, &s, "/clues/C-1/move", &all).await.1, "OK");
    }
    post(
        &xihu,
        &s,
        "/clues/C-1/items",
        &[
            ("csrf", &csrf),
            ("text", "整改"),
            ("deadline", "2020-01-01"),
        ],
    )
    .await;
    assert_eq!(
        post(
            &xihu,
            &s,
            "/clues/C-1/move",
            &[("csrf", &csrf), ("to", "rectifying")]
        )
        .await
        .1,
        "OK"
    );
    // The overdue item rises to the city; its supervisor is told in the inbox.
    let ledger = qinglian_store::testing::test_ledger(&s.store).await;
    let up = s
        .store
        .escalate_overdue(&ledger, 2_000_000_000, 7)
        .await
        .unwrap();
    assert_eq!(up.len(), 1);
    let hz = sign_in(&s, "hz").await;
    let (st, html) = page(&hz, &s, "/inbox").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("/clues/C-1") && html.contains("未读"),
        "{html}"
    );
    let id = s.store.inbox(Some("hz")).await.unwrap()[0].id.clone();
    let action = format!("/inbox/{}/read", id.replace('#', "%23"));
    assert!(html.contains(&format!(r#"action="{action}""#)));
    // Someone else's notification is not there for them.
    let res = xihu
        .post(s.url(&action))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let hcsrf = hidden(&html, "csrf");
    let (to, code) = post(&hz, &s, &action, &[("csrf", &hcsrf)]).await;
    assert_eq!((to.as_str(), code.as_str()), ("/inbox", "OK"));
    let (_, html) = page(&hz, &s, "/inbox").await;
    assert!(
        html.contains("已读") && !html.contains(&format!(r#"action="{action}""#)),
        "{html}"
    );
    // The work queue of the new handler holds the escalated clue.
    let (_, html) = page(&hz, &s, "/work").await;
    let mine = html
        .split(r#"id="mine""#)
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(mine.contains("/clues/C-1"), "{mine}");
    s.stop().await;
}
