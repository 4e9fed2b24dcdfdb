"""The web application factory: `uvicorn --factory app.main:create_app` or `gyrus serve`.

One factory builds the whole app from `Settings`, so tests, the CLI and an operator's ASGI
server all get the same app. Its lifespan migrates the database, loads the curated bank, and
owns the checker pool (unless a caller hands one in, as the tests do to share one).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.accounts import HashingBusy
from app.bank.shown import fill_snippets
from app.checking.pool import CheckerPool, use_default_pool
from app.db import UnitOfWork, make_engine, migrate, session_factory
from app.method import queries
from app.settings import Settings
from app.threads import in_thread
from app.web import (
    api,
    pages_auth,
    pages_exercise,
    pages_export,
    pages_import,
    pages_operator,
    pages_study,
)
from app.web.csrf import verify_csrf
from app.web.deps import LoginRequired, render
from app.web.limits import BodyLimit, HeadAsGet, HeaderLimit, refuse_nul
from app.web.logs import RequestLog, configure_request_log, start_log
from app.web.ratelimit import RateLimiter
from app.web.templating import STATIC, make_templates
from app.web.visitor import SignIns, database_answered, signed_in

log = logging.getLogger(__name__)

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


def create_app(settings: Settings | None = None, *, checker: CheckerPool | None = None) -> FastAPI:
    """Build the app. `checker`: a running pool to use (and not close) instead of starting one."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        say = start_log.info
        say("Gyrus: migrating the database (%s)…", _shown_url(settings.database_url))
        await in_thread(migrate, settings.database_url)
        engine = make_engine(settings.database_url,
                             sqlite_synchronous=settings.sqlite_synchronous)
        app.state.sessions = session_factory(engine)
        await in_thread(_load_bank, app, settings)
        pool = checker or _start_pool(settings)
        app.state.checker = pool
        use_default_pool(pool)  # app.checking.check in this process uses the same workers
        if checker is None:
            say("Gyrus: starting %d checker workers…", pool.workers)
            await in_thread(pool.warm_up)
            gc.freeze()  # what start-up made is kept for good: full collections skip it
        filled = await fill_snippets(pool, UnitOfWork(app.state.sessions), None)
        if filled:
            say("Gyrus: %d exercises in open passes got their list snippets.", filled)
        say("Gyrus: ready. Open %s in a browser.", _address(settings))
        try:
            yield
        finally:
            if checker is None:
                await in_thread(pool.close)
            engine.dispose()

    app = FastAPI(
        title="Gyrus",
        lifespan=lifespan,
        dependencies=[Depends(database_answered), Depends(verify_csrf), Depends(refuse_nul)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    _configure_state(app, settings)
    _add_middleware(app, settings)
    _add_routes(app)
    _add_error_pages(app)
    return app


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
        start_log.info("Gyrus: no curated bank to load (%s).", settings.bank_path)
        return
    from app.bank.loader import load_bank

    start_log.info("Gyrus: loading the curated bank from %s…", settings.bank_path)
    with app.state.sessions() as session:
        report = load_bank(session, str(settings.bank_path))
        session.commit()
    counts = ", ".join(f"{slug} {n}" for slug, n in report.per_subject.items())
    start_log.info("Gyrus: the bank has %d exercises (%s); %d new, %d updated, in %.1f s.",
                   report.exercises, counts, len(report.created), len(report.updated),
                   report.seconds)


def _shown_url(url: str) -> str:
    """The database URL without its password, to print."""
    return make_url(url).render_as_string(hide_password=True)


def _address(settings: Settings) -> str:
    """The address to open: a listening-on-everything host is reached as localhost."""
    host = "localhost" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/"


def _configure_state(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings
    app.state.templates = make_templates(settings.templates_dir)
    app.state.csrf_key = settings.session_secret().encode()
    app.state.login_limiter = RateLimiter(
        settings.login_max_failures, settings.login_window_seconds
    )
    app.state.login_ip_limiter = RateLimiter(
        settings.login_max_failures_per_ip, settings.login_window_seconds
    )
    app.state.api_limiter = RateLimiter(settings.api_max_requests, settings.api_window_seconds)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: a trusted proxy's headers, request log, security headers, header
    limit, HEAD as GET,
    the sign-in, body limits."""
    app.add_middleware(BodyLimit, upload_bytes=settings.max_upload_bytes, signed_in=signed_in)
    app.add_middleware(SignIns)
    app.add_middleware(HeadAsGet)
    app.add_middleware(HeaderLimit)
    app.add_middleware(SecurityHeaders)
    configure_request_log(start_log)
    if settings.log_requests:
        configure_request_log()
        app.add_middleware(RequestLog)
    if settings.trusted_proxies.strip():
        # Without it the client's address is the connection's: an X-Forwarded-For header
        # from anyone else cannot choose the address the log-in limits count.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def _add_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages_exercise.router)
    app.include_router(pages_study.router)
    app.include_router(pages_auth.router)
    app.include_router(pages_import.router)
    app.include_router(pages_export.router)
    app.include_router(pages_operator.router)
    app.include_router(api.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        """Browsers ask for it whatever the page says; the icon is the static SVG."""
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz")
    async def healthz(request: Request) -> Response:
        """Up, and the database answers."""
        try:
            await in_thread(queries.database_ok, UnitOfWork(request.app.state.sessions))
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

    @app.exception_handler(HashingBusy)
    async def hashing_busy(request: Request, error: HashingBusy) -> Response:
        """Too many log-ins or sign-ups at once: 503, try again shortly (nothing changed)."""
        text = "Too many people are logging in right now; try again in a few seconds."
        busy = HTTPException(503, text, headers={"Retry-After": str(error.retry_after)})
        return await http_error(request, busy)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(request: Request, error: Exception) -> Response:
        """The database does not answer (down, restarting, locked too long): 503, try later."""
        log.error("the database does not answer: %s", error)
        unavailable = HTTPException(503, "The database is not answering; try again in a moment.",
                                    headers={"Retry-After": "10"})
        return await http_error(request, unavailable)

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        """A bug: a plain page with the security headers (this answer bypasses the middleware,
        so it carries them itself)."""
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        text = "Something went wrong on our side; the error is logged."
        if _wants_json(request):
            return JSONResponse({"detail": text}, 500, headers=SECURITY_HEADERS)
        body = f"<!doctype html><title>Error</title><h1>Error</h1><p>{text}</p>"
        return HTMLResponse(body, 500, headers=SECURITY_HEADERS)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        if any(e["loc"][:1] == ("path",) for e in error.errors()):
            return await http_error(request, HTTPException(404, "There is no such page."))
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
