"""Operators: the role (`gyrus user create --operator`, `promote`, `--demote`), the 403 for
everyone else, and the disputes page (DESIGN §1 rule 3)."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from app import accounts
from app import models as orm
from app.cli import main
from app.db import UnitOfWork
from app.method import queries

from .conftest import PASSWORD, POWER, Browser, exercise_pk


def operator(app) -> Browser:
    browser = Browser(app).sign_up()
    accounts.set_operator(UnitOfWork(app.state.sessions), browser.email, True)
    browser.get("/")
    return browser


def dispute(learner: Browser) -> None:
    """Pass 1, POWER answered wrong (Incorrect), then disputed and rated Green."""
    learner.start_pass()
    assert "Incorrect" in learner.check(POWER, "x").text
    learner.show_solution(POWER)
    learner.rate(POWER, "green", disputed="true")


def is_operator(app, email: str) -> bool:
    with app.state.sessions() as session:
        return session.scalar(select(orm.User.is_operator).where(orm.User.email == email))


def test_a_dispute_is_shown_to_the_operator(browser: Browser, app):
    dispute(browser)
    boss = operator(app)
    assert '<a href="/operator/disputes">Disputes</a>' in boss.page.text
    page = boss.get("/operator/disputes")
    assert page.status_code == 200
    card = re.search(r'<article class="card" id="dispute-(\d+)">(.*?)</article>', page.text, re.S)
    assert card, "no dispute listed"
    text = card.group(2)
    assert browser.email in text and POWER in text
    assert "Differentiate" in text  # the prompt, rendered
    assert "<code>x</code>" in text and "Incorrect" in text  # response and verdict
    assert "Reference answer" in text and "2" in text
    assert "Mark reviewed" in text

    reviewed = boss.post(f"/operator/disputes/{card.group(1)}/reviewed", {"page": "1"})
    assert reviewed.status_code == 200 and "Dispute marked reviewed." in reviewed.text
    with app.state.sessions() as session:
        assert session.get(orm.Rating, int(card.group(1))).reviewed_at is not None


def test_mark_reviewed_needs_the_csrf_token(app):
    boss = operator(app)
    response = boss.client.post("/operator/disputes/1/reviewed", data={"page": "1"})
    assert response.status_code == 403


def test_learners_get_403_and_no_link(browser: Browser, app):
    dashboard = browser.get("/")
    assert "/operator/disputes" not in dashboard.text
    assert browser.get("/operator/disputes").status_code == 403
    assert browser.post("/operator/disputes/1/reviewed").status_code == 403
    anonymous = Browser(app)
    assert anonymous.get("/operator/disputes").url.path == "/login"


def test_disputes_are_paginated_newest_first(app):
    first, second = Browser(app).sign_up(), Browser(app).sign_up()
    dispute(first)
    dispute(second)
    uow = UnitOfWork(app.state.sessions)
    newest, total = queries.disputes(uow, 1, per_page=1)
    older, _ = queries.disputes(uow, 2, per_page=1)
    assert total >= 2
    assert [d.email for d in newest + older] == [second.email, first.email]
    assert newest[0].exercise.id == exercise_pk(app, POWER) and newest[0].status == "incorrect"


def test_cli_create_operator_promote_and_demote(app, monkeypatch):
    monkeypatch.setenv("GYRUS_DATABASE_URL", app.state.settings.database_url)
    made = CliRunner().invoke(main, ["user", "create", "Op@Example.org", "--operator",
                                     "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert "created operator" in made.output and is_operator(app, "op@example.org")

    learner = Browser(app).sign_up()
    assert not is_operator(app, learner.email)
    promoted = CliRunner().invoke(main, ["user", "promote", learner.email.upper()])
    assert promoted.exit_code == 0, promoted.output
    assert is_operator(app, learner.email)
    assert learner.get("/operator/disputes").status_code == 200  # no new log-in needed

    demoted = CliRunner().invoke(main, ["user", "promote", learner.email, "--demote"])
    assert demoted.exit_code == 0, demoted.output
    assert not is_operator(app, learner.email)
    assert learner.get("/operator/disputes").status_code == 403

    missing = CliRunner().invoke(main, ["user", "promote", "nobody@example.org"])
    assert missing.exit_code != 0 and "no user" in missing.output
