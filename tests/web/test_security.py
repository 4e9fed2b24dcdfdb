"""CSRF on every post, and every query scoped to the signed-in learner."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import models as orm

from .conftest import POWER, SUBJECT, Browser, count, exercise_pk, item


def test_a_post_without_the_token_is_refused_and_changes_nothing(browser: Browser, app):
    before = count(app, orm.Pass)
    bare = browser.client.post(f"/subjects/{SUBJECT}/passes")
    assert bare.status_code == 403
    forged = browser.client.post(f"/subjects/{SUBJECT}/passes", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    header = browser.client.post(f"/subjects/{SUBJECT}/passes",
                                 headers={"X-CSRF-Token": "forged"})
    assert header.status_code == 403
    assert count(app, orm.Pass) == before


def test_the_token_works_in_the_htmx_header_too(browser: Browser, app):
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', browser.get("/").text)
    assert token
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token.group(1)}"}}\'' in browser.page.text
    response = browser.client.post(f"/subjects/{SUBJECT}/passes",
                                   headers={"X-CSRF-Token": token.group(1)})
    assert response.status_code == 200 and response.url.path.endswith("/passes/1")


def test_log_in_and_check_need_the_token(browser: Browser, app):
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    assert browser.client.post(f"/exercises/{pk}/check", data={"response": "2x"}).status_code == 403
    assert item(app, browser.user_id(), POWER, 1).verdict is None
    assert Browser(app).client.post("/login", data={"email": "a@b.co", "password": "x" * 9}
                                    ).status_code == 403


def test_every_form_carries_the_token(browser: Browser, app):
    browser.start_pass()
    pages = [browser.get("/"), browser.open(POWER), browser.get(f"/subjects/{SUBJECT}/study-list"),
             browser.get(f"/subjects/{SUBJECT}/passes/1")]
    browser.check(POWER, "2x")
    pages.append(browser.page)
    for page in pages:
        for form in re.findall(r"<form.*?</form>", page.text, re.S):
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, form[:200]


def test_another_learners_pass_and_attempts_are_not_found(app):
    alice, bob = Browser(app).sign_up(), Browser(app).sign_up()
    alice.start_pass()
    alice.check(POWER, "2x")
    assert bob.get(f"/subjects/{SUBJECT}/passes/1").status_code == 404
    assert bob.get(f"/subjects/{SUBJECT}/passes/1/summary").status_code == 404
    pk = exercise_pk(app, POWER)
    assert bob.get(f"/exercises/{pk}").status_code == 404  # not in *his* pass
    assert bob.post(f"/exercises/{pk}/rate", {"rating": "green"}).status_code == 404
    assert bob.post(f"/exercises/{pk}/validate", {"response": "2x"}).status_code == 404
    assert item(app, alice.user_id(), POWER, 1).rating is None


def test_another_learners_imported_exercise_is_not_found(app):
    alice, bob = Browser(app).sign_up(), Browser(app).sign_up()
    alice_id = alice.user_id()
    global_id = f"calculus/derivatives/alice-{alice_id}"
    with app.state.sessions.begin() as session:
        topic = session.scalar(select(orm.Topic.id).where(orm.Topic.slug == "derivatives"))
        mine = orm.Collection(slug=f"book-{alice_id}", title="Alice's book", owner_id=alice_id)
        session.add(orm.Exercise(global_id=global_id, collection=mine, topic_id=topic,
                                 prompt="PRIVATE PROMPT", answer={"type": "number", "value": "1"}))
    private = exercise_pk(app, global_id)
    assert bob.get(f"/exercises/{private}").status_code == 404
    assert "PRIVATE PROMPT" not in bob.get(f"/subjects/{SUBJECT}/study-list").text
    assert "PRIVATE PROMPT" in alice.get(f"/subjects/{SUBJECT}/study-list").text
    bob.post(f"/subjects/{SUBJECT}/study-list",
             {"collection": [f"book-{alice_id}"], "topic": "curated/derivatives",
              "exercise": global_id})
    assert count(app, orm.StudyListEntry, exercise_id=private) == 0
    bob.start_pass()
    assert "PRIVATE" not in bob.get(f"/subjects/{SUBJECT}/passes/1").text
    assert "power-01" in bob.page.text


def test_responses_carry_security_headers(browser: Browser):
    page = browser.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
