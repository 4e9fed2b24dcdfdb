"""Study lists, Needs help (parking), the words learners see, pages without JavaScript,
template overrides, the JSON API, health and logs."""

from __future__ import annotations

import json
import logging
import re

from fastapi.testclient import TestClient

from app import models as orm
from app.main import create_app
from app.method.model import RED_CAP_PASS
from app.web.ratelimit import RateLimiter

from .conftest import (
    CHOICE,
    LINEAR,
    POWER,
    PROOF,
    SUBJECT,
    Browser,
    count,
    exercise_pk,
    settings_for,
)


def study_only(browser: Browser, *global_ids: str) -> None:
    browser.get(f"/subjects/{SUBJECT}/study-list")
    browser.post(f"/subjects/{SUBJECT}/study-list",
                 {"collection": "curated", "exercise": list(global_ids)})


def test_the_study_list_editor(browser: Browser):
    page = browser.get(f"/subjects/{SUBJECT}/study-list")
    assert "Derivatives" in page.text and "Limits" in page.text and "Curated bank" in page.text
    assert re.search(r'name="topic" value="derivatives" data-topic-box\s+checked', page.text)
    saved = browser.post(f"/subjects/{SUBJECT}/study-list",
                         {"collection": "curated", "topic": "limits", "exercise": POWER})
    assert "Study list saved: 0 added, 2 removed." in saved.text
    assert re.search(r'name="topic" value="limits" data-topic-box\s+checked', saved.text)
    assert not re.search(r'name="topic" value="derivatives" data-topic-box\s+checked', saved.text)
    browser.start_pass()
    listing = browser.get(f"/subjects/{SUBJECT}/passes/1").text
    assert "power-01" in listing and "choice-01" in listing
    assert "linear-02" not in listing and "proof-03" not in listing
    # added while the pass is open: it joins the pass (rule 8)
    browser.get(f"/subjects/{SUBJECT}/study-list")
    browser.post(f"/subjects/{SUBJECT}/study-list",
                 {"collection": "curated", "topic": "limits", "exercise": [POWER, PROOF]})
    assert "proof-03" in browser.get(f"/subjects/{SUBJECT}/passes/1").text


def test_red_in_the_fifth_pass_parks_it_until_unparked(browser: Browser, app):
    study_only(browser, POWER)
    for number in range(1, RED_CAP_PASS + 1):
        page = browser.start_pass()
        assert page.url.path == f"/subjects/{SUBJECT}/passes/{number}"
        if number > 1:
            browser.get(f"/exercises/{exercise_pk(app, POWER)}/theory")
            browser.post(f"/exercises/{exercise_pk(app, POWER)}/theory")
        browser.check(POWER, "3x")
        browser.show_solution(POWER)
        page = browser.rate(POWER, "red")
    assert "parked under Needs help" in page.text
    assert "Nothing left for another pass" in page.text
    helped = browser.get("/needs-help")
    assert "Needs help" in helped.text and "Differentiate" in helped.text
    assert "Limits" in helped.text  # the prerequisite topic is suggested
    assert "WORKED-EXAMPLE" in helped.text and "original" in helped.text
    assert 'aria-label="0 Green, 0 Yellow, 0 Red, 0 unrated, 1 parked"' in browser.get("/").text
    unparked = browser.post(f"/needs-help/{exercise_pk(app, POWER)}/unpark")
    assert "Unparked" in unparked.text and "Nothing is parked." in unparked.text
    assert "Start pass 6" in browser.get("/").text


def test_the_words_learners_see(browser: Browser, app):
    dashboard = browser.get("/")
    for word in ("Dashboard", "Start pass", "Needs help", "Log out"):
        assert word in dashboard.text
    browser.start_pass()
    assert "Continue pass" in browser.get("/").text
    exercise = browser.open(POWER).text
    for word in ("Answer", "Shape of the problem", "Motion to the solution", "Check",
                 "Show hint", "Show solution", "Next", "<kbd>Enter</kbd> checks", "<kbd>h</kbd>"):
        assert word in exercise
    assert '<label for="answer">Answer</label>' in exercise
    assert '<label for="shape">Shape of the problem</label>' in exercise
    assert '<label for="motion">Motion to the solution</label>' in exercise
    rated = browser.check(POWER, "2x").text
    for word in ("Correct", "Green", "Yellow", "Red",
                 "Made a mistake or was unsure, but I understand where and what is right.",
                 "Made a mistake and I do not understand the solution."):
        assert word in rated
    assert 'href="/import">Import</a>' in dashboard.text
    assert 'href="/export">Export</a>' in dashboard.text


def test_the_main_loop_needs_no_javascript(browser: Browser, app):
    browser.start_pass()
    page = browser.open(POWER).text
    pk = exercise_pk(app, POWER)
    action = f'<form id="attempt" method="post" action="/exercises/{pk}/check"'
    form = re.search(re.escape(action) + ".*?</form>", page, re.S)
    assert form, "the answer form posts to Check"
    first_button = re.search(r'<button type="submit"[^>]*>([^<]*)</button>', form.group(0))
    assert first_button.group(1) == "Check"  # Enter in the answer box submits Check
    # the keypad's keys are type="button" (never a submit) and hidden until app.js shows them
    assert re.search(r'<button type="button" class="keypad-toggle"[^>]* hidden>', page)
    assert re.search(r'<div class="keypad" id="keypad"[^>]* hidden>', page)
    assert not re.search(r"<button(?! type=)", form.group(0))
    assert "Answer with an expression in x, e.g. 2x + 1." in page  # the input help
    assert f'formaction="/exercises/{pk}/hint"' in form.group(0)
    assert f'hx-post="/exercises/{pk}/validate"' in page
    assert 'hx-trigger="keyup changed delay:300ms"' in page


def test_the_live_preview_reads_the_answer(browser: Browser, app):
    browser.start_pass()
    pk = exercise_pk(app, POWER)
    browser.open(POWER)
    read = browser.post(f"/exercises/{pk}/validate", {"response": "2x"})
    assert "Preview:" in read.text and 'class="math inline"' in read.text
    assert "read as" not in read.text  # the typed form says it all
    reread = browser.post(f"/exercises/{pk}/validate", {"response": "\\sin 2x"})
    assert "Preview:" in reread.text and "read as" in reread.text  # read as sin(2x)
    assert "<html" not in read.text  # a fragment for htmx
    unread = browser.post(f"/exercises/{pk}/validate", {"response": "2x +* ("})
    assert "Not read:" in unread.text


def test_the_live_preview_is_only_for_the_open_pass(browser: Browser, app):
    pk = exercise_pk(app, POWER)
    assert browser.post(f"/exercises/{pk}/validate", {"response": "2x"}).status_code == 404
    browser.start_pass()
    assert browser.post(f"/exercises/{pk}/validate", {"response": "2x"}).status_code == 200
    browser.post(f"/subjects/{SUBJECT}/passes/1/close")  # the pass ends
    assert browser.post(f"/exercises/{pk}/validate", {"response": "2x"}).status_code == 404


def test_a_pass_of_an_unknown_subject_is_a_404(browser: Browser, app):
    browser.sign_up()
    assert browser.post("/subjects/no-such-subject/passes").status_code == 404
    assert count(app, orm.Pass, user_id=browser.user_id()) == 0


def test_a_choice_is_answered_with_options(browser: Browser, app):
    browser.start_pass()
    page = browser.open(CHOICE).text
    assert 'type="radio" name="choice" value="a"' in page
    assert "Incorrect" in browser.post(f"/exercises/{exercise_pk(app, CHOICE)}/check",
                                       {"choice": "a"}).text


def test_a_parameterised_reference_is_shown_after_the_check(browser: Browser):
    browser.start_pass()
    assert "Incorrect" in browser.check(LINEAR, "0").text
    page = browser.show_solution(LINEAR)
    assert "Reference answer:" in page.text and "The slope is" in page.text
    assert "{{" not in page.text


def test_a_template_override_folder_wins(tmp_path, pool):
    override = tmp_path / "templates"
    override.mkdir()
    (override / "login.html").write_text(
        '{% extends "base.html" %}{% block content %}OPERATOR LOGIN PAGE{% endblock %}')
    app = create_app(settings_for(tmp_path, templates_dir=override), checker=pool)
    with TestClient(app) as client:
        page = client.get("/login")
        assert "OPERATOR LOGIN PAGE" in page.text
        assert "Sign up" in client.get("/signup").text  # the others are the built-in ones


def test_healthz_and_the_request_log(app, caplog):
    logger = logging.getLogger("gyrus.request")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="gyrus.request"):
            assert TestClient(app).get("/healthz").json() == {"status": "ok"}
    finally:
        logger.removeHandler(caplog.handler)
    line = json.loads(caplog.records[-1].getMessage())
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["ms"], float)


def test_the_check_api(browser: Browser, app):
    spec = {"type": "expression", "value": "2*x"}
    anonymous = TestClient(app)
    assert anonymous.post("/api/v1/check", json={"spec": spec, "response": "2x"}
                          ).status_code in (401, 403)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', browser.get("/").text).group(1)
    headers = {"X-CSRF-Token": token}
    no_header = browser.client.post("/api/v1/check", json={"spec": spec, "response": "2x"})
    assert no_header.status_code == 403
    result = browser.client.post("/api/v1/check", json={"spec": spec, "response": "x*2"},
                                 headers=headers).json()
    assert result["status"] == "correct"
    assert set(result) == {"status", "message", "latex", "notes", "elapsed_ms"}
    matrix = {"spec": {"type": "matrix", "value": "[[1, 2], [3, 4]]"},
              "response": "[[1, 3], [2, 4]]"}
    # The diagnosis has a time budget inside the check: warm the worker's matrix path first,
    # so a busy machine does not leave the second check without one.
    browser.client.post("/api/v1/check", headers=headers, json=matrix)
    transposed = browser.client.post("/api/v1/check", headers=headers, json=matrix).json()
    assert transposed["entries"] == {"wrong": [[1, 2], [2, 1]], "right": 2, "of": 4}
    assert transposed["diagnosis"]["code"] == "transpose"
    preview = browser.client.post("/api/v1/validate", json={"spec": spec, "response": "2x"},
                                  headers=headers).json()
    assert preview["valid"] is True and preview["latex"]
    bad = browser.client.post("/api/v1/check", json={"spec": {"type": "nope"}, "response": "1"},
                              headers=headers)
    assert bad.status_code == 422


def test_the_check_api_is_rate_limited(browser: Browser, app, monkeypatch):
    monkeypatch.setattr(app.state, "api_limiter", RateLimiter(2, 60))
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', browser.get("/").text).group(1)
    body = {"spec": {"type": "number", "value": "1"}, "response": "1"}
    codes = [browser.client.post("/api/v1/check", json=body, headers={"X-CSRF-Token": token}
                                 ).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_session_key_is_kept_in_the_data_dir(tmp_path):
    settings = settings_for(tmp_path, secret_key=None)
    key = settings.session_secret()
    assert (tmp_path / "secret_key").read_text() == key
    assert settings_for(tmp_path, secret_key=None).session_secret() == key


def test_every_page_has_an_icon_and_the_exercise_page_a_heading(browser: Browser, app):
    browser.start_pass()
    page = browser.open(POWER)
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    assert '<h1 class="visually-hidden">Derivatives: exercise' in page.text
    icon = browser.client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 301 and icon.headers["location"] == "/static/favicon.svg"
    assert browser.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")


def test_export_links_download_files(browser: Browser):
    """htmx must not boost them into the page (the backup is a file, not a page to show)."""
    page = browser.get("/export")
    links = re.findall(r'<a [^>]*href="/export/[^"]+"[^>]*>', page.text)
    assert links and all('hx-boost="false"' in a and " download" in a for a in links)


def test_a_self_graded_check_says_self_graded_once(browser: Browser, app):
    browser.start_pass()
    page = browser.check(PROOF, "A constant's graph is flat.")
    assert page.text.count("Self-graded") == 1, page.text


def test_the_dashboard_lists_subjects_in_the_order_they_are_learnt(app):
    """Calculus, linear algebra, probability, Bayesian, papers; then imported ones by title."""
    with app.state.sessions.begin() as session:
        bank = session.query(orm.Collection).filter_by(slug="curated").one()
        for slug, title in [("zeta-imported", "Another book"), ("papers", "Reading papers"),
                            ("bayesian", "Bayesian"), ("alpha-imported", "Zoology")]:
            subject = orm.Subject(slug=slug, title=title)
            topic = orm.Topic(subject=subject, slug="t", title="T")
            session.add(orm.Exercise(global_id=f"{slug}/t/e", collection=bank, topic=topic,
                                     prompt="Say 1.", answer={"type": "number", "value": "1"}))
    browser = Browser(app).sign_up()
    page = browser.get("/").text
    order = [slug for slug in re.findall(r'id="subject-([a-z-]+)"', page)]
    assert order[:4] == ["calculus", "probability", "bayesian", "papers"], order
    assert order.index("zeta-imported") < order.index("alpha-imported")  # by title
