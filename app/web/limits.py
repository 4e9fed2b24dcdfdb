"""What a request may be: its body's size, HEAD as GET, no NUL character.

The first two are plain ASGI middleware, so they act before FastAPI parses a form or a JSON
body: a body over its limit is refused without being read (a 200 MB JSON post would otherwise
be read and parsed before the CSRF check refuses it).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_LIMIT = 64 * 1024
"""Forms and JSON: the largest text field is 20,000 characters (a note), four bytes each at most."""
UPLOAD_PATH = "/import"
"""The one route that takes a file: up to the import limit, from a signed-in learner only."""
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UPLOAD_OVERHEAD = 64 * 1024
"""Room for the upload form's other fields and multipart boundaries beyond the file itself."""
HEADER_LIMIT = 32 * 1024
"""The request line and headers together: the session cookie is at most 4 KB, and nginx's
default buffers take 32 KB. Enforced twice: by the server's parser while it reads a head that
arrives in pieces (`gyrus serve`: h11), and by `HeaderLimit` for one that arrived whole."""


class BodyLimit:
    """Refuse a request body over its limit before it is read: 413 when its Content-Length is
    too large, 411 when it has none but sends a body (chunked). Sits inside the sign-in
    middleware: `signed_in(scope)` says whether a learner sent the request."""

    def __init__(self, app: ASGIApp, upload_bytes: int,
                 signed_in: Callable[[Scope], bool]) -> None:
        self.app = app
        self.upload_limit = upload_bytes + UPLOAD_OVERHEAD
        self.signed_in = signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is None:
            if b"transfer-encoding" in headers:
                await plain_response(send, 411, "Send the request with a Content-Length.")
                return
        elif not length.isdigit() or int(length) > self._limit(scope):
            await plain_response(send, 413, "The request is too large.")
            return
        await self.app(scope, receive, send)

    def _limit(self, scope: Scope) -> int:
        upload = scope["path"] == UPLOAD_PATH and scope["method"] == "POST"
        if upload and self.signed_in(scope):
            return self.upload_limit
        return FORM_LIMIT


class HeaderLimit:
    """431 for a request whose path, query and headers together exceed `HEADER_LIMIT`.

    The server's parser refuses a head that outgrows the limit while it is still incomplete,
    but a head that arrives in one read (up to 256 KB on a socket) is parsed whole and would
    reach the app: this refuses it before the session cookie or anything else is read."""

    def __init__(self, app: ASGIApp, limit: int = HEADER_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and head_size(scope) > self.limit:
            await plain_response(send, 431, "The request's headers are too large.")
            return
        await self.app(scope, receive, send)


def head_size(scope: Scope) -> int:
    """About the size of the request line and headers as sent (": " and CRLF counted)."""
    line = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


class HeadAsGet:
    """HEAD works wherever GET does: answered as that GET, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


async def plain_response(send: Send, status: int, text: str,
                         headers: dict[bytes, bytes] | None = None) -> None:
    """A short plain-text answer sent before the app runs."""
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            *(headers or {}).items()]})
    await send({"type": "http.response.body", "body": body})


async def refuse_nul(request: Request) -> None:
    """400 for a NUL character anywhere in the path, the query or a form field: PostgreSQL
    cannot store one in text, and no answer or name needs it."""
    texts = [request.url.path, *request.query_params.values()]
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        texts += [value for value in (await request.form()).values() if isinstance(value, str)]
    if any("\x00" in text for text in texts):
        raise HTTPException(400, "The request holds a NUL character, which no text here may hold.")
