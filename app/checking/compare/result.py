"""The check result: the contract of DESIGN §3 shared by the Python API, HTTP and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["correct", "incorrect", "invalid", "undecided"]


@dataclass(frozen=True)
class CheckResult:
    """What the checker says about one response.

    `invalid` means the response was not read (no attempt is recorded); `undecided` means the
    checker could not decide within its limits, so the learner rates themself.
    """

    status: Status
    message: str = ""
    latex: str | None = None
    notes: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)

    def timed(self, elapsed_ms: float) -> CheckResult:
        return CheckResult(self.status, self.message, self.latex, list(self.notes), elapsed_ms)


@dataclass(frozen=True)
class Validation:
    """How a response was read, for the live preview: no comparison is made.

    `latex` is the response as typed; `reading` is what will be checked, set only where the two
    differ (`1/2x` is read as x/2, `\\sin 2x` as sin(2x)).
    """

    valid: bool
    message: str = ""
    latex: str | None = None
    variables: list[str] = field(default_factory=list)
    reading: str | None = None

    def to_json(self) -> dict:
        return asdict(self)
