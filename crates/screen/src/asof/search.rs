//! The search behind `asof_neighbours`: probes sorted per key in memory, references streamed.
//!
//! A reference at time `t` is the latest one at or before every probe of its key from the first
//! probe with time ≥ `t` on, and the earliest one after every probe before that. So each
//! reference is offered to one slot per direction (found by a binary search), each slot keeps
//! the best offer, and a running maximum (minimum) along each key's sorted probes finishes the
//! job. Nothing depends on the order references arrive in, and no window is needed.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, UInt32Array, make_comparator,
    new_empty_array,
};
use datafusion::arrow::compute::{SortOptions, cast, interleave, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Int64Type, TimeUnit};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::{Result as DFResult, exec_err};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// A found reference: (stored batch, row). `NONE` means there is none.
pub(crate) type Loc = u64;
pub(crate) const NONE: Loc = u64::MAX;
/// Chosen within the batch being scanned; the row is in the low half.
const PENDING: u64 = (u32::MAX as u64 - 1) << 32;
const LOW: u64 = u32::MAX as u64;

fn loc(batch: usize, row: usize) -> Loc {
    ((batch as u64) << 32) | row as u64
}

fn is_pending(l: Loc) -> bool {
    l != NONE && l & !LOW == PENDING
}

/// Times as microseconds since the epoch (timestamps of any unit or zone, dates).
pub(crate) fn micros(a: &ArrayRef) -> DFResult<Int64Array> {
    let ts = match a.data_type() {
        DataType::Timestamp(_, tz) => {
            cast(a, &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()))?
        }
        DataType::Date32 | DataType::Date64 => {
            cast(a, &DataType::Timestamp(TimeUnit::Microsecond, None))?
        }
        other => {
            return exec_err!(
                "asof_neighbours: a time column must be a timestamp or a date, not {other}"
            );
        }
    };
    Ok(cast(&ts, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

/// The probes of every key, sorted by time.
pub(crate) struct ProbeIndex {
    converter: RowConverter,
    /// Key (row-encoded) → range of sorted positions.
    ranges: HashMap<Box<[u8]>, (u32, u32)>,
    /// Time at each sorted position.
    times: Vec<i64>,
    /// Probe row at each sorted position.
    rows: Vec<u32>,
}

impl ProbeIndex {
    pub(crate) fn build(key: &ArrayRef, time: &ArrayRef) -> DFResult<ProbeIndex> {
        if key.len() > u32::MAX as usize - 2 {
            return exec_err!("asof_neighbours: too many probe rows ({})", key.len());
        }
        let converter = RowConverter::new(vec![SortField::new(key.data_type().clone())])?;
        let keys = converter.convert_columns(std::slice::from_ref(key))?;
        let t = micros(time)?;
        let mut ids: HashMap<Box<[u8]>, u32> = HashMap::new();
        let mut entries: Vec<(u32, i64, u32)> = Vec::with_capacity(key.len());
        for i in 0..key.len() {
            if key.is_null(i) || t.is_null(i) {
                continue;
            }
            let k = keys.row(i);
            let next = ids.len() as u32;
            let id = match ids.get(k.as_ref()) {
                Some(&id) => id,
                None => {
                    ids.insert(k.as_ref().into(), next);
                    next
                }
            };
            entries.push((id, t.value(i), i as u32));
        }
        entries.sort_unstable();
        let mut bounds = vec![(0u32, 0u32); ids.len()];
        let mut start = 0;
        while start < entries.len() {
            let id = entries[start].0;
            let end = start + entries[start..].partition_point(|e| e.0 == id);
            bounds[id as usize] = (start as u32, end as u32);
            start = end;
        }
        let ranges = ids
            .into_iter()
            .map(|(k, id)| (k, bounds[id as usize]))
            .collect();
        Ok(ProbeIndex {
            converter,
            ranges,
            times: entries.iter().map(|e| e.1).collect(),
            rows: entries.iter().map(|e| e.2).collect(),
        })
    }

    /// Sorted positions (probes with a key and a time).
    pub(crate) fn len(&self) -> usize {
        self.times.len()
    }

    /// Bytes held, for the memory pool.
    pub(crate) fn size(&self) -> usize {
        self.times.capacity() * 12 + self.ranges.len() * 48
    }
}

/// Gathered reference columns, and per direction each probe's row in them (None: no reference).
pub(crate) type Gathered = (Vec<ArrayRef>, Vec<Vec<Option<u32>>>);

/// The best offer each slot received from the references one task scanned.
pub(crate) struct Found {
    prev_t: Vec<i64>,
    prev_at: Vec<Loc>,
    next_t: Vec<i64>,
    next_at: Vec<Loc>,
    /// The references kept: only rows that were some slot's best when their batch ended.
    pub(crate) store: Vec<RecordBatch>,
}

impl Found {
    pub(crate) fn new(slots: usize) -> Found {
        Found {
            prev_t: vec![i64::MIN; slots],
            prev_at: vec![NONE; slots],
            next_t: vec![i64::MAX; slots],
            next_at: vec![NONE; slots],
            store: Vec::new(),
        }
    }

    /// Bytes held per slot, for the memory pool.
    pub(crate) const SLOT_BYTES: usize = 32;

    /// Offers every row of one reference batch (`key`, `time` are column indices).
    pub(crate) fn offer(
        &mut self,
        index: &ProbeIndex,
        batch: &RecordBatch,
        key: usize,
        time: usize,
    ) -> DFResult<()> {
        let keys = index
            .converter
            .convert_columns(std::slice::from_ref(batch.column(key)))?;
        let t = micros(batch.column(time))?;
        let key_col = batch.column(key);
        let mut touched: Vec<(u32, bool)> = Vec::new();
        // References usually come in runs of one key: look the key up once per run.
        let mut last: Option<(usize, Option<(u32, u32)>)> = None;
        for r in 0..batch.num_rows() {
            if key_col.is_null(r) || t.is_null(r) {
                continue;
            }
            let k = keys.row(r);
            let range = match last {
                Some((lr, range)) if keys.row(lr) == k => range,
                _ => {
                    let range = index.ranges.get(k.as_ref()).copied();
                    last = Some((r, range));
                    range
                }
            };
            let Some((s, e)) = range else { continue };
            let (s, e) = (s as usize, e as usize);
            let tr = t.value(r);
            let pos = s + index.times[s..e].partition_point(|&x| x < tr);
            if pos < e {
                self.consider(true, pos, tr, batch, r, &mut touched)?;
            }
            if pos > s {
                self.consider(false, pos - 1, tr, batch, r, &mut touched)?;
            }
        }
        self.settle(batch, touched)
    }

    fn consider(
        &mut self,
        prev: bool,
        slot: usize,
        tr: i64,
        batch: &RecordBatch,
        r: usize,
        touched: &mut Vec<(u32, bool)>,
    ) -> DFResult<()> {
        let (times, at) = if prev {
            (&mut self.prev_t, &mut self.prev_at)
        } else {
            (&mut self.next_t, &mut self.next_at)
        };
        let better = if prev {
            tr > times[slot]
        } else {
            tr < times[slot]
        };
        let wins = better
            || (tr == times[slot] && {
                let held = at[slot];
                let (hb, hr) = if is_pending(held) {
                    (batch, (held & LOW) as usize)
                } else {
                    (&self.store[(held >> 32) as usize], (held & LOW) as usize)
                };
                rows_cmp(batch, r, hb, hr)? == Ordering::Less
            });
        if wins {
            if !is_pending(at[slot]) {
                touched.push((slot as u32, prev));
            }
            times[slot] = tr;
            at[slot] = PENDING | r as u64;
        }
        Ok(())
    }

    /// Keeps the rows of `batch` that are still some slot's best, and points the slots at them.
    fn settle(&mut self, batch: &RecordBatch, touched: Vec<(u32, bool)>) -> DFResult<()> {
        if touched.is_empty() {
            return Ok(());
        }
        let at = |f: &Found, slot: u32, prev: bool| {
            if prev {
                f.prev_at[slot as usize]
            } else {
                f.next_at[slot as usize]
            }
        };
        let mut rows: Vec<u32> = touched
            .iter()
            .map(|&(s, p)| (at(self, s, p) & LOW) as u32)
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let kept = compact_views(take_record_batch(batch, &UInt32Array::from(rows.clone()))?)?;
        let id = self.store.len();
        self.store.push(kept);
        for (s, p) in touched {
            let r = (at(self, s, p) & LOW) as u32;
            let i = rows.binary_search(&r).expect("a kept row");
            let target = if p {
                &mut self.prev_at
            } else {
                &mut self.next_at
            };
            target[s as usize] = loc(id, i);
        }
        Ok(())
    }

    /// Combines what several tasks found: per slot the better offer.
    pub(crate) fn merge(parts: Vec<Found>) -> DFResult<Option<Found>> {
        let mut parts = parts.into_iter();
        let Some(mut acc) = parts.next() else {
            return Ok(None);
        };
        for part in parts {
            let offset = acc.store.len() as u64;
            let shift = |l: Loc| if l == NONE { NONE } else { l + (offset << 32) };
            acc.store.extend(part.store);
            for s in 0..acc.prev_t.len() {
                for prev in [true, false] {
                    let (pt, pa, at, aa) = if prev {
                        (
                            part.prev_t[s],
                            part.prev_at[s],
                            &mut acc.prev_t,
                            &mut acc.prev_at,
                        )
                    } else {
                        (
                            part.next_t[s],
                            part.next_at[s],
                            &mut acc.next_t,
                            &mut acc.next_at,
                        )
                    };
                    if pa == NONE {
                        continue;
                    }
                    let pa = shift(pa);
                    let better = if prev { pt > at[s] } else { pt < at[s] };
                    let wins = better
                        || (pt == at[s]
                            && aa[s] != NONE
                            && rows_cmp(
                                &acc.store[(pa >> 32) as usize],
                                (pa & LOW) as usize,
                                &acc.store[(aa[s] >> 32) as usize],
                                (aa[s] & LOW) as usize,
                            )? == Ordering::Less);
                    if wins {
                        at[s] = pt;
                        aa[s] = pa;
                    }
                }
            }
        }
        Ok(Some(acc))
    }

    /// Per probe row (`rows` of them): its previous and next reference. Slots hold offers for
    /// one position only; the best at or before (after) a position is a running maximum
    /// (minimum) along its key's probes. Offers to different slots of a key never tie in time.
    pub(crate) fn spread(&self, index: &ProbeIndex, rows: usize) -> (Vec<Loc>, Vec<Loc>) {
        let mut prev = vec![NONE; rows];
        let mut next = vec![NONE; rows];
        for &(s, e) in index.ranges.values() {
            let (s, e) = (s as usize, e as usize);
            let (mut bt, mut ba) = (i64::MIN, NONE);
            for j in s..e {
                if self.prev_at[j] != NONE && self.prev_t[j] > bt {
                    (bt, ba) = (self.prev_t[j], self.prev_at[j]);
                }
                prev[index.rows[j] as usize] = ba;
            }
            let (mut bt, mut ba) = (i64::MAX, NONE);
            for j in (s..e).rev() {
                if self.next_at[j] != NONE && self.next_t[j] < bt {
                    (bt, ba) = (self.next_t[j], self.next_at[j]);
                }
                next[index.rows[j] as usize] = ba;
            }
        }
        (prev, next)
    }

    /// The referenced rows gathered into one column per requested reference column, and each
    /// location's index into them (None where there is none).
    pub(crate) fn gather(
        &self,
        columns: &[(usize, DataType)],
        locs: &[&[Loc]],
    ) -> DFResult<Gathered> {
        let mut used: Vec<Loc> = locs
            .iter()
            .flat_map(|l| l.iter().copied())
            .filter(|&l| l != NONE)
            .collect();
        used.sort_unstable();
        used.dedup();
        let pairs: Vec<(usize, usize)> = used
            .iter()
            .map(|&l| ((l >> 32) as usize, (l & LOW) as usize))
            .collect();
        let mut out = Vec::with_capacity(columns.len());
        for (c, data_type) in columns {
            let arrays: Vec<&dyn Array> =
                self.store.iter().map(|b| b.column(*c).as_ref()).collect();
            out.push(if pairs.is_empty() {
                new_empty_array(data_type)
            } else {
                compact(&interleave(&arrays, &pairs)?)
            });
        }
        let idx = locs
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&x| (x != NONE).then(|| used.binary_search(&x).expect("gathered") as u32))
                    .collect()
            })
            .collect();
        Ok((out, idx))
    }
}

/// The batch with every string or binary view column holding only the bytes its rows use.
pub(crate) fn compact_views(batch: RecordBatch) -> DFResult<RecordBatch> {
    if !batch
        .columns()
        .iter()
        .any(|c| matches!(c.data_type(), DataType::Utf8View | DataType::BinaryView))
    {
        return Ok(batch);
    }
    let columns = batch.columns().iter().map(compact).collect();
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// A string or binary view column holding only the bytes its rows use (others unchanged): a
/// filtered, taken or interleaved view keeps its sources' whole buffers alive and counted.
pub(crate) fn compact(c: &ArrayRef) -> ArrayRef {
    match c.data_type() {
        DataType::Utf8View => Arc::new(c.as_string_view().gc()),
        DataType::BinaryView => Arc::new(c.as_binary_view().gc()),
        _ => Arc::clone(c),
    }
}

/// Orders two reference rows by all their columns: the tie-break between references of one key
/// at the same instant, so the result does not depend on the order they were read in.
fn rows_cmp(a: &RecordBatch, ai: usize, b: &RecordBatch, bi: usize) -> DFResult<Ordering> {
    for c in 0..a.num_columns() {
        let o = make_comparator(
            a.column(c).as_ref(),
            b.column(c).as_ref(),
            SortOptions::default(),
        )?(ai, bi);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}
