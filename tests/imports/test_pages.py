"""The Import and Export pages: upload -> preview (nothing written) -> confirm (one write);
CSRF required; downloads of one's own data only."""

from __future__ import annotations

import json

import yaml
from sqlalchemy import func, select
from web.conftest import Browser, count

from app import models as orm

from .conftest import sample


def upload(browser: Browser, name: str, data: bytes, **fields: str):
    browser.get("/import")
    form = {"csrf_token": browser.token, "subject": "calculus", **fields}
    response = browser.client.post("/import", data=form, files={"file": (name, data)})
    browser.page = response
    return response


def imported(app) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(orm.Exercise).where(
            orm.Exercise.global_id.like("imported/%")))


def test_nav_has_import_and_export(browser):
    page = browser.get("/")
    assert 'href="/import">Import</a>' in page.text and 'href="/export">Export</a>' in page.text


def test_preview_then_confirm(app, browser):
    before = imported(app)
    page = upload(browser, "stewart.txt", sample("stewart.txt"))
    assert page.status_code == 200 and "Import preview: Stewart 8e" in page.text
    assert "<strong>2</strong> checkable" in page.text
    assert "<strong>2</strong> self-graded" in page.text
    assert "stewart.txt:2" in page.text  # the problem names its line
    assert "Do exercise 1 of §3.4 in <em>Stewart 8e</em>" in page.text
    assert imported(app) == before  # nothing written by the preview
    done = browser.post("/import/confirm", {"study_list": "1"})
    assert done.status_code == 200 and "4 created" in done.text
    assert imported(app) == before + 4
    assert "Study list" in done.text
    again = browser.post("/import/confirm", {})
    assert "no upload waiting" in again.text


def test_confirm_needs_csrf(app, browser):
    upload(browser, "stewart.txt", sample("stewart.txt"))
    response = browser.client.post("/import/confirm", data={"csrf_token": "wrong"})
    assert response.status_code == 403


def test_bad_upload_shows_the_place_and_writes_nothing(app, browser):
    before = count(app, orm.Exercise)
    page = upload(browser, "quiz.xml", b"<quiz>\n<question>\n</quiz>")
    assert page.status_code == 400
    assert "Nothing was imported" in page.text and "quiz.xml:3:2" in page.text
    assert count(app, orm.Exercise) == before


def test_oversize_upload_is_refused_before_reading(app, browser):
    limit = app.state.settings.max_upload_bytes
    page = upload(browser, "big.csv", b"x" * (limit + 100_000))
    assert page.status_code == 413


def test_cancel_discards(app, browser):
    before = imported(app)
    upload(browser, "list.csv", sample("list.csv"))
    page = browser.post("/import/cancel", {})
    assert "nothing was written" in page.text
    assert imported(app) == before


def test_another_learner_cannot_see_or_export_a_private_collection(app, browser):
    upload(browser, "stewart.txt", sample("stewart.txt"))
    browser.post("/import/confirm", {})
    slug = f"u{browser.user_id()}-stewart-8e"
    mine = browser.get(f"/export/collections/{slug}.yaml")
    assert mine.status_code == 200
    documents = list(yaml.safe_load_all(mine.text))
    assert documents[0]["collection"]["title"] == "Stewart 8e"
    other = Browser(app).sign_up()
    assert other.get(f"/export/collections/{slug}.yaml").status_code == 404
    assert slug not in other.get("/export").text


def test_backup_download(app, browser):
    page = browser.get("/export")
    assert "Download all my data" in page.text
    backup = browser.get("/export/backup.json")
    assert backup.headers["content-disposition"].startswith("attachment")
    assert json.loads(backup.text)["user"]["email"] == browser.email


def test_include_activities_is_a_choice_of_the_import_form(browser):
    assert 'name="activities"' in browser.get("/import").text
    shapes = sample("shapes/book.ptx")
    assert "6 new" in upload(browser, "book.ptx", shapes).text
    assert "8 new" in upload(browser, "book.ptx", shapes, activities="1").text
