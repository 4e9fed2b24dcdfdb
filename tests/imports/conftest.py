"""Fixtures for the import tests: a checker pool (answers are verified in the sandbox), a fresh
migrated SQLite database per test, a learner, and the sample files written for these tests."""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from web.conftest import app, browser  # noqa: F401 - the web tests' app and learner, shared

from app import models as orm
from app.bank import formats, importing
from app.bank.formats.model import ParsedImport
from app.checking.pool import CheckerPool

SAMPLES = Path(__file__).with_name("samples")
LIMIT = 20 * 1024 * 1024


@pytest.fixture
def learner(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        user = orm.User(email="reader@example.org", password_hash="x")
        session.add(user)
        session.commit()
        return user.id


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def book_zip() -> bytes:
    """The sample PreTeXt book as a zip, as a learner would upload it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted((SAMPLES / "book").rglob("*.ptx")):
            archive.write(path, path.relative_to(SAMPLES / "book").as_posix())
    return out.getvalue()


def read(name: str, data: bytes, pool: CheckerPool, fmt: str | None = None,
         subject: str | None = "calculus") -> ParsedImport:
    parsed = formats.read(name, data, fmt, limit=LIMIT)
    return importing.finish(parsed, pool.run, subject)


def by_id(parsed: ParsedImport) -> dict:
    return {e.id: e for e in parsed.exercises}


def markup_audit():
    """bench/markup_audit.py (a script, not a package), loaded once."""
    if "markup_audit" not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "markup_audit.py"
        spec = importlib.util.spec_from_file_location("markup_audit", path)
        sys.modules["markup_audit"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["markup_audit"])
    return sys.modules["markup_audit"]
