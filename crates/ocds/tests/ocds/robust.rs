//! Broken input never panics: random bytes, truncated real records, random JSON shapes where
//! OCDS expects objects, under every prepare setting at once.

use super::{dr_file, reader_of};
use proptest::prelude::*;
use qinglian_ocds::flatten::flatten_release;
use qinglian_ocds::{Issue, RawLine, Settings, coverage, prepare_line};
use std::io::Read;

fn all_settings() -> Settings {
    Settings::parse(
        "[defaults]\ncurrency = USD\nitem_classification_scheme = UNSPSC\nbid_status = valid\n\
         award_status = active\nparty_roles = true\n[redactions]\namount = 0|1\norganization_id = 0|x\n\
         [corrections]\naward_status_by_contract_status = true\n[modifications]\nmove_auctions = true\n\
         prefix_buyer_or_procuring_entity_id = B-\nprefix_tenderer_or_supplier_id = T-\n\
         split_procurement_method_details = -\n[codelists.bid_status]\nq = valid\n\
         [codelists.award_status]\nA = active\n",
    )
    .unwrap()
}

/// The prepared release as JSON text (none if the line was skipped), and the issues.
fn run_line(bytes: &[u8], s: &Settings) -> (Option<String>, Vec<Issue>) {
    let raw = RawLine {
        no: 1,
        bytes: bytes.to_vec(),
    };
    let p = prepare_line(&raw, &s.prepare);
    if let Some(r) = &p.release {
        flatten_release(1, r);
    }
    (p.release.map(|r| r.to_json()), p.issues)
}

/// JSON values of any shape, up to a few levels deep, using OCDS member names so that the
/// prepare paths are exercised with the wrong types.
fn arb_json() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "ocid",
        "id",
        "parties",
        "roles",
        "buyer",
        "tender",
        "procuringEntity",
        "bids",
        "details",
        "value",
        "amount",
        "currency",
        "status",
        "tenderers",
        "awards",
        "suppliers",
        "items",
        "classification",
        "scheme",
        "contracts",
        "awardID",
        "auctions",
        "stages",
        "procurementMethodDetails",
        "tenderPeriod",
        "startDate",
        "endDate",
    ]);
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("0".to_owned()),
        Just("1".to_owned()),
        Just("-0.0e1".to_owned()),
        Just("\"x\"".to_owned()),
        Just("\"0\"".to_owned()),
        Just("\"2022-01-01T00:00:00Z\"".to_owned()),
        Just("\"active\"".to_owned()),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((names.clone(), inner), 0..5).prop_map(|m| {
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", parts.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let s = all_settings();
        let p = run_line(&bytes, &s);
        prop_assert!(p.0.is_some() || p.1.len() <= 1);
        let mut r = reader_of(bytes);
        coverage::run(&mut r).unwrap();
    }

    #[test]
    fn random_ocds_shapes_never_panic_and_output_reparses(text in arb_json()) {
        let s = all_settings();
        let p = run_line(format!("{{\"ocid\":\"o\",\"x\":{text},\"tender\":{text},\"bids\":{{\"details\":{text}}},\"awards\":{text},\"contracts\":{text},\"parties\":{text},\"buyer\":{text},\"auctions\":{text}}}").as_bytes(), &s);
        let text = p.0.expect("an object stays an object");
        prop_assert!(qinglian_ocds::json::parse(&text).is_ok());
        // And the output is valid JSON for another parser too.
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }
}

#[test]
fn every_truncation_of_a_real_record_is_handled() {
    let mut gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(dr_file()).unwrap());
    let mut head = vec![0u8; 200_000];
    gz.read_exact(&mut head).unwrap();
    let line = head.split(|b| *b == b'\n').next().unwrap();
    let s = all_settings();
    // Every 7th cut (and the whole line) keeps the test quick yet hits every structure.
    for cut in (0..line.len()).step_by(7).chain([line.len()]) {
        let p = run_line(&line[..cut], &s);
        if cut == line.len() {
            assert!(p.0.is_some());
        } else {
            assert!(p.0.is_none(), "a truncated object is not JSON ({cut})");
        }
    }
}
