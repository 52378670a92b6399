//! The cockpit's aggregate queries on SQLite and on the real PostgreSQL (`QINGLIAN_TEST_PG`;
//! skipped without it except under CI): figures by area and group, the trend, the lists, each
//! checked against what the fixture's plain seed says, and against the outcome report.

use super::user;
use chrono::{Datelike, TimeZone};
use qinglian_core::{DivisionCode, Role};
use qinglian_store::cockpit::fixture::{self, CLUES, DAY, FOUND_DAY, HITS, NOW, T0, Walk};
use qinglian_store::cockpit::{Area, Figures, Group};
use qinglian_store::testing::test_ledger;
use qinglian_store::{Principal, Store};
use std::collections::BTreeMap;

/// The figures the seed implies for the units `inside` accepts, computed from the seed alone.
fn expected(inside: &dyn Fn(&str) -> bool) -> Figures {
    let mut f = Figures::default();
    let mut persons: BTreeMap<String, i64> = BTreeMap::new();
    for c in CLUES {
        let unit = fixture::unit_of(c.hit).unit;
        if !inside(unit) {
            continue;
        }
        match &c.walk {
            Walk::Registered => f.open_clues += 1,
            Walk::Rectifying {
                persons: ps,
                deadline_day,
            } => {
                f.problems_found += 1;
                f.open_clues += 1;
                if T0 + deadline_day * DAY < NOW {
                    f.overdue_items += 1;
                }
                for (form, n) in *ps {
                    *persons.entry((*form).into()).or_default() += n;
                }
            }
            Walk::Closed {
                persons: ps,
                money_fen,
                systems,
                ..
            } => {
                f.problems_found += 1;
                f.problems_rectified += 1;
                f.money_recovered_fen += money_fen;
                f.systems_improved += i64::from(systems.is_some());
                for (form, n) in *ps {
                    *persons.entry((*form).into()).or_default() += n;
                }
            }
        }
    }
    let closed_hits: Vec<&str> = CLUES
        .iter()
        .filter(|c| matches!(c.walk, Walk::Closed { .. }))
        .map(|c| c.hit)
        .collect();
    for h in HITS {
        if !inside(h.unit) || h.decision == Some("false_positive") || closed_hits.contains(&h.id) {
            continue;
        }
        f.active_hits += 1;
        match h.severity {
            "high" => f.hits_high += 1,
            "medium" => f.hits_medium += 1,
            _ => f.hits_low += 1,
        }
    }
    f.persons_total = persons.values().sum();
    f.risk = 3 * f.hits_high + 2 * f.hits_medium + f.hits_low;
    f.persons_handled = persons;
    f
}

/// The parts of two figures the seed determines (forms without persons are left out).
fn same(got: &Figures, want: &Figures, what: &str) {
    let nonzero: BTreeMap<String, i64> = got
        .persons_handled
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    let view = |f: &Figures, p: &BTreeMap<String, i64>| {
        (
            f.problems_found,
            f.problems_rectified,
            f.systems_improved,
            f.money_recovered_fen,
            f.open_clues,
            f.overdue_items,
            (
                f.active_hits,
                f.hits_high,
                f.hits_medium,
                f.hits_low,
                f.risk,
            ),
            f.persons_total,
            p.clone(),
        )
    };
    assert_eq!(
        view(got, &nonzero),
        view(want, &want.persons_handled),
        "{what}"
    );
}

fn div_of(unit: &str) -> &'static str {
    fixture::division_of(unit)
}

fn month(t: i64) -> String {
    let d = chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .timestamp_opt(t, 0)
        .unwrap();
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn suite(store: Store) {
    let ledger = test_ledger(&store).await;
    fixture::seed(&store, &ledger).await.unwrap();
    let op = Principal::operator();
    let xihu = user(&store, &ledger, "xihu", Role::Supervisor, &["330106"], &[]).await;
    let gongshu = user(&store, &ledger, "gs", Role::Supervisor, &["330105"], &[]).await;
    let school = user(&store, &ledger, "sch", Role::Unit, &[], &["GS-SCH"]).await;

    // Totals, per principal: each sees its own jurisdiction only.
    let all = store.cockpit_total(&op, &Area::All, NOW).await.unwrap();
    same(&all, &expected(&|_| true), "operator");
    assert!(all.problems_found > 0 && all.money_recovered_fen > 0 && all.overdue_items > 0);
    let a = store.cockpit_total(&xihu, &Area::All, NOW).await.unwrap();
    same(&a, &expected(&|u| div_of(u).starts_with("330106")), "Xihu");
    let b = store
        .cockpit_total(&gongshu, &Area::All, NOW)
        .await
        .unwrap();
    same(&b, &expected(&|u| div_of(u) == "330105"), "Gongshu");
    let s = store.cockpit_total(&school, &Area::All, NOW).await.unwrap();
    same(&s, &expected(&|u| u == "GS-SCH"), "a unit user");
    // A narrower area never widens the jurisdiction.
    let city = DivisionCode::parse("330100").unwrap();
    let a_city = store
        .cockpit_total(&xihu, &Area::Division(city.clone()), NOW)
        .await
        .unwrap();
    assert_eq!(a_city, a, "Xihu's view of the city is Xihu's");
    let b_in_a = store
        .cockpit_total(&gongshu, &Area::Unit("XH-SOE".into()), NOW)
        .await
        .unwrap();
    same(
        &b_in_a,
        &expected(&|_| false),
        "another county's unit is empty",
    );

    // One rollup answers for any division inside it (several-division jurisdictions).
    let rollup = store.cockpit_rollup(&op, &Area::All, NOW).await.unwrap();
    same(
        &rollup.inside(&DivisionCode::parse("330106").unwrap()),
        &expected(&|u| div_of(u).starts_with("330106")),
        "inside Xihu",
    );
    same(
        &rollup.inside(&DivisionCode::parse("330106001").unwrap()),
        &expected(&|u| div_of(u) == "330106001"),
        "inside a township",
    );

    // The same figures as the outcome report.
    let r = store.outcome_report(&op, None, None).await.unwrap();
    assert_eq!(
        (
            r.total.problems_found,
            r.total.problems_rectified,
            r.total.rectification_rate,
            r.total.systems_improved,
            r.total.money_recovered_fen,
            &r.total.persons_handled,
        ),
        (
            all.problems_found,
            all.problems_rectified,
            all.rectification_rate,
            all.systems_improved,
            all.money_recovered_fen,
            &all.persons_handled,
        )
    );

    // Grouped: by child division of the city, by kind, by unit, by township inside Xihu.
    let by_county = store
        .cockpit_figures(&op, &Area::Division(city.clone()), Group::Prefix(6), NOW)
        .await
        .unwrap();
    assert_eq!(by_county.keys().collect::<Vec<_>>(), ["330105", "330106"]);
    for (k, f) in &by_county {
        same(f, &expected(&|u| div_of(u).starts_with(k.as_str())), k);
    }
    let by_kind = store
        .cockpit_figures(&op, &Area::All, Group::Kind, NOW)
        .await
        .unwrap();
    assert_eq!(
        by_kind.keys().collect::<Vec<_>>(),
        ["school", "soe", "village"]
    );
    for (k, f) in &by_kind {
        same(f, &expected(&|u| fixture::kind_of(u) == k), k);
    }
    let by_unit = store
        .cockpit_figures(&xihu, &Area::All, Group::Unit, NOW)
        .await
        .unwrap();
    assert_eq!(
        by_unit.keys().collect::<Vec<_>>(),
        ["XH-SCH", "XH-SOE", "XH-VIL"]
    );
    for (k, f) in &by_unit {
        same(f, &expected(&|u| u == k), k);
    }
    let xh = DivisionCode::parse("330106").unwrap();
    let by_town = store
        .cockpit_figures(&xihu, &Area::Division(xh.clone()), Group::Prefix(9), NOW)
        .await
        .unwrap();
    assert_eq!(
        by_town.keys().collect::<Vec<_>>(),
        ["330106", "330106001", "330106002"],
        "units at the county itself group under its own code"
    );
    assert_eq!(by_town["330106001"].overdue_items, 1);

    // Children a principal may see.
    let kids = store.child_divisions(&op, Some(&city)).await.unwrap();
    assert_eq!(
        kids.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(),
        ["330105", "330106"]
    );
    let kids = store.child_divisions(&xihu, Some(&city)).await.unwrap();
    assert_eq!(kids.len(), 1, "Xihu does not see Gongshu");
    let top = store.child_divisions(&op, None).await.unwrap();
    assert_eq!(top, [("330000".to_owned(), "浙江省".to_owned())]);

    // Trend by Shanghai calendar month.
    let trend = store.cockpit_trend(&op, &Area::All, NOW, 4).await.unwrap();
    let months: Vec<&str> = trend.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(months, ["2026-07", "2026-08", "2026-09", "2026-10"]);
    for m in &trend {
        let found = CLUES
            .iter()
            .filter(|c| !matches!(c.walk, Walk::Registered))
            .filter(|_| month(T0 + FOUND_DAY * DAY) == m.month)
            .count() as i64;
        let rectified = CLUES
            .iter()
            .filter(|c| matches!(c.walk, Walk::Closed { closed_day, .. } if month(T0 + closed_day * DAY) == m.month))
            .count() as i64;
        let new_hits = HITS
            .iter()
            .filter(|h| month(T0 + h.day * DAY) == m.month)
            .count() as i64;
        assert_eq!(
            (m.found, m.rectified, m.new_hits),
            (found, rectified, new_hits),
            "{}",
            m.month
        );
    }
    assert!(trend.iter().map(|m| m.rectified).sum::<i64>() == all.problems_rectified);

    // Lists.
    let open = store
        .cockpit_open_clues(&xihu, &Area::All, NOW, 50)
        .await
        .unwrap();
    assert_eq!(
        open.iter()
            .map(|c| (c.id.as_str(), c.overdue_items, c.next_deadline))
            .collect::<Vec<_>>(),
        [("C-2", 1, Some(T0 + 30 * DAY))]
    );
    let open = store
        .cockpit_open_clues(&op, &Area::All, NOW, 50)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["C-2", "C-4"],
        "overdue first"
    );
    let inds = store
        .cockpit_indicators(&gongshu, &Area::All)
        .await
        .unwrap();
    let view: Vec<(&str, i64, i64, i64, i64)> = inds
        .iter()
        .map(|l| {
            (
                l.indicator_id.as_str(),
                l.hits,
                l.active,
                l.confirmed,
                l.undecided,
            )
        })
        .collect();
    assert_eq!(view, [("SE-R01", 2, 2, 0, 1), ("SL-R01", 1, 0, 1, 0)]);
    let hits = store
        .cockpit_hits(&xihu, &Area::All, None, true, 50)
        .await
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a3", "a5", "a2"],
        "active only, most severe then most recent first"
    );
    assert_eq!(hits[0].unit_name.as_deref(), Some("北山某村"));
    let all_of = store
        .cockpit_hits(&op, &Area::All, Some("VA-R01"), false, 50)
        .await
        .unwrap();
    assert_eq!(all_of.len(), 2, "with the false positive");
    assert!(
        store
            .cockpit_hits(&gongshu, &Area::All, Some("VA-R01"), false, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.clues_of_hit(&op, "a1").await.unwrap(),
        [("C-1".to_owned(), "closed".to_owned())]
    );
    assert!(store.clues_of_hit(&gongshu, "a1").await.unwrap().is_empty());
    let names = store
        .unit_names(&gongshu, &["XH-SOE".into(), "GS-SOE".into()])
        .await
        .unwrap();
    assert_eq!(names.keys().collect::<Vec<_>>(), ["GS-SOE"]);
    assert!(
        store
            .cockpit_letters(&op, &Area::All, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The clue API's pages: cut and filtered in SQL, oldest first, inside the jurisdiction.
    let all = store.list_clues(&op).await.unwrap();
    assert!(all.len() >= 3, "the seed opens several clues");
    let first = store.list_clues_page(&op, None, None, 2, 0).await.unwrap();
    let next = store.list_clues_page(&op, None, None, 2, 2).await.unwrap();
    let ids = |v: &[qinglian_store::workflow::ClueRecord]| {
        v.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&all[..2]));
    assert_eq!(ids(&next), ids(&all[2..all.len().min(4)]));
    let closed = store
        .list_clues_page(&op, Some("closed"), None, 1000, 0)
        .await
        .unwrap();
    let want: Vec<String> = all
        .iter()
        .filter(|c| c.status == "closed")
        .map(|c| c.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&closed), want);
    let theirs = store
        .list_clues_page(&gongshu, None, None, 1000, 0)
        .await
        .unwrap();
    assert_eq!(
        ids(&theirs),
        ids(&store.list_clues(&gongshu).await.unwrap())
    );
    assert!(theirs.len() < all.len(), "another county's clues stay out");

    // The read cache: one rollup while the ledger stands still (within the minute), fresh
    // figures as soon as a write lands.
    let r1 = store.cockpit_rollup(&op, &Area::All, NOW).await.unwrap();
    let r2 = store.cockpit_rollup(&op, &Area::All, NOW).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&r1, &r2), "served from the cache");
    let finished: Vec<&str> = CLUES
        .iter()
        .filter(|c| matches!(c.walk, Walk::Closed { .. }))
        .map(|c| c.hit)
        .collect();
    let h = HITS
        .iter()
        .find(|h| h.decision.is_none() && !finished.contains(&h.id))
        .expect("an undecided active hit");
    let listed = store.cockpit_indicators(&op, &Area::All).await.unwrap();
    store
        .decide_hit(&ledger, &op, h.id, "false_positive", None, NOW)
        .await
        .unwrap();
    let r3 = store.cockpit_rollup(&op, &Area::All, NOW).await.unwrap();
    assert_eq!(r3.total().active_hits, r1.total().active_hits - 1);
    let relisted = store.cockpit_indicators(&op, &Area::All).await.unwrap();
    assert_ne!(listed, relisted, "the lists see the decision too");
}

#[tokio::test]
async fn sqlite_cockpit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_cockpit() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
