//! 一书一单一函 in the store, triage feedback, the items' data re-checks, the inbox and
//! concurrent numbering, on SQLite and on the real PostgreSQL (`QINGLIAN_TEST_PG`; skipped
//! without it except under CI): letters numbered gap-free per register (also when many are
//! issued at once), delivered and acknowledged with their dates, replayed
//! by `ledger verify` (which catches a signature date changed behind the store's back), a later
//! hit on a warned person carrying the warning, precision per indicator, the queue's order,
//! and clue ids allocated without collisions under concurrent opening.

use super::user;
use chrono::NaiveDate;
use qinglian_core::{Role, UnitKind};
use qinglian_letters::{Counterparty, LetterKind};
use qinglian_store::letters::{IndicatorInfo, LetterFilter, LetterRequest};
use qinglian_store::testing::test_ledger;
use qinglian_store::workflow::{Grade, State};
use qinglian_store::*;
use serde_json::json;
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
/// 2026-05-28 (UTC).
const T0: i64 = 1_780_000_000;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

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

fn unit(id: &str, name: &str, kind: &str, division: &str) -> UnitRow {
    UnitRow {
        unit_id: id.into(),
        name: name.into(),
        kind: kind.into(),
        division_code: division.into(),
        uscc: None,
        parent_unit_id: None,
        address: None,
    }
}

fn citizen_id(seq: u32) -> String {
    let first17 = format!("33010619800101{seq:03}");
    let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn person(id: &str, name: &str, n: u32, unit: &str) -> PersonRow {
    PersonRow {
        person_id: id.into(),
        name: name.into(),
        citizen_id: citizen_id(n),
        gender: None,
        division_code: "330106".into(),
        unit_id: Some(unit.into()),
    }
}

fn post(
    id: &str,
    unit: &str,
    person: &str,
    title: &str,
    area: Option<&str>,
    head: bool,
) -> PostRow {
    PostRow {
        post_id: id.into(),
        unit_id: unit.into(),
        person_id: person.into(),
        title: title.into(),
        key_area: area.map(Into::into),
        is_head: head,
        start_date: "2020-01-01".into(),
        end_date: None,
    }
}

fn hit(
    id: &str,
    indicator: &str,
    domain: &str,
    severity: &str,
    unit: &str,
    values: serde_json::Value,
) -> HitRecord {
    HitRecord {
        id: id.into(),
        indicator_id: indicator.into(),
        indicator_version: "1.0.0".into(),
        domain: domain.into(),
        kind: "rule".into(),
        severity: severity.into(),
        param_hash: "p".into(),
        params: json!({}),
        inputs: json!({}),
        unit_id: unit.into(),
        unit_kind: Some("soe".into()),
        division_code: if unit == "NB" { "330200" } else { "330106" }.into(),
        subject: json!({"contract_id": id}),
        facts_hash: "f".into(),
        values,
        thresholds: json!({}),
        explanation_zh: format!("提示：合同 {id} 疑似低价出租"),
        explanation_en: format!("Note: contract {id} possibly leased cheaply"),
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

fn info(
    id: &str,
    domain: &str,
    severity: &str,
    kinds: &[UnitKind],
    money: &[&str],
) -> IndicatorInfo {
    IndicatorInfo {
        id: id.into(),
        domain: domain.into(),
        name_zh: format!("风险点{id}"),
        why_zh: format!("{id} 的风险表现"),
        legal_basis_zh: format!("{id} 的依据"),
        severity: severity.into(),
        unit_kinds: kinds.to_vec(),
        money_values: money.iter().map(|m| (*m).to_owned()).collect(),
    }
}

fn catalogue() -> Vec<IndicatorInfo> {
    vec![
        info(
            "SL-R01",
            "soe_leasing",
            "high",
            &[UnitKind::Soe],
            &["annual_rent"],
        ),
        info("SL-S01", "soe_leasing", "medium", &[UnitKind::Soe], &[]),
        info(
            "RA-R01",
            "village_assets",
            "high",
            &[UnitKind::Village],
            &[],
        ),
    ]
}

fn notice_to(unit: &str, date: NaiveDate) -> LetterRequest {
    LetterRequest {
        unit_id: Some(unit.into()),
        counterparty: Some(Counterparty::Tenant),
        ..LetterRequest::new(LetterKind::Notice, date)
    }
}

async fn setup(store: &Store) {
    store
        .upsert_divisions(&[
            div("330000", "浙江省", "province", None),
            div("330100", "杭州市", "city", Some("330000")),
            div("330106", "西湖区", "county", Some("330100")),
            div("330200", "宁波市", "city", Some("330000")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[
            unit("S1", "杭州西湖城市建设投资集团有限公司", "soe", "330106"),
            unit("NB", "宁波某国企", "soe", "330200"),
        ])
        .await
        .unwrap();
    store
        .upsert_people(&[
            person("P1", "李志强", 1, "S1"),
            person("P2", "王建国", 2, "S1"),
            person("P3", "赵敏", 3, "S1"),
        ])
        .await
        .unwrap();
    store
        .upsert_posts(&[
            post("T1", "S1", "P1", "董事长", None, true),
            post(
                "T2",
                "S1",
                "P2",
                "资产经营部经理",
                Some("property_trading"),
                false,
            ),
            post("T3", "S1", "P3", "财务部经理", Some("finance"), false),
        ])
        .await
        .unwrap();
}

async fn suite(store: Store) {
    let ledger = test_ledger(&store).await;
    let op = Principal::operator();
    setup(&store).await;
    let xh = user(&store, &ledger, "xh", Role::Supervisor, &["330106"], &[]).await;
    let nb = user(&store, &ledger, "nb", Role::Supervisor, &["330200"], &[]).await;
    let s1 = user(&store, &ledger, "s1", Role::Unit, &[], &["S1"]).await;
    let aud = user(&store, &ledger, "aud", Role::Auditor, &["330000"], &[]).await;
    store
        .upsert_hits(
            &[
                hit(
                    "h1",
                    "SL-R01",
                    "soe_leasing",
                    "medium",
                    "S1",
                    json!({"annual_rent": 6_000_000}),
                ),
                hit(
                    "h2",
                    "SL-S01",
                    "soe_leasing",
                    "high",
                    "S1",
                    json!({"ratio": 0.43}),
                ),
                hit(
                    "h3",
                    "SL-R01",
                    "soe_leasing",
                    "medium",
                    "S1",
                    json!({"annual_rent": 9_000_000}),
                ),
                hit(
                    "h9",
                    "SL-R01",
                    "soe_leasing",
                    "high",
                    "NB",
                    json!({"annual_rent": 1}),
                ),
            ],
            T0,
        )
        .await
        .unwrap();
    let cat = catalogue();

    // The notice letter: numbered in its register, the issuer derived from the division.
    let n1 = store
        .issue_letter(&ledger, &xh, &notice_to("S1", day(2026, 5, 8)), &cat, T0)
        .await
        .unwrap();
    assert_eq!(n1.record.id, "330106-2026-notice-0001");
    assert_eq!(n1.record.number, "西湖纪〔2026〕告知 第 0001 号");
    assert_eq!(n1.letter.issuer.name_zh, "中共杭州市西湖区纪律检查委员会");
    assert_eq!(
        (
            n1.record.status.as_str(),
            n1.record.steps,
            n1.record.issued_by.as_str()
        ),
        ("issued", 1, "xh")
    );
    assert_eq!(n1.record.content_sha256, n1.letter.content_hash());
    let doc = store.letter_document(&xh, &n1.record.id).await.unwrap();
    assert_eq!(
        doc.content_hash(),
        n1.record.content_sha256,
        "stored, it renders the same"
    );
    assert!(doc.to_html().contains("承租方"));

    // Refusals: the role, the jurisdiction, the inputs each kind needs.
    let e = store
        .issue_letter(&ledger, &aud, &notice_to("S1", day(2026, 5, 8)), &cat, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_FORBIDDEN");
    let e = store
        .issue_letter(&ledger, &nb, &notice_to("S1", day(2026, 5, 8)), &cat, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND", "outside the jurisdiction");
    let e = store
        .issue_letter(
            &ledger,
            &op,
            &LetterRequest {
                division: Some("330200".into()),
                ..notice_to("S1", day(2026, 5, 8))
            },
            &cat,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LETTER_DIVISION");
    let e = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                counterparty: None,
                ..notice_to("S1", day(2026, 5, 8))
            },
            &cat,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LETTER_COUNTERPARTY_REQUIRED");

    // The risk list for a key post: the catalogue's soe_leasing risk points only.
    let rl = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                post_id: Some("T2".into()),
                ..LetterRequest::new(LetterKind::RiskList, day(2026, 5, 9))
            },
            &cat,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        rl.record.number, "西湖纪〔2026〕清单 第 0001 号",
        "own register per kind"
    );
    let text = rl.letter.canonical_text();
    assert!(
        text.contains("SL-R01") && text.contains("SL-S01") && !text.contains("RA-R01"),
        "{text}"
    );
    assert_eq!(rl.record.person_id.as_deref(), Some("P2"));

    // The reminder: the hits that concern the person's post, not another post's.
    let e = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                person_id: Some("P3".into()),
                ..LetterRequest::new(LetterKind::Reminder, day(2026, 5, 10))
            },
            &cat,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "LETTER_NO_HITS",
        "finance is not what soe_leasing screens"
    );
    let e = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                person_id: Some("P2".into()),
                hit_ids: vec!["h9".into()],
                ..LetterRequest::new(LetterKind::Reminder, day(2026, 5, 10))
            },
            &cat,
            T0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND", "a hit outside the jurisdiction");
    let rem = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                person_id: Some("P2".into()),
                reply_by: Some(day(2026, 5, 31)),
                ..LetterRequest::new(LetterKind::Reminder, day(2026, 5, 10))
            },
            &cat,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(rem.record.hit_ids, ["h1", "h2", "h3"]);
    assert_eq!(rem.record.post_id.as_deref(), Some("T2"));
    let text = rem.letter.canonical_text();
    assert!(
        text.contains("王建国同志")
            && text.contains("60000.00 元")
            && text.contains("风险点SL-R01"),
        "{text}"
    );
    // The entries hold ids and hashes, never names or the letter's text.
    for id in [&n1.record.id, &rl.record.id, &rem.record.id] {
        for e in store.ledger_object_history("letter", id).await.unwrap() {
            let leaf = String::from_utf8(e.leaf).unwrap();
            assert!(
                !leaf.contains("王建国") && !leaf.contains("城市建设") && !leaf.contains("低价"),
                "{leaf}"
            );
            assert!(
                leaf.contains("\"number\"") && leaf.contains("content_sha256"),
                "{leaf}"
            );
        }
    }

    // A later hit on the same person carries the warning; a hit elsewhere does not.
    store
        .upsert_hits(
            &[hit("h4", "SL-S01", "soe_leasing", "low", "S1", json!({}))],
            T0 + 3 * DAY,
        )
        .await
        .unwrap();
    let later = store.get_hit(&op, "h4").await.unwrap().unwrap();
    let other = store.get_hit(&op, "h9").await.unwrap().unwrap();
    let w = store.hit_warnings(&op, &[later, other]).await.unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w["h4"][0].number, rem.record.number);
    assert_eq!(
        w["h4"][0].note_zh,
        format!("已于2026年5月10日以{}函提醒", rem.record.number)
    );
    assert!(
        w["h4"][0]
            .note_en
            .starts_with("warned on 2026-05-10 by letter")
    );
    // The next reminder quotes the earlier one.
    let rem2 = store
        .issue_letter(
            &ledger,
            &xh,
            &LetterRequest {
                person_id: Some("P2".into()),
                hit_ids: vec!["h4".into()],
                ..LetterRequest::new(LetterKind::Reminder, day(2026, 5, 20))
            },
            &cat,
            T0 + 3 * DAY,
        )
        .await
        .unwrap();
    assert!(rem2.letter.canonical_text().contains(&rem.record.number));
    assert_eq!(rem2.record.seq, 2);

    // Delivery and acknowledgement, with their dates; the unit acknowledges its own letter.
    let e = store
        .deliver_letter(&ledger, &xh, &rem.record.number, day(2026, 5, 1), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LETTER_BAD_DATE", "before the issue date");
    let d = store
        .deliver_letter(&ledger, &xh, &rem.record.number, day(2026, 5, 12), T0)
        .await
        .unwrap();
    assert_eq!(
        (d.status.as_str(), d.delivered_on.as_deref()),
        ("delivered", Some("2026-05-12"))
    );
    let e = store
        .deliver_letter(&ledger, &xh, &rem.record.id, day(2026, 5, 12), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LETTER_ILLEGAL_STEP");
    let e = store
        .acknowledge_letter(&ledger, &xh, &rem.record.id, day(2026, 5, 11), None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LETTER_BAD_DATE", "signed before delivery");
    let a = store
        .acknowledge_letter(
            &ledger,
            &xh,
            &rem.record.id,
            day(2026, 5, 13),
            Some("王建国"),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status.as_str(), a.signed_on.as_deref(), a.steps),
        ("acknowledged", Some("2026-05-13"), 3)
    );
    let a = store
        .acknowledge_letter(&ledger, &s1, &n1.record.id, day(2026, 5, 9), None, T0)
        .await
        .unwrap();
    assert_eq!(
        a.delivered_on.as_deref(),
        Some("2026-05-09"),
        "signed on handing over"
    );
    let e = store
        .deliver_letter(&ledger, &s1, &rl.record.id, day(2026, 5, 9), T0)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "CLUE_FORBIDDEN",
        "a unit acknowledges, it does not deliver"
    );
    assert!(
        store
            .get_letter(&nb, &n1.record.id)
            .await
            .unwrap()
            .is_none()
    );
    let listed = store
        .list_letters(
            &op,
            &LetterFilter {
                kind: Some("reminder".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);

    // Many letters at once (as concurrent requests to one server would issue them): no gap,
    // no repeat. Each round of the ledger's batch lands one of the contenders; the others
    // miss the register's guard and are composed again with the next number.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (store, xh, ledger) = (store.clone(), xh.clone(), ledger.clone());
        tasks.spawn(async move {
            store
                .issue_letter(
                    &ledger,
                    &xh,
                    &notice_to("S1", day(2026, 6, 1)),
                    &catalogue(),
                    T0 + 5 * DAY,
                )
                .await
                .map(|l| l.record.seq)
        });
    }
    let mut seqs: Vec<i64> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("every concurrent issue lands"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=13).collect::<Vec<i64>>());

    // Clue ids under concurrent opening: C-1 … C-16, each once.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (store, xh, ledger) = (store.clone(), xh.clone(), ledger.clone());
        tasks.spawn(async move {
            store
                .open_clue_manual(&ledger, &xh, "S1", &format!("群众反映 {i}"), T0)
                .await
                .map(|c| c.id)
        });
    }
    let mut ids: Vec<String> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("every concurrent open lands"))
        .collect();
    ids.sort_by_key(|id| id[2..].parse::<u32>().unwrap());
    assert_eq!(ids, (1..=16).map(|n| format!("C-{n}")).collect::<Vec<_>>());
    // One open clue per hit holds under concurrency too.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (store, xh, ledger) = (store.clone(), xh.clone(), ledger.clone());
        tasks.spawn(async move { store.open_clue_from_hit(&ledger, &xh, "h1", T0).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == "CLUE_EXISTS")
    );
    let h1_clue = results.into_iter().find_map(Result::ok).unwrap();

    // Triage feedback: precision per indicator; the queue by severity, then money at stake.
    store
        .decide_hit(&ledger, &xh, "h2", "confirmed", None, T0)
        .await
        .unwrap();
    store
        .decide_hit(&ledger, &xh, "h4", "false_positive", None, T0)
        .await
        .unwrap();
    let p = store.indicator_precision(&op).await.unwrap();
    assert_eq!(
        (
            p["SL-S01"].confirmed,
            p["SL-S01"].decided,
            p["SL-S01"].precision
        ),
        (1, 2, Some(0.5))
    );
    assert!(!p.contains_key("SL-R01"));
    store
        .decide_hit(&ledger, &nb, "h9", "unsure", None, T0)
        .await
        .unwrap();
    let p = store.indicator_precision(&op).await.unwrap();
    assert_eq!(
        (p["SL-R01"].unsure, p["SL-R01"].precision),
        (1, None),
        "unsure decides nothing"
    );
    assert!(
        !store
            .indicator_precision(&nb)
            .await
            .unwrap()
            .contains_key("SL-S01"),
        "scoped"
    );
    let money: BTreeMap<String, Vec<String>> =
        [("SL-R01".to_owned(), vec!["annual_rent".to_owned()])].into();
    let q = store.triage_queue(&op, &money, 10).await.unwrap();
    let order: Vec<&str> = q.iter().map(|h| h.hit.id.as_str()).collect();
    assert_eq!(order, ["h3", "h1"], "undecided only; more money first");
    assert_eq!(
        (q[0].amount_fen, q[0].amount_value.as_deref()),
        (Some(9_000_000), Some("annual_rent"))
    );
    assert_eq!(q[1].clue_id.as_deref(), Some(h1_clue.id.as_str()));
    assert_eq!(
        q[0].warnings.len(),
        2,
        "both reminders to the asset manager"
    );

    // The items' data re-checks: a reported item tied to an indicator is due; a check that
    // still fires does not pass; a day later a quiet one passes and tells the handler.
    let c = &h1_clue.id;
    let mv = |to: State, note: Option<&str>| Move {
        to: Some(to),
        note: note.map(Into::into),
        handler: (to == State::Triaged).then(|| "xh".to_owned()),
        ..Default::default()
    };
    for (to, note) in [
        (State::Triaged, None),
        (State::Verification, Some("核实")),
        (State::Confirmed, Some("属实")),
    ] {
        store
            .move_clue(&ledger, &xh, c, &mv(to, note), T0)
            .await
            .unwrap();
    }
    let item = NewItem {
        text: "重新公开招租".into(),
        deadline: T0 + 90 * DAY,
        indicator_id: Some("SL-R01".into()),
        subject: Some(json!({"contract_id": "h1"})),
    };
    store.add_item(&ledger, &xh, c, &item, T0).await.unwrap();
    store
        .move_clue(&ledger, &xh, c, &mv(State::Rectifying, Some("整改")), T0)
        .await
        .unwrap();
    assert!(
        store.items_due_for_check(T0).await.unwrap().is_empty(),
        "not reported yet"
    );
    store
        .report_item(&ledger, &s1, c, 1, Grade::Completely, &[], None, T0 + DAY)
        .await
        .unwrap();
    let due = store.items_due_for_check(T0 + DAY).await.unwrap();
    assert_eq!((due.len(), due[0].indicator_id.as_str()), (1, "SL-R01"));
    let dc = |firing: &[&str]| DataCheck {
        indicator_id: "SL-R01".into(),
        indicator_version: "1.0.0".into(),
        as_of: "2026-06-01".into(),
        inputs: [("lease_contracts".to_owned(), "abc".to_owned())].into(),
        firing: firing.iter().map(|s| (*s).to_owned()).collect(),
    };
    let chk = store
        .record_item_check(&ledger, c, 1, &dc(&["h1"]), 0, T0 + 2 * DAY)
        .await
        .unwrap();
    assert!(!chk.passed && chk.firing == ["h1"]);
    assert!(
        store
            .items_due_for_check(T0 + DAY + 1)
            .await
            .unwrap()
            .is_empty(),
        "checked"
    );
    let chk = store
        .record_item_check(&ledger, c, 1, &dc(&[]), 0, T0 + 3 * DAY)
        .await
        .unwrap();
    assert!(chk.passed, "{chk:?}");
    let items = store.clue_items(c).await.unwrap();
    assert_eq!(
        (items[0].check_passed, items[0].status.as_str()),
        (Some(true), "reported")
    );
    let tl = store.clue_timeline(&op, c).await.unwrap();
    let checks: Vec<_> = tl.iter().filter(|e| e.kind == "item_check").collect();
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|e| e.ledger_index.is_some()));
    assert_eq!(checks[1].detail["data_check"]["passed"], true);

    // The inbox as the handler sees it; read-marking is ledgered.
    let inbox = store.inbox_for(&xh, true).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(
        inbox[0].text_en.contains("ready to verify"),
        "{}",
        inbox[0].text_en
    );
    assert!(store.inbox_for(&nb, false).await.unwrap().is_empty());
    let e = store
        .mark_inbox_read(&ledger, &nb, &inbox[0].id, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    let read = store
        .mark_inbox_read(&ledger, &xh, &inbox[0].id, T0 + 4 * DAY)
        .await
        .unwrap();
    assert_eq!(read.read_at, Some(T0 + 4 * DAY));
    assert!(store.inbox_for(&xh, true).await.unwrap().is_empty());

    // The jobs' schedule reads the latest routine screening's time from the ledger.
    assert_eq!(store.last_screening("routine").await.unwrap(), None);
    ledger
        .append(
            qinglian_store::ledger::Unit::new(
                "screen",
                json!({"as_of": "2026-06-01", "trigger": "routine", "actor": "jobs", "ts": "2026-06-01T00:00:00.000Z"}),
            )
            .about("screen", "routine"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.last_screening("routine").await.unwrap(),
        Some(1_780_272_000)
    );

    // Ledger verify replays letters and read marks; changes behind the store's back fail it.
    let vkey = ledger.verifier();
    let ok = store.ledger_verify(&vkey, None).await.unwrap();
    assert!(
        // 4 users, 17 clues, 3 decided hits, 16 letters, 1 read notification.
        ok.objects_replayed >= 41,
        "{}",
        ok.objects_replayed
    );
    for (tamper, undo) in [
        (
            "UPDATE letters SET signed_on = '2026-05-20' WHERE id = '330106-2026-reminder-0001'",
            "UPDATE letters SET signed_on = '2026-05-13' WHERE id = '330106-2026-reminder-0001'",
        ),
        (
            "UPDATE letters SET status = 'acknowledged' WHERE id = '330106-2026-risk_list-0001'",
            "UPDATE letters SET status = 'issued' WHERE id = '330106-2026-risk_list-0001'",
        ),
        (
            "UPDATE letters SET document = REPLACE(document, '王建国', '王建军') WHERE id = '330106-2026-reminder-0001'",
            "UPDATE letters SET document = REPLACE(document, '王建军', '王建国') WHERE id = '330106-2026-reminder-0001'",
        ),
        (
            "UPDATE inbox SET read_at = NULL",
            &format!("UPDATE inbox SET read_at = {}", T0 + 4 * DAY),
        ),
    ] {
        store.execute_raw_for_tests(tamper).await.unwrap();
        let e = store.ledger_verify(&vkey, None).await.unwrap_err();
        assert_eq!(e.code, "LEDGER_STATE_DIVERGED", "{tamper}: {e}");
        store.execute_raw_for_tests(undo).await.unwrap();
        store.ledger_verify(&vkey, None).await.unwrap();
    }
    store
        .execute_raw_for_tests(
            "INSERT INTO letters (id, number, kind, issuer_division, issuer_name, year, seq, unit_id, division_code, content_sha256, document, issued_on, issued_at, issued_by, status, updated_at, steps) \
             VALUES ('330106-2026-notice-9999', 'x', 'notice', '330106', 'x', 2026, 9999, 'S1', '330106', 'x', '{}', '2026-05-08', 0, 'x', 'issued', 0, 1)",
        )
        .await
        .unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_UNRECORDED"
    );
}

#[tokio::test]
async fn sqlite_letters() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_letters() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
