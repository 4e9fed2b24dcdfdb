"""The fair queue in front of the checker pool: turns between owners, one running task each,
checks before previews and batch work, a newer preview replacing a waiting one, and bounds."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import pytest

from app.checking.queue import CheckerBusy, FairQueue, Kind


@dataclass(eq=False)
class Task:
    name: str
    owner: Hashable | None
    kind: Kind = "check"


class Workers:
    """Records the order tasks are started in; `finish` ends a running one."""

    def __init__(self, slots: int, **bounds: int) -> None:
        self.started: list[Task] = []
        self.finished: set[str] = set()
        self.queue = FairQueue(slots, self.started.append, task_seconds=2.0, **bounds)

    def put(self, name: str, owner: Hashable | None, kind: Kind = "check") -> Task:
        task = Task(name, owner, kind)
        self.queue.put(task)
        return task

    def finish(self, name: str) -> None:
        self.finished.add(name)
        self.queue.done(next(task for task in self.started if task.name == name))

    def finish_all(self) -> list[str]:
        """Finish running tasks, first started first, until none is left; the start order."""
        while unfinished := [t for t in self.started if t.name not in self.finished]:
            self.finish(unfinished[0].name)
        return self.names()

    def names(self) -> list[str]:
        return [task.name for task in self.started]


def test_owners_take_turns():
    workers = Workers(slots=1)
    workers.put("x1", "x")  # holds the worker while the others queue
    for name in ("a1", "a2", "a3"):
        workers.put(name, "a")
    workers.put("b1", "b")
    workers.put("b2", "b")
    workers.put("c1", "c")
    assert workers.finish_all() == ["x1", "a1", "b1", "c1", "a2", "b2", "a3"]


def test_an_owner_runs_one_task_at_a_time_and_a_free_worker_serves_another():
    workers = Workers(slots=2)
    workers.put("a1", "a")
    workers.put("a2", "a")
    assert workers.names() == ["a1"]  # a worker is free, but a1 runs
    workers.put("b1", "b")
    assert workers.names() == ["a1", "b1"]
    workers.finish("a1")
    assert workers.names() == ["a1", "b1", "a2"]


def test_tasks_without_an_owner_run_side_by_side_and_take_turns_with_owners():
    workers = Workers(slots=2)
    for n in range(4):
        workers.put(f"cli{n}", None)
    assert workers.names() == ["cli0", "cli1"]
    workers.put("a1", "a")
    workers.finish("cli0")
    assert workers.names()[-1] == "a1"  # its turn came before the rest of the batch
    assert workers.finish_all() == ["cli0", "cli1", "a1", "cli2", "cli3"]


def test_a_check_goes_before_its_owners_waiting_previews_and_batch_work():
    workers = Workers(slots=1)
    workers.put("x1", "x")
    workers.put("import chunk", "a", "batch")
    workers.put("preview", "a", "preview")
    workers.put("check", "a", "check")
    assert workers.finish_all() == ["x1", "check", "preview", "import chunk"]


def test_a_newer_preview_replaces_the_waiting_one():
    workers = Workers(slots=1)
    workers.put("x1", "x")
    older = Task("older preview", "a", "preview")
    assert workers.queue.put(older) is None
    newer = Task("newer preview", "a", "preview")
    assert workers.queue.put(newer) is older
    workers.put("check", "a")
    assert workers.finish_all() == ["x1", "check", "newer preview"]


def test_previews_without_an_owner_are_not_replaced():
    workers = Workers(slots=1)
    workers.put("x1", None)
    workers.put("p1", None, "preview")
    assert workers.queue.put(Task("p2", None, "preview")) is None
    assert workers.finish_all() == ["x1", "p1", "p2"]


def test_a_full_queue_of_one_owner_refuses_with_a_retry_after():
    workers = Workers(slots=2, per_owner=4)
    for n in range(4):
        workers.put(f"a{n}", "a")
    workers.put("a preview", "a", "preview")  # one runs, four wait
    with pytest.raises(CheckerBusy) as refused:
        workers.put("a5", "a")
    assert refused.value.retry_after == 10  # five ahead, one at a time, 2 s each at most
    workers.put("a newer preview", "a", "preview")  # takes the waiting preview's place
    workers.put("b1", "b")  # others are not refused
    assert workers.finish_all() == ["a0", "b1", "a1", "a2", "a3", "a newer preview"]


def test_the_whole_queue_is_bounded_but_tasks_without_an_owner_are_not():
    workers = Workers(slots=2, per_owner=4, total=6)
    workers.put("x1", None)
    workers.put("x2", None)  # both workers busy
    for owner in "abc":
        workers.put(f"{owner}1", owner)
        workers.put(f"{owner}2", owner)
    with pytest.raises(CheckerBusy) as refused:
        workers.put("d1", "d")
    assert refused.value.retry_after == 6  # six waiting, two workers, 2 s each at most
    for n in range(20):
        workers.put(f"cli{n}", None)
    workers.finish("x1")
    workers.put("d1", "d")  # a place came free


def test_a_waiting_task_can_be_taken_out_but_a_started_one_cannot():
    workers = Workers(slots=1)
    running = workers.put("x1", "x")
    gone = workers.put("a1", "a")
    workers.put("b1", "b")
    assert workers.queue.discard(gone)
    assert not workers.queue.discard(gone)
    assert not workers.queue.discard(running)
    assert workers.finish_all() == ["x1", "b1"]


def test_closing_hands_back_the_waiting_tasks_and_starts_nothing_more():
    workers = Workers(slots=1)
    workers.put("x1", "x")
    waiting = [workers.put("a1", "a"), workers.put("b1", None)]
    assert workers.queue.close() == waiting
    workers.finish("x1")
    assert workers.names() == ["x1"]
    with pytest.raises(RuntimeError):
        workers.put("c1", "c")


def test_learners_batch_work_waits_behind_everyones_checks_and_previews():
    workers = Workers(slots=1)
    workers.put("x1", "x")
    workers.put("a snippets", "a", "batch")  # a's turn is older than b's and c's
    workers.put("b check", "b")
    workers.put("c preview", "c", "preview")
    assert workers.finish_all() == ["x1", "b check", "c preview", "a snippets"]


def test_learners_batch_work_never_takes_the_last_free_worker():
    workers = Workers(slots=2)
    for owner in "abc":
        workers.put(f"{owner} snippets", owner, "batch")
    assert workers.names() == ["a snippets"]  # the other worker stays free for a check
    workers.put("d check", "d")
    assert workers.names() == ["a snippets", "d check"]
    workers.finish("a snippets")
    assert workers.names()[-1] == "b snippets"
    cli = Workers(slots=2)  # work without an owner (the CLI, the lint) uses every worker
    cli.put("lint 1", None, "batch")
    cli.put("lint 2", None, "batch")
    assert cli.names() == ["lint 1", "lint 2"]
