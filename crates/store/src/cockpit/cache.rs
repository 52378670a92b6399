//! A read-through cache for the cockpit's aggregates, keyed by the exact SQL and binds a
//! result depends on and valid for one ledger size.
//!
//! Every state change the cockpit counts (imports, screening runs, decisions, clue and
//! rectification steps, letters) commits together with its ledger entry, so the ledger's size
//! is a generation number for everything these queries read: while it stays the same, the same
//! query gives the same rows. Reading it is one single-row query, against the 0.1–1 s a
//! province rollup costs. Concurrent requests for the same key wait for one computation
//! instead of running it a hundred times (single flight); failures are not cached.

use crate::ledger::LOG_ID;
use crate::{Result, Store, on_pool};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Value = Arc<dyn Any + Send + Sync>;
type Slot = Arc<OnceCell<Value>>;

/// Entries kept for one generation before the map is emptied (keys are per jurisdiction and
/// page, so this bounds memory without an eviction policy).
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
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
}

impl Store {
    /// The ledger's size: the generation every cached read is valid for (−1 before `init`).
    pub(crate) async fn generation(&self) -> Result<i64> {
        let size: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT size FROM ledger_state WHERE log_id = $1")
            .bind(LOG_ID)
            .fetch_optional(p)
            .await)?;
        Ok(size.unwrap_or(-1))
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
}
