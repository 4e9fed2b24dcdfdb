#!/usr/bin/env python3
"""What a log-in flood does to a signed-in learner's pages: the accounts service's own hashing
executor against hashing in the database threads, side by side in one process.

A learner opens the Dashboard over and over while `--flood` anonymous clients keep posting
log-ins with random emails (argon2 verifies a dummy hash for each, ~0.1-0.3 s of CPU). In the
baseline rounds the hashes run in the thread pool that database work uses (`in_thread`), as
before issue 17; in the others in `accounts.HASHING`. Rounds alternate. Prints the Dashboard's
p50/p95 under each and their ratio, and how many log-ins each answered (503s included).

    python bench/login_flood.py [--rounds 4] [--seconds 8] [--flood 16]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import accounts  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.threads import in_thread  # noqa: E402

TOKEN = 'name="csrf_token" value="'


class InDatabaseThreads:
    """The baseline: the hash takes one of the database threads, unbounded."""

    async def run(self, fn, *args):  # noqa: ANN001, ANN201 - the same call as PasswordHashing
        return await in_thread(fn, *args)


def token(page: str) -> str:
    start = page.index(TOKEN) + len(TOKEN)
    return page[start:page.index('"', start)]


async def flood_client(client: httpx.AsyncClient, stop: float, answered: list[int]) -> None:
    form = token((await client.get("/login")).text)
    while time.perf_counter() < stop:
        answer = await client.post("/login", data={
            "csrf_token": form, "email": f"{uuid.uuid4().hex}@example.org",
            "password": "not the password at all"})
        answered.append(answer.status_code)


async def one_round(app, learner: httpx.AsyncClient, args: argparse.Namespace,
                    ) -> tuple[list[float], list[int]]:
    transport = httpx.ASGITransport(app=app)
    stop = time.perf_counter() + args.seconds
    answered: list[int] = []
    clients = [httpx.AsyncClient(transport=transport, base_url="http://bench")
               for _ in range(args.flood)]
    flood = [asyncio.create_task(flood_client(c, stop, answered)) for c in clients]
    await asyncio.sleep(0.5)
    times = []
    while time.perf_counter() < stop:
        started = time.perf_counter()
        assert (await learner.get("/")).status_code == 200
        times.append(1000 * (time.perf_counter() - started))
        await asyncio.sleep(0.05)
    await asyncio.gather(*flood)
    for c in clients:
        await c.aclose()
    return times, answered


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'g.db'}",
                        secret_key="bench-" + uuid.uuid4().hex, load_bank=False,
                        login_max_failures=10**6, login_max_failures_per_ip=10**6)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        learner = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                    base_url="http://bench", follow_redirects=True)
        form = token((await learner.get("/signup")).text)
        await learner.post("/signup", data={"csrf_token": form, "password": "correct horse battery",
                                            "email": "learner@example.org"})
        executor, baseline = accounts.HASHING, InDatabaseThreads()
        seen: dict[str, list[float]] = {"executor": [], "database threads": []}
        for n in range(args.rounds):
            for name, hashing in ([("executor", executor), ("database threads", baseline)]
                                  [:: 1 if n % 2 == 0 else -1]):
                accounts.HASHING = hashing
                times, answered = await one_round(app, learner, args)
                seen[name] += times
                print(f"round {n + 1} {name:16s} dashboard p50 {statistics.median(times):7.1f} ms"
                      f"  log-ins answered {len(answered)} ({answered.count(503)} busy)")
        accounts.HASHING = executor
        for name, times in seen.items():
            q = statistics.quantiles(times, n=20)
            print(f"{name:16s} dashboard n={len(times)} p50 {statistics.median(times):7.1f} ms"
                  f"  p95 {q[18]:7.1f} ms")
        ratio = statistics.median(seen["database threads"]) / statistics.median(seen["executor"])
        print(f"dashboard p50, database threads / executor: {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--flood", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
