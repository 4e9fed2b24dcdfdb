"""An imported collection's images (a PreTeXt book's figures), served from the database so that
every app machine has them, and only to a learner who may see the collection (404 otherwise).

The answer says its type itself and forbids sniffing; an SVG gets a sandboxing CSP, so that
opened on its own it runs no script and loads nothing. The URL the exercise texts use carries
the image's version (`?v=`, the start of its sha256): with it the browser keeps the image for a
year; without it, it asks again each time, and the ETag saves sending the bytes.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.bank.formats.images import NAME
from app.bank.images import VERSION_LENGTH
from app.method import queries
from app.web.deps import Uow, User
from app.web.threads import in_thread

router = APIRouter()
SVG_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
KEPT = "private, max-age=31536000, immutable"
ASKED = "private, no-cache"


@router.get("/collections/{slug}/images/{name}")
async def collection_image(request: Request, uow: Uow, user: User, slug: str, name: str,
                           v: str = "") -> Response:
    if not re.fullmatch(NAME, name):
        raise HTTPException(404, "There is no such image.")
    try:
        image = await in_thread(queries.collection_image, uow, user, slug, name)
    except queries.NotFound:
        raise HTTPException(404, "There is no such image.") from None
    current = v == image.sha256[:VERSION_LENGTH]
    headers = {"etag": f'"{image.sha256}"', "cache-control": KEPT if current else ASKED,
               "x-content-type-options": "nosniff"}
    if image.media_type == "image/svg+xml":
        headers["content-security-policy"] = SVG_POLICY
    if {headers["etag"], "*"} & _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.media_type, headers=headers)


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared as strong)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
