//! Synthetic national identifiers with valid check characters.

use chrono::{Datelike, NaiveDate};
use qinglian_core::ids::{citizen_id_check_char, uscc_check_char};
use rand::Rng;

/// GB 32100 alphabet (no I, O, S, V, Z); organisation-code bodies stay inside it so the whole
/// USCC is valid.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Citizen ID (GB 11643): region, birth date, 3-digit order code whose last digit is odd for
/// men, check character.
pub fn citizen_id(rng: &mut impl Rng, region: &str, birth: NaiveDate, male: bool) -> String {
    debug_assert_eq!(region.len(), 6);
    let order = rng.random_range(0..100u32) * 10 + 2 * rng.random_range(0..5u32) + u32::from(male);
    let first17 = format!(
        "{region}{:04}{:02}{:02}{order:03}",
        birth.year(),
        birth.month(),
        birth.day()
    );
    let check = citizen_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

/// Registration-authority and category characters (the first two of a USCC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccCategory {
    /// 11: government organ (机关).
    Organ,
    /// 12: public institution (事业单位): schools, hospitals, cultural venues, centres.
    Institution,
    /// 91: enterprise registered with market regulation.
    Enterprise,
    /// N2: village-level collective economic organisation (村级集体经济组织).
    VillageCollective,
}

impl UsccCategory {
    pub fn prefix(self) -> &'static str {
        match self {
            UsccCategory::Organ => "11",
            UsccCategory::Institution => "12",
            UsccCategory::Enterprise => "91",
            UsccCategory::VillageCollective => "N2",
        }
    }
}

/// USCC (GB 32100): category, region (the county), 9-character organisation code with its own
/// GB 11714 check, and the final check character. Enterprises get the post-2015 `MA…` body.
pub fn uscc(rng: &mut impl Rng, category: UsccCategory, region: &str) -> String {
    debug_assert_eq!(region.len(), 6);
    let mut body = [0u8; 8];
    let start = if category == UsccCategory::Enterprise {
        body[0] = b'M';
        body[1] = b'A';
        2
    } else {
        0
    };
    for b in &mut body[start..] {
        *b = if category == UsccCategory::Enterprise {
            USCC_ALPHABET[rng.random_range(0..USCC_ALPHABET.len())]
        } else {
            b'0' + rng.random_range(0..10u8)
        };
    }
    let mut first17 = String::with_capacity(18);
    first17.push_str(category.prefix());
    first17.push_str(region);
    first17.push_str(std::str::from_utf8(&body).expect("ASCII"));
    first17.push(org_code_check(&body));
    let check =
        uscc_check_char(first17.as_bytes()).expect("all characters are in the GB 32100 alphabet");
    first17.push(check);
    first17
}

/// GB 11714 organisation-code check character (weights 3 7 9 10 5 8 4 2, MOD 11).
fn org_code_check(body: &[u8; 8]) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let value = |c: u8| match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        _ => u32::from(c - b'A') + 10,
    };
    let sum: u32 = body.iter().zip(W).map(|(c, w)| value(*c) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_core::ids::{validate_citizen_id, validate_uscc};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn citizen_ids_validate_and_carry_gender() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for i in 0..2000 {
            let male = i % 2 == 0;
            let birth =
                NaiveDate::from_ymd_opt(1960 + i % 43, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
                    .unwrap();
            let id = citizen_id(&mut rng, "330106", birth, male);
            validate_citizen_id(&id).unwrap();
            assert_eq!(&id[..6], "330106");
            assert_eq!((id.as_bytes()[16] - b'0') % 2 == 1, male, "{id}");
        }
    }

    #[test]
    fn usccs_validate() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for cat in [
            UsccCategory::Organ,
            UsccCategory::Institution,
            UsccCategory::Enterprise,
            UsccCategory::VillageCollective,
        ] {
            for _ in 0..500 {
                let code = uscc(&mut rng, cat, "330106");
                validate_uscc(&code).unwrap();
                assert!(code.starts_with(cat.prefix()));
                assert_eq!(&code[2..8], "330106");
            }
        }
    }

    #[test]
    fn org_code_check_known_value() {
        // Worked example of GB 11714: D2143569-X.
        assert_eq!(org_code_check(b"D2143569"), 'X');
    }
}
