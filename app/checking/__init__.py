"""Answer checking: the learner grammar read into SymPy, answer specs, comparisons, and the pool.

`check` and `validate` are the Python interface of DESIGN §3. They always run in the sandboxed
process pool (DESIGN §7), never in the caller's process: a hostile answer can only cost a worker.
"""

from __future__ import annotations

from typing import Any

from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import CheckerPool, default_pool, shutdown_default_pool, use_default_pool
from app.checking.queue import CheckerBusy

__all__ = [
    "AnswerSpec",
    "CheckResult",
    "CheckerBusy",
    "CheckerPool",
    "Validation",
    "check",
    "default_pool",
    "shutdown_default_pool",
    "use_default_pool",
    "validate",
]


def as_spec(spec: AnswerSpec | dict[str, Any]) -> AnswerSpec:
    """The spec as a model; a dict that is not a valid spec raises pydantic's ValidationError."""
    return spec if isinstance(spec, AnswerSpec) else AnswerSpec.model_validate(spec)


def check(spec: AnswerSpec | dict[str, Any], response: str) -> CheckResult:
    """Check `response` against `spec` in the shared pool."""
    return default_pool().check(as_spec(spec), response)


def validate(spec: AnswerSpec | dict[str, Any], response: str) -> Validation:
    """Read `response` for the live preview (no comparison) in the shared pool."""
    return default_pool().validate(as_spec(spec), response)
