"""CSRF protection: one token per sign-in (or per anonymous visitor), required on every unsafe
request.

The token is an HMAC, under the app's secret key, of the sign-in's raw id (which only the
learner's cookie holds), or for an anonymous visitor of a random value in a cookie of their own
(`app.web.visitor`): it is never stored, and a page from another site can neither read nor
compute it. A new sign-in, and the end of one, changes it. Forms carry it in a hidden
`csrf_token` field; htmx and API calls send it in the `X-CSRF-Token` header (the base layout
puts it in a `<meta>` and in `hx-headers` on `<body>`). `verify_csrf` is an app-wide
dependency, so a new POST route is protected without anyone remembering to: a request without
a valid token gets 403 before the route runs, and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request

from app.web.visitor import csrf_seed, visit_of

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfRejected(HTTPException):
    """403: the request did not prove it came from one of our own pages."""

    def __init__(self) -> None:
        super().__init__(
            status_code=403,
            detail="This form has expired or did not come from Gyrus. Reload the page and retry.",
        )


def _token(request: Request, seed: str) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The visitor's token (an anonymous visitor's seed cookie is made on first use)."""
    return _token(request, csrf_seed(request))


async def _sent_tokens(request: Request) -> list[str]:
    """The header's token and the form's: either may be the current one (a boosted page keeps
    the `<body>` it was first loaded with, and so its header, while its forms are fresh)."""
    sent = [request.headers.get(HEADER, "")]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        value = (await request.form()).get(FORM_FIELD)
        sent.append(value if isinstance(value, str) else "")
    return [token for token in sent if token]


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request without this visitor's token (403)."""
    if request.method in SAFE_METHODS:
        return
    visit = visit_of(request)
    seed = visit.raw or visit.csrf_seed
    if not seed:
        raise CsrfRejected()
    expected = _token(request, seed)
    tokens = await _sent_tokens(request)
    if not any(hmac.compare_digest(expected.encode(), token.encode()) for token in tokens):
        raise CsrfRejected()
