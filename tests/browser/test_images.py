"""An imported book's figure in a real browser: uploaded in a zip, shown on the preview,
confirmed, and shown on the exercise page (loaded from the app itself, nothing blocked, nothing
from another origin), on a desktop and on a phone.

Screenshots of the exercise at 1280x800 and 390x844 are written to tests/artefacts/
(GYRUS_TEST_ARTIFACTS chooses another folder) for people to look at.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from serving import ROOT, Server
from test_learner_flow import CHROMIUM, CHROMIUM_ARGS, PASSWORD

sys.path.insert(0, str(ROOT / "tests"))
from imports.image_samples import book  # noqa: E402

pytestmark = pytest.mark.slow
SIZES = [(1280, 800), (390, 844)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("images")
    running = Server(folder, f"sqlite:///{folder / 'gyrus.db'}")
    try:
        yield running.start()
    finally:
        running.stop()


def screenshots() -> Path:
    folder = Path(os.environ.get("GYRUS_TEST_ARTIFACTS") or ROOT / "tests" / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_imported_figure_shows_on_the_exercise_page(server: Server) -> None:
    errors: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=server.url).new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("request", lambda request: requested.append(request.url))
            page.goto("/signup")
            page.get_by_label("Email").fill(f"figures-{time.time_ns()}@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            page.goto("/import")
            page.set_input_files("#file", files=[{"name": "pictures.zip",
                                                  "mimeType": "application/zip",
                                                  "buffer": book()}])
            page.get_by_label("Or a new subject").fill("graphs")
            page.get_by_role("button", name="Preview").click()
            expect(page.locator("ul.counts")).to_contain_text("2 images from the upload")
            waiting = page.get_by_role("img", name="A parabola opening upward", exact=False)
            expect(waiting).to_be_visible()
            assert waiting.evaluate("i => i.complete && i.naturalWidth") == 320
            page.get_by_role("button", name="Confirm import").click()
            page.goto("/")
            page.locator("#subject-graphs").get_by_role("button", name="Start pass").click()
            page.locator("ol.items > li").filter(has_text="The graph below").get_by_role(
                "link").first.click()
            figure = page.locator(".prompt img")
            expect(figure).to_have_attribute(
                "alt", "A parabola opening upward, its vertex marked at (1, -2)")
            expect(figure).to_be_visible()
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                page.reload()
                loaded = page.locator(".prompt img").evaluate(
                    "i => i.complete && i.naturalWidth")
                assert loaded == 320, "the figure did not load"
                box = page.locator(".prompt img").bounding_box()
                prompt = page.locator(".prompt").bounding_box()
                assert box and prompt and box["width"] <= prompt["width"]  # never wider
                page.wait_for_timeout(300)  # KaTeX
                page.screenshot(path=str(screenshots() / f"exercise-image-{width}x{height}.png"))
        finally:
            browser.close()
    assert not errors, errors
    assert all(url.startswith(server.url) for url in requested), [
        url for url in requested if not url.startswith(server.url)]
