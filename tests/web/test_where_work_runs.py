"""Where a request's work runs: database work in the thread pool, never on the event loop; and
a check or a new pass's list snippets waiting for the checker pool do not hold one of the
threads that do the database work (`GYRUS_THREADS`): with a single such thread, a page is
served while they wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.checking.compare.result import CheckResult
from app.checking.pool import CheckerPool
from app.main import create_app

from .conftest import PASSWORD, POWER, SUBJECT, TOKEN, exercise_pk, seed, settings_for

SLOW_CHECK_S = 2.0


def slow_check(spec: dict, response: str) -> CheckResult:
    """A check that keeps its worker busy (module level: the worker imports it)."""
    time.sleep(SLOW_CHECK_S)
    return CheckResult(status="correct", message="slow")


@pytest.fixture
def slow_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[CheckerPool]:
    pool = CheckerPool(workers=2, timeout=10.0)
    monkeypatch.setattr(pool, "check_task", slow_check)
    pool.warm_up()
    yield pool
    pool.close()


async def sign_up(client: httpx.AsyncClient) -> str:
    """A new learner; returns the CSRF token of their session."""
    form = await client.get("/signup")
    token = TOKEN.search(form.text).group(1)
    page = await client.post("/signup", data={
        "email": "lanes@example.org", "password": PASSWORD, "csrf_token": token})
    return TOKEN.search(page.text).group(1)


Slow = Callable[[httpx.AsyncClient, str], Awaitable[None]]
"""A request that waits for the checker pool, given the client and its CSRF token."""


async def race(app: FastAPI, slow: Slow, ready: Slow | None = None) -> float:
    """After `ready`, send `slow` and, while it waits for its worker, open the dashboard;
    returns how long after the dashboard was served the slow request finished."""
    finished: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        with app.state.sessions.begin() as session:
            seed(session)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gyrus.test",
                                     follow_redirects=True) as client:
            token = await sign_up(client)
            if ready is not None:
                await ready(client, token)

            async def waiting() -> None:
                await slow(client, token)
                finished["slow"] = time.perf_counter()

            async def dashboard() -> None:
                await asyncio.sleep(SLOW_CHECK_S / 4)  # the slow one is waiting by now
                assert (await client.get("/")).status_code == 200
                finished["dashboard"] = time.perf_counter()

            await asyncio.gather(waiting(), dashboard())
    return finished["slow"] - finished["dashboard"]


def checking(app: FastAPI, through_api: bool) -> Slow:
    """A (slow) check, by the exercise page's form or through the JSON API."""

    async def check(client: httpx.AsyncClient, token: str) -> None:
        pk = exercise_pk(app, POWER)
        if through_api:
            checked = await client.post(
                "/api/v1/check", headers={"X-CSRF-Token": token},
                json={"spec": {"type": "expression", "value": "2x"}, "response": "2x"})
        else:
            checked = await client.post(f"/exercises/{pk}/check",
                                        data={"csrf_token": token, "response": "2x"})
        assert checked.status_code == 200

    return check


def open_exercise(app: FastAPI) -> Slow:
    """Start a pass and open the exercise to check."""

    async def ready(client: httpx.AsyncClient, token: str) -> None:
        await client.post(f"/subjects/{SUBJECT}/passes", data={"csrf_token": token})
        assert (await client.get(f"/exercises/{exercise_pk(app, POWER)}")).status_code == 200

    return ready


@pytest.mark.parametrize("through_api", [False, True], ids=["page", "api"])
def test_a_page_is_served_while_a_check_waits_for_the_checker(
    tmp_path: Path, slow_pool: CheckerPool, through_api: bool
) -> None:
    app = create_app(settings_for(tmp_path, threads=1), checker=slow_pool)
    # Had the check held the only database thread, the dashboard would have waited for it.
    assert asyncio.run(race(app, checking(app, through_api), ready=open_exercise(app))
                       ) > SLOW_CHECK_S / 2


def slow_snippets(batch: list) -> list[str]:
    """List snippets that keep their worker busy (module level: the worker imports it)."""
    time.sleep(SLOW_CHECK_S)
    return ["slow"] * len(batch)


async def start_pass(client: httpx.AsyncClient, token: str) -> None:
    started = await client.post(f"/subjects/{SUBJECT}/passes", data={"csrf_token": token})
    assert started.status_code == 200 and "slow" in started.text


def test_a_page_is_served_while_a_new_pass_waits_for_its_snippets(
    tmp_path: Path, slow_pool: CheckerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of new passes waits for the pool on the event loop, not in the database
    threads: 50 learners starting at once once left every page waiting for minutes."""
    from app.bank import shown

    monkeypatch.setattr(shown, "filled_snippets", slow_snippets)
    app = create_app(settings_for(tmp_path, threads=1), checker=slow_pool)
    assert asyncio.run(race(app, start_pass)) > SLOW_CHECK_S / 2


def test_database_work_never_runs_on_the_event_loop(browser, app, monkeypatch) -> None:
    """Reads and writes alike, on SQLite and PostgreSQL: the event loop serves every
    learner, so it never waits for a database."""
    from app import signins
    from app.method import service

    on_loop: list[bool] = []

    def spy(module, name: str) -> None:
        original = getattr(module, name)

        def called(*args, **kwargs):
            on_loop.append(on_the_loop())
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, called)

    browser.sign_up()
    spy(signins, "find")
    spy(service, "start_pass")
    assert browser.get("/").status_code == 200
    browser.start_pass()
    assert on_loop and not any(on_loop)


def on_the_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a worker thread has no running loop
        return False
    return True
