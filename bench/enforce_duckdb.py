#!/usr/bin/env python3
"""DuckDB side of the enforcement benchmark (crates/enforce/benches/enforce.rs).

Usage: bench/enforce_duckdb.py DATA_DIR/enforce-bench.json [--threads N]

Date-times are in the lake as Parquet INT64 seconds since the epoch (Arrow's second unit has no
Parquet logical type), so the SQL compares them with the period's bounds as numbers.

Reads the spec the Rust bench wrote (the Parquet files of each dataset, the period, the cut-off
for judging deadlines and the rows Qinglian computed), runs the officer workload table as one SQL
query over the same files with the rules of crates/enforce/src/workload.rs (time limits with
clock-stops, evidence coverage, merged patrol windows, GPS path without jumps, inspections,
complaints, rank in squad and peer percentile), three times, and prints the best time, the
ratio to Qinglian's best, and how many officers' numbers differ.
"""

import json
import sys
import time

import duckdb

SQL = """
WITH
stops AS (
  SELECT case_id, SUM(datediff('day', start_date, end_date) + 1) AS d
  FROM le_clock_stops GROUP BY case_id
),
c AS (
  SELECT c.case_id, c.lead_officer_id AS o, c.case_type AS t,
         c.received_at AS rec, c.registered_at AS reg,
         c.decided_at AS dec, c.closed_at AS clo,
         COALESCE(c.extension_approval_no, '') <> '' AS ext,
         CASE WHEN c.case_type = 'incident' THEN 0 ELSE COALESCE(s.d, 0) END AS sd
  FROM le_cases c LEFT JOIN stops s USING (case_id)
  WHERE c.received_at < $E AND (c.closed_at IS NULL OR c.closed_at >= $S)
),
cl AS (
  SELECT *,
    CASE t
      WHEN 'incident' THEN rec + 24 * 3600
      WHEN 'admin_penalty' THEN CASE WHEN reg IS NULL THEN NULL ELSE
        floor((reg + 28800) / 86400) * 86400
          + (90 + CASE WHEN ext THEN 30 ELSE 0 END + sd + 1) * 86400 - 28800 END
      WHEN 'public_security' THEN
        floor((rec + 28800) / 86400) * 86400
          + (30 + CASE WHEN ext THEN 30 ELSE 0 END + sd + 1) * 86400 - 28800
    END AS deadline,
    CASE WHEN t = 'incident' THEN clo ELSE COALESCE(dec, clo) END AS fin
  FROM c
),
cj AS (
  SELECT *,
    deadline IS NOT NULL
      AND LEAST(COALESCE(fin, deadline), deadline) >= $S
      AND LEAST(COALESCE(fin, deadline), deadline) < $E
      AND LEAST(COALESCE(fin, deadline), deadline) <= $AS_OF AS judged,
    fin IS NOT NULL AND fin <= deadline AS ontime
  FROM cl
),
ca AS (
  SELECT o,
    count(*) FILTER (WHERE t = 'incident' AND rec >= $S AND rec < $E) AS ir,
    count(*) FILTER (WHERE t = 'incident' AND clo >= $S AND clo < $E) AS ic,
    count(*) FILTER (WHERE t <> 'incident' AND reg >= $S AND reg < $E) AS cr,
    count(*) FILTER (WHERE t <> 'incident' AND clo >= $S AND clo < $E) AS cc,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE judged AND ontime) AS ot,
    median((clo - rec) / 3600.0) FILTER (WHERE t = 'incident' AND clo >= $S AND clo < $E) AS mh,
    median((clo - rec) / 86400.0) FILTER (WHERE t <> 'incident' AND clo >= $S AND clo < $E) AS md
  FROM cj WHERE t IN ('incident', 'admin_penalty', 'public_security') GROUP BY o
),
ev AS (
  SELECT event_id, officer_id AS o, co_officer_id AS co, occurred_at AS t
  FROM le_case_events
  WHERE on_site AND occurred_at >= $S AND occurred_at < $E
),
av AS (
  SELECT officer_id AS o, event_id, start_at AS s, end_at AS e
  FROM le_av_evidence WHERE start_at < $E AND end_at >= $S
),
linked AS (SELECT DISTINCT event_id FROM av WHERE event_id IS NOT NULL AND event_id <> ''),
-- Two equi-joins, not one join on (lead OR co-officer): an OR in the join key makes DuckDB
-- fall back to a nested loop, which at design volume does not finish.
by_time AS (
  SELECT ev.event_id FROM ev JOIN av ON av.o = ev.o AND av.s <= ev.t AND av.e >= ev.t
  UNION
  SELECT ev.event_id FROM ev JOIN av ON av.o = ev.co AND av.s <= ev.t AND av.e >= ev.t
),
ea AS (
  SELECT o, count(*) AS steps,
    count(*) FILTER (WHERE event_id IN (SELECT event_id FROM linked)
                        OR event_id IN (SELECT event_id FROM by_time)) AS covered
  FROM ev GROUP BY o
),
sh AS (
  SELECT officer_id AS o, GREATEST(start_at, $S) AS s, LEAST(end_at, $E) AS e
  FROM le_shifts
  WHERE kind = 'patrol' AND start_at < $E AND end_at > $S
),
shm AS (
  SELECT o, s, e,
    CASE WHEN s <= MAX(e) OVER (PARTITION BY o ORDER BY s, e
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
         THEN 0 ELSE 1 END AS new
  FROM sh WHERE e > s
),
isl AS (SELECT o, s, e, SUM(new) OVER (PARTITION BY o ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS g FROM shm),
win AS (SELECT o, g, MIN(s) AS s, MAX(e) AS e FROM isl GROUP BY o, g),
ph AS (SELECT o, SUM(e - s) AS secs FROM win GROUP BY o),
gp AS (
  SELECT p.officer_id AS o, p.recorded_at AS t, p.longitude AS x, p.latitude AS y, w.g
  FROM le_gps_points p JOIN win w
    ON p.officer_id = w.o AND p.recorded_at >= w.s AND p.recorded_at < w.e
  WHERE p.recorded_at >= $S AND p.recorded_at < $E
),
seg AS (
  SELECT o, g, t, x, y,
    lag(t) OVER w AS pt, lag(x) OVER w AS px, lag(y) OVER w AS py, lag(g) OVER w AS pg
  FROM gp WINDOW w AS (PARTITION BY o ORDER BY t)
),
segd AS (
  SELECT o, t - pt AS dt,
    2 * 6371008.8 * asin(least(1, sqrt(
      pow(sin(radians(y - py) / 2), 2)
      + cos(radians(py)) * cos(radians(y)) * pow(sin(radians(x - px) / 2), 2)))) AS d
  FROM seg WHERE pg = g
),
dist AS (
  SELECT o, SUM(CASE WHEN d = 0 OR (dt > 0 AND d / dt <= $MAX_MPS) THEN d ELSE 0 END) AS m
  FROM segd GROUP BY o
),
ins AS (
  SELECT officer_id AS o, count(*) AS n FROM le_inspections
  WHERE occurred_at >= $S AND occurred_at < $E GROUP BY 1
),
com AS (
  SELECT officer_id AS o, count(*) AS n, count(*) FILTER (WHERE finding = 'sustained') AS ns
  FROM le_complaints WHERE received_on BETWEEN $FIRST::DATE AND $LAST::DATE GROUP BY 1
),
ids AS (
  SELECT o FROM ca UNION SELECT o FROM ea UNION SELECT o FROM ph UNION SELECT o FROM dist
  UNION SELECT o FROM ins UNION SELECT o FROM com
  UNION SELECT officer_id FROM le_officers
    WHERE start_date <= $LAST::DATE AND (end_date IS NULL OR end_date >= $FIRST::DATE)
),
t AS (
  SELECT ids.o AS officer_id, COALESCE(off.squad_id, '') AS squad_id, off.status,
    COALESCE(ir, 0) AS incidents_received, COALESCE(ic, 0) AS incidents_closed,
    COALESCE(cr, 0) AS cases_registered, COALESCE(cc, 0) AS cases_closed,
    COALESCE(due, 0) AS due, COALESCE(ot, 0) AS on_time,
    mh AS median_incident_hours, md AS median_case_days,
    COALESCE(steps, 0) AS onsite_steps, COALESCE(covered, 0) AS onsite_with_av,
    COALESCE(secs, 0) / 3600.0 AS patrol_hours, COALESCE(m, 0) / 1000.0 AS patrol_km,
    COALESCE(ins.n, 0) AS inspections,
    COALESCE(com.n, 0) AS complaints, COALESCE(com.ns, 0) AS complaints_sustained,
    (COALESCE(ic, 0) + COALESCE(cc, 0))::DOUBLE AS score
  FROM ids
  LEFT JOIN le_officers off ON off.officer_id = ids.o
  LEFT JOIN ca ON ca.o = ids.o LEFT JOIN ea ON ea.o = ids.o LEFT JOIN ph ON ph.o = ids.o
  LEFT JOIN dist ON dist.o = ids.o LEFT JOIN ins ON ins.o = ids.o LEFT JOIN com ON com.o = ids.o
)
SELECT *,
  rank() OVER (PARTITION BY squad_id ORDER BY score DESC) AS squad_rank,
  count(*) OVER (PARTITION BY squad_id) AS squad_size,
  CASE WHEN count(*) OVER (PARTITION BY status) < 2 THEN NULL ELSE
    100.0 * ((rank() OVER (PARTITION BY status ORDER BY score) - 1)
             + 0.5 * (count(*) OVER (PARTITION BY status, score) - 1))
      / (count(*) OVER (PARTITION BY status) - 1) END AS percentile
FROM t
ORDER BY squad_id, score DESC, officer_id
"""

COMPARE = [
    "incidents_received", "incidents_closed", "cases_registered", "cases_closed", "due",
    "on_time", "median_incident_hours", "median_case_days", "onsite_steps", "onsite_with_av",
    "patrol_hours", "patrol_km", "inspections", "complaints", "complaints_sustained",
    "squad_rank", "squad_size", "percentile",
]


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))


def main():
    spec = json.load(open(sys.argv[1]))
    threads = 2
    if "--threads" in sys.argv:
        threads = int(sys.argv[sys.argv.index("--threads") + 1])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for name, files in spec["datasets"].items():
        lst = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{lst}])")
    sql = (
        SQL.replace("$AS_OF", str(spec["as_of"]))
        .replace("$MAX_MPS", repr(spec["max_speed_kmh"] / 3.6))
        .replace("$FIRST", "'" + spec["first"] + "'")
        .replace("$LAST", "'" + spec["last"] + "'")
        .replace("$S", str(spec["start"]))
        .replace("$E", str(spec["end"]))
    )
    best = None
    rows = None
    for _ in range(3):
        t = time.perf_counter()
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        dt = (time.perf_counter() - t) * 1000
        best = dt if best is None else min(best, dt)
    ours = {r["officer_id"]: r for r in spec["rows"]}
    theirs = {r["officer_id"]: r for r in rows}
    differ = []
    for oid in sorted(set(ours) | set(theirs)):
        a, b = ours.get(oid), theirs.get(oid)
        if a is None or b is None:
            differ.append((oid, "missing on one side"))
            continue
        bad = [c for c in COMPARE if not same(a[c], b[c])]
        if bad:
            differ.append((oid, {c: (a[c], b[c]) for c in bad}))
    rust = spec["rust_best_ms"]
    print(json.dumps({
        "officers": len(rows),
        "duckdb_version": duckdb.__version__,
        "duckdb_threads": threads,
        "duckdb_best_ms": round(best, 1),
        "qinglian_best_ms": round(rust, 1),
        "duckdb_over_qinglian": round(best / rust, 2),
        "officers_differing": len(differ),
        "first_differences": differ[:5],
    }, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
