"""The web app on a temp SQLite database per test module, with one small checker pool shared by
the whole session (starting workers is the slow part). With `GYRUS_TEST_BACKEND=postgresql`
each app gets a fresh PostgreSQL database instead, dropped when the test module ends.

`Browser` is a TestClient that behaves like a learner's browser without JavaScript: it reads the
CSRF token from the last page it got and puts it in every form it posts.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pg import fresh_postgres, use_postgres
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models as orm
from app.checking.pool import CheckerPool
from app.main import create_app
from app.settings import Settings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"

SUBJECT = "calculus"
TOPIC = "derivatives"
POWER = "calculus/derivatives/power-01"  # expression, with hints and a typical mistake
LINEAR = "calculus/derivatives/linear-02"  # parameterised
PROOF = "calculus/derivatives/proof-03"  # self-graded
CHOICE = "calculus/limits/choice-01"  # a choice, in a second topic
EXERCISES = [POWER, LINEAR, PROOF, CHOICE]


_databases: list[Iterator[str]] = []
"""The PostgreSQL databases made for the current module (their generators drop them)."""


@pytest.fixture(scope="module", autouse=True)
def _drop_databases() -> Iterator[None]:
    """Drop the module's PostgreSQL databases after everything else of it (autouse: set up
    first, so torn down last, after the apps that used them)."""
    yield
    while _databases:
        _databases.pop().close()


def database_url(folder: Path) -> str:
    """SQLite in `folder`; with GYRUS_TEST_BACKEND=postgresql, a fresh PostgreSQL database."""
    if not use_postgres():
        return f"sqlite:///{folder / 'gyrus.db'}"
    databases = fresh_postgres()
    url = next(databases)
    _databases.append(databases)
    return url


def settings_for(folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": folder,
        "database_url": overrides.pop("database_url", None) or database_url(folder),
        "secret_key": "test-secret-" + uuid.uuid4().hex,
        "load_bank": False,
        "check_workers": 2,
    }
    values.update(overrides)
    return Settings(**values)


def seed(session: Session) -> None:
    """One subject of two topics: four exercises of the curated bank, and a second subject."""
    bank = orm.Collection(slug="curated", title="Curated bank")
    calculus = orm.Subject(slug=SUBJECT, title="Calculus")
    derivatives = orm.Topic(
        subject=calculus, slug=TOPIC, title="Derivatives", position=0,
        theory="The derivative of $x^n$ is $n x^{n-1}$: THEORY-NOTE.",
        examples=[{"prompt": "Differentiate $x^3$. WORKED-EXAMPLE", "solution": "$3x^2$."}],
        prerequisites=["calculus/limits"],
    )
    limits = orm.Topic(subject=calculus, slug="limits", title="Limits", position=1)
    probability = orm.Subject(slug="probability", title="Probability")
    counting = orm.Topic(subject=probability, slug="counting", title="Counting")
    rows = [
        orm.Exercise(
            global_id=POWER, collection=bank, topic=derivatives, position=0,
            prompt="Differentiate $x^2$.",
            answer={"type": "expression", "value": "2*x"},
            hints=["Use the power rule.", "Bring the exponent down and lower it by one."],
            wrong=[{"value": "x", "feedback": "WRONG-FEEDBACK: the factor 2 is missing."}],
            solution="By the power rule, $2x$.",
        ),
        orm.Exercise(
            global_id=LINEAR, collection=bank, topic=derivatives, position=1,
            prompt="Differentiate $f(x) = {{a}} x$.",
            answer={"type": "expression", "value": "{{a}}"},
            params={"params": {"a": {"int": [2, 9]}}, "where": []},
            solution="The slope is ${{a}}$.",
        ),
        orm.Exercise(
            global_id=PROOF, collection=bank, topic=derivatives, position=2,
            prompt="Explain why the derivative of a constant is zero.",
            answer={"type": "self"}, solution="A constant does not change.",
        ),
        orm.Exercise(
            global_id=CHOICE, collection=bank, topic=limits, position=0,
            prompt="Which limit is 1?",
            answer={"type": "choice", "value": "b",
                    "options": {"a": "$\\lim_{x\\to 0} x$",
                                "b": "$\\lim_{x\\to 0} \\frac{\\sin x}{x}$"}},
            solution="The second.",
        ),
        orm.Exercise(
            global_id="probability/counting/count-01", collection=bank, topic=counting,
            prompt="How many subsets has a set of 3 elements?",
            answer={"type": "number", "value": "8"},
        ),
    ]
    session.add_all(rows)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, pool: CheckerPool) -> Iterator[FastAPI]:
    """The app, started (migrated, seeded) once per module."""
    application = create_app(settings_for(tmp_path_factory.mktemp("web")), checker=pool)
    with TestClient(application):
        with application.state.sessions.begin() as session:
            seed(session)
        yield application


class Browser:
    """A learner's browser without JavaScript: cookies, forms with their CSRF token."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=True)
        self.page: httpx.Response | None = None
        self.email = ""

    @property
    def token(self) -> str:
        if self.page is None or not TOKEN.search(self.page.text):
            self.get("/login")
        assert self.page is not None
        found = TOKEN.search(self.page.text)
        assert found, "the page has no CSRF token"
        return found.group(1)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        self.page = self.client.get(url, **kwargs)
        return self.page

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        form = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(url, data=form, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.page = response
        return response

    def sign_up(self, email: str | None = None) -> Browser:
        self.email = email or f"learner-{uuid.uuid4().hex[:10]}@example.org"
        self.get("/signup")
        page = self.post("/signup", {"email": self.email, "password": PASSWORD})
        assert page.status_code == 200, page.text
        return self

    # -- the loop ---------------------------------------------------------------------------

    def start_pass(self, subject: str = SUBJECT) -> httpx.Response:
        self.get("/")
        return self.post(f"/subjects/{subject}/passes")

    def open(self, global_id: str) -> httpx.Response:
        return self.get(f"/exercises/{exercise_pk(self.client.app, global_id)}")

    def check(self, global_id: str, response: str, **notes: str) -> httpx.Response:
        pk = exercise_pk(self.client.app, global_id)
        self.get(f"/exercises/{pk}")
        return self.post(f"/exercises/{pk}/check", {"response": response, **notes})

    def rate(self, global_id: str, rating: str, **extra: str) -> httpx.Response:
        pk = exercise_pk(self.client.app, global_id)
        return self.post(f"/exercises/{pk}/rate", {"rating": rating, **extra})

    def try_again(self, global_id: str) -> httpx.Response:
        return self.post(f"/exercises/{exercise_pk(self.client.app, global_id)}/retry")

    def show_solution(self, global_id: str) -> httpx.Response:
        return self.post(f"/exercises/{exercise_pk(self.client.app, global_id)}/solution")

    def undo(self, global_id: str, subject: str = SUBJECT) -> httpx.Response:
        return self.post(f"/subjects/{subject}/undo", {"exercise": global_id})

    def user_id(self) -> int:
        with self.client.app.state.sessions() as session:
            return session.scalar(select(orm.User.id).where(orm.User.email == self.email))


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    """A new learner, signed up and logged in."""
    return Browser(app).sign_up()


def exercise_pk(app: FastAPI, global_id: str) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(orm.Exercise.id).where(orm.Exercise.global_id == global_id))


def count(app: FastAPI, table: type, **where: Any) -> int:
    with app.state.sessions() as session:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return session.scalar(query)


def item(app: FastAPI, user_id: int, global_id: str, number: int) -> orm.PassItem | None:
    """The learner's pass item (detached, loaded) for an exercise in pass `number`."""
    with app.state.sessions() as session:
        row = session.scalars(
            select(orm.PassItem)
            .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
            .join(orm.Exercise, orm.PassItem.exercise_id == orm.Exercise.id)
            .where(orm.Pass.user_id == user_id, orm.Pass.number == number,
                   orm.Exercise.global_id == global_id)
        ).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


RATING_BUTTON = re.compile(r'<button type="submit" name="rating" value="(\w+)"[^>]*>', re.S)


def enabled_ratings(page_text: str) -> set[str]:
    """The rating buttons a page offers enabled."""
    return {m.group(1) for m in RATING_BUTTON.finditer(page_text) if "disabled" not in m.group(0)}
