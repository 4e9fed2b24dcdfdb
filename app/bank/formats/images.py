"""Image files an import carries: only real images (their bytes say which), a few, none large.

A format finds the files its exercises show and offers each to `Gathering.add`; what is admitted
becomes `ParsedImport.images`, and the exercise texts point at it as `reference(name)`
(`gyrus-image:NAME`), which the import service turns into the collection's image URL when it
writes. What is refused (missing, not an image, over a cap) shows as its description, and the
preview says why, one line per reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from posixpath import splitext
from typing import Any

from app.bank.formats.model import ImportedExercise, ImportedImage, ParsedImport

MAX_IMAGES = 300
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
"""Caps per import: the images wait beside the pending upload and are written in its
transaction, so they stay well under the upload limit."""
SCHEME = "gyrus-image:"
NAME = r"[A-Za-z0-9._-]{1,150}"
REFERENCE = re.compile(rf"\]\({SCHEME}({NAME})\)")
"""A stored image's reference as the end of a Markdown image: `](gyrus-image:NAME)`."""
TYPES = "PNG, JPEG, GIF, WebP or SVG"
_SVG = re.compile(rb"\s*(?:<\?xml[^>]*>\s*|<!--.*?-->\s*|<!DOCTYPE[^>[]*>\s*)*<(?:\w+:)?svg[\s>/]",
                  re.S)
_SVG_HEAD = 16 * 1024
_MB = 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The media type the bytes are (never the file name's), or None if not one we serve."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _SVG.match(data.removeprefix(b"\xef\xbb\xbf")[:_SVG_HEAD]):
        return "image/svg+xml"
    return None


def reference(name: str) -> str:
    return f"{SCHEME}{name}"


def fallback(alt: str) -> str:
    """What an image that is not stored shows: its description (already Markdown-escaped)."""
    return f"\\[image: {alt}\\]" if alt else "\\[image\\]"


@dataclass
class Gathering:
    """The images admitted so far, by their path in the upload, under the caps; and the paths
    refused, by reason."""

    admitted: dict[str, ImportedImage] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)
    total: int = 0

    def add(self, path: str, data: bytes | None, named: str = "") -> ImportedImage | None:
        """The image at `path` (`data` None: not in the upload), if it may be kept; its name
        is made from `named` (the path as the book wrote it), else from `path`."""
        if path in self.admitted:
            return self.admitted[path]
        if data is None:
            return self._refuse(path, "not in the upload")
        media_type = sniff(data)
        if media_type is None:
            return self._refuse(path, f"not a {TYPES} image (by its bytes)")
        if len(data) > MAX_IMAGE_BYTES:
            return self._refuse(path, f"larger than {MAX_IMAGE_BYTES // _MB} MB")
        if len(self.admitted) >= MAX_IMAGES or self.total + len(data) > MAX_TOTAL_BYTES:
            return self._refuse(path, f"past the cap of {MAX_IMAGES} images or "
                                f"{MAX_TOTAL_BYTES // _MB} MB in all")
        image = ImportedImage(self._name(named or path), media_type, data)
        self.admitted[path] = image
        self.total += len(data)
        return image

    def _refuse(self, path: str, reason: str) -> None:
        paths = self.refused.setdefault(reason, [])
        if path not in paths:
            paths.append(path)

    def _name(self, path: str) -> str:
        """A URL-safe name from the path (`images/graph 1.svg` -> `images-graph-1.svg`),
        unique in the import."""
        stem, suffix = splitext(re.sub(r"[^A-Za-z0-9._-]+", "-", path).strip("-."))
        stem, suffix = stem[-120:] or "image", suffix[:10]
        taken = {image.name for image in self.admitted.values()}
        name, number = f"{stem}{suffix}", 1
        while name in taken:
            number += 1
            name = f"{stem}-{number}{suffix}"
        return name

    def finish(self, parsed: ParsedImport) -> None:
        """The admitted images into the import, and one warning per reason for the others."""
        parsed.images = list(self.admitted.values())
        for reason, paths in self.refused.items():
            more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
            parsed.warn(", ".join(paths[:5]) + more,
                        f"{len(paths)} image{'s' if len(paths) > 1 else ''} {reason}: shown as "
                        "the description")


def with_texts(exercise: ImportedExercise, change: Callable[[str], str]) -> ImportedExercise:
    """A copy of `exercise` with `change` applied to every text a learner reads in it."""
    return replace(exercise, prompt=change(exercise.prompt),
                   hints=_deep(exercise.hints, change), solution=change(exercise.solution),
                   answer_display=change(exercise.answer_display),
                   wrong=_deep(exercise.wrong, change), parts=_deep(exercise.parts, change))


def _deep(value: Any, change: Callable[[str], str]) -> Any:
    """`change` applied to the texts of a part, a hint list or a wrong answer's feedback;
    answer specs are left alone."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_deep(item, change) for item in value]
    if isinstance(value, dict):
        return {key: item if key in ("answer", "value") else _deep(item, change)
                for key, item in value.items()}
    return value
