"""CSRF protection: one random token per session, required on every unsafe request.

The token lives in the signed session cookie. Forms carry it in a hidden `csrf_token` field;
htmx and API calls send it in the `X-CSRF-Token` header (the base layout puts it in a `<meta>`
and in `hx-headers` on `<body>`). `verify_csrf` is an app-wide dependency, so a new POST route
is protected without anyone remembering to: a request without a valid token gets 403 before
the route runs, and changes nothing.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

SESSION_KEY = "csrf"
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


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (any page that renders a form)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate_csrf_token(request: Request) -> str:
    """A fresh token, at log-in and log-out, so a token seen before cannot be replayed."""
    request.session.pop(SESSION_KEY, None)
    return csrf_token(request)


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
    """Refuse an unsafe request without this session's token (403)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected:
        raise CsrfRejected()
    tokens = await _sent_tokens(request)
    if not any(hmac.compare_digest(expected.encode(), token.encode()) for token in tokens):
        raise CsrfRejected()
