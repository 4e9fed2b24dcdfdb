"""A collection's images: their URL, and the exercise texts pointed at it.

An import's texts refer to an image as `gyrus-image:NAME` (`formats.images`) until it is
written; then they point at `/collections/SLUG/images/NAME?v=SHA` (the version lets a browser
keep the image for long: a changed image gets a new URL). On the preview they point at the
upload waiting for confirmation (`/import/preview/images/NAME?v=SHA`). The Markdown sanitiser
lets exactly these URLs through as image sources (`OWN_IMAGE`), nothing of another origin.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.bank.formats.images import NAME, REFERENCE
from app.bank.formats.model import ImportedImage

VERSION_LENGTH = 16
PREVIEW = "/import/preview/images/"
OWN_IMAGE = re.compile(rf"(?:/collections/[a-z0-9-]{{1,200}}/images/|{PREVIEW}){NAME}"
                       rf"\?v=[0-9a-f]{{1,64}}")
"""An image source the sanitiser keeps: one of the app's own collection images, or one of the
learner's upload waiting for confirmation (on the preview)."""


def url(slug: str, image: ImportedImage) -> str:
    return f"/collections/{slug}/images/{image.name}?v={image.sha256[:VERSION_LENGTH]}"


def preview_url(image: ImportedImage) -> str:
    return f"{PREVIEW}{image.name}?v={image.sha256[:VERSION_LENGTH]}"


def linker(images: list[ImportedImage], address: Callable[[ImportedImage], str]
           ) -> Callable[[str], str]:
    """A function that points a text's image references at `address(image)`."""
    urls = {image.name: address(image) for image in images}

    def link(text: str) -> str:
        if not urls or "](gyrus-image:" not in text:
            return text
        return REFERENCE.sub(lambda m: f"]({urls[m[1]]})" if m[1] in urls else m[0], text)
    return link
