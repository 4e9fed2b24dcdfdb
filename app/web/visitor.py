"""Who a request comes from: the sign-in its cookie names, and the cookies the answer sets.

The `gyrus_signin` cookie carries only a random sign-in id (nothing readable); the row it
names (`app.signins`) says who is signed in, and keeps the data the pages carry between that
learner's requests. The pages read and write that data as `request.session` (Starlette's
interface): it is loaded here before the route runs and the route's changes are saved before
the answer is sent. An anonymous visitor's `request.session` is not kept: it serves a notice
shown on the same page. Anonymous visitors get a random `gyrus_csrf` cookie instead, which
their CSRF token is derived from (`app.web.csrf`).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from fastapi import Request
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import signins
from app.db import UnitOfWork
from app.threads import in_thread

log = logging.getLogger(__name__)

COOKIE = "gyrus_signin"
CSRF_COOKIE = "gyrus_csrf"
SCOPE_KEY = "gyrus.visit"
UNANSWERED_KEY = "gyrus.database_unanswered"
UNTRACKED = ("/static/",)
"""Paths that need no visitor: no database read for them."""


@dataclass
class Visit:
    """This request's sign-in (if any), its data, and what the answer must say in cookies."""

    raw: str | None
    """The sign-in cookie's raw id, while it names a live sign-in (or one begun now)."""
    current: signins.Current | None
    """The live sign-in the request came with."""
    key: str | None
    """The row that keeps `data`: the current sign-in's, or one begun by this request."""
    data: dict[str, Any]
    saved: dict[str, Any]
    """`data` as stored, to save only what the request changed."""
    csrf_seed: str | None
    """An anonymous visitor's `gyrus_csrf` cookie (made on first use)."""
    set_cookies: list[tuple[str, str, int]] = field(default_factory=list)


async def database_answered(request: Request) -> None:
    """A dependency of every route: when the sign-in lookup found the database down, the
    route does not run and the app's 503 page (or JSON) answers."""
    error = request.scope.get(UNANSWERED_KEY)
    if error is not None:
        raise error


def visit_of(request: Request) -> Visit:
    return request.scope[SCOPE_KEY]


def signed_in(scope: Scope) -> bool:
    """Whether the request comes from a live sign-in (for the body limits)."""
    visit = scope.get(SCOPE_KEY)
    return visit is not None and visit.current is not None


def begin(request: Request, raw: str) -> None:
    """The route began a sign-in: the answer sets its cookie; its data starts empty (what the
    route puts in it, a welcome notice, is saved with it)."""
    visit = visit_of(request)
    visit.raw, visit.key = raw, signins.key_of(raw)
    visit.data.clear()
    visit.saved = {}
    visit.set_cookies.append((COOKIE, raw, _max_age(request.scope)))


def end(request: Request) -> None:
    """The route ended this sign-in: the answer clears its cookie, and the visitor is
    anonymous with a fresh CSRF seed (a token seen before cannot be replayed)."""
    visit = visit_of(request)
    visit.raw = visit.current = visit.key = None
    visit.data.clear()
    visit.set_cookies.append((COOKIE, "", 0))
    visit.csrf_seed = None


def csrf_seed(request: Request) -> str:
    """The secret the CSRF token derives from: the sign-in's raw id, or for an anonymous
    visitor a random cookie of their own (set on first use)."""
    visit = visit_of(request)
    if visit.raw is not None:
        return visit.raw
    if visit.csrf_seed is None:
        visit.csrf_seed = secrets.token_urlsafe(32)
        visit.set_cookies.append((CSRF_COOKIE, visit.csrf_seed, _max_age(request.scope)))
    return visit.csrf_seed


def _max_age(scope: Scope) -> int:
    return scope["app"].state.settings.session_max_age


class SignIns:
    """ASGI middleware: the visit before the app runs; the data and cookies after it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTRACKED):
            await self.app(scope, receive, send)
            return
        try:
            visit = await self._visit(scope)
        except (OperationalError, InterfaceError) as error:  # nobody known, no cookie touched
            visit = Visit(None, None, None, {}, {}, None)
            scope[UNANSWERED_KEY] = error
        scope[SCOPE_KEY] = visit
        scope["session"] = visit.data

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    await self._save(scope, visit)
                except (OperationalError, InterfaceError):  # the answer (a 503 page, say)
                    log.warning("sign-in data not saved: the database is not answering")
                headers = MutableHeaders(scope=message)
                for name, value, max_age in visit.set_cookies:
                    headers.append("set-cookie", _cookie(scope, name, value, max_age))
            await send(message)

        await self.app(scope, receive, sending)

    async def _visit(self, scope: Scope) -> Visit:
        cookies = cookie_parser(_header(scope, b"cookie"))
        raw = cookies.get(COOKIE)
        current = await in_thread(
            signins.find, _uow(scope), raw, _idle_limit(scope)) if raw else None
        data = current.data if current else {}
        visit = Visit(raw if current else None, current, current.key if current else None,
                      dict(data), dict(data), cookies.get(CSRF_COOKIE) or None)
        if raw and current is None:  # ended, expired or forged: forget it
            visit.set_cookies.append((COOKIE, "", 0))
        elif current is not None and current.stale:
            await in_thread(signins.touch, _uow(scope), current.key)
            visit.set_cookies.append((COOKIE, raw, _max_age(scope)))  # a sliding expiry
        return visit

    async def _save(self, scope: Scope, visit: Visit) -> None:
        """Store what the request changed in its sign-in's data (before the answer goes out,
        so the page a redirect leads to finds it)."""
        if visit.key is None:
            return
        changed = {k: v for k, v in visit.data.items() if visit.saved.get(k) != v}
        removed = set(visit.saved) - set(visit.data)
        if changed or removed:
            await in_thread(signins.save_data, _uow(scope), visit.key, changed, removed)


def _uow(scope: Scope) -> UnitOfWork:
    return UnitOfWork(scope["app"].state.sessions)


def _idle_limit(scope: Scope) -> timedelta:
    return timedelta(seconds=_max_age(scope))


def _header(scope: Scope, name: bytes) -> str:
    return b"; ".join(v for k, v in scope["headers"] if k == name).decode("latin-1")


def _cookie(scope: Scope, name: str, value: str, max_age: int) -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Secure over HTTPS only (GYRUS_HTTPS_ONLY)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    morsel["httponly"] = True
    morsel["samesite"] = "lax"
    if scope["app"].state.settings.https_only:
        morsel["secure"] = True
    return morsel.OutputString()
