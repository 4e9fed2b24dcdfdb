"""A soft time budget inside one check, below the pool's hard limit.

The pool kills a check that runs past its wall limit and answers `undecided`. Before that, the
exact symbolic confirmation (which can be slow: `simplify` on a large trig expression) gets a
budget of its own, so that a check whose numeric probes already agree can still answer
`correct` with the note `numeric` instead of timing out.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OutOfTime(BaseException):
    """Raised inside a budgeted block. A BaseException so that SymPy's `except Exception` blocks
    cannot swallow it."""


def _raise_out_of_time(signum: int, frame: object) -> None:
    raise OutOfTime


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OutOfTime in the block after `seconds` of wall time.

    Only the main thread can receive signals; elsewhere (tests calling the engine from a thread)
    the block simply runs unbudgeted and the pool's hard limit is the only one.
    """
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
