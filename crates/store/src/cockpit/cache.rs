//! A read-through cache for the cockpit's aggregates, keyed by the exact SQL and binds a
//! result depends on and valid for one ledger size.
//!
//! Every state change the cockpit counts (imports, screening runs, decisions, clue and
//! rectification steps, letters, users) commits together with its ledger entry, so the
//! ledger's size is a generation number for everything these queries read: while it stays the
//! same, the same query gives the same rows. Concurrent requests for the same key wait for one
//! computation instead of running it a hundred times (single flight); failures are not cached.
//!
//! The size itself is read from the database at most every [`POLL`]: every ledger commit of
//! this process (through any store) bumps a counter, and a reading taken before the counter
//! moved is not used again. So this process's own writes show at once, and writes by other
//! processes (a command-line import, another server on the same database) within [`POLL`].

use crate::ledger::LOG_ID;
use crate::{Result, Store, on_pool};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

type Value = Arc<dyn Any + Send + Sync>;
type Slot = Arc<OnceCell<Value>>;

/// Entries kept for one generation before the map is emptied (keys are per jurisdiction and
/// page, so this bounds memory without an eviction policy).
const MAX_ENTRIES: usize = 4096;

/// How long a ledger size read from the database stands for the current one while this
/// process writes nothing: the bound on how late another process's writes show.
pub const POLL: Duration = Duration::from_millis(250);

/// Ledger commits made by this process, through any store.
static LOCAL_WRITES: AtomicU64 = AtomicU64::new(0);

/// Called by the ledger writer after each commit (before the appender hears of it).
pub(crate) fn note_write() {
    LOCAL_WRITES.fetch_add(1, Ordering::SeqCst);
}

#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
    /// The last ledger size read: (size, `LOCAL_WRITES` before the read, when).
    seen: Mutex<Option<(i64, u64, Instant)>>,
}

#[derive(Default)]
struct Inner {
    generation: i64,
    slots: HashMap<String, Slot>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("generation", &self.generation)
            .field("entries", &self.slots.len())
            .finish()
    }
}

impl ReadCache {
    /// The slot for `key` in `generation`, dropping every older generation's entries.
    fn slot(&self, generation: i64, key: String) -> Slot {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation || inner.slots.len() >= MAX_ENTRIES {
            inner.generation = generation;
            inner.slots.clear();
        }
        inner.slots.entry(key).or_default().clone()
    }

    /// The last size read, if this process has not written since and it is younger than
    /// [`POLL`].
    fn fresh(&self) -> Option<i64> {
        let seen = *self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.and_then(|(size, writes, at)| {
            (writes == LOCAL_WRITES.load(Ordering::SeqCst) && at.elapsed() < POLL).then_some(size)
        })
    }

    fn remember(&self, size: i64, writes: u64, at: Instant) {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some((size, writes, at));
    }
}

impl Store {
    /// The ledger's size: the generation every cached read is valid for (−1 before `init`).
    /// Read from the database at most every [`POLL`] unless this process wrote to the ledger
    /// since (see the module's documentation); callers outside the store key their own caches
    /// (rendered pages, sessions) by it.
    pub async fn generation(&self) -> Result<i64> {
        if let Some(size) = self.cache.fresh() {
            return Ok(size);
        }
        // Counted before the read: a commit during the read makes this reading unusable.
        let writes = LOCAL_WRITES.load(Ordering::SeqCst);
        let at = Instant::now();
        let size: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT size FROM ledger_state WHERE log_id = $1")
            .bind(LOG_ID)
            .fetch_optional(p)
            .await)?;
        let size = size.unwrap_or(-1);
        self.cache.remember(size, writes, at);
        Ok(size)
    }

    /// `compute()`'s result for `key` at the current generation, computed at most once per
    /// generation however many callers ask at the same time. `key` must name everything the
    /// result depends on besides the stored data (the SQL, its binds, the time bucket).
    pub(crate) async fn memo<T, F, Fut>(&self, key: String, compute: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let generation = self.generation().await?;
        let slot = self.cache.slot(generation, key);
        let v = slot
            .get_or_try_init(|| async { compute().await.map(|v| Arc::new(v) as Value) })
            .await?;
        Ok(v.downcast_ref::<T>()
            .expect("one key, one result type")
            .clone())
    }
}

/// `now` rounded down to the minute: time-dependent figures (overdue items, this month's
/// trend) are cached for at most a minute.
pub(crate) fn minute(now: i64) -> i64 {
    now - now.rem_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_generation_empties_the_cache() {
        let c = ReadCache::default();
        let a = c.slot(1, "k".into());
        assert!(
            Arc::ptr_eq(&a, &c.slot(1, "k".into())),
            "same generation, same slot"
        );
        assert!(
            !Arc::ptr_eq(&a, &c.slot(2, "k".into())),
            "new generation, new slot"
        );
        assert_eq!(minute(125), 120);
        assert_eq!(minute(-1), -60);
    }

    #[test]
    fn a_size_read_stands_until_this_process_writes_or_it_ages() {
        let c = ReadCache::default();
        assert_eq!(c.fresh(), None, "nothing read yet");
        let w = LOCAL_WRITES.load(Ordering::SeqCst);
        c.remember(7, w, Instant::now());
        let got = c.fresh();
        // Other tests of this process may commit meanwhile; then the reading is rightly dropped.
        if LOCAL_WRITES.load(Ordering::SeqCst) == w {
            assert_eq!(got, Some(7));
        }
        note_write();
        assert_eq!(c.fresh(), None, "a commit of this process");
        let w = LOCAL_WRITES.load(Ordering::SeqCst);
        c.remember(8, w, Instant::now() - POLL);
        assert_eq!(c.fresh(), None, "older than the poll interval");
    }
}
