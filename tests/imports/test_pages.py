"""The Import and Export pages: upload -> preview (nothing written) -> confirm (one write);
CSRF required; downloads of one's own data only."""

from __future__ import annotations

import json

import yaml
from sqlalchemy import func, select
from web.conftest import Browser, count

from app import models as orm
from app.bank.formats import tabular

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


def test_the_import_page_documents_every_csv_column(browser):
    page = browser.get("/import").text
    for name in tabular.COLUMNS:
        assert f'<th scope="row"><code>{name}</code></th>' in page
    assert "<code>#markdown:exact</code>" in page


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


CHAPTERS = (
    "#separator:tab\n#html:true\n# from Anki\n#notetype column:1\n#deck column:2\n"
    "Basic\tBook::Limits\tChapter 1: Limits\tWhat is \\(1+1\\)?\t2\n"
    "Basic\tBook::Limits\tChapter 1: Limits\tWhat is \\(2+2\\)?\t4\n"
)
MAPPED = {"field-0": "", "field-1": "topic", "field-2": "", "field-3": "prompt",
          "field-4": "answer"}


def test_the_preview_maps_anki_fields_and_the_confirm_keeps_the_mapping(app, browser):
    page = upload(browser, "deck.txt", CHAPTERS.encode())
    assert page.status_code == 200 and "Read the file with these fields" in page.text
    assert 'name="field-3"' in page.text and "Chapter 1: Limits" in page.text
    assert page.text.count("<code>row-") == 2  # two rows, one front: two ids all the same
    assert browser.client.post("/import/mapping", data=MAPPED).status_code == 403  # no CSRF
    refused = browser.post("/import/mapping", {"field-0": "answer", "field-1": "answer"})
    assert refused.status_code == 400 and "exactly one field as the front" in refused.text
    mapped = browser.post("/import/mapping", MAPPED)
    assert mapped.status_code == 200 and "Fields mapped" in mapped.text
    assert 'What is <span class="math inline">1+1</span>?' in mapped.text
    assert "checked as number" in mapped.text
    assert '<option value="prompt" selected>' in mapped.text  # the mapping is remembered
    browser.post("/import/confirm", {})
    with app.state.sessions() as session:
        prompts = set(session.scalars(select(orm.Exercise.prompt).where(
            orm.Exercise.global_id.like("imported/%/row-%"))))
    assert prompts == {"What is $1+1$?", "What is $2+2$?"}


def test_the_preview_groups_problems_with_counts_and_names_the_file_read(
        app, browser, monkeypatch):
    from app.bank import formats

    read = formats.read

    def census(*args, **kwargs):
        parsed = read(*args, **kwargs)
        parsed.read_from, parsed.held = "rows.csv, the only file", 9
        return parsed

    monkeypatch.setattr(formats, "read", census)
    rows = "id,prompt,answer\n" + "".join(f"e{n},,\n" for n in range(3)) + \
        "a,Explain limits.,\nb,What is $1+1$?,2\n"
    page = upload(browser, "rows.csv", rows.encode())
    assert "File read: <code>rows.csv, the only file</code>" in page.text
    assert "<strong>2</strong> found of the <strong>9</strong> exercises" in page.text
    assert "the row has no prompt <strong>× 3</strong>" in page.text
    assert "the source gives no answer to check <strong>× 1</strong>" in page.text
    assert "<code>rows.csv:5</code>" in page.text and "<code>rows.csv:6</code>" not in page.text
    assert "<summary>Where</summary>" in page.text and "<code>rows.csv:3</code>" in page.text
    assert "Problems (4)" in page.text
    assert "Read the file with these fields" not in page.text  # its columns are named


def test_a_csv_downloaded_from_export_uploads_back_into_the_same_collection(app, browser):
    upload(browser, "notes.csv", b"id,prompt,answer\nq1,\"Display: \\[x\\]; inline: $x$\",2\n")
    browser.post("/import/confirm", {})
    slug = f"u{browser.user_id()}-notes"
    exported = browser.get(f"/export/collections/{slug}.csv").text
    page = upload(browser, "renamed.csv", exported.encode())
    assert f"into the collection\n<code>{slug}</code>" in page.text
    assert "0 new, 1 already imported" in page.text
    done = browser.post("/import/confirm", {})
    assert "0 created, 0 updated, 1 unchanged" in done.text
    with app.state.sessions() as session:
        assert session.scalar(select(orm.Exercise.prompt).where(
            orm.Exercise.global_id == f"imported/{slug}/q1")) == "Display: $$x$$; inline: $x$"
