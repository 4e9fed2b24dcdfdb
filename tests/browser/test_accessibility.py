"""axe-core on every page, at a desktop and a phone size, in light and dark mode (issue 15).

A learner walks the tiny bank far enough for each page to exist (a pass, an exercise before and
after its check, a pass summary, an import preview, ...); on each, axe-core (vendored under
tests/browser/vendor, injected into the page, never served by the app) must find no violation,
and at 390 px wide the page must not scroll sideways.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from serving import Server
from test_learner_flow import PASSWORD, browser_page

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SIZES = [(1280, 800), (390, 844)]
SCHEMES = ["light", "dark"]
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help} -- ` +
    v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "")
      .replace(/\\s+/g, " ").slice(0, 160)).join(" | "));
}"""
CSV = "id,topic,prompt,answer\nq1,Powers,Differentiate $x^4$.,4x^3\n"


def audit(page: Page, name: str, found: dict[str, list[str]]) -> None:
    """Run axe and the sideways-scroll check on the page with its folded parts open, in every
    size and scheme."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # DevTools evaluation: the page's CSP does not apply
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            key = f"{name} at {width}px, {scheme}"
            problems = page.evaluate(RUN_AXE)
            scroll, inner = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"scrolls sideways: {scroll} px wide in {inner} px")
            if problems:
                found[key] = problems
            assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == (
                "rgb(18, 21, 28)" if scheme == "dark" else "rgb(251, 251, 253)")


def visit(page: Page, url: str, name: str, found: dict[str, list[str]]) -> None:
    page.goto(url)
    audit(page, name, found)


def test_axe_finds_nothing_on_any_page(server: Server, tmp_path: Path) -> None:  # noqa: F811
    found: dict[str, list[str]] = {}
    csv = tmp_path / "powers.csv"
    csv.write_text(CSV)
    with browser_page(server) as (page, _requests, errors):
        page.goto("/login")  # the audit itself: a picture without a text is found
        page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
        audit(page, "a broken page", found)
        broken = found.pop("a broken page at 390px, dark")
        assert any(line.startswith("image-alt") for line in broken)
        found.clear()
        visit(page, "/login", "log in", found)
        visit(page, "/signup", "sign up", found)
        page.get_by_label("Email").fill(f"axe-{os.getpid()}-{time.time_ns()}@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator("h1")).to_have_text("Dashboard")
        audit(page, "dashboard (first visit)", found)

        page.locator("#subject-calculus").get_by_role("button", name="Start pass").click()
        expect(page.locator("h1")).to_contain_text("pass 1")
        # reached through htmx (a boosted form): the snippets' maths is rendered all the same
        expect(page.locator("ol.items .snippet .katex").first).to_be_visible()
        audit(page, "pass", found)
        first = page.locator("ol.items > li a").first.get_attribute("href")
        visit(page, first, "exercise before its check", found)
        box = page.get_by_label("Answer", exact=True)
        box.fill("2x")
        box.press("Enter")
        expect(page.locator("section#verdict")).to_be_visible()
        audit(page, "exercise after its check", found)
        visit(page, f"{first}/theory", "theory", found)
        page.goto(first)
        page.locator("body").focus()
        page.keyboard.press("1")  # Green: on to the next exercise, with Undo
        expect(page.locator(".notice")).to_contain_text("Rated Green.")
        audit(page, "exercise after a rating (Undo)", found)
        box = page.get_by_label("Answer", exact=True)
        box.fill("1/5")
        box.press("Enter")
        expect(page.get_by_role("button", name="Try again")).to_be_visible()
        audit(page, "exercise after an incorrect check", found)
        page.get_by_role("button", name="Try again").click()
        expect(page.locator(".tries")).to_be_visible()
        audit(page, "exercise after Try again", found)

        page.goto("/subjects/calculus/passes/1")
        page.get_by_role("link", name="Close the pass early").click()
        expect(page.locator("h1")).to_contain_text("early?")
        audit(page, "closing a pass (confirmation)", found)
        page.get_by_role("button", name="Close pass 1").click()
        expect(page.locator("h1")).to_contain_text("summary")
        audit(page, "pass summary", found)
        visit(page, "/", "dashboard", found)
        visit(page, "/subjects/calculus/progress", "progress", found)
        visit(page, "/subjects/calculus/study-list", "study list", found)
        visit(page, "/import", "import", found)
        page.locator("#file").set_input_files(str(csv))
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_role("button", name="Confirm import")).to_be_visible()
        audit(page, "import preview", found)
        visit(page, "/export", "export", found)
        visit(page, "/account", "account", found)
        visit(page, "/needs-help", "needs help", found)
        visit(page, "/subjects/no-such-subject/passes/1", "error page", found)
        assert not errors, f"JavaScript errors: {errors}"
    report = "\n".join(f"{key}:\n  " + "\n  ".join(lines) for key, lines in found.items())
    assert not found, f"accessibility problems:\n{report}"
