"""The Export page: a collection as native YAML or CSV, and all of the learner's data as JSON.

Downloads are GETs of the learner's own data (or of public collections), so they need no CSRF
token; another learner's private collection is not found (404).
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.bank import export
from app.bank.formats.model import ImportRefused
from app.web.deps import Uow, User, render

router = APIRouter()
MEDIA = {"yaml": "application/yaml", "csv": "text/csv", "json": "application/json"}


def _download(text: str, name: str, kind: str) -> Response:
    return Response(text, media_type=f"{MEDIA[kind]}; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/export")
def export_page(request: Request, uow: Uow, user: User) -> Response:
    with uow:
        rows = [(c.slug, c.title, c.owner_id is not None)
                for c in export.visible_collections(uow.session, user)]
    return render(request, "export.html", collections=rows)


@router.get("/export/collections/{slug}.{kind}")
def export_collection(uow: Uow, user: User, slug: str, kind: Literal["yaml", "csv"]
                      ) -> Response:
    with uow:
        try:
            row = export.find_collection(uow.session, slug, user)
        except ImportRefused:
            raise HTTPException(404, "There is no such collection.") from None
        text = (export.export_yaml if kind == "yaml" else export.export_csv)(uow.session, row)
    return _download(text, f"{slug}.{kind}", kind)


@router.get("/export/backup.json")
def export_backup(uow: Uow, user: User) -> Response:
    with uow:
        data = export.export_user(uow.session, user)
    return _download(json.dumps(data, indent=1), "gyrus-backup.json", "json")
