"""The Green-Yellow-Red loop in a real browser (Debian's chromium through Playwright), against a
real `gyrus serve` on a tiny bank: keyboard only where the keyboard is meant to be used.

Never downloads a browser: it launches /usr/bin/chromium, and skips (with the reason) only when
that is missing outside CI. On failure a screenshot, the page's HTML and the server log are saved
in an artifacts folder whose path is printed (GYRUS_TEST_ARTIFACTS chooses it).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from serving import Server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it (apt-get install chromium)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` to run the browser test "
                "(Playwright's own browser downloads are never used)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "correct horse battery"
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
"""Screenshots kept in the repository, for people to look at (issue 15)."""
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def artifacts_dir() -> Path:
    base = os.environ.get("GYRUS_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "gyrus-artifacts"
    folder = Path(base) / time.strftime("browser-%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_artifacts(page: Page, server: Server, requests: list[str]) -> Path:
    folder = artifacts_dir()
    try:
        page.screenshot(path=str(folder / "failure.png"), full_page=True)
        (folder / "page.html").write_text(page.content())
    except Exception as error:  # the page may be gone; the log still helps
        (folder / "screenshot-error.txt").write_text(repr(error))
    (folder / "server.log").write_text(server.log(tail=400))
    (folder / "requests.txt").write_text("\n".join(requests))
    print(f"\nbrowser test artifacts (screenshot, page, server log): {folder}")
    return folder


@contextmanager
def browser_page(server: Server) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A fresh page in Debian's chromium, with the requests and JavaScript errors it sees; on
    failure the screenshot, page and server log are saved."""
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=server.url, viewport=DESKTOP)
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_default_timeout(15_000)
            try:
                yield page, requests, errors
            except BaseException:
                save_artifacts(page, server, requests)
                raise
        finally:
            browser.close()


def test_a_learner_goes_through_two_passes(server: Server) -> None:
    with browser_page(server) as (page, requests, errors):
        learner_flow(page)
        assert not errors, f"JavaScript errors: {errors}"
        foreign = [u for u in requests if not u.startswith(server.url + "/")]
        assert not foreign, f"requests to another origin: {foreign}"
        assert any("/static/vendor/katex/" in u for u in requests)


def answer(page: Page, text: str) -> None:
    """Type into the Answer box (the live preview follows), then Enter checks."""
    box = page.get_by_label("Answer", exact=True)
    box.click()
    box.press_sequentially(text, delay=20)
    expect(page.locator("#preview .typed .katex")).to_be_visible()  # KaTeX rendered it
    box.press("Enter")
    expect(page.locator("section#verdict")).to_be_visible()


def screenshots(page: Page, name: str) -> None:
    """The page at 1280x800 and at 390x844, under tests/artefacts/; no sideways scroll."""
    ARTEFACTS.mkdir(exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTEFACTS / f"{name}-{size['width']}x{size['height']}.png"),
                        full_page=True)
    page.set_viewport_size(DESKTOP)


def rate(page: Page, key: str, next_heading: str | re.Pattern[str]) -> None:
    """Press a rating key on the checked page; the next page (exercise or summary) opens."""
    expect(page.locator(f'button.rate[data-key="{key}"]')).to_be_enabled()
    page.locator("body").focus()
    page.keyboard.press(key)
    expect(page.locator("main")).to_contain_text(next_heading)


def learner_flow(page: Page) -> None:
    # -- sign up: the dashboard ---------------------------------------------------------------
    page.goto("/signup")
    page.get_by_label("Email").fill(f"learner-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    card = page.locator("#subject-calculus")
    expect(card).to_contain_text("No pass yet.")

    # -- pass 1 -----------------------------------------------------------------------------
    card.get_by_role("button", name="Start pass").click()
    expect(page.locator("h1")).to_contain_text("pass 1")
    expect(page.locator("ol.items > li")).to_have_count(3)
    page.keyboard.press("n")  # Next, in list order: the first exercise
    expect(page.locator(".prompt")).to_contain_text("Differentiate")
    expect(page.locator(".prompt .katex").first).to_be_visible()  # the prompt's maths too

    # Nothing is focused when the page opens, so keys work at once: a (or /) goes to the
    # Answer box, where letters type; Esc leaves it.
    box = page.get_by_label("Answer", exact=True)
    expect(box).not_to_be_focused()
    page.keyboard.press("a")
    expect(box).to_be_focused()
    page.keyboard.press("n")
    expect(box).to_have_value("n")
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()
    box.fill("")

    # The live preview shows how the answer is read, rendered by KaTeX.
    answer(page, "2x")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    expect(page.locator("#solution")).to_contain_text("By the power rule")
    rate(page, "1", "probability of rolling a six")  # Green; on to the next exercise
    expect(page.locator(".notice")).to_contain_text("Rated Green.")

    # A decimal for an exact answer is Not read: nothing recorded, the Answer box stays.
    box = page.get_by_label("Answer", exact=True)
    box.fill("0.1667")
    box.press("Enter")
    expect(page.locator("#verdict")).to_contain_text("Not read")
    expect(page.locator("#verdict")).to_contain_text("exact value")
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.locator("button.rate")).to_have_count(0)
    page.get_by_label("Answer", exact=True).fill("")

    # Incorrect: the verdict and Try again or Show solution; no solution, no rating yet.
    answer(page, "1/5")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Incorrect")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.get_by_role("button", name="Show solution")).to_be_visible()
    expect(page.locator("#solution")).to_have_count(0)
    expect(page.locator("button.rate")).to_have_count(0)
    screenshots(page, "exercise-incorrect")
    page.get_by_role("button", name="Try again").click()
    box = page.get_by_label("Answer", exact=True)
    expect(box).to_have_value("1/5")  # the last answer, to correct
    expect(page.locator(".tries")).to_contain_text("Attempt 1: Incorrect")
    box.fill("")
    answer(page, "1/6")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    expect(page.locator("#solution")).to_contain_text("One favourable outcome")
    expect(page.locator('button.rate[data-key="1"]')).to_be_disabled()  # an attempt was wrong
    page.locator("body").focus()
    page.keyboard.press("1")  # refused: nothing happens
    rate(page, "2", "slope")  # Yellow is accepted; on to the next exercise
    expect(page.locator(".notice")).to_contain_text("Rated Yellow.")

    # Undo (u) until the next Check: back to the rating, rate again.
    expect(page.locator('button[data-key="u"]')).to_be_visible()
    screenshots(page, "exercise-after-rating-undo")
    page.locator("body").focus()
    page.keyboard.press("u")
    expect(page.locator(".notice")).to_contain_text("Rating undone")
    expect(page.locator(".prompt")).to_contain_text("probability of rolling a six")
    expect(page.locator('button.rate[data-key="1"]')).to_be_disabled()
    rate(page, "2", "slope")  # Yellow again

    answer(page, "4")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Incorrect")
    expect(page.locator("#verdict .feedback")).to_contain_text("SLOPE-FEEDBACK")
    expect(page.locator('button[data-key="u"]')).to_have_count(0)  # checked: no more Undo
    page.get_by_role("button", name="Show solution").click()
    expect(page.locator("#solution")).to_contain_text("The coefficient")
    rate(page, "3", "pass 1 summary")  # Red; the last one: the summary

    # -- the summary: pass 2 holds the Yellow and the Red one ------------------------------------
    expect(page.locator("main")).to_contain_text("Pass 2 holds 2 exercises")
    upcoming = page.locator("ol.items > li")
    expect(upcoming).to_have_count(2)
    expect(upcoming.nth(0)).to_contain_text("number-02")
    expect(upcoming.nth(1)).to_contain_text("slope-03")

    # -- pass 2: theory first ---------------------------------------------------------------------
    page.get_by_role("button", name="Start pass 2").click()
    expect(page.locator("h1")).to_contain_text("pass 2")
    items = page.locator("ol.items > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("number-02")
    expect(items.nth(1)).to_contain_text("slope-03")
    expect(page.locator("ol.items")).not_to_contain_text("power-01")  # Green: not revisited
    expect(page.locator("ol.items .chip.review")).to_have_count(2)

    page.keyboard.press("n")
    expect(page.locator("h1")).to_have_text("Theory review: Basics")
    expect(page.locator(".theory")).to_contain_text("THEORY-NOTE")
    expect(page.locator(".theory .katex").first).to_be_visible()
    expect(page.locator(".example")).to_contain_text("WORKED-EXAMPLE")
    expect(page.locator(".previous")).to_contain_text("1/6")  # the previous answer
    expect(page.locator(".notice .chip.yellow")).to_have_text("Yellow")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".prompt")).to_contain_text("probability of rolling a six")
    expect(page.get_by_label("Answer", exact=True)).to_be_visible()
    expect(page.locator("details.previous")).to_contain_text("Correct")  # collapsed, above
    answer(page, "1/6")
    rate(page, "1", "slope")  # Green now: no wrong attempt in this pass

    # The same topic's next Red exercise: no second review, its own last answer and feedback.
    expect(page.locator("h1")).not_to_contain_text("Theory review")
    previous = page.locator("details.previous")
    expect(previous).not_to_have_attribute("open", "")
    previous.locator("summary").click()
    expect(previous).to_contain_text("SLOPE-FEEDBACK")
    expect(previous).to_contain_text("4")
    screenshots(page, "exercise-pass-2-previous-attempt")
    page.get_by_role("link", name="Theory").first.click()  # readable at any time
    expect(page.locator("h1")).to_have_text("Theory: Basics")
    expect(page.locator(".theory")).to_contain_text("THEORY-NOTE")

    # -- the dashboard's counts --------------------------------------------------------------------
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    card = page.locator("#subject-calculus")
    expect(card).to_contain_text("Pass 2 is open.")
    legend = card.locator("ul.legend")
    expect(legend).to_contain_text(re.compile(r"Green\s*2"))
    expect(legend).to_contain_text(re.compile(r"Yellow\s*0"))
    expect(legend).to_contain_text(re.compile(r"Red\s*1"))
    expect(card.get_by_role("button", name="Continue pass")).to_be_visible()

    # -- Export: the learner's data downloads as a file, it is not shown in the page -----------
    page.get_by_role("link", name="Export").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all my data (JSON)").click()
    assert download.value.suggested_filename.endswith(".json")
    backup = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert backup["user"]["email"].startswith("learner-")
    expect(page.locator("h1")).to_have_text("Export")


BOOK_LIST = "Browser Test Book | 2.1 Powers | 7 | answers: 7: 4x^3 | subject: calculus\n"


def test_a_learner_imports_a_list_and_practises_it(server: Server, tmp_path: Path) -> None:
    """Import a textbook list through the page (preview, then confirm), then answer the
    imported exercise in a pass like any other."""
    book = tmp_path / "powers.txt"
    book.write_text(BOOK_LIST)
    with browser_page(server) as (page, _requests, errors):
        import_flow(page, book)
        assert not errors, f"JavaScript errors: {errors}"


def import_flow(page: Page, book: Path) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(f"importer-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("link", name="Import").click()
    page.locator("#file").set_input_files(str(book))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("main")).to_contain_text("Browser Test Book")
    expect(page.locator("main")).to_contain_text("4")  # the answer, rendered in the preview
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("main")).to_contain_text("Browser Test Book")

    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.locator("#subject-calculus").get_by_role("button", name="Start pass").click()
    items = page.locator("ol.items > li")
    expect(items).to_have_count(4)  # the three bank exercises and the imported one
    items.filter(has_text="2-1-7").get_by_role("link").first.click()
    expect(page.locator(".prompt")).to_contain_text("7")
    answer(page, "4x^3")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    page.locator("body").focus()
    page.keyboard.press("1")
    expect(page.locator(".notice")).to_contain_text("Rated Green.")


def test_a_learner_answers_a_three_part_exercise(server: Server) -> None:
    """Issue 18: part 1 right, part 2 wrong then Try again then right, part 3 right; the one
    rating after the last part cannot be Green (part 2 was Incorrect once), Yellow is taken."""
    with browser_page(server) as (page, _requests, errors):
        parts_flow(page)
        assert not errors, f"JavaScript errors: {errors}"


def parts_flow(page: Page) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(f"parts-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.locator("#subject-papers").get_by_role("button", name="Start pass").click()
    expect(page.locator("h1")).to_contain_text("pass 1")
    page.keyboard.press("n")
    expect(page.locator(".prompt").first).to_contain_text("first moment")
    expect(page.locator("#part")).to_have_text("Part 1 of 3")
    expect(page.locator(".parts-locked li")).to_have_count(2)  # parts 2 and 3, greyed
    expect(page.locator("button.rate")).to_have_count(0)

    answer(page, "1/10")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    expect(page.locator("#solution")).to_contain_text("m_1")
    expect(page.locator("button.rate")).to_have_count(0)  # rated once, after the last part
    page.get_by_role("button", name="Next part").click()

    expect(page.locator("#part")).to_have_text("Part 2 of 3")
    expect(page.locator("section.part.done")).to_contain_text("Correct")
    answer(page, "1/5")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Incorrect")
    expect(page.locator("#verdict .feedback")).to_contain_text("M2-FEEDBACK")
    screenshots(page, "exercise-parts")  # mid-way: part 2 of 3, Incorrect, Try again
    page.get_by_role("button", name="Try again").click()
    box = page.get_by_label("Answer", exact=True)
    expect(box).to_have_value("1/5")
    box.fill("")
    answer(page, "19/100")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    page.get_by_role("button", name="Next part").click()

    expect(page.locator("#part")).to_have_text("Part 3 of 3")
    expect(page.locator("section.part.done")).to_have_count(2)
    expect(page.locator(".parts-locked")).to_have_count(0)
    answer(page, "1")
    expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
    expect(page.locator('button.rate[data-key="1"]')).to_be_disabled()  # part 2 was Incorrect
    screenshots(page, "exercise-parts-rating")  # after the last part: the one rating
    page.locator("body").focus()
    page.keyboard.press("1")  # refused: nothing happens
    rate(page, "2", "pass 1 summary")  # Yellow; the only exercise: the summary
    expect(page.locator(".notice")).to_contain_text("Rated Yellow.")
