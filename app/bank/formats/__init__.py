"""Import formats: one module per format, all producing one model (`model.ParsedImport`).

`read(name, data, fmt)` is the entry point: it enforces the size limit, opens zips safely,
detects the format from the name and the content (unless `fmt` says), and parses. Every
refusal is an `ImportRefused` naming the place; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

from app.bank.formats import (
    files,
    moodle,
    native,
    numbas,
    pretext,
    pretext_source,
    shorthand,
    tabular,
)
from app.bank.formats.files import Upload
from app.bank.formats.model import ImportRefused, ParsedImport

FORMATS = {
    "native": "Gyrus YAML / JSON",
    "csv": "CSV / TSV / Anki text export",
    "shorthand": "Textbook list shorthand",
    "pretext": "PreTeXt XML (file or zip)",
    "moodle": "Moodle XML",
    "numbas": "Numbas .exam",
}
_SUFFIXES = {".yaml": "native", ".yml": "native", ".csv": "csv", ".tsv": "csv",
             ".exam": "numbas", ".ptx": "pretext"}


def _single(parse: Callable[[str, bytes], ParsedImport]) -> Callable[[Upload], ParsedImport]:
    def read(upload: Upload) -> ParsedImport:
        if not upload.main:
            raise ImportRefused("this format is one file, not an archive", upload.name)
        return parse(upload.main, upload.data)
    return read


PARSERS: dict[str, Callable[[Upload], ParsedImport]] = {
    "native": _single(native.parse),
    "csv": _single(tabular.parse),
    "shorthand": _single(shorthand.parse),
    "numbas": _single(numbas.parse),
    "pretext": pretext.parse,
    "moodle": moodle.parse,
}


def read(name: str, data: bytes, fmt: str | None = None, *, limit: int,
         activities: bool = False) -> ParsedImport:
    """Parse an upload of `data` bytes named `name`; `fmt` overrides detection. `activities`:
    a PreTeXt book's activities, projects, explorations and investigations are exercises too."""
    upload = files.single(PurePosixPath(name or "upload").name, data, limit)
    return read_upload(upload, fmt, activities=activities)


def read_path(path: Path, fmt: str | None = None, *, limit: int,
              activities: bool = False) -> ParsedImport:
    """A file or (PreTeXt) a source folder, from the command line. A PreTeXt file is read
    with its folder, for the files it includes."""
    if path.is_dir():
        return read_upload(files.folder(path, limit), fmt or "pretext", activities=activities)
    data = path.read_bytes()
    if not files.is_zip(path.name, data) and (
            fmt == "pretext" or fmt is None and pretext_source.looks_like(_head(data))):
        upload = files.beside(path, data, limit)
        return read_upload(upload, "pretext", activities=activities)
    return read(path.name, data, fmt, limit=limit, activities=activities)


def read_upload(upload: Upload, fmt: str | None = None, *,
                activities: bool = False) -> ParsedImport:
    chosen = fmt or detect(upload)
    if chosen not in PARSERS:
        raise ImportRefused(f"unknown format {chosen!r}; one of {', '.join(PARSERS)}",
                            upload.name)
    if chosen == "pretext":
        return pretext.parse(upload, activities=activities)
    return PARSERS[chosen](upload)


def detect(upload: Upload) -> str:
    """The format from the file's content first (an XML root, a Numbas header), then its name."""
    if not upload.main:
        texts = [data[:4000].decode("utf-8", "ignore") for data in upload.files.values()]
        if any(pretext_source.looks_like(t) for t in texts):
            return "pretext"
        if any(moodle.looks_like(t) for t in texts):
            return "moodle"
        raise ImportRefused("the archive holds no PreTeXt or Moodle XML file", upload.name)
    head = _head(upload.data)
    for fmt, looks in (("numbas", numbas.looks_like), ("pretext", pretext_source.looks_like),
                       ("moodle", moodle.looks_like)):
        if looks(head):
            return fmt
    suffix = PurePosixPath(upload.main).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".json":
        return "native"
    if shorthand.looks_like(head):
        return "shorthand"
    if suffix in (".txt", ""):
        return "csv"
    raise ImportRefused("the format could not be told from the name or content; choose it",
                        upload.name)


def _head(data: bytes) -> str:
    """The start of the file as text, for sniffing only (decoding proper is strict)."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    return data[:4000].decode("utf-16" if utf16 else "utf-8-sig", errors="ignore")
