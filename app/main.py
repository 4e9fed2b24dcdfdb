"""The web application factory: `uvicorn --factory app.main:create_app` or `gyrus serve`.

One factory builds the whole app from `Settings`, so tests, the CLI and an operator's ASGI
server all get the same app. Its lifespan migrates the database, loads the curated bank, and
owns the checker pool (unless a caller hands one in, as the tests do to share one).
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import quote

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.checking.pool import CheckerPool, use_default_pool
from app.db import UnitOfWork, make_engine, migrate, session_factory, writers_of
from app.method.repository import ProgressCache
from app.settings import Settings
from app.web import (
    api,
    pages_auth,
    pages_exercise,
    pages_export,
    pages_import,
    pages_operator,
    pages_study,
    views,
)
from app.web.csrf import verify_csrf
from app.web.deps import LoginRequired, render
from app.web.logs import RequestLog, configure_request_log
from app.web.ratelimit import RateLimiter
from app.web.templating import STATIC, make_templates

log = logging.getLogger(__name__)

CHECK_WAITS = 8
"""Imports whose verification may wait for the checker pool at once, each in a thread
(`deps.checking`); pages await the pool without a thread."""

SECURITY_HEADERS = {
    # Everything is served by the app itself (DESIGN §6). KaTeX sets inline styles.
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


GIL_SWITCH_INTERVAL_S = 0.001
"""How long a thread waiting for the GIL waits before it asks for it (Python's default: 5 ms).
Under load the event loop always has work, so it gives the GIL up only when asked; a request
thread (a write, say) asks at each of its many hand-offs (every SQLite call releases the GIL),
and waited 5 ms each time. With 1 ms the closed loop of `bench/http_load.py` served 25 % more
requests (212 -> 265 req/s; 0.5 ms: 274, 0.2 ms: 257, same machine, one after the other)."""


GC_YOUNG_THRESHOLD = 10_000
"""New container objects the garbage collector lets accumulate before a young collection
(Python's default: 700). A request makes thousands, nearly all freed by reference counting;
at 700 the collector ran ~35 times a second under `bench/http_load.py`, each time walking the
requests in flight. In process with the bench's learners: time in the collector 0.34 ->
0.14 ms per request, collections 586 -> 25 in the same run. Cycles wait a little longer."""


def create_app(settings: Settings | None = None, *, checker: CheckerPool | None = None) -> FastAPI:
    """Build the app. `checker`: a running pool to use (and not close) instead of starting one."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        app.state.check_waits = ThreadPoolExecutor(CHECK_WAITS, thread_name_prefix="check-wait")
        await run_in_threadpool(migrate, settings.database_url)
        engine = make_engine(settings.database_url,
                             sqlite_synchronous=settings.sqlite_synchronous)
        app.state.sessions = session_factory(engine)
        app.state.writers = writers_of(engine)  # SQLite's writers' turn; None on PostgreSQL
        ProgressCache(settings.progress_cache).serve(app.state.sessions)
        await run_in_threadpool(_load_bank, app, settings)
        pool = checker or _start_pool(settings)
        app.state.checker = pool
        use_default_pool(pool)  # app.checking.check in this process uses the same workers
        if checker is None:
            await run_in_threadpool(pool.warm_up)
        try:
            with _collector_for_serving():
                yield
        finally:
            app.state.check_waits.shutdown(wait=False, cancel_futures=True)
            if checker is None:
                await run_in_threadpool(pool.close)
            engine.dispose()

    app = FastAPI(
        title="Gyrus",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    _configure_state(app, settings)
    _add_middleware(app, settings)
    _add_routes(app)
    _add_error_pages(app)
    return app


@contextmanager
def _collector_for_serving() -> Iterator[None]:
    """The garbage collector set for serving, and set back after.

    What start-up made (modules, the app, the bank's rows, SQLAlchemy's caches: ~175,000
    objects) is left out of full collections, which otherwise walk them all again every few
    seconds under load and stop every request meanwhile: the longest pause under
    `bench/http_load.py` went from 252 ms to 59 ms, and the time in full collections from
    1.8 s to 0.3 s in a 70 s run. Python's own advice for long-lived servers (`gc.freeze`);
    garbage is collected first so none of it is kept. Young collections wait for
    `GC_YOUNG_THRESHOLD` new objects."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # what start-up made may become garbage now


def _start_pool(settings: Settings) -> CheckerPool:
    return CheckerPool(
        workers=settings.check_workers,
        timeout=settings.check_timeout,
        memory_mb=settings.check_memory_mb,
    )


def _load_bank(app: FastAPI, settings: Settings) -> None:
    """Load the curated bank (idempotent) when its folder exists; a broken bank stops start-up,
    as serving half a bank would silently change learners' default study lists."""
    if not settings.load_bank or not settings.bank_path.is_dir():
        return
    from app.bank.loader import load_bank

    with app.state.sessions() as session:
        load_bank(session, str(settings.bank_path))
        session.commit()


def _configure_state(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings
    app.state.templates = make_templates(settings.templates_dir)
    app.state.login_limiter = RateLimiter(
        settings.login_max_failures, settings.login_window_seconds
    )
    app.state.api_limiter = RateLimiter(settings.api_max_requests, settings.api_window_seconds)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: request log, then security headers, then the session."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="gyrus_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.https_only,
    )
    app.add_middleware(pages_import.UploadLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    if settings.log_requests:
        configure_request_log()
        app.add_middleware(RequestLog)


def _add_routes(app: FastAPI) -> None:
    # A request is matched against the routers in this order (their paths do not overlap),
    # route by route: the loop's pages (each exercise's, then Next and the dashboard) first.
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages_exercise.router)
    app.include_router(pages_study.router)
    app.include_router(pages_auth.router)
    app.include_router(pages_import.router)
    app.include_router(pages_export.router)
    app.include_router(pages_operator.router)
    app.include_router(api.router)

    @app.get("/healthz")
    def healthz(request: Request) -> Response:
        """Up, and the database answers."""
        try:
            views.database_ok(UnitOfWork(request.app.state.sessions))
        except Exception:
            log.exception("health check: the database does not answer")
            return JSONResponse({"status": "error", "detail": "database"}, status_code=503)
        return JSONResponse({"status": "ok"})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _error: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Log in first."}, status_code=401)
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        headers = dict(error.headers or {})
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, error.status_code, headers=headers)
        page = render(request, "error.html", status=error.status_code, detail=error.detail)
        page.headers.update(headers)
        return page

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)
        detail = "The form was not filled in as expected; go back and try again."
        return render(request, "error.html", status=422, detail=detail)


class SecurityHeaders:
    """Add the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)
