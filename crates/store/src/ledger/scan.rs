//! Reads the whole log for `ledger verify`, in pages: entries `from..to` and the tree nodes their
//! appends created, handed over a channel while the previous page is checked.
//!
//! On SQLite the pages come from a second, read-only connection (`rusqlite`, the same SQLite
//! library sqlx links) on a blocking thread, inside one read transaction: sqlx hands every row
//! across a worker-thread channel, which cost about 4 µs per entry row and 1.2 µs per node
//! row, several times the checks themselves. PostgreSQL (and an SQLite database without a file,
//! `sqlite::memory:`) is read through the pool: there sqlx decodes rows on the calling task.
//! Packing each PostgreSQL page into one value (`string_agg` of length-prefixed rows) measured
//! slower (208–221 k against 254–272 k entries/s at 200,000 entries): the server's sort and
//! concatenation cost more than the rows.

use super::read::{LedgerEntry, hash_of};
use crate::{Pool, Result, Store, StoreError, on_pool};
use qinglian_ledger::{Hash, stored_hash_count};
use tokio::sync::mpsc;

/// Entries (and their nodes) per page.
pub(crate) const PAGE: u64 = 20_000;

/// A span of [`Page::bytes`].
type Span = (u32, u32);

/// One entry row of a page; its bytes live in the page's buffer.
struct Row {
    index: u64,
    leaf_hash: Hash,
    leaf: Span,
    kind: Span,
    object_type: Option<Span>,
    object_id: Option<Span>,
    req_id: Option<Span>,
}

/// Entries `from..to` as stored (in index order, whatever their indexes are) and the stored
/// nodes with ids in `[stored_hash_count(from), stored_hash_count(to))`, in id order. The
/// bytes of all entries share one buffer, so a page costs a few allocations, not five a row.
#[derive(Default)]
pub(crate) struct Page {
    bytes: Vec<u8>,
    rows: Vec<Row>,
    pub nodes: Vec<(u64, Hash)>,
}

/// One entry of a page, borrowed.
#[derive(Clone, Copy)]
pub(crate) struct EntryRef<'a> {
    pub index: u64,
    pub leaf: &'a [u8],
    pub leaf_hash: &'a Hash,
    pub kind: &'a str,
    pub object_type: Option<&'a str>,
    pub object_id: Option<&'a str>,
    pub req_id: Option<&'a str>,
}

impl EntryRef<'_> {
    pub fn to_owned(self) -> LedgerEntry {
        LedgerEntry {
            index: self.index,
            leaf: self.leaf.to_vec(),
            leaf_hash: *self.leaf_hash,
            kind: self.kind.to_owned(),
            object_type: self.object_type.map(str::to_owned),
            object_id: self.object_id.map(str::to_owned),
            req_id: self.req_id.map(str::to_owned),
        }
    }
}

impl Page {
    fn with_capacity(entries: usize) -> Self {
        Page {
            bytes: Vec::with_capacity(entries * 400),
            rows: Vec::with_capacity(entries),
            nodes: Vec::with_capacity(entries * 2 + 1),
        }
    }

    fn keep(&mut self, b: &[u8]) -> Span {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(b);
        (start, self.bytes.len() as u32)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_entry(
        &mut self,
        index: i64,
        leaf: &[u8],
        leaf_hash: &[u8],
        kind: &str,
        object_type: Option<&str>,
        object_id: Option<&str>,
        req_id: Option<&str>,
    ) -> Result<()> {
        // The message is only built for a bad row.
        let leaf_hash = match Hash::try_from(leaf_hash) {
            Ok(h) => h,
            Err(_) => hash_of(leaf_hash, &format!("entry {index} leaf_hash"))?,
        };
        let leaf = self.keep(leaf);
        let kind = self.keep(kind.as_bytes());
        let object_type = object_type.map(|s| self.keep(s.as_bytes()));
        let object_id = object_id.map(|s| self.keep(s.as_bytes()));
        let req_id = req_id.map(|s| self.keep(s.as_bytes()));
        self.rows.push(Row {
            index: index as u64,
            leaf_hash,
            leaf,
            kind,
            object_type,
            object_id,
            req_id,
        });
        Ok(())
    }

    fn push_node(&mut self, sidx: i64, hash: &[u8]) -> Result<()> {
        let hash = match Hash::try_from(hash) {
            Ok(h) => h,
            Err(_) => hash_of(hash, &format!("node {sidx}"))?,
        };
        self.nodes.push((sidx as u64, hash));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn entry(&self, i: usize) -> EntryRef<'_> {
        let r = &self.rows[i];
        let bytes = |(a, b): Span| &self.bytes[a as usize..b as usize];
        // Spans of text columns were copied from `&str`: slicing them back cannot fail.
        let text = |s: Span| std::str::from_utf8(bytes(s)).unwrap_or_default();
        EntryRef {
            index: r.index,
            leaf: bytes(r.leaf),
            leaf_hash: &r.leaf_hash,
            kind: text(r.kind),
            object_type: r.object_type.map(text),
            object_id: r.object_id.map(text),
            req_id: r.req_id.map(text),
        }
    }
}

/// Pages for `0..size` in order, at most two read ahead. Dropping the receiver stops the reader.
pub(crate) type Pages = mpsc::Receiver<Result<Page>>;

const ENTRIES_SQL: &str = "SELECT idx, leaf, leaf_hash, kind, object_type, object_id, req_id \
     FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx";
const NODES_SQL: &str =
    "SELECT sidx, hash FROM ledger_nodes WHERE sidx >= $1 AND sidx < $2 ORDER BY sidx";

fn ranges(size: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..size.div_ceil(PAGE)).map(move |p| (p * PAGE, ((p + 1) * PAGE).min(size)))
}

impl Store {
    /// Starts reading entries `0..size` and their nodes.
    pub(crate) async fn ledger_pages(&self, size: u64) -> Result<Pages> {
        let (tx, rx) = mpsc::channel(2);
        match self.sqlite_file().await? {
            Some(path) => {
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = sqlite_pages(&path, size, &tx) {
                        let _ = tx.blocking_send(Err(e));
                    }
                });
            }
            None => {
                let store = self.clone();
                tokio::spawn(async move {
                    for (from, to) in ranges(size) {
                        let page = store.pool_page(from, to).await;
                        let failed = page.is_err();
                        if tx.send(page).await.is_err() || failed {
                            return;
                        }
                    }
                });
            }
        }
        Ok(rx)
    }

    /// The file of an SQLite store, `None` for PostgreSQL or an in-memory database.
    async fn sqlite_file(&self) -> Result<Option<String>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let file: Option<String> =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_optional(p)
                .await?;
        Ok(file.filter(|f| !f.is_empty()))
    }

    /// One page through the pool.
    async fn pool_page(&self, from: u64, to: u64) -> Result<Page> {
        type EntryRow = (
            i64,
            Vec<u8>,
            Vec<u8>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let entries: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(ENTRIES_SQL)
            .bind(from as i64).bind(to as i64).fetch_all(p).await)?;
        let nodes: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(NODES_SQL)
            .bind(stored_hash_count(from) as i64).bind(stored_hash_count(to) as i64)
            .fetch_all(p).await)?;
        let mut page = Page::with_capacity(entries.len());
        for (i, leaf, lh, kind, ot, oi, req) in &entries {
            page.push_entry(
                *i,
                leaf,
                lh,
                kind,
                ot.as_deref(),
                oi.as_deref(),
                req.as_deref(),
            )?;
        }
        for (s, h) in &nodes {
            page.push_node(*s, h)?;
        }
        Ok(page)
    }

    /// Stored node rows outside `[0, n)`: with the rows the pages held, the table's row count.
    pub(crate) async fn ledger_nodes_outside(&self, n: u64) -> Result<u64> {
        let c: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM ledger_nodes WHERE sidx < 0) + (SELECT COUNT(*) FROM ledger_nodes WHERE sidx >= $1)")
            .bind(n as i64).fetch_one(p).await)?;
        Ok(c as u64)
    }
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Invalid(qinglian_core::Msg::new(
        "DB_ERROR",
        format!("数据库错误：{e}"),
        format!("database error: {e}"),
    ))
}

/// Reads every page on this (blocking) thread in one read transaction, so the pages are one
/// snapshot, and sends them as they are filled.
fn sqlite_pages(path: &str, size: u64, tx: &mpsc::Sender<Result<Page>>) -> Result<()> {
    use rusqlite::{Connection, OpenFlags};
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sqlite_err)?;
    // Reads straight from the mapped file instead of copying each page into SQLite's cache.
    conn.pragma_update(None, "mmap_size", 1i64 << 34)
        .map_err(sqlite_err)?;
    conn.execute_batch("BEGIN").map_err(sqlite_err)?;
    let mut entries = conn.prepare(ENTRIES_SQL).map_err(sqlite_err)?;
    let mut nodes = conn.prepare(NODES_SQL).map_err(sqlite_err)?;
    for (from, to) in ranges(size) {
        let mut page = Page::with_capacity((to - from) as usize);
        let mut rows = entries
            .query((from as i64, to as i64))
            .map_err(sqlite_err)?;
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            let text = |i: usize| r.get_ref(i).and_then(|v| Ok(v.as_str_or_null()?));
            page.push_entry(
                r.get(0).map_err(sqlite_err)?,
                r.get_ref(1)
                    .and_then(|v| Ok(v.as_bytes()?))
                    .map_err(sqlite_err)?,
                r.get_ref(2)
                    .and_then(|v| Ok(v.as_bytes()?))
                    .map_err(sqlite_err)?,
                r.get_ref(3)
                    .and_then(|v| Ok(v.as_str()?))
                    .map_err(sqlite_err)?,
                text(4).map_err(sqlite_err)?,
                text(5).map_err(sqlite_err)?,
                text(6).map_err(sqlite_err)?,
            )?;
        }
        drop(rows);
        let mut rows = nodes
            .query((stored_hash_count(from) as i64, stored_hash_count(to) as i64))
            .map_err(sqlite_err)?;
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            page.push_node(
                r.get(0).map_err(sqlite_err)?,
                r.get_ref(1)
                    .and_then(|v| Ok(v.as_bytes()?))
                    .map_err(sqlite_err)?,
            )?;
        }
        if tx.blocking_send(Ok(page)).is_err() {
            // Verification stopped early (it found a problem): nothing more to read.
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_log_once() {
        assert_eq!(ranges(0).count(), 0);
        assert_eq!(ranges(1).collect::<Vec<_>>(), [(0, 1)]);
        assert_eq!(ranges(PAGE).collect::<Vec<_>>(), [(0, PAGE)]);
        assert_eq!(
            ranges(2 * PAGE + 1).collect::<Vec<_>>(),
            [(0, PAGE), (PAGE, 2 * PAGE), (2 * PAGE, 2 * PAGE + 1)]
        );
    }

    #[test]
    fn a_page_gives_back_its_rows() {
        let mut page = Page::with_capacity(2);
        page.push_entry(
            7,
            b"{\"kind\":\"k\"}",
            &[1; 32],
            "k",
            None,
            Some("C-1"),
            None,
        )
        .unwrap();
        page.push_entry(
            8,
            b"{}",
            &[2; 32],
            "\u{7EBF}",
            Some("clue"),
            None,
            Some("r"),
        )
        .unwrap();
        page.push_node(3, &[9; 32]).unwrap();
        let bad = page.push_entry(9, b"{}", &[2; 31], "k", None, None, None);
        assert_eq!(bad.unwrap_err().code(), "LEDGER_CORRUPT");
        assert!(page.push_node(4, &[9; 33]).is_err());
        assert_eq!(page.len(), 2);
        let e = page.entry(1).to_owned();
        assert_eq!(
            (e.index, e.leaf.as_slice(), e.leaf_hash, e.kind.as_str()),
            (8, b"{}".as_slice(), [2; 32], "\u{7EBF}")
        );
        assert_eq!(
            (e.object_type.as_deref(), e.object_id, e.req_id.as_deref()),
            (Some("clue"), None, Some("r"))
        );
        let e = page.entry(0);
        assert_eq!(
            (e.index, e.object_id, e.leaf_hash),
            (7, Some("C-1"), &[1; 32])
        );
        assert_eq!(page.nodes, [(3, [9; 32])]);
    }
}
