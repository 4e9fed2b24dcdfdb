#!/usr/bin/env python3
"""Check latency: the warm CheckerPool against a naive SymPy baseline, measured in the same run.

Cases: the STACK answer-test rows, translated by the conformance runner's own `row_to_case`
(imported from ../shared/conformance/stack/run.py; the GPL fixture data is read, never copied),
plus a few of our own. Every case runs one at a time (latency, not throughput) through

- pool:     `CheckerPool.check` (grammar + engine, result cache off);
- baseline: `parse_expr` on the text with `^` -> `**` and implicit multiplication, then
            `simplify(a - b) == 0`, in a pebble pool with the same workers and time limit.

Both first run one warm-up round over our own cases (imports, first-call costs). The warm-up
does not replay the measured cases: SymPy's own cache would then answer the measured round,
which no learner's fresh response enjoys.

The baseline is only a yardstick: `parse_expr` evaluates Python and must never touch learner text
in the app (DESIGN §7); it lives here and nowhere else.

Prints p50/p95/p99 per method, the ratio baseline/pool per quantile (above 1: the pool is
faster), agreement with the rows' intended verdicts, and the peak RSS (VmHWM) of each worker.

    python bench/check_latency.py [--limit N] [--workers 2] [--timeout 2.0]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from pebble import ProcessPool
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.checking.compare.spec import AnswerSpec  # noqa: E402
from app.checking.pool import CheckerPool  # noqa: E402

DEFAULT_RUNNER = ROOT.parent / "shared" / "conformance" / "stack" / "run.py"

OWN_CASES = [
    ({"type": "expression", "value": "2*x*cos(x^2)"}, "2x cos(x^2)", "correct"),
    ({"type": "expression", "value": "2*x*cos(x^2)"}, "cos(x^2)", "incorrect"),
    ({"type": "expression", "value": "(x+1)^2"}, "x^2 + 2x + 1", "correct"),
    ({"type": "expression", "value": "1/(1+exp(-x))"}, "exp(x)/(1+exp(x))", "correct"),
    ({"type": "expression", "value": "sin(x)^2"}, "1 - cos(x)^2", "correct"),
    ({"type": "expression", "value": "log(x*y)", "domain": "positive"}, "log(x)+log(y)", "correct"),
    ({"type": "equation", "value": "y = 2x + 1"}, "2y = 4x + 2", "correct"),
    ({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[[1,2],[3,5]]", "incorrect"),
    ({"type": "number", "value": "1/6"}, "0.1667", "invalid"),
    ({"type": "expression", "value": "x^3/3", "compare": "antiderivative"}, "x^3/3 + 5", "correct"),
]


# -- the cases -------------------------------------------------------------------------------


def load_runner(path: Path) -> ModuleType:
    """The conformance runner as a module, so its translation is the one used here."""
    spec = importlib.util.spec_from_file_location("stack_conformance_run", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the conformance runner at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_cases(raw: list[tuple[dict, str, str]]) -> list[tuple[AnswerSpec, str, str]]:
    cases = []
    for spec, response, expect in raw:
        try:
            cases.append((AnswerSpec.model_validate(spec), response, expect))
        except ValidationError:
            continue  # a spec we reject outright is no latency sample
    return cases


def load_cases(runner_path: Path, limit: int | None) -> list[tuple[AnswerSpec, str, str]]:
    """(spec, response, expected status) for every translatable STACK row and our own cases."""
    runner = load_runner(runner_path)
    fixtures = runner_path.parent / "fixtures.jsonl"
    raw = []
    with fixtures.open() as rows:
        for line in rows:
            case, _why = runner.row_to_case(json.loads(line))
            if case is not None:
                raw.append((case["spec"], case["response"], case["expect"]))
    cases = as_cases(raw + OWN_CASES)
    return cases[:limit] if limit else cases


# -- the baseline ----------------------------------------------------------------------------


def baseline_check(reference: str, response: str) -> str:
    """The naive checker: Python-ish text, parse_expr, simplify the difference."""
    from sympy import simplify
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = (*standard_transformations, implicit_multiplication_application)

    def read(text: str) -> Any:
        return parse_expr(text.replace("^", "**"), transformations=transformations)

    try:
        a, b = read(reference), read(response)
    except Exception:  # noqa: BLE001 - the baseline calls anything unreadable invalid
        return "invalid"
    try:
        return "correct" if simplify(a - b) == 0 else "incorrect"
    except Exception:  # noqa: BLE001
        return "undecided"


def _import_sympy() -> None:
    import sympy  # noqa: F401


# -- measuring -------------------------------------------------------------------------------


def timed(fn: Callable[[], str]) -> tuple[float, str]:
    start = time.perf_counter()
    status = fn()
    return (time.perf_counter() - start) * 1000.0, status


def run_pool(pool: CheckerPool, cases: list) -> tuple[list[float], list[str]]:
    times, statuses = [], []
    for spec, response, _expect in cases:
        ms, status = timed(lambda s=spec, r=response: pool.check(s, r).status)
        times.append(ms)
        statuses.append(status)
    return times, statuses


def run_baseline(pool: ProcessPool, cases: list, timeout: float) -> tuple[list[float], list[str]]:
    def one(spec: AnswerSpec, response: str) -> str:
        reference = spec.value if isinstance(spec.value, str) else ",".join(spec.value or [])
        future = pool.schedule(baseline_check, args=(reference, response), timeout=timeout)
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - timeout or a dead worker
            return "undecided"

    times, statuses = [], []
    for spec, response, _expect in cases:
        ms, status = timed(lambda s=spec, r=response: one(s, r))
        times.append(ms)
        statuses.append(status)
    return times, statuses


def quantiles(times: list[float]) -> dict[str, float]:
    if len(times) < 2:
        return {"p50": times[0], "p95": times[0], "p99": times[0]}
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": statistics.median(times), "p95": q[94], "p99": q[98]}


def peak_rss_mb(pids: list[int]) -> list[float]:
    """VmHWM (peak resident set) of each process, from /proc."""
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024.0)
        except OSError:
            continue
    return peaks


def baseline_pids(pool: ProcessPool) -> list[int]:
    manager = getattr(getattr(pool, "_pool_manager", None), "worker_manager", None)
    return list(getattr(manager, "workers", {}) or {})


# -- report ----------------------------------------------------------------------------------


def report(cases: list, pool_run: tuple, base_run: tuple, rss: dict[str, list[float]]) -> None:
    expected = [expect for _s, _r, expect in cases]
    qp, qb = quantiles(pool_run[0]), quantiles(base_run[0])
    print(f"cases: {len(cases)}")
    print(f"{'method':10} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'agree':>7}")
    for name, q, statuses in (("pool", qp, pool_run[1]), ("baseline", qb, base_run[1])):
        agree = sum(s == e for s, e in zip(statuses, expected, strict=True))
        print(f"{name:10} {q['p50']:9.2f} {q['p95']:9.2f} {q['p99']:9.2f} {agree:7d}")
    ratios = "  ".join(f"{k} {qb[k] / qp[k]:.2f}x" for k in ("p50", "p95", "p99"))
    print(f"ratio baseline/pool: {ratios}")
    for name, peaks in rss.items():
        shown = ", ".join(f"{p:.0f}" for p in peaks) or "n/a"
        print(f"peak RSS per worker ({name}), MB: {shown}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="check at most N cases")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--fixtures-runner", type=Path, default=DEFAULT_RUNNER)
    args = ap.parse_args()

    cases = load_cases(args.fixtures_runner, args.limit)
    warm = as_cases(OWN_CASES) * 2
    with CheckerPool(workers=args.workers, timeout=args.timeout, cache_size=0) as pool:
        pool.warm_up()
        run_pool(pool, warm)
        pool_run = run_pool(pool, cases)
        rss = {"pool": peak_rss_mb(pool.worker_pids())}
    with ProcessPool(max_workers=pool.workers, initializer=_import_sympy) as base:
        run_baseline(base, warm, args.timeout)
        base_run = run_baseline(base, cases, args.timeout)
        rss["baseline"] = peak_rss_mb(baseline_pids(base))
    report(cases, pool_run, base_run, rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
