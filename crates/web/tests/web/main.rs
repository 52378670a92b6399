//! End to end over a real socket: `serve` on 127.0.0.1:0 with a temp-file SQLite store (and,
//! for the jurisdiction suite, once more on PostgreSQL), driven with reqwest as a browser or
//! an API client would.
//!
//! PostgreSQL: 127.0.0.1:5432 by default, `QINGLIAN_TEST_PG` to change; a fresh database per
//! run; skipped when unreachable except under `CI=true`.

mod admin;
mod api_workflow;
mod browser;
mod cache;
mod cockpit;
mod lottery;
mod matrix;
mod reports;
mod work;

use qinglian_core::{DivisionCode, Role};
use qinglian_store::testing::PgTestDb;
use qinglian_store::{DivisionRow, NewUser, PersonRow, PostRow, Store, UnitRow};
use qinglian_web::WebConfig;
use reqwest::header::{self, HeaderMap};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

// ---- harness -------------------------------------------------------------------------------

struct Server {
    base: String,
    store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Graceful shutdown: `serve` must return Ok once the signal fires.
    async fn stop(self) -> Store {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
        self.store
    }
}

/// A read-only server (no ledger writer): what `serve` without services runs.
async fn start_with(store: Store, cfg: WebConfig, dir: Option<tempfile::TempDir>) -> Server {
    start_serving(store, None, cfg, dir).await
}

async fn start_serving(
    store: Store,
    services: Option<qinglian_web::Services>,
    cfg: WebConfig,
    dir: Option<tempfile::TempDir>,
) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(qinglian_web::serve(
        listener,
        store.clone(),
        services,
        cfg,
        async move {
            let _ = rx.await;
        },
    ));
    Server {
        base,
        store,
        stop,
        task,
        _dir: dir,
    }
}

async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("web.db").display()))
        .await
        .unwrap();
    (store, dir)
}

/// A seeded SQLite server with one supervisor (`xihu`, jurisdiction 330106).
async fn start(cfg: WebConfig) -> Server {
    let (store, dir) = sqlite_store().await;
    seed(&store).await;
    add_user(
        &store,
        "xihu",
        "西湖纪委张三",
        Role::Supervisor,
        &["330106"],
        &[],
    )
    .await;
    start_with(store, cfg, Some(dir)).await
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden form field, entity-decoded as a browser would submit it.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let raw = html
        .split(&marker)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default();
    raw.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn post_login(c: &Client, s: &Server, username: &str, password: &str) -> reqwest::Response {
    let page = c
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    assert_eq!(csrf.len(), 43, "login form carries a CSRF token");
    c.post(s.url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap()
}

/// A browser-like client signed in through the form.
async fn sign_in(s: &Server, username: &str) -> Client {
    let c = client();
    let res = post_login(&c, s, username, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    c
}

async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn assert_security_headers(h: &HeaderMap, what: &str) {
    assert_eq!(
        h["content-security-policy"],
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
        "{what}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over plain http: {what}"
    );
}

// ---- data ----------------------------------------------------------------------------------

fn div(code: &str, name: &str, level: &str, parent: Option<&str>) -> DivisionRow {
    DivisionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent_code: parent.map(Into::into),
        longitude: None,
        latitude: None,
        builtin: false,
    }
}

fn unit(id: &str, name: &str, kind: &str, division: &str, parent: Option<&str>) -> UnitRow {
    UnitRow {
        unit_id: id.into(),
        name: name.into(),
        kind: kind.into(),
        division_code: division.into(),
        uscc: None,
        parent_unit_id: parent.map(Into::into),
        address: None,
    }
}

fn person(id: &str, name: &str, citizen_id: &str, division: &str, unit: Option<&str>) -> PersonRow {
    PersonRow {
        person_id: id.into(),
        name: name.into(),
        citizen_id: citizen_id.into(),
        gender: None,
        division_code: division.into(),
        unit_id: unit.map(Into::into),
    }
}

const ALL_DIVISIONS: &[&str] = &[
    "320000",
    "330000",
    "330100",
    "330105",
    "330106",
    "330106001",
    "330200",
];
const ALL_UNITS: &[&str] = &[
    "U-GS", "U-HZ", "U-JS", "U-NB", "U-XH", "U-XH-SOE", "U-XH-SUB", "U-ZJ",
];
const ALL_PEOPLE: &[&str] = &["P1", "P2", "P3", "P4", "P5", "P6", "P7"];

async fn seed(store: &Store) {
    store
        .upsert_divisions(&[
            div("320000", "江苏省", "province", None),
            div("330000", "浙江省", "province", None),
            div("330100", "杭州市", "city", Some("330000")),
            div("330105", "拱墅区", "county", Some("330100")),
            div("330106", "西湖区", "county", Some("330100")),
            div("330106001", "北山街道", "township", Some("330106")),
            div("330200", "宁波市", "city", Some("330000")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[
            unit("U-ZJ", "浙江省某厅", "organ", "330000", None),
            unit("U-HZ", "杭州市某局", "organ", "330100", None),
            unit("U-XH", "西湖区某局", "organ", "330106", None),
            unit("U-XH-SOE", "西湖城投集团", "soe", "330106", Some("U-XH")),
            unit(
                "U-XH-SUB",
                "西湖城投子公司",
                "soe",
                "330106001",
                Some("U-XH-SOE"),
            ),
            unit("U-GS", "拱墅区某小学", "school", "330105", None),
            unit("U-NB", "宁波市某医院", "hospital", "330200", None),
            unit("U-JS", "江苏省某厅", "organ", "320000", None),
        ])
        .await
        .unwrap();
    store
        .upsert_people(&[
            person("P1", "王小明", "11010519491231002X", "330106", Some("U-XH")),
            person("P2", "李四", "330105199001011234", "330105", Some("U-GS")),
            person("P3", "赵六", "330203198502023456", "330200", Some("U-NB")),
            // Lives in Ningbo, works in Xihu: visible to Xihu through the unit.
            person(
                "P4",
                "钱七",
                "330203197003035678",
                "330200",
                Some("U-XH-SUB"),
            ),
            person("P5", "孙八", "320102198808087890", "320000", Some("U-JS")),
            person(
                "P6",
                "周九",
                "330106199212120011",
                "330106",
                Some("U-XH-SOE"),
            ),
            person("P7", "吴十", "330100198011110022", "330100", None),
        ])
        .await
        .unwrap();
    // P1 holds a post in the Xihu SOE: a unit user of that SOE sees P1 through it.
    store
        .upsert_posts(&[PostRow {
            post_id: "POST1".into(),
            unit_id: "U-XH-SOE".into(),
            person_id: "P1".into(),
            title: "董事长".into(),
            key_area: Some("procurement".into()),
            is_head: true,
            start_date: "2024-01-01".into(),
            end_date: None,
        }])
        .await
        .unwrap();
}

async fn add_user(
    store: &Store,
    username: &str,
    display: &str,
    role: Role,
    divs: &[&str],
    units: &[&str],
) {
    store
        .create_user(
            &qinglian_store::testing::test_ledger(store).await,
            &NewUser {
                username: username.into(),
                display_name: display.into(),
                password: PASSWORD.into(),
                role,
                divisions: divs
                    .iter()
                    .map(|d| DivisionCode::parse(d).unwrap())
                    .collect(),
                units: units.iter().map(|u| (*u).to_owned()).collect(),
            },
            1_000,
        )
        .await
        .unwrap();
}

/// One user per role, each with its own jurisdiction, and exactly what each must see.
struct Case {
    username: &'static str,
    role: Role,
    divisions: &'static [&'static str],
    units: &'static [&'static str],
    sees_divisions: &'static [&'static str],
    sees_units: &'static [&'static str],
    sees_people: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        username: "zj-admin",
        role: Role::Admin,
        divisions: &["330000"],
        units: &[],
        sees_divisions: &[
            "330000",
            "330100",
            "330105",
            "330106",
            "330106001",
            "330200",
        ],
        sees_units: &[
            "U-GS", "U-HZ", "U-NB", "U-XH", "U-XH-SOE", "U-XH-SUB", "U-ZJ",
        ],
        sees_people: &["P1", "P2", "P3", "P4", "P6", "P7"],
    },
    Case {
        username: "hz-supervisor",
        role: Role::Supervisor,
        divisions: &["330100"],
        units: &[],
        sees_divisions: &["330100", "330105", "330106", "330106001"],
        sees_units: &["U-GS", "U-HZ", "U-XH", "U-XH-SOE", "U-XH-SUB"],
        sees_people: &["P1", "P2", "P4", "P6", "P7"],
    },
    Case {
        username: "xh-commander",
        role: Role::Commander,
        divisions: &["330106"],
        units: &[],
        sees_divisions: &["330106", "330106001"],
        sees_units: &["U-XH", "U-XH-SOE", "U-XH-SUB"],
        sees_people: &["P1", "P4", "P6"],
    },
    Case {
        username: "gs-analyst",
        role: Role::Analyst,
        divisions: &["330105"],
        units: &[],
        sees_divisions: &["330105"],
        sees_units: &["U-GS"],
        sees_people: &["P2"],
    },
    Case {
        username: "nb-auditor",
        role: Role::Auditor,
        divisions: &["330200"],
        units: &[],
        sees_divisions: &["330200"],
        sees_units: &["U-NB"],
        sees_people: &["P3", "P4"],
    },
    Case {
        username: "soe-unit",
        role: Role::Unit,
        divisions: &[],
        units: &["U-XH-SOE"],
        sees_divisions: &["330106", "330106001"],
        sees_units: &["U-XH-SOE", "U-XH-SUB"],
        sees_people: &["P1", "P4", "P6"],
    },
];

fn ids(v: &Value, key: &str) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect()
}

fn strs(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| (*x).to_owned()).collect()
}

/// Signs in as every role and checks list and get endpoints against the expected tables,
/// inside and outside each jurisdiction. Outside answers exactly like missing.
async fn jurisdiction_suite(store: Store) -> Store {
    seed(&store).await;
    for c in CASES {
        add_user(
            &store,
            c.username,
            &format!("{}用户", c.role.name_zh()),
            c.role,
            c.divisions,
            c.units,
        )
        .await;
    }
    let s = start_with(store, WebConfig::default(), None).await;
    let (_, missing) = json(
        client()
            .get(s.url("/api/v1/units/NO-SUCH-UNIT"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(missing["error"]["code"], "UNAUTHENTICATED");

    for c in CASES {
        let who = c.username;
        let cl = sign_in(&s, who).await;
        let get = |path: String| {
            let cl = cl.clone();
            let url = s.url(&path);
            async move { json(cl.get(url).send().await.unwrap()).await }
        };

        let (st, me) = get("/api/v1/me".into()).await;
        assert_eq!(st, StatusCode::OK, "{who}");
        assert_eq!(me["username"], who);
        assert_eq!(me["role"], c.role.as_str());
        assert_eq!(me["role_zh"], c.role.name_zh());
        assert_eq!(me["auth"], "session");

        let (st, v) = get("/api/v1/divisions".into()).await;
        assert_eq!(st, StatusCode::OK, "{who}");
        assert_eq!(ids(&v, "code"), strs(c.sees_divisions), "{who}: divisions");
        let (_, v) = get("/api/v1/units".into()).await;
        assert_eq!(ids(&v, "unit_id"), strs(c.sees_units), "{who}: units");
        let (_, v) = get("/api/v1/people".into()).await;
        assert_eq!(ids(&v, "person_id"), strs(c.sees_people), "{who}: people");

        let (_, nf) = get("/api/v1/divisions/339999".into()).await;
        for code in ALL_DIVISIONS {
            let (st, v) = get(format!("/api/v1/divisions/{code}")).await;
            if c.sees_divisions.contains(code) {
                assert_eq!(
                    (st, v["code"].as_str()),
                    (StatusCode::OK, Some(*code)),
                    "{who}: division {code}"
                );
            } else {
                assert_eq!(
                    (st, &v),
                    (StatusCode::NOT_FOUND, &nf),
                    "{who}: division {code} must look missing"
                );
            }
        }
        let (_, nf) = get("/api/v1/units/NO-SUCH-UNIT".into()).await;
        assert_eq!(nf["error"]["code"], "NOT_FOUND");
        for id in ALL_UNITS {
            let (st, v) = get(format!("/api/v1/units/{id}")).await;
            if c.sees_units.contains(id) {
                assert_eq!(
                    (st, v["unit_id"].as_str()),
                    (StatusCode::OK, Some(*id)),
                    "{who}: unit {id}"
                );
            } else {
                assert_eq!(
                    (st, &v),
                    (StatusCode::NOT_FOUND, &nf),
                    "{who}: unit {id} must look missing"
                );
            }
        }
        let (_, nf) = get("/api/v1/people/NO-SUCH-PERSON".into()).await;
        for id in ALL_PEOPLE {
            let (st, v) = get(format!("/api/v1/people/{id}")).await;
            if c.sees_people.contains(id) {
                assert_eq!(
                    (st, v["person_id"].as_str()),
                    (StatusCode::OK, Some(*id)),
                    "{who}: person {id}"
                );
            } else {
                assert_eq!(
                    (st, &v),
                    (StatusCode::NOT_FOUND, &nf),
                    "{who}: person {id} must look missing"
                );
            }
        }

        // Filters narrow within the jurisdiction, never widen it.
        let (_, v) = get("/api/v1/units?division=330106".into()).await;
        let expect: Vec<String> = c
            .sees_units
            .iter()
            .filter(|u| u.starts_with("U-XH"))
            .map(|u| (*u).to_owned())
            .collect();
        assert_eq!(ids(&v, "unit_id"), expect, "{who}: units in 330106");
        let (_, v) = get("/api/v1/units?division=320000".into()).await;
        assert!(ids(&v, "unit_id").is_empty(), "{who}: nobody sees Jiangsu");
        let (_, v) = get("/api/v1/people?unit=U-JS".into()).await;
        assert!(
            ids(&v, "person_id").is_empty(),
            "{who}: nobody sees Jiangsu people"
        );
        let (_, v) = get("/api/v1/divisions?parent=330100".into()).await;
        let expect: Vec<String> = ["330105", "330106"]
            .iter()
            .filter(|d| c.sees_divisions.contains(d))
            .map(|d| (*d).to_owned())
            .collect();
        assert_eq!(ids(&v, "code"), expect, "{who}: children of 330100");

        // The landing page shows the same scope.
        let home = cl
            .get(s.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains(c.role.name_zh()) && home.contains(c.role.name_en()),
            "{who}: role on page"
        );
        assert!(
            home.contains(&format!(
                r#"<span class="num">{}</span>"#,
                c.sees_units.len()
            )),
            "{who}: unit count on page"
        );
    }

    // A bearer token acts exactly as its user.
    let (_, secret) = s
        .store
        .create_token(
            &qinglian_store::testing::test_ledger(&s.store).await,
            "xh-commander",
            "ci",
            2_000,
        )
        .await
        .unwrap();
    let (st, v) = json(
        client()
            .get(s.url("/api/v1/people"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&v, "person_id"), strs(&["P1", "P4", "P6"]));
    let (_, me) = json(
        client()
            .get(s.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (me["auth"].as_str(), me["jurisdiction"]["ids"][0].as_str()),
        (Some("token"), Some("330106"))
    );
    let (st, _) = json(
        client()
            .get(s.url("/api/v1/units/U-GS"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await
}

// ---- tests ---------------------------------------------------------------------------------

#[tokio::test]
async fn roles_see_exactly_their_jurisdiction_sqlite() {
    let (store, _dir) = sqlite_store().await;
    let store = jurisdiction_suite(store).await;
    store.close().await;
}

#[tokio::test]
async fn roles_see_exactly_their_jurisdiction_postgres() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    let store = jurisdiction_suite(store).await;
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let s = start(WebConfig::default()).await;
    let c = client();
    let res = c.get(s.url("/healthz")).send().await.unwrap();
    assert_security_headers(res.headers(), "/healthz");
    let (st, h) = json(res).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["database"], "ok");
    assert_eq!(h["backend"], "sqlite");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));

    // Some traffic to count: a routed API call with a path parameter, a 401, a failed sign-in.
    let signed = sign_in(&s, "xihu").await;
    assert_eq!(
        signed
            .get(s.url("/api/v1/units/U-XH"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        c.get(s.url("/api/v1/units")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    post_login(&client(), &s, "xihu", "wrong password").await;
    c.get(s.url("/no/such/page")).send().await.unwrap();

    let res = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let m = res.text().await.unwrap();
    for needle in [
        r#"qinglian_http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"qinglian_http_requests_total{method="GET",route="/api/v1/units/{id}",status="200"} 1"#,
        r#"qinglian_http_requests_total{method="GET",route="/api/v1/units",status="401"} 1"#,
        r#"qinglian_http_requests_total{method="POST",route="/login",status="303"} 1"#,
        r#"qinglian_http_requests_total{method="GET",route="(unmatched)",status="404"} 1"#,
        r#"qinglian_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"}"#,
        r#"qinglian_http_request_duration_seconds_count{method="GET",route="/healthz"} 1"#,
        r#"qinglian_logins_total{outcome="success"} 1"#,
        r#"qinglian_logins_total{outcome="failure"} 1"#,
        r#"qinglian_logins_total{outcome="throttled"} 0"#,
        "# TYPE qinglian_http_request_duration_seconds histogram",
    ] {
        assert!(m.contains(needle), "metrics lack {needle}:\n{m}");
    }
    // Route templates only: no raw ids, no user names.
    assert!(
        !m.contains("U-XH\"") && !m.contains("xihu") && !m.contains("/no/such/page"),
        "{m}"
    );

    let res = c.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, doc) = json(res).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Qinglian 清廉 API");
    for p in [
        "/api/v1/me",
        "/api/v1/divisions",
        "/api/v1/divisions/{code}",
        "/api/v1/units",
        "/api/v1/units/{id}",
        "/api/v1/people",
        "/api/v1/people/{id}",
    ] {
        assert!(doc["paths"][p]["get"].is_object(), "openapi lacks {p}");
        assert_eq!(
            doc["paths"][p]["get"]["security"][0]["bearer"],
            serde_json::json!([]),
            "{p}"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (
            schemes["bearer"]["type"].as_str(),
            schemes["session"]["name"].as_str()
        ),
        (Some("http"), Some("ql_session"))
    );
    s.stop().await;
}

#[tokio::test]
async fn sign_in_pages_and_sign_out() {
    let s = start(WebConfig::default()).await;
    let c = client();

    let res = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login");
    assert_security_headers(res.headers(), "redirect");

    let res = c.get(s.url("/login")).send().await.unwrap();
    assert_security_headers(res.headers(), "/login");
    let csrf_cookie = set_cookies(res.headers())
        .into_iter()
        .find(|c| c.starts_with("ql_login_csrf="))
        .unwrap();
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#));
    assert!(
        page.find("用户名").unwrap() < page.find("Username").unwrap(),
        "Chinese first"
    );
    assert!(page.contains(r#"href="/login?lang=en""#), "language switch");
    assert!(page.contains("/assets/app.css?v="));

    // Wrong password and unknown user: same answer, no session.
    let mut answers = Vec::new();
    for (user, pw) in [("xihu", "wrong password"), ("nobody", "wrong password")] {
        let res = post_login(&c, &s, user, pw).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            !set_cookies(res.headers())
                .iter()
                .any(|c| c.starts_with("ql_session=")),
            "no session for {user}"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains("用户名或密码错误") && page.contains("wrong username or password"));
        answers.push(
            page.split("role=\"alert\">")
                .nth(1)
                .unwrap()
                .split("</p>")
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(answers[0], answers[1], "no hint whether the user exists");
    assert_eq!(
        c.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // A forged or missing login CSRF token is refused before the password is looked at.
    let bare = client();
    let res = bare
        .post(s.url("/login"))
        .form(&[
            ("username", "xihu"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        !set_cookies(res.headers())
            .iter()
            .any(|c| c.starts_with("ql_session="))
    );

    // Good password: session cookie with the right flags, 303 to /.
    let res = post_login(&c, &s, "xihu", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/");
    let session = set_cookies(res.headers())
        .into_iter()
        .find(|c| c.starts_with("ql_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{flag} in {session}");
    }
    assert!(!session.contains("Secure"), "plain http deployment");

    let res = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_security_headers(res.headers(), "/");
    let home = res.text().await.unwrap();
    for text in [
        "西湖纪委张三",
        "纪检监察",
        "supervisor",
        "330106",
        "西湖区",
        "县级",
        "国企",
        "state-owned enterprise",
        "机关",
    ] {
        assert!(home.contains(text), "home page lacks {text}");
    }
    assert!(!home.contains("<script"), "no scripts");
    let (_, me) = json(c.get(s.url("/api/v1/me")).send().await.unwrap()).await;
    assert_eq!(
        (me["username"].as_str(), me["auth"].as_str()),
        (Some("xihu"), Some("session"))
    );

    // Sign-out needs the session's CSRF token.
    let csrf = hidden(&home, "csrf");
    assert!(!csrf.is_empty());
    for form in [vec![], vec![("csrf", "forged")]] {
        let res = c.post(s.url("/logout")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            c.get(s.url("/api/v1/me")).send().await.unwrap().status(),
            StatusCode::OK,
            "still signed in"
        );
    }
    let res = c
        .post(s.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login");
    assert_eq!(
        c.get(s.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get(s.url("/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    // `next` is followed only when it stays on this site.
    let page = c
        .get(s.url("/login?next=/api/v1/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = c
        .post(s.url("/login"))
        .form(&[
            ("username", "xihu"),
            ("password", PASSWORD),
            ("csrf", &hidden(&page, "csrf")),
            ("next", &hidden(&page, "next")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/api/v1/me");
    let c2 = client();
    let page = c2
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = c2
        .post(s.url("/login"))
        .form(&[
            ("username", "xihu"),
            ("password", PASSWORD),
            ("csrf", &hidden(&page, "csrf")),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/");
    s.stop().await;
}

#[tokio::test]
async fn sign_in_is_throttled_per_user_and_per_address() {
    let s = start(WebConfig {
        login_max_failures: 3,
        ..WebConfig::default()
    })
    .await;
    let c = client();
    for _ in 0..3 {
        assert_eq!(
            post_login(&c, &s, "xihu", "wrong password").await.status(),
            StatusCode::OK
        );
    }
    // Locked for this user, even with the right password.
    let res = post_login(&c, &s, "xihu", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    assert!(
        !set_cookies(res.headers())
            .iter()
            .any(|c| c.starts_with("ql_session="))
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("登录失败次数过多") && page.contains("too many failed sign-ins"));
    // The same address is locked for other names too (all test clients share 127.0.0.1).
    assert_eq!(
        post_login(&client(), &s, "someone-else", "x")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let m = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains(r#"qinglian_logins_total{outcome="throttled"} 2"#),
        "{m}"
    );
    assert!(
        m.contains(r#"qinglian_logins_total{outcome="failure"} 3"#),
        "{m}"
    );
    s.stop().await;
}

#[tokio::test]
async fn api_needs_credentials_everywhere() {
    let s = start(WebConfig::default()).await;
    let (_, revoked) = s
        .store
        .create_token(
            &qinglian_store::testing::test_ledger(&s.store).await,
            "xihu",
            "old",
            2_000,
        )
        .await
        .unwrap();
    let id = s.store.list_tokens().await.unwrap()[0].id;
    s.store
        .revoke_token(
            &qinglian_store::testing::test_ledger(&s.store).await,
            id,
            2_001,
        )
        .await
        .unwrap();
    let (_, live) = s
        .store
        .create_token(
            &qinglian_store::testing::test_ledger(&s.store).await,
            "xihu",
            "live",
            2_002,
        )
        .await
        .unwrap();

    let routes = [
        "/api/v1/me",
        "/api/v1/divisions",
        "/api/v1/divisions?parent=330100",
        "/api/v1/divisions/330106",
        "/api/v1/units",
        "/api/v1/units?kind=school&limit=5",
        "/api/v1/units/U-XH",
        "/api/v1/people",
        "/api/v1/people?unit=U-XH",
        "/api/v1/people/P1",
        "/api/v1/no-such-route",
        "/api/v1/",
    ];
    let c = client();
    for r in routes {
        let bad_tokens = [
            None,
            Some(revoked.as_str()),
            Some("qlt_not-a-real-token"),
            Some("not-even-a-token"),
        ];
        for token in bad_tokens {
            let mut req = c.get(s.url(r));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            assert_security_headers(res.headers(), r);
            assert!(
                res.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
            let (st, v) = json(res).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{r} with {token:?}");
            assert_eq!(v["error"]["code"], "UNAUTHENTICATED", "{r}");
            assert!(
                !v["error"]["zh"].as_str().unwrap().is_empty()
                    && !v["error"]["en"].as_str().unwrap().is_empty()
            );
        }
        // The live token opens the same routes (unknown ones are a JSON 404).
        let (st, _) = json(c.get(s.url(r)).bearer_auth(&live).send().await.unwrap()).await;
        let expect = if r.contains("no-such") || r.ends_with("/v1/") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(st, expect, "{r} with a live token");
    }
    // The OpenAPI document is public.
    assert_eq!(
        c.get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // Bad parameters are bilingual JSON 400s.
    for (r, code) in [
        ("/api/v1/units?kind=factory", "BAD_UNIT_KIND"),
        ("/api/v1/units?limit=abc", "BAD_QUERY"),
        ("/api/v1/units?division=33", "BAD_DIVISION_CODE"),
    ] {
        let (st, v) = json(c.get(s.url(r)).bearer_auth(&live).send().await.unwrap()).await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{r}"
        );
    }
    let (_, v) = json(
        c.get(s.url("/api/v1/units?kind=国企&limit=1"))
            .bearer_auth(&live)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (ids(&v, "unit_id"), v["limit"].as_i64()),
        (strs(&["U-XH-SOE"]), Some(1))
    );
    assert_eq!(v["items"][0]["kind_zh"], "国企");
    s.stop().await;
}

#[tokio::test]
async fn people_are_masked() {
    let s = start(WebConfig::default()).await;
    let c = sign_in(&s, "xihu").await;
    let res = c.get(s.url("/api/v1/people")).send().await.unwrap();
    assert_security_headers(res.headers(), "/api/v1/people");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let body = res.text().await.unwrap();
    for raw in ["11010519491231002X", "330203197003035678", "王小明", "钱七"] {
        assert!(!body.contains(raw), "unmasked {raw} in {body}");
    }
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ids(&v, "person_id"), strs(&["P1", "P4", "P6"]));
    for p in v["items"].as_array().unwrap() {
        let id = p["citizen_id"].as_str().unwrap();
        assert_eq!(id.chars().count(), 18);
        assert!(id.contains("********"), "{id}");
        assert!(p["name"].as_str().unwrap().contains('*'), "{p}");
    }
    let (_, one) = json(c.get(s.url("/api/v1/people/P1")).send().await.unwrap()).await;
    assert_eq!(one["citizen_id"], "110105********002X");
    s.stop().await;
}

#[tokio::test]
async fn english_switch() {
    let s = start(WebConfig::default()).await;
    let c = client();
    let res = c.get(s.url("/login?lang=en")).send().await.unwrap();
    let lang = set_cookies(res.headers())
        .into_iter()
        .find(|c| c.starts_with("ql_lang="))
        .unwrap();
    assert!(lang.starts_with("ql_lang=en;"), "{lang}");
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(
        page.find("Username").unwrap() < page.find("用户名").unwrap(),
        "English first"
    );
    assert!(page.contains(r#"href="/login?lang=zh""#), "switch back");
    // Remembered by the cookie.
    let page = c
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.find("Username").unwrap() < page.find("用户名").unwrap());
    // And back to Chinese.
    let page = c
        .get(s.url("/login?lang=zh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<html lang="zh-CN">"#));
    assert!(page.find("用户名").unwrap() < page.find("Username").unwrap());

    // The stylesheet: versioned URL, immutable, with the Chinese font stack.
    let href = page
        .split(r#"rel="stylesheet" href=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let res = c.get(s.url(&href)).send().await.unwrap();
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(r#""PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif"#)
    );
    s.stop().await;
}

#[tokio::test]
async fn the_ledger_checkpoint_is_public() {
    // No ledger yet: a JSON 404, still without credentials.
    let (empty, dir) = sqlite_store().await;
    let bare = start_with(empty, WebConfig::default(), Some(dir)).await;
    let c = client();
    let res = c
        .get(bare.url("/api/v1/public/ledger/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // With a ledger (creating the seeded users went through it): the signed note, as is.
    let s = start(WebConfig::default()).await;
    let ledger = qinglian_store::testing::test_ledger(&s.store).await;
    let res = c
        .get(s.url("/api/v1/public/ledger/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let note = res.text().await.unwrap();
    let (cp, _) = qinglian_ledger::Checkpoint::open(&note, &[ledger.verifier()]).unwrap();
    assert_eq!(cp.origin, "test.invalid/ledger/v1");
    assert!(cp.size >= 2, "genesis and the user's creation");
    let doc: serde_json::Value = c
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/public/ledger/checkpoint"].is_object());
}
