"""What runs in a checker worker, and how one is started.

Workers fork from a forkserver that has imported and warmed the checker (`app.checking.warmed`),
so a new worker is ready at once and inherits nothing of the process that owns the pool. They
never import that process's `__main__` (the `gyrus` CLI, uvicorn): multiprocessing would, to find
functions defined there, and a worker only runs functions of importable modules.
"""

from __future__ import annotations

import io
import logging
import math
import os
import pickle
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from typing import Any

from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec

log = logging.getLogger(__name__)

PRELOAD = ("app.checking.warmed",)
"""Imported by the forkserver (and by a worker that did not fork from a warm one)."""
WORKER_NICENESS = 5
"""When every CPU is busy, a check waits rather than every learner's next page."""


# --------------------------------------------------------------------------------------------
# Starting a worker


class _Popen(popen_forkserver.Popen):
    """CPython's forkserver launch (`popen_forkserver.Popen._launch`), minus the main module."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)  # `python -m app.cli`
        prep_data.pop("init_main_from_path", None)  # the `gyrus` script, the `uvicorn` script
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:  # noqa: N802 - multiprocessing's name
        return _Popen(process_obj)


class WorkerContext(context.ForkServerContext):
    """The forkserver start method, with workers that do not import the owner's `__main__`."""

    Process = _Process


def worker_context() -> WorkerContext:
    """A context whose forkserver (started on the first worker) preloads `PRELOAD`."""
    workers = WorkerContext()
    workers.set_forkserver_preload(list(PRELOAD))
    return workers


@dataclass(frozen=True)
class Failure:
    """Why a task gave no answer; picklable, so a worker can return it instead of raising."""

    note: str
    detail: str = ""


def init_worker(memory_mb: int, extra: Callable[[], None] | None) -> None:
    """Set a worker's limits and load the checker, before it takes its first task (pebble starts
    a task's clock when a worker takes it), so a check's limit measures the check.

    Never raises: pebble treats a failing initializer as a dead worker, and a worker that dies
    while no task runs breaks the whole pebble pool.
    """
    # pebble's SIGTERM handler only runs between bytecodes; a task stuck in C (a huge integer
    # power) would then keep its worker for pebble's 3 s grace. The default action kills at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        log.warning("checker worker could not lower its priority", exc_info=True)
    _limit_memory(memory_mb)
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception as error:  # a missing module must not kill the worker
            log.warning("checker worker could not preload %s: %s", name, error)
    if extra is not None:
        try:
            extra()
        except Exception:
            log.warning("checker worker initializer failed", exc_info=True)


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space: an allocation past it raises MemoryError in the task."""
    if memory_mb <= 0:
        return
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        log.warning("checker worker could not set RLIMIT_AS", exc_info=True)


def _arm_cpu_backstop(seconds: int) -> None:
    """Allow this task `seconds` more CPU; past that the kernel kills the worker (SIGXCPU): for a
    parent too busy to enforce the wall limit. RLIMIT_CPU counts the worker's whole life."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _old, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


# --------------------------------------------------------------------------------------------
# Tasks


def guarded(fn: Callable[..., Any], args: tuple, cpu_seconds: int) -> bytes:
    """Run one task; its value comes back pickled here, so a value that cannot cross costs the
    task (a `Failure`), never the worker; exceptions come back as `Failure` too."""
    _arm_cpu_backstop(cpu_seconds)
    try:
        value = fn(*args)
    except MemoryError:
        value = Failure("memory")
    except Exception as error:  # any checker bug becomes "undecided"
        value = Failure("error", f"{type(error).__name__}: {error}")
    try:
        return pickle.dumps(value)
    except Exception as error:  # pickle raises several kinds (a lambda: AttributeError)
        return pickle.dumps(Failure("error", f"{type(error).__name__}: {error}"))


def check_task(spec: dict, response: str) -> CheckResult:
    """The comparison."""
    from app.checking.compare.engine import check_now

    return check_now(AnswerSpec.model_validate(spec), response)


def validate_task(spec: dict, response: str) -> Validation:
    """The live-preview reading."""
    from app.checking.compare.engine import validate_now

    return validate_now(AnswerSpec.model_validate(spec), response)


def checks_until_correct(check: Callable[[dict, str], Any], specs: list[dict], response: str,
                         ) -> list[Any]:
    """Check `response` against each spec in turn, up to the first it is correct for."""
    results = []
    for spec in specs:
        results.append(check(spec, response))
        if isinstance(results[-1], CheckResult) and results[-1].status == "correct":
            break
    return results


def ping() -> int:
    """A no-op task: proves a worker is up (and which one)."""
    time.sleep(0.02)
    return os.getpid()
