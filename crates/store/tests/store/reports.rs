//! Citizen reports on SQLite and on the real PostgreSQL: filed by the public with a receipt
//! code, seen only by staff in the unit's jurisdiction, turned into a clue through the clue's
//! opening step, every step replayed by `ledger verify`, tampering caught.

use super::user;
use qinglian_core::Role;
use qinglian_store::reports::{NewAttachment, NewReport, ReportFilter, ReportState, code};
use qinglian_store::testing::test_ledger;
use qinglian_store::*;

const T0: i64 = 1_780_000_000;
const DAY: i64 = 86_400;

fn unit(id: &str, name: &str, division: &str) -> UnitRow {
    UnitRow {
        unit_id: id.into(),
        name: name.into(),
        kind: "school".into(),
        division_code: division.into(),
        uscc: None,
        parent_unit_id: None,
        address: None,
    }
}

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

async fn suite(store: Store) {
    let ledger = test_ledger(&store).await;
    store
        .upsert_divisions(&[
            div("330000", "province", None),
            div("330100", "city", Some("330000")),
            div("330106", "county", Some("330100")),
            div("330200", "city", Some("330000")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[
            unit("S1", "某中学", "330106"),
            unit("S2", "同名学校", "330106"),
            unit("S3", "同名学校", "330106"),
            unit("NB", "宁波学校", "330200"),
        ])
        .await
        .unwrap();
    let xh = user(&store, &ledger, "xh", Role::Supervisor, &["330106"], &[]).await;
    let nb = user(&store, &ledger, "nb", Role::Supervisor, &["330200"], &[]).await;
    let school = user(&store, &ledger, "s1", Role::Unit, &[], &["S1"]).await;
    let auditor = user(&store, &ledger, "aud", Role::Auditor, &["330000"], &[]).await;

    // Filing: by unit id, with a contact and two attachments (one sent twice: stored once).
    let photo = NewAttachment {
        name: "C:\\照片\\收据.jpg".into(),
        media_type: "image/jpeg".into(),
        content: b"receipt bytes".to_vec(),
    };
    let filed = store
        .file_report(
            &ledger,
            &NewReport {
                unit_id: Some("S1".into()),
                text: "  食堂采购价格明显偏高  ".into(),
                contact: Some("13800000000".into()),
                attachments: vec![photo.clone(), photo.clone()],
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(filed.id, "R-1");
    assert_eq!(code::parse(&filed.code_display).unwrap(), filed.code);
    assert_eq!(filed.status.status, "received");
    assert_eq!(filed.status.received_on, "2026-05-29");
    assert!(filed.status.clue_on.is_none());

    // By name and division; unknown and ambiguous names are refused with a reason.
    let second = store
        .file_report(
            &ledger,
            &NewReport {
                unit_name: Some("某中学".into()),
                division: Some("330106".into()),
                text: "招生收费".into(),
                ..Default::default()
            },
            T0 + DAY,
        )
        .await
        .unwrap();
    assert_eq!(second.id, "R-2");
    assert_ne!(second.code, filed.code);
    for (r, code) in [
        (
            NewReport {
                unit_name: Some("同名学校".into()),
                division: Some("330106".into()),
                text: "x".into(),
                ..Default::default()
            },
            "REPORT_UNIT_AMBIGUOUS",
        ),
        (
            NewReport {
                unit_id: Some("NOPE".into()),
                text: "x".into(),
                ..Default::default()
            },
            "REPORT_UNIT_UNKNOWN",
        ),
        (
            NewReport {
                text: "x".into(),
                ..Default::default()
            },
            "REPORT_UNIT_REQUIRED",
        ),
        (
            NewReport {
                unit_id: Some("S1".into()),
                text: "   ".into(),
                ..Default::default()
            },
            "REPORT_TEXT",
        ),
        (
            NewReport {
                unit_id: Some("S1".into()),
                text: "x".into(),
                attachments: vec![photo.clone(); 6],
                ..Default::default()
            },
            "REPORT_ATTACHMENTS",
        ),
    ] {
        let e = store.file_report(&ledger, &r, T0).await.unwrap_err();
        assert_eq!(e.code(), code);
    }

    // Who reads: the supervisor of the unit's county; not Ningbo, not the reported unit
    // itself, not an auditor.
    let r = store.get_report(&xh, "R-1").await.unwrap().unwrap();
    assert_eq!(r.text, "食堂采购价格明显偏高");
    assert_eq!(r.contact.as_deref(), Some("13800000000"));
    assert_eq!(r.attachments.len(), 2);
    assert_eq!(r.attachments[0].sha256, r.attachments[1].sha256);
    assert_eq!(r.attachments[0].name, "收据.jpg", "no directories kept");
    let (info, bytes) = store
        .report_attachment(&xh, "R-1", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.size, bytes), (13, b"receipt bytes".to_vec()));
    assert!(store.get_report(&nb, "R-1").await.unwrap().is_none());
    assert!(store.get_report(&school, "R-1").await.unwrap().is_none());
    assert!(
        store
            .report_attachment(&nb, "R-1", 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .list_reports(&auditor, &ReportFilter::default())
            .await
            .unwrap_err()
            .code(),
        "CLUE_FORBIDDEN"
    );
    assert_eq!(
        store
            .list_reports(&xh, &ReportFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .list_reports(&nb, &ReportFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Triage, then a clue through the clue's opening step; the public sees the dates only.
    let e = store
        .report_step(&ledger, &nb, "R-1", ReportState::Triaging, None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    let r = store
        .report_step(&ledger, &xh, "R-1", ReportState::Triaging, None, T0 + DAY)
        .await
        .unwrap();
    assert_eq!((r.status.as_str(), r.steps), ("triaging", 2));
    let e = store
        .report_step(&ledger, &xh, "R-1", ReportState::Triaging, None, T0 + DAY)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REPORT_ILLEGAL_STEP");
    let e = store
        .open_clue_from_report(&ledger, &school, "R-1", None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLUE_FORBIDDEN");
    let clue = store
        .open_clue_from_report(&ledger, &xh, "R-1", Some("食堂采购价格核查"), T0 + 2 * DAY)
        .await
        .unwrap();
    assert_eq!(
        (
            clue.source.as_str(),
            clue.status.as_str(),
            clue.unit_id.as_str()
        ),
        ("report", "registered", "S1")
    );
    assert_eq!(clue.summary, "食堂采购价格核查");
    let r = store.get_report(&xh, "R-1").await.unwrap().unwrap();
    assert_eq!(
        (r.status.as_str(), r.clue_id.as_deref(), r.steps),
        ("clue", Some(clue.id.as_str()), 3)
    );
    let e = store
        .open_clue_from_report(&ledger, &xh, "R-1", None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REPORT_FINAL");
    let st = store.report_status(&filed.code).await.unwrap().unwrap();
    assert_eq!(
        (
            st.status.as_str(),
            st.triage_on.as_deref(),
            st.clue_on.as_deref()
        ),
        ("clue", Some("2026-05-30"), Some("2026-05-31"))
    );
    assert_eq!(st.closed_on, None);
    // The clue goes on through triage like any other; once it is concluded, the report reads
    // as closed on that day.
    let c = store
        .move_clue(
            &ledger,
            &xh,
            &clue.id,
            &Move {
                to: Some(workflow::State::Triaged),
                handler: Some("xh".into()),
                ..Default::default()
            },
            T0 + 3 * DAY,
        )
        .await
        .unwrap();
    assert_eq!(c.status, "triaged");
    store
        .move_clue(
            &ledger,
            &xh,
            &clue.id,
            &Move {
                to: Some(workflow::State::Concluded),
                note: Some("经核实价格合理".into()),
                ..Default::default()
            },
            T0 + 4 * DAY,
        )
        .await
        .unwrap();
    let st = store.report_status(&filed.code).await.unwrap().unwrap();
    assert_eq!(st.closed_on.as_deref(), Some("2026-06-02"));
    // Closing without a clue needs a reason.
    let e = store
        .report_step(&ledger, &xh, "R-2", ReportState::Closed, None, T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REPORT_NOTE_REQUIRED");
    store
        .report_step(
            &ledger,
            &xh,
            "R-2",
            ReportState::Closed,
            Some("重复举报"),
            T0,
        )
        .await
        .unwrap();
    let st = store.report_status(&second.code).await.unwrap().unwrap();
    assert_eq!(
        (st.status.as_str(), st.status_en.as_str()),
        ("closed", "closed")
    );
    // A well-formed code nobody holds finds nothing.
    assert!(
        store
            .report_status(&code::generate())
            .await
            .unwrap()
            .is_none()
    );

    // The ledger holds hashes, never the text, the contact or the code.
    for id in ["R-1", "R-2"] {
        for e in store.ledger_object_history("report", id).await.unwrap() {
            let text = String::from_utf8(e.leaf).unwrap();
            for secret in ["食堂", "13800000000", filed.code.as_str(), "重复举报"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    // Ledger verify replays the reports; changes behind the store's back are caught.
    let vkey = ledger.verifier();
    store.ledger_verify(&vkey, None).await.unwrap();
    for (tamper, undo) in [
        (
            "UPDATE reports SET status = 'received' WHERE id = 'R-2'",
            "UPDATE reports SET status = 'closed' WHERE id = 'R-2'",
        ),
        (
            "UPDATE reports SET text = '改过的内容' WHERE id = 'R-1'",
            "UPDATE reports SET text = '食堂采购价格明显偏高' WHERE id = 'R-1'",
        ),
        (
            "UPDATE reports SET contact = NULL WHERE id = 'R-1'",
            "UPDATE reports SET contact = '13800000000' WHERE id = 'R-1'",
        ),
        (
            "UPDATE reports SET clue_id = NULL WHERE id = 'R-1'",
            "UPDATE reports SET clue_id = 'C-1' WHERE id = 'R-1'",
        ),
    ] {
        store.execute_raw_for_tests(tamper).await.unwrap();
        assert_eq!(
            store.ledger_verify(&vkey, None).await.unwrap_err().code,
            "LEDGER_STATE_DIVERGED",
            "{tamper}"
        );
        store.execute_raw_for_tests(undo).await.unwrap();
        store.ledger_verify(&vkey, None).await.unwrap();
    }
    store
        .execute_raw_for_tests(
            "INSERT INTO reports (id, code_sha256, status, unit_id, division_code, text, received_at, updated_at) VALUES ('R-9', 'x', 'received', 'S1', '330106', '伪造', 0, 0)",
        )
        .await
        .unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_UNRECORDED"
    );
    store
        .execute_raw_for_tests("DELETE FROM reports WHERE id = 'R-9'")
        .await
        .unwrap();
    let altered = match store.backend() {
        Backend::Sqlite => "UPDATE report_files SET content = X'00'",
        Backend::Postgres => "UPDATE report_files SET content = '\\x00'::bytea",
    };
    store.execute_raw_for_tests(altered).await.unwrap();
    assert_eq!(
        store.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_STATE_DIVERGED"
    );
}

#[tokio::test]
async fn sqlite_reports() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    suite(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_reports() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}
