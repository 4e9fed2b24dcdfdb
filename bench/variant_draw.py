#!/usr/bin/env python3
"""What the author-expression parse cache in `app/bank/variants.py` buys: the curated bank's
parameterised exercises made into variants (as a new pass's list snippets and exercise pages
make them in a checker worker), with the cache and with the uncached parse, in alternating
rounds in one process. Prints ms per variant of each and their ratio.

    python bench/variant_draw.py [--rounds 4] [--seeds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank import variants  # noqa: E402


def exercises() -> list[dict]:
    found = []
    for path in sorted((ROOT / "exercises").glob("*/*.yaml")):
        found += [e for e in yaml.safe_load(path.read_text())["exercises"] if e.get("params")]
    return found


def per_variant(bank: list[dict], seeds: range) -> float:
    """Milliseconds per variant over the bank and `seeds` (each seed a new pass's draw)."""
    began = time.perf_counter()
    for seed in seeds:
        for exercise in bank:
            variants.make_variant(exercise, seed)
    return (time.perf_counter() - began) * 1000 / (len(bank) * len(seeds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    bank = exercises()
    cached, uncached = variants._author_parse, variants._author_parse.__wrapped__
    times: dict[str, list[float]] = {"cached": [], "uncached": []}
    for n in range(args.rounds):
        seeds = range(n * args.seeds, (n + 1) * args.seeds)  # fresh draws every round
        for name in (("cached", "uncached") if n % 2 == 0 else ("uncached", "cached")):
            variants._author_parse = cached if name == "cached" else uncached
            times[name].append(per_variant(bank, seeds))
    variants._author_parse = cached
    for name, values in times.items():
        print(f"{name:>8}: {statistics.median(values):6.2f} ms per variant "
              f"(rounds {', '.join(f'{v:.2f}' for v in values)})")
    ratio = statistics.median(times["uncached"]) / statistics.median(times["cached"])
    print(f"{len(bank)} parameterised exercises x {args.seeds} seeds a round: "
          f"uncached/cached {ratio:.2f}")


if __name__ == "__main__":
    main()
