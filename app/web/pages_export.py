"""The Export page: a collection as native YAML or CSV, and all of the learner's data as JSON.

Downloads are GETs of the learner's own data (or of public collections), so they need no CSRF
token; another learner's private collection is not found (404).
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.method import queries
from app.threads import in_thread
from app.web.deps import Uow, User, render

router = APIRouter()
MEDIA = {"yaml": "application/yaml", "csv": "text/csv", "json": "application/json"}


def _download(text: str, name: str, kind: str) -> Response:
    return Response(text, media_type=f"{MEDIA[kind]}; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/export")
async def export_page(request: Request, uow: Uow, user: User) -> Response:
    rows = await in_thread(queries.exportable_collections, uow, user)
    return render(request, "export.html", collections=rows)


@router.get("/export/collections/{slug}.{kind}")
async def export_collection(uow: Uow, user: User, slug: str, kind: Literal["yaml", "csv"]
                            ) -> Response:
    try:
        text = await in_thread(queries.exported_collection, uow, user, slug, kind)
    except queries.NotFound:
        raise HTTPException(404, "There is no such collection.") from None
    return _download(text, f"{slug}.{kind}", kind)


@router.get("/export/backup.json")
async def export_backup(uow: Uow, user: User) -> Response:
    data = await in_thread(queries.backup, uow, user)
    return _download(json.dumps(data, indent=1), "gyrus-backup.json", "json")
