"""Peer for crates/store/benches/ledger_verify.rs: the RFC 6962 root of a Qinglian ledger,
recomputed from its SQLite file with nothing but the standard library (what an auditor would
write without Qinglian). Checks the root only. Prints {"seconds": s, "root": hex, "size": n}.
"""

import hashlib
import json
import sqlite3
import sys
import time


def main():
    t = time.perf_counter()
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    size = con.execute("SELECT size FROM ledger_state").fetchone()[0]
    # The right edge of the tree: one pending subtree hash per set bit of the count so far.
    stack = []
    n = 0
    sha = hashlib.sha256
    for (leaf,) in con.execute(
        "SELECT leaf FROM ledger_entries WHERE idx < ? ORDER BY idx", (size,)
    ):
        h = sha(b"\x00" + leaf).digest()
        n += 1
        m = n
        while m & 1 == 0:
            h = sha(b"\x01" + stack.pop() + h).digest()
            m >>= 1
        stack.append(h)
    root = stack.pop() if stack else sha(b"").digest()
    while stack:
        root = sha(b"\x01" + stack.pop() + root).digest()
    json.dump(
        {"seconds": time.perf_counter() - t, "root": root.hex(), "size": n}, sys.stdout
    )


if __name__ == "__main__":
    main()
