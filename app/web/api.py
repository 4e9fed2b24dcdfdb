"""The JSON API of DESIGN §3: `POST /api/v1/check` and `POST /api/v1/validate`.

For signed-in learners (the sign-in cookie; the app-wide CSRF check wants the `X-CSRF-Token`
header), rate limited per learner since every call costs a checker worker.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from app.checking import CheckerBusy
from app.checking.compare.spec import AnswerSpec, author_mode_in
from app.web.deps import Pool, User

router = APIRouter(prefix="/api/v1")

MAX_RESPONSE = 10_000


class CheckRequest(BaseModel):
    spec: dict[str, Any]
    response: str = Field(max_length=MAX_RESPONSE)


def _limited(request: Request, user: int) -> None:
    limiter = request.app.state.api_limiter
    if not limiter.allow(user):
        raise HTTPException(
            429,
            "Too many checks in a short time; wait a moment.",
            headers={"Retry-After": str(limiter.retry_after(user))},
        )


def _spec(body: CheckRequest) -> AnswerSpec:
    """The body's spec, in learner syntax only: author-mode operations (`integrate`, `diff`, …)
    are for exercise files, whose references are computed once, not for every client call."""
    try:
        spec = AnswerSpec.model_validate(body.spec)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in error.errors()
        )
        raise HTTPException(422, f"The spec is not a valid answer spec: {problems}") from None
    if (problem := author_mode_in(spec)) is not None:
        raise HTTPException(422, f"The spec's value must be in learner syntax: {problem}")
    return spec


def _busy(error: CheckerBusy) -> HTTPException:
    return HTTPException(503, f"The checker is busy; try again in {error.retry_after} s.",
                         headers={"Retry-After": str(error.retry_after)})


@router.post("/check")
async def check(request: Request, body: CheckRequest, user: User, pool: Pool) -> JSONResponse:
    """The result JSON: status, message, latex, notes, elapsed_ms."""
    _limited(request, user)
    try:
        result = await pool.check_async(_spec(body), body.response, owner=user)
    except CheckerBusy as error:
        raise _busy(error) from None
    return JSONResponse(result.to_json())


@router.post("/validate")
async def validate(request: Request, body: CheckRequest, user: User, pool: Pool,
                   ) -> JSONResponse:
    """How the response is read (the live preview): valid, message, latex, variables."""
    _limited(request, user)
    try:
        validation = await pool.validate_async(_spec(body), body.response, owner=user)
    except CheckerBusy as error:
        raise _busy(error) from None
    return JSONResponse(validation.to_json())
