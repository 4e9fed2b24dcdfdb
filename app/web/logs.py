"""One JSON line per request (method, path, status, ms): easy to grep and to ship to a log store.

A pure ASGI middleware, so streaming responses are timed to their last byte and nothing is
buffered. Query strings are left out: they may carry an email (`/login?next=…`).
"""

from __future__ import annotations

import json
import logging
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("gyrus.request")
start_log = logging.getLogger("gyrus.start")
"""What start-up is doing (migrating, loading the bank, the URL to open), for the terminal."""


def configure_request_log(logger: logging.Logger = log) -> None:
    """Write `logger`'s lines (request lines: JSON) to stderr as they are, unless logging is
    set up already."""
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


class RequestLog:
    """Log each HTTP request when its response has been sent (or has failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = round((time.perf_counter() - start) * 1000.0, 1)
            line = {"method": scope["method"], "path": scope["path"], "status": status, "ms": ms}
            log.info(json.dumps(line))
