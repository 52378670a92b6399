//! The authorisation matrix: every role (signed in through the form, and through an API token of
//! the same user) × every object-bearing route (pages, their .xlsx exports, ledger proofs, the
//! API) × one object inside and one outside the caller's jurisdiction. The allowed set is written
//! out below as policy, independently of the server; every cell is requested and compared.
//!
//! Policy: a division-scoped role (admin, supervisor, commander, analyst, auditor of 西湖区
//! 330106) reads everything inside 330106 and nothing of 拱墅区 330105; a unit user (北山某村)
//! reads its unit, that unit's hits and clues, and the division its unit lies in (with figures of
//! its own unit only), but no other division, not even a neighbouring township of the same
//! county. Citizen reports are read by supervisors and administrators of the unit's
//! jurisdiction only, never by the reported unit. Outside is always 404, exactly like a
//! missing object.

use super::{Server, add_user, client, sign_in, sqlite_store, start_with};
use qinglian_core::Role;
use qinglian_store::cockpit::fixture::{self, CLUES, HITS};
use qinglian_web::WebConfig;
use reqwest::{Client, StatusCode};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Division(Role),
    Unit,
}

/// The objects a route is requested for: inside or outside the caller's reach.
struct Objects {
    division: &'static str,
    unit: &'static str,
    hit: &'static str,
    clue: &'static str,
}

fn inside(who: Who) -> Objects {
    let unit = match who {
        Who::Unit => "XH-VIL",
        Who::Division(_) => "XH-SOE",
    };
    objects_of(unit, "330106001")
}

fn outside() -> Objects {
    objects_of("GS-SOE", "330105")
}

/// A hit and a clue of `unit`, found in the fixture's seed (not in the server).
fn objects_of(unit: &'static str, division: &'static str) -> Objects {
    let clue = CLUES
        .iter()
        .find(|c| fixture::unit_of(c.hit).unit == unit)
        .unwrap_or_else(|| panic!("the seed has a clue of {unit}"));
    let hit = HITS.iter().find(|h| h.unit == unit).unwrap();
    Objects {
        division,
        unit,
        hit: hit.id,
        clue: clue.id,
    }
}

/// The object-bearing routes for `o`. Every one is readable inside the caller's reach (the
/// inside objects are chosen there) and 404 outside.
fn routes(o: &Objects) -> Vec<String> {
    vec![
        format!("/divisions/{}", o.division),
        format!("/divisions/{}?format=xlsx", o.division),
        format!("/units/{}", o.unit),
        format!("/units/{}?format=xlsx", o.unit),
        format!("/hits/{}", o.hit),
        format!("/hits/{}?format=xlsx", o.hit),
        format!("/clues/{}", o.clue),
        format!("/clues/{}?format=xlsx", o.clue),
        format!("/clues/{}/steps/1/proof", o.clue),
        format!("/api/v1/divisions/{}", o.division),
        format!("/api/v1/units/{}", o.unit),
        format!("/api/v1/hits/{}", o.hit),
        format!("/api/v1/clues/{}", o.clue),
    ]
}

async fn status(c: &Client, s: &Server, path: &str, token: Option<&str>) -> StatusCode {
    let mut r = c.get(s.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap().status()
}

#[tokio::test]
async fn every_role_and_token_by_every_route_inside_and_outside() {
    let (store, dir) = sqlite_store().await;
    let ledger = qinglian_store::testing::test_ledger(&store).await;
    fixture::seed(&store, &ledger).await.unwrap();
    let mut people: Vec<(String, Who)> = Vec::new();
    for role in Role::ALL {
        if role == Role::Unit {
            continue;
        }
        let name = format!("m-{}", role.as_str());
        add_user(&store, &name, &name, role, &["330106"], &[]).await;
        people.push((name, Who::Division(role)));
    }
    add_user(&store, "m-unit", "北山某村", Role::Unit, &[], &["XH-VIL"]).await;
    people.push(("m-unit".into(), Who::Unit));
    let s = start_with(store.clone(), WebConfig::default(), Some(dir)).await;

    let mut wrong = Vec::new();
    let mut cells = 0;
    for (name, who) in &people {
        let session = sign_in(&s, name).await;
        let (_, token) = store
            .create_token(&ledger, name, "matrix", 2_000)
            .await
            .unwrap();
        let bare = client();
        for (side, objects) in [("inside", inside(*who)), ("outside", outside())] {
            for path in routes(&objects) {
                let want = if side == "inside" {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                let api = path.starts_with("/api/");
                let mut via = vec![("session", status(&session, &s, &path, None).await)];
                if api {
                    via.push(("token", status(&bare, &s, &path, Some(&token)).await));
                }
                for (how, got) in via {
                    cells += 1;
                    if got != want {
                        wrong.push(format!(
                            "{name} via {how} {side} {path}: {got}, want {want}"
                        ));
                    }
                }
            }
        }
    }
    // Citizen reports: supervisors and administrators of the unit's jurisdiction only; never
    // the reported unit itself (the reporter's protection).
    let mut report_about = std::collections::BTreeMap::new();
    for unit in ["XH-SOE", "XH-VIL", "GS-SOE"] {
        let filed = store
            .file_report(
                &ledger,
                &qinglian_store::reports::NewReport {
                    unit_id: Some(unit.into()),
                    text: format!("关于 {unit} 的举报 / a report about {unit}"),
                    ..Default::default()
                },
                fixture::NOW,
            )
            .await
            .unwrap();
        report_about.insert(unit, filed.id);
    }
    for (name, who) in &people {
        let c = sign_in(&s, name).await;
        for (unit, id) in &report_about {
            let reads = matches!(who, Who::Division(Role::Admin | Role::Supervisor))
                && unit.starts_with("XH-");
            let want = if reads {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            cells += 1;
            let got = status(&c, &s, &format!("/api/v1/reports/{id}"), None).await;
            if got != want {
                wrong.push(format!("{name} report about {unit}: {got}, want {want}"));
            }
        }
    }

    // The neighbouring township of the same county: the county's roles read it, the village's
    // unit user does not.
    for (name, who) in &people {
        let c = sign_in(&s, name).await;
        for path in ["/divisions/330106002", "/api/v1/divisions/330106002"] {
            let want = match who {
                Who::Division(_) => StatusCode::OK,
                Who::Unit => StatusCode::NOT_FOUND,
            };
            cells += 1;
            let got = status(&c, &s, path, None).await;
            if got != want {
                wrong.push(format!("{name} neighbour {path}: {got}, want {want}"));
            }
        }
    }
    cells += gated_pages(&s, &people, &mut wrong).await;
    assert!(cells > 150, "the matrix covers {cells} cells");
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    s.stop().await;
}

/// Pages of the import and screening desk (administrators and analysts) and of administration
/// (administrators only).
const DESK_PAGES: [&str; 4] = [
    "/import",
    "/import?format=xlsx",
    "/screening",
    "/screening?format=xlsx",
];
const ADMIN_PAGES: [&str; 3] = ["/admin/users", "/admin/tokens", "/admin/parameters"];
/// The procurement page and its workbook: any signed-in role, each its own jurisdiction.
const PROCUREMENT_PAGES: [&str; 2] = ["/procurement", "/procurement?format=xlsx"];
/// The enforcement pages (board, officer, trajectory, step record proof): this server has no
/// enforcement capability, so they do not exist for anyone (404) and the nav never offers them.
/// With the capability, `qinglian serve` is tested in the CLI's `enforcement` test.
const ENFORCEMENT_PAGES: [&str; 6] = [
    "/enforcement",
    "/enforcement?period=2025-09&format=xlsx",
    "/enforcement/officers/ZF330106-001?period=2025-09",
    "/enforcement/officers/ZF330106-001?period=2025-09&format=xlsx",
    "/enforcement/cases/AJ330106-0000001",
    "/enforcement/cases/AJ330106-0000001/steps/SJ1/proof",
];
const DESK_FORMS: [&str; 2] = ["/import", "/screening"];
const ADMIN_FORMS: [&str; 8] = [
    "/admin/users",
    "/admin/users/m-auditor/scope",
    "/admin/users/m-auditor/disable",
    "/admin/users/m-auditor/enable",
    "/admin/tokens",
    "/admin/tokens/1/revoke",
    "/admin/parameters",
    "/admin/parameters/remove",
];

/// Every role × the desk and admin pages and forms. Pages: 200 for the allowed roles, 403
/// otherwise. Forms, sent with the session's own CSRF token to this read-only server: 503
/// (nothing to change with) for the allowed roles, 403 for the others, so no form changes
/// anything for a role that may not use it. Signed out, and with only an API token (pages
/// take sessions), every page leads to the sign-in form.
async fn gated_pages(s: &Server, people: &[(String, Who)], wrong: &mut Vec<String>) -> usize {
    let mut cells = 0;
    let mut check = |what: String, got: StatusCode, want: StatusCode| {
        cells += 1;
        if got != want {
            wrong.push(format!("{what}: {got}, want {want}"));
        }
    };
    for (name, who) in people {
        let c = sign_in(s, name).await;
        let home = c
            .get(s.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = super::hidden(&home, "csrf");
        let (desk, admin) = match who {
            Who::Division(Role::Admin) => (true, true),
            Who::Division(Role::Analyst) => (true, false),
            _ => (false, false),
        };
        let page_want = |ok: bool| {
            if ok {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            }
        };
        let form_want = |ok: bool| {
            if ok {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::FORBIDDEN
            }
        };
        for (paths, ok) in [(&DESK_PAGES[..], desk), (&ADMIN_PAGES[..], admin)] {
            for path in paths {
                let got = status(&c, s, path, None).await;
                check(format!("{name} GET {path}"), got, page_want(ok));
            }
        }
        for (paths, ok) in [(&DESK_FORMS[..], desk), (&ADMIN_FORMS[..], admin)] {
            for path in paths {
                let got = c
                    .post(s.url(path))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("target", "all"),
                        ("role", "auditor"),
                        ("scope", "330106"),
                        ("username", "x"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status();
                check(format!("{name} POST {path}"), got, form_want(ok));
            }
        }
        // The procurement page: every signed-in role reads it (the procurement hits of its own
        // jurisdiction, scoped by the store). The seed holds none, so the nav does not offer it.
        for path in PROCUREMENT_PAGES {
            let got = status(&c, s, path, None).await;
            check(format!("{name} GET {path}"), got, StatusCode::OK);
        }
        for path in ENFORCEMENT_PAGES {
            let got = status(&c, s, path, None).await;
            check(format!("{name} GET {path}"), got, StatusCode::NOT_FOUND);
        }
        check(
            format!("{name} nav hides enforcement without the capability"),
            if home.contains(r#"href="/enforcement""#) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            StatusCode::FORBIDDEN,
        );
        check(
            format!("{name} nav hides procurement without data"),
            if home.contains(r#"href="/procurement""#) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            StatusCode::FORBIDDEN,
        );
        // Nav links only for what the role may use.
        check(
            format!("{name} nav shows import"),
            if home.contains(r#"href="/import""#) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            page_want(desk),
        );
        check(
            format!("{name} nav shows admin"),
            if home.contains(r#"href="/admin/users""#) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            page_want(admin),
        );
    }
    let bare = client();
    for path in DESK_PAGES
        .iter()
        .chain(&ADMIN_PAGES)
        .chain(&PROCUREMENT_PAGES)
        .chain(&ENFORCEMENT_PAGES)
    {
        let got = status(&bare, s, path, None).await;
        check(format!("signed out GET {path}"), got, StatusCode::SEE_OTHER);
    }
    cells
}

/// The workflow's forms (clue and hit pages) × every role × an object inside and outside,
/// on a server that may change state. Inside, the form always comes back (303) with the
/// outcome: the store's role refusal (`*_FORBIDDEN`) for roles that may not take the step,
/// anything else for supervisors and administrators (the requests are chosen so that their
/// answer is a state refusal, not a change, where that matters). Outside: 404, like a missing
/// object. The work pages answer every signed-in role and send the signed-out to sign in.
#[tokio::test]
async fn workflow_forms_by_role_inside_and_outside() {
    let (store, dir) = sqlite_store().await;
    let ledger = qinglian_store::testing::test_ledger(&store).await;
    fixture::seed(&store, &ledger).await.unwrap();
    let mut people: Vec<(String, Who)> = Vec::new();
    for role in Role::ALL {
        if role == Role::Unit {
            continue;
        }
        let name = format!("w-{}", role.as_str());
        add_user(&store, &name, &name, role, &["330106"], &[]).await;
        people.push((name, Who::Division(role)));
    }
    add_user(&store, "w-unit", "北山某村", Role::Unit, &[], &["XH-VIL"]).await;
    people.push(("w-unit".into(), Who::Unit));
    let services = qinglian_web::Services {
        ledger,
        indicators: std::sync::Arc::new(Vec::new()),
        analysis: None,
        enforcement: None,
    };
    let s = super::start_serving(store, Some(services), WebConfig::default(), Some(dir)).await;
    let forms = |o: &Objects| -> Vec<(String, Vec<(&'static str, &'static str)>)> {
        vec![
            (
                format!("/clues/{}/move", o.clue),
                vec![("to", "registered")],
            ),
            (
                format!("/clues/{}/items", o.clue),
                vec![("text", ""), ("deadline", "2099-01-01")],
            ),
            (
                format!("/hits/{}/decide", o.hit),
                vec![("decision", "unsure")],
            ),
            (format!("/hits/{}/clue", o.hit), vec![]),
        ]
    };
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (name, who) in &people {
        let c = sign_in(&s, name).await;
        for path in ["/work", "/inbox", "/my-unit", "/work?format=xlsx"] {
            cells += 1;
            let got = status(&c, &s, path, None).await;
            if got != StatusCode::OK {
                wrong.push(format!("{name} GET {path}: {got}"));
            }
        }
        let home = c
            .get(s.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = super::hidden(&home, "csrf");
        let acts = matches!(who, Who::Division(Role::Admin | Role::Supervisor));
        for (side, objects) in [("inside", inside(*who)), ("outside", outside())] {
            for (path, fields) in forms(&objects) {
                let mut f = vec![("csrf", csrf.as_str())];
                f.extend(fields);
                let res = c.post(s.url(&path)).form(&f).send().await.unwrap();
                let got = res.status();
                let flash = res
                    .headers()
                    .get_all(reqwest::header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(|v| v.strip_prefix("ql_flash="))
                    .and_then(|v| v.split('.').next())
                    .unwrap_or_default()
                    .to_owned();
                cells += 1;
                let ok = match side {
                    "outside" => got == StatusCode::NOT_FOUND,
                    _ => {
                        got == StatusCode::SEE_OTHER
                            && !flash.is_empty()
                            && flash.ends_with("_FORBIDDEN") != acts
                    }
                };
                if !ok {
                    wrong.push(format!("{name} {side} POST {path}: {got} {flash}"));
                }
            }
        }
    }
    let bare = client();
    for path in ["/work", "/inbox", "/my-unit"] {
        cells += 1;
        let got = status(&bare, &s, path, None).await;
        if got != StatusCode::SEE_OTHER {
            wrong.push(format!("signed out GET {path}: {got}"));
        }
    }
    assert!(cells > 70, "the matrix covers {cells} cells");
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    s.stop().await;
}
