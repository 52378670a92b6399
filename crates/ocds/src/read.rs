//! Line-delimited input from a file, a gzip file or standard input (`-`), read in chunks of
//! whole lines so that workers can parse a chunk while the next one is read. Gzip is detected
//! by its magic bytes, not the file name. The decoded bytes are hashed on the way through: the
//! hash identifies the content for re-import checks whatever the compression.

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One input line without its line ending, numbered from 1 like an editor does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub no: u64,
    pub bytes: Vec<u8>,
}

/// Counts the bytes taken from the underlying file (compressed bytes for gzip), for progress.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    next_no: u64,
    hasher: Sha256,
    raw_read: Arc<AtomicU64>,
    /// Size of the file when known (not for standard input).
    pub total_bytes: Option<u64>,
    done: bool,
}

impl LineReader {
    /// Opens `path` (`-` for standard input). Fails only if the source cannot be opened.
    pub fn open(path: &Path) -> io::Result<LineReader> {
        if path == Path::new("-") {
            return Self::from_reader(Box::new(io::stdin()), None);
        }
        if path.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "是目录而不是文件 / is a directory, not a file",
            ));
        }
        let f = File::open(path)?;
        let len = f.metadata().ok().map(|m| m.len());
        Self::from_reader(Box::new(f), len)
    }

    pub fn from_reader(r: Box<dyn Read + Send>, total_bytes: Option<u64>) -> io::Result<Self> {
        let raw_read = Arc::new(AtomicU64::new(0));
        let mut buffered = BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: r,
                read: raw_read.clone(),
            },
        );
        let head = buffered.fill_buf()?;
        let inner: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(LineReader {
            inner,
            next_no: 1,
            hasher: Sha256::new(),
            raw_read,
            total_bytes,
            done: false,
        })
    }

    /// Bytes taken from the source so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }

    /// A handle on [`LineReader::bytes_read`] usable while the reader is borrowed.
    pub fn bytes_counter(&self) -> Arc<AtomicU64> {
        self.raw_read.clone()
    }

    /// The next lines, up to about `max_bytes` of them (at least one line unless at the end).
    /// An empty chunk means the end. An I/O error (a truncated gzip stream, say) ends the
    /// input; the lines read before it are still returned by earlier calls.
    pub fn next_chunk(&mut self, max_bytes: usize) -> io::Result<Vec<RawLine>> {
        let mut out = Vec::new();
        let mut size = 0;
        while !self.done && size < max_bytes {
            let mut buf = Vec::new();
            let n = match self.inner.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            if n == 0 {
                self.done = true;
                break;
            }
            self.hasher.update(&buf);
            if buf.last() == Some(&b'\n') {
                buf.pop();
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
            }
            size += n;
            out.push(RawLine {
                no: self.next_no,
                bytes: buf,
            });
            self.next_no += 1;
        }
        Ok(out)
    }

    /// SHA-256 (hex) of every decoded byte read so far; call after the last chunk.
    pub fn content_hash(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }
}

/// Reads chunks of about `chunk_bytes` and runs `work` on every line of a chunk on the rayon
/// pool while the next chunk is read and the previous chunk's results go to `sink`; `sink` gets
/// each chunk's results in input order, so the output is the same whatever the number of
/// threads. Returns the read error that ended the input early, if any (the lines before it
/// have been processed).
pub fn pipeline<T: Send, E: Send>(
    reader: &mut LineReader,
    chunk_bytes: usize,
    work: impl Fn(RawLine) -> T + Sync,
    sink: impl FnMut(Vec<T>) -> Result<(), E> + Send,
) -> Result<Option<io::Error>, E> {
    use rayon::prelude::*;
    pipeline_runs(
        reader,
        chunk_bytes,
        |lines| lines.into_par_iter().map(&work).collect(),
        sink,
    )
}

/// As [`pipeline`], with `process` taking a whole chunk (to split it into runs of lines).
pub fn pipeline_runs<T: Send, E: Send>(
    reader: &mut LineReader,
    chunk_bytes: usize,
    process: impl Fn(Vec<RawLine>) -> Vec<T> + Sync,
    mut sink: impl FnMut(Vec<T>) -> Result<(), E> + Send,
) -> Result<Option<io::Error>, E> {
    let mut pending = match reader.next_chunk(chunk_bytes) {
        Ok(c) => c,
        Err(e) => return Ok(Some(e)),
    };
    let mut read_error = None;
    let mut done: Option<Vec<T>> = None;
    while !pending.is_empty() {
        let lines = std::mem::take(&mut pending);
        let previous = done.take();
        let (sunk, (processed, next)) = rayon::join(
            || previous.map_or(Ok(()), &mut sink),
            || rayon::join(|| process(lines), || reader.next_chunk(chunk_bytes)),
        );
        sunk?;
        done = Some(processed);
        match next {
            Ok(c) => pending = c,
            Err(e) => read_error = Some(e),
        }
    }
    if let Some(last) = done {
        sink(last)?;
    }
    Ok(read_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(r: &mut LineReader) -> Vec<RawLine> {
        let mut all = Vec::new();
        loop {
            let c = r.next_chunk(8).unwrap();
            if c.is_empty() {
                return all;
            }
            all.extend(c);
        }
    }

    #[test]
    fn splits_lines_like_an_editor_counts_them() {
        let mut r = LineReader::from_reader(Box::new(&b"a\r\n\nb\nc"[..]), None).unwrap();
        let got = lines(&mut r);
        let texts: Vec<&[u8]> = got.iter().map(|l| l.bytes.as_slice()).collect();
        assert_eq!(texts, [&b"a"[..], b"", b"b", b"c"]);
        assert_eq!(got.last().unwrap().no, 4);
    }

    #[test]
    fn gzip_is_detected_and_hashes_like_the_plain_file() {
        let text = b"{\"ocid\":\"x\"}\n{\"ocid\":\"y\"}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let mut a = LineReader::from_reader(Box::new(std::io::Cursor::new(gz)), None).unwrap();
        let mut b = LineReader::from_reader(Box::new(&text[..]), None).unwrap();
        assert_eq!(lines(&mut a), lines(&mut b));
        assert_eq!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn a_truncated_gzip_stream_is_an_error_not_a_panic() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&b"{\"ocid\":\"x\"}\n".repeat(1000)).unwrap();
        let mut gz = gz.finish().unwrap();
        gz.truncate(gz.len() / 2);
        let mut r = LineReader::from_reader(Box::new(std::io::Cursor::new(gz)), None).unwrap();
        let mut failed = false;
        for _ in 0..10_000 {
            match r.next_chunk(64) {
                Ok(c) if c.is_empty() => break,
                Ok(_) => {}
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed);
    }
}
