//! The clue workflow on SQLite and on the real PostgreSQL (`QINGLIAN_TEST_PG`; skipped without
//! it except under CI): a hit through every state to closure, refusals, closure by data with
//! its cool-down, escalation by injected time, outcome accounting, and ledger replay catching
//! a status changed behind the store's back.

use super::user;
use qinglian_core::{DivisionCode, Role};
use qinglian_store::testing::test_ledger;
use qinglian_store::workflow::{Grade, State};
use qinglian_store::*;
use serde_json::json;

const DAY: i64 = 86_400;
const T0: i64 = 1_780_000_000;

fn div(code: &str, level: &str, parent: Option<&str>) -> DivisionRow {
    DivisionRow {
        code: code.into(),
        name: code.into(),
        level: level.into(),
        parent_code: parent.map(Into::into),
        longitude: None,
        latitude: None,
        builtin: false,
    }
}

fn hit(id: &str, unit: &str, division: &str) -> HitRecord {
    HitRecord {
        id: id.into(),
        indicator_id: "SL-R01".into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: "high".into(),
        param_hash: "p".into(),
        params: json!({}),
        inputs: json!({}),
        unit_id: unit.into(),
        unit_kind: Some("village".into()),
        division_code: division.into(),
        subject: json!({"unit_id": unit, "contract_id": "K1"}),
        facts_hash: "f".into(),
        values: json!({}),
        thresholds: json!({}),
        explanation_zh: "疑似未经民主决策出租".into(),
        explanation_en: "possibly leased without a democratic decision".into(),
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

fn mv(to: State, note: Option<&str>) -> Move {
    Move {
        to: Some(to),
        note: note.map(Into::into),
        ..Default::default()
    }
}

fn verification(grade: Grade, check: Option<DataCheck>, cooldown_days: i64) -> Verification {
    Verification {
        grade,
        note: Some("现场核查".into()),
        systems_improved: None,
        money_recovered_fen: 0,
        new_deadline: None,
        data_check: check,
        cooldown_days,
    }
}

fn check(firing: &[&str]) -> DataCheck {
    DataCheck {
        indicator_id: "SL-R01".into(),
        indicator_version: "1.0.0".into(),
        as_of: "2026-06-30".into(),
        inputs: [("lease_contracts".to_owned(), "abc".to_owned())].into(),
        firing: firing.iter().map(|s| (*s).to_owned()).collect(),
    }
}

async fn suite(store: Store) {
    let ledger = test_ledger(&store).await;
    let op = Principal::operator();
    store
        .upsert_divisions(&[
            div("330000", "province", None),
            div("330100", "city", Some("330000")),
            div("330106", "county", Some("330100")),
            div("330106001", "township", Some("330106")),
            div("330106001001", "village", Some("330106001")),
            div("330200", "city", Some("330000")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[
            UnitRow {
                unit_id: "V1".into(),
                name: "某村".into(),
                kind: "village".into(),
                division_code: "330106001001".into(),
                uscc: None,
                parent_unit_id: None,
                address: None,
            },
            UnitRow {
                unit_id: "NB".into(),
                name: "宁波单位".into(),
                kind: "soe".into(),
                division_code: "330200".into(),
                uscc: None,
                parent_unit_id: None,
                address: None,
            },
        ])
        .await
        .unwrap();
    let town = user(
        &store,
        &ledger,
        "town",
        Role::Supervisor,
        &["330106001"],
        &[],
    )
    .await;
    user(&store, &ledger, "xh", Role::Supervisor, &["330106"], &[]).await;
    let nb = user(&store, &ledger, "nb", Role::Supervisor, &["330200"], &[]).await;
    let village = user(&store, &ledger, "v1", Role::Unit, &[], &["V1"]).await;
    let auditor = user(&store, &ledger, "aud", Role::Auditor, &["330000"], &[]).await;
    store
        .upsert_hits(
            &[
                hit("h1", "V1", "330106001001"),
                hit("h2", "V1", "330106001001"),
            ],
            T0,
        )
        .await
        .unwrap();

    // Hit decisions go through the ledger; a false positive leaves the listing.
    store
        .decide_hit(
            &ledger,
            &town,
            "h2",
            "false_positive",
            Some("合同已补正"),
            T0,
        )
        .await
        .unwrap();
    let e = store
        .decide_hit(&ledger, &nb, "h1", "confirmed", None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND", "outside the jurisdiction");
    let e = store
        .decide_hit(&ledger, &auditor, "h1", "confirmed", None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "HIT_FORBIDDEN");
    store
        .decide_hit(&ledger, &town, "h1", "confirmed", None, T0)
        .await
        .unwrap();

    // Open from the hit: registered, first step, one entry.
    let c = store
        .open_clue_from_hit(&ledger, &town, "h1", T0)
        .await
        .unwrap();
    assert_eq!(
        (c.id.as_str(), c.status.as_str(), c.steps),
        ("C-1", "registered", 1)
    );
    assert_eq!(c.division_code, "330106001001");
    let e = store
        .open_clue_from_hit(&ledger, &town, "h1", T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_EXISTS");
    assert!(
        store.get_clue(&nb, "C-1").await.unwrap().is_none(),
        "scoped like the unit"
    );
    assert_eq!(store.list_clues(&village).await.unwrap().len(), 1);
    let manual = store
        .open_clue_manual(&ledger, &nb, "NB", "群众反映采购问题", T0)
        .await
        .unwrap();
    assert_eq!(manual.id, "C-2");
    assert_eq!(store.list_clues(&town).await.unwrap().len(), 1);

    // Refusals: an illegal jump names where the clue stands; roles; required inputs.
    let e = store
        .move_clue(&ledger, &town, "C-1", &mv(State::Closed, None), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_ILLEGAL_TRANSITION");
    assert!(
        e.to_string().contains("当前状态：登记 registered")
            && e.to_string().contains("allowed next: triaged"),
        "{e}"
    );
    let e = store
        .move_clue(&ledger, &village, "C-1", &mv(State::Triaged, None), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_FORBIDDEN");
    let e = store
        .move_clue(&ledger, &town, "C-1", &mv(State::Triaged, None), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_HANDLER_REQUIRED");

    // Triage at the handler's level (the township), dispose, find.
    let triage = Move {
        handler: Some("town".into()),
        ..mv(State::Triaged, Some("转乡镇纪委"))
    };
    let c = store
        .move_clue(&ledger, &town, "C-1", &triage, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        (
            c.handler.as_deref(),
            c.responsible_unit.as_deref(),
            c.level_division.as_deref()
        ),
        (Some("town"), Some("V1"), Some("330106001"))
    );
    let e = store
        .move_clue(&ledger, &town, "C-1", &mv(State::Verification, None), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_NOTE_REQUIRED");
    store
        .move_clue(
            &ledger,
            &town,
            "C-1",
            &mv(State::Verification, Some("需核实合同")),
            T0 + 2,
        )
        .await
        .unwrap();
    let bad = Move {
        persons: vec![("lunch".into(), 1)],
        ..mv(State::Confirmed, Some("属实"))
    };
    assert_eq!(
        store
            .move_clue(&ledger, &town, "C-1", &bad, T0)
            .await
            .unwrap_err()
            .code(),
        "CLUE_BAD_FORM"
    );
    let found = Move {
        persons: vec![("诫勉谈话".into(), 1), ("reminder_talk".into(), 2)],
        ..mv(State::Confirmed, Some("问题属实"))
    };
    let c = store
        .move_clue(&ledger, &town, "C-1", &found, T0 + 3)
        .await
        .unwrap();
    assert_eq!(
        (c.status.as_str(), c.finding.as_deref()),
        ("confirmed", Some("confirmed"))
    );
    let e = store
        .move_clue(&ledger, &town, "C-1", &mv(State::Rectifying, None), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_NO_ITEMS");

    // The order: one item tied to the indicator and subject, one plain.
    let tied = NewItem {
        text: "按程序补办民主决策并重新招租".into(),
        deadline: T0 + 30 * DAY,
        indicator_id: Some("SL-R01".into()),
        subject: Some(json!({"contract_id": "K1"})),
    };
    assert_eq!(
        store
            .add_item(&ledger, &town, "C-1", &tied, T0 + 4)
            .await
            .unwrap(),
        1
    );
    let plain = NewItem {
        text: "修订合同管理制度".into(),
        deadline: T0 + 60 * DAY,
        ..Default::default()
    };
    assert_eq!(
        store
            .add_item(&ledger, &town, "C-1", &plain, T0 + 4)
            .await
            .unwrap(),
        2
    );
    store
        .move_clue(
            &ledger,
            &town,
            "C-1",
            &mv(State::Rectifying, Some("下达整改通知")),
            T0 + 5,
        )
        .await
        .unwrap();

    // Escalation by injected time: nothing before the deadline; after it, one level up to the
    // county, whose supervisor gets the inbox row; not again within the step; then the city.
    assert!(
        store
            .escalate_overdue(&ledger, T0 + 29 * DAY, 7)
            .await
            .unwrap()
            .is_empty()
    );
    let up = store
        .escalate_overdue(&ledger, T0 + 31 * DAY, 7)
        .await
        .unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(
        (
            up[0].from_division.as_str(),
            up[0].to_division.as_str(),
            up[0].handler.as_deref()
        ),
        ("330106001", "330106", Some("xh"))
    );
    assert_eq!(up[0].items, [1]);
    let inbox = store.inbox(Some("xh")).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(
        inbox[0].text_zh.contains("C-1/1") && inbox[0].text_zh.contains("330106"),
        "{}",
        inbox[0].text_zh
    );
    assert!(
        store
            .escalate_overdue(&ledger, T0 + 32 * DAY, 7)
            .await
            .unwrap()
            .is_empty()
    );
    let up = store
        .escalate_overdue(&ledger, T0 + 38 * DAY, 7)
        .await
        .unwrap();
    assert_eq!(
        (up[0].to_division.as_str(), up[0].handler.as_deref()),
        ("330100", None),
        "nobody at the city: the row is for the division"
    );
    let c = store.get_clue(&op, "C-1").await.unwrap().unwrap();
    assert_eq!(
        (c.handler.as_deref(), c.level_division.as_deref()),
        (Some("xh"), Some("330100"))
    );
    assert_eq!(
        store
            .inbox(None)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.username.is_none())
            .count(),
        1
    );

    // Reports by the unit, with evidence hashes; verification.
    let sha = "a".repeat(64);
    let e = store
        .report_item(
            &ledger,
            &village,
            "C-1",
            1,
            Grade::Completely,
            &["xyz".into()],
            None,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ITEM_BAD_EVIDENCE");
    store
        .report_item(
            &ledger,
            &village,
            "C-1",
            1,
            Grade::Completely,
            std::slice::from_ref(&sha),
            Some("已重新招租"),
            T0 + 40 * DAY,
        )
        .await
        .unwrap();
    let e = store
        .report_item(
            &ledger,
            &village,
            "C-1",
            1,
            Grade::Completely,
            &[],
            None,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ITEM_ILLEGAL_STEP", "one report per round");
    let e = store
        .verify_item(
            &ledger,
            &village,
            "C-1",
            1,
            &verification(Grade::Completely, None, 0),
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "CLUE_FORBIDDEN",
        "the unit does not verify itself"
    );
    // Closure by data: no check, a check that still fires, a sighting inside the cool-down.
    let now = T0 + 41 * DAY;
    let e = store
        .verify_item(
            &ledger,
            &town,
            "C-1",
            1,
            &verification(Grade::Completely, None, 30),
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ITEM_DATA_CHECK_REQUIRED");
    let e = store
        .verify_item(
            &ledger,
            &town,
            "C-1",
            1,
            &verification(Grade::Completely, Some(check(&["h9"])), 30),
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ITEM_STILL_FIRES");
    assert!(e.to_string().contains("h9"), "{e}");
    store
        .upsert_hits(&[hit("h1", "V1", "330106001001")], T0 + 20 * DAY)
        .await
        .unwrap();
    let e = store
        .verify_item(
            &ledger,
            &town,
            "C-1",
            1,
            &verification(Grade::Completely, Some(check(&[])), 30),
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ITEM_COOLDOWN");
    assert!(e.to_string().contains("h1"), "{e}");
    // Partly: back to the unit with a new deadline; then reported again and verified on data.
    let back = Verification {
        new_deadline: Some(T0 + 90 * DAY),
        ..verification(Grade::Partly, None, 30)
    };
    store
        .verify_item(&ledger, &town, "C-1", 1, &back, now)
        .await
        .unwrap();
    let items = store.clue_items("C-1").await.unwrap();
    assert_eq!(
        (items[0].status.as_str(), items[0].deadline),
        ("open", T0 + 90 * DAY)
    );
    store
        .report_item(
            &ledger,
            &village,
            "C-1",
            1,
            Grade::Completely,
            std::slice::from_ref(&sha),
            None,
            T0 + 55 * DAY,
        )
        .await
        .unwrap();
    let done = Verification {
        money_recovered_fen: 1_250_000,
        ..verification(Grade::Completely, Some(check(&[])), 30)
    };
    store
        .verify_item(&ledger, &town, "C-1", 1, &done, T0 + 56 * DAY)
        .await
        .unwrap();
    let e = store
        .move_clue(
            &ledger,
            &town,
            "C-1",
            &mv(State::Closed, Some("销号")),
            T0 + 56 * DAY,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_ITEMS_OPEN");
    store
        .report_item(
            &ledger,
            &village,
            "C-1",
            2,
            Grade::Completely,
            &[],
            None,
            T0 + 56 * DAY,
        )
        .await
        .unwrap();
    let sys = Verification {
        systems_improved: Some("《村集体资产出租管理办法》".into()),
        ..verification(Grade::Completely, None, 30)
    };
    store
        .verify_item(&ledger, &town, "C-1", 2, &sys, T0 + 57 * DAY)
        .await
        .unwrap();

    // Outcomes before and after closure: derived from the records.
    let r = store.outcome_report(&op, None, None).await.unwrap();
    assert_eq!(
        (
            r.total.problems_found,
            r.total.problems_rectified,
            r.total.rectification_rate
        ),
        (1, 0, Some(0.0))
    );
    let c = store
        .move_clue(
            &ledger,
            &town,
            "C-1",
            &mv(State::Closed, Some("销号")),
            T0 + 58 * DAY,
        )
        .await
        .unwrap();
    assert_eq!(c.status, "closed");
    let r = store.outcome_report(&op, None, None).await.unwrap();
    assert_eq!(
        (
            r.total.problems_found,
            r.total.problems_rectified,
            r.total.rectification_rate
        ),
        (1, 1, Some(1.0))
    );
    assert_eq!(
        (r.total.systems_improved, r.total.money_recovered_fen),
        (1, 1_250_000)
    );
    assert_eq!(r.total.persons_handled["admonishment"], 1);
    assert_eq!(r.total.persons_handled["reminder_talk"], 2);
    assert_eq!(r.total.persons_handled["judicial_referral"], 0);
    assert_eq!(r.by_unit.len(), 2, "V1 and NB");
    let xh = DivisionCode::parse("330106").unwrap();
    let r = store.outcome_report(&op, Some(&xh), None).await.unwrap();
    assert_eq!((r.by_unit.len(), r.total.problems_found), (1, 1));
    let r = store.outcome_report(&nb, None, None).await.unwrap();
    assert_eq!(r.total.problems_found, 0, "Ningbo sees only its own");
    let r = store
        .outcome_report(&op, None, Some(("2020", 0, 1)))
        .await
        .unwrap();
    assert_eq!(
        (r.total.problems_found, r.total.money_recovered_fen),
        (0, 0)
    );

    // The timeline: every step with its ledger entry.
    let tl = store.clue_timeline(&op, "C-1").await.unwrap();
    assert_eq!(tl.first().unwrap().kind, "open");
    assert_eq!(tl.last().unwrap().to_status.as_deref(), Some("closed"));
    assert!(tl.iter().all(|e| e.ledger_index.is_some()));
    assert_eq!(tl.len() as i64, c.steps);
    assert!(tl.windows(2).all(|w| w[0].ledger_index < w[1].ledger_index));
    // The entries hold references and hashes, never the notes.
    for e in store.ledger_object_history("clue", "C-1").await.unwrap() {
        let text = String::from_utf8(e.leaf).unwrap();
        assert!(
            !text.contains("问题属实") && !text.contains("管理办法"),
            "{text}"
        );
    }

    // Ledger verify replays the workflow; a status changed behind the store's back is caught.
    let vkey = ledger.verifier();
    let ok = store.ledger_verify(&vkey, None).await.unwrap();
    assert_eq!(ok.objects_replayed, 5 + 2 + 2, "users, clues, decided hits");
    store
        .execute_raw_for_tests("UPDATE clues SET status = 'rectifying' WHERE id = 'C-1'")
        .await
        .unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_DIVERGED"
    );
    store
        .execute_raw_for_tests("UPDATE clues SET status = 'closed' WHERE id = 'C-1'")
        .await
        .unwrap();
    store.ledger_verify(&vkey, None).await.unwrap();
    store
        .execute_raw_for_tests("UPDATE hits SET decision = 'confirmed' WHERE id = 'h2'")
        .await
        .unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_DIVERGED"
    );
    store
        .execute_raw_for_tests("UPDATE hits SET decision = 'false_positive' WHERE id = 'h2'")
        .await
        .unwrap();
    store
        .execute_raw_for_tests(
            "UPDATE rect_items SET status = 'open' WHERE clue_id = 'C-1' AND seq = 2",
        )
        .await
        .unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_DIVERGED"
    );
}

#[tokio::test]
async fn sqlite_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_workflow() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
