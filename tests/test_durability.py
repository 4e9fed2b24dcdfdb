"""A learner's acknowledged work survives `kill -9` of the server in the middle of a load.

A real `gyrus serve` (SQLite by default; PostgreSQL with GYRUS_TEST_BACKEND=postgresql) gets a
bounded burst of concurrent checks and ratings from a few learners. Every request answered with
a 2xx/3xx is noted; the server is SIGKILLed (with its checker workers) while requests are still
in flight, restarted on the same database, and every noted attempt and rating must be there.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg import fresh_postgres, use_postgres
from serving import Server
from sqlalchemy import create_engine, select

from app import models as orm

pytestmark = pytest.mark.slow

LEARNERS = 4
BURST_S = 8.0
PASSWORD = "correct horse battery"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PASS_URL = re.compile(r"/passes/(\d+)")


def sign_up(client: httpx.Client, email: str) -> str:
    """Sign up through the form; returns the signed-in learner's CSRF token."""
    token = CSRF.search(client.get("/signup").text).group(1)
    answer = client.post("/signup", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return CSRF.search(client.get("/").text).group(1)
ANSWERS = {"power-01": "2x", "number-02": "1/5", "slope-03": "3"}
RATINGS = {"power-01": "green", "number-02": "red", "slope-03": "yellow"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    if use_postgres():
        yield from fresh_postgres()
    else:
        yield f"sqlite:///{tmp_path / 'gyrus.db'}"


class Learner(threading.Thread):
    """Passes over the tiny bank, over and over, noting what the server acknowledged."""

    def __init__(self, url: str, number: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=10.0, follow_redirects=False)
        self.email = f"durable-{number}@example.org"
        self.stop = stop
        self.checked: list[tuple[int, str]] = []  # (pass number, exercise local id)
        self.rated: list[tuple[int, str, str]] = []  # (pass number, local id, rating)
        self.token = ""

    def sign_up(self) -> None:
        self.token = sign_up(self.client, self.email)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.one_pass()
        except httpx.HTTPError:
            pass  # the server is gone: what was acknowledged before is what counts

    def one_pass(self) -> None:
        started = self.client.post("/subjects/calculus/passes", data={"csrf_token": self.token})
        found = PASS_URL.search(started.headers.get("location", ""))
        if found is None:  # a pass is still open (a request was lost): go on with it
            found = PASS_URL.search(self.client.get("/subjects/calculus").headers["location"])
        number = int(found.group(1))
        for local_id in ANSWERS:
            if self.stop.is_set():
                return
            pk = self.pk(local_id)
            page = self.client.get(f"/exercises/{pk}")
            if page.status_code == 404:  # Green in an earlier pass: not in this one
                continue
            if page.status_code == 303:  # theory first
                self.client.post(f"/exercises/{pk}/theory", data={"csrf_token": self.token})
            checked = self.client.post(f"/exercises/{pk}/check", data={
                "csrf_token": self.token, "response": ANSWERS[local_id]})
            if checked.status_code == 303:
                self.checked.append((number, local_id))
            # After an Incorrect check the solution is opened before rating (Try again aside).
            self.client.post(f"/exercises/{pk}/solution", data={"csrf_token": self.token})
            rated = self.client.post(f"/exercises/{pk}/rate", data={
                "csrf_token": self.token, "rating": RATINGS[local_id]})
            if rated.status_code == 303 and rated.headers["location"].startswith("/subjects/"):
                self.rated.append((number, local_id, RATINGS[local_id]))

    _pks: dict[str, int] = {}

    def pk(self, local_id: str) -> int:
        return self._pks[local_id]


def exercise_ids(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(orm.Exercise.global_id, orm.Exercise.id)).all()
    finally:
        engine.dispose()
    return {global_id.rsplit("/", 1)[-1]: pk for global_id, pk in rows}


def stored(url: str, email: str) -> tuple[set[tuple[int, str]], set[tuple[int, str, str]]]:
    """The learner's attempts (pass, exercise) and ratings (pass, exercise, rating) on disk."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            base = (
                select(orm.Pass.number, orm.Exercise.global_id, orm.Rating.rating)
                .select_from(orm.PassItem)
                .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
                .join(orm.User, orm.Pass.user_id == orm.User.id)
                .join(orm.Exercise, orm.PassItem.exercise_id == orm.Exercise.id)
                .where(orm.User.email == email)
            )
            ratings = connection.execute(
                base.join(orm.Rating, orm.Rating.pass_item_id == orm.PassItem.id)).all()
            attempts = connection.execute(
                base.with_only_columns(orm.Pass.number, orm.Exercise.global_id)
                .join(orm.Attempt, orm.Attempt.pass_item_id == orm.PassItem.id)).all()
    finally:
        engine.dispose()
    local = lambda global_id: global_id.rsplit("/", 1)[-1]  # noqa: E731
    return ({(n, local(g)) for n, g in attempts}, {(n, local(g), r) for n, g, r in ratings})


def test_acknowledged_work_survives_kill_9(tmp_path: Path, database: str) -> None:
    started = time.monotonic()
    server = Server(tmp_path, database).start()
    print(f"\nserver up in {time.monotonic() - started:.1f} s")
    try:
        Learner._pks = exercise_ids(database)
        stop = threading.Event()
        learners = [Learner(server.url, n, stop) for n in range(LEARNERS)]
        for learner in learners:
            learner.sign_up()
        for learner in learners:
            learner.start()
        deadline = time.monotonic() + BURST_S  # the burst is bounded in time...
        while time.monotonic() < deadline:
            acknowledged = sum(len(learner.rated) for learner in learners)
            if acknowledged >= 8 * LEARNERS:  # ...and in work
                break
            time.sleep(0.05)
        server.kill()  # SIGKILL, requests in flight
        print(f"killed after {time.monotonic() - deadline + BURST_S:.1f} s: "
              f"{sum(len(learner.checked) for learner in learners)} attempts and "
              f"{sum(len(learner.rated) for learner in learners)} ratings acknowledged")
        stop.set()
        for learner in learners:
            learner.join(10)
        assert sum(len(learner.rated) for learner in learners) >= LEARNERS, server.log()
    finally:
        server.kill()

    server.start()  # the same database: migrations and the bank load are idempotent
    try:
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
        for learner in learners:
            attempts, ratings = stored(database, learner.email)
            missing_attempts = set(learner.checked) - attempts
            missing_ratings = set(learner.rated) - ratings
            assert not missing_attempts, f"{learner.email}: attempts lost {missing_attempts}"
            assert not missing_ratings, f"{learner.email}: ratings lost {missing_ratings}"
    finally:
        server.kill()  # nothing left to keep
