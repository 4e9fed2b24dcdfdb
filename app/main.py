"""The web application factory: `uvicorn --factory app.main:create_app` or `gyrus serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from app.checking.pool import CheckerPool, use_default_pool
from app.settings import Settings

PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gyrus</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Gyrus</h1>
<p>The answer checker is running; the learning loop arrives with the web issue.</p>
</body>
</html>
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the checker pool lives as long as the app (started in its lifespan)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = CheckerPool(
            workers=settings.check_workers,
            timeout=settings.check_timeout,
            memory_mb=settings.check_memory_mb,
        )
        app.state.checker = pool
        use_default_pool(pool)  # app.checking.check in this process uses the same workers
        await run_in_threadpool(pool.warm_up)
        try:
            yield
        finally:
            await run_in_threadpool(pool.close)

    app = FastAPI(title="Gyrus", lifespan=lifespan)
    app.state.settings = settings

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return PLACEHOLDER_PAGE

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
