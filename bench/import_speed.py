#!/usr/bin/env python3
"""Import speed: a generated 10,000-exercise CSV imported end to end, and a baseline.

Measured, in one run, on a temp SQLite database:

- import:   `formats.read` (decode, CSV, Markdown/maths) + `importing.finish` (every answer read
            by the grammar in the checker pool, in chunks) + `importing.apply` (one transaction);
- baseline: `csv.reader` over the same bytes plus a plain `executemany` INSERT of the same
            rows into a bare SQLite table: the least any importer must do.

Prints seconds per stage, the ratio import/baseline, and the peak memory (ru_maxrss of this
process, VmHWM of the largest checker worker), against the targets: import <= 10 s and peak
memory <= 300 MB. (tracemalloc is not used: it slows allocation-heavy code several times.)
Every sixth answer is words (self-graded), every tenth has an answer_type, so the grammar sees
numbers, expressions and prose.

    python bench/import_speed.py [--rows 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank import formats, importing  # noqa: E402
from app.checking.pool import CheckerPool  # noqa: E402
from app.db import UnitOfWork, make_engine, migrate, session_factory  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
ANSWERS = ["{n}x^{k}", "{n}/{k}", "sin({n}x) + {k}", "the slope grows like {n}", "{n}",
           "x^2 + {n}x + {k}"]


def generate(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "subject", "topic", "prompt", "answer", "answer_type", "solution",
                     "hint", "tags", "source"])
    for n in range(rows):
        answer = ANSWERS[n % len(ANSWERS)].format(n=n % 97 + 2, k=n % 5 + 1)
        writer.writerow([f"q{n}", "calculus", f"chapter-{n // 500}",
                         f"Exercise {n}: differentiate $x^{{{n % 7 + 2}}}$ \\(\\sin x\\).",
                         answer, "expression" if n % 10 == 0 else "", "A worked solution.",
                         "First hint.\nSecond hint.", "bench", "generated"])
    return out.getvalue().encode()


def baseline(data: bytes, folder: Path) -> float:
    start = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode())))
    connection = sqlite3.connect(folder / "baseline.db")
    connection.execute("CREATE TABLE e (id TEXT PRIMARY KEY, subject TEXT, topic TEXT, "
                       "prompt TEXT, answer TEXT, t TEXT, solution TEXT, hint TEXT, tags TEXT, "
                       "source TEXT)")
    with connection:
        connection.executemany("INSERT INTO e VALUES (?,?,?,?,?,?,?,?,?,?)", rows[1:])
    connection.close()
    return time.perf_counter() - start


def run_import(data: bytes, folder: Path, workers: int) -> dict[str, float]:
    url = f"sqlite:///{folder / 'gyrus.db'}"
    migrate(url)
    engine = make_engine(url)
    times = {}
    with CheckerPool(workers=workers, timeout=10.0) as pool:
        pool.warm_up()
        start = time.perf_counter()
        parsed = formats.read("bench.csv", data, limit=50 * 1024 * 1024)
        times["parse"] = time.perf_counter() - start
        importing.finish(parsed, pool.run)
        times["verify"] = time.perf_counter() - start - times["parse"]
        report = importing.apply(UnitOfWork(session_factory(engine)), parsed, None)
        times["write"] = report.seconds
        times["total"] = time.perf_counter() - start
        times["created"] = report.created
        times["self_graded"] = parsed.counts()["self_graded"]
        times["worker_mb"] = max((_peak_mb(pid) for pid in pool.worker_pids()), default=0.0)
    engine.dispose()
    return times


def _peak_mb(pid: int) -> float:
    """A worker's peak resident memory (VmHWM), in MB; 0 where /proc does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    data = generate(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = baseline(data, folder)
        result = run_import(data, folder, args.workers)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {args.rows} ({len(data) / 1e6:.1f} MB CSV), workers: {args.workers}")
    print(f"import: parse {result['parse']:.2f} s + verify {result['verify']:.2f} s + "
          f"write {result['write']:.2f} s = {result['total']:.2f} s "
          f"({int(result['created'])} created, {int(result['self_graded'])} self-graded)")
    print(f"baseline (csv.reader + executemany): {base:.2f} s; ratio import/baseline: "
          f"{result['total'] / base:.1f}x")
    print(f"peak memory (ru_maxrss): this process {rss_mb:.0f} MB, largest worker "
          f"{result['worker_mb']:.0f} MB (VmHWM)")
    ok_time, ok_memory = result["total"] <= TARGET_SECONDS, rss_mb <= TARGET_MB
    print(f"targets: time <= {TARGET_SECONDS:.0f} s: {'ok' if ok_time else 'MISSED'}; "
          f"memory <= {TARGET_MB:.0f} MB: {'ok' if ok_memory else 'MISSED'}")


if __name__ == "__main__":
    main()
