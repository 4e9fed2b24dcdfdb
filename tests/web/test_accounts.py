"""Sign up, Log in, Log out, the log-in rate limit, and `gyrus user create`; sign-ins,
the Account page and password rules are in test_signins.py."""

from __future__ import annotations

from click.testing import CliRunner

from app import models as orm
from app.cli import main

from .conftest import PASSWORD, Browser, count


def test_pages_need_a_signed_in_learner(app):
    anonymous = Browser(app)
    page = anonymous.get("/")
    assert page.url.path == "/login"
    assert all(word in page.text for word in ("Log in", "Email", "Password", "Sign up"))
    assert anonymous.get("/needs-help").url.query == b"next=/needs-help"


def test_sign_up_then_log_out_and_in(app):
    learner = Browser(app).sign_up()
    assert "Log out" in learner.page.text and learner.email in learner.page.text
    out = learner.post("/logout")
    assert out.url.path == "/login" and "You are logged out." in out.text
    assert learner.get("/").url.path == "/login"
    back = learner.post("/login", {"email": learner.email.upper(), "password": PASSWORD})
    assert back.url.path == "/" and "Dashboard" in back.text


def test_log_in_goes_back_to_the_page_asked_for_but_never_off_site(app):
    learner = Browser(app).sign_up()
    learner.post("/logout")
    page = learner.post("/login", {"email": learner.email, "password": PASSWORD,
                                   "next": "/needs-help"})
    assert page.url.path == "/needs-help"
    learner.post("/logout")
    page = learner.post("/login", {"email": learner.email, "password": PASSWORD,
                                   "next": "//evil.example/"})
    assert page.url.path == "/" and page.url.host == "testserver"


def test_sign_up_refuses_a_taken_email_and_a_short_password(app):
    first = Browser(app).sign_up()
    again = Browser(app)
    again.get("/signup")
    page = again.post("/signup", {"email": first.email, "password": PASSWORD})
    assert page.status_code == 400 and "already exists" in page.text
    page = again.post("/signup", {"email": "new@example.org", "password": "short"})
    assert page.status_code == 400 and "at least 10 characters" in page.text


def test_a_bad_password_is_refused(app):
    learner = Browser(app).sign_up()
    learner.post("/logout")
    page = learner.post("/login", {"email": learner.email, "password": "wrong password"})
    assert page.status_code == 400
    assert "The email or the password is not right." in page.text
    assert learner.get("/").url.path == "/login"


def test_five_failures_lock_the_email_for_a_while(app):
    learner = Browser(app).sign_up()
    learner.post("/logout")
    for _ in range(5):
        failed = learner.post("/login", {"email": learner.email, "password": "nope"})
        assert failed.status_code == 400
    page = learner.post("/login", {"email": learner.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many failed log-ins" in page.text and int(page.headers["Retry-After"]) > 0
    assert learner.get("/").url.path == "/login"  # even the right password waits


def test_the_cookies_are_http_only_and_same_site(app):
    learner = Browser(app)
    response = learner.client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    learner.sign_up()
    signed_in = learner.client.cookies
    assert signed_in.get("gyrus_signin")
    response = learner.post("/logout", follow_redirects=False)
    cleared = response.headers["set-cookie"].lower()
    assert "gyrus_signin=" in cleared and "httponly" in cleared and "max-age=0" in cleared


def test_gyrus_user_create(app, monkeypatch):
    monkeypatch.setenv("GYRUS_DATABASE_URL", app.state.settings.database_url)
    result = CliRunner().invoke(main, ["user", "create", "Cli@Example.org",
                                       "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert count(app, orm.User, email="cli@example.org") == 1
    learner = Browser(app)
    page = learner.post("/login", {"email": "cli@example.org", "password": PASSWORD})
    assert "Dashboard" in page.text
    again = CliRunner().invoke(main, ["user", "create", "cli@example.org", "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output
