"""Sign up, Log in, Log out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import accounts
from app.web.csrf import rotate_csrf_token
from app.web.deps import USER_KEY, Uow, in_thread, notify, redirect, render

router = APIRouter()

EmailField = Annotated[str, Form(max_length=320)]
PasswordField = Annotated[str, Form(max_length=accounts.MAX_PASSWORD + 1)]
NextField = Annotated[str, Form(max_length=2000)]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send learners elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _sign_in(request: Request, user_id: int) -> None:
    """A fresh session for the learner (nothing of the anonymous one is carried over)."""
    request.session.clear()
    request.session[USER_KEY] = user_id
    rotate_csrf_token(request)


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    return render(request, "signup.html", email="", error=None)


@router.post("/signup")
async def signup(request: Request, uow: Uow, email: EmailField, password: PasswordField,
                 ) -> Response:
    try:
        user_id = await in_thread(accounts.create_user, uow, email, password)
    except accounts.AccountError as error:
        return render(request, "signup.html", status=400, email=email, error=str(error))
    _sign_in(request, user_id)
    notify(request, "Welcome to Gyrus. Pick a subject and start pass 1.")
    return redirect("/")


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", email="", error=None, next=_safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    uow: Uow,
    email: EmailField,
    password: PasswordField,
    next: NextField = "/",
) -> Response:
    limiter = request.app.state.login_limiter
    key = (accounts.normalise_email(email), request.client.host if request.client else "")
    context = {"email": email, "next": _safe_next(next)}
    if limiter.blocked(key):
        minutes = max(1, round(limiter.retry_after(key) / 60))
        error = f"Too many failed log-ins for this email. Try again in about {minutes} min."
        response = render(request, "login.html", status=429, error=error, **context)
        response.headers["Retry-After"] = str(limiter.retry_after(key))
        return response
    user_id = await in_thread(accounts.authenticate, uow, email, password)
    if user_id is None:
        limiter.hit(key)
        error = "The email or the password is not right."
        return render(request, "login.html", status=400, error=error, **context)
    limiter.reset(key)
    _sign_in(request, user_id)
    return redirect(_safe_next(next))


@router.post("/logout")
async def logout(request: Request) -> Response:
    request.session.clear()
    rotate_csrf_token(request)
    notify(request, "You are logged out.")
    return redirect("/login")
