"""Hostile input (issue 17): every bad request is a 4xx with a clear answer and changes
nothing; an unavailable database is a 503; every answer carries the security headers; HEAD
works where GET does; another learner's private subjects and uploads stay theirs."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from app import models as orm
from app.bank import importing
from app.method import queries
from app.web.limits import FORM_LIMIT, HEADER_LIMIT

from .conftest import POWER, SUBJECT, Browser, exercise_pk

HUGE = 2**63


def test_a_large_body_is_refused_before_it_is_read(app):
    anonymous = TestClient(app)
    body = json.dumps({"spec": {"type": "expression", "value": "x"},
                       "response": "x" * (FORM_LIMIT + 1)})
    page = anonymous.post("/api/v1/check", content=body,
                          headers={"content-type": "application/json"})
    assert page.status_code == 413  # not 403: the CSRF check never parsed it
    form = {"study_list": "y" * (FORM_LIMIT + 1)}
    assert anonymous.post("/import/confirm", data=form).status_code == 413
    upload = {"file": ("list.csv", b"x" * (FORM_LIMIT + 1), "text/csv")}
    assert anonymous.post("/import", files=upload).status_code == 413  # signed-in only


def test_a_body_without_a_length_is_refused(app):
    def chunks():
        yield b'{"spec": {"type": "expression", "value": "x"}, '
        yield b'"response": "x"}'

    page = TestClient(app).post("/api/v1/check", content=chunks(),
                                headers={"content-type": "application/json"})
    assert page.status_code == 411


def test_a_signed_in_learner_may_upload_more_than_a_form(browser: Browser, app):
    text = "id,prompt,answer\n" + "".join(
        f"q{n},What is {n} + {n}? {'.' * 80},{2 * n}\n" for n in range(1000))
    assert len(text) > FORM_LIMIT
    browser.get("/import")
    page = browser.post("/import", files={"file": ("list.csv", text.encode(), "text/csv")},
                        data={"subject": SUBJECT})
    assert page.status_code == 200 and page.url.path == "/import/preview"


@pytest.mark.parametrize("path", [
    f"/exercises/{HUGE}", f"/exercises/{HUGE}/theory", f"/subjects/{SUBJECT}/passes/{HUGE}",
    f"/subjects/{SUBJECT}/passes/{HUGE}/summary", f"/subjects/{SUBJECT}/next?after={HUGE}",
    f"/exercises/{2**31}", "/exercises/0", "/exercises/-1",
])
def test_an_id_too_large_for_the_database_is_not_found(browser: Browser, path):
    browser.sign_up()
    browser.start_pass()
    page = browser.get(path)
    assert page.status_code in (404, 422)
    assert "Something is not right" in page.text


@pytest.mark.parametrize("action", ["check", "rate", "hint", "solution", "validate"])
def test_posting_to_an_id_too_large_is_not_found(browser: Browser, action):
    browser.sign_up()
    page = browser.post(f"/exercises/{HUGE}/{action}", {"rating": "red", "response": "1"})
    assert page.status_code == 404


def test_unpark_an_id_too_large_is_not_found(browser: Browser):
    browser.sign_up()
    assert browser.post(f"/needs-help/{HUGE}/unpark", {}).status_code == 404


def test_a_nul_character_is_refused_and_stores_nothing(browser: Browser, app):
    browser.sign_up()
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    browser.open(POWER)
    page = browser.post(f"/exercises/{pk}/check", {"response": "2x", "shape": "a\x00b"})
    assert page.status_code == 400 and "NUL" in page.text
    assert browser.get("/subjects/calc%00ulus/progress").status_code == 400
    with app.state.sessions() as session:
        assert session.scalar(select(orm.Attempt.id).where(
            orm.Attempt.shape_of_problem.contains("a"))) is None
    signup = Browser(app)
    signup.get("/signup")
    page = signup.post("/signup", {"email": "nul\x00@example.org", "password": "x" * 12})
    assert page.status_code == 400


def test_checking_an_exercise_already_rated_goes_back_to_it(browser: Browser, app):
    """Red before any Check is allowed (the learner gave up); a Check after it records
    nothing and shows the exercise again, never a server error."""
    browser.sign_up()
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    browser.open(POWER)
    browser.post(f"/exercises/{pk}/solution", {})
    assert browser.post(f"/exercises/{pk}/rate", {"rating": "red"}).status_code == 200
    page = browser.post(f"/exercises/{pk}/check", {"response": "2x"})
    assert page.status_code in (200, 404)
    with app.state.sessions() as session:
        assert session.scalar(select(orm.Attempt.id)) is None or all(
            a.status != "correct" for a in session.scalars(select(orm.Attempt)))


def test_an_unavailable_database_is_a_503_page(app):
    browser = Browser(app).sign_up()
    working = app.state.sessions
    broken = create_engine("sqlite:////nonexistent-folder/gyrus.db")
    app.state.sessions = sessionmaker(broken)
    try:
        page = browser.get("/")
        api = browser.client.post("/api/v1/check", headers={"X-CSRF-Token": "x"},
                                  json={"spec": {"type": "number", "value": "1"}, "response": "1"})
        health = browser.get("/healthz")
    finally:
        app.state.sessions = working
        broken.dispose()
    assert page.status_code == 503 and "database is not answering" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] and page.headers["x-frame-options"] == "DENY"
    assert "gyrus_signin" not in page.headers.get("set-cookie", "")  # the sign-in is kept
    assert api.status_code == 503 and api.json()["detail"]
    assert health.status_code == 503
    assert browser.get("/").status_code == 200  # still signed in once the database answers


def test_error_answers_carry_the_security_headers(app, monkeypatch):
    client = TestClient(app, raise_server_exceptions=False)
    for page in (client.get("/no/such/page"), client.post("/api/v1/check", content=b"x",
                 headers={"content-length": str(FORM_LIMIT + 1)})):
        assert page.headers["x-content-type-options"] == "nosniff", page.status_code

    def broken(*_args):
        raise RuntimeError("a bug")

    browser = Browser(app).sign_up()
    monkeypatch.setattr(queries, "subject_cards", broken)
    page = TestClient(app, raise_server_exceptions=False, cookies=browser.client.cookies).get("/")
    assert page.status_code == 500 and "a bug" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/healthz", "/login", "/signup", "/static/app.css"])
def test_head_works_where_get_does(app, path):
    client = TestClient(app)
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]


def test_a_private_import_s_subject_is_its_owners_alone(app):
    alice, bob = Browser(app).sign_up(), Browser(app).sign_up()
    alice_id = alice.user_id()
    with app.state.sessions.begin() as session:
        alchemy = orm.Subject(slug="alchemy", title="ALCHEMY-SUBJECT")
        topic = orm.Topic(subject=alchemy, slug="lead", title="Lead")
        mine = orm.Collection(slug=f"alchemy-{alice_id}", title="Alchemy", owner_id=alice_id)
        session.add(orm.Exercise(global_id="alchemy/lead/gold", collection=mine, topic=topic,
                                 prompt="Gold?", answer={"type": "number", "value": "79"}))
    assert "ALCHEMY-SUBJECT" in alice.get("/").text
    assert "ALCHEMY-SUBJECT" not in bob.get("/").text
    assert "ALCHEMY-SUBJECT" not in bob.get("/import").text
    for path in ("/subjects/alchemy/progress", "/subjects/alchemy/study-list",
                 "/subjects/alchemy"):
        assert bob.get(path).status_code == 404, path
    assert alice.get("/subjects/alchemy/progress").status_code == 200
    assert "ALCHEMY-SUBJECT" in alice.get("/export/backup.json").text
    assert "ALCHEMY-SUBJECT" not in bob.get("/export/backup.json").text  # found by the sweep


def test_another_learners_pending_upload_is_not_theirs_to_cancel(tmp_path):
    from app.bank.formats.model import ParsedImport

    parsed = ParsedImport(format="csv", title="List", key="list")
    token = importing.save_pending(tmp_path, parsed, 1)
    importing.drop_pending(tmp_path, token, 2)
    assert importing.load_pending(tmp_path, token, 1) is not None
    importing.drop_pending(tmp_path, token, 1)
    assert importing.load_pending(tmp_path, token, 1) is None


def test_headers_over_the_limit_are_refused_before_the_app(app):
    client = TestClient(app)
    page = client.get("/healthz", headers={"x-padding": "a" * (HEADER_LIMIT + 1)})
    assert page.status_code == 431
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/healthz", headers={"x-padding": "a" * 4096}).status_code == 200
