//! Administration pages on a real server: users (add with a password shown once, change role
//! and jurisdiction, disable), API tokens (created and shown once, revoked), each a ledger
//! entry; and an administrator of 西湖区 330106 refused for users, grants and tokens outside it.

use super::reports::{start_writable, token};
use super::{add_user, client, hidden, post_login, sign_in};
use qinglian_core::Role;
use qinglian_web::WebConfig;
use reqwest::StatusCode;

/// The text of the first `<p class="secret">` on a page.
fn secret(html: &str) -> String {
    html.split(r#"<p class="secret">"#)
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn admin_manages_users_and_tokens_inside_its_jurisdiction() {
    let s = start_writable(WebConfig::default()).await;
    add_user(&s.store, "adm", "西湖管理员", Role::Admin, &["330106"], &[]).await;
    let c = sign_in(&s, "adm").await;
    let page = c
        .get(s.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    // Inside: xihu (330106). Outside: nb (宁波 330200) and aud (the whole province).
    assert!(page.contains("<code>xihu</code>"), "{page}");
    assert!(!page.contains("<code>nb</code>") && !page.contains("<code>aud</code>"));
    assert!(
        page.contains("<code>soe</code>"),
        "a unit user of a unit inside"
    );
    assert!(page.contains("另有 2 个用户"), "nb and aud");
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let req = c.post(s.url(path)).form(&form);
        async move { req.send().await.unwrap() }
    };
    let with_csrf = |mut f: Vec<(&'static str, String)>| {
        f.push(("csrf", csrf.clone()));
        f
    };

    // Add with a generated password, shown on the answer only; it signs in.
    let res = post(
        "/admin/users",
        with_csrf(vec![
            ("username", "ana".into()),
            ("display_name", "分析员".into()),
            ("role", "analyst".into()),
            ("scope", "330106".into()),
            ("password", String::new()),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let pw = secret(&html);
    assert!(pw.len() >= 8, "{html}");
    let ana = client();
    assert_eq!(
        post_login(&ana, &s, "ana", &pw).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        ana.get(s.url("/import")).send().await.unwrap().status(),
        StatusCode::OK,
        "an analyst opens the import page"
    );

    // Granting beyond one's own jurisdiction is refused and creates nothing.
    let res = post(
        "/admin/users",
        with_csrf(vec![
            ("username", "far".into()),
            ("role", "supervisor".into()),
            ("scope", "330200".into()),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains("超出您的管辖范围") && html.contains("outside your jurisdiction"));
    assert!(s.store.find_user("far").await.unwrap().is_none());
    // A bad division code names the value and what was expected, in both languages.
    let res = post(
        "/admin/users",
        with_csrf(vec![
            ("username", "bad".into()),
            ("role", "supervisor".into()),
            ("scope", "33x".into()),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("33x"));

    // Change role and jurisdiction: recorded, and the session sees the new role at once.
    let res = post(
        "/admin/users/ana/scope",
        with_csrf(vec![
            ("role", "auditor".into()),
            ("scope", "330106001".into()),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/admin/users?done=user_changed");
    let u = s.store.find_user("ana").await.unwrap().unwrap();
    assert_eq!(u.role, "auditor");
    assert_eq!(
        ana.get(s.url("/import")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let changed = s.store.ledger_recent("user_changed", 5).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].object_id.as_deref(), Some("ana"));

    // Outside users cannot be changed; one's own account cannot be disabled.
    for path in ["/admin/users/nb/disable", "/admin/users/nb/scope"] {
        let res = post(
            path,
            with_csrf(vec![("role", "auditor".into()), ("scope", "330106".into())]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(!s.store.find_user("nb").await.unwrap().unwrap().disabled);
    let res = post("/admin/users/adm/disable", with_csrf(vec![])).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Without the CSRF token nothing happens.
    let res = post("/admin/users/ana/disable", vec![]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!s.store.find_user("ana").await.unwrap().unwrap().disabled);
    // Disable: the session ends.
    let res = post("/admin/users/ana/disable", with_csrf(vec![])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(s.store.find_user("ana").await.unwrap().unwrap().disabled);
    assert_eq!(
        ana.get(s.url("/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "back to the sign-in form"
    );

    // Tokens: created and shown once, working, then revoked.
    let res = post(
        "/admin/tokens",
        with_csrf(vec![("user", "xihu".into()), ("name", "同步脚本".into())]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let t = secret(&html);
    assert!(t.starts_with("qlt_"), "{html}");
    let me = |t: String| {
        let req = client().get(s.url("/api/v1/me")).bearer_auth(t);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(me(t.clone()).await, StatusCode::OK);
    let listed = c
        .get(s.url("/admin/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("同步脚本") && !listed.contains(&t),
        "never shown again"
    );
    let id = s
        .store
        .list_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "同步脚本")
        .unwrap()
        .id;
    let res = post(&format!("/admin/tokens/{id}/revoke"), with_csrf(vec![])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(t).await, StatusCode::UNAUTHORIZED);
    // A token of a user outside: as if it did not exist, and it keeps working.
    let nb = token(&s.store, "nb").await;
    let nb_id = s.store.list_tokens().await.unwrap().last().unwrap().id;
    let res = post(&format!("/admin/tokens/{nb_id}/revoke"), with_csrf(vec![])).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(me(nb).await, StatusCode::OK);
    let res = post(
        "/admin/tokens",
        with_csrf(vec![("user", "nb".into()), ("name", "x".into())]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Every change above is in the ledger, and the replay agrees with the tables.
    s.store.ledger_replay().await.unwrap();
    s.stop().await;
}
