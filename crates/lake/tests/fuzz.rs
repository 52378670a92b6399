//! Property-based fuzzing of the readers: arbitrary bytes and arbitrary cells never panic,
//! and an import either lands whole or is refused with located errors.

use proptest::prelude::*;
use qinglian_lake::{ImportError, Lake, ReadOptions};

fn try_import(name: &str, bytes: &[u8]) -> Result<u64, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(name);
    std::fs::write(&f, bytes).unwrap();
    let lake = Lake::new(dir.path().join("lake"));
    let p = lake.prepare("posts", &[f], &ReadOptions::default(), false, &|_, _| {})?;
    Ok(lake.commit(p)?.rows_written)
}

fn check(r: Result<u64, ImportError>) -> Result<(), TestCaseError> {
    match r {
        Ok(_) | Err(ImportError::Usage(_)) => {}
        Err(ImportError::Invalid { errors, .. }) => prop_assert!(!errors.is_empty()),
        Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn csv_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(try_import("posts.csv", &bytes))?;
    }

    #[test]
    fn csv_cells_never_panic(cells in proptest::collection::vec("[\\PC\",\n]{0,12}", 0..40)) {
        let mut text = String::from("岗位编号,单位编号,人员编号,职务,是否一把手,任职日期\n");
        for (i, c) in cells.iter().enumerate() {
            text.push_str(c);
            text.push(if i % 6 == 5 { '\n' } else { ',' });
        }
        check(try_import("posts.csv", text.as_bytes()))?;
    }

    #[test]
    fn json_never_panics(text in "[\\PC\\[\\]{}:,\"\n0-9]{0,200}") {
        check(try_import("posts.jsonl", text.as_bytes()))?;
    }

    #[test]
    fn xlsx_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(bytes);
        check(try_import("posts.xlsx", &zip))?;
    }
}
