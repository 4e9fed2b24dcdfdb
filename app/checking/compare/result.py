"""The check result: the contract of DESIGN §3 shared by the Python API, HTTP and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

Status = Literal["correct", "incorrect", "invalid", "undecided"]
OPTIONAL = ("entries", "diagnosis")
"""Keys of the JSON present only where they apply (structured answers, a recognised mistake)."""


@dataclass(frozen=True)
class CheckResult:
    """What the checker says about one response.

    `invalid` means the response was not read (no attempt is recorded); `undecided` means the
    checker could not decide within its limits, so the learner rates themself. `entries` says
    which entries of a structured answer are wrong (`{"wrong": [[2, 1]], "right": 3, "of": 4}`);
    `diagnosis` names a mistake recognised without an author (`{"code": "sign", "message": …}`).
    """

    status: Status
    message: str = ""
    latex: str | None = None
    notes: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    entries: dict | None = None
    diagnosis: dict | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        for key in OPTIONAL:
            if data[key] is None:
                del data[key]
        return data

    def timed(self, elapsed_ms: float) -> CheckResult:
        return replace(self, notes=list(self.notes), elapsed_ms=elapsed_ms)

    @property
    def diagnosis_message(self) -> str | None:
        """The recognised mistake in words, or None."""
        return self.diagnosis["message"] if self.diagnosis else None


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
