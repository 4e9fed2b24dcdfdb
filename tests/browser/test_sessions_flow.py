"""Sessions and progress in a real browser (issue 15 items 2 and 4), against a real `gyrus serve`
on the tiny bank: sign up -> a session size of 2 on the Account page -> Continue pass -> a
session with its place line "n of N" -> the session summary -> close pass 1 with confirmation ->
the topic map, the streak and the daily goal.

The browser runs in Europe/Paris: Continue pass hands that zone to the server (the learner never
chose one), and the Account page shows it. Screenshots of the session summary and the progress
page at 1280x800 and 390x844 go to $GYRUS_SCREENSHOTS (default: the artifacts folder); neither
page may scroll sideways at 390 px.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from serving import Server
from test_learner_flow import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    answer,
    artifacts_dir,
    save_artifacts,
)

pytestmark = pytest.mark.slow

SIZES = {"1280x800": (1280, 800), "390x844": (390, 844)}


def screenshots_dir() -> Path:
    chosen = os.environ.get("GYRUS_SCREENSHOTS")
    folder = Path(chosen) if chosen else artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, name: str) -> None:
    """The page at both sizes: a screenshot each, and no sideways scroll at either."""
    folder = screenshots_dir()
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {label}"
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def rate_with(page: Page, key: str) -> None:
    expect(page.locator(f'button.rate[data-key="{key}"]')).to_be_enabled()
    page.locator("body").focus()
    page.keyboard.press(key)


def test_a_learner_works_in_sessions_and_sees_their_progress(server: Server) -> None:
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=server.url, timezone_id="Europe/Paris",
                                          viewport={"width": 1280, "height": 800})
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_default_timeout(15_000)
            try:
                sessions_flow(page)
            except BaseException:
                save_artifacts(page, server, requests)
                raise
        finally:
            browser.close()
    assert not errors, f"JavaScript errors: {errors}"
    foreign = [u for u in requests if not u.startswith(server.url + "/")]
    assert not foreign, f"requests to another origin: {foreign}"


def sessions_flow(page: Page) -> None:
    main = page.locator("main")
    place = page.locator("#place")

    # -- sign up; a session of 2 and a goal of 2 on the Account page ------------------------------
    page.goto("/signup")
    page.get_by_label("Email").fill(f"sessions-{os.getpid()}-{time.time_ns()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("link", name="Account").click()
    page.get_by_label("Session size").fill("2")
    page.get_by_label("Daily goal").fill("2")
    page.get_by_label("Time zone").fill("")  # the learner leaves it to the browser
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".notice")).to_contain_text("Settings saved.")
    expect(page.get_by_label("Session size")).to_have_value("2")

    # -- start the pass, then Continue pass from the dashboard ------------------------------------
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    card = page.locator("#subject-calculus")
    card.get_by_role("button", name="Start pass").click()
    expect(page.locator("h1")).to_have_text("Calculus: pass 1")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    card.get_by_role("button", name="Continue pass").click()
    expect(place).to_have_text("1 of 2 today · 1 of 3 in pass 1")
    answer(page, "2x")
    rate_with(page, "1")
    expect(place).to_have_text("2 of 2 today · 2 of 3 in pass 1")
    shoot(page, "exercise-place")
    answer(page, "1/5")  # wrong: open the solution, then Red
    page.get_by_role("button", name="Show solution").click()
    rate_with(page, "3")

    # -- the session summary -------------------------------------------------------------------
    expect(page.locator("h1")).to_have_text("Calculus: session done")
    expect(main).to_contain_text("2 of 2 exercises rated in this session of pass 1")
    counts = page.locator(".session-counts")
    expect(counts).to_contain_text(re.compile(r"Green\s*1"))
    expect(counts).to_contain_text(re.compile(r"Red\s*1"))
    shoot(page, "session-summary")

    # -- another session, then close the pass early with confirmation ------------------------------
    page.get_by_role("button", name="Continue pass").click()
    expect(place).to_have_text("1 of 2 today · 3 of 3 in pass 1")  # a new session's count
    page.get_by_role("link", name=re.compile(r"Calculus, pass 1")).click()
    expect(page.locator("h1")).to_have_text("Calculus: pass 1")
    shoot(page, "pass-by-topic")
    page.get_by_role("link", name="Close the pass early").click()
    expect(page.locator("h1")).to_have_text("Close pass 1 of Calculus early?")
    expect(main).to_contain_text("1 unrated exercise")
    expect(main).to_contain_text("Pass 2 will hold 2 exercises")
    shoot(page, "close-pass")
    page.get_by_role("button", name="Close pass 1").click()
    expect(page.locator("h1")).to_have_text("Calculus: pass 1 summary")
    expect(main).to_contain_text("You closed this pass early.")

    # -- progress in view: dashboard, topic map, streak, the browser's time zone ------------------
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(card.locator(".day-line")).to_contain_text("Today 2 of 2 — goal met")
    expect(card.locator(".day-line")).to_contain_text("Streak 1 day")
    shoot(page, "dashboard")
    card.get_by_role("link", name="Progress").click()
    tile = page.get_by_role("link", name=re.compile(r"^Basics: 1 of 3 Green"))
    expect(tile).to_be_visible()
    expect(main.locator(".day-line")).to_contain_text("Streak 1 day")
    expect(main).to_contain_text("Europe/Paris")  # the calendar counts the browser's days
    shoot(page, "progress")
    tile.click()  # no open pass: back where the subject stands, with a word why
    expect(page.locator(".notice")).to_contain_text("Nothing of this topic is left")
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    shoot(page, "account")
