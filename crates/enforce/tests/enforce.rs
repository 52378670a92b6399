//! The crate against a small lake imported through the real import path (CSV → validated
//! Arrow → Parquet batches), with every expected number worked out by hand below.

use qinglian_enforce::{
    OFFICER_CASES_CAP, Period, RankBy, Roster, TrajectoryIndex, WorkloadOptions, haversine_m,
    officer_cases, trajectory_scan, workload,
};
use qinglian_lake::{Lake, ReadOptions};
use std::path::Path;

fn import(lake: &Lake, dir: &Path, dataset: &str, file: &str, csv: &str) {
    let path = dir.join(file);
    std::fs::write(&path, csv).unwrap();
    let prepared = lake
        .prepare(dataset, &[path], &ReadOptions::default(), false, &|_, _| {})
        .unwrap_or_else(|e| panic!("{dataset}: {e}"));
    lake.commit(prepared).unwrap();
}

fn citizen_id(seq: u32) -> String {
    let first17 = format!("33010619900101{seq:03}");
    let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

/// Three officers in two squads (one auxiliary), one who left before September, eight cases.
fn lake() -> (tempfile::TempDir, Lake) {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let d = dir.path();
    import(
        &lake,
        d,
        "units",
        "units.csv",
        "unit_id,name,kind,division_code\nU1,西湖区综合行政执法局,organ,330106\n",
    );
    import(
        &lake,
        d,
        "people",
        "people.csv",
        &format!(
            "person_id,name,citizen_id,division_code,unit_id\nP1,张三丰,{},330106,U1\nP2,李四,{},330106,U1\nP3,王小五,{},330106,U1\nP9,赵九,{},330106,U1\n",
            citizen_id(1),
            citizen_id(2),
            citizen_id(3),
            citizen_id(9)
        ),
    );
    import(
        &lake,
        d,
        "le_squads",
        "le_squads.csv",
        "squad_id,unit_id,name,division_code,commander_person_id\nS1,U1,西屏中队,330106,P1\nS2,U1,东城中队,330106,\n",
    );
    import(
        &lake,
        d,
        "le_officers",
        "le_officers.csv",
        "officer_id,person_id,squad_id,unit_id,badge_no,status,start_date,end_date\n\
         O1,P1,S1,U1,33001,officer,2020-01-01,\n\
         O2,P2,S1,U1,33002,officer,2021-01-01,\n\
         O3,P3,S2,U1,,auxiliary,2022-01-01,\n\
         O9,P9,S1,U1,33009,officer,2019-01-01,2025-08-01\n",
    );
    import(
        &lake,
        d,
        "le_cases",
        "le_cases.csv",
        "case_id,unit_id,squad_id,lead_officer_id,case_type,procedure,place,division_code,longitude,latitude,received_at,registered_at,decided_at,closed_at,extension_approval_no,party_id\n\
         C1,U1,S1,O1,incident,none,文三路,330106,120.1,30.25,2025-09-02 10:00:00,,,2025-09-02 14:00:00,,X1\n\
         C2,U1,S1,O1,incident,none,,330106,,,2025-09-03 08:00:00,,,2025-09-04 09:00:00,,\n\
         C3,U1,S1,O1,incident,none,,330106,,,2025-08-31 23:00:00,,,2025-09-01 01:00:00,,\n\
         C4,U1,S1,O1,admin_penalty,general,,330106,,,2025-06-01 09:00:00,2025-06-02 10:00:00,2025-09-05 10:00:00,2025-09-08 10:00:00,,\n\
         C5,U1,S1,O2,public_security,general,,330106,,,2025-08-01 10:00:00,2025-08-01 12:00:00,,,,\n\
         C6,U1,S1,O2,admin_penalty,general,,330106,,,2025-09-05 09:00:00,2025-09-06 09:00:00,,,,\n\
         C7,U1,S2,O3,incident,none,,330106,,,2025-09-09 23:30:00,,,,,\n\
         C8,U1,S1,O1,incident,none,,330106,,,2025-07-01 09:00:00,,,2025-07-01 10:00:00,,\n",
    );
    import(
        &lake,
        d,
        "le_clock_stops",
        "le_clock_stops.csv",
        "case_id,kind,start_date,end_date\nC4,appraisal,2025-07-01,2025-07-10\n",
    );
    import(
        &lake,
        d,
        "le_case_events",
        "le_case_events.csv",
        "event_id,case_id,step,occurred_at,officer_id,co_officer_id,on_site,place,longitude,latitude\n\
         E1,C1,received,2025-09-02 10:00:00,O1,,否,指挥中心,,\n\
         E4,C1,closed,2025-09-02 14:00:00,O1,,否,文三路,120.1,30.25\n\
         E2,C1,arrived,2025-09-02 10:20:00,O1,,是,文三路,120.1,30.25\n\
         E3,C1,inspected,2025-09-02 10:40:00,O1,O2,是,文三路,120.101,30.25\n\
         E5,C2,arrived,2025-09-03 08:30:00,O1,,是,,120.2,30.3\n\
         E6,C7,arrived,2025-09-09 23:50:00,O3,,是,,,\n\
         E7,C4,inspected,2025-08-20 10:00:00,O1,,是,,,\n",
    );
    import(
        &lake,
        d,
        "le_av_evidence",
        "le_av_evidence.csv",
        "file_id,officer_id,case_id,event_id,start_at,end_at,is_evidence,deleted_on\n\
         F1,O1,C1,,2025-09-02 10:15:00,2025-09-02 10:30:00,是,\n\
         F2,O2,C1,,2025-09-02 10:35:00,2025-09-02 10:45:00,是,2025-09-30\n\
         F3,O3,C7,E6,2025-09-10 00:00:00,2025-09-10 00:10:00,是,\n",
    );
    import(
        &lake,
        d,
        "le_shifts",
        "le_shifts.csv",
        "shift_id,officer_id,kind,start_at,end_at\n\
         SH1,O1,patrol,2025-09-02 09:00:00,2025-09-02 12:00:00\n\
         SH2,O1,patrol,2025-09-02 11:00:00,2025-09-02 13:00:00\n\
         SH3,O1,desk,2025-09-03 09:00:00,2025-09-03 17:00:00\n\
         SH4,O2,patrol,2025-08-31 22:00:00,2025-09-01 02:00:00\n",
    );
    // Two files: two batches of the same dataset.
    import(
        &lake,
        d,
        "le_gps_points",
        "gps1.csv",
        "officer_id,recorded_at,longitude,latitude\n\
         O1,2025-09-02 09:00:00,120.1,30.25\n\
         O1,2025-09-02 09:10:00,120.1,30.251\n\
         O1,2025-09-02 09:20:00,120.1,30.252\n\
         O1,2025-09-02 09:30:00,121.0,30.252\n",
    );
    import(
        &lake,
        d,
        "le_gps_points",
        "gps2.csv",
        "officer_id,recorded_at,longitude,latitude\n\
         O2,2025-09-02 10:20:00,120.5,30.5\n\
         O1,2025-09-02 09:40:00,120.1,30.253\n\
         O1,2025-09-02 10:20:00,120.1,30.25\n\
         O1,2025-09-02 14:00:00,120.3,30.3\n\
         O1,2025-09-05 10:00:00,120.3,30.3\n",
    );
    import(
        &lake,
        d,
        "le_inspections",
        "le_inspections.csv",
        "inspection_id,officer_id,occurred_at,result\n\
         I1,O1,2025-09-02 10:30:00,no_problem\n\
         I2,O1,2025-09-02 11:00:00,corrected\n\
         I3,O1,2025-08-30 11:00:00,corrected\n",
    );
    import(
        &lake,
        d,
        "le_complaints",
        "le_complaints.csv",
        "complaint_id,officer_id,received_on,finding\n\
         K1,O1,2025-09-05,sustained\n\
         K2,O1,2025-09-11,pending\n\
         K3,O2,2025-09-01,pending\n",
    );
    (dir, lake)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn workload_of_the_first_dekad_matches_the_hand_count() {
    let (_dir, lake) = lake();
    let roster = Roster::load(&lake).unwrap();
    let p = Period::parse("2025-09上旬").unwrap();
    let w = workload(&lake, &roster, &p, &WorkloadOptions::default()).unwrap();
    let ids: Vec<&str> = w.rows.iter().map(|r| r.officer_id.as_str()).collect();
    // O9 left in August and did nothing in the period.
    assert_eq!(ids, ["O1", "O2", "O3"]);
    let o1 = &w.rows[0];
    assert_eq!(o1.name.as_deref(), Some("张三丰"));
    assert_eq!(o1.squad_name.as_deref(), Some("西屏中队"));
    assert_eq!(
        (
            o1.incidents_received,
            o1.incidents_closed,
            o1.cases_registered,
            o1.cases_closed
        ),
        (2, 3, 0, 1)
    );
    // C1 (4 h), C3 (2 h) on time; C2 took 25 h; C4 decided within 90 + 10 stop days.
    assert_eq!((o1.due, o1.on_time), (4, 3));
    assert_eq!(o1.on_time_rate, Some(0.75));
    assert_eq!(o1.median_incident_hours, Some(4.0));
    assert!(close(o1.median_case_days.unwrap(), 99.0 + 1.0 / 24.0));
    // E2 (own file), E3 (co-officer's file), E5 (none); E7 is in August.
    assert_eq!((o1.onsite_steps, o1.onsite_with_av), (3, 2));
    // Shifts 09–12 and 11–13 merge to four hours; the desk shift is not patrol.
    assert!(close(o1.patrol_hours, 4.0));
    // 09:00→09:10→09:20 (2 × 111 m), the jump to 121.0° and back left out, 09:40→10:20
    // (3 × 111 m); 14:00 is after the patrol.
    let step = haversine_m(120.1, 30.25, 120.1, 30.251);
    assert!(
        (o1.patrol_km - 5.0 * step / 1000.0).abs() < 1e-3,
        "{}",
        o1.patrol_km
    );
    assert_eq!(o1.inspections, 2);
    assert_eq!(o1.inspections_per_patrol_hour, Some(0.5));
    assert_eq!((o1.complaints, o1.complaints_sustained), (1, 1));
    assert_eq!(
        (o1.squad_rank, o1.squad_size, o1.percentile),
        (1, 2, Some(100.0))
    );

    let o2 = &w.rows[1];
    // C5: thirty days from 1 August ended with the last day of August, undecided: late,
    // judged at midnight into September. C6 registered in the period.
    assert_eq!((o2.cases_registered, o2.due, o2.on_time), (1, 1, 0));
    assert_eq!(o2.on_time_rate, Some(0.0));
    assert!(close(o2.patrol_hours, 2.0), "clipped to the period");
    assert_eq!(o2.patrol_km, 0.0, "its only point lies outside the patrol");
    assert_eq!((o2.complaints, o2.complaints_sustained), (1, 0));
    assert_eq!((o2.squad_rank, o2.percentile), (2, Some(0.0)));

    let o3 = &w.rows[2];
    assert_eq!(o3.status.as_deref(), Some("auxiliary"));
    // C7 is still open 24 h after the call: late. Its step is covered by a linked file.
    assert_eq!((o3.incidents_received, o3.due, o3.on_time), (1, 1, 0));
    assert_eq!((o3.onsite_steps, o3.onsite_with_av), (1, 1));
    assert_eq!((o3.squad_rank, o3.squad_size, o3.percentile), (1, 1, None));
}

#[test]
fn deadlines_not_yet_passed_are_not_judged() {
    let (_dir, lake) = lake();
    let roster = Roster::load(&lake).unwrap();
    let p = Period::parse("2025-09-01..2025-09-10").unwrap();
    let o = WorkloadOptions {
        // "Now" is the morning of 10 September: C7's 24 hours have not run out.
        as_of: Period::parse("2025-09-10").unwrap().start() + 6 * 3600,
        rank_by: RankBy::Inspections,
        ..Default::default()
    };
    let w = workload(&lake, &roster, &p, &o).unwrap();
    let o3 = w.rows.iter().find(|r| r.officer_id == "O3").unwrap();
    assert_eq!(o3.due, 0);
    let o1 = w.rows.iter().find(|r| r.officer_id == "O1").unwrap();
    assert_eq!(o1.score, 2.0, "ranked by inspections");
}

#[test]
fn other_periods_count_other_things() {
    let (_dir, lake) = lake();
    let roster = Roster::load(&lake).unwrap();
    let aug = Period::parse("2025-08").unwrap();
    let w = workload(&lake, &roster, &aug, &WorkloadOptions::default()).unwrap();
    let o1 = w.rows.iter().find(|r| r.officer_id == "O1").unwrap();
    assert_eq!(
        (o1.incidents_received, o1.onsite_steps, o1.inspections),
        (1, 1, 1)
    );
    // O9 served until 1 August: on the August table with nothing done.
    let o9 = w.rows.iter().find(|r| r.officer_id == "O9").unwrap();
    assert_eq!((o9.due, o9.score), (0, 0.0));
    let o2 = w.rows.iter().find(|r| r.officer_id == "O2").unwrap();
    // C5's deadline falls on 1 September: not judged in August.
    assert_eq!((o2.due, o2.cases_registered), (0, 1));
}

#[test]
fn trajectory_scan_and_index_agree() {
    let (_dir, lake) = lake();
    let t = trajectory_scan(&lake, "C1").unwrap().expect("C1 exists");
    assert_eq!(t.case.lead_officer_id, "O1");
    assert_eq!(t.case.place.as_deref(), Some("文三路"));
    let steps: Vec<&str> = t.events.iter().map(|e| e.step.as_str()).collect();
    assert_eq!(steps, ["received", "arrived", "inspected", "closed"]);
    assert_eq!(t.from.text(), "2025-09-02 09:00:00");
    assert_eq!(t.to.text(), "2025-09-02 15:00:00");
    let times: Vec<String> = t
        .track
        .iter()
        .map(|p| p.at.text()[11..16].to_owned())
        .collect();
    assert_eq!(
        times,
        [
            "09:00", "09:10", "09:20", "09:30", "09:40", "10:20", "14:00"
        ]
    );
    // Arrived exactly where the officer's GPS was; the inspection has no fix within 15 minutes;
    // the closure was recorded at 文三路 while the officer was 20 km away.
    let fix = |i: usize| t.events[i].nearest_fix.as_ref().map(|f| f.distance_m);
    assert_eq!(fix(1), Some(0.0));
    assert_eq!(fix(2), None);
    let far = haversine_m(120.1, 30.25, 120.3, 30.3);
    assert!(close(fix(3).unwrap(), far));
    assert!(close(t.max_fix_distance_m.unwrap(), far));
    let expected_path =
        5.0 * haversine_m(120.1, 30.25, 120.1, 30.251) + haversine_m(120.1, 30.25, 120.3, 30.3);
    assert!((t.path_m - expected_path).abs() < 1e-3, "{}", t.path_m);

    let index = TrajectoryIndex::build(&lake).unwrap();
    assert!(index.is_current(&lake));
    assert_eq!(index.sizes(), (8, 7, 9));
    for id in ["C1", "C2", "C4", "C7", "C8"] {
        assert_eq!(
            index.trajectory(id).unwrap(),
            trajectory_scan(&lake, id).unwrap(),
            "{id}"
        );
    }
    assert_eq!(index.trajectory("C404").unwrap(), None);
    assert_eq!(trajectory_scan(&lake, "C404").unwrap(), None);
    // A new import makes the index stale.
    import(
        &lake,
        _dir.path(),
        "le_gps_points",
        "gps3.csv",
        "officer_id,recorded_at,longitude,latitude\nO3,2025-09-09 23:50:00,120.0,30.0\n",
    );
    assert!(!index.is_current(&lake));
    // Each step knows the import row it came from: E1…E4 are rows 0, 2, 3 and 1 of the one
    // events file; a later import's step is row 0 of its own batch. Both readers agree.
    import(
        &lake,
        _dir.path(),
        "le_case_events",
        "events2.csv",
        "event_id,case_id,step,occurred_at,officer_id,on_site\nE8,C1,served,2025-09-02 13:00:00,O1,否\n",
    );
    let first = lake.snapshot("le_case_events").unwrap().content_hashes;
    let t2 = trajectory_scan(&lake, "C1").unwrap().unwrap();
    assert_eq!(
        TrajectoryIndex::build(&lake)
            .unwrap()
            .trajectory("C1")
            .unwrap()
            .as_ref(),
        Some(&t2)
    );
    let at: Vec<(&str, usize, u64)> = t2
        .events
        .iter()
        .map(|e| {
            let s = e.source.as_ref().expect("every step has a source");
            let batch = first.iter().position(|h| *h == s.content_hash).unwrap();
            (e.event_id.as_str(), batch, s.row)
        })
        .collect();
    assert_eq!(
        at,
        [
            ("E1", 0, 0),
            ("E2", 0, 2),
            ("E3", 0, 3),
            ("E8", 1, 0),
            ("E4", 0, 1)
        ]
    );
    for e in &t2.events {
        let s = e.source.as_ref().unwrap();
        let rows = lake.batch_rows("le_case_events", &s.content_hash).unwrap();
        let json = qinglian_lake::rowhash::row_json(&rows[0], s.row as usize);
        assert!(json.contains(&format!("\"{}\"", e.event_id)), "{json}");
    }
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["events"][0]["at"], "2025-09-02 10:00:00");
    assert!(
        json["case"].get("party_id").is_none(),
        "the party's id is not read"
    );
}

#[test]
fn roster_board() {
    let (_dir, lake) = lake();
    let roster = Roster::load(&lake).unwrap();
    let all = roster.board(&|_| true, None, Some("3301"));
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].officers, ["O1", "O2", "O9"]);
    assert_eq!(all[0].commander_name.as_deref(), Some("张三丰"));
    assert_eq!(all[0].unit_name.as_deref(), Some("西湖区综合行政执法局"));
    assert!(roster.board(&|_| true, None, Some("3302")).is_empty());
    assert!(roster.board(&|_| false, None, None).is_empty());
    assert_eq!(
        roster
            .board(&|s| s.squad_id == "S2", Some("U1"), None)
            .len(),
        1
    );
}

#[test]
fn an_empty_lake_gives_an_empty_table() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path());
    let roster = Roster::load(&lake).unwrap();
    let w = workload(
        &lake,
        &roster,
        &Period::parse("2025-09").unwrap(),
        &WorkloadOptions::default(),
    )
    .unwrap();
    assert!(w.rows.is_empty());
    assert_eq!(trajectory_scan(&lake, "C1").unwrap(), None);
}

#[test]
fn an_officers_cases_are_those_the_workload_counts_plus_steps_naming_them() {
    let (_dir, lake) = lake();
    let roster = Roster::load(&lake).unwrap();
    let p = Period::parse("2025-09上旬").unwrap();
    let o = WorkloadOptions::default();
    let w = workload(&lake, &roster, &p, &o).unwrap();
    let ids = |c: &qinglian_enforce::OfficerCases| -> Vec<(String, bool, Option<bool>)> {
        c.cases
            .iter()
            .map(|x| (x.case_id.clone(), x.lead, x.on_time))
            .collect()
    };
    let own = |v: &[(&str, bool, Option<bool>)]| -> Vec<(String, bool, Option<bool>)> {
        v.iter().map(|(a, b, c)| (a.to_string(), *b, *c)).collect()
    };
    // O1 leads C4 (received in June, decided in the period), C3 (received 31 August, closed
    // 1 September), C1 and C2 (25 hours: late); C8 was over in July.
    let o1 = officer_cases(&lake, "O1", &p, &o, OFFICER_CASES_CAP).unwrap();
    assert_eq!(
        ids(&o1),
        own(&[
            ("C4", true, Some(true)),
            ("C3", true, Some(true)),
            ("C1", true, Some(true)),
            ("C2", true, Some(false)),
        ])
    );
    assert_eq!((o1.total, o1.truncated), (4, false));
    let c1 = &o1.cases[2];
    assert_eq!(c1.place.as_deref(), Some("文三路"));
    assert_eq!(c1.received_at.text(), "2025-09-02 10:00:00");
    assert_eq!(
        c1.closed_at.map(|t| t.text()).as_deref(),
        Some("2025-09-02 14:00:00")
    );
    assert_eq!(
        c1.deadline.map(|t| t.text()).as_deref(),
        Some("2025-09-03 10:00:00")
    );
    // The on-time judgements of the led cases are the workload row's.
    let row = w.rows.iter().find(|r| r.officer_id == "O1").unwrap();
    let judged: Vec<bool> = o1
        .cases
        .iter()
        .filter(|c| c.lead)
        .filter_map(|c| c.on_time)
        .collect();
    assert_eq!(judged.len() as u32, row.due);
    assert_eq!(judged.iter().filter(|&&b| b).count() as u32, row.on_time);

    // O2 leads C5 (late at midnight into September) and C6 (its 90 days run on), and was the
    // co-officer of C1's inspection.
    let o2 = officer_cases(&lake, "O2", &p, &o, OFFICER_CASES_CAP).unwrap();
    assert_eq!(
        ids(&o2),
        own(&[
            ("C5", true, Some(false)),
            ("C1", false, Some(true)),
            ("C6", true, None),
        ])
    );

    // The cap keeps the earliest received and says so.
    let capped = officer_cases(&lake, "O1", &p, &o, 2).unwrap();
    assert_eq!(ids(&capped), ids(&o1)[..2].to_vec());
    assert_eq!((capped.total, capped.truncated), (4, true));

    // August: C4 (its inspection and its open clock) and C3 (received on the 31st).
    let aug = Period::parse("2025-08").unwrap();
    let a = officer_cases(&lake, "O1", &aug, &o, OFFICER_CASES_CAP).unwrap();
    let got: Vec<&str> = a.cases.iter().map(|c| c.case_id.as_str()).collect();
    assert_eq!(got, ["C4", "C3"]);
    assert!(
        officer_cases(&lake, "O9", &p, &o, OFFICER_CASES_CAP)
            .unwrap()
            .cases
            .is_empty()
    );
    let empty = tempfile::tempdir().unwrap();
    let none = officer_cases(&Lake::new(empty.path()), "O1", &p, &o, 10).unwrap();
    assert_eq!((none.total, none.truncated), (0, false));
}
