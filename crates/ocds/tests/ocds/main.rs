//! Parity with OCDS Cardinal on its own fixtures and on the real Dominican Republic file, the
//! lake round trip, and robustness against broken input. One test binary; the data lives in
//! the shared folder beside the checkout (`../shared/data/ocds`).

mod fixtures;
mod lake;
mod robust;

use qinglian_ocds::{LineReader, Settings};
use std::path::PathBuf;

pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ocds")
}

pub fn dr_file() -> PathBuf {
    shared().join("dominican-republic-dgcp-10000.jsonl.gz")
}

pub fn reader_of(bytes: Vec<u8>) -> LineReader {
    LineReader::from_reader(Box::new(std::io::Cursor::new(bytes)), None).unwrap()
}

pub fn settings_of(path: &std::path::Path) -> Settings {
    Settings::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `prepare` and returns (output, issue rows as CSV text).
pub fn prepare(
    reader: &mut LineReader,
    settings: &Settings,
) -> (Vec<u8>, String, qinglian_ocds::Summary) {
    let mut out = Vec::new();
    let buf = SharedBuf::default();
    let mut w: csv::Writer<Box<dyn std::io::Write + Send>> = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Box::new(buf.clone()));
    let summary =
        qinglian_ocds::prepare_stream(reader, &settings.prepare, &mut out, Some(&mut w)).unwrap();
    drop(w);
    let issues = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    (out, issues, summary)
}

#[derive(Clone, Default)]
pub struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
