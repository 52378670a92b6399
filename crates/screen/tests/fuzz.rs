//! Property-based fuzzing of the screening parsers (indicator files, `overrides.toml`,
//! explanation templates): arbitrary input and arbitrary mutations of valid files never panic,
//! and a refusal always names the file and says what is wrong in Chinese and English.

use proptest::prelude::*;
use qinglian_screen::template::Template;
use qinglian_screen::{Catalogue, Overrides, ScreenError, indicator};

const VALID: &str = include_str!("indicators/TS-S01.toml");

fn parse_indicator(text: &str) -> Result<(), TestCaseError> {
    match indicator::parse(text, "fuzz/TS-S01.toml", "TS-S01", false, &|_| None) {
        Ok(_) => Ok(()),
        Err(e) => check_error(&e, "fuzz/TS-S01.toml"),
    }
}

fn check_error(e: &ScreenError, file: &str) -> Result<(), TestCaseError> {
    let text = e.to_string();
    prop_assert!(text.contains(file), "names the file: {text}");
    for m in e.messages() {
        prop_assert!(!m.zh.is_empty() && !m.en.is_empty(), "bilingual: {m:?}");
    }
    Ok(())
}

fn catalogue() -> Catalogue {
    Catalogue::builtin().expect("shipped catalogue")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn indicator_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse_indicator(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn mutated_indicator_files_never_panic(
        cut in 0usize..VALID.len(),
        len in 0usize..40,
        insert in "[\\PC\"'\\[\\]={}$\n]{0,16}",
    ) {
        // Replace a slice of a valid file (on char boundaries) with arbitrary text.
        let mut start = cut;
        while !VALID.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(VALID.len());
        while !VALID.is_char_boundary(end) { end -= 1; }
        let text = format!("{}{}{}", &VALID[..start], insert, &VALID[end..]);
        parse_indicator(&text)?;
    }

    #[test]
    fn overrides_never_panic(
        id in prop::sample::select(vec!["SL-S01", "RA-S08", "XX-R01", "SL-R03"]),
        division in "[0-9]{0,13}",
        key in prop::sample::select(vec!["max_ratio", "min_peers", "alpha", "k", "nope"]),
        value in prop::sample::select(vec!["0.5", "-1", "3", "\"x\"", "true", "1e400", "[1]", "{a=1}", ""]),
    ) {
        let text = format!("[\"{id}\".\"{division}\"]\n{key} = {value}\n");
        if let Err(e) = Overrides::parse(&text, "overrides.toml", &catalogue()) {
            check_error(&e, "overrides.toml")?;
        }
    }

    #[test]
    fn templates_never_panic(text in "[\\PC{}:.%]{0,60}") {
        if let Ok(t) = Template::parse(&text, "explanation.zh") {
            // Rendering with any value kind must not panic either.
            for v in [serde_json::json!(null), serde_json::json!(1.5), serde_json::json!("文本"), serde_json::json!(-3)] {
                let _ = t.render(qinglian_screen::template::Lang::Zh, |_| v.clone());
                let _ = t.render(qinglian_screen::template::Lang::En, |_| v.clone());
            }
        }
    }
}
