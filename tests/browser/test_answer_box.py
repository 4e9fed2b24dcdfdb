"""The Answer box in a real browser (issue 16 items 2 and 5): the preview shows the typed order,
the input help says what to type, and the keypad inserts a fraction and a matrix grid at the
caret, on a desktop and on a phone, without ever setting off a keyboard shortcut.

Screenshots of the box with the keypad open, at 1280x800 and 390x844, are written to
tests/artefacts/ (GYRUS_TEST_ARTIFACTS chooses another folder) for people to look at.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from serving import ROOT, Server
from test_learner_flow import CHROMIUM, CHROMIUM_ARGS, PASSWORD, save_artifacts

pytestmark = pytest.mark.slow

BANK = ROOT / "tests" / "browser" / "answers_bank"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("answer-box")
    running = Server(folder, f"sqlite:///{folder / 'gyrus.db'}", bank=BANK)
    try:
        yield running.start()
    finally:
        running.stop()


def screenshots() -> Path:
    folder = Path(os.environ.get("GYRUS_TEST_ARTIFACTS") or ROOT / "tests" / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def open_page(server: Server, context_options: dict) -> Iterator[tuple[Page, list[str]]]:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=server.url, **context_options)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_default_timeout(15_000)
            try:
                yield page, errors
            except BaseException:
                save_artifacts(page, server, [])
                raise
        finally:
            browser.close()


def start(page: Page, exercise: str) -> None:
    """Sign up, start a pass, and open `exercise` from the pass's list."""
    page.goto("/signup")
    page.get_by_label("Email").fill(f"typist-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.locator("#subject-calculus").get_by_role("button", name="Start pass").click()
    page.locator("ol.items > li").filter(has_text=exercise).get_by_role("link").first.click()
    expect(page.locator(".prompt")).to_be_visible()


def expect_typed(page: Page, tex: str) -> None:
    """The preview shows `tex` as typed (KaTeX keeps the TeX in its MathML annotation)."""
    annotation = page.locator('#preview .typed annotation[encoding="application/x-tex"]')
    expect(annotation).to_have_text("\\displaystyle " + tex)


def test_the_preview_keeps_the_typed_order_and_the_keypad_inserts_a_fraction(
        server: Server) -> None:
    with open_page(server, DESKTOP) as (page, errors):
        start(page, "product-01")
        help_line = page.locator(".input-help")
        expect(help_line).to_have_text("Answer with an expression in x, e.g. 2x + 1.")
        box = page.get_by_label("Answer", exact=True)
        box.click()
        box.press_sequentially("2xe^x + x^2e^x", delay=10)
        expect_typed(page, r"2 \cdot x \cdot e^{x} + x^{2} \cdot e^{x}")
        expect(page.locator("#preview .read-as")).to_have_count(0)
        box.fill("")
        box.press_sequentially("\\sin 2x", delay=10)  # and the reading beside it: sin(2x)
        expect(page.locator("#preview .read-as .katex")).to_be_visible()
        expect(page.locator("#preview .read-as")).to_contain_text("read as")
        page.locator(".answer-box").screenshot(path=str(screenshots() / "preview-read-as.png"))

        # On a desktop the keypad waits behind its button.
        keypad, toggle = page.locator("#keypad"), page.get_by_role("button", name="Keypad")
        expect(keypad).to_be_hidden()
        toggle.click()
        expect(keypad).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")

        # A key inserts at the caret and leaves the focus in the box: the next letters type
        # there and set off no shortcut (h would open a hint).
        box.fill("3 + ")
        box.press("End")
        page.get_by_role("button", name="fraction").click()
        expect(box).to_be_focused()
        page.keyboard.type("h")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.type("2")
        expect(box).to_have_value("3 + (h)/(2)")
        expect(page.locator(".hint")).to_have_count(0)

        box.fill("")
        page.get_by_role("button", name="fraction").click()
        page.keyboard.type("1")
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")
        page.keyboard.type("x")
        expect(box).to_have_value("(1)/(x)")
        expect_typed(page, r"\frac{1}{x}")
        page.get_by_role("button", name="squared").click()  # no key typed after it
        expect(box).to_have_value("(1)/(x^2)")
        expect_typed(page, r"\frac{1}{x^{2}}")
        page.locator(".answer-box").screenshot(path=str(screenshots() / "answer-box-1280x800.png"))

        # Not read: the page comes back (through htmx) with the keypad's button still working.
        box.fill("2x +")
        box.press("Enter")
        expect(page.locator("#verdict")).to_contain_text("Not read")
        toggle = page.get_by_role("button", name="Keypad")
        expect(toggle).to_be_visible()
        toggle.click()
        expect(page.locator("#keypad")).to_be_visible()
        assert not errors, f"JavaScript errors: {errors}"


def test_the_keypad_builds_a_matrix_grid_on_a_phone(server: Server) -> None:
    with open_page(server, PHONE) as (page, errors):
        start(page, "matrix-02")
        help_line = page.locator(".input-help")
        expect(help_line).to_contain_text("a 2×2 matrix, row by row: [[a, b], [c, d]]")
        keypad = page.locator("#keypad")
        expect(keypad).to_be_visible()  # open at once on a touch screen
        key = page.get_by_role("button", name="fraction").bounding_box()
        assert key and key["height"] >= 44 and key["width"] >= 44  # a finger's size

        box = page.get_by_label("Answer", exact=True)
        box.tap()
        page.get_by_label("rows").select_option("2")
        page.get_by_label("columns").select_option("2")
        page.get_by_role("button", name="Insert grid").tap()
        expect(box).to_have_value("[[, ], [, ]]")
        expect(box).to_be_focused()
        page.keyboard.type("1")
        expect(box).to_have_value("[[1, ], [, ]]")
        box.fill("[[1, 2], [3, 4]]")
        box.press("End")
        page.keyboard.type(" ")  # a keyup: the live preview
        expect_typed(page, r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}")
        page.locator(".answer-box").screenshot(path=str(screenshots() / "answer-box-390x844.png"))
        assert not errors, f"JavaScript errors: {errors}"


def test_without_javascript_the_box_is_plain_and_checks(server: Server) -> None:
    with open_page(server, {**DESKTOP, "java_script_enabled": False}) as (page, errors):
        start(page, "product-01")
        expect(page.get_by_role("button", name="Keypad")).to_be_hidden()
        expect(page.locator("#keypad")).to_be_hidden()
        expect(page.locator(".input-help")).to_be_visible()
        box = page.get_by_label("Answer", exact=True)
        box.fill("2xe^x + x^2e^x")
        box.press("Enter")
        expect(page.locator("#verdict .verdict-label")).to_contain_text("Correct")
