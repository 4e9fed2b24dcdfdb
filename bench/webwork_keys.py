#!/usr/bin/env python3
"""WeBWorK problems of the shared PreTeXt books: how many are keyed, in parts, self-graded or
skipped (with the reasons), and whether any prompt keeps a hole; then, on ORCCA, `--sample`
random checkable single-answer problems (after verification in the checker pool): the key must
check Correct and a wrong answer (the key plus one) Incorrect, each checked in the pool.

The books are read from ../shared/corpora/pretext (never copied here).

    python bench/webwork_keys.py [--corpora DIR] [--sample 30] [--seed 30]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path
from typing import Any

from app.bank import importing
from app.bank.formats import files, pretext
from app.bank.formats.model import ImportedExercise, ParsedImport
from app.checking import check
from app.checking.pool import CheckerPool

MAIN = {"orcca": "src/orcca.ptx", "active-calculus": "source/main.ptx", "ula": "src/ula.xml"}
HOLE = re.compile(r"\(\s+\)|\\to\s*\}|(?<!\$)\$\s+\$(?!\$)")


def read(path: Path, main: str) -> tuple[ParsedImport, list[ImportedExercise], int]:
    """The book, its WeBWorK exercises, and how many WeBWorK problems it holds."""
    upload = files.single(path.name, path.read_bytes(), 1 << 30)
    upload.main = main
    made: list[ImportedExercise] = []
    held = [0]
    original = pretext.Book._webwork

    def counted(book: pretext.Book, *args: Any) -> None:
        before = len(book.parsed.exercises)
        held[0] += 1
        original(book, *args)
        made.extend(book.parsed.exercises[before:])

    pretext.Book._webwork = counted  # type: ignore[method-assign]
    try:
        parsed = pretext.parse(upload)
    finally:
        pretext.Book._webwork = original  # type: ignore[method-assign]
    return parsed, made, held[0]


def wrong(value: str) -> str:
    """A wrong answer: the key plus one (of its last entry, or of an equation's right side)."""
    if "," in value and "=" in value or value.startswith("{") and "|" not in value:
        return value[:-1] + "+1" + value[-1] if value.startswith("{") else value + "+1"
    for op in ("<=", ">=", "=", "<", ">"):
        if op in value:
            left, right = value.split(op, 1)
            return f"{left}{op}({right})+1"
    if value[:1] in "([" and "," in value:
        return value.replace(",", "+1,", 1)
    return f"({value})+1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora/pretext"))
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=30)
    args = parser.parse_args()
    for name, main_file in MAIN.items():
        started = time.perf_counter()
        parsed, made, held = read(args.corpora / f"{name}.zip", main_file)
        keyed = [e for e in made if not e.self_graded]
        print(f"{name}: {held} WeBWorK problems, {len(made)} imported, {len(keyed)} keyed "
              f"({sum(1 for e in keyed if e.parts)} with parts), "
              f"{len(made) - len(keyed)} self-graded, {held - len(made)} skipped, "
              f"{sum(1 for e in made if HOLE.search(e.prompt))} prompts with a hole "
              f"[{time.perf_counter() - started:.1f} s]")
        for severity, message, count in parsed.reasons():
            if "WeBWorK" in message:
                print(f"    {count:5} {severity}: {message}")
        if name == "orcca" and args.sample:
            sample_keys(parsed, made, args.sample, args.seed)


def sample_keys(parsed: ParsedImport, made: list[ImportedExercise], size: int,
                seed: int) -> None:
    ids = {e.id for e in made}
    pool = CheckerPool(workers=2, timeout=10.0)
    try:
        importing.finish(parsed, pool.run, "algebra")
        single = [e for e in parsed.exercises if e.id in ids and not e.self_graded
                  and not e.parts and e.answer.get("type") != "choice"]
        print(f"  checkable after verification: {len(single)} single-answer, "
              f"{sum(1 for e in parsed.exercises if e.id in ids and e.parts)} with parts")
        sample = random.Random(seed).sample(single, min(size, len(single)))
        for e in sample:
            spec, right = e.answer, e.answer["value"]
            bad = wrong(right)
            status, other = (pool.run(check, spec, text).status for text in (right, bad))
            print(f"  {e.id[:58]:58} {spec['type']:10} {right[:34]!r:36} {status:9} "
                  f"{bad[:28]!r:30} {other}")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
