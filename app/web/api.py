"""The JSON API of DESIGN §3: `POST /api/v1/check` and `POST /api/v1/validate`.

For signed-in learners (the session cookie; the app-wide CSRF check wants the `X-CSRF-Token`
header), rate limited per learner since every call costs a checker worker.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from app.checking.compare.spec import AnswerSpec
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
    try:
        return AnswerSpec.model_validate(body.spec)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in error.errors()
        )
        raise HTTPException(422, f"The spec is not a valid answer spec: {problems}") from None


@router.post("/check")
async def check(request: Request, body: CheckRequest, user: User, pool: Pool) -> JSONResponse:
    """The result JSON: status, message, latex, notes, elapsed_ms."""
    _limited(request, user)
    result = await pool.check_async(_spec(body), body.response)
    return JSONResponse(result.to_json())


@router.post("/validate")
async def validate(request: Request, body: CheckRequest, user: User, pool: Pool,
                   ) -> JSONResponse:
    """How the response is read (the live preview): valid, message, latex, variables."""
    _limited(request, user)
    validation = await pool.validate_async(_spec(body), body.response)
    return JSONResponse(validation.to_json())
