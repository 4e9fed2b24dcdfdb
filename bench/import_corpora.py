#!/usr/bin/env python3
"""The shared PreTeXt books as a learner imports them: for each, `gyrus import --dry-run` (read,
every answer verified in the sandboxed checker pool, preview) timed end to end, and its
figures: the file read, the exercises the book holds by our own census (`held`), those found
(and from how many of the held elements: a long task list gives several), checkable,
self-graded and skipped, and the census by kind (server-kept WeBWorK problems have
no text in the book and are not held). Target: found >= 98 % of held, <= 30 s a book.

    python bench/import_corpora.py [--corpora /work/shared/corpora] [--activities]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank import formats, importing  # noqa: E402
from app.bank.formats import files, pretext  # noqa: E402
from app.bank.formats.pretext_census import census  # noqa: E402
from app.bank.formats.pretext_source import components, main_file  # noqa: E402

LIMIT = 50 * 1024 * 1024
_COUNTS = re.compile(r"(\d+) checkable, (\d+) self-graded, (\d+) skipped")
_HELD = re.compile(r"the source holds (\d+) exercises; (\d+) found")


def dry_run(book: Path, activities: bool) -> tuple[float, float, str]:
    """Wall and CPU seconds (the command and its checker workers) and the output of
    `gyrus import BOOK --dry-run` on a fresh database."""
    with tempfile.TemporaryDirectory() as folder:
        env = os.environ | {"GYRUS_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                            "GYRUS_DATA_DIR": folder, "GYRUS_LOAD_BANK": "false"}
        command = [sys.executable, "-m", "app.cli", "import", str(book), "--dry-run",
                   "--subject", "mathematics"] + (["--activities"] if activities else [])
        start, used = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - start, _children_cpu() - used
    if done.returncode:
        raise SystemExit(f"{book.name}: {done.stderr.strip()[-500:]}")
    return seconds, cpu, done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kinds(book: Path, activities: bool) -> str:
    """The census by kind, counted on the assembled book."""
    upload = files.single(book.name, book.read_bytes(), LIMIT)
    source = main_file(upload)
    document = pretext._load(upload, source.path, [])
    document.reindex()
    components(document.root, source.components, document.parents)
    return ", ".join(f"{k} {n}" for k, n in sorted(census(document.root, activities).items()))


def sources(book: Path, activities: bool) -> int:
    """How many of the book's elements gave at least one exercise (a task list longer than
    six parts gives several exercises from one element)."""
    parsed = formats.read_path(book, limit=LIMIT, activities=activities)
    importing.drop_duplicates(parsed)
    return len({exercise.where for exercise in parsed.exercises})


def report(book: Path, activities: bool) -> None:
    seconds, cpu, out = dry_run(book, activities)
    checkable, graded, skipped = (int(n) for n in _COUNTS.search(out).groups())
    held, found = (int(n) for n in _HELD.search(out).groups())
    read = next(line[5:] for line in out.splitlines() if line.startswith("read "))
    elements = sources(book, activities)
    print(f"{book.stem}: read {read}\n  held {held} ({kinds(book, activities)}), "
          f"found {found} from {elements} of the held ({100 * elements / held:.1f} %), "
          f"checkable {checkable}, "
          f"self-graded {graded}, skipped {skipped}; dry run {seconds:.1f} s "
          f"({cpu:.1f} s CPU, load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpora", type=Path, default=Path("/work/shared/corpora"))
    parser.add_argument("--activities", action="store_true")
    args = parser.parse_args()
    books = sorted((args.corpora / "pretext").glob("*.zip"))
    if not books:
        raise SystemExit(f"no PreTeXt books under {args.corpora / 'pretext'}")
    for book in books:
        report(book, args.activities)


if __name__ == "__main__":
    main()
