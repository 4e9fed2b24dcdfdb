"""A sliding-window rate limiter kept in memory.

In memory means per process: with several app processes each one counts on its own, so the
effective limit is the configured one times the number of processes. That is acceptable for
slowing down password guessing and check floods from one browser; a shared store (the database
or Redis) would be needed for an exact limit across machines.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

MAX_KEYS = 100_000
"""Beyond this many tracked keys the oldest are forgotten, so memory stays bounded."""


class RateLimiter:
    """At most `limit` events per key within `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= MAX_KEYS:
                self._events.pop(next(iter(self._events)))
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: Hashable) -> bool:
        """Whether the key has used up its events in the current window."""
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.limit

    def hit(self, key: Hashable) -> None:
        """Count one event (a failed login, an API call)."""
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)

    def allow(self, key: Hashable) -> bool:
        """Count one event if the key is within its limit; False (and not counted) if not."""
        with self._lock:
            now = self.clock()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def retry_after(self, key: Hashable) -> int:
        """Seconds until the oldest event in the window expires (for Retry-After)."""
        with self._lock:
            events = self._recent(key, self.clock())
            if not events:
                return 0
            return max(1, int(events[0] + self.window - self.clock()) + 1)

    def reset(self, key: Hashable) -> None:
        """Forget a key (a successful login clears its failures)."""
        with self._lock:
            self._events.pop(key, None)
