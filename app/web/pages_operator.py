"""Operator pages: the disputed verdicts (DESIGN §1 rule 3). Operators only (403 for others)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from app.bank.shown import Shown, VariantUnavailable, shown
from app.checking import CheckerBusy
from app.method import queries, service
from app.threads import in_thread
from app.web.deps import (
    MAX_INT,
    Operator,
    PathInt,
    Pool,
    Uow,
    notify,
    redirect,
    render,
)

router = APIRouter()


async def _variant(pool: Pool, dispute: queries.Dispute, operator: int) -> Shown | None:
    """The variant the learner answered (same seed), for its prompt and reference answer."""
    try:
        return await shown(pool, dispute.exercise, dispute.seed, owner=operator)
    except (VariantUnavailable, CheckerBusy):
        return None


@router.get("/operator/disputes")
async def disputes_page(
    request: Request, uow: Uow, pool: Pool, operator: Operator,
    page: Annotated[int, Query(ge=1, le=MAX_INT)] = 1,
) -> Response:
    """Every disputed rating, newest first, 50 a page."""
    rows, total = await in_thread(queries.disputes, uow, page)
    pages = max(1, -(-total // queries.DISPUTES_PER_PAGE))
    variants = [await _variant(pool, dispute, operator) for dispute in rows]
    return render(
        request,
        "operator_disputes.html",
        rows=list(zip(rows, variants, strict=True)),
        total=total,
        page=page,
        pages=pages,
    )


@router.post("/operator/disputes/{pk}/reviewed")
async def mark_reviewed(
    request: Request, uow: Uow, _operator: Operator, pk: PathInt,
    page: Annotated[int, Form(ge=1, le=MAX_INT)] = 1,
) -> Response:
    """Mark a dispute reviewed (once: a second click keeps the first time)."""
    if not await in_thread(service.review_dispute, uow, pk):
        raise HTTPException(404, "There is no such dispute.")
    notify(request, "Dispute marked reviewed.")
    return redirect(f"/operator/disputes?page={max(page, 1)}#dispute-{pk}")
