"""The images a PreTeXt book's exercises show (`<image source="images/graph">`), found in the
upload where PreTeXt looks for them.

PreTeXt resolves `source` against the external-assets directory its publication file names
(`<directories external="../assets"/>`, relative to that file); older books keep images beside
the main file. So a source is looked for under every publication file's external directory,
then the main file's folder, then the upload's root; without an extension it is tried as
.svg, .png, .jpg, .jpeg, .gif and .webp, in that order (the HTML build's preference).

Rendering sees one element at a time and cannot look in the upload, so `markdown` writes a mark,
`![description](<ptx-image:SOURCE>)`, and `collect` resolves every mark once the book is read.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name

from app.bank.formats.files import Upload
from app.bank.formats.images import Gathering, fallback, reference, with_texts
from app.bank.formats.model import ParsedImport
from app.bank.formats.text import escape_markdown
from app.bank.formats.xml import child, text_of

MARK = "ptx-image:"
EXTENSIONS = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
ALT_LENGTH = 300
_NO_BRACKETS = str.maketrans("[]", "()")
"""An alt text keeps no square bracket: an image's Markdown (and `\\[image: …\\]`) ends at one."""
_MARKED = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\(<ptx-image:([^<>\n]*)>\)")
_PUBLICATION = re.compile(r"<publication[\s>/]")
_EXTERNAL = re.compile(r"<directories\b[^>]*?\bexternal\s*=\s*(['\"])(.*?)\1", re.S)


def markdown(image: ET.Element) -> str:
    """An `<image source=…>` as a Markdown image whose address `collect` fills in; its alt text
    is the `shortdescription` (else the `description`)."""
    described = text_of(child(image, "shortdescription")) or text_of(child(image, "description"))
    plain = " ".join(described.split())[:ALT_LENGTH].translate(_NO_BRACKETS)
    alt = escape_markdown(plain)
    source = re.sub(r"[<>\n]", "", image.get("source", ""))
    return f"![{alt}](<{MARK}{source}>)"


def collect(upload: Upload, main: str, parsed: ParsedImport) -> None:
    """Every image the exercises show: kept (the texts refer to it) when it is in the upload
    and may be kept, else shown as its description, with the reason in the preview."""
    folders = _folders(upload, main)
    gathering = Gathering()

    def resolve(match: re.Match[str]) -> str:
        alt, source = match.groups()
        path, named = _find(upload, folders, source)
        image = gathering.add(path or source, upload.files.get(path or ""), named)
        return f"![{alt}]({reference(image.name)})" if image else fallback(alt)

    parsed.exercises = [with_texts(e, lambda text: _MARKED.sub(resolve, text))
                        for e in parsed.exercises]
    gathering.finish(parsed)


def _folders(upload: Upload, main: str) -> list[str]:
    """Where sources are looked for, in order: external directories, the main file's folder,
    the root."""
    found = []
    for path, data in sorted(upload.files.items()):
        if not path.endswith((".ptx", ".xml")):
            continue
        if _PUBLICATION.search(data[:4000].decode("utf-8", errors="ignore")):
            text = data[:64 * 1024].decode("utf-8", errors="ignore")
            found += [_join(posixpath.dirname(path), m.group(2)) for m in _EXTERNAL.finditer(text)]
    found += [posixpath.dirname(main), ""]
    return [f for f in dict.fromkeys(found) if f is not None]


def _find(upload: Upload, folders: list[str], source: str) -> tuple[str | None, str]:
    """The upload's path of `source`, and the source with the extension found; (None, "")
    when it is not in the upload."""
    if not source or "://" in source:
        return None, ""
    names = [source] + [source + extension for extension in EXTENSIONS]
    for folder in folders:
        for name in names:
            path = _join(folder, name)
            if path is not None and path in upload.files:
                return path, name
    return None, ""


def _join(folder: str, path: str) -> str | None:
    """`path` under `folder`, normalised; None if it leaves the upload."""
    joined = posixpath.normpath(posixpath.join(folder, path.lstrip("/")))
    if joined == ".":
        return ""
    return None if joined.startswith("../") or joined == ".." else joined
