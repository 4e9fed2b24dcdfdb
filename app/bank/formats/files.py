"""The files of an upload: one file, a zip, or (from the command line) a folder.

Zipped PreTeXt books and Moodle exports are opened here, and only here, under caps that a
hostile archive cannot get past: the number of files, the total size actually decompressed
(counted while reading, not taken from the headers, which may lie), and names that stay inside
the archive (no `..`, no absolute paths, no symlinks). `Upload.read(path)` is the only way a
format can reach another file, so an `xi:include` can never leave the upload either.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from app.bank.formats.model import ImportRefused

MAX_FILES = 2_000
UNCOMPRESSED_FACTOR = 10
"""An archive may expand to this many times the upload limit, and no more."""
_CHUNK = 64 * 1024


@dataclass
class Upload:
    """An upload as named files (`main.ptx`, `sections/derivatives.ptx`) of bytes."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    main: str = ""
    root: Path | None = None
    """The folder of a file named on the command line: files it includes are read from there
    on demand (inside it only), so `gyrus import book/main.ptx` follows its `xi:include`s."""
    budget: int = 0
    """How many more bytes may be read from `root`."""

    @property
    def data(self) -> bytes:
        return self.files[self.main]

    def read(self, path: str, where: str = "") -> bytes:
        """The file at `path` (relative to the upload's root), or ImportRefused."""
        if path not in self.files and self.root is not None:
            self._fetch(path, where)
        if path not in self.files:
            raise ImportRefused(f"{path} is not in the upload", where)
        return self.files[path]

    def _fetch(self, path: str, where: str) -> None:
        """Read `path` from `root` when it is a plain file inside it, within the budget."""
        assert self.root is not None
        found = self.root / path
        if found.is_symlink() or not found.is_file() \
                or not found.resolve().is_relative_to(self.root):
            return
        self.budget -= found.stat().st_size
        if self.budget < 0 or len(self.files) >= MAX_FILES:
            raise ImportRefused("the files included are too large to import", where)
        self.files[path] = found.read_bytes()


def resolve(base: str, href: str, where: str) -> str:
    """`href` relative to the file `base`, refused unless it stays within the upload."""
    if "://" in href or href.startswith(("/", "\\")) or ":" in href.split("/")[0]:
        raise ImportRefused(f"{href!r} is not a file of the upload (only relative paths "
                            "inside it are followed, never URLs or absolute paths)", where)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), href))
    if joined.startswith("..") or joined.startswith("/"):
        raise ImportRefused(f"{href!r} points outside the upload", where)
    return joined


def single(name: str, data: bytes, limit: int) -> Upload:
    """One uploaded file, or a zip of several."""
    _check_size(len(data), limit, name)
    if is_zip(name, data):
        return unzip(name, data, limit)
    return Upload(name=name, files={name: data}, main=name)


def is_zip(name: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip")


def _check_size(size: int, limit: int, name: str) -> None:
    if size > limit:
        raise ImportRefused(f"the file is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB "
                            "(setting max_upload_bytes)", name)


def unzip(name: str, data: bytes, limit: int) -> Upload:
    """A zip's files, under the caps; its main file is chosen later by the format."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportRefused(f"not a readable zip archive ({error})", name) from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_FILES:
            raise ImportRefused(f"the archive holds {len(entries)} files; at most {MAX_FILES}",
                                name)
        budget = [limit * UNCOMPRESSED_FACTOR]
        files = {_safe_name(info, name): _read_entry(archive, info, budget, name)
                 for info in entries}
    return Upload(name=name, files=files)


def _safe_name(info: zipfile.ZipInfo, archive: str) -> str:
    raw = info.filename.replace("\\", "/")
    where = f"{archive}: {info.filename}"
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ImportRefused("the archive holds a symbolic link; links are not followed", where)
    path = PurePosixPath(raw)
    if path.is_absolute() or ".." in path.parts or ":" in raw:
        raise ImportRefused("a file name in the archive points outside it (path traversal)",
                            where)
    return posixpath.normpath(raw)


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int],
                name: str) -> bytes:
    """Read one entry, counting what is really decompressed against the shared budget."""
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise ImportRefused("the archive expands to more than "
                                        f"{UNCOMPRESSED_FACTOR} times the upload limit "
                                        "(a zip bomb?)", name)
                out += chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise ImportRefused(f"{info.filename} cannot be read from the archive ({error})",
                            name) from None
    return bytes(out)


def beside(path: Path, data: bytes, limit: int) -> Upload:
    """One file (`data`, read from `path`) from the command line, with its folder for the
    files it includes."""
    _check_size(len(data), limit, path.name)
    return Upload(name=path.name, files={path.name: data}, main=path.name,
                  root=path.parent.resolve(), budget=limit * UNCOMPRESSED_FACTOR)


def folder(root: Path, limit: int) -> Upload:
    """A source folder (the command line's `gyrus import book/`), files under it only."""
    root = root.resolve()
    files, total = {}, 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue
        total += path.stat().st_size
        if len(files) >= MAX_FILES or total > limit * UNCOMPRESSED_FACTOR:
            raise ImportRefused("the folder is too large to import", str(root))
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    return Upload(name=root.name, files=files)
