//! The page cache over a real socket (`crates/web/src/page_cache.rs`): a write through this
//! server shows on the next view of a kept page; users of different jurisdictions or roles never
//! get each other's page, users of the same one share it with their own name and CSRF token
//! spliced in; the language switch is its own page; a sign-out ends the kept session at once.

use super::api_workflow::hit;
use super::reports::start_writable;
use super::{Server, add_user, client, hidden, sign_in};
use qinglian_core::Role;
use qinglian_web::WebConfig;
use reqwest::{Client, StatusCode, header};

async fn page(c: &Client, s: &Server, path: &str) -> (StatusCode, String) {
    let res = c.get(s.url(path)).send().await.unwrap();
    (
        res.status(),
        res.text().await.unwrap().replace("&#x2f;", "/"),
    )
}

/// The headline figure labelled `zh` as a number.
fn figure(html: &str, zh: &str) -> i64 {
    crate::cockpit::figure(html, zh).parse().unwrap()
}

async fn post(c: &Client, s: &Server, path: &str, fields: &[(&str, &str)]) -> String {
    let res = c.post(s.url(path)).form(fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_write_shows_at_once_on_kept_pages() {
    let s = start_writable(WebConfig::default()).await;
    s.store
        .upsert_hits(&[hit("cafe00000001")], 1_000)
        .await
        .unwrap();
    let xihu = sign_in(&s, "xihu").await;
    // Viewed twice: the second view is the kept page.
    let (_, home) = page(&xihu, &s, "/").await;
    let (_, again) = page(&xihu, &s, "/").await;
    assert_eq!(home, again, "one session, one kept page");
    let open = figure(&home, "在办线索");
    let csrf = hidden(&home, "csrf");
    let (_, hit_page) = page(&xihu, &s, "/hits/cafe00000001").await;
    assert!(hit_page.contains(r#"action="/hits/cafe00000001/clue""#));

    // Opening a clue is a ledger entry: the overview and the hit page change on the next view.
    let to = post(&xihu, &s, "/hits/cafe00000001/clue", &[("csrf", &csrf)]).await;
    assert_eq!(to, "/clues/C-1");
    let (_, home) = page(&xihu, &s, "/").await;
    assert_eq!(figure(&home, "在办线索"), open + 1, "open clues at once");
    let (_, hit_page) = page(&xihu, &s, "/hits/cafe00000001").await;
    assert!(
        !hit_page.contains(r#"action="/hits/cafe00000001/clue""#),
        "no second clue offered"
    );
    // A transition: the kept clue page and API answer show the new state on the next view.
    let (_, clue) = page(&xihu, &s, "/clues/C-1").await;
    assert!(clue.contains(r#"name="to" value="triaged""#), "{clue}");
    let api = |c: &Client| {
        let r = c.get(s.url("/api/v1/clues/C-1")).send();
        async move { r.await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    assert_eq!(api(&xihu).await["status"], "registered");
    post(
        &xihu,
        &s,
        "/clues/C-1/move",
        &[
            ("csrf", &csrf),
            ("to", "triaged"),
            ("handler", "xihu"),
            ("unit", ""),
        ],
    )
    .await;
    // The redirect's page carries the flash (not kept); the view after it is the kept one.
    page(&xihu, &s, "/clues/C-1").await;
    let (_, clue) = page(&xihu, &s, "/clues/C-1").await;
    assert!(!clue.contains(r#"name="to" value="triaged""#), "{clue}");
    assert_eq!(api(&xihu).await["status"], "triaged");
}

#[tokio::test]
async fn kept_pages_stay_within_jurisdiction_and_role_and_split_by_language() {
    let s = start_writable(WebConfig::default()).await;
    s.store
        .upsert_hits(&[hit("cafe00000002")], 1_000)
        .await
        .unwrap();
    add_user(
        &s.store,
        "xihu2",
        "西湖纪委李四",
        Role::Supervisor,
        &["330106"],
        &[],
    )
    .await;
    add_user(
        &s.store,
        "aud2",
        "西湖审计",
        Role::Auditor,
        &["330106"],
        &[],
    )
    .await;
    let xihu = sign_in(&s, "xihu").await;
    let xihu2 = sign_in(&s, "xihu2").await;
    let nb = sign_in(&s, "nb").await;
    let aud = sign_in(&s, "aud2").await;

    // Alternating views of the same paths: each user always gets their own jurisdiction's page.
    for _ in 0..2 {
        let (_, a) = page(&xihu, &s, "/").await;
        let (_, b) = page(&nb, &s, "/").await;
        assert!(a.contains("西湖城投集团") && !a.contains(">nb<"), "{a}");
        assert!(!b.contains("西湖城投集团") && b.contains(">nb<"), "{b}");
        let (st, _) = page(&nb, &s, "/hits/cafe00000002").await;
        assert_eq!(st, StatusCode::NOT_FOUND, "a kept page never crosses over");
        let r = nb.get(s.url("/api/v1/hits")).send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(!v.to_string().contains("cafe00000002"), "{v}");
        let r = xihu.get(s.url("/api/v1/hits")).send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v.to_string().contains("cafe00000002"), "{v}");
    }

    // Same jurisdiction and role: the same page, with each user's own name and CSRF token.
    let (_, a) = page(&xihu, &s, "/hits/cafe00000002").await;
    let (_, b) = page(&xihu2, &s, "/hits/cafe00000002").await;
    let (ca, cb) = (hidden(&a, "csrf"), hidden(&b, "csrf"));
    assert_ne!(ca, cb);
    assert!(a.contains("xihu ·"), "{a}");
    assert!(b.contains("西湖纪委李四") && !b.contains(&ca), "{b}");
    assert!(!a.contains("西湖纪委李四"));
    let norm = |h: &str, name: &str, csrf: &str| {
        h.replace(csrf, "CSRF")
            .replace(&format!("{name} ·"), "NAME ·")
    };
    assert_eq!(norm(&a, "xihu", &ca), norm(&b, "西湖纪委李四", &cb));
    // Same jurisdiction, another role: not the supervisor's page (no forms for a reader).
    let (_, c) = page(&aud, &s, "/hits/cafe00000002").await;
    assert!(a.contains("/decide\""));
    assert!(!c.contains("/decide\""), "{c}");

    // The language switch is its own page; the cookie keeps it.
    let (_, en) = page(&xihu, &s, "/?lang=en").await;
    let (_, en2) = page(&xihu, &s, "/").await;
    let (_, zh) = page(&xihu, &s, "/?lang=zh").await;
    assert!(en.contains(r#"<html lang="en">"#), "{en}");
    assert_eq!(en, en2);
    assert!(zh.contains(r#"<html lang="zh-CN">"#));
    assert_ne!(en, zh);
}

#[tokio::test]
async fn a_sign_out_ends_the_kept_session_at_once() {
    let s = start_writable(WebConfig::default()).await;
    let other = sign_in(&s, "xihu").await;
    // A second session of the same user, its cookie replayed by hand after signing out.
    let c = client();
    let r = super::post_login(&c, &s, "xihu", super::PASSWORD).await;
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ql_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let bare = client();
    let get = |path: &'static str| {
        bare.get(s.url(path))
            .header(header::COOKIE, cookie.clone())
            .send()
    };
    // Looked up twice, so it is kept.
    for _ in 0..2 {
        assert_eq!(get("/").await.unwrap().status(), StatusCode::OK);
        assert_eq!(get("/api/v1/me").await.unwrap().status(), StatusCode::OK);
    }
    let (_, home) = page(&c, &s, "/").await;
    let to = post(&c, &s, "/logout", &[("csrf", &hidden(&home, "csrf"))]).await;
    assert_eq!(to, "/login");
    // Dead at once, for pages and the API.
    assert_eq!(get("/").await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get("/api/v1/me").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // The other session lives on.
    assert_eq!(page(&other, &s, "/").await.0, StatusCode::OK);
}
