#!/usr/bin/env python3
"""Automatic mistake diagnosis (issue 16 item 4) on the bank's own typical mistakes.

Every `wrong` value of every exercise under exercises/ (each parameterised exercise for the
seeds `gyrus bank lint` uses, so the same variants) is checked against its exercise's answer
spec, in process with `engine.check_now`, twice in alternating order: as the app checks it and
with the diagnosis switched off (the baseline). Prints

- per answer type: the wrong values, their verdicts, and how often a diagnosis fired (the
  share is of the incorrect ones of the diagnosed types: expression, number, vector, matrix);
- per diagnosis code: how often it fired, and on which answer types;
- disagreements: a diagnosis on a result that is not `incorrect` (there must be none), and
  `wrong` values that no longer check incorrect (lint's rule);
- check time of the incorrect values, p50/p95, with and without the diagnosis, and the ratio.

    python bench/diagnosis.py [--seeds 50] [--show 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank.lint import SEEDS, variant_input  # noqa: E402
from app.bank.loader import bank_files  # noqa: E402
from app.bank.schema import load_file  # noqa: E402
from app.bank.variants import VariantError, make_variant  # noqa: E402
from app.checking.compare import engine  # noqa: E402
from app.checking.compare.diagnosis import DIAGNOSED  # noqa: E402
from app.checking.compare.result import CheckResult  # noqa: E402
from app.checking.compare.spec import AnswerSpec  # noqa: E402

Case = tuple[str, AnswerSpec, str, str]  # where, spec, wrong value, its authored feedback


def cases(seeds: int) -> Iterator[Case]:
    """Each wrong value of each variant (and part) lint checks."""
    for path in bank_files([ROOT / "exercises"]):
        topic = load_file(path)
        for exercise in topic.exercises:
            data = variant_input(topic, exercise)
            for seed in range(seeds if exercise.params else 1):
                try:
                    variant = make_variant(data, seed)
                except VariantError:
                    continue
                for part in variant.parts or [variant]:  # a multi-part exercise: each part
                    spec = AnswerSpec.model_validate(part.answer)
                    for item in part.wrong:
                        yield (f"{data['id']}#{seed}", spec, item["value"], item["feedback"])


def timed(spec: AnswerSpec, response: str, diagnosis: bool) -> tuple[CheckResult, float]:
    start = time.perf_counter()
    if diagnosis:
        result = engine.check_now(spec, response)
    else:
        with mock.patch.object(engine, "diagnose", return_value=None):
            result = engine.check_now(spec, response)
    return result, (time.perf_counter() - start) * 1000.0


def quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return cut[49], cut[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=SEEDS,
                        help=f"variants per parameterised exercise (lint: {SEEDS})")
    parser.add_argument("--show", type=int, default=0, help="print N diagnoses with feedback")
    args = parser.parse_args()

    by_type: dict[str, Counter] = {}
    codes: Counter = Counter()
    by_code: Counter = Counter()
    disagree: list[str] = []
    not_incorrect: list[str] = []
    shown: list[str] = []
    with_ms: list[float] = []
    without_ms: list[float] = []
    for index, (where, spec, value, feedback) in enumerate(cases(args.seeds)):
        order = (True, False) if index % 2 == 0 else (False, True)
        runs = {flag: timed(spec, value, flag) for flag in order}
        result, elapsed = runs[True]
        plain, plain_elapsed = runs[False]
        counts = by_type.setdefault(spec.type, Counter())
        counts["wrong"] += 1
        counts[result.status] += 1
        if result.status == "incorrect":
            with_ms.append(elapsed)
            without_ms.append(plain_elapsed)
        else:
            not_incorrect.append(f"{where}: {value!r} checks {result.status}: {result.message}")
        if result.diagnosis:
            counts["diagnosed"] += 1
            codes[result.diagnosis["code"]] += 1
            by_code[(spec.type, result.diagnosis["code"])] += 1
            if result.status != "incorrect" or plain.status != "incorrect":
                disagree.append(f"{where}: {value!r} {result.status} with {result.diagnosis}")
            if len(shown) < args.show:
                shown.append(f"{where}: {value!r} [{result.diagnosis['code']}] authored: "
                             f"{feedback.strip()[:90]}")

    print(f"diagnosis on the bank's wrong values ({args.seeds} seeds per parameterised "
          "exercise)\n")
    print(f"{'type':<12}{'wrong':>7}{'incorrect':>11}{'invalid':>9}{'other':>7}"
          f"{'diagnosed':>11}{'share':>8}")
    total = Counter()
    for kind in sorted(by_type, key=lambda k: -by_type[k]["wrong"]):
        c = by_type[kind]
        total.update(c)
        other = c["wrong"] - c["incorrect"] - c["invalid"]
        share = (f"{100 * c['diagnosed'] / c['incorrect']:.1f}%"
                 if kind in DIAGNOSED and c["incorrect"] else "-")
        print(f"{kind:<12}{c['wrong']:>7}{c['incorrect']:>11}{c['invalid']:>9}{other:>7}"
              f"{c['diagnosed']:>11}{share:>8}")
    eligible = sum(by_type.get(k, Counter())["incorrect"] for k in DIAGNOSED)
    other = total["wrong"] - total["incorrect"] - total["invalid"]
    share = f"{100 * total['diagnosed'] / eligible:.1f}%" if eligible else "-"
    print(f"{'all':<12}{total['wrong']:>7}{total['incorrect']:>11}{total['invalid']:>9}"
          f"{other:>7}{total['diagnosed']:>11}{share:>8}")

    print(f"\n{'code':<16}{'fired':>6}{'share':>8}" + "".join(f"{k:>12}" for k in DIAGNOSED))
    for code, count in codes.most_common():
        split = "".join(f"{by_code[(k, code)]:>12}" for k in DIAGNOSED)
        print(f"{code:<16}{count:>6}{100 * count / max(1, sum(codes.values())):>7.1f}%{split}")

    print(f"\ndiagnosis on a result that is not incorrect: {len(disagree)}")
    for line in disagree[:20]:
        print("  " + line)
    print(f"wrong values that do not check incorrect: {len(not_incorrect)}")
    for line in not_incorrect[:20]:
        print("  " + line)

    (p50, p95), (b50, b95) = quantiles(with_ms), quantiles(without_ms)
    print(f"\ncheck time of the incorrect values, ms (n={len(with_ms)}):")
    print(f"  with diagnosis     p50 {p50:7.2f}  p95 {p95:7.2f}")
    print(f"  without (baseline) p50 {b50:7.2f}  p95 {b95:7.2f}")
    print(f"  ratio with/without p50 {p50 / b50:7.2f}  p95 {p95 / b95:7.2f}")
    if shown:
        print("\nsample diagnoses beside the authored feedback:")
        for line in shown:
            print("  " + line)


if __name__ == "__main__":
    main()
