"""The study-list editor at book scale (issue 19): a 3,000-exercise collection is chosen by
collection and topic keys resolved on the server, so its form stays far below the 1,000-field
limit, and a ticked collection adds all its exercises."""

from __future__ import annotations

import re
import time

from app.method import queries

from .conftest import Browser

BOOK = "big-book"
EXERCISES, TOPICS = 3000, 150
FIELD_LIMIT = 1000
"""Starlette's default `max_fields` for a form."""


def big_book() -> bytes:
    rows = ["id,topic,prompt"]
    rows += [f"e{n},Section {n % TOPICS:03d},Exercise number {n}." for n in range(EXERCISES)]
    return ("#collection:Big book\n" + "\n".join(rows) + "\n").encode()


def imported(browser: Browser) -> str:
    """Import the book (self-graded rows: nothing to verify) into its own subject; its key."""
    browser.get("/import")
    form = {"csrf_token": browser.token, "new_subject": BOOK}
    browser.client.post("/import", data=form, files={"file": ("big.csv", big_book())})
    browser.get("/import/preview")
    browser.post("/import/confirm", {})
    return f"u{browser.user_id()}-big-book"


def main_form_fields(page: str) -> int:
    """The fields the main form sends with every box ticked (inputs of another form, given by
    their `form` attribute, are not sent)."""
    main = page.split('class="study-list">', 1)[1].split("</form>", 1)[0]
    inputs = re.findall(r"<input [^>]*>", main)
    return sum(1 for i in inputs if 'name="' in i and "form=" not in i)


def test_a_3000_exercise_collection_is_chosen_by_keys(browser: Browser):
    collection = imported(browser)
    url = f"/subjects/{BOOK}/study-list"
    started = time.perf_counter()
    page = browser.get(url)
    shown = time.perf_counter() - started
    assert page.status_code == 200 and "(0 of 3000 on your list)" in page.text
    assert main_form_fields(page.text) < FIELD_LIMIT / 4  # collection + 150 topics + token

    # a ticked collection adds all of it, without its topics ticked
    saved = browser.post(url, {"collection": collection})
    assert "Study list saved: 3000 added, 0 removed." in saved.text
    assert "(3000 of 3000 on your list)" in saved.text

    # every topic ticked, the collection not: the same list, nothing changes
    keys = re.findall(r'name="topic" value="([^"]+)"', saved.text)
    assert len(keys) == TOPICS
    assert "0 added, 0 removed" in browser.post(url, {"topic": keys}).text

    # one topic's single exercises: only that topic changes
    first = keys[0]
    picked = browser.post(url, {"scope": first, "exercise": [
        f"imported/{collection}/e0", f"imported/{collection}/e150"]})
    assert "0 added, 18 removed" in picked.text  # 20 exercises per topic
    # the main form keeps the partly chosen topic as it is
    assert f'name="kept" value="{first}"' in picked.text
    kept = browser.post(url, {"topic": keys[1:], "kept": first})
    assert "0 added, 0 removed" in kept.text
    assert "(2982 of 3000 on your list)" in kept.text
    assert shown < 10, f"the editor took {shown:.1f} s"


def test_keys_of_what_the_learner_may_not_see_add_nothing(browser: Browser):
    page = browser.post("/subjects/calculus/study-list",
                        {"collection": "u999-someone-else", "topic": "u999-someone-else/x"})
    assert "Study list saved: 0 added, 4 removed." in page.text


def test_a_big_topics_single_exercises_come_in_forms_of_a_bounded_size(browser: Browser,
                                                                       monkeypatch):
    monkeypatch.setattr(queries, "SINGLES", 2)  # the derivatives topic has 3 exercises
    url = "/subjects/calculus/study-list"
    page = browser.get(url).text
    assert page.count('form="pick:curated/derivatives:0" data-exercise-box') == 2
    assert page.count('form="pick:curated/derivatives:1" data-exercise-box') == 1
    assert '<input type="hidden" name="part" value="1">' in page
    saved = browser.post(url, {"scope": "curated/derivatives", "part": "1"})
    assert "Study list saved: 0 added, 1 removed." in saved.text  # only the second form's one
    assert "(2 of 3)" in saved.text
