#!/usr/bin/env python3
"""The server's CPU per request, by page, with no load around it: one learner of
`http_load.py` doing the Green-Yellow-Red loop against the app in this process, and the bare
FastAPI + Jinja page of `http_load.py` called the same way in the same run.

The closed loop of `http_load.py` measures what the machine gives under saturation, where
the server, its checker workers and the client share the CPUs; its rounds spread by about
±0.02 of the ratio, more than a change worth a few percent. Here nothing else runs: the app
is called as an ASGI app (httpx's ASGITransport, no sockets), one request at a time, and only
the time inside the app call is counted, on the process's CPU clock (every thread of this
process: the thread pool and pebble's threads included; the checker workers' own CPU is
not, they are other processes). The difference between these figures and the closed loop's
is what load adds: contention for the CPUs and the GIL.

SQLite in a temp folder, the curated bank (or `--bank`), the request log on (written to
/dev/null), one checker pool as `gyrus serve` has. The learner works `--warmup` seconds
unmeasured, then `--seconds` measured; the bare page is requested as often, after.

    python bench/request_cost.py [--seconds 20] [--warmup 5] [--bank PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_load import Learner, Stats, bare_app, subjects_of  # noqa: E402

BASE = "http://gyrus.test"
KINDS = [  # the page types of http_load.py, by method and path
    ("exercise page", "GET", re.compile(r"/exercises/\d+")),
    ("theory", "GET|POST", re.compile(r"/exercises/\d+/theory")),
    ("validate", "POST", re.compile(r"/exercises/\d+/validate")),
    ("check", "POST", re.compile(r"/exercises/\d+/check")),
    ("rate", "POST", re.compile(r"/exercises/\d+/rate")),
    ("next", "GET", re.compile(r"/subjects/[^/]+/next")),
    ("pass", "POST", re.compile(r"/subjects/[^/]+/passes")),
    ("dashboard", "GET", re.compile(r"/")),
]


def kind_of(method: str, path: str) -> str:
    for kind, methods, pattern in KINDS:
        if method in methods.split("|") and pattern.fullmatch(path):
            return kind
    return "other"


class Metered:
    """An ASGI app counted: the process's CPU inside each call, by page type, while `on`.
    Only right with one request at a time (a suspended call would count the others' work)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.on = False
        self.spent: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.on:
            await self.app(scope, receive, send)
            return
        started = time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            kind = kind_of(scope["method"], scope["path"])
            self.spent[kind] += time.process_time() - started
            self.count[kind] += 1

    def per_request(self) -> float:
        return sum(self.spent.values()) / max(1, sum(self.count.values()))


async def learn(app: Any, warmup: float, seconds: float) -> Metered:
    """One learner doing the loop against `app`, measured after `warmup` for `seconds`."""
    metered = Metered(app)
    transport = httpx.ASGITransport(app=metered)
    learner = Learner(BASE, 0, [], Stats(), {}, 0, "cost", transport=transport)
    await learner.sign_up()
    learner.subjects = await subjects_of(BASE, learner)
    begin = time.monotonic()
    task = asyncio.create_task(learner.run(begin + warmup + seconds))
    await asyncio.sleep(warmup)
    metered.on = True
    await task
    await learner.close()
    return metered


async def bare_pages(count: int) -> Metered:
    metered = Metered(bare_app())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=metered),
                                 base_url=BASE) as client:
        for _ in range(min(count, 200)):  # warm
            await client.get("/")
        metered.on = True
        for _ in range(count):
            await client.get("/")
    return metered


async def run(args: argparse.Namespace, folder: Path) -> tuple[Metered, Metered]:
    from app.main import create_app
    from app.settings import Settings

    quiet = logging.getLogger("gyrus.request")
    quiet.addHandler(logging.FileHandler(os.devnull))  # the log is written, to nowhere
    quiet.setLevel(logging.INFO)
    quiet.propagate = False
    settings = Settings(_env_file=None, data_dir=folder, bank_path=args.bank,
                        secret_key="cost-" + os.urandom(8).hex())
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        gyrus = await learn(app, args.warmup, args.seconds)
    bare = await bare_pages(sum(gyrus.count.values()))
    return gyrus, bare


def report(gyrus: Metered, bare: Metered) -> None:
    baseline = bare.per_request()
    print(f"{'request':<16}{'count':>7}{'CPU µs':>9}{'x bare':>8}")
    for kind in sorted(gyrus.count, key=lambda k: -gyrus.count[k]):
        cost = gyrus.spent[kind] / gyrus.count[kind]
        print(f"{kind:<16}{gyrus.count[kind]:>7}{cost * 1e6:>9.0f}{cost / baseline:>8.2f}")
    print(f"{'all (mean)':<16}{sum(gyrus.count.values()):>7}{gyrus.per_request() * 1e6:>9.0f}"
          f"{gyrus.per_request() / baseline:>8.2f}")
    print(f"{'bare page':<16}{sum(bare.count.values()):>7}{baseline * 1e6:>9.0f}{1:>8.2f}")
    print(f"\nwith no load around it, a Gyrus request costs this process "
          f"{gyrus.per_request() / baseline:.2f} x the bare page's CPU "
          f"(1 / that = {baseline / gyrus.per_request():.2f}; the checker workers' own CPU "
          f"is not counted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured learning")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured start")
    parser.add_argument("--bank", type=Path, default=ROOT / "exercises")
    args = parser.parse_args()
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 600):
        parser.error("keep it bounded: at most 600 s each")
    folder = Path(tempfile.mkdtemp(prefix="gyrus-cost-"))
    try:
        report(*asyncio.run(run(args, folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
