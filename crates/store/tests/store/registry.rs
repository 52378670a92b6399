//! The repository suite, run once on SQLite and once on the real PostgreSQL server
//! (127.0.0.1:5432 by default, `QINGLIAN_TEST_PG` to change; a fresh database per run).
//! Without PostgreSQL the second run says so and skips, except under CI, where it fails.

use qinglian_core::{DivisionCode, Role};
use qinglian_store::testing::test_ledger;
use qinglian_store::*;

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

fn unit(id: &str, kind: &str, division: &str, parent: Option<&str>) -> UnitRow {
    UnitRow {
        unit_id: id.into(),
        name: format!("单位{id}"),
        kind: kind.into(),
        division_code: division.into(),
        uscc: None,
        parent_unit_id: parent.map(Into::into),
        address: None,
    }
}

fn person(id: &str, division: &str, unit: Option<&str>) -> PersonRow {
    PersonRow {
        person_id: id.into(),
        name: "王小明".into(),
        citizen_id: "11010519491231002X".into(),
        gender: Some("male".into()),
        division_code: division.into(),
        unit_id: unit.map(Into::into),
    }
}

async fn seed(store: &Store) {
    store
        .upsert_divisions(&[
            div("330000", "浙江省", "province", None),
            div("330100", "杭州市", "city", Some("330000")),
            div("330106", "西湖区", "county", Some("330100")),
            div("330106001", "北山街道", "township", Some("330106")),
            div("330106001001", "某社区", "village", Some("330106001")),
            div("330105", "拱墅区", "county", Some("330100")),
            div("330200", "宁波市", "city", Some("330000")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[
            unit("U-XH", "organ", "330106", None),
            unit("U-XH-SOE", "soe", "330106", Some("U-XH")),
            unit("U-XH-SUB", "soe", "330106001", Some("U-XH-SOE")),
            unit("U-V1", "village", "330106001001", None),
            unit("U-GS", "school", "330105", None),
            unit("U-NB", "hospital", "330200", None),
        ])
        .await
        .unwrap();
    store
        .upsert_people(&[
            person("P1", "330106", Some("U-XH")),
            person("P2", "330105", Some("U-GS")),
            person("P3", "330200", Some("U-NB")),
            // lives in Ningbo but works in Xihu: visible to Xihu through the unit
            person("P4", "330200", Some("U-XH-SUB")),
        ])
        .await
        .unwrap();
    store
        .upsert_posts(&[PostRow {
            post_id: "POST1".into(),
            unit_id: "U-XH-SOE".into(),
            person_id: "P1".into(),
            title: "总经理".into(),
            key_area: Some("procurement".into()),
            is_head: true,
            start_date: "2024-01-01".into(),
            end_date: None,
        }])
        .await
        .unwrap();
}

async fn user(store: &Store, name: &str, role: Role, divs: &[&str], units: &[&str]) -> Principal {
    let u = store
        .create_user(
            &test_ledger(store).await,
            &NewUser {
                username: name.into(),
                display_name: name.into(),
                password: "correct horse".into(),
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
    store.principal(&u).await.unwrap()
}

fn ids<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| f(r).to_owned()).collect()
}

async fn suite(store: Store) {
    seed(&store).await;
    // Upserts are idempotent and update in place.
    seed(&store).await;
    let totals = store.registry_totals().await.unwrap();
    assert_eq!(totals[0], ("divisions", 7));
    assert_eq!(totals[1], ("units", 6));
    assert_eq!(totals[2], ("people", 4));

    let province = user(&store, "zj", Role::Supervisor, &["330000"], &[]).await;
    let city = user(&store, "hz", Role::Auditor, &["330100"], &[]).await;
    let county = user(&store, "xh", Role::Analyst, &["330106"], &[]).await;
    let unit_user = user(&store, "soe", Role::Unit, &[], &["U-XH-SOE"]).await;

    let all = UnitFilter::default();
    let u = |p: &Principal| {
        let store = store.clone();
        let p = p.clone();
        let all = all.clone();
        async move { ids(&store.list_units(&p, &all).await.unwrap(), |r| &r.unit_id) }
    };
    assert_eq!(
        u(&province).await,
        ["U-GS", "U-NB", "U-V1", "U-XH", "U-XH-SOE", "U-XH-SUB"]
    );
    assert_eq!(
        u(&city).await,
        ["U-GS", "U-V1", "U-XH", "U-XH-SOE", "U-XH-SUB"]
    );
    assert_eq!(u(&county).await, ["U-V1", "U-XH", "U-XH-SOE", "U-XH-SUB"]);
    // unit scope includes the units below, not the parent
    assert_eq!(u(&unit_user).await, ["U-XH-SOE", "U-XH-SUB"]);

    assert!(store.get_unit(&county, "U-XH").await.unwrap().is_some());
    assert!(store.get_unit(&county, "U-GS").await.unwrap().is_none());
    assert!(store.get_unit(&unit_user, "U-XH").await.unwrap().is_none());

    // filters compose with the scope, never widen it
    let f = UnitFilter {
        division: Some("330200".into()),
        ..Default::default()
    };
    assert!(store.list_units(&county, &f).await.unwrap().is_empty());
    let f = UnitFilter {
        kind: Some("soe".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&store.list_units(&province, &f).await.unwrap(), |r| &r
            .unit_id),
        ["U-XH-SOE", "U-XH-SUB"]
    );

    let people = |p: &Principal| {
        let store = store.clone();
        let p = p.clone();
        async move {
            ids(&store.list_people(&p, None, 100, 0).await.unwrap(), |r| {
                &r.person_id
            })
        }
    };
    assert_eq!(people(&province).await, ["P1", "P2", "P3", "P4"]);
    assert_eq!(people(&county).await, ["P1", "P4"]);
    // unit user: people working in its units or holding posts there
    assert_eq!(people(&unit_user).await, ["P1", "P4"]);
    let p1 = store.get_person(&county, "P1").await.unwrap().unwrap();
    assert_eq!(p1.citizen_id, "110105********002X");
    assert_eq!(p1.name, "王*明");
    assert!(store.get_person(&county, "P2").await.unwrap().is_none());

    let d = |p: &Principal| {
        let store = store.clone();
        let p = p.clone();
        async move { ids(&store.list_divisions(&p, None).await.unwrap(), |r| &r.code) }
    };
    assert_eq!(d(&county).await, ["330106", "330106001", "330106001001"]);
    assert_eq!(
        d(&city).await,
        ["330100", "330105", "330106", "330106001", "330106001001"]
    );
    assert_eq!(d(&unit_user).await, ["330106", "330106001"]);
    assert!(
        store
            .get_division(&county, "330105")
            .await
            .unwrap()
            .is_none()
    );
    let children = store
        .list_divisions(&province, Some("330100"))
        .await
        .unwrap();
    assert_eq!(ids(&children, |r| &r.code), ["330105", "330106"]);

    // posts follow their unit's visibility; relations their person's
    assert_eq!(
        ids(
            &store.list_posts(&county, None, true, 10).await.unwrap(),
            |r| &r.post_id
        ),
        ["POST1"]
    );
    assert!(
        store
            .list_posts(&unit_user, Some("U-XH-SOE"), false, 10)
            .await
            .unwrap()
            .len()
            == 1
    );
    let other_county = user(&store, "gs", Role::Commander, &["330105"], &[]).await;
    assert!(
        store
            .list_posts(&other_county, None, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .upsert_person_relations(&[PersonRelationRow {
            person_id: "P1".into(),
            related_person_id: "P3".into(),
            relation: "spouse".into(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .list_person_relations(&county, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .list_person_relations(&other_county, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .upsert_org_relations(&[OrgRelationRow {
            person_id: "P2".into(),
            org_name: "某公司".into(),
            org_uscc: String::new(),
            unit_id: None,
            role: "shareholder".into(),
            share_pct: Some(30.0),
            start_date: None,
            end_date: None,
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .list_org_relations(&other_county, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .list_org_relations(&county, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let counts = store.registry_counts(&county).await.unwrap();
    assert_eq!((counts.divisions, counts.units, counts.people), (3, 4, 2));

    // authentication, sessions, tokens
    assert!(
        store
            .authenticate("xh", "correct horse")
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.authenticate("xh", "wrong").await.unwrap().is_none());
    assert!(
        store
            .authenticate("nobody", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    let xh = store.find_user("xh").await.unwrap().unwrap();
    let (secret, csrf) = store.create_session(xh.id, 2_000, 3_600).await.unwrap();
    let (sp, scsrf) = store
        .session_principal(&secret, 2_001)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((sp.username.as_str(), scsrf), ("xh", csrf));
    assert!(
        store
            .session_principal(&secret, 5_601)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(
        store
            .session_principal("forged", 2_001)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.purge_sessions(10_000).await.unwrap(), 1);

    let (tid, token) = store
        .create_token(&test_ledger(&store).await, "hz", "script", 3_000)
        .await
        .unwrap();
    assert!(token.starts_with("qlt_"));
    let tp = store.token_principal(&token, 3_001).await.unwrap().unwrap();
    assert_eq!(tp.scope, city.scope, "a token is scoped like its user");
    let listed = store.list_tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(3_001));
    assert!(
        !format!("{listed:?}").contains(&token[10..]),
        "secret not stored"
    );
    store
        .revoke_token(&test_ledger(&store).await, tid, 3_002)
        .await
        .unwrap();
    assert!(
        store
            .token_principal(&token, 3_003)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .revoke_token(&test_ledger(&store).await, tid, 3_004)
            .await
            .is_err()
    );

    // disabling ends sessions and stops tokens
    let (secret, _) = store.create_session(xh.id, 4_000, 3_600).await.unwrap();
    let (_, token) = store
        .create_token(&test_ledger(&store).await, "xh", "t", 4_000)
        .await
        .unwrap();
    store
        .set_user_disabled(&test_ledger(&store).await, "xh", true, 5_000)
        .await
        .unwrap();
    assert!(
        store
            .session_principal(&secret, 4_001)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .token_principal(&token, 4_001)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate("xh", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    store
        .set_user_disabled(&test_ledger(&store).await, "xh", false, 5_000)
        .await
        .unwrap();
    assert!(
        store
            .set_user_disabled(&test_ledger(&store).await, "ghost", true, 5_000)
            .await
            .is_err()
    );

    // invalid users are refused with a code
    let bad = NewUser {
        username: "nojur".into(),
        display_name: "x".into(),
        password: "long enough".into(),
        role: Role::Supervisor,
        divisions: vec![],
        units: vec![],
    };
    assert_eq!(
        store
            .create_user(&test_ledger(&store).await, &bad, 0)
            .await
            .unwrap_err()
            .code(),
        "NO_SCOPE"
    );
    let dup = NewUser {
        username: "zj".into(),
        divisions: vec![DivisionCode::parse("330000").unwrap()],
        ..bad.clone()
    };
    assert_eq!(
        store
            .create_user(&test_ledger(&store).await, &dup, 0)
            .await
            .unwrap_err()
            .code(),
        "USER_EXISTS"
    );
    let weak = NewUser {
        username: "weak".into(),
        password: "short".into(),
        ..dup
    };
    assert_eq!(
        store
            .create_user(&test_ledger(&store).await, &weak, 0)
            .await
            .unwrap_err()
            .code(),
        "WEAK_PASSWORD"
    );
    assert_eq!(store.list_users().await.unwrap().len(), 5);

    // bulk upserts larger than one statement chunk land whole
    let many: Vec<UnitRow> = (0..1_000)
        .map(|i| unit(&format!("BULK{i:04}"), "culture", "330105", None))
        .collect();
    assert_eq!(store.upsert_units(&many).await.unwrap(), 1_000);
    assert_eq!(
        store
            .registry_keys(RegistryTable::Units)
            .await
            .unwrap()
            .len(),
        1_006
    );
    store.ping().await.unwrap();
}

#[tokio::test]
async fn sqlite_backend() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    // migrations are idempotent on re-open
    drop(store);
    let store = Store::open(&url).await.unwrap();
    suite(store).await;
}

#[tokio::test]
async fn postgres_backend() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
