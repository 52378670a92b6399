#!/usr/bin/env python3
"""OCDS red flags: Qinglian (`import ocds` + `ocds indicators`) against OCDS Cardinal.

Usage: bench/ocds_cardinal.py CARDINAL_BIN QINGLIAN_BIN [--rounds N] [--sizes 10k,100k] [--work DIR]

Builds and fetches nothing: pass a Cardinal binary built outside this repository (see
docs/benchmarks.md) and a release build of Qinglian. Inputs: the DR file from ../shared/data/ocds
(decompressed, 10,000 records) and files derived from it: `100k` = 10 copies (copy 0 unchanged,
copy k = 1…9 with `-c{k}` appended to every release's `ocid` and `id`), `500k` = 50 copies (the
design's province scale). Settings: Cardinal's `init` file, for both tools.

Per size and round, alternating, each step a separate process under `/usr/bin/time -v`:

* Cardinal `indicators` on the raw .jsonl (its default thread pool): the issue's comparison;
* Cardinal `prepare` (corrected .jsonl + issues .csv), then `indicators` on the prepared file:
  the same work as Qinglian's import (which prepares) + indicators;
* Qinglian `import ocds --settings` into a fresh data directory, then
  `ocds indicators --cardinal-json --settings` (timed separately and together), then the
  indicators again: re-screening from the lake, the indicators step alone.

Qinglian's output is compared with Cardinal's on the prepared file as parsed JSON, Meta
included, every round (and with the raw run without R048, whose quartiles are null there). Prints
one line per round and a Markdown table of medians, records/s, peak RSS and the ratios.
"""

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ocds"
COPIES = {"10k": 1, "100k": 10, "500k": 50}


def derive(work: Path, sizes: list) -> dict:
    small = work / "dr-10k.jsonl"
    if not small.exists():
        with gzip.open(DATA / "dominican-republic-dgcp-10000.jsonl.gz", "rb") as f:
            small.write_bytes(f.read())
    lines = [l for l in small.read_bytes().splitlines() if l.strip()]
    out = {}
    for size in sizes:
        copies = COPIES[size]
        path = work / f"dr-{size}.jsonl"
        if copies > 1 and not path.exists():
            parsed = [json.loads(l) for l in lines]
            tmp = path.with_suffix(".part")
            with open(tmp, "wb") as w:
                w.write(b"\n".join(lines) + b"\n")
                for k in range(1, copies):
                    for r in parsed:
                        r = dict(r)
                        r["ocid"] = f"{r['ocid']}-c{k}"
                        if "id" in r:
                            r["id"] = f"{r['id']}-c{k}"
                        w.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            tmp.rename(path)
        out[size] = (path, len(lines) * copies)
    return out


def strip_r048(v: dict) -> dict:
    """Without R048: on unprepared input Cardinal's R048 has null quartiles (integer
    classification ids), so it flags nothing; prepared (as Qinglian's lake always is), its
    fence can flag tenderers (it does on the 100k file)."""
    v = json.loads(json.dumps(v))
    v.get("Meta", {}).pop("R048", None)
    for group, ids in list(v.items()):
        if group == "Meta":
            continue
        for k in list(ids):
            ids[k].pop("R048", None)
            if not ids[k]:
                del ids[k]
        if not ids:
            del v[group]
    return v


def timed(cmd: list) -> tuple:
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS in MB, stdout bytes)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode(errors='replace')[-2000:]}")
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return dt, int(m.group(1)) / 1024 if m else float("nan"), p.stdout


STEPS = ["c_raw", "c_prepare", "c_ind", "q_import", "q_ind", "q_rescreen"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cardinal")
    ap.add_argument("qinglian")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k, 100k, 500k")
    ap.add_argument("--work", default=None, help="keeps the derived inputs between runs")
    a = ap.parse_args()
    sizes = a.sizes.split(",")
    for s in sizes:
        if s not in COPIES:
            sys.exit(f"unknown size {s}: expected one of {', '.join(COPIES)}")
    work = Path(a.work or tempfile.mkdtemp(prefix="ocds-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files = derive(work, sizes)
    ini = work / "settings.ini"
    subprocess.run([a.cardinal, "init", str(ini), "--force"], check=True, capture_output=True)

    results = {}
    for size, (path, n) in files.items():
        runs = results.setdefault(size, {"n": n, "same": True, **{k: [] for k in STEPS}})
        for r in range(a.rounds):
            prepared = work / f"prepared-{size}.jsonl"
            issues = work / f"issues-{size}.csv"
            d = work / f"q-{size}"
            shutil.rmtree(d, ignore_errors=True)
            row = {}
            # Alternate which tool goes first, so neither always meets a warm or cold cache.
            order = ["cardinal", "qinglian"] if r % 2 == 0 else ["qinglian", "cardinal"]
            for tool in order:
                if tool == "cardinal":
                    t, m, out_raw = timed([a.cardinal, "indicators", "-s", ini, path])
                    row["c_raw"] = (t, m)
                    row["c_prepare"] = timed([a.cardinal, "prepare", "-s", ini, "-o", prepared, "-e", issues, path])[:2]
                    t, m, out_prep = timed([a.cardinal, "indicators", "-s", ini, prepared])
                    row["c_ind"] = (t, m)
                else:
                    q = [a.qinglian, "--data", d]
                    row["q_import"] = timed(q + ["import", "ocds", path, "--settings", ini])[:2]
                    t, m, out_q = timed(q + ["ocds", "indicators", "--cardinal-json", "--settings", ini])
                    row["q_ind"] = (t, m)
                    row["q_rescreen"] = timed(q + ["ocds", "indicators", "--cardinal-json", "--settings", ini])[:2]
            cp, craw, qq = json.loads(out_prep), json.loads(out_raw), json.loads(out_q)
            same = cp == qq and strip_r048(craw) == strip_r048(qq)
            runs["same"] = runs["same"] and same
            for k in STEPS:
                runs[k].append(row[k])
            print(
                f"{size} round {r}: Cardinal raw {row['c_raw'][0]:.2f}s {row['c_raw'][1]:.0f}MB | "
                f"prepare {row['c_prepare'][0]:.2f}s + indicators {row['c_ind'][0]:.2f}s | "
                f"Qinglian import {row['q_import'][0]:.2f}s {row['q_import'][1]:.0f}MB + "
                f"indicators {row['q_ind'][0]:.2f}s {row['q_ind'][1]:.0f}MB | re-screen {row['q_rescreen'][0]:.2f}s | "
                f"same output: {same}",
                file=sys.stderr,
                flush=True,
            )
            shutil.rmtree(d, ignore_errors=True)
            prepared.unlink(missing_ok=True)
            issues.unlink(missing_ok=True)

    med = lambda xs: statistics.median(x[0] for x in xs)
    peak = lambda xs: max(x[1] for x in xs)
    print(f"\nMedians of {a.rounds} rounds (seconds, records/s in brackets); ratios are Cardinal ÷ Qinglian time.\n")
    print("| records | Cardinal `indicators` raw | Cardinal `prepare` + `indicators` | Qinglian `import ocds` | "
          "Qinglian `ocds indicators` | Qinglian import + indicators | raw ÷ Qinglian | prepare+ind ÷ Qinglian | "
          "Cardinal `indicators` (prepared) ÷ Qinglian indicators (from the lake) | Cardinal raw ÷ re-screen | same output |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size, r in results.items():
        n = r["n"]
        c_raw, c_prep, c_ind = med(r["c_raw"]), med(r["c_prepare"]), med(r["c_ind"])
        q_imp, q_ind, q_re = med(r["q_import"]), med(r["q_ind"]), med(r["q_rescreen"])
        q_tot = statistics.median(i[0] + s[0] for i, s in zip(r["q_import"], r["q_ind"]))
        c_tot = statistics.median(p[0] + i[0] for p, i in zip(r["c_prepare"], r["c_ind"]))
        print(f"| {n:,} | {c_raw:.2f} ({n / c_raw:,.0f}) | {c_tot:.2f} ({n / c_tot:,.0f}) | {q_imp:.2f} | "
              f"{q_ind:.2f} | {q_tot:.2f} ({n / q_tot:,.0f}) | {c_raw / q_tot:.2f}× | {c_tot / q_tot:.2f}× | "
              f"{c_ind / q_re:.2f}× | {c_raw / q_re:.2f}× | {'yes' if r['same'] else 'NO'} |")
    print("\n| records | peak RSS MB: Cardinal raw / prepare / indicators (prepared) | Qinglian import / indicators | "
          "Qinglian max ÷ Cardinal max |")
    print("|---:|---:|---:|---:|")
    for size, r in results.items():
        c = [peak(r[k]) for k in ("c_raw", "c_prepare", "c_ind")]
        q = [peak(r[k]) for k in ("q_import", "q_ind", "q_rescreen")]
        print(f"| {r['n']:,} | {c[0]:.0f} / {c[1]:.0f} / {c[2]:.0f} | {q[0]:.0f} / {max(q[1], q[2]):.0f} | "
              f"{max(q) / max(c):.2f} |")


if __name__ == "__main__":
    main()
