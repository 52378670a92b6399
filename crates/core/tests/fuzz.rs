//! Property-based fuzzing of the identifier and code parsers: arbitrary input never panics,
//! and what is accepted round-trips.

use proptest::prelude::*;
use qinglian_core::{DivisionCode, ids, money};

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, ..ProptestConfig::default() })]

    #[test]
    fn division_codes_never_panic(s in "\\PC{0,20}") {
        if let Ok(c) = DivisionCode::parse(&s) {
            prop_assert!(matches!(c.as_str().len(), 6 | 9 | 12));
            prop_assert!(c.contains(&c));
            prop_assert_eq!(&DivisionCode::parse(c.as_str()).unwrap(), &c);
            for p in c.parent_candidates() {
                prop_assert!(p.contains(&c), "{} ⊃ {}", p, c);
            }
        }
    }

    #[test]
    fn digit_strings_parse_consistently(s in "[0-9]{6}|[0-9]{9}|[0-9]{12}") {
        let _ = DivisionCode::parse(&s);
    }

    #[test]
    fn citizen_ids_never_panic(s in "\\PC{0,24}") {
        let n = ids::normalize_citizen_id(&s);
        if ids::validate_citizen_id(&n).is_ok() {
            prop_assert_eq!(n.len(), 18);
            prop_assert!(ids::birth_date(&n).is_some());
        }
        let _ = ids::mask_citizen_id(&s);
        let _ = ids::mask_name(&s);
    }

    #[test]
    fn valid_citizen_ids_are_accepted(region in 110000u32..660000, y in 1920i32..2020, m in 1u32..13, d in 1u32..29, seq in 0u32..1000) {
        let first17 = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
        let id = format!("{first17}{}", ids::citizen_id_check_char(first17.as_bytes()));
        prop_assert!(ids::validate_citizen_id(&id).is_ok());
    }

    #[test]
    fn usccs_never_panic(s in "[0-9A-Z]{0,20}") {
        let _ = ids::validate_uscc(&ids::normalize_uscc(&s));
    }

    #[test]
    fn money_round_trips(fen in -1_000_000_000_000i64..1_000_000_000_000) {
        prop_assert_eq!(money::parse_yuan(&money::format_yuan(fen)), Ok(fen));
    }

    #[test]
    fn money_never_panics(s in "\\PC{0,30}") {
        let _ = money::parse_yuan(&s);
    }
}
