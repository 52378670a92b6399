//! Router-level tests with an injected clock: expiry, throttling windows and the guard's edges.
//! The end-to-end suite over a real socket lives in `tests/web.rs`.

use super::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use qinglian_core::{DivisionCode, Role};
use qinglian_store::{DivisionRow, NewUser};
use std::sync::atomic::{AtomicI64, Ordering};
use tower::ServiceExt;

struct Fixture {
    app: Router,
    store: Store,
    now: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

async fn fixture(cfg: WebConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    store
        .upsert_divisions(&[DivisionRow {
            code: "330106".into(),
            name: "西湖区".into(),
            level: "county".into(),
            parent_code: None,
            longitude: None,
            latitude: None,
            builtin: false,
        }])
        .await
        .unwrap();
    let user = NewUser {
        username: "zhang".into(),
        display_name: "张三".into(),
        password: "correct horse".into(),
        role: Role::Supervisor,
        divisions: vec![DivisionCode::parse("330106").unwrap()],
        units: vec![],
    };
    store
        .create_user(
            &qinglian_store::testing::test_ledger(&store).await,
            &user,
            1_000,
        )
        .await
        .unwrap();
    let now = Arc::new(AtomicI64::new(1_000_000));
    let n = now.clone();
    let app = router(
        store.clone(),
        None,
        cfg,
        Arc::new(move || n.load(Ordering::SeqCst)),
    );
    Fixture {
        app,
        store,
        now,
        _dir: dir,
    }
}

async fn send(app: &Router, req: axum::http::Request<Body>) -> Response {
    app.clone().oneshot(req).await.unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> axum::http::Request<Body> {
    let mut b = axum::http::Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn set_cookie_value(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|r| r.split(';').next().unwrap_or("").to_owned())
        })
}

async fn body_text(res: Response) -> String {
    String::from_utf8(
        axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

/// Signs in through the form; returns the response to the POST.
async fn login(app: &Router, password: &str) -> Response {
    let form = send(app, get("/login", None)).await;
    let csrf = set_cookie_value(&form, "ql_login_csrf").unwrap();
    let req = axum::http::Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("ql_login_csrf={csrf}"))
        .body(Body::from(format!(
            "username=zhang&password={password}&csrf={csrf}"
        )))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn sessions_expire_with_the_clock() {
    let f = fixture(WebConfig {
        session_ttl_secs: 600,
        ..WebConfig::default()
    })
    .await;
    let res = login(&f.app, "correct%20horse").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = format!(
        "ql_session={}",
        set_cookie_value(&res, "ql_session").unwrap()
    );
    assert_eq!(
        send(&f.app, get("/api/v1/me", Some(&session)))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&f.app, get("/", Some(&session))).await.status(),
        StatusCode::OK
    );
    f.now.fetch_add(600, Ordering::SeqCst);
    assert_eq!(
        send(&f.app, get("/api/v1/me", Some(&session)))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let home = send(&f.app, get("/", Some(&session))).await;
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn throttle_releases_after_the_window() {
    let f = fixture(WebConfig {
        login_max_failures: 2,
        login_window_secs: 300,
        ..WebConfig::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(login(&f.app, "wrong").await.status(), StatusCode::OK);
    }
    // Locked now, even for the right password.
    let res = login(&f.app, "correct%20horse").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()[header::RETRY_AFTER], "300");
    f.now.fetch_add(120, Ordering::SeqCst);
    assert_eq!(
        login(&f.app, "correct%20horse").await.headers()[header::RETRY_AFTER],
        "180"
    );
    f.now.fetch_add(180, Ordering::SeqCst);
    assert_eq!(
        login(&f.app, "correct%20horse").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn api_guard_covers_the_whole_tree() {
    let f = fixture(WebConfig::default()).await;
    for p in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v1/units/x/y",
        "/api/v1/publicity",
    ] {
        let res = send(&f.app, get(p, None)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{p}");
        assert!(body_text(res).await.contains("\"UNAUTHENTICATED\""), "{p}");
    }
    let res = send(&f.app, get("/api/v1/public/nothing-here", None)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(body_text(res).await.contains("\"NOT_FOUND\""));
    assert_eq!(
        send(&f.app, get("/api/v1/openapi.json", None))
            .await
            .status(),
        StatusCode::OK
    );
    // Signed in, unknown API paths are a JSON 404 (not the HTML page).
    let res = login(&f.app, "correct%20horse").await;
    let session = format!(
        "ql_session={}",
        set_cookie_value(&res, "ql_session").unwrap()
    );
    for p in ["/api/v1", "/api/v1/", "/api/v1/nope"] {
        let res = send(&f.app, get(p, Some(&session))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{p}");
        assert!(
            body_text(res)
                .await
                .starts_with("{\"error\":{\"code\":\"NOT_FOUND\""),
            "{p}"
        );
    }
    // A malformed Authorization header does not fall back to anything.
    let req = axum::http::Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, "Basic eDp5")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, req).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn session_api_writes_need_the_csrf_header() {
    let f = fixture(WebConfig::default()).await;
    let res = login(&f.app, "correct%20horse").await;
    let session = format!(
        "ql_session={}",
        set_cookie_value(&res, "ql_session").unwrap()
    );
    let home = body_text(send(&f.app, get("/", Some(&session))).await).await;
    let csrf = home
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let post = |token: Option<&str>| {
        let mut b = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/v1/me")
            .header(header::COOKIE, &session);
        if let Some(t) = token {
            b = b.header("x-csrf-token", t);
        }
        b.body(Body::empty()).unwrap()
    };
    assert_eq!(
        send(&f.app, post(None)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&f.app, post(Some("forged"))).await.status(),
        StatusCode::FORBIDDEN
    );
    // Past the CSRF check, the route itself answers (GET only).
    assert_eq!(
        send(&f.app, post(Some(&csrf))).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn https_deployments_get_secure_cookies_and_hsts() {
    let f = fixture(WebConfig {
        public_url: Some("https://ql.example".into()),
        ..WebConfig::default()
    })
    .await;
    let res = login(&f.app, "correct%20horse").await;
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .find(|v| v.to_str().unwrap().starts_with("ql_session="))
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        res.headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    let plain = fixture(WebConfig::default()).await;
    assert!(
        !send(&plain.app, get("/healthz", None))
            .await
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
}

#[tokio::test]
async fn bodies_are_limited_and_assets_cached_by_version() {
    let f = fixture(WebConfig::default()).await;
    let big = axum::http::Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, BODY_LIMIT + 1)
        .body(Body::from(vec![b'a'; BODY_LIMIT + 1]))
        .unwrap();
    let res = send(&f.app, big).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let css = send(
        &f.app,
        get(&format!("/assets/app.css?v={}", pages::css_version()), None),
    )
    .await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        css.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let stale = send(&f.app, get("/assets/app.css?v=0000", None)).await;
    assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-cache");
    let page = send(&f.app, get("/nope", None)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(body_text(page).await.contains("页面不存在"));
}

#[tokio::test]
async fn health_is_503_without_a_database() {
    let f = fixture(WebConfig::default()).await;
    let res = send(&f.app, get("/healthz", None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    f.store.close().await;
    let res = send(&f.app, get("/healthz", None)).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["database"].as_str()),
        (Some("degraded"), Some("unavailable"))
    );
    assert_eq!(v["backend"], "sqlite");
}
