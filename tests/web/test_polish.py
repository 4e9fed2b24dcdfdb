"""Small page polish from the practice-loop issue (15): the Import page documents its CSV
columns, the dashboard explains the method to a learner who has not rated anything yet."""

from __future__ import annotations

import re

from app.bank.formats.tabular import COLUMNS

from .conftest import POWER, Browser


def test_the_import_page_documents_every_csv_column(browser: Browser):
    page = browser.get("/import").text
    documented = re.findall(r'<th scope="row"><code>([a-z_]+)</code></th>', page)
    assert documented == COLUMNS
    assert "<th scope=\"col\">Example</th>" in page
    assert "expression" in page and "self-graded" in page  # the answer types, the fallback
    assert "<code>front</code> for <code>prompt</code>" in page  # Anki's names are understood


def test_the_dashboard_explains_the_method_until_the_first_rating(browser: Browser):
    first = browser.get("/").text
    assert 'class="method"' in first
    for word in ("Green", "Yellow", "Red", "pass"):
        assert word in first
    browser.start_pass()
    assert 'class="method"' in browser.get("/").text  # a pass alone: still nothing rated
    browser.check(POWER, "2x")
    browser.rate(POWER, "green")
    assert 'class="method"' not in browser.get("/").text


def test_a_multiple_choice_reference_lists_each_option_apart(app):
    """It read "a) ABb) BAd) CA": the options ran together."""
    from app.bank.shown import Shown

    exercise = Shown(prompt="Which are true?", answer={
        "type": "choice", "value": ["a", "b", "d"],
        "options": {"a": "AB", "b": "BA", "c": "AC", "d": "CA"}})
    html = app.state.templates.env.get_template("_reference.html").render(exercise=exercise)
    items = re.findall(r"<li>(.*?)</li>", html)
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in items] == ["a) AB", "b) BA", "d) CA"]
