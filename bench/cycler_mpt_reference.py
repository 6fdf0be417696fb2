"""Reference reader for bench/cycler.bench.ts: numpy.loadtxt on an EC-Lab .mpt export (no pandas).

Usage: python3 cycler_mpt_reference.py FILE.mpt
Prints one JSON line: rows, columns, the sum of every column (to check both readers parsed the same
numbers) and the best wall time of three reads, in seconds.
       python3 cycler_mpt_reference.py --serve FILE.mpt
Answers every request line (bench/ref/session.py) with one timed read: the same fields, seconds of that read.
"""
import json
import os
import re
import sys
import time

import numpy as np


def read(path):
    with open(path, "rb") as f:
        f.readline()
        n = int(re.search(rb"Nb header lines\s*:\s*(\d+)", f.readline()).group(1))
    return np.loadtxt(path, delimiter="\t", skiprows=n, encoding="latin1", ndmin=2)


def timed_read(path):
    t0 = time.perf_counter()
    data = read(path)
    seconds = time.perf_counter() - t0
    return {"rows": int(data.shape[0]), "columns": int(data.shape[1]), "sums": [float(s) for s in data.sum(axis=0)], "seconds": seconds}


def main():
    if sys.argv[1] == "--serve":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
        from session import serve

        serve(lambda _request: timed_read(sys.argv[2]))
        return
    path = sys.argv[1]
    best = float("inf")
    data = None
    for _ in range(3):
        t0 = time.perf_counter()
        data = read(path)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"rows": int(data.shape[0]), "columns": int(data.shape[1]), "sums": [float(s) for s in data.sum(axis=0)], "seconds": best}))


if __name__ == "__main__":
    main()
