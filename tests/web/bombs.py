"""A check task for the fairness tests, in a module of its own: a checker worker imports the
module of the function it runs, and a test module would bring the whole app with it."""

from __future__ import annotations

import time

from app.checking.compare.result import CheckResult
from app.checking.worker import check_task

BOMB = "BOMB"


def bomb_or_check(spec: dict, response: str) -> CheckResult:
    """A check whose response BOMB runs until the time limit kills its worker."""
    if response == BOMB:
        time.sleep(60)
    return check_task(spec, response)
