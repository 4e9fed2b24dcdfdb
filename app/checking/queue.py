"""Which waiting task a free checker worker takes next: fair between owners, and bounded.

One learner's bombs must not starve another learner's check. Each owner (an opaque key: the app
passes a learner's id) runs at most one task at a time and queues a few more; a free worker
goes to the owners in turn. A learner's checks go before their queued previews and batch work,
and a newer preview replaces a queued one. Learners' batch work (list snippets, an import's
chunks) waits behind everyone's checks and previews and never takes the last free worker, so
a burst of new passes does not slow anyone's page. Tasks without an owner (the CLI, the lint)
are neither limited nor bounded, and take their turn like one more owner.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Hashable
from typing import Literal, Protocol

Kind = Literal["check", "preview", "batch"]
"""In an owner's queue checks go first, then previews, then batch work (an import's chunks)."""
_RANK: dict[Kind, int] = {"check": 0, "preview": 1, "batch": 2}

PER_OWNER = 4
"""Tasks one owner may have waiting (besides the one running)."""
TOTAL = 64
"""Tasks all owners together may have waiting."""


class CheckerBusy(Exception):
    """The queue is full: nothing was queued; ask again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the checker is busy; try again in {retry_after} s")
        self.retry_after = retry_after


class Task(Protocol):
    owner: Hashable | None
    kind: Kind


class _Lane:
    """One owner's waiting tasks by kind, how many of theirs run, and when one last started."""

    def __init__(self) -> None:
        self.kinds: tuple[deque[Task], ...] = (deque(), deque(), deque())
        self.running = 0
        self.served = 0

    def __len__(self) -> int:
        return sum(len(tasks) for tasks in self.kinds)

    def add(self, task: Task) -> None:
        self.kinds[_RANK[task.kind]].append(task)

    def pop(self) -> Task:
        return next(tasks for tasks in self.kinds if tasks).popleft()

    @property
    def batch_only(self) -> bool:
        """All it has waiting is batch work."""
        return not any(self.kinds[:_RANK["batch"]])

    def remove(self, task: Task) -> bool:
        tasks = self.kinds[_RANK[task.kind]]
        if task in tasks:
            tasks.remove(task)
            return True
        return False


class FairQueue:
    """Hands tasks to `start` (which must not block), at most `slots` running at once; a free
    slot goes to the waiting owner whose last task started longest ago (a new one first).

    `task_seconds` (the tasks' time limit) makes the `retry_after` of a refusal. Thread-safe:
    tasks are put from any thread and finish on the pool's."""

    def __init__(self, slots: int, start: Callable[[Task], None], task_seconds: float,
                 per_owner: int = PER_OWNER, total: int = TOTAL) -> None:
        self.slots = slots
        self.per_owner = per_owner
        self.total = total
        self.task_seconds = task_seconds
        self._start = start
        self._lanes: dict[Hashable | None, _Lane] = {}  # owners waiting or running
        self._running: list[Task] = []
        self._waiting = 0  # tasks with an owner, waiting
        self._starts = 0
        self._closed = False
        self._lock = threading.Lock()

    def put(self, task: Task) -> Task | None:
        """Queue `task` (started at once when its turn is now); returns the preview it replaced.

        Raises CheckerBusy when its owner's queue or the whole queue is full."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the checker pool is closed")
            replaced = self._enqueue(task)
        self._pump()
        return replaced

    def _enqueue(self, task: Task) -> Task | None:
        lane = self._lanes.setdefault(task.owner, _Lane())
        previews = lane.kinds[_RANK["preview"]]
        replaced = None
        if previews and task.kind == "preview" and task.owner is not None:
            replaced = previews.popleft()
            self._waiting -= 1
        elif task.owner is not None:
            if len(lane) >= self.per_owner:
                raise CheckerBusy(self._seconds(len(lane) + lane.running))
            if self._waiting >= self.total:
                raise CheckerBusy(self._seconds(self._waiting / self.slots))
        lane.add(task)
        self._waiting += task.owner is not None
        return replaced

    def _seconds(self, tasks: float) -> int:
        """How long `tasks` tasks take at most, one after another."""
        return max(1, math.ceil(tasks * self.task_seconds))

    def done(self, task: Task) -> None:
        """A started task has finished: its slot goes to the next."""
        with self._lock:
            self._running.remove(task)
            self._lanes[task.owner].running -= 1
            self._forget_if_idle(task.owner)
        self._pump()

    def discard(self, task: Task) -> bool:
        """Take a waiting task out of the queue (nobody waits for it any more); False if it
        was started or is gone already."""
        with self._lock:
            lane = self._lanes.get(task.owner)
            if lane is None or not lane.remove(task):
                return False
            self._waiting -= task.owner is not None
            self._forget_if_idle(task.owner)
            return True

    def _forget_if_idle(self, owner: Hashable | None) -> None:
        lane = self._lanes[owner]
        if not lane and not lane.running:
            del self._lanes[owner]

    def running(self) -> list[Task]:
        with self._lock:
            return list(self._running)

    def close(self) -> list[Task]:
        """Start nothing more; returns the tasks that were waiting (none are kept)."""
        with self._lock:
            self._closed = True
            waiting = []
            for owner, lane in list(self._lanes.items()):
                for tasks in lane.kinds:
                    waiting.extend(tasks)
                    tasks.clear()
                self._forget_if_idle(owner)
            self._waiting = 0
        return waiting

    def _pump(self) -> None:
        """Start tasks while a slot is free and some owner's turn has come."""
        while True:
            with self._lock:
                task = self._next()
            if task is None:
                return
            self._start(task)

    def _batch_may_start(self) -> bool:
        """A learner's batch task may take a free worker unless it is the last one."""
        batches = sum(t.kind == "batch" and t.owner is not None for t in self._running)
        return self.slots == 1 or batches < self.slots - 1

    def _next(self) -> Task | None:
        """The first task of the owner whose turn it is: one with a task waiting and none
        running (without an owner: any number), whose last task started longest ago."""
        if self._closed or len(self._running) >= self.slots:
            return None
        ready = [(owner, lane) for owner, lane in self._lanes.items()
                 if lane and (owner is None or not lane.running)]
        urgent = [(owner, lane) for owner, lane in ready if owner is None or not lane.batch_only]
        ready = urgent or (ready if self._batch_may_start() else [])
        if not ready:
            return None
        owner, lane = min(ready, key=lambda item: item[1].served)
        task = lane.pop()
        lane.running += 1
        self._starts += 1
        lane.served = self._starts
        self._waiting -= owner is not None
        self._running.append(task)
        return task
