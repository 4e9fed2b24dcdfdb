"""The Import page: upload, preview, confirm. Nothing is written before the confirmation.

The upload is parsed and its answers verified (in the checker pool) on POST /import; the
result waits server-side in a temp file under the data folder, named by a random token kept in
the learner's sign-in (see `importing.save_pending`), so the confirmation does not need
the file again. The confirmation writes everything in one transaction. A pending upload expires
after an hour; with several app machines the data folder must be shared (or the learner
uploads again: the page says the preview expired).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.bank import formats, importing
from app.bank.formats import tabular
from app.bank.formats.model import ImportRefused, ParsedImport
from app.bank.shown import fill_snippets
from app.checking import CheckerBusy
from app.method import queries
from app.threads import in_thread
from app.web.deps import Pool, Uow, User, notify, redirect, render

router = APIRouter()
TOKEN_KEY = "import_token"


async def _form(request: Request, uow: Uow, user: int, status: int = 200, error: str = ""
                ) -> Response:
    return render(request, "import.html", status=status, formats=formats.FORMATS,
                  columns=tabular.COLUMN_HELP, aliases=tabular.ALIASES,
                  subjects=await in_thread(queries.subjects, uow, user), error=error,
                  limit_mb=request.app.state.settings.max_upload_bytes / 1e6)


def _folder(request: Request) -> Path:
    return importing.pending_dir(request.app.state.settings.data_dir)


@router.get("/import")
async def import_page(request: Request, uow: Uow, user: User) -> Response:
    return await _form(request, uow, user)


@router.post("/import")
async def upload(
    request: Request, uow: Uow, user: User, pool: Pool,
    file: Annotated[UploadFile, File()],
    fmt: Annotated[str, Form(alias="format")] = "",
    subject: Annotated[str, Form()] = "",
    new_subject: Annotated[str, Form()] = "",
    activities: Annotated[str, Form()] = "",
) -> Response:
    """Read and verify the upload (its answers in the checker pool), keep it, and show the
    preview (PRG: redirect to it). A CSV or Anki file is kept too, for the field mapping.
    `activities`: a PreTeXt book's activities are exercises too."""
    limit = request.app.state.settings.max_upload_bytes
    chosen = new_subject.strip() or subject or None
    try:
        name, data = await in_thread(_read, file, limit)
        parsed = await in_thread(partial(formats.read, name, data, fmt or None, limit=limit,
                                         activities=bool(activities)))
        await _verified(uow, user, pool, parsed, chosen)
    except ImportRefused as error:
        return await _form(request, uow, user, 400, str(error))
    except CheckerBusy as error:
        return await _form(request, uow, user, 503, _busy(error))
    kept = importing.PendingUpload(name, data, chosen) if parsed.format == "csv" else None
    await in_thread(_keep, request, parsed, user, kept)
    return redirect("/import/preview")


async def _verified(uow: Uow, user: int, pool: Pool, parsed: ParsedImport,
                    subject: str | None) -> None:
    """Answers verified in the checker pool; refuses a collection the learner cannot update."""
    await in_thread(importing.finish, parsed, partial(pool.run, owner=user), subject)
    await in_thread(importing.preview, uow, parsed, user)


def _busy(error: CheckerBusy) -> str:
    return f"The checker is busy — try again in {error.retry_after} s."


def _read(file: UploadFile, limit: int) -> tuple[str, bytes]:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(f"the file is larger than the limit of {limit / 1e6:.1f} MB",
                            file.filename or "")
    return PurePosixPath(file.filename or "upload").name or "upload", data


def _keep(request: Request, parsed: ParsedImport, user: int,
          kept: importing.PendingUpload | None = None) -> None:
    """Keep the verified upload for the preview (and drop an earlier one of this sign-in)."""
    importing.drop_pending(_folder(request), request.session.get(TOKEN_KEY), user)
    request.session[TOKEN_KEY] = importing.save_pending(_folder(request), parsed, user, kept)


@router.get("/import/preview")
async def preview_page(request: Request, uow: Uow, user: User) -> Response:
    parsed = await in_thread(importing.load_pending, _folder(request),
                             request.session.get(TOKEN_KEY), user)
    if parsed is None:
        return _expired(request)
    return await _preview(request, uow, user, parsed)


def _expired(request: Request) -> Response:
    notify(request, "There is no upload waiting (it expired after an hour): upload again.")
    return redirect("/import")


async def _preview(request: Request, uow: Uow, user: int, parsed: ParsedImport,
                   status: int = 200, error: str = "") -> Response:
    shown = await in_thread(importing.preview, uow, parsed, user)
    kept = await in_thread(importing.load_pending_upload, _folder(request),
                           request.session.get(TOKEN_KEY), user)
    fields = await in_thread(tabular.fields, kept.name, kept.data, kept.mapping) \
        if kept else None
    return render(request, "import_preview.html", status=status, preview=shown, parsed=parsed,
                  problems=grouped_problems(parsed), fields=fields, roles=tabular.ROLES,
                  error=error)


def grouped_problems(parsed: ParsedImport) -> list[tuple[str, str, list[str]]]:
    """(severity, message, places) for every reason an item was skipped or self-graded, most
    frequent first (`ParsedImport.reasons`), then the remarks; self-graded exercises the file
    gave no answer for are a reason too (they have no problem of their own)."""
    places: dict[tuple[str, str], list[str]] = {}
    for problem in parsed.problems:
        places.setdefault((problem.severity, problem.message), []).append(problem.where)
    graded = [(s, m.removeprefix(f"{s}: "), places[(s, m)]) for s, m, _count in parsed.reasons()]
    told = {where for s, _m, p in graded if s == "self-graded" for where in p}
    unanswered = [e.where for e in parsed.exercises if e.self_graded and e.where not in told]
    if unanswered:
        graded.append(("self-graded", "the source gives no answer to check", unanswered))
        graded.sort(key=lambda item: -len(item[2]))
    remarks = sorted(((s, m, p) for (s, m), p in places.items() if s == "warning"),
                     key=lambda item: -len(item[2]))
    return graded + remarks


MAX_FIELDS = 100
"""The most fields of an Anki-shaped file the mapping form names (Anki's note types have few)."""


@router.post("/import/mapping")
async def mapping(request: Request, uow: Uow, user: User, pool: Pool) -> Response:
    """Read the pending CSV or Anki file again with the fields the learner mapped (front, back,
    id, ...), verify it, and keep it with its mapping for the confirmation."""
    token = request.session.get(TOKEN_KEY)
    kept = await in_thread(importing.load_pending_upload, _folder(request), token, user)
    parsed = await in_thread(importing.load_pending, _folder(request), token, user)
    if kept is None or parsed is None:
        return _expired(request)
    form = await request.form()
    chosen = {i: str(form.get(f"field-{i}", "")) for i in range(MAX_FIELDS)
              if f"field-{i}" in form}
    try:
        mapped = await in_thread(tabular.parse, kept.name, kept.data, chosen)
        await _verified(uow, user, pool, mapped, kept.subject)
    except ImportRefused as error:
        return await _preview(request, uow, user, parsed, 400, str(error))
    except CheckerBusy as error:
        return await _preview(request, uow, user, parsed, 503, _busy(error))
    kept.mapping = chosen
    await in_thread(_keep, request, mapped, user, kept)
    notify(request, "Fields mapped: the preview shows the file read with them.")
    return redirect("/import/preview")


@router.post("/import/confirm")
async def confirm(
    request: Request, uow: Uow, user: User, pool: Pool,
    study_list: Annotated[str, Form()] = "",
) -> Response:
    """Write the previewed upload in one transaction."""
    token = request.session.get(TOKEN_KEY)
    parsed = await in_thread(importing.load_pending, _folder(request), token, user)
    if parsed is None:
        return _expired(request)
    try:
        report = await in_thread(importing.apply, uow, parsed, user,
                                 add_to_study_list=bool(study_list))
    except ImportRefused as error:
        return await _form(request, uow, user, status=400, error=str(error))
    if report.added_to_study_list or report.updated:  # new or edited items in open passes
        await fill_snippets(pool, uow, user, user)
    await in_thread(importing.drop_pending, _folder(request), token, user)
    request.session.pop(TOKEN_KEY, None)
    notify(request, f"Imported {report.summary()}.")
    subject = report.subjects[0] if report.subjects else None
    return redirect(f"/subjects/{subject}/study-list" if subject else "/")


@router.post("/import/cancel")
async def cancel(request: Request, user: User) -> Response:
    await in_thread(importing.drop_pending, _folder(request), request.session.pop(TOKEN_KEY, None),
                    user)
    notify(request, "Import cancelled: nothing was written.")
    return redirect("/import")
