"""Which file of a PreTeXt upload is the book: the one its author builds.

A PreTeXt CLI project says it in `project.ptx`: its default target (the first `<target>`, what
`pretext build` builds) names the source, as an attribute relative to the project's source
folder (`ptx-version="2"`: `<project source="src">`, default `source/`, file `main.ptx`), or as a
`<source>` element relative to the project (the older format). Without a project file, the book
is the file with a `<pretext>` root that holds the most content, counting what it includes, so
a workbook, a solution manual or a `backmatter.xml` beside the book is not taken for it.

The target's publication file may choose a version of the book (`<version include="ed2
online"/>`): an element with a `component` outside that list is not part of it.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass

from app.bank.formats.files import Upload
from app.bank.formats.model import ImportRefused
from app.bank.formats.xml import child, children, local, parse_xml

PROJECT = "project.ptx"
_INCLUDE = re.compile(r"<xi:include\b[^>]*?\bhref\s*=\s*(['\"])(.*?)\1", re.S)
_ROOT = re.compile(r"<(pretext|mathbook)[\s>]")


def looks_like(text: str) -> bool:
    """Whether a file's start shows a PreTeXt root element."""
    return bool(_ROOT.search(text[:4000]))


@dataclass
class Source:
    """The book's main file, why it was chosen (for the preview), and the components its
    version includes (None: all)."""

    path: str
    why: str
    components: set[str] | None = None


def main_file(upload: Upload) -> Source:
    """The book's main file in the upload."""
    if upload.main:
        return Source(upload.main, "the file uploaded")
    project = _project_file(upload)
    if project is not None:
        found = _from_project(upload, project)
        if found is not None:
            return found
    candidates = [p for p in upload.files
                  if p.endswith((".ptx", ".xml")) and p != project
                  and looks_like(_head(upload.files[p]))]
    if not candidates:
        raise ImportRefused("no PreTeXt file (<pretext> root) in the upload", upload.name)
    sizes = {p: _content(upload, p) for p in candidates}
    chosen = max(sorted(candidates), key=lambda p: sizes[p])
    why = f"the largest of {len(candidates)} <pretext> files, with its includes"
    return Source(chosen, why if len(candidates) > 1 else "the only <pretext> file")


def _project_file(upload: Upload) -> str | None:
    """The shallowest `project.ptx` (a zip often holds the project in one top folder)."""
    found = [p for p in upload.files if posixpath.basename(p) == PROJECT]
    return min(found, key=lambda p: (p.count("/"), p)) if found else None


def _from_project(upload: Upload, project: str) -> Source | None:
    root = _xml(upload, project)
    targets = children(child(root, "targets") or root, "target")
    if local(root.tag) != "project" or not targets:
        return None
    target = targets[0]
    folder = posixpath.dirname(project)
    if root.get("ptx-version", "").startswith("2"):
        source = posixpath.join(root.get("source", "source"), target.get("source", "main.ptx"))
        publication = posixpath.join(root.get("publication", "publication"),
                                     target.get("publication", "publication.ptx"))
    else:
        source = _text(child(target, "source")) or "source/main.ptx"
        publication = _text(child(target, "publication"))
    path = posixpath.normpath(posixpath.join(folder, source))
    if path not in upload.files:
        return None
    found = Source(path, f"{project}, target {target.get('name', '1')}")
    publication = posixpath.normpath(posixpath.join(folder, publication)) if publication else ""
    if publication in upload.files:
        version = child(child(_xml(upload, publication), "source") or ET.Element("_"), "version")
        if version is not None and version.get("include") is not None:
            found.components = set(version.get("include", "").split())
    return found


def components(root: ET.Element, included: set[str] | None,
               parents: dict[int, ET.Element]) -> int:
    """Remove the elements of other versions (a `component` not included); how many."""
    if included is None:
        return 0
    dropped = [e for e in root.iter() if e.get("component") is not None
               and not set(e.get("component", "").split()) & included]
    for element in dropped:
        parent = parents.get(id(element))
        if parent is not None and element in list(parent):
            parent.remove(element)
    return len(dropped)


def _xml(upload: Upload, path: str) -> ET.Element:
    return parse_xml(upload.files[path].decode("utf-8", errors="replace"), path).root


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _head(data: bytes) -> str:
    return data[:4000].decode("utf-8", errors="ignore")


def _content(upload: Upload, path: str) -> int:
    """The bytes of a file and of every file it includes (once each, inside the upload)."""
    seen, pending, total = set(), [path], 0
    while pending:
        current = pending.pop()
        if current in seen or current not in upload.files:
            continue
        seen.add(current)
        data = upload.files[current]
        total += len(data)
        text = data.decode("utf-8", errors="ignore")
        base = posixpath.dirname(current)
        pending += [posixpath.normpath(posixpath.join(base, m.group(2)))
                    for m in _INCLUDE.finditer(text)]
    return total
