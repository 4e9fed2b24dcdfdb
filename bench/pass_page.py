#!/usr/bin/env python3
"""The pass page of a 3,000-item pass against a small pass's, in one run (issue 15).

A list page reads stored snippets and never asks the checker pool for a variant; the pass page
reads the pass's own rows (counts per topic, then the listed topics' items), not the learner's
whole aggregate, and a pass of more than 250 items lists one topic at a time. Measured on a temp
SQLite database through the whole app (TestClient: routing, the queries, the template), one
learner with a pass of `--items` exercises (every tenth
parameterised, so starting the pass makes variants in the pool) and one with a pass of
`--small` exercises. Prints the time to start the big pass (its snippets included), then
p50/p95 of each pass page over `--rounds` alternating requests and their ratio.

    python bench/pass_page.py [--items 3000] [--small 20] [--rounds 40]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app import models as orm  # noqa: E402
from app.checking.pool import CheckerPool  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


def seed(app, subject: str, size: int) -> None:
    """A subject of `size` exercises in topics of 50; every tenth has a parameter."""
    with app.state.sessions.begin() as session:
        bank = session.query(orm.Collection).filter_by(slug="curated").one_or_none()
        bank = bank or orm.Collection(slug="curated", title="Curated bank")
        row = orm.Subject(slug=subject, title=subject.title())
        topics = [orm.Topic(subject=row, slug=f"topic-{n}", title=f"Topic {n}", position=n)
                  for n in range(size // 50 + 1)]
        for n in range(size):
            varied = n % 10 == 0
            session.add(orm.Exercise(
                global_id=f"{subject}/{topics[n // 50].slug}/e-{n}", collection=bank,
                topic=topics[n // 50], position=n,
                prompt=(f"Exercise {n}: differentiate $f(x) = {{{{a}}}} x^{{{n % 7 + 2}}}$ "
                        "and give $f'(1)$ as an exact value, simplified." if varied else
                        f"Exercise {n}: find $\\int_0^1 x^{{{n % 7 + 2}}} \\, dx$ exactly."),
                answer={"type": "expression", "value": "{{a}}" if varied else "1"},
                params={"params": {"a": {"int": [2, 9]}}, "where": []} if varied else None))


def learner(app, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=True)
    token = TOKEN.search(client.get("/signup").text).group(1)
    client.post("/signup", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def start(client: TestClient, subject: str) -> float:
    token = TOKEN.search(client.get("/").text).group(1)
    began = time.perf_counter()
    page = client.post(f"/subjects/{subject}/passes", data={"csrf_token": token})
    assert page.status_code == 200 and f"/subjects/{subject}/passes/1" in str(page.url)
    return time.perf_counter() - began


def timed(client: TestClient, url: str) -> float:
    began = time.perf_counter()
    page = client.get(url)
    elapsed = time.perf_counter() - began
    assert page.status_code == 200
    return elapsed * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, CheckerPool(workers=2) as pool:
        settings = Settings(data_dir=Path(folder), database_url=f"sqlite:///{folder}/b.db",
                            secret_key="bench-" + "x" * 40, load_bank=False)
        app = create_app(settings, checker=pool)
        with TestClient(app):
            seed(app, "big", args.items)
            seed(app, "small", args.small)
            big, small = learner(app, "big@example.org"), learner(app, "small@example.org")
            started = start(big, "big")
            start(small, "small")
            print(f"start a pass of {args.items} items (snippets made in the pool): "
                  f"{started:.2f} s")
            urls = {"big": "/subjects/big/passes/1", "small": "/subjects/small/passes/1"}
            clients = {"big": big, "small": small}
            for name in urls:  # warm the caches
                for _ in range(3):
                    timed(clients[name], urls[name])
            times: dict[str, list[float]] = {"big": [], "small": []}
            for _ in range(args.rounds):
                for name in urls:
                    times[name].append(timed(clients[name], urls[name]))
    sizes = {"big": args.items, "small": args.small}
    for name, values in times.items():
        print(f"pass page, {sizes[name]:>5} items: p50 {statistics.median(values):6.1f} ms, "
              f"p95 {percentile(values, 0.95):6.1f} ms")
    ratio = statistics.median(times["big"]) / statistics.median(times["small"])
    print(f"ratio of the medians: {ratio:.1f}x for {args.items / args.small:.0f}x the items")


if __name__ == "__main__":
    main()
