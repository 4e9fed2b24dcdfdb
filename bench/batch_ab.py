#!/usr/bin/env python3
"""`gyrus answer --batch` of this tree against a baseline tree, on the STACK conformance cases.

The cases are made in memory by the conformance runner itself (`row_to_case` of
`--runner`, default ../shared/conformance/stack/run.py): its data is read, never copied here.
Each of `--rounds` rounds runs the whole batch once on each tree (each tree's own
`.venv/bin/gyrus`, run in its own directory), the order alternating from round to round so both
see the shared machine as it is at the time. Every result's `elapsed_ms` (the check's own time)
is collected; the script prints each round's p95 and wall time per tree, then the pooled p50/p95
of both and the ratio new/old of each.

    python bench/batch_ab.py --baseline-dir /work/wt-68e [--rounds 6] [--workers 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stack_payload(runner: Path) -> str:
    """The runner's cases as `answer --batch` input (JSON Lines)."""
    spec = importlib.util.spec_from_file_location("stack_run", runner)
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    lines = []
    with open(runner.parent / "fixtures.jsonl") as rows:
        for i, line in enumerate(rows):
            case, _ = run.row_to_case(json.loads(line))
            if case is not None:
                lines.append(json.dumps({"id": i, "spec": case["spec"],
                                         "response": case["response"]}))
    return "\n".join(lines) + "\n"


def one_batch(tree: Path, payload: str, workers: int) -> tuple[list[float], float]:
    """(elapsed_ms of every result, wall seconds) of one batch on `tree`."""
    start = time.perf_counter()
    done = subprocess.run([str(tree / ".venv/bin/gyrus"), "answer", "--batch", "--workers",
                           str(workers)], input=payload, capture_output=True, text=True,
                          cwd=tree, check=True)
    wall = time.perf_counter() - start
    elapsed = [json.loads(line).get("elapsed_ms") for line in done.stdout.splitlines()]
    return [e for e in elapsed if isinstance(e, (int, float))], wall


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-dir", type=Path, required=True)
    ap.add_argument("--tree", type=Path, default=ROOT)
    ap.add_argument("--runner", type=Path,
                    default=ROOT.parent / "shared/conformance/stack/run.py")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    payload = stack_payload(args.runner)
    trees = {"new": args.tree, "old": args.baseline_dir}
    pooled: dict[str, list[float]] = {"new": [], "old": []}
    walls: dict[str, float] = {"new": 0.0, "old": 0.0}
    print(f"{payload.count(chr(10))} STACK cases, {args.rounds} rounds, {args.workers} worker(s)")
    for round_ in range(args.rounds):
        order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
        shown = []
        for name in order:
            elapsed, wall = one_batch(trees[name], payload, args.workers)
            pooled[name] += elapsed
            walls[name] += wall
            shown.append(f"{name} p95 {p95(elapsed):.2f} ms, wall {wall:.1f} s")
        print(f"  round {round_ + 1}: " + "; ".join(shown), flush=True)
    for name in ("new", "old"):
        print(f"{name}: p50 {statistics.median(pooled[name]):.2f} ms  p95 {p95(pooled[name]):.2f} "
              f"ms  wall {walls[name]:.1f} s")
    print(f"p95 new/old {p95(pooled['new']) / p95(pooled['old']):.3f}  "
          f"p50 new/old {statistics.median(pooled['new']) / statistics.median(pooled['old']):.3f}"
          f"  wall new/old {walls['new'] / walls['old']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
