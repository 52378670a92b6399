//! Duty shifts and patrol tracks. A patrol is a pair of officers moving along the street grid
//! around their squad's base (walking or on an e-bike, 5–16 km/h) with a GPS fix every ten
//! minutes, stopping at places for 10–20 minutes; both members' terminals record the track.

use super::roster::{BLOCK, HALF};
use super::*;

/// Seconds between GPS fixes.
pub(super) const FIX_EVERY: i64 = 600;

impl County<'_> {
    /// Every day of the year: patrol pairs, one officer on call, the rest at the desk.
    pub(super) fn schedule(&mut self) {
        for d in year_days() {
            for s in 0..self.squads.len() {
                let members = self.squads[s].officers.clone();
                let avail: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&o| self.on_duty(o, d))
                    .collect();
                let rot = d.ordinal0() as usize;
                let mut sworn: Vec<usize> = avail
                    .iter()
                    .copied()
                    .filter(|&o| self.officers[o].sworn)
                    .collect();
                let mut aux: Vec<usize> = avail
                    .iter()
                    .copied()
                    .filter(|&o| !self.officers[o].sworn)
                    .collect();
                if !sworn.is_empty() {
                    let r = rot % sworn.len();
                    sworn.rotate_left(r);
                }
                if !aux.is_empty() {
                    let r = rot % aux.len();
                    aux.rotate_left(r);
                }
                let mut rest: Vec<usize> = Vec::new();
                let mut pairs: Vec<(usize, usize)> = Vec::new();
                if sworn.len() >= 2 {
                    pairs.push((sworn[0], sworn[1]));
                    sworn.drain(..2);
                }
                if !weekend(d) && !sworn.is_empty() {
                    if let Some(x) = aux.pop() {
                        pairs.push((sworn.remove(0), x));
                    } else if sworn.len() >= 2 {
                        pairs.push((sworn[0], sworn[1]));
                        sworn.drain(..2);
                    }
                }
                rest.extend(sworn);
                rest.extend(aux);
                for (i, (a, b)) in pairs.into_iter().enumerate() {
                    let start = match (i, weekend(d), d.weekday()) {
                        (0, true, _) => 9 * 3600,
                        (0, false, _) => 8 * 3600 + 1800,
                        (_, _, Weekday::Fri) => 18 * 3600 + 1800,
                        _ => 14 * 3600,
                    } + self.rng.random_range(0..=15) * 60;
                    let fixes = self.rng.random_range(21..=27);
                    self.patrol(s, d, a, b, at(d, start), fixes);
                }
                for (i, o) in rest.into_iter().enumerate() {
                    let (kind, start, end) = if i == 0 {
                        // Overnight, the year's last night cut at midnight (data end with 2025).
                        let end = if d == ymd(2025, 12, 31) {
                            at(d, 24 * 3600 - 1)
                        } else {
                            at(d, 32 * 3600 + 1800)
                        };
                        (ShiftKind::OnCall, at(d, 17 * 3600 + 1800), end)
                    } else if weekend(d) {
                        continue;
                    } else {
                        (
                            ShiftKind::Desk,
                            at(d, 8 * 3600 + 1800),
                            at(d, 17 * 3600 + 1800),
                        )
                    };
                    self.shift(o, kind, start, end);
                }
            }
        }
    }

    pub(super) fn shift(
        &mut self,
        o: usize,
        kind: ShiftKind,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> usize {
        let id = self.id("BC", 6);
        self.out.shifts.push(Shift {
            shift_id: id,
            officer_id: self.oid(o),
            kind,
            start_at: start,
            end_at: end,
        });
        self.out.shifts.len() - 1
    }

    fn jitter(&mut self, r: f64) -> f64 {
        self.rng.random_range(-r..=r)
    }

    /// One patrol of pair (a, b): two shifts, two tracks, and the stops.
    fn patrol(
        &mut self,
        s: usize,
        d: NaiveDate,
        a: usize,
        b: usize,
        start: NaiveDateTime,
        intervals: i64,
    ) {
        let end = start + Duration::seconds(intervals * FIX_EVERY);
        let sa = self.shift(a, ShiftKind::Patrol, start, end);
        let sb = self.shift(b, ShiftKind::Patrol, start, end);
        self.patrol_of.insert((a, d), sa);
        self.patrol_of.insert((b, d), sb);
        let times: Vec<NaiveDateTime> = (0..=intervals)
            .map(|k| {
                let j = if k == 0 {
                    self.rng.random_range(0..=10)
                } else if k == intervals {
                    self.rng.random_range(-15..=0)
                } else {
                    self.rng.random_range(-15..=15)
                };
                start + Duration::seconds(k * FIX_EVERY + j)
            })
            .collect();
        let speed = self.rng.random_range(1.4..4.2);
        let plane = self.squads[s].plane;
        let mut pos = (0i64, 0i64);
        let mut heading = self.rng.random_range(0..4u8);
        // Positions (metres) of each fix.
        let mut track: Vec<(f64, f64)> = Vec::with_capacity(times.len());
        track.push((self.jitter(4.0), self.jitter(4.0)));
        let mut moving_left = self.rng.random_range(1..=3);
        let mut k = 1usize;
        let n = intervals as usize;
        while k <= n {
            let dt = (times[k] - times[k - 1]).num_seconds() as f64;
            self.walk(&mut pos, &mut heading, (speed * dt) as i64);
            moving_left -= 1;
            let len = self.rng.random_range(1..=2usize);
            if moving_left == 0 && k + len < n {
                // Stop at a shop front beside the street.
                let side = if self.rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let off = self.rng.random_range(8.0..20.0) * side;
                let (px, py) = if heading.is_multiple_of(2) {
                    (pos.0 as f64, pos.1 as f64 + off)
                } else {
                    (pos.0 as f64 + off, pos.1 as f64)
                };
                for _ in 0..=len {
                    track.push((px + self.jitter(6.0), py + self.jitter(6.0)));
                }
                let place = self.place_text(s, pos, heading, off > 0.0);
                let (lon, lat) = plane.lonlat(px, py);
                self.stops.push(Stop {
                    squad: s,
                    day: d,
                    a,
                    b,
                    shift_a: sa,
                    shift_b: sb,
                    t_in: times[k],
                    t_out: times[k + len],
                    lon,
                    lat,
                    place,
                    reserved: false,
                });
                k += len + 1;
                moving_left = self.rng.random_range(1..=3);
            } else {
                track.push((
                    pos.0 as f64 + self.jitter(4.0),
                    pos.1 as f64 + self.jitter(4.0),
                ));
                k += 1;
                if moving_left == 0 {
                    moving_left = 1;
                }
            }
        }
        for (o, shift, lag) in [(a, sa, 0), (b, sb, self.rng.random_range(1..=20))] {
            let first = self.out.gps.len();
            let id: std::sync::Arc<str> = self.oid(o).into();
            for (t, (x, y)) in times.iter().zip(&track) {
                let (x, y) = if lag == 0 {
                    (*x, *y)
                } else {
                    (x + self.jitter(5.0), y + self.jitter(5.0))
                };
                let (lon, lat) = plane.lonlat(x, y);
                let t = (*t + Duration::seconds(lag)).min(end);
                self.out.gps.push(GpsPoint {
                    officer_id: id.clone(),
                    recorded_at: t,
                    longitude: lon,
                    latitude: lat,
                });
            }
            self.gps_of_shift.insert(shift, (first, self.out.gps.len()));
        }
    }

    /// Moves `dist` metres along the grid, turning at crossings and staying inside it.
    fn walk(&mut self, pos: &mut (i64, i64), heading: &mut u8, mut dist: i64) {
        const DIRS: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];
        let bound = HALF * BLOCK;
        while dist > 0 {
            let (dx, dy) = DIRS[*heading as usize];
            let coord = if dx != 0 { pos.0 } else { pos.1 };
            let sign = dx + dy;
            let r = coord.rem_euclid(BLOCK);
            let to_next = if sign > 0 {
                BLOCK - r
            } else if r == 0 {
                BLOCK
            } else {
                r
            };
            let step = dist.min(to_next);
            pos.0 += dx * step;
            pos.1 += dy * step;
            dist -= step;
            if step == to_next {
                let r: f64 = self.rng.random();
                let mut h = if r < 0.6 {
                    *heading
                } else if r < 0.8 {
                    (*heading + 1) % 4
                } else {
                    (*heading + 3) % 4
                };
                for _ in 0..4 {
                    let (dx, dy) = DIRS[h as usize];
                    let nx = pos.0 + dx * BLOCK;
                    let ny = pos.1 + dy * BLOCK;
                    if nx.abs() <= bound && ny.abs() <= bound {
                        break;
                    }
                    h = (h + 1) % 4;
                }
                *heading = h;
            }
        }
    }

    fn place_text(&self, s: usize, pos: (i64, i64), heading: u8, odd: bool) -> String {
        let sq = &self.squads[s];
        let idx = |c: i64| ((c.div_euclid(BLOCK) + HALF).clamp(0, 2 * HALF)) as usize;
        let (road, along) = if heading.is_multiple_of(2) {
            (&sq.ew[idx(pos.1)], pos.0)
        } else {
            (&sq.ns[idx(pos.0)], pos.1)
        };
        let n = (along + HALF * BLOCK) / 12 * 2 + 2 + i64::from(odd);
        format!("{}{road}{n}号", sq.town_name)
    }

    /// Inspections recorded per patrol hour, per officer and month (officer-months with at
    /// least `min` patrol shifts): (officer, month, inspections, hours).
    fn patrol_rates(&self, min: usize) -> Vec<(usize, u32, usize, f64)> {
        let index: HashMap<&str, usize> = self
            .officers
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect();
        let mut shifts: HashMap<(usize, u32), (usize, f64)> = HashMap::new();
        for s in self
            .out
            .shifts
            .iter()
            .filter(|s| s.kind == ShiftKind::Patrol)
        {
            let e = shifts
                .entry((index[s.officer_id.as_str()], s.start_at.month()))
                .or_default();
            e.0 += 1;
            e.1 += (s.end_at - s.start_at).num_seconds() as f64 / 3600.0;
        }
        let mut count: HashMap<(usize, u32), usize> = HashMap::new();
        for i in &self.out.inspections {
            *count
                .entry((index[i.officer_id.as_str()], i.occurred_at.month()))
                .or_default() += 1;
        }
        let mut out: Vec<(usize, u32, usize, f64)> = shifts
            .into_iter()
            .filter(|(_, (n, _))| *n >= min)
            .map(|((o, m), (_, h))| (o, m, count.get(&(o, m)).copied().unwrap_or(0), h))
            .collect();
        out.sort_by_key(|a| (a.1, a.0));
        out
    }

    /// Keeps every background officer-month clear of LE-S01's lower fence (Q1 − 1.5·IQR of
    /// the unit's officer-months with at least ten patrols, with or without the officer):
    /// a month that falls short gets the inspections a diligent month would have had.
    pub(super) fn top_up_inspections(&mut self) {
        for _ in 0..8 {
            let rates = self.patrol_rates(10);
            let mut short: Vec<(usize, u32, usize)> = Vec::new();
            for m in 1..=12 {
                let peers: Vec<&(usize, u32, usize, f64)> =
                    rates.iter().filter(|r| r.1 == m).collect();
                for (k, &&(o, _, n, h)) in peers.iter().enumerate() {
                    if self.officers[o].idle_months.contains(&m) {
                        continue;
                    }
                    let mut need: f64 = 0.0;
                    for with_self in [true, false] {
                        let mut v: Vec<f64> = peers
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| with_self || *j != k)
                            .map(|(_, r)| r.2 as f64 / r.3)
                            .collect();
                        if v.len() < 5 {
                            continue;
                        }
                        v.sort_by(f64::total_cmp);
                        let (q1, q3) = (quartile(&v, 0.25), quartile(&v, 0.75));
                        need = need.max(q1 - 1.4 * (q3 - q1));
                    }
                    let want = (need * h).ceil() as usize;
                    if n == 0 || n < want {
                        short.push((o, m, want.max(1) - n));
                    }
                }
            }
            if short.is_empty() {
                return;
            }
            for (o, m, add) in short {
                let mine: Vec<usize> = (0..self.stops.len())
                    .filter(|&i| {
                        let s = &self.stops[i];
                        (s.a == o || s.b == o) && s.day.month() == m
                    })
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                for _ in 0..add {
                    let st = self.stops[mine[self.rng.random_range(0..mine.len())]].clone();
                    let shift = if st.a == o { st.shift_a } else { st.shift_b };
                    let span = (st.t_out - st.t_in).num_seconds() - 60;
                    let t = st.t_in + self.secs(30, span);
                    self.inspection(o, shift, &st, t, InspectionResult::NoProblem, None);
                }
            }
        }
    }
}

/// Inclusive linear quantile of sorted values (as the indicators' `peer_q1`/`peer_q3`).
fn quartile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}
