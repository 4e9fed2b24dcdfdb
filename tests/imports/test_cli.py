"""`gyrus import`, `gyrus export`, `gyrus restore`, `gyrus collection publish` end to end."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from app.cli import main

from .conftest import SAMPLES


def test_import_export_publish_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("GYRUS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GYRUS_LOAD_BANK", "false")
    monkeypatch.setenv("GYRUS_CHECK_WORKERS", "1")
    runner = CliRunner()
    assert runner.invoke(main, ["user", "create", "a@example.org", "--password",
                                "correct horse battery"]).exit_code == 0
    stewart = str(SAMPLES / "stewart.txt")
    dry = runner.invoke(main, ["import", stewart, "--user", "a@example.org", "--subject",
                               "calculus", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 checkable, 2 self-graded, 0 skipped; 4 new" in dry.output
    done = runner.invoke(main, ["import", stewart, "--user", "a@example.org", "--subject",
                                "calculus", "--study-list"])
    assert done.exit_code == 0 and "4 created" in done.output
    slug = next(line.split("\t")[0] for line in
                runner.invoke(main, ["collection", "list"]).output.splitlines())
    exported = runner.invoke(main, ["export", "--collection", slug])
    assert list(yaml.safe_load_all(exported.output))[0]["collection"]["key"] == "stewart-8e"
    backup = runner.invoke(main, ["export", "--user", "a@example.org", "--all"])
    assert json.loads(backup.output)["study_lists"][0]["exercises"]
    assert "published" in runner.invoke(main, ["collection", "publish", slug]).output
    (tmp_path / "backup.json").write_text(backup.output)
    monkeypatch.setenv("GYRUS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    restored = runner.invoke(main, ["restore", str(tmp_path / "backup.json")])
    assert restored.exit_code == 0 and "4 own exercises" in restored.output
    bad = runner.invoke(main, ["import", str(SAMPLES / "moodle.xml"), "--format", "numbas"])
    assert bad.exit_code == 1 and "not a Numbas exam" in bad.output


def test_import_names_the_file_read_and_reads_activities_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("GYRUS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GYRUS_LOAD_BANK", "false")
    monkeypatch.setenv("GYRUS_CHECK_WORKERS", "1")
    shapes = str(SAMPLES / "shapes" / "book.ptx")
    runner = CliRunner()
    plain = runner.invoke(main, ["import", shapes, "--subject", "calculus", "--dry-run"])
    assert "read book.ptx (the file uploaded)" in plain.output
    assert "the source holds 5 exercises; 6 found" in plain.output
    both = runner.invoke(main, ["import", shapes, "--subject", "calculus", "--dry-run",
                                "--activities"])
    assert "the source holds 7 exercises; 8 found" in both.output
