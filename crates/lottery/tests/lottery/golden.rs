//! The LOT1 algorithm vectors (lottery-lot1/*): seed, numbers, results, byte for byte.

use qinglian_lottery::beacon::Beacon;
use qinglian_lottery::draw::draw;
use qinglian_lottery::hash::{push_hex, sha256, to_hex};
use qinglian_lottery::numbers::Numbers;
use qinglian_lottery::seed::seed_file;

use crate::common::{lot1, read};

fn run(params: &str, seed_file_name: &str, results: &str, numbers: &str) {
    let dir = lot1();
    let beacon = Beacon::parse(&read(dir.join("beacon.json"))).unwrap();
    let d = draw(
        &read(dir.join(params)),
        &read(dir.join("roster.csv")),
        &read(dir.join("ceremony.txt")),
        &beacon.randomness(),
        2,
    )
    .unwrap();
    assert_eq!(seed_file(&d.seed), read(dir.join(seed_file_name)), "seed");
    let mut nums = Vec::new();
    let codes = d.school_codes();
    match &d.numbers {
        Numbers::Stb(v) => {
            for (c, n) in d.roster.commits.iter().zip(v) {
                push_hex(&mut nums, c);
                nums.push(b',');
                push_hex(&mut nums, n);
                nums.push(b'\n');
            }
        }
        Numbers::Mtb(v) => {
            // numbers_mtb.csv is sorted by C_i then school code, not preference order.
            for i in 0..d.roster.len() {
                let mut rows: Vec<(&str, [u8; 32])> = d
                    .roster
                    .choices_of(i)
                    .iter()
                    .enumerate()
                    .map(|(j, ch)| (codes[ch.school as usize], v[d.roster.start[i] as usize + j]))
                    .collect();
                rows.sort();
                for (s, n) in rows {
                    push_hex(&mut nums, &d.roster.commits[i]);
                    nums.extend_from_slice(format!(",{s},").as_bytes());
                    push_hex(&mut nums, &n);
                    nums.push(b'\n');
                }
            }
        }
    }
    assert!(
        nums == read(dir.join(numbers)),
        "numbers differ from {numbers}"
    );
    let res = d.results_bytes();
    assert!(
        res == read(dir.join(results)),
        "results differ from {results}"
    );
}

#[test]
fn stb_da_reproduces_seed_numbers_results() {
    run(
        "params.txt",
        "seed_stb.txt",
        "results_stb.csv",
        "numbers_stb.csv",
    );
}

#[test]
fn mtb_da_reproduces_seed_numbers_results() {
    run(
        "params_mtb.txt",
        "seed_mtb.txt",
        "results_mtb.csv",
        "numbers_mtb.csv",
    );
}

#[test]
fn expected_hashes_of_readme() {
    let dir = lot1();
    assert_eq!(
        to_hex(&sha256(&read(dir.join("results_stb.csv")))),
        "84ed15269d87f554f8e54f0a412dcac99b6fe220050d016a79c3dabed595a647"
    );
    let b = Beacon::parse(&read(dir.join("beacon.json"))).unwrap();
    assert_eq!(
        to_hex(&b.randomness()),
        "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc"
    );
}
