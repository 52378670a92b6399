//! Hits storage, run once on SQLite and once on PostgreSQL (`QINGLIAN_TEST_PG`; skipped without
//! it except under CI): idempotent upserts, sightings, decisions, jurisdiction.

use qinglian_core::{DivisionCode, Role};
use qinglian_store::*;
use serde_json::json;

fn hit(
    id: &str,
    indicator: &str,
    unit: &str,
    division: &str,
    contract: &str,
    ratio: f64,
) -> HitRecord {
    HitRecord {
        id: id.into(),
        indicator_id: indicator.into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "statistical".into(),
        severity: "medium".into(),
        param_hash: "p1".into(),
        params: json!({"max_ratio": 0.8, "as_of": "2025-12-31"}),
        inputs: json!({"lease_contracts": {"hash": "s1", "batches": ["000001-ab"], "rows": 10}}),
        unit_id: unit.into(),
        unit_kind: Some("soe".into()),
        division_code: division.into(),
        subject: json!({"unit_id": unit, "contract_id": contract}),
        facts_hash: format!("f-{id}"),
        values: json!({"ratio": ratio}),
        thresholds: json!({"q1": 1.5, "peer_n": 12}),
        explanation_zh: format!(
            "疑似低价出租：合同 {contract} 租金为中位数的 {:.0}%",
            ratio * 100.0
        ),
        explanation_en: format!(
            "Possibly below market: contract {contract} at {:.0}% of the median",
            ratio * 100.0
        ),
        counterfactual_zh: "租金达到 20 元/㎡·月 即不会触发".into(),
        counterfactual_en: "Would not fire at 20 yuan/m²·month".into(),
        first_seen_at: 0,
        last_seen_at: 0,
        times_seen: 0,
        decision: None,
        decided_by: None,
        decided_at: None,
    }
}

fn principal(name: &str, role: Role, scope: Scope) -> Principal {
    Principal {
        user_id: 1,
        username: name.into(),
        display_name: name.into(),
        role,
        scope,
    }
}

fn divs(codes: &[&str]) -> Scope {
    Scope::Divisions(
        codes
            .iter()
            .map(|c| DivisionCode::parse(c).unwrap())
            .collect(),
    )
}

fn ids(hits: &[HitRecord]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

async fn suite(store: Store) {
    let op = Principal::operator();
    let ledger = qinglian_store::testing::test_ledger(&store).await;
    let batch = vec![
        hit("h1", "SL-S01", "U-XH", "330106", "C1", 0.41),
        hit("h2", "SL-S01", "U-SC", "330102", "C2", 0.55),
        hit("h3", "SL-R03", "U-NB", "330203", "C3", 0.0),
        hit("h4", "SL-R03", "U-XH-V", "330106001001", "C4", 0.0),
    ];
    let r = store.upsert_hits(&batch, 1_000).await.unwrap();
    assert_eq!(
        r,
        HitUpsertReport {
            new: 4,
            seen_again: 0,
            suppressed: 0
        }
    );

    // Stored as given, JSON round-trips, first sighting recorded.
    let got = store.get_hit(&op, "h1").await.unwrap().unwrap();
    assert_eq!(got.values, json!({"ratio": 0.41}));
    assert_eq!(got.subject["contract_id"], "C1");
    assert_eq!(got.inputs["lease_contracts"]["batches"][0], "000001-ab");
    assert_eq!(
        (got.first_seen_at, got.last_seen_at, got.times_seen),
        (1_000, 1_000, 1)
    );
    assert!(got.explanation_zh.contains("41%"));

    // The same facts again: no duplicate, one more sighting, refreshed run data.
    let mut again = batch.clone();
    again[0].thresholds = json!({"q1": 1.7, "peer_n": 13});
    again[0].param_hash = "p2".into();
    let r = store.upsert_hits(&again, 2_000).await.unwrap();
    assert_eq!(
        r,
        HitUpsertReport {
            new: 0,
            seen_again: 4,
            suppressed: 0
        }
    );
    let all = store.list_hits(&op, &HitFilter::default()).await.unwrap();
    assert_eq!(
        ids(&all),
        ["h3", "h4", "h2", "h1"],
        "sorted by indicator, unit"
    );
    let got = store.get_hit(&op, "h1").await.unwrap().unwrap();
    assert_eq!(
        (got.first_seen_at, got.last_seen_at, got.times_seen),
        (1_000, 2_000, 2)
    );
    assert_eq!(got.thresholds["peer_n"], 13);
    assert_eq!(got.param_hash, "p2");

    // Jurisdiction: the same rules as units, through scope.rs.
    let county = principal("xh", Role::Supervisor, divs(&["330106"]));
    let city = principal("hz", Role::Auditor, divs(&["330100"]));
    let unit = principal("u", Role::Unit, Scope::Units(vec!["U-NB".into()]));
    let seen = |p: Principal| {
        let store = store.clone();
        async move {
            let hits = store.list_hits(&p, &HitFilter::default()).await.unwrap();
            hits.into_iter().map(|h| h.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(county.clone()).await, ["h4", "h1"]);
    assert_eq!(seen(city.clone()).await, ["h4", "h2", "h1"]);
    assert_eq!(seen(unit.clone()).await, ["h3"]);
    assert!(
        store.get_hit(&county, "h2").await.unwrap().is_none(),
        "outside: as if missing"
    );
    assert!(store.get_hit(&county, "nope").await.unwrap().is_none());

    // Filters narrow, never widen.
    let f = HitFilter {
        indicator_id: Some("SL-S01".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store.list_hits(&county, &f).await.unwrap()), ["h1"]);
    let f = HitFilter {
        unit_id: Some("U-NB".into()),
        ..Default::default()
    };
    assert!(store.list_hits(&county, &f).await.unwrap().is_empty());

    // A decided false positive is not raised again: left out of listings, reported as
    // suppressed when the same facts come back; the decision survives re-screening.
    store
        .decide_hit(
            &ledger,
            &county,
            "h1",
            "false_positive",
            Some("核实为误报"),
            3_000,
        )
        .await
        .unwrap();
    let e = store
        .decide_hit(
            &ledger,
            &county,
            "h2",
            "confirmed",
            Some("核实为误报"),
            3_000,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "NOT_FOUND",
        "cannot decide outside the jurisdiction"
    );
    let e = store
        .decide_hit(&ledger, &county, "h1", "maybe", Some("核实为误报"), 3_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "HIT_BAD_DECISION");
    assert_eq!(seen(county.clone()).await, ["h4"]);
    let r = store.upsert_hits(&again, 4_000).await.unwrap();
    assert_eq!(
        r,
        HitUpsertReport {
            new: 0,
            seen_again: 3,
            suppressed: 1
        }
    );
    let f = HitFilter {
        include_false_positives: true,
        ..Default::default()
    };
    let h1 = store
        .list_hits(&county, &f)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.id == "h1")
        .unwrap();
    assert_eq!(h1.decision.as_deref(), Some("false_positive"));
    assert_eq!(h1.decided_by.as_deref(), Some("xh"));
    assert_eq!((h1.times_seen, h1.decided_at), (3, Some(3_000)));

    // A changed fact is a different id: a new hit, not the decided one.
    let changed = vec![hit("h1b", "SL-S01", "U-XH", "330106", "C1", 0.30)];
    let r = store.upsert_hits(&changed, 5_000).await.unwrap();
    assert_eq!(r.new, 1);
    assert_eq!(seen(county).await, ["h4", "h1b"]);

    // Ids by prefix, as people copy them from a table (real ids are hex; others are dropped).
    let hex = hit("ab12cd", "SL-S02", "U-XH", "330106", "C9", 0.5);
    store.upsert_hits(&[hex], 5_500).await.unwrap();
    let f = HitFilter {
        id_prefix: Some("AB12".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store.list_hits(&op, &f).await.unwrap()), ["ab12cd"]);
    let f = HitFilter {
        id_prefix: Some("h1".into()),
        include_false_positives: true,
        ..Default::default()
    };
    assert!(
        store.list_hits(&op, &f).await.unwrap().is_empty(),
        "'h' is not hex"
    );
    let f = HitFilter {
        id_prefix: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        store.list_hits(&op, &f).await.unwrap().len(),
        5,
        "a lone wildcard filters nothing"
    );

    // Bulk: more rows than one statement holds.
    let many: Vec<HitRecord> = (0..450)
        .map(|i| {
            hit(
                &format!("m{i:03}"),
                "SL-S03",
                "U-XH",
                "330106",
                &format!("M{i}"),
                0.5,
            )
        })
        .collect();
    let r = store.upsert_hits(&many, 6_000).await.unwrap();
    assert_eq!(r.new, 450);
    let f = HitFilter {
        indicator_id: Some("SL-S03".into()),
        limit: 10_000,
        ..Default::default()
    };
    assert_eq!(store.list_hits(&op, &f).await.unwrap().len(), 450);
    // The statements the ledger would carry are the same writes.
    assert_eq!(hit_upsert_stmts(&many, 1).len(), 450_usize.div_ceil(11));
}

#[tokio::test]
async fn sqlite_hits() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_hits() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
