"""FastAPI dependencies: the unit of work, the checker pool, the signed-in learner."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.checking.pool import CheckerPool
from app.db import UnitOfWork
from app.web.visitor import visit_of

MAX_INT = 2**31 - 1
"""The largest value of an integer column (PostgreSQL's INTEGER): a larger id in a URL names
nothing, and must not reach the database."""
PathInt = Annotated[int, Path(ge=1, le=MAX_INT)]
"""A row id or a pass number in a URL."""


class LoginRequired(Exception):
    """No learner is signed in: pages send them to Log in, the API answers 401."""


async def get_uow(request: Request) -> UnitOfWork:
    """A unit of work per request (never shared between threads)."""
    return UnitOfWork(request.app.state.sessions)


async def get_pool(request: Request) -> CheckerPool:
    return request.app.state.checker


async def current_user(request: Request) -> int:
    """The signed-in learner's id, from the live sign-in the request's cookie names (an ended
    sign-in, or a deleted account, has no row: signed out)."""
    current = visit_of(request).current
    if current is None:
        raise LoginRequired()
    request.state.user_email, request.state.is_operator = current.email, current.is_operator
    return current.user_id


async def require_operator(request: Request, user_id: Annotated[int, Depends(current_user)]) -> int:
    """The signed-in user's id if they are an operator; 403 for everyone else."""
    if not getattr(request.state, "is_operator", False):
        raise HTTPException(403, "This page is for operators.")
    return user_id


Uow = Annotated[UnitOfWork, Depends(get_uow)]
Pool = Annotated[CheckerPool, Depends(get_pool)]
User = Annotated[int, Depends(current_user)]
Operator = Annotated[int, Depends(require_operator)]


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A page from its template."""
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form post the browser GETs the next page (no re-post on reload)."""
    return RedirectResponse(url, status_code=303)


def notify(request: Request, text: str) -> None:
    """A one-line notice shown on the next page a signed-in learner opens (after a redirect),
    or on this very page for an anonymous visitor (whose data is not kept)."""
    request.session["notice"] = text
