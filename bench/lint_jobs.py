#!/usr/bin/env python3
"""`gyrus bank lint` with one job against all CPUs, alternating in one run: what `--jobs`
(worker processes in process mode, threads feeding the pool in sandbox mode) buys an author.

    python bench/lint_jobs.py [--path exercises/calculus] [--seeds 20] [--rounds 2] [--sandbox]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_seconds(path: str, seeds: int, jobs: int, sandbox: bool) -> float:
    mode = "--sandbox" if sandbox else "--in-process"
    command = [sys.executable, "-m", "app.cli", "bank", "lint", path, "--strict",
               "--seeds", str(seeds), mode, "--jobs", str(jobs)]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="exercises/calculus")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sandbox", action="store_true")
    args = parser.parse_args()
    jobs = os.cpu_count() or 1
    one, many = [], []
    for _ in range(args.rounds):
        one.append(lint_seconds(args.path, args.seeds, 1, args.sandbox))
        many.append(lint_seconds(args.path, args.seeds, jobs, args.sandbox))
    print(f"1 job: {min(one):.1f} s, {jobs} jobs: {min(many):.1f} s, "
          f"ratio {min(one) / min(many):.2f}")


if __name__ == "__main__":
    main()
