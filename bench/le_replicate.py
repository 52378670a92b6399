#!/usr/bin/env python3
"""Scale a synthetic enforcement data set up by copying it: bench input only.

    python3 bench/le_replicate.py SRC_DIR DST_DIR COPIES

`qinglian synth --scale province` writes about 0.66 M cases and 13.6 M GPS points; the issue's
province benchmark names 3 M cases and 30 M points. Generating that in one process needs more
memory than a 24 GB machine has, so the bench copies the province's `le_*.csv` files COPIES
times. Copy k >= 1 appends `-c{k}` to every identifier column (headers ending in 编号) except
those that point outside the pack (people, units, reviewers), so each copy is a separate set of
squads, officers, cases and parties in the same units and divisions. The violation-code table
is shared and copied once. The other packs' files are copied unchanged so `import-dir` sees a
whole data directory. Nothing here is used by the product.
"""
import csv
import os
import shutil
import sys

KEEP = {"人员编号", "执法单位编号", "审核人员编号", "违法行为代码", "辖区区划代码"}
SHARED = {"le_violation_codes.csv"}


def main() -> None:
    src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if not os.path.isfile(path):
            continue
        out = os.path.join(dst, name)
        if not (name.startswith("le_") and name.endswith(".csv")) or name in SHARED:
            shutil.copyfile(path, out)
            continue
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        ids = [i for i, h in enumerate(header) if h.endswith("编号") and h not in KEEP]
        rows = 0
        with open(out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            # Streamed, one pass per copy: the GPS file alone is millions of rows.
            for k in range(copies):
                suffix = f"-c{k}"
                with open(path, newline="", encoding="utf-8") as g:
                    reader = csv.reader(g)
                    next(reader)
                    for r in reader:
                        if k:
                            for i in ids:
                                if r[i]:
                                    r[i] += suffix
                        w.writerow(r)
                        rows += 1
        print(f"{name}: {rows} rows ({copies} copies), id columns {[header[i] for i in ids]}",
              flush=True)


if __name__ == "__main__":
    main()
