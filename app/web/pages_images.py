"""An imported collection's images (a PreTeXt book's figures), served from the database so that
every app machine has them, and only to a learner who may see the collection (404 otherwise).

The answer says its type itself and forbids sniffing; an SVG gets a sandboxing CSP, so that
opened on its own it runs no script and loads nothing. The URL the exercise texts use carries
the image's version (`?v=`, the start of its sha256): with it the browser keeps the image for a
year; without it, it asks again each time, and the ETag saves sending the bytes. The preview
shows the images of the learner's own upload waiting for confirmation, never kept.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.bank import importing
from app.bank.formats.images import NAME
from app.bank.images import VERSION_LENGTH
from app.method import queries
from app.threads import in_thread
from app.web.deps import Uow, User
from app.web.pages_import import TOKEN_KEY

router = APIRouter()
SVG_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
KEPT = "private, max-age=31536000, immutable"
ASKED = "private, no-cache"
NOT_KEPT = "private, no-store"
"""A preview's image: gone once the import is confirmed or cancelled."""


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
    return _send(request, image.media_type, image.data, image.sha256, KEPT if current else ASKED)


@router.get("/import/preview/images/{name}")
async def pending_image(request: Request, user: User, name: str) -> Response:
    """An image of the learner's upload waiting for confirmation, for the preview."""
    folder = importing.pending_dir(request.app.state.settings.data_dir)
    image = await in_thread(importing.pending_image, folder, request.session.get(TOKEN_KEY),
                            user, name)
    if image is None:
        raise HTTPException(404, "There is no such image waiting (the preview expired?).")
    return _send(request, image.media_type, image.data, image.sha256, NOT_KEPT)


def _send(request: Request, media_type: str, data: bytes, sha256: str, cache: str) -> Response:
    headers = {"etag": f'"{sha256}"', "cache-control": cache, "x-content-type-options": "nosniff"}
    if media_type == "image/svg+xml":
        headers["content-security-policy"] = SVG_POLICY
    if {headers["etag"], "*"} & _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared as strong)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
