"""The `gyrus` command: serve the app, check answers from the shell (DESIGN §3)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import click
from pydantic import ValidationError

from app.bank.cli import bank
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import CheckerPool, undecided
from app.settings import Settings

# Lines read and checked together in `answer --batch`: large enough to keep every worker busy,
# small enough that results stream out while a long batch is still being read.
BATCH_CHUNK = 256


@click.group(name="gyrus")
def main() -> None:
    """Gyrus: learn the mathematics behind deep learning with the Green-Yellow-Red method."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on [GYRUS_HOST, 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port to listen on [GYRUS_PORT, 8000].")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--forwarded-allow-ips", default=None,
              help="Reverse proxies whose X-Forwarded-For/-Proto headers are trusted: "
                   "addresses or networks, comma-separated [GYRUS_TRUSTED_PROXIES, none].")
def serve(host: str | None, port: int | None, reload: bool, forwarded_allow_ips: str | None,
          ) -> None:
    """Run the web app with uvicorn (one process; the checker pool has its own workers).

    The app logs one JSON line per request itself, so uvicorn's access log is off. Proxy
    headers are the app's business (GYRUS_TRUSTED_PROXIES), never uvicorn's: by default no
    address is trusted, so no client can choose the address the log-in limits count. The
    HTTP parser is h11, which refuses a request whose head (request line and headers)
    outgrows `HEADER_LIMIT` while it is still being read (400, connection closed); httptools,
    uvicorn's other parser, has no such limit and reads a header of any size into memory.
    """
    import os

    import uvicorn

    # The app factory reads its settings from the env (its start-up names the URL to open).
    if forwarded_allow_ips is not None:
        os.environ["GYRUS_TRUSTED_PROXIES"] = forwarded_allow_ips
    if host is not None:
        os.environ["GYRUS_HOST"] = host
    if port is not None:
        os.environ["GYRUS_PORT"] = str(port)
    from app.web.limits import HEADER_LIMIT

    settings = Settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        access_log=False,
        proxy_headers=False,
        http="h11",
        h11_max_incomplete_event_size=HEADER_LIMIT,
    )


@main.group()
def user() -> None:
    """Learner accounts."""


@user.command("create")
@click.argument("email")
@click.option("--password", default=None,
              help="The password (default: asked for, hidden). Avoid it on shared machines: "
                   "the shell history keeps it.")
@click.option("--operator", is_flag=True, help="Make the account an operator.")
def user_create(email: str, password: str | None, operator: bool) -> None:
    """Create an account for EMAIL (migrating the database first if needed)."""
    from app.accounts import AccountError, create_user
    from app.db import UnitOfWork, make_engine, migrate, session_factory

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    url = Settings().database_url
    migrate(url)
    engine = make_engine(url)
    try:
        user_id = create_user(
            UnitOfWork(session_factory(engine)), email, password, operator=operator
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    role = "operator" if operator else "user"
    click.echo(f"created {role} {user_id}: {email.strip().lower()}")


@user.command("password")
@click.argument("email")
@click.option("--password", default=None,
              help="The new password (default: asked for, hidden, twice). Avoid it on shared "
                   "machines: the shell history keeps it.")
def user_password(email: str, password: str | None) -> None:
    """Set a new password for EMAIL and end all of its sign-ins (a reset by the operator)."""
    from app.accounts import AccountError, reset_password
    from app.db import UnitOfWork

    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    engine, sessions = _database()
    try:
        user_id = reset_password(UnitOfWork(sessions), email, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    if user_id is None:
        raise click.ClickException(f"no user {email}")
    click.echo(f"user {user_id} ({email.strip().lower()}): new password set, sign-ins ended")


@user.command("promote")
@click.argument("email")
@click.option("--demote", is_flag=True, help="Take the operator role away instead.")
def user_promote(email: str, demote: bool) -> None:
    """Make EMAIL an operator (who sees the operator pages), or with --demote a learner again."""
    from app.accounts import set_operator
    from app.db import UnitOfWork

    engine, sessions = _database()
    try:
        user_id = set_operator(UnitOfWork(sessions), email, not demote)
    finally:
        engine.dispose()
    if user_id is None:
        raise click.ClickException(f"no user {email}")
    role = "a learner" if demote else "an operator"
    click.echo(f"user {user_id} ({email.strip().lower()}) is now {role}")


@main.command()
@click.option("--spec", "spec_text", default=None, help="The answer spec as JSON.")
@click.option("--response", default=None, help="The learner's response.")
@click.option("--batch", is_flag=True, help="Read JSON Lines {id, spec, response} on stdin.")
@click.option("--timeout", type=float, default=None, help="Time limit, s [GYRUS_CHECK_TIMEOUT].")
@click.option("--workers", type=int, default=None, help="Checker processes [GYRUS_CHECK_WORKERS].")
def answer(
    spec_text: str | None,
    response: str | None,
    batch: bool,
    timeout: float | None,
    workers: int | None,
) -> None:
    """Check answers: one (--spec, --response) or a batch of JSON Lines (--batch).

    Prints one JSON result per answer. A bad spec or a bad batch line gives a result with
    status "invalid" saying what is wrong; a batch never stops on one.
    """
    if batch == (spec_text is not None or response is not None):
        raise click.UsageError("give either --batch, or --spec and --response")
    if not batch and (spec_text is None or response is None):
        raise click.UsageError("--spec and --response go together")
    with _pool(timeout, workers) as pool:
        if batch:
            _answer_batch(pool, click.get_binary_stream("stdin"), sys.stdout)
        else:
            _write(sys.stdout, _answer_one(pool, spec_text or "", response or ""))


def _pool(timeout: float | None, workers: int | None) -> CheckerPool:
    """A pool for this command: options first, then GYRUS_* settings."""
    settings = Settings()
    return CheckerPool(
        workers=workers or settings.check_workers,
        timeout=timeout or settings.check_timeout,
        memory_mb=settings.check_memory_mb,
    )


def _answer_one(pool: CheckerPool, spec_text: str, response: str) -> dict[str, Any]:
    try:
        spec = AnswerSpec.model_validate(json.loads(spec_text))
    except json.JSONDecodeError as error:
        return _invalid(f"--spec is not JSON: {error}")
    except ValidationError as error:
        return _invalid(f"--spec is not a valid answer spec: {_explain(error)}")
    return pool.check(spec, response).to_json()


# -- batch ----------------------------------------------------------------------------------


class _Line:
    """One batch line: its id and either a checkable (spec, response) or why it is not."""

    def __init__(self, number: int, raw: bytes) -> None:
        self.number = number
        self.id: Any = None
        self.item: tuple[AnswerSpec, str] | None = None
        self.problem: str | None = None
        try:
            self._read(raw)
        except ValueError as error:
            self.problem = f"line {number}: {error}"

    def _read(self, raw: bytes) -> None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8 text") from None
        data = self._decode(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object with keys id, spec and response")
        self.id = data.get("id")
        missing = [key for key in ("spec", "response") if key not in data]
        if missing:
            raise ValueError(f"missing {' and '.join(repr(k) for k in missing)}")
        if not isinstance(data["response"], str):
            raise ValueError("'response' must be a string")
        if not isinstance(data["spec"], dict):
            raise ValueError("'spec' must be a JSON object")
        try:
            spec = AnswerSpec.model_validate(data["spec"])
        except ValidationError as error:
            raise ValueError(f"the spec is not valid: {_explain(error)}") from None
        self.item = (spec, data["response"])

    def _decode(self, text: str) -> Any:
        """The line's JSON; with trailing garbage, still read the id of the object before it."""
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            try:
                head, _end = json.JSONDecoder().raw_decode(text.lstrip())
            except json.JSONDecodeError:
                head = None
            if isinstance(head, dict):
                self.id = head.get("id")
            raise ValueError(f"not JSON ({error})") from None


def _answer_batch(pool: CheckerPool, source: BinaryIO, sink: TextIO) -> None:
    """Check JSON Lines from `source`, in chunks, writing results to `sink` in input order."""
    for chunk in _chunks(_numbered_lines(source), BATCH_CHUNK):
        lines = [_Line(number, text) for number, text in chunk]
        for line, result in zip(lines, _check_lines(pool, lines), strict=True):
            _write(sink, {"id": line.id, **result})
        sink.flush()


def _check_lines(pool: CheckerPool, lines: list[_Line]) -> list[dict[str, Any]]:
    """The result of every line: checked together where readable, `invalid` where not."""
    items = [line.item for line in lines if line.item is not None]
    try:
        checked: Iterator[CheckResult] = iter(pool.check_many(items))
    except Exception:  # a broken chunk must not stop the batch
        checked = iter([undecided("error")] * len(items))
    return [
        next(checked).to_json() if line.item is not None else _invalid(line.problem or "")
        for line in lines
    ]


def _numbered_lines(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines with their 1-based line numbers (blank lines are not answers).

    Bytes, not text: a line that is not UTF-8 must fail alone, not end the batch.
    """
    for number, raw in enumerate(source, start=1):
        if raw.strip():
            yield number, raw


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- output ---------------------------------------------------------------------------------


def _invalid(message: str) -> dict[str, Any]:
    return CheckResult(status="invalid", message=message).to_json()


def _explain(error: ValidationError) -> str:
    """pydantic's errors in one line: `where: what; …`."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def _write(sink: TextIO, result: dict[str, Any]) -> None:
    sink.write(json.dumps(result) + "\n")  # ASCII: safe whatever stdout's encoding is


# -- import, export, restore, collections -----------------------------------------------------


def _database() -> tuple[Any, Any]:
    """The migrated database of the settings: (engine, session factory)."""
    from app.db import make_engine, migrate, session_factory

    url = Settings().database_url
    migrate(url)
    engine = make_engine(url)
    return engine, session_factory(engine)


def _user_id(sessions: Any, email: str | None) -> int | None:
    if email is None:
        return None
    from sqlalchemy import select

    from app.models import User

    with sessions() as session:
        found = session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if found is None:
        raise click.ClickException(f"no user {email}")
    return found


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", default=None, help="native, csv, shorthand, pretext, moodle, "
              "numbas (default: detected).")
@click.option("--user", "email", default=None, help="The owner (private collection); without "
              "it the collection is public (an operator's import).")
@click.option("--subject", default=None, help="Subject for exercises the file gives none.")
@click.option("--collection", "slug", default=None, help="Import into the collection with this "
              "slug (e.g. to update a published one).")
@click.option("--study-list", is_flag=True, help="Add the exercises to the user's study list.")
@click.option("--dry-run", is_flag=True, help="Read, verify and report; write nothing.")
@click.option("--activities", is_flag=True, help="Include activities: a PreTeXt book's "
              "activities, projects, explorations and investigations become exercises too.")
def import_command(path: Path, fmt: str | None, email: str | None, subject: str | None,
                   slug: str | None, study_list: bool, dry_run: bool, activities: bool) -> None:
    """Import exercises from PATH (a file, a zip, or a PreTeXt source folder); all or nothing."""
    from app.bank import formats, importing
    from app.db import UnitOfWork

    settings = Settings()
    engine, sessions = _database()
    try:
        owner = _user_id(sessions, email)
        with _pool(None, None) as pool:
            parsed = formats.read_path(path, fmt, limit=settings.max_upload_bytes,
                                       activities=activities)
            parsed.key = slug or parsed.key
            importing.finish(parsed, pool.run, subject)
        shown = importing.preview(UnitOfWork(sessions), parsed, owner)
        _echo_preview(shown)
        if not dry_run:
            report = importing.apply(UnitOfWork(sessions), parsed, owner,
                                     add_to_study_list=study_list)
            click.echo(report.summary())
    except importing.ImportRefused as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()


def _echo_preview(shown: Any) -> None:
    counts = shown.counts
    click.echo(f"{shown.parsed.format}: {shown.parsed.title} -> collection {shown.collection}: "
               f"{counts['checkable']} checkable, {counts['self_graded']} self-graded, "
               f"{counts['skipped']} skipped; {shown.created} new, {shown.updated} existing"
               + (f"; {len(shown.parsed.images)} images" if shown.parsed.images else ""))
    parsed = shown.parsed
    if parsed.read_from:
        click.echo(f"read {parsed.read_from}")
    if parsed.held is not None:
        click.echo(f"the source holds {parsed.held} exercises; {len(parsed.exercises)} found")
    for problem in shown.parsed.problems:
        click.echo(f"  {problem.severity}: {problem}", err=True)


@main.command("export")
@click.option("--collection", "slug", default=None, help="The collection to export.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv"]), default="yaml",
              show_default=True)
@click.option("--user", "email", default=None, help="With --all: this learner's data.")
@click.option("--all", "everything", is_flag=True, help="The learner's whole data as JSON.")
def export_command(slug: str | None, fmt: str, email: str | None, everything: bool) -> None:
    """Write a collection (YAML/CSV) or a learner's backup (--user EMAIL --all) to stdout."""
    from app.bank import export
    from app.bank.formats.model import ImportRefused

    if everything == (slug is not None) or (everything and not email):
        raise click.UsageError("give --collection SLUG, or --user EMAIL --all")
    engine, sessions = _database()
    try:
        owner = _user_id(sessions, email)
        with sessions() as session:
            if everything:
                assert owner is not None
                text = json.dumps(export.export_user(session, owner), indent=1) + "\n"
            else:
                row = export.find_collection(session, slug or "", None)
                text = (export.export_yaml if fmt == "yaml" else export.export_csv)(session, row)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(text, nl=False)


@main.command("restore")
@click.argument("backup", type=click.File("rb"))
def restore_command(backup: BinaryIO) -> None:
    """Restore a learner's backup (gyrus export --user E --all) into this database."""
    from app.bank.export import RestoreError, restore

    try:
        data = json.loads(backup.read())
    except ValueError as error:
        raise click.ClickException(f"not a JSON backup: {error}") from None
    engine, sessions = _database()
    try:
        _load_bundled_bank(sessions)
        with sessions() as session:
            report = restore(session, data)
            session.commit()
    except (RestoreError, KeyError, TypeError) as error:
        raise click.ClickException(f"nothing restored: {error}") from None
    finally:
        engine.dispose()
    click.echo(report.summary())


def _load_bundled_bank(sessions: Any) -> None:
    """Backups name curated exercises by id: the bank must be there, as the app would load it."""
    settings = Settings()
    if settings.load_bank and settings.bank_path.is_dir():
        from app.bank.loader import load_bank

        with sessions() as session:
            load_bank(session, settings.bank_path)


@main.group()
def collection() -> None:
    """Exercise collections (the curated bank and imports)."""


@collection.command("publish")
@click.argument("slug")
def collection_publish(slug: str) -> None:
    """Make an imported collection public: every learner can add it to a study list."""
    from app.bank.importing import ImportRefused, publish
    from app.db import UnitOfWork

    engine, sessions = _database()
    try:
        title = publish(UnitOfWork(sessions), slug)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"published {slug}: {title}")


@collection.command("list")
def collection_list() -> None:
    """Every collection: slug, owner (or public), title."""
    from app.bank.export import visible_collections

    engine, sessions = _database()
    try:
        with sessions() as session:
            for row in visible_collections(session, None):
                owner = "public" if row.owner_id is None else f"user {row.owner_id}"
                click.echo(f"{row.slug}\t{owner}\t{row.title}")
    finally:
        engine.dispose()


main.add_command(bank)


if __name__ == "__main__":
    main()
