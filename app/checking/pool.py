"""The sandbox every check runs in: a pebble process pool with hard time and memory limits.

Why processes: SymPy can loop or eat memory on hostile or merely unlucky input (`x^(10^10)`,
`100000!`), and a thread cannot be killed. A pebble `ProcessPool` kills the worker of a task that
runs past its wall limit and starts a fresh one, so one bad answer costs one worker for
`timeout` seconds and nothing else (DESIGN §7: "a hung check never blocks another learner").

Why at least two workers (`MIN_WORKERS`): with one worker a runaway task would hold every other
check until its limit; with two, a simple check runs beside one runaway. More runaways than
workers still queue behind each other for at most `timeout` seconds each.

Why the `forkserver` start method: workers are forked from a small single-threaded server that
has already imported SymPy and the engine (preload), so a replacement worker is ready in
milliseconds, and no worker inherits the threads or memory of the web server that owns the pool.
As with `spawn`, a script that creates a pool must guard its entry with `if __name__ ==
"__main__":` (workers import the main module to find the functions they run).

Layout: the parent holds the cache and measures time; workers run `_guarded(fn, args)`, which
arms a CPU backstop, calls `fn` and turns exceptions into a picklable `_Failure`. Specs cross
the process boundary as plain dicts.

Two ways to wait, each with workers of its own, started on first use: `check`, `validate`,
`run` block the calling thread (the CLI, the bank's lint, an import's thread) and use pebble;
`check_async`, `validate_async`, `run_async` are awaited on an event loop (the web app), whose
own workers that loop drives without a thread (`app.checking.awaited`). Both keep the same
limits and share one cache; a cached answer costs no hand-over at all. A web server that never
imports starts no pebble pool.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import math
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from app.checking.awaited import LoopWorkers
from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.lru import LRU

log = logging.getLogger(__name__)

MIN_WORKERS = 2
DEFAULT_TIMEOUT = 2.0
DEFAULT_MEMORY_MB = 1024
DEFAULT_MAX_TASKS = 10_000
"""Tasks a worker runs before a fresh one replaces it (bounds slow leaks). A fresh worker is
dear: it copies the forkserver's pages as it touches them and fills its caches again, ~0.4 s
of CPU over its first thousand tasks here; with 1,000 the workers of `bench/http_load.py`'s
closed loop (~530 tasks a second) were replaced every 2 s and used 59 % of a CPU, with
10,000 about half that. A warmed worker's memory grows ~0.1 MB per thousand varied checks
(the bounded caches filling: 75 -> 80 MB over 30,000), far under `memory_mb`."""
DEFAULT_CACHE_SIZE = 10_000
DEFAULT_PRELOAD = ("sympy", "app.checking.compare.engine")
WORKER_NICENESS = 5

MESSAGES = {
    "timeout": "The checker ran out of time on this answer; rate it yourself.",
    "memory": "The checker ran out of memory on this answer; rate it yourself.",
    "worker-crashed": "The checker stopped while reading this answer; rate it yourself.",
    "error": "The checker failed on this answer; rate it yourself.",
}

# How often a waiting caller looks at the pool's health (seconds): a pebble pool whose manager
# broke leaves futures unresolved, and nobody must wait for them forever.
_HEALTH_POLL = 1.0


# --------------------------------------------------------------------------------------------
# Worker side


@dataclass(frozen=True)
class _Failure:
    """Why a task gave no answer; picklable, so a worker can return it instead of raising."""

    note: str
    detail: str = ""


def _init_worker(memory_mb: int, preload: Sequence[str], extra: Callable[[], None] | None) -> None:
    """Set a worker's limits and import the checker once, so the first check is fast.

    Never raises: pebble treats a failing initializer as a dead worker, and a worker that dies
    while no task runs breaks the whole pebble pool.
    """
    # pebble's SIGTERM handler only runs between bytecodes; a task stuck in C (a huge integer
    # power) would then keep its worker for pebble's 3 s grace. The default action kills at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _yield_to_the_server()
    _limit_memory(memory_mb)
    for name in preload:
        try:
            __import__(name)
        except Exception as error:  # a missing module must not kill the worker
            log.warning("checker worker could not preload %s: %s", name, error)
    if extra is not None:
        try:
            extra()
        except Exception:
            log.warning("checker worker initializer failed", exc_info=True)


def _yield_to_the_server() -> None:
    """Run at a lower priority (`WORKER_NICENESS`) than the process that owns the pool.

    One event loop serves every page of a web server; when the CPUs are all busy, a check
    should wait for one rather than every learner's next page. With CPU to spare it changes
    nothing. (Raising one's own niceness needs no privilege.)"""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        log.warning("checker worker could not lower its priority", exc_info=True)


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
    """Allow this task `seconds` more CPU; past that the kernel kills the worker (SIGXCPU).

    The wall limit in the parent normally fires long before; this is for a parent too busy to.
    RLIMIT_CPU counts the worker's whole life, so it is re-armed per task from the CPU used so far.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _old, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def _guarded(fn: Callable[..., Any], args: tuple, cpu_seconds: int) -> Any:
    """Run one task in a worker; exceptions come back as `_Failure`, not as pickled tracebacks."""
    _arm_cpu_backstop(cpu_seconds)
    try:
        return fn(*args)
    except MemoryError:
        return _Failure("memory")
    except Exception as error:  # any checker bug becomes "undecided"
        return _Failure("error", f"{type(error).__name__}: {error}")


def _check_task(spec: dict, response: str) -> CheckResult:
    """The comparison, in a worker."""
    from app.checking.compare.engine import check_now

    return check_now(AnswerSpec.model_validate(spec), response)


def _checks_until_correct(check: Callable[[dict, str], Any], specs: list[dict], response: str,
                          ) -> list[Any]:
    """Check `response` against each spec in turn, up to the first it is correct for."""
    results = []
    for spec in specs:
        results.append(check(spec, response))
        if isinstance(results[-1], CheckResult) and results[-1].status == "correct":
            break
    return results


def _validate_task(spec: dict, response: str) -> Validation:
    """The live-preview reading, in a worker."""
    from app.checking.compare.engine import validate_now

    return validate_now(AnswerSpec.model_validate(spec), response)


def _ping() -> int:
    """A no-op task: proves a worker is up (and which one)."""
    time.sleep(0.02)
    return os.getpid()


# --------------------------------------------------------------------------------------------
# Parent side


def undecided(note: str) -> CheckResult:
    """The result of a task that gave no verdict: the learner rates it themself."""
    message = MESSAGES.get(note, MESSAGES["error"])
    return CheckResult(status="undecided", message=message, notes=[note])


def normalise_response(response: str) -> str:
    """The cache's view of a response: surrounding and repeated whitespace do not matter."""
    return " ".join(response.split())


class _Job:
    """One task handed to pebble: its future and the parent's clock around it."""

    def __init__(self, pool: ProcessPool, future: Future | None, failure: _Failure | None = None):
        self.pool = pool
        self.future = future
        self.failure = failure
        self.started = time.perf_counter()
        self.ended: float | None = None
        if future is not None:
            future.add_done_callback(self._done)

    def _done(self, _future: Future) -> None:
        self.ended = time.perf_counter()

    @property
    def elapsed_ms(self) -> float:
        end = self.ended if self.ended is not None else time.perf_counter()
        return round((end - self.started) * 1000.0, 3)


class CheckerPool:
    """A pool of sandboxed checker processes with a result cache; safe to share between threads.

    `timeout` is the hard wall limit per task (seconds), `memory_mb` each worker's address space,
    `max_tasks` how many tasks a worker runs before it is replaced (bounds slow leaks),
    `workers` how many run at once (at least `MIN_WORKERS`, see the module docstring).
    `preload` lists modules each worker imports at start; `initializer` is an optional
    module-level callable run in each worker after the limits are set.

    `check_task` and `validate_task` are the module-level functions the workers run; tests
    replace them on an instance to exercise the pool without the engine.
    """

    check_task: Callable[[dict, str], Any] = staticmethod(_check_task)
    validate_task: Callable[[dict, str], Any] = staticmethod(_validate_task)

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        max_tasks: int = DEFAULT_MAX_TASKS,
        cache_size: int = DEFAULT_CACHE_SIZE,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        initializer: Callable[[], None] | None = None,
        context: str = "forkserver",
    ) -> None:
        self.workers = max(MIN_WORKERS, workers or os.cpu_count() or MIN_WORKERS)
        self.timeout = float(timeout)
        self.memory_mb = int(memory_mb)
        self.max_tasks = int(max_tasks)
        self.preload = tuple(preload)
        self.initializer = initializer
        self.cpu_backstop = max(10, math.ceil(5 * self.timeout))
        self._context = multiprocessing.get_context(context)
        self._cache: LRU[tuple[str, str], CheckResult] = LRU(cache_size)
        self._readings: LRU[tuple[str, str], Validation] = LRU(cache_size)
        self._lock = threading.Lock()
        self._closed = False
        self._initargs = (self.memory_mb, self.preload, self.initializer)
        self._pool = self._new_pool()
        self._by_loop: dict[asyncio.AbstractEventLoop, LoopWorkers] = {}

    @classmethod
    def from_env(cls, **overrides: Any) -> CheckerPool:
        """A pool configured by GYRUS_CHECK_TIMEOUT, GYRUS_CHECK_WORKERS, GYRUS_CHECK_MEMORY_MB."""
        env = os.environ
        kwargs: dict[str, Any] = {
            "timeout": float(env.get("GYRUS_CHECK_TIMEOUT", DEFAULT_TIMEOUT)),
            "memory_mb": int(env.get("GYRUS_CHECK_MEMORY_MB", DEFAULT_MEMORY_MB)),
            "workers": int(env["GYRUS_CHECK_WORKERS"]) if env.get("GYRUS_CHECK_WORKERS") else None,
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kwargs)

    # -- lifecycle ---------------------------------------------------------------------------

    def _new_pool(self) -> ProcessPool:
        if self.preload and self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(list(self.preload))
        return ProcessPool(
            max_workers=self.workers,
            max_tasks=self.max_tasks,
            initializer=_init_worker,
            initargs=self._initargs,
            context=self._context,
        )

    def _loop_workers(self) -> LoopWorkers:
        """The workers of the running event loop, started on its first task. The workers of
        loops that have closed (a test's `asyncio.run`) are stopped then."""
        loop = asyncio.get_running_loop()
        workers = self._by_loop.get(loop)
        if workers is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the checker pool is closed")
                self._forget_closed_loops()
                workers = LoopWorkers(self.workers, self._context, _init_worker, self._initargs,
                                      _guarded, self.max_tasks, _Failure)
                self._by_loop[loop] = workers
        return workers

    def _forget_closed_loops(self) -> None:
        for loop, workers in list(self._by_loop.items()):
            if loop.is_closed():
                workers.close()
                del self._by_loop[loop]

    def warm_up(self) -> None:
        """Start the blocking API's workers and wait until they answer (the CLI, the lint)."""
        jobs = [self._submit(_ping, (), self.timeout + 30.0) for _ in range(self.workers)]
        for job in jobs:
            self._result(job)

    async def warm_up_async(self) -> None:
        """Start the running loop's workers and wait until they answer (the web app's start),
        so the first learner's check is fast."""
        await asyncio.gather(*(self._awaited(_ping, (), self.timeout + 30.0)
                               for _ in range(self.workers)))

    def close(self, grace: float | None = None) -> None:
        """Stop accepting work, give running tasks `grace` seconds, then stop the workers."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool = self._pool
        grace = self.timeout + 0.5 if grace is None else grace
        self._close_loop_workers(grace)
        pool.close()
        try:
            pool.join(timeout=grace)
        except (FutureTimeout, TimeoutError):
            pool.stop()
            pool.join()

    def _close_loop_workers(self, grace: float) -> None:
        """Stop every loop's workers, each on its loop's thread while that loop runs."""
        for loop, workers in list(self._by_loop.items()):
            if loop.is_closed() or not loop.is_running() or _running_loop() is loop:
                workers.close()
                continue
            stopped = threading.Event()

            def close_there(workers: LoopWorkers = workers, stopped: threading.Event = stopped,
                            ) -> None:
                workers.close()
                stopped.set()

            loop.call_soon_threadsafe(close_there)
            if not stopped.wait(grace):
                log.warning("an event loop did not stop its checker workers in %.1f s", grace)
        self._by_loop.clear()

    def __enter__(self) -> CheckerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def worker_pids(self) -> list[int]:
        """The process ids of the live workers, the blocking API's and every running loop's
        (for memory measurements).

        pebble has no public accessor: this reads its worker manager and falls back to a /proc
        scan of this process's descendants (which then includes the forkserver).
        """
        with self._lock:
            self._forget_closed_loops()
            awaited = [pid for workers in self._by_loop.values() for pid in workers.pids()]
        manager = getattr(getattr(self._pool, "_pool_manager", None), "worker_manager", None)
        workers = getattr(manager, "workers", None)
        if isinstance(workers, dict):
            return [pid for pid, proc in list(workers.items()) if proc.is_alive()] + awaited
        return _descendants(os.getpid())

    # -- running tasks -----------------------------------------------------------------------

    def _replace_broken(self, broken: ProcessPool) -> None:
        """Swap in a fresh pebble pool when `broken` (still the current one) stopped working."""
        with self._lock:
            if self._closed or self._pool is not broken:
                return
            log.warning("checker pool broke; starting a new one")
            self._pool = self._new_pool()
        try:
            broken.stop()
            broken.join()
        except Exception:  # the old pool is gone either way
            log.debug("stopping the broken checker pool failed", exc_info=True)

    def _submit(self, fn: Callable[..., Any], args: tuple, timeout: float | None = None) -> _Job:
        """Hand `fn(*args)` to a worker; a pool broken beyond use is replaced once and retried."""
        timeout = self.timeout if timeout is None else timeout
        for _attempt in range(2):
            if self._closed:
                raise RuntimeError("the checker pool is closed")
            pool = self._pool
            try:
                payload = (fn, args, self.cpu_backstop)
                future = pool.schedule(_guarded, args=payload, timeout=timeout)
                return _Job(pool, future)
            except RuntimeError:
                self._replace_broken(pool)
        return _Job(self._pool, None, _Failure("worker-crashed", "the pool could not start"))

    def _wait(self, job: _Job) -> Any:
        """The task's value; raises what the task raised. Never waits on a dead pool forever."""
        assert job.future is not None
        while True:
            if not job.future.done() and not job.pool.active:
                raise BrokenProcessPool("the checker pool stopped")
            try:
                return job.future.result(timeout=_HEALTH_POLL)
            except FutureTimeout:
                if job.future.done():  # the task's own timeout, or it finished just now
                    return job.future.result()

    def _collect(self, job: _Job) -> Any:
        """The task's value, or a `_Failure` saying why there is none."""
        if job.failure is not None:
            return job.failure
        try:
            value = self._wait(job)
        except FutureTimeout:
            return _Failure("timeout")
        except ProcessExpired as error:
            return _Failure("worker-crashed", f"exit code {error.exitcode}")
        except MemoryError:
            return _Failure("memory")
        except (BrokenProcessPool, CancelledError) as error:
            self._replace_broken(job.pool)
            return _Failure("worker-crashed", str(error))
        except Exception as error:
            return _Failure("error", f"{type(error).__name__}: {error}")
        return value

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run module-level `fn(*args)` in a worker under the limits.

        Returns what `fn` returns (a CheckResult gets the parent-measured `elapsed_ms`), or an
        undecided CheckResult with note "timeout", "memory", "worker-crashed" or "error".
        """
        return self._result(self._submit(fn, args))

    def _result(self, job: _Job) -> Any:
        """A blocking task's value, waited for, as callers see it (`_finish`)."""
        return self._finish(self._collect(job), job.elapsed_ms)

    async def run_async(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`run`, awaited on the running event loop instead of blocking a thread: the loop
        drives workers of its own (`awaited.LoopWorkers`), under the same limits."""
        return await self._awaited(fn, args, self.timeout)

    async def _awaited(self, fn: Callable[..., Any], args: tuple, timeout: float) -> Any:
        started = time.perf_counter()
        value = await self._loop_workers().run((fn, args, self.cpu_backstop), timeout)
        return self._finish(value, round((time.perf_counter() - started) * 1000.0, 3))

    @staticmethod
    def _finish(value: Any, elapsed_ms: float) -> Any:
        """A task's value as callers see it, on either path: a failure becomes undecided."""
        if isinstance(value, _Failure):
            if value.detail:
                log.warning("checker task failed (%s): %s", value.note, value.detail)
            value = undecided(value.note)
        if isinstance(value, CheckResult):
            return value.timed(elapsed_ms)
        return value

    # -- the checking API --------------------------------------------------------------------

    def _cache_key(self, spec: AnswerSpec, response: str) -> tuple[str, str]:
        return spec.model_dump_json(), normalise_response(response)

    def _cached(self, key: tuple[str, str]) -> CheckResult | None:
        start = time.perf_counter()
        hit = self._cache.get(key)
        if hit is None:
            return None
        return hit.timed(round((time.perf_counter() - start) * 1000.0, 3))

    def _remember(self, key: tuple[str, str], result: CheckResult) -> CheckResult:
        if isinstance(result, CheckResult) and result.status != "undecided":
            self._cache.put(key, result)
        return result

    def check(self, spec: AnswerSpec, response: str) -> CheckResult:
        """Compare `response` with `spec` in the sandbox (cached; only decided results are kept)."""
        key = self._cache_key(spec, response)
        hit = self._cached(key)
        if hit is not None:
            return hit
        result = self.run(self.check_task, spec.model_dump(mode="json"), response)
        return self._remember(key, _as_result(result))

    async def check_async(self, spec: AnswerSpec, response: str) -> CheckResult:
        """`check`, awaited on an event loop; a cached result is returned without waiting."""
        key = self._cache_key(spec, response)
        hit = self._cached(key)
        if hit is not None:
            return hit
        result = await self.run_async(self.check_task, spec.model_dump(mode="json"), response)
        return self._remember(key, _as_result(result))

    async def first_correct_async(self, specs: Sequence[AnswerSpec], response: str) -> int | None:
        """The index of the first of `specs` that `response` is correct for, or None (a wrong
        answer against an exercise's typical mistakes, each the reference of a spec).

        The specs not answered from the cache are checked in one task, in turn in one worker,
        each within the check timeout (the task's limit is their sum), rather than one task
        each: a hand-over costs this process ~0.2 ms and the worker ~0.1 ms, a small check
        not much more. A task that fails answers None: no match, and the answer's own result
        was decided before."""
        keys = [self._cache_key(spec, response) for spec in specs]
        for first_unknown, key in enumerate(keys):
            hit = self._cached(key)
            if hit is None:
                break
            if hit.status == "correct":
                return first_unknown
        else:  # every one cached (or none given), and none matched
            return None
        rest = range(first_unknown, len(specs))
        payload = [specs[index].model_dump(mode="json") for index in rest]
        value = await self._awaited(_checks_until_correct, (self.check_task, payload, response),
                                    self.timeout * len(payload))
        for index, result in zip(rest, value if isinstance(value, list) else [], strict=False):
            if self._remember(keys[index], _as_result(result)).status == "correct":
                return index
        return None

    def validate(self, spec: AnswerSpec, response: str) -> Validation:
        """Read `response` for the live preview, in the sandbox; no comparison. Cached like a
        check: learners type the same beginnings of the same answers."""
        key = self._cache_key(spec, response)
        hit = self._readings.get(key)
        if hit is not None:
            return hit
        value = self.run(self.validate_task, spec.model_dump(mode="json"), response)
        return self._read(key, value)

    async def validate_async(self, spec: AnswerSpec, response: str) -> Validation:
        """`validate`, awaited on an event loop; a cached reading is returned without waiting."""
        key = self._cache_key(spec, response)
        hit = self._readings.get(key)
        if hit is not None:
            return hit
        value = await self.run_async(self.validate_task, spec.model_dump(mode="json"), response)
        return self._read(key, value)

    def _read(self, key: tuple[str, str], value: Any) -> Validation:
        """A validate task's value as a Validation (kept in the cache when the task gave one)."""
        if isinstance(value, Validation):
            self._readings.put(key, value)
            return value
        message = value.message if isinstance(value, CheckResult) else MESSAGES["error"]
        return Validation(valid=False, message=message)

    def cached_validation(self, spec: AnswerSpec, response: str) -> Validation | None:
        """How `response` was read before, if it was: answering it waits for no worker."""
        return self._readings.get(self._cache_key(spec, response))

    def check_many(self, items: Iterable[tuple[AnswerSpec, str]]) -> list[CheckResult]:
        """Check many responses concurrently; results come back in input order.

        At most `workers` tasks are in flight: a task is handed over when a worker is about to
        be free, so each `elapsed_ms` is the task's own time, not its wait in a long queue.
        """
        items = list(items)
        results: list[CheckResult | None] = [None] * len(items)
        pending: list[tuple[int, tuple[str, str], _Job]] = []
        gate = _Gate(self.workers, lambda: self._pool.active)
        for index, (spec, response) in enumerate(items):
            key = self._cache_key(spec, response)
            hit = self._cached(key)
            if hit is not None:
                results[index] = hit
                continue
            gate.enter()
            job = self._submit(self.check_task, (spec.model_dump(mode="json"), response))
            gate.leave_when_done(job.future)
            pending.append((index, key, job))
        for index, key, job in pending:
            result = _as_result(self._result(job))
            results[index] = self._remember(key, result)
        return [r if r is not None else undecided("error") for r in results]


class _Gate:
    """Bounds the tasks in flight; gives up bounding (never waits forever) on a broken pool."""

    def __init__(self, size: int, healthy: Callable[[], bool]) -> None:
        self.size = size
        self.healthy = healthy
        self.inflight = 0
        self.cond = threading.Condition()

    def enter(self) -> None:
        with self.cond:
            while self.inflight >= self.size:
                if not self.cond.wait(timeout=_HEALTH_POLL) and not self.healthy():
                    break
            self.inflight += 1

    def leave_when_done(self, future: Future | None) -> None:
        if future is None:
            self._leave()
        else:
            future.add_done_callback(lambda _f: self._leave())

    def _leave(self) -> None:
        with self.cond:
            self.inflight -= 1
            self.cond.notify()


def _as_result(value: Any) -> CheckResult:
    """A task for `check` must give a CheckResult; anything else is a checker bug."""
    if isinstance(value, CheckResult):
        return value
    log.warning("a check task returned %s, not a CheckResult", type(value).__name__)
    return undecided("error")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _descendants(pid: int) -> list[int]:
    """All descendants of `pid`, from /proc (Linux only; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
            fields = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
            children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
        except (OSError, KeyError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# --------------------------------------------------------------------------------------------
# The process-wide pool behind app.checking.check / validate

_default: CheckerPool | None = None
_default_lock = threading.Lock()
_atexit_registered = False


def default_pool() -> CheckerPool:
    """The shared pool, created on first use from the GYRUS_CHECK_* environment."""
    global _default, _atexit_registered
    with _default_lock:
        if _default is None or _default.closed:
            _default = CheckerPool.from_env()
            if not _atexit_registered:
                atexit.register(shutdown_default_pool)
                _atexit_registered = True
        return _default


def use_default_pool(pool: CheckerPool) -> None:
    """Make `pool` the shared one (a web app's lifespan pool), so a process runs one pool."""
    global _default, _atexit_registered
    with _default_lock:
        _default = pool
        if not _atexit_registered:
            atexit.register(shutdown_default_pool)
            _atexit_registered = True


def shutdown_default_pool() -> None:
    """Close the shared pool (at exit, or when a web app's lifespan ends)."""
    global _default
    with _default_lock:
        pool, _default = _default, None
    if pool is not None:
        pool.close(grace=0.5)
