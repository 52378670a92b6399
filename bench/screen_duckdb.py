"""DuckDB side of the screening benchmark (crates/screen/benches/screen.rs).

Reads the spec the Rust bench wrote: every dataset's Parquet files and every indicator's SQL with
its parameter values. Registers each dataset as a view over the same Parquet files, defines the
peer-statistics functions Qinglian provides (as DuckDB macros, the binomial CDF as a Python
function), runs each query three times and prints the best time and the row count as JSON.
"""

import datetime
import json
import math
import re
import sys
import time

import duckdb


def binom_cdf(k, n, p):
    if k is None or n is None or p is None or n < 0 or not 0.0 <= p <= 1.0:
        return None
    if k < 0:
        return 0.0
    if k >= n or p == 0.0:
        return 1.0
    if p == 1.0:
        return 0.0
    lp, lq = math.log(p), math.log(1.0 - p)
    logs = [n * lq]
    for i in range(k):
        logs.append(logs[-1] + math.log((n - i) / (i + 1)) + lp - lq)
    m = max(logs)
    return min(1.0, math.exp(m + math.log(sum(math.exp(x - m) for x in logs))))


def chi2_sf(x, df):
    """Upper tail of the chi-square distribution (as Qinglian's `chi2_sf`)."""
    if x is None or df is None or df < 1 or not math.isfinite(x):
        return None
    if x <= 0.0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    front = math.exp(-z + a * math.log(z) - math.lgamma(a))
    if z < a + 1.0:
        ap, term = a, 1.0 / a
        total = term
        for _ in range(10000):
            ap += 1.0
            term *= z / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return min(1.0, max(0.0, 1.0 - total * front))
    tiny = 1e-300
    b = z + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return min(1.0, max(0.0, h * front))


def value(p):
    v, t = p["value"], p["type"]
    if t == "date":
        return datetime.date.fromisoformat(v)
    if t == "float":
        return float(v)
    return v


def main():
    spec = json.load(open(sys.argv[1]))
    con = duckdb.connect()
    con.execute("PRAGMA threads=2")
    for name, files in spec["datasets"].items():
        listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listing}])")
    con.execute("CREATE MACRO peer_q1(x) AS quantile_cont(x, 0.25)")
    con.execute("CREATE MACRO peer_q3(x) AS quantile_cont(x, 0.75)")
    con.execute("CREATE MACRO peer_mad(x) AS mad(x)")
    con.execute("CREATE MACRO tukey_low(q1, q3, k) AS CASE WHEN q3 - q1 > 0 THEN q1 - k * (q3 - q1) END")
    con.execute("CREATE MACRO tukey_high(q1, q3, k) AS CASE WHEN q3 - q1 > 0 THEN q3 + k * (q3 - q1) END")
    con.execute("CREATE MACRO robust_z(x, m, d) AS CASE WHEN d > 0 THEN (x - m) / (1.4826 * d) END")
    con.create_function(
        "binom_cdf",
        binom_cdf,
        ["BIGINT", "BIGINT", "DOUBLE"],
        "DOUBLE",
        null_handling="special",
    )
    con.create_function(
        "chi2_sf", chi2_sf, ["DOUBLE", "BIGINT"], "DOUBLE", null_handling="special"
    )
    out = {}
    for ind in spec["indicators"]:
        params = {k: value(v) for k, v in ind["params"].items()}
        used = {k: v for k, v in params.items() if re.search(r"\$" + k + r"\b", ind["sql"])}
        best, rows = None, None
        for _ in range(3):
            t = time.perf_counter()
            rows = len(con.execute(ind["sql"], used).fetchall())
            s = time.perf_counter() - t
            best = s if best is None else min(best, s)
        out[ind["id"]] = {"seconds": best, "rows": rows}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
