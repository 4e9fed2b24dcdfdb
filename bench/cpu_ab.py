#!/usr/bin/env python3
"""The server's CPU per request of this tree against a baseline tree, side by side in one run.

Both servers are up at once, each running its own tree's code (`gyrus serve` of that tree, as
`http_load.py` starts it) on its own port and temp SQLite database with its own tree's curated
bank, each with its own learners of `http_load.py`. In each of `--rounds` rounds the same load
(`--learners` learners pausing about `--think` seconds before each action; `--think 0` is a
closed loop) works `--seconds` on one server and then on the other, the order alternating
from round to round, so both see the machine as it is at the time: the CPU a shared machine
gives drifts by tens of percent within a minute. Over each round the server's CPU (with its
checker workers, replaced ones included) is divided by the requests it answered.

The baseline: `--baseline-dir DIR`, or a worktree of `--baseline-rev` (default 68e74b9) that
the script adds in a temp folder (`git worktree add --detach`) and removes after.

Prints each round's CPU per request of each server and their ratio, then the overall ratio
new/old (summed rounds) with the rounds' spread, and p50/p95 per page type of each.

    python bench/cpu_ab.py [--rounds 6] [--seconds 20] [--learners 50] [--think 3]
                           [--baseline-dir DIR | --baseline-rev REV] [--tree DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_load as load  # noqa: E402

NEW, OLD = "new", "old"


@dataclass
class Side:
    """One server, its learners and what they measured, round by round."""

    server: load.Served
    stats: load.Stats
    crowd: list[load.Learner]
    rounds: list[tuple[int, float]]
    """(requests, server CPU seconds) of each round."""


def per_request(requests: int, cpu: float) -> float:
    """CPU milliseconds per request."""
    return 1000.0 * cpu / requests if requests else float("nan")


async def compare(servers: dict[str, load.Served], args: argparse.Namespace) -> dict[str, Side]:
    sides = {}
    for name, server in servers.items():
        stats = load.Stats()
        crowd = await load.crowd_of(server, args.learners, stats, args.think, name)
        sides[name] = Side(server, stats, crowd, [])
    print(f"{args.rounds} rounds of {args.seconds:.0f} s on each server, the first after "
          f"{args.warmup:.0f} s of warm-up", flush=True)
    for round_ in range(args.rounds):
        order = (OLD, NEW) if round_ % 2 == 0 else (NEW, OLD)
        for name in order:
            side = sides[name]
            # The first round warms up and lets learners arrive one by one; later rounds
            # start with one think time unmeasured, so their learners are spread out again.
            warmup = args.warmup if round_ == 0 else args.think
            before = (side.stats.requests(), side.stats.server_cpu)
            await load.learn(side.crowd, side.server, side.stats, warmup, args.seconds,
                        arrive_within=warmup / 2 if round_ == 0 else args.think)
            side.rounds.append((side.stats.requests() - before[0],
                                side.stats.server_cpu - before[1]))
        new, old = (sides[name].rounds[-1] for name in (NEW, OLD))
        new_ms, old_ms = per_request(*new), per_request(*old)
        print(f"  round {round_ + 1} ({' then '.join(order)}): old {old_ms:.2f} ms/request "
              f"({old[0]} requests), new {new_ms:.2f} ms/request ({new[0]} requests), "
              f"new/old {new_ms / old_ms:.3f}", flush=True)
    for side in sides.values():
        await asyncio.gather(*(one.close() for one in side.crowd))
    return sides


def report(sides: dict[str, Side]) -> None:
    new, old = sides[NEW], sides[OLD]
    totals = {name: (sum(r for r, _ in side.rounds), sum(c for _, c in side.rounds))
              for name, side in sides.items()}
    new_ms, old_ms = per_request(*totals[NEW]), per_request(*totals[OLD])
    ratios = [per_request(*n) / per_request(*o)
              for n, o in zip(new.rounds, old.rounds, strict=True)]
    print(f"\nserver CPU per request (with its checker workers): new {new_ms:.3f} ms "
          f"({totals[NEW][0]} requests), old {old_ms:.3f} ms ({totals[OLD][0]} requests)")
    spread = f"median {statistics.median(ratios):.3f}, {min(ratios):.3f}-{max(ratios):.3f}"
    print(f"ratio new/old: {new_ms / old_ms:.3f} (rounds: {spread})")
    print(f"\n{'page type':<15} {'old n':>7} {'p50':>6} {'p95':>6} {'new n':>7} {'p50':>6} "
          f"{'p95':>6}   (ms)")
    for kind in load.TYPES:
        cells = []
        for side in (old, new):
            values = side.stats.times.get(kind, [])
            cells.append(f"{len(values):>7} {load.quantile(values, .5):>6.1f} "
                         f"{load.quantile(values, .95):>6.1f}")
        if any(side.stats.times.get(kind) for side in (old, new)):
            print(f"{kind:<15} {' '.join(cells)}")
    for name, side in sides.items():
        errors = sum(side.stats.errors.values())
        print(f"errors, {name}: {errors} {dict(side.stats.errors) if errors else ''}")
        for example in side.stats.examples:
            print(f"  {example}")


def git(*args: str) -> None:
    subprocess.run(["git", "-C", str(load.ROOT), *args], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="measured time per round on each server, s")
    parser.add_argument("--learners", type=int, default=50, help="learners on each server")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean think time before a learner's action, s (0: closed loop)")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="unmeasured start of the first round on each server, s")
    parser.add_argument("--check-workers", type=int, default=None, help="GYRUS_CHECK_WORKERS")
    parser.add_argument("--tree", type=Path, default=load.ROOT,
                        help="the new tree (default: this one)")
    parser.add_argument("--baseline-dir", type=Path, default=None,
                        help="the baseline tree, e.g. an existing worktree")
    parser.add_argument("--baseline-rev", default="68e74b9",
                        help="without --baseline-dir: the commit checked out as the baseline")
    args = parser.parse_args()
    if not (1 <= args.learners <= 200 and 1 <= args.rounds <= 20 and 0 < args.seconds <= 600
            and 0 <= args.warmup <= 600 and 0 <= args.think <= 60):
        parser.error("keep it bounded: 1..200 learners, 1..20 rounds, at most 600 s each")

    folder = Path(tempfile.mkdtemp(prefix="gyrus-ab-"))
    baseline = args.baseline_dir
    if baseline is None:
        baseline = folder / "baseline"
        git("worktree", "add", "--detach", str(baseline), args.baseline_rev)
    servers: dict[str, load.Served] = {}
    try:
        for name, tree in ((NEW, args.tree), (OLD, baseline)):
            servers[name] = load.Served(tree, folder / name, check_workers=args.check_workers)
            print(f"{name}: serving {servers[name].app_file} on {servers[name].url}",
                  flush=True)
        for server in servers.values():
            server.wait()
        sides = asyncio.run(compare(servers, args))
        for server in servers.values():
            server.stop()
        report(sides)
    finally:
        for server in servers.values():
            server.stop()
        if args.baseline_dir is None:
            git("worktree", "remove", "--force", str(baseline))
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
