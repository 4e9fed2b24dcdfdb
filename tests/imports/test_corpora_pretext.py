"""The shared PreTeXt books as their authors ship them (/work/shared/corpora, not part of the
repository): the book each project builds is the one read, and no exercise the census counts
is lost without a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import formats

from .conftest import LIMIT

CORPORA = Path("/work/shared/corpora/pretext")
BOOKS = {
    "ula": "src/ula.xml (project.ptx, target html)",
    "orcca": "src/orcca.ptx (project.ptx, target html)",
    "active-calculus": "source/main.ptx (project.ptx, target html2e)",
}
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the shared corpora ({CORPORA}) are absent"),
]


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_the_project_target_is_read_and_every_held_exercise_is_accounted_for(name):
    parsed = formats.read_path(CORPORA / f"{name}.zip", limit=LIMIT)
    assert parsed.read_from == BOOKS[name]
    skipped = parsed.counts()["skipped"]
    assert parsed.held and len(parsed.exercises) + skipped >= parsed.held
    assert len({e.id for e in parsed.exercises}) == len(parsed.exercises)


@pytest.mark.parametrize("name", ["ula", "active-calculus"])
def test_books_without_server_webwork_gaps_find_98_percent(name):
    parsed = formats.read_path(CORPORA / f"{name}.zip", limit=LIMIT)
    assert len(parsed.exercises) >= 0.98 * (parsed.held or 0)


def test_activities_are_counted_and_read_when_asked():
    plain = formats.read_path(CORPORA / "ula.zip", limit=LIMIT)
    both = formats.read_path(CORPORA / "ula.zip", limit=LIMIT, activities=True)
    assert (both.held or 0) > (plain.held or 0)
    assert len(both.exercises) >= 0.98 * (both.held or 0)


def test_case_distinct_permids_are_all_kept():
    parsed = formats.read_path(CORPORA / "active-calculus.zip", limit=LIMIT)
    ids = [e.id for e in parsed.exercises]
    assert len([i for i in ids if i.startswith("mki")]) >= 2
