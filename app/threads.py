"""The one place blocking work (a query, a service call) runs: anyio's thread pool."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from anyio import to_thread

T = TypeVar("T")


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` in the thread pool (`GYRUS_THREADS` threads), so the event loop never waits
    for the database."""
    return await to_thread.run_sync(partial(fn, *args, **kwargs))
