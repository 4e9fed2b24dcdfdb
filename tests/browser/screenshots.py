#!/usr/bin/env python3
"""Screenshots of the list pages on the real curated bank, to look at (issue 15): the dashboard,
a pass page and the study list, at 1280x800 and 390x844, in light and dark mode.

    .venv/bin/python tests/browser/screenshots.py [--out tests/artefacts]

Starts a real `gyrus serve` on a temp SQLite database with the bank in exercises/, signs up a
learner, starts pass 1 of calculus and saves NAME-WIDTH-SCHEME.png files in the out folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from serving import ROOT, Server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZES = [(1280, 800), (390, 844)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artefacts")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder), f"sqlite:///{folder}/gyrus.db", bank=ROOT / "exercises")
        server.start(timeout=180)
        try:
            shoot(server, args.out)
        finally:
            server.stop()


def shoot(server: Server, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(base_url=server.url).new_page()
        page.goto("/signup")
        page.get_by_label("Email").fill(f"look-{time.time_ns()}@example.org")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator("h1")).to_have_text("Dashboard")
        save(page, "/", "dashboard", out)
        page.locator("#subject-calculus").get_by_role("button", name="Start pass").click()
        expect(page.locator("h1")).to_contain_text("pass 1", timeout=120_000)  # snippets first
        save(page, page.url, "pass", out)
        page.goto("/subjects/calculus/study-list")
        save(page, page.url, "study-list", out, open_first=True)
        browser.close()


def save(page, url: str, name: str, out: Path, open_first: bool = False) -> None:
    for width, height in SIZES:
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            page.goto(url)
            if open_first:
                page.locator("details").first.evaluate("d => d.open = true")
                page.locator("details").first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)  # the snippets' maths render as they come into view
            path = out / f"{name}-{width}-{scheme}.png"
            page.screenshot(path=str(path))
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
