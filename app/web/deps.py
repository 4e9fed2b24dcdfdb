"""FastAPI dependencies: the unit of work, the checker pool, the signed-in learner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import copy_context
from functools import partial
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.checking.pool import CheckerPool
from app.db import UnitOfWork
from app.web import accounts

USER_KEY = "user_id"
T = TypeVar("T")


class LoginRequired(Exception):
    """No learner is signed in: pages send them to Log in, the API answers 401."""


async def get_uow(request: Request) -> UnitOfWork:
    """A unit of work per request (never shared between threads).

    The dependencies that do not block are `async def`: FastAPI runs a plain `def` dependency in
    the thread pool, and each such hop costs a thread switch under the GIL per request."""
    return UnitOfWork(request.app.state.sessions)


async def get_pool(request: Request) -> CheckerPool:
    return request.app.state.checker


async def reading(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)`, a short read-only transaction (a page's reads).

    On SQLite it runs at once, on the event loop: the file is local and, in WAL mode, a reader
    never waits for a writer, so reading a few indexed rows costs less than handing the work
    to a thread and the GIL back and forth. On PostgreSQL a read is a network round trip,
    which must not hold up the event loop: it runs in the thread pool."""
    if request.app.state.writers is not None:  # SQLite
        return fn(*args)
    return await to_thread.run_sync(partial(fn, *args))


async def writing(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn(*args, **kwargs)`, a service call that writes (a check, a rating, a new pass).

    On SQLite, when no other thread of this process is writing, it runs at once on the event
    loop: its transaction is a few statements on a local file and one fsync, and SQLite lets
    one writer in at a time anyway; handing it to a thread costs more, and under load a
    thread waits for the GIL at each of its statements. When another thread writes (an
    import, the study-list editor) it waits in the thread pool instead, so the loop never
    waits for another thread. (A write by another process, such as `gyrus bank load`, can
    still make it wait up to SQLite's busy timeout.) On PostgreSQL: in the thread pool."""
    call = partial(fn, *args, **kwargs)
    turn = request.app.state.writers
    if turn is not None and turn.try_turn():
        try:
            return call()
        finally:
            turn.end_turn()
    return await to_thread.run_sync(call)


async def current_user(request: Request, uow: Annotated[UnitOfWork, Depends(get_uow)]) -> int:
    """The signed-in learner's id; an account deleted since log-in counts as signed out."""
    user_id = request.session.get(USER_KEY)
    if not isinstance(user_id, int):
        raise LoginRequired()
    found = await reading(request, accounts.user_account, uow, user_id)
    if found is None:
        request.session.clear()
        raise LoginRequired()
    request.state.user_email, request.state.is_operator = found
    return user_id


async def require_operator(request: Request, user_id: Annotated[int, Depends(current_user)]) -> int:
    """The signed-in user's id if they are an operator; 403 for everyone else."""
    if not getattr(request.state, "is_operator", False):
        raise HTTPException(403, "This page is for operators.")
    return user_id


Uow = Annotated[UnitOfWork, Depends(get_uow)]
Pool = Annotated[CheckerPool, Depends(get_pool)]
User = Annotated[int, Depends(current_user)]
Operator = Annotated[int, Depends(require_operator)]


async def checking(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)`, blocking code that hands many tasks to the checker pool and waits for
    each (an import's verification), in a thread of its own lane: the wait must not hold one
    of the few threads that do the database work (`GYRUS_THREADS`). A page that waits for one
    check awaits the pool's `*_async` methods instead, which hold no thread.

    The lane is a plain executor, not anyio's `to_thread`, which first yields a whole turn of
    the event loop (under load, every other request's next step) before the work starts."""
    work = partial(copy_context().run, fn, *args)  # as anyio would: the request's context
    return await asyncio.get_running_loop().run_in_executor(request.app.state.check_waits, work)


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A page from its template."""
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form post the browser GETs the next page (no re-post on reload)."""
    return RedirectResponse(url, status_code=303)


def notify(request: Request, text: str) -> None:
    """A one-line notice shown on the next page (after a redirect)."""
    request.session["notice"] = text
