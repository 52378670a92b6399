//! drand vectors (shared/vectors/drand): every valid beacon verifies, every negative fails.

use qinglian_lottery::beacon::{MAINNET_DEFAULT, PINNED, QUICKNET, verify_drand};
use qinglian_lottery::hash::{parse_hex_lower, sha256, to_hex};
use serde_json::Value;

use crate::common::{VECTORS, read};

fn hexv(v: &Value, k: &str) -> Vec<u8> {
    parse_hex_lower(v[k].as_str().unwrap_or("")).unwrap_or_else(|| panic!("{k} not hex"))
}

#[test]
fn drand_vectors_valid_and_invalid() {
    let doc: Value =
        serde_json::from_slice(&read(format!("{VECTORS}/drand/vectors.json"))).unwrap();
    // The tool's pinned constants equal the vector file's network parameters.
    for (name, chain) in [("quicknet", QUICKNET), ("mainnet-default", MAINNET_DEFAULT)] {
        let n = &doc["networks"][name];
        assert_eq!(n["chain_hash"], chain.chain_hash);
        assert_eq!(n["public_key"], chain.public_key);
        assert_eq!(n["scheme"], chain.scheme);
        assert_eq!(n["genesis_time"], chain.genesis_unix);
        assert_eq!(n["period_seconds"], chain.period_secs);
    }
    let vectors = doc["vectors"].as_array().unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let sig = hexv(v, "signature");
        let prev = v
            .get("previous_signature")
            .map_or(Vec::new(), |_| hexv(v, "previous_signature"));
        let r = verify_drand(
            v["scheme"].as_str().unwrap(),
            &hexv(v, "public_key"),
            v["round"].as_u64().unwrap(),
            &sig,
            &prev,
        );
        let accepted = match r {
            Ok(rnd) => rnd == sha256(&sig) && to_hex(&rnd) == v["randomness"].as_str().unwrap(),
            Err(_) => false,
        };
        match v["expect"].as_str().unwrap() {
            "valid" => {
                valid += 1;
                assert!(accepted, "{name} should verify: {r:?}");
            }
            _ => {
                invalid += 1;
                assert!(!accepted, "{name} must be rejected");
            }
        }
    }
    assert_eq!((valid, invalid), (16, 17));
    for ro in doc["randomness_only"].as_array().unwrap() {
        assert_eq!(
            to_hex(&sha256(&hexv(ro, "signature"))),
            ro["randomness"].as_str().unwrap()
        );
    }
}

#[test]
fn chained_signature_checked_as_unchained_fails() {
    let doc: Value =
        serde_json::from_slice(&read(format!("{VECTORS}/drand/vectors.json"))).unwrap();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "mainnet-default-round-72785")
        .unwrap();
    let r = verify_drand(
        QUICKNET.scheme,
        &hexv(&doc["networks"]["quicknet"], "public_key"),
        72785,
        &hexv(v, "signature"),
        b"",
    );
    assert!(r.is_err());
}

#[test]
fn round_time_conversions() {
    // lottery.md §2: 2026-06-20T02:00:00Z is quicknet round 29705812.
    assert_eq!(QUICKNET.round_at(1_781_920_800), 29_705_812);
    assert_eq!(QUICKNET.time_of_round(123), 1_692_803_367 + 122 * 3);
    assert_eq!(PINNED.len(), 2);
}
