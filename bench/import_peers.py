"""Peers for the import benchmark: the same CSV/XLSX files to Parquet with pandas and DuckDB.

Usage: python3 import_peers.py FILE.csv FILE.xlsx OUT_DIR  -> JSON {tool: best seconds}
Called by `cargo bench -p qinglian-lake --bench import`.
"""
import json
import os
import sys
import time


def best(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    csv, xlsx, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    import duckdb
    import pandas as pd

    res = {}
    # Codes stay text, as an analyst would ask (leading zeros, 9-digit division codes).
    dtypes = {"合同编号": str, "单位编号": str, "行政区划代码": str}
    res["pandas_csv"] = best(lambda: pd.read_csv(csv, dtype=dtypes).to_parquet(f"{out}/pandas.parquet"), 3)
    res["pandas_csv_pyarrow"] = best(
        lambda: pd.read_csv(csv, dtype=dtypes, engine="pyarrow").to_parquet(f"{out}/pandas_pa.parquet"), 3
    )
    con = duckdb.connect()
    res["duckdb_csv"] = best(
        lambda: con.execute(
            f"COPY (SELECT * FROM read_csv('{csv}', types={{'行政区划代码': 'VARCHAR'}})) TO '{out}/duck.parquet' (FORMAT parquet)"
        ),
        3,
    )
    res["pandas_xlsx"] = best(
        lambda: pd.read_excel(xlsx, engine="openpyxl", dtype=dtypes).to_parquet(f"{out}/pandas_x.parquet"), 1
    )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
