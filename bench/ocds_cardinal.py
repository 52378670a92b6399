#!/usr/bin/env python3
"""OCDS red flags: Qinglian (`import ocds` + `ocds indicators`) against OCDS Cardinal (`indicators`).

Usage: bench/ocds_cardinal.py CARDINAL_BIN QINGLIAN_BIN [--rounds N] [--work DIR]

Builds nothing: pass a Cardinal binary built outside this repository and a release build of
Qinglian. Inputs: the DR file from ../shared/data/ocds (decompressed, 10,000 records) and a
100,000-record file derived from it (copy 0 unchanged, copies k = 1…9 with `-c{k}` appended to
every release's `ocid` and `id`). Per size and round, alternating, each a separate process under
`/usr/bin/time -v`:

* Cardinal `indicators` on the .jsonl (its default thread pool), settings from `init`;
* Qinglian `import ocds` + `ocds indicators --cardinal-json` from a fresh data directory
  (timed together), same settings;
* Qinglian `ocds indicators --cardinal-json` again: re-screening from the lake.

Both outputs are compared as parsed JSON each round (except Meta.R048, null on unprepared input). Prints a Markdown table of best-of-N times,
records/s, peak memory and the ratios.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ocds"


def derive(work: Path) -> dict:
    small = work / "dr-10k.jsonl"
    big = work / "dr-100k.jsonl"
    if not small.exists():
        with gzip.open(DATA / "dominican-republic-dgcp-10000.jsonl.gz", "rb") as f:
            small.write_bytes(f.read())
    if not big.exists():
        lines = small.read_bytes().splitlines()
        with open(big, "wb") as out:
            for k in range(10):
                for line in lines:
                    if not line.strip():
                        continue
                    if k == 0:
                        out.write(line + b"\n")
                        continue
                    r = json.loads(line)
                    r["ocid"] = f"{r['ocid']}-c{k}"
                    if "id" in r:
                        r["id"] = f"{r['id']}-c{k}"
                    out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    return {"10k": (small, 10_000), "100k": (big, 100_000)}


def strip(v: dict) -> dict:
    # Cardinal reads the raw file, Qinglian the prepared lake: R048's quartiles are null without
    # prepare (integer classification ids), the one documented difference.
    v.get("Meta", {}).pop("R048", None)
    return v


def timed(cmd: list, stdout=None) -> tuple:
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS in MB, stdout bytes)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode(errors='replace')[-2000:]}")
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return dt, int(m.group(1)) / 1024 if m else float("nan"), p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cardinal")
    ap.add_argument("qinglian")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix="ocds-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files = derive(work)
    ini = work / "settings.ini"
    subprocess.run([a.cardinal, "init", str(ini), "--force"], check=True, capture_output=True)

    best = {}
    for size, (path, n) in files.items():
        for r in range(a.rounds):
            d = work / f"q-{size}-{r}"
            shutil.rmtree(d, ignore_errors=True)
            ct, cm, cout = timed([a.cardinal, "indicators", "-s", str(ini), str(path)])
            q = [a.qinglian, "--data", str(d)]
            it, im, _ = timed(q + ["import", "ocds", str(path), "--settings", str(ini)])
            st, sm, qout = timed(q + ["ocds", "indicators", "--cardinal-json", "--settings", str(ini)])
            rt, rm, _ = timed(q + ["ocds", "indicators", "--cardinal-json", "--settings", str(ini)])
            same = strip(json.loads(cout)) == strip(json.loads(qout))
            row = {"cardinal": (ct, cm), "import": (it, im), "screen": (st, sm), "rescreen": (rt, rm), "same": same}
            print(f"{size} round {r}: cardinal {ct:.2f}s {cm:.0f}MB | import {it:.2f}s {im:.0f}MB + "
                  f"indicators {st:.2f}s {sm:.0f}MB | re-screen {rt:.2f}s | same output: {same}", file=sys.stderr)
            b = best.setdefault(size, {"n": n})
            for k in ("cardinal", "import", "screen", "rescreen"):
                t, m = row[k]
                bt, bm = b.get(k, (float("inf"), 0.0))
                b[k] = (min(t, bt), max(m, bm))
            tot = it + st
            b["total"] = min(tot, b.get("total", float("inf")))
            b["same"] = b.get("same", True) and same
            shutil.rmtree(d, ignore_errors=True)

    print("| records | Cardinal `indicators` s (rec/s) | Qinglian import + indicators s (rec/s) | speed-up | "
          "re-screen s | Cardinal ÷ re-screen | peak MB Cardinal / Qinglian (max of import, indicators) | memory ratio | same output |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size, b in best.items():
        n = b["n"]
        ct, cm = b["cardinal"]
        qm = max(b["import"][1], b["screen"][1], b["rescreen"][1])
        print(f"| {n:,} | {ct:.2f} ({n / ct:,.0f}) | {b['total']:.2f} ({n / b['total']:,.0f}) | "
              f"{ct / b['total']:.2f}× | {b['rescreen'][0]:.2f} | {ct / b['rescreen'][0]:.1f}× | "
              f"{cm:.0f} / {qm:.0f} | {qm / cm:.2f} | {'yes' if b['same'] else 'NO'} |")


if __name__ == "__main__":
    main()
