"""The import preview in a real browser (issue 19 bullets 3 and 4), against a real `gyrus serve`
on the tiny bank: an Anki deck whose first field is a chapter title is uploaded, the preview
shows the problems grouped with counts (places behind a toggle) and the field mapping; mapping
the front, the back and the deck reads the file again, and the confirmation writes that reading
and opens the study list. Screenshots of the preview (before and after the mapping) and the
study list at 1280x800 and 390x844 go to tests/artefacts/; no page scrolls sideways at 390 px.
"""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from serving import Server
from test_learner_flow import ARTEFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, save_artifacts

pytestmark = pytest.mark.slow

SIZES = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
DECK = (
    "#separator:tab\n#html:true\n# exported from Anki\n#notetype column:1\n#deck column:2\n"
    "Basic\tCalculus::Limits\tChapter 1: Limits\tWhat is \\(\\lim_{x\\to 0} (1+x)\\)?\t1\n"
    "Basic\tCalculus::Limits\tChapter 1: Limits\tWhat is \\(\\lim_{x\\to 2} x^2\\)?\t4\n"
    "Basic\tCalculus::Limits\tChapter 1: Limits\tWhy does the limit of a sum split?\t"
    "Because <b>limits are linear</b>\n"
    "Cloze\tCalculus::Limits\tChapter 1: Limits\t{{c1::Squeeze}} and {{c1::sandwich}} are "
    "two names of one theorem.\t\n"
    "Basic\tCalculus::Limits\t\t\t\n"
    "Basic\tCalculus::Limits\t\t\tOnly a back\n"
)
MAPPING = {"field-1": "topic", "field-2": "", "field-3": "prompt", "field-4": "answer"}


def shots(page: Page, name: str) -> None:
    """The page at both sizes (full page), each without a sideways scroll."""
    ARTEFACTS.mkdir(exist_ok=True)
    for size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        assert wide <= size["width"], f"{name} scrolls sideways at {size['width']} px ({wide})"
        page.screenshot(path=str(ARTEFACTS / f"{name}-{size['width']}x{size['height']}.png"),
                        full_page=True)
    page.set_viewport_size(SIZES[0])


def test_an_anki_deck_is_mapped_in_the_preview_and_imported(server: Server) -> None:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=server.url, viewport=SIZES[0]).new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(20_000)
        try:
            flow(page)
        except BaseException:
            save_artifacts(page, server, [])
            raise
        finally:
            browser.close()
    assert not errors, f"JavaScript errors: {errors}"


def flow(page: Page) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(f"importer-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Dashboard")

    page.goto("/import")
    page.locator("#file").set_input_files(
        {"name": "limits.txt", "mimeType": "text/plain", "buffer": DECK.encode()})
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("h1")).to_have_text("Import preview: limits")
    problems = page.get_by_role("region", name="Problems")
    expect(problems).to_contain_text("the row has no prompt × 2")
    expect(problems).to_contain_text("the answer is words, not maths × 4")
    where = problems.locator("details").first
    expect(where.locator("code").first).not_to_be_visible()  # places behind the toggle
    where.locator("summary").click()
    expect(where.locator("code").first).to_be_visible()
    expect(page.locator(".prompt").first).to_have_text("Chapter 1: Limits")  # field 1: a title
    shots(page, "import-preview-anki")

    for name, role in MAPPING.items():
        page.locator(f'select[name="{name}"]').select_option(role)
    page.get_by_role("button", name="Read the file with these fields").click()
    expect(page.locator(".notice")).to_contain_text("Fields mapped")
    expect(page.locator(".prompt").first).to_contain_text("What is")
    expect(page.locator(".prompt .katex").first).to_be_visible()
    expect(page.locator('select[name="field-3"]')).to_have_value("prompt")
    problems = page.get_by_role("region", name="Problems")
    expect(problems).to_contain_text("a cloze card with several blanks is self-graded × 1")
    shots(page, "import-preview-anki-mapped")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("h1")).to_have_text("Study list: Calculus")
    expect(page.locator(".notice")).to_contain_text("created")
    collection = page.locator("fieldset", has_text="limits")
    box, topic = collection.locator("[data-collection-box]"), collection.locator("[data-topic-box]")
    expect(box).to_be_checked()
    topic.uncheck()  # unticking a topic unticks its collection, ticking the collection ticks it
    expect(box).not_to_be_checked()
    box.check()
    expect(topic).to_be_checked()
    collection.get_by_text("Single exercises").click()
    collection.locator("[data-exercise-box]").first.uncheck()
    collection.get_by_role("button", name="Save these exercises").click()
    expect(page.locator(".notice")).to_contain_text("Study list saved: 0 added, 1 removed.")
    collection = page.locator("fieldset", has_text="limits")
    expect(collection).to_contain_text("(3 of 4 on your list)")
    shots(page, "study-list-collections")
