"""Fixtures for the bank tests: a migrated temp SQLite database and small exercise files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .samples import WriteFile


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """write("calculus/rules.yaml", yaml_text) -> the path, under tmp_path/bank."""
    def _write(relative: str, text: str) -> Path:
        path = tmp_path / "bank" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return _write
