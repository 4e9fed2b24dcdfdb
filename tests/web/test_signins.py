"""Sign-ins that can be ended (Log out, Log out everywhere, a password change, `gyrus user
password`), the Account page, the password rules, the log-in limits per address, and the cap
on password hashes."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app import accounts
from app import models as orm
from app.cli import main
from app.main import create_app
from app.settings import Settings
from app.signins import key_of

from .conftest import PASSWORD, TOKEN, Browser, settings_for

NEW_PASSWORD = "a brand new passphrase"


def copy_of(learner: Browser) -> Browser:
    """Another client holding a copy of the learner's cookies (a stolen or second browser)."""
    thief = Browser(learner.client.app)
    thief.client.cookies = dict(learner.client.cookies)
    return thief


def signed_in(client: Browser) -> bool:
    return client.get("/").url.path == "/"


def sign_in_again(learner: Browser, password: str = PASSWORD) -> Browser:
    """The same learner in another browser."""
    other = Browser(learner.client.app)
    other.email = learner.email
    page = other.post("/login", {"email": learner.email, "password": password})
    assert page.url.path == "/", page.text
    return other


def test_a_cookie_copied_before_log_out_no_longer_works_after_it(app):
    learner = Browser(app).sign_up()
    thief = copy_of(learner)
    assert signed_in(thief)
    learner.post("/logout")
    assert not signed_in(thief)
    assert not signed_in(learner)


def test_the_cookie_holds_no_readable_user_id(app):
    """Only 32 random bytes: no JSON, no user id, no signature over readable data (Starlette's
    session cookie was base64 JSON with a signature after a dot)."""
    learner = Browser(app).sign_up()
    value = learner.client.cookies["gyrus_signin"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    decoded = base64.urlsafe_b64decode(value + "=")
    assert len(decoded) == 32 and b"user" not in decoded
    with pytest.raises(ValueError):
        json.loads(decoded)
    assert sign_in_again(learner).client.cookies["gyrus_signin"] != value
    with app.state.sessions() as session:  # the table keeps only the id's hash
        stored = session.scalars(select(orm.SignIn.id).where(
            orm.SignIn.user_id == learner.user_id())).all()
    assert key_of(value) in stored and value not in stored


def test_log_out_everywhere_ends_every_sign_in(app):
    learner = Browser(app).sign_up()
    other = sign_in_again(learner)
    learner.get("/account")
    assert "Log out everywhere" in learner.page.text
    page = learner.post("/logout-everywhere")
    assert page.url.path == "/login" and "You are logged out everywhere." in page.text
    assert not signed_in(other) and not signed_in(learner)


def test_the_account_page_shows_the_email_and_the_sign_ins(app):
    learner = Browser(app).sign_up()
    sign_in_again(learner)
    page = learner.get("/")
    assert 'href="/account"' in page.text and "Account" in page.text
    page = learner.get("/account")
    assert page.status_code == 200 and learner.email in page.text
    assert "Change password" in page.text and page.text.count('<td class="agent">') == 2
    assert "this one" in page.text
    assert Browser(app).get("/account").url.path == "/login"


def test_a_password_change_needs_the_current_password_and_ends_the_other_sign_ins(app):
    learner = Browser(app).sign_up()
    other = sign_in_again(learner)
    learner.get("/account")
    wrong = learner.post("/account/password", {"current": "not my password",
                                               "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    differ = learner.post("/account/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                                "again": NEW_PASSWORD + "!"})
    assert differ.status_code == 400 and "differ" in differ.text
    assert signed_in(other)  # nothing changed yet
    page = learner.post("/account/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                               "again": NEW_PASSWORD})
    assert page.url.path == "/account" and "Password changed" in page.text
    assert signed_in(learner) and not signed_in(other)
    learner.post("/logout")
    refused = learner.post("/login", {"email": learner.email, "password": PASSWORD})
    assert refused.status_code == 400
    sign_in_again(learner, NEW_PASSWORD)


@pytest.mark.parametrize("weak, reason", [
    ("12345678", "at least 10 characters"),
    (" " * 10, "one character repeated"),
    ("aaaaaaaaaaaa", "one character repeated"),
    ("password123", "most common"),
    ("Qwertyuiop", "most common"),
])
def test_weak_passwords_are_refused_with_a_reason(app, weak, reason):
    visitor = Browser(app)
    visitor.get("/signup")
    page = visitor.post("/signup", {"email": f"weak-{uuid.uuid4().hex[:8]}@example.org",
                                    "password": weak})
    assert page.status_code == 400 and reason in page.text
    learner = Browser(app).sign_up()
    learner.get("/account")
    page = learner.post("/account/password", {"current": PASSWORD, "new": weak, "again": weak})
    assert page.status_code == 400 and reason in page.text


def test_gyrus_user_password_resets_and_ends_the_sign_ins(app, monkeypatch):
    monkeypatch.setenv("GYRUS_DATABASE_URL", app.state.settings.database_url)
    learner = Browser(app).sign_up()
    other = sign_in_again(learner)
    weak = CliRunner().invoke(main, ["user", "password", learner.email, "--password", "password1"])
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    assert signed_in(learner)
    result = CliRunner().invoke(main, ["user", "password", learner.email.upper()],
                                input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "sign-ins ended" in result.output
    assert not signed_in(learner) and not signed_in(other)
    sign_in_again(learner, NEW_PASSWORD)
    nobody = CliRunner().invoke(main, ["user", "password", "nobody@example.org",
                                       "--password", NEW_PASSWORD])
    assert nobody.exit_code != 0 and "no user" in nobody.output


def test_log_ins_with_random_emails_from_one_address_are_throttled(tmp_path, pool):
    application = create_app(settings_for(tmp_path, login_max_failures_per_ip=4), checker=pool)
    with Browser(application).client:
        visitor = Browser(application)
        for _ in range(4):
            page = visitor.post("/login", {"email": f"{uuid.uuid4().hex}@example.org",
                                           "password": "any password at all"})
            assert page.status_code == 400
        page = visitor.post("/login", {"email": f"{uuid.uuid4().hex}@example.org",
                                       "password": "any password at all"})
        assert page.status_code == 429 and "your address" in page.text
        assert int(page.headers["Retry-After"]) > 0


def test_x_forwarded_for_from_an_untrusted_client_is_ignored(tmp_path, pool):
    """No proxy is trusted by default: a rotating X-Forwarded-For does not escape the limit;
    from a configured proxy the header names the client."""
    untrusted = create_app(settings_for(tmp_path, login_max_failures_per_ip=2), checker=pool)
    assert _forwarded_log_ins(untrusted) == [400, 400, 429]
    folder = tmp_path / "proxied"
    folder.mkdir()
    proxied = create_app(settings_for(folder, login_max_failures_per_ip=2,
                                      trusted_proxies="testclient"), checker=pool)
    assert _forwarded_log_ins(proxied) == [400, 400, 400]


def _forwarded_log_ins(app) -> list[int]:
    """Three failed log-ins, each with another X-Forwarded-For address."""
    with Browser(app).client:
        visitor = Browser(app)
        return [visitor.post("/login", {"email": f"{n}@example.org", "password": "x" * 10},
                             headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(3)]


def test_gyrus_serve_trusts_no_proxy_unless_told(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("GYRUS_TRUSTED_PROXIES", "")  # restored after the test
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0
    assert calls[-1]["proxy_headers"] is False and Settings().trusted_proxies == ""
    result = CliRunner().invoke(main, ["serve", "--forwarded-allow-ips", "10.1.2.3"])
    assert result.exit_code == 0 and calls[-1]["proxy_headers"] is False
    assert Settings().trusted_proxies == "10.1.2.3"


class BlockingHashing(accounts.PasswordHashing):
    """A hashing executor whose jobs wait for `release`: saturation without timing."""

    def __init__(self) -> None:
        super().__init__(workers=1, waiting=0)
        self.release = threading.Event()

    async def run(self, fn, *args):  # type: ignore[override]
        def blocked(*inner):
            self.release.wait(10)
            return fn(*inner)

        return await super().run(blocked, *args)


def test_the_hash_cap_answers_503_when_every_slot_is_taken(app, monkeypatch):
    hashing = BlockingHashing()
    monkeypatch.setattr(accounts, "HASHING", hashing)
    loop = asyncio.new_event_loop()
    holder = threading.Thread(target=loop.run_until_complete,
                              args=(hashing.run(len, "taken"),), daemon=True)
    holder.start()
    try:
        for _ in range(100):  # until the one slot is taken
            if not hashing._slots._value:
                break
            threading.Event().wait(0.01)
        visitor = Browser(app)
        page = visitor.post("/login", {"email": "who@example.org", "password": PASSWORD})
        assert page.status_code == 503 and "try again" in page.text
        assert int(page.headers["Retry-After"]) > 0
        visitor.get("/signup")
        page = visitor.post("/signup", {"email": "new-503@example.org", "password": PASSWORD})
        assert page.status_code == 503
        assert Browser(app).get("/login").status_code == 200  # pages still answer
    finally:
        hashing.release.set()
        holder.join(10)
        loop.close()
    with app.state.sessions() as session:
        assert session.scalar(select(orm.User).where(
            orm.User.email == "new-503@example.org")) is None


def test_every_account_form_carries_the_token_and_a_bad_one_is_refused(app):
    learner = Browser(app).sign_up()
    page = learner.get("/account")
    forms = [form for form in page.text.split("<form")[1:] if 'method="post"' in form]
    assert len(forms) == 4 and all(TOKEN.search(form) for form in forms)
    for url in ("/account/settings", "/account/password", "/logout-everywhere", "/logout"):
        forged = learner.client.post(url, data={"csrf_token": "forged", "current": PASSWORD,
                                                "new": NEW_PASSWORD, "again": NEW_PASSWORD})
        assert forged.status_code == 403
    assert signed_in(learner)
    thief = copy_of(learner)
    learner.post("/logout")
    old_token = TOKEN.search(page.text).group(1)
    replay = thief.client.post("/subjects/calculus/passes", data={"csrf_token": old_token})
    assert replay.status_code == 403 and not signed_in(thief)


@pytest.mark.parametrize(("agent", "shown"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
     "Firefox on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", "Chrome on Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"),
    ("testclient", "testclient"),
    ("", "Unknown browser"),
])
def test_a_sign_in_names_its_browser_as_a_learner_would(agent: str, shown: str):
    from datetime import UTC, datetime

    from app.signins import Listed

    now = datetime.now(UTC)
    assert Listed(now, now, agent, current=False).browser == shown
