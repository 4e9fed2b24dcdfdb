"""Sign up, Log in, Log out, and the Account page (password, Log out everywhere, sign-ins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import accounts, signins
from app.method import queries, service, sessions
from app.threads import in_thread
from app.web import visitor
from app.web.deps import Uow, User, notify, redirect, render

router = APIRouter()

EmailField = Annotated[str, Form(max_length=320)]
PasswordField = Annotated[str, Form(max_length=accounts.MAX_PASSWORD + 1)]
NextField = Annotated[str, Form(max_length=2000)]
LOGGED_OUT = {"1": "You are logged out.", "all": "You are logged out everywhere."}
"""The notice of `/login?out=…`: after Log out the visitor is anonymous, and keeps no data."""


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send learners elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _max_age(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.session_max_age)


def _client(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For already applied, see main)."""
    return request.client.host if request.client else ""


async def _sign_in(request: Request, uow: Uow, user_id: int) -> None:
    """A new sign-in for the learner (nothing of the anonymous visit is carried over)."""
    agent = request.headers.get("user-agent", "")
    raw = await in_thread(signins.begin, uow, user_id, agent, _max_age(request))
    visitor.begin(request, raw)


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    return render(request, "signup.html", email="", error=None,
                  min_password=accounts.MIN_PASSWORD)


@router.post("/signup")
async def signup(request: Request, uow: Uow, email: EmailField, password: PasswordField,
                 ) -> Response:
    try:
        user_id = await accounts.sign_up(uow, email, password)
    except accounts.AccountError as error:
        return render(request, "signup.html", status=400, email=email, error=str(error),
                      min_password=accounts.MIN_PASSWORD)
    await _sign_in(request, uow, user_id)
    notify(request, "Welcome to Gyrus. Pick a subject and start pass 1.")
    return redirect("/")


@router.get("/login")
async def login_page(request: Request, next: str = "/", out: str = "") -> Response:
    if out in LOGGED_OUT:
        notify(request, LOGGED_OUT[out])
    return render(request, "login.html", email="", error=None, next=_safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    uow: Uow,
    email: EmailField,
    password: PasswordField,
    next: NextField = "/",
) -> Response:
    state = request.app.state
    address = _client(request)
    pair = (accounts.normalise_email(email), address)
    context = {"email": email, "next": _safe_next(next)}
    # Per address too: random emails from one address are limited as well.
    for limiter, key, whom in ((state.login_limiter, pair, "this email"),
                               (state.login_ip_limiter, address, "your address")):
        if limiter.blocked(key):
            seconds = limiter.retry_after(key)
            error = (f"Too many failed log-ins for {whom}. "
                     f"Try again in about {max(1, round(seconds / 60))} min.")
            response = render(request, "login.html", status=429, error=error, **context)
            response.headers["Retry-After"] = str(seconds)
            return response
    user_id = await accounts.log_in(uow, email, password)
    if user_id is None:
        state.login_limiter.hit(pair)
        state.login_ip_limiter.hit(address)
        error = "The email or the password is not right."
        return render(request, "login.html", status=400, error=error, **context)
    state.login_limiter.reset(pair)
    await _sign_in(request, uow, user_id)
    return redirect(_safe_next(next))


@router.post("/logout")
async def logout(request: Request, uow: Uow) -> Response:
    current = visitor.visit_of(request).current
    if current is not None:
        await in_thread(signins.end, uow, current.key)
    visitor.end(request)
    return redirect("/login?out=1")


@router.post("/logout-everywhere")
async def logout_everywhere(request: Request, uow: Uow, user: User) -> Response:
    await in_thread(signins.end_all, uow, user)
    visitor.end(request)
    return redirect("/login?out=all")


async def _account_page(request: Request, uow: Uow, user: int, status: int = 200,
                        error: str | None = None, settings_error: str | None = None,
                        typed: dict[str, str] | None = None) -> Response:
    current = visitor.visit_of(request).current
    key = current.key if current else ""
    listed = await in_thread(signins.listed, uow, user, key, _max_age(request))
    chosen = await in_thread(queries.learner_settings, uow, user)
    shown = {"session_size": str(chosen.session_size), "daily_goal": str(chosen.daily_goal),
             "time_zone": chosen.time_zone or "", "order": chosen.order, **(typed or {})}
    return render(request, "account.html", status=status, error=error, sign_ins=listed,
                  min_password=accounts.MIN_PASSWORD, settings=shown,
                  settings_error=settings_error, sizes=sessions.SESSION_SIZES,
                  goals=sessions.DAILY_GOALS)


@router.get("/account")
async def account_page(request: Request, uow: Uow, user: User) -> Response:
    return await _account_page(request, uow, user)


@router.post("/account/password")
async def change_password(
    request: Request,
    uow: Uow,
    user: User,
    current: PasswordField,
    new: PasswordField,
    again: PasswordField,
) -> Response:
    if new != again:
        error = "The two new passwords differ; type the same one twice."
        return await _account_page(request, uow, user, 400, error)
    signed_in = visitor.visit_of(request).current
    keep = signed_in.key if signed_in else None
    try:
        await accounts.change_password(uow, user, current, new, keep)
    except accounts.AccountError as error:
        return await _account_page(request, uow, user, 400, str(error))
    notify(request, "Password changed. Your other sign-ins are ended.")
    return redirect("/account")


SettingField = Annotated[str, Form(max_length=64)]


@router.post("/account/settings")
async def save_settings(
    request: Request,
    uow: Uow,
    user: User,
    session_size: SettingField = "",
    daily_goal: SettingField = "",
    time_zone: SettingField = "",
    order: SettingField = "",
) -> Response:
    """Session size, daily goal, time zone and order (rules 9, 10); bad input: 400, nothing
    saved, the form shown again with what was typed."""
    typed = {"session_size": session_size, "daily_goal": daily_goal, "time_zone": time_zone,
             "order": order}
    try:
        chosen = sessions.validated(_whole(session_size, "session size"),
                                    _whole(daily_goal, "daily goal"),
                                    time_zone, order)
    except sessions.SettingsError as error:
        return await _account_page(request, uow, user, 400, settings_error=str(error),
                                   typed=typed)
    await in_thread(service.save_settings, uow, user, chosen)
    notify(request, "Settings saved.")
    return redirect("/account")


def _whole(text: str, what: str) -> int:
    """A whole number typed in a form field, or SettingsError naming the field."""
    try:
        return int(text.strip())
    except ValueError:
        raise sessions.SettingsError(f"The {what} must be a whole number.") from None
