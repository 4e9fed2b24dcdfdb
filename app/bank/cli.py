"""`gyrus bank load` and `gyrus bank lint` (the lead wires it in: `main.add_command(bank)`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.bank.lint import JOBS, SEEDS, lint
from app.bank.loader import DEFAULT_BANK, BankError, load_bank


@click.group(name="bank")
def bank() -> None:
    """The curated exercise bank: load it into the database, lint exercise files."""


@bank.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--database-url", default=None, help="Database URL [GYRUS_DATABASE_URL].")
def load_command(path: Path | None, database_url: str | None) -> None:
    """Migrate the database and upsert the bank at PATH (default: the bundled exercises/)."""
    from app.db import UnitOfWork, make_engine, migrate, session_factory
    from app.settings import Settings

    url = database_url or Settings().database_url
    migrate(url)
    engine = make_engine(url)
    try:
        report = load_bank(UnitOfWork(session_factory(engine)), path or DEFAULT_BANK)
    except BankError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo(report.summary())
    for global_id in report.retired:
        click.echo(f"retired (in the database, no longer in the files; kept): {global_id}")


@bank.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--seeds", default=SEEDS, show_default=True, help="Variants per parameterised "
              "exercise.")
@click.option("--strict", is_flag=True, help="Warnings (no hint, solution or typical mistake) "
              "fail too.")
@click.option("--sandbox/--in-process", default=True, show_default=True,
              help="Run author expressions and checks in the checker pool (files from others), "
              "or in this process (quicker, for your own files).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per variant check "
              "in the sandbox.")
@click.option("--jobs", default=JOBS, show_default=True, help="Variant checks at once (all CPUs "
              "by default).")
def lint_command(paths: tuple[Path, ...], seeds: int, strict: bool, sandbox: bool,
                 timeout: float, jobs: int) -> None:
    """Check exercise files: schema, answers, wrong values, variants. Exit 1 on problems."""
    if sandbox:
        from app.checking.pool import CheckerPool

        with CheckerPool(timeout=timeout, cache_size=0, workers=jobs) as pool:
            report = lint(paths, seeds=seeds, runner=pool.run, strict=strict, jobs=jobs)
    else:
        report = lint(paths, seeds=seeds, strict=strict, jobs=jobs)
    for problem in report.problems:
        click.echo(str(problem), err=not problem.error)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)
