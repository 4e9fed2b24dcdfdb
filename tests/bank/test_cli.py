"""`gyrus bank load` and `gyrus bank lint` from the shell."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.bank.cli import bank

from .samples import CHAIN, RULES, WriteFile


def test_load_twice(tmp_path: Path, write: WriteFile) -> None:
    write("calculus/rules.yaml", RULES)
    folder = write("calculus/chain.yaml", CHAIN).parent.parent
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = CliRunner().invoke(bank, ["load", str(folder), "--database-url", url])
    assert first.exit_code == 0, first.output
    assert "3 created" in first.output
    second = CliRunner().invoke(bank, ["load", str(folder), "--database-url", url])
    assert "0 created, 0 updated" in second.output


def test_load_refuses_a_bad_bank(tmp_path: Path, write: WriteFile) -> None:
    folder = write("calculus/rules.yaml", "subject: calculus\n").parent.parent
    result = CliRunner().invoke(bank, ["load", str(folder), "--database-url",
                                       f"sqlite:///{tmp_path / 'cli.db'}"])
    assert result.exit_code == 1 and "topic: Field required" in result.output


def test_lint_exit_codes(write: WriteFile) -> None:
    good = write("calculus/rules.yaml", RULES)
    result = CliRunner().invoke(bank, ["lint", "--in-process", "--seeds", "3", str(good)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    bad = write("calculus/rules.yaml", RULES.replace('{value: "x^2",', '{value: "3*x^2",'))
    result = CliRunner().invoke(bank, ["lint", "--in-process", "--seeds", "3", str(bad)])
    assert result.exit_code == 1 and "should check incorrect" in result.output
