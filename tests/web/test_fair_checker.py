"""The checker is shared fairly (issue 17): one learner's bombs never starve another learner's
check, a full queue is a "busy" answer that records nothing, and the API takes no author-mode
spec (it would make a worker integrate for its whole time limit)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app import models as orm
from app.checking.pool import CheckerPool
from app.main import create_app

from .bombs import BOMB, bomb_or_check
from .conftest import PASSWORD, POWER, SUBJECT, TOKEN, Browser, exercise_pk, seed, settings_for

TIMEOUT_S = 1.5


@pytest.fixture
def bomb_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[CheckerPool]:
    pool = CheckerPool(workers=2, timeout=TIMEOUT_S)
    monkeypatch.setattr(pool, "check_task", bomb_or_check)
    pool.warm_up()
    yield pool
    pool.close()


async def learner(client: httpx.AsyncClient, email: str) -> str:
    """Sign up and start pass 1; returns the CSRF token."""
    form = await client.get("/signup")
    page = await client.post("/signup", data={
        "email": email, "password": PASSWORD, "csrf_token": TOKEN.search(form.text).group(1)})
    token = TOKEN.search(page.text).group(1)
    await client.post(f"/subjects/{SUBJECT}/passes", data={"csrf_token": token})
    return token


async def bombs_then_a_check(app, bombs: int) -> tuple[float, list[int]]:
    """Learner A sends `bombs` bombs through the API; meanwhile learner B checks the right
    answer on the exercise page. Returns B's wait and the statuses of A's calls."""
    async with app.router.lifespan_context(app):
        with app.state.sessions.begin() as session:
            seed(session)
        transport = httpx.ASGITransport(app=app)
        base = "http://gyrus.test"
        async with httpx.AsyncClient(transport=transport, base_url=base,
                                     follow_redirects=True) as alice, \
                httpx.AsyncClient(transport=transport, base_url=base,
                                  follow_redirects=True) as bob:
            alice_token = await learner(alice, "alice@example.org")
            bob_token = await learner(bob, "bob@example.org")
            pk = exercise_pk(app, POWER)
            assert (await bob.get(f"/exercises/{pk}")).status_code == 200

            async def bomb() -> int:
                answer = await alice.post(
                    "/api/v1/check", headers={"X-CSRF-Token": alice_token},
                    json={"spec": {"type": "expression", "value": "2x"}, "response": BOMB})
                return answer.status_code

            sent = [asyncio.create_task(bomb()) for _ in range(bombs)]
            await asyncio.sleep(0.2)  # the bombs hold the workers and fill Alice's queue
            started = time.perf_counter()
            checked = await bob.post(f"/exercises/{pk}/check",
                                     data={"csrf_token": bob_token, "response": "2x"})
            waited = time.perf_counter() - started
            assert checked.status_code == 200 and "Correct" in checked.text
            statuses = await asyncio.gather(*sent)
    return waited, statuses


def test_one_learners_bombs_leave_another_learners_check_correct(
        tmp_path: Path, bomb_pool: CheckerPool):
    app = create_app(settings_for(tmp_path, api_max_requests=1000), checker=bomb_pool)
    waited, statuses = asyncio.run(bombs_then_a_check(app, bombs=20))
    assert waited < 3.0  # one bomb's time limit at most, then Bob's turn
    assert 503 in statuses  # Alice's queue is bounded: the rest were refused, not queued
    with app.state.sessions() as session:
        verdicts = session.scalars(select(orm.PassItem.verdict).where(
            orm.PassItem.verdict.is_not(None))).all()
    assert verdicts == ["correct"]  # never "undecided" because of another learner


def test_the_api_takes_no_author_mode_spec(browser: Browser):
    browser.sign_up()
    answer = browser.client.post(
        "/api/v1/check", headers={"X-CSRF-Token": browser.token},
        json={"spec": {"type": "expression", "value": "integrate(exp(x^2)*sin(x^x), x)"},
              "response": "1"})
    assert answer.status_code == 422 and "learner syntax" in answer.json()["detail"]
