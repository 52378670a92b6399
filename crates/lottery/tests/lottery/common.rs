use std::path::{Path, PathBuf};

pub const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors");

pub fn lot1() -> PathBuf {
    Path::new(VECTORS).join("lottery-lot1")
}

pub fn read(p: impl AsRef<Path>) -> Vec<u8> {
    let p = p.as_ref();
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

pub fn hex32(s: &str) -> [u8; 32] {
    qinglian_lottery::hash::parse_hex32(s.trim()).expect("64 lowercase hex")
}
