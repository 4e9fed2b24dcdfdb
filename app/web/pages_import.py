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
from pathlib import Path
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
) -> Response:
    """Read and verify the upload (its answers in the checker pool), keep it, and show the
    preview (PRG: redirect to it)."""
    limit = request.app.state.settings.max_upload_bytes
    try:
        parsed = await in_thread(_read, file, fmt, limit)
        await in_thread(importing.finish, parsed, partial(pool.run, owner=user),
                        new_subject.strip() or subject or None)
        # refuses a collection the learner cannot update
        await in_thread(importing.preview, uow, parsed, user)
    except ImportRefused as error:
        return await _form(request, uow, user, 400, str(error))
    except CheckerBusy as error:
        busy = f"The checker is busy — try again in {error.retry_after} s."
        return await _form(request, uow, user, 503, busy)
    await in_thread(_keep, request, parsed, user)
    return redirect("/import/preview")


def _read(file: UploadFile, fmt: str, limit: int) -> ParsedImport:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(f"the file is larger than the limit of {limit / 1e6:.1f} MB",
                            file.filename or "")
    return formats.read(file.filename or "upload", data, fmt or None, limit=limit)


def _keep(request: Request, parsed: ParsedImport, user: int) -> None:
    """Keep the verified upload for the preview (and drop an earlier one of this sign-in)."""
    importing.drop_pending(_folder(request), request.session.get(TOKEN_KEY), user)
    request.session[TOKEN_KEY] = importing.save_pending(_folder(request), parsed, user)


@router.get("/import/preview")
async def preview_page(request: Request, uow: Uow, user: User) -> Response:
    parsed = await in_thread(importing.load_pending, _folder(request),
                             request.session.get(TOKEN_KEY), user)
    if parsed is None:
        notify(request, "There is no upload waiting (it expired after an hour): upload again.")
        return redirect("/import")
    shown = await in_thread(importing.preview, uow, parsed, user)
    return render(request, "import_preview.html", preview=shown, parsed=parsed)


@router.post("/import/confirm")
async def confirm(
    request: Request, uow: Uow, user: User, pool: Pool,
    study_list: Annotated[str, Form()] = "",
) -> Response:
    """Write the previewed upload in one transaction."""
    token = request.session.get(TOKEN_KEY)
    parsed = await in_thread(importing.load_pending, _folder(request), token, user)
    if parsed is None:
        notify(request, "There is no upload waiting (it expired after an hour): upload again.")
        return redirect("/import")
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
