"""The sandbox every check runs in: one pebble process pool with hard time and memory limits.

SymPy can loop or eat memory on hostile or merely unlucky input, and a thread cannot be killed:
a task past its wall limit costs its worker (killed and replaced), nothing else (DESIGN §7).
Blocking callers (the CLI, the lint, an import) and the event loop (the web app) share the same
workers and cache; the `*_async` methods await the same pebble futures. Tasks reach pebble through
a fair queue (`app.checking.queue`): one learner's bombs do not hold another learner's check.
Specs cross to the workers as plain dicts; the workers' side is `app.checking.worker`.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import math
import os
import pickle
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import CancelledError, Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from app.checking import worker
from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.lru import LRU
from app.checking.queue import PER_OWNER, TOTAL, FairQueue, Kind
from app.checking.worker import Failure

log = logging.getLogger(__name__)

MIN_WORKERS = 2
"""With one worker a runaway task would hold every other check until its limit."""
DEFAULT_TIMEOUT = 2.0
DEFAULT_MEMORY_MB = 1024
DEFAULT_MAX_TASKS = 10_000
"""Tasks a worker runs before a fresh one replaces it (bounds slow leaks)."""
DEFAULT_CACHE_SIZE = 10_000

MESSAGES = {
    "timeout": "The checker ran out of time on this answer; rate it yourself.",
    "memory": "The checker ran out of memory on this answer; rate it yourself.",
    "worker-crashed": "The checker stopped while reading this answer; rate it yourself.",
    "error": "The checker failed on this answer; rate it yourself.",
    "superseded": "A newer reading of this answer was asked for.",
}

_HEALTH_POLL = 1.0
"""How often a waiting caller looks at the pool's health (seconds): a pebble pool that broke
or stopped leaves futures unresolved, and nobody must wait for them forever."""


def default_workers() -> int:
    """Two workers at least (`MIN_WORKERS`), one per CPU, four at most: a web server's CPUs
    serve its pages too."""
    return min(4, max(MIN_WORKERS, os.cpu_count() or MIN_WORKERS))


def undecided(note: str) -> CheckResult:
    """The result of a task that gave no verdict: the learner rates it themself."""
    message = MESSAGES.get(note, MESSAGES["error"])
    return CheckResult(status="undecided", message=message, notes=[note])


def normalise_response(response: str) -> str:
    """The cache's view of a response: surrounding and repeated whitespace do not matter."""
    return " ".join(response.split())


class _Job:
    """One task: what runs, whose it is, and its outcome (`future`: what `worker.guarded`
    pickled, a `Failure`, or the error pebble gave), with the parent's clock around its run."""

    def __init__(self, fn: Callable[..., Any], args: tuple, timeout: float,
                 owner: Hashable | None, kind: Kind) -> None:
        self.payload = (fn, args)
        self.timeout = timeout
        self.owner = owner
        self.kind = kind
        self.future: Future = Future()
        self.pool: ProcessPool | None = None  # the pebble pool it was handed to
        self.started: float | None = None
        self.ended: float | None = None

    @property
    def elapsed_ms(self) -> float:
        if self.started is None:
            return 0.0
        end = self.ended if self.ended is not None else time.perf_counter()
        return round((end - self.started) * 1000.0, 3)


class CheckerPool:
    """Sandboxed checker processes with a result cache; safe to share between threads and loops.

    `timeout` is the hard wall limit per task (seconds, counted from when a worker takes it),
    `memory_mb` each worker's address space, `max_tasks` how many tasks a worker runs before it
    is replaced, `workers` how many run at once (at least `MIN_WORKERS`). `initializer`: an
    optional module-level callable each worker runs before its first task, after the limits.
    `per_owner` and `queue_size` bound the tasks waiting (`FairQueue`).

    `check_task` and `validate_task` are the module-level functions the workers run; tests
    replace them on an instance to exercise the pool without the engine.
    """

    check_task: Callable[[dict, str], Any] = staticmethod(worker.check_task)
    validate_task: Callable[[dict, str], Any] = staticmethod(worker.validate_task)

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        max_tasks: int = DEFAULT_MAX_TASKS,
        cache_size: int = DEFAULT_CACHE_SIZE,
        initializer: Callable[[], None] | None = None,
        per_owner: int = PER_OWNER,
        queue_size: int = TOTAL,
    ) -> None:
        self.workers = max(MIN_WORKERS, workers or default_workers())
        self.timeout = float(timeout)
        self.memory_mb = int(memory_mb)
        self.max_tasks = int(max_tasks)
        self.cpu_backstop = max(10, math.ceil(5 * self.timeout))
        self._initargs = (self.memory_mb, initializer)
        self._cache: LRU[tuple[str, str], CheckResult] = LRU(cache_size)
        self._readings: LRU[tuple[str, str], Validation] = LRU(cache_size)
        self._lock = threading.Lock()
        self._closed = False
        self._pool = self._new_pool()
        self._queue = FairQueue(self.workers, self._start, self.timeout, per_owner, queue_size)

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
        """A pebble pool; it starts its workers on its first task."""
        return ProcessPool(
            max_workers=self.workers,
            max_tasks=self.max_tasks,
            initializer=worker.init_worker,
            initargs=self._initargs,
            context=worker.worker_context(),
        )

    def warm_up(self) -> None:
        """Start the workers and wait until they answer, so the first learner's check is fast."""
        jobs = [self._submit(worker.ping, (), self.timeout + 30.0) for _ in range(self.workers)]
        for job in jobs:
            self._result(job)

    def close(self, grace: float | None = None) -> None:
        """Stop accepting work, give running tasks `grace` seconds, then stop the workers.
        Tasks still waiting, then those still running, are answered "worker-crashed"."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool = self._pool
        for job in self._queue.close():
            self._complete(job, Failure("worker-crashed", "the checker pool closed"))
        pool.close()
        try:
            pool.join(timeout=self.timeout + 0.5 if grace is None else grace)
        except (FutureTimeout, TimeoutError):
            pool.stop()
            pool.join()
        for job in self._queue.running():
            self._complete(job, Failure("worker-crashed", "the checker pool stopped"))

    def __enter__(self) -> CheckerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def worker_pids(self) -> list[int]:
        """The process ids of the live workers (for memory measurements).

        pebble has no public accessor: this reads its worker manager and falls back to a /proc
        scan of this process's descendants (which then includes the forkserver).
        """
        manager = getattr(getattr(self._pool, "_pool_manager", None), "worker_manager", None)
        workers = getattr(manager, "workers", None)
        if isinstance(workers, dict):
            return [pid for pid, proc in list(workers.items()) if proc.is_alive()]
        return _descendants(os.getpid())

    # -- running tasks -----------------------------------------------------------------------

    def _submit(self, fn: Callable[..., Any], args: tuple, timeout: float | None = None,
                owner: Hashable | None = None, kind: Kind = "check") -> _Job:
        """Queue `fn(*args)` for a worker. Raises CheckerBusy when `owner`'s queue or the whole
        queue is full (a task without an owner is never refused)."""
        if self._closed:
            raise RuntimeError("the checker pool is closed")
        job = _Job(fn, args, self.timeout if timeout is None else timeout, owner, kind)
        replaced = self._queue.put(job)
        if replaced is not None:
            self._complete(replaced, Failure("superseded"))
        return job

    def _start(self, job: _Job) -> None:
        """The queue hands `job` to pebble (on any thread; never blocks). A pebble pool broken
        beyond use is replaced once and the hand-over retried."""
        job.started = time.perf_counter()
        for _attempt in range(2):
            pool = job.pool = self._pool
            try:
                future = pool.schedule(worker.guarded, args=(*job.payload, self.cpu_backstop),
                                       timeout=job.timeout)
            except RuntimeError:
                job.pool = None  # it is not the broken pool's to answer
                self._replace_broken(pool)
                continue
            future.add_done_callback(lambda done: self._complete(job, done))
            return
        self._complete(job, Failure("worker-crashed", "the pool could not start"))

    def _complete(self, job: _Job, outcome: Future | Failure) -> None:
        """Give `job` its outcome, once; a started job's worker then takes the next task."""
        if job.future.done():
            return
        job.ended = time.perf_counter()
        try:
            if isinstance(outcome, Failure):
                job.future.set_result(outcome)
            elif outcome.cancelled():
                job.future.set_result(Failure("worker-crashed", "the task was cancelled"))
            elif outcome.exception() is not None:
                job.future.set_exception(outcome.exception())
            else:
                job.future.set_result(outcome.result())
        except InvalidStateError:  # it had its outcome already
            return
        if job.started is not None:
            self._queue.done(job)

    def _check_health(self) -> None:
        """Replace the pebble pool if it stopped working (its futures would never resolve)."""
        pool = self._pool
        if not self._closed and not pool.active:
            self._replace_broken(pool)

    def _replace_broken(self, broken: ProcessPool | None) -> None:
        """Swap in a fresh pebble pool when `broken` (still the current one) stopped working;
        the tasks it ran are answered "worker-crashed"."""
        with self._lock:
            if self._closed or self._pool is not broken:
                return
            log.warning("checker pool broke; starting a new one")
            self._pool = self._new_pool()
        for job in self._queue.running():
            if job.pool is broken:
                self._complete(job, Failure("worker-crashed", "the checker pool broke"))
        threading.Thread(target=_retire, args=(broken,), daemon=True).start()

    def _wait(self, job: _Job) -> Any:
        """The task's outcome; raises what the task raised. Never waits on a dead pool forever."""
        while not job.future.done():
            try:
                return job.future.result(timeout=_HEALTH_POLL)
            except FutureTimeout:
                self._check_health()  # the task's own timeout is an outcome: the loop ends
        return job.future.result()

    async def _settled(self, job: _Job) -> None:
        """Wait on the running loop, without a thread, until `job` has its outcome.

        A caller who stops waiting takes a waiting task out of the queue, but leaves a running
        one to finish (cancelling a pebble future would kill its worker)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def wake(_future: Future) -> None:  # on any thread
            try:
                loop.call_soon_threadsafe(_resolve, done)
            except RuntimeError:  # the loop has closed: nobody is waiting
                pass

        job.future.add_done_callback(wake)
        try:
            while not job.future.done():
                await asyncio.wait({done}, timeout=_HEALTH_POLL)
                self._check_health()
        except asyncio.CancelledError:
            if self._queue.discard(job):
                self._complete(job, Failure("worker-crashed", "nobody waits for it"))
            raise

    def _collect(self, job: _Job) -> Any:
        """The task's value, or a `Failure` saying why there is none."""
        try:
            value = self._wait(job)
        except FutureTimeout:
            return Failure("timeout")
        except ProcessExpired as error:
            return Failure("worker-crashed", f"exit code {error.exitcode}")
        except MemoryError:
            return Failure("memory")
        except (BrokenProcessPool, CancelledError) as error:
            self._replace_broken(job.pool)
            return Failure("worker-crashed", str(error))
        except Exception as error:
            return Failure("error", f"{type(error).__name__}: {error}")
        if isinstance(value, Failure):
            return value
        try:
            return pickle.loads(value)  # what `worker.guarded` pickled
        except Exception as error:  # a value whose class this process cannot load
            return Failure("error", f"{type(error).__name__}: {error}")

    def _result(self, job: _Job) -> Any:
        """A task's value as callers see it: a failure becomes undecided; a CheckResult gets
        the parent-measured `elapsed_ms`."""
        value = self._collect(job)
        if isinstance(value, Failure):
            if value.detail:
                log.warning("checker task failed (%s): %s", value.note, value.detail)
            value = undecided(value.note)
        if isinstance(value, CheckResult):
            return value.timed(job.elapsed_ms)
        return value

    def run(self, fn: Callable[..., Any], *args: Any, owner: Hashable | None = None) -> Any:
        """Run module-level `fn(*args)` in a worker under the limits; an `owner`'s batch work (an
        import's verification) waits behind their checks and previews.

        Returns what `fn` returns, or an undecided CheckResult with note "timeout", "memory",
        "worker-crashed" or "error". Raises CheckerBusy when `owner`'s queue or the whole queue
        is full.
        """
        return self._result(self._submit(fn, args, owner=owner, kind="batch"))

    async def run_async(self, fn: Callable[..., Any], *args: Any,
                        owner: Hashable | None = None, batch: bool = False) -> Any:
        """`run`, awaited on the running event loop: a task a page waits for (a variant), or
        with `batch` one that waits behind the owner's checks (list snippets)."""
        kind: Kind = "batch" if batch else "check"
        return await self._awaited(self._submit(fn, args, owner=owner, kind=kind))

    async def _awaited(self, job: _Job) -> Any:
        await self._settled(job)
        return self._result(job)

    # -- the checking API --------------------------------------------------------------------

    def _cache_key(self, spec: AnswerSpec, response: str) -> tuple[str, str]:
        return spec.model_dump_json(), normalise_response(response)

    def _cached(self, key: tuple[str, str]) -> CheckResult | None:
        start = time.perf_counter()
        hit = self._cache.get(key)
        if hit is None:
            return None
        return hit.timed(round((time.perf_counter() - start) * 1000.0, 3))

    def _remember(self, key: tuple[str, str], value: Any) -> CheckResult:
        """A check task's value as a CheckResult, kept in the cache when it is decided."""
        if not isinstance(value, CheckResult):
            log.warning("a check task returned %s, not a CheckResult", type(value).__name__)
            return undecided("error")
        if value.status != "undecided":
            self._cache.put(key, value)
        return value

    def check(self, spec: AnswerSpec, response: str) -> CheckResult:
        """Compare `response` with `spec` in the sandbox (cached; only decided results are kept)."""
        key = self._cache_key(spec, response)
        hit = self._cached(key)
        if hit is not None:
            return hit
        return self._remember(key, self.run(self.check_task, spec.model_dump(mode="json"),
                                            response))

    async def check_async(self, spec: AnswerSpec, response: str, *,
                          owner: Hashable | None = None) -> CheckResult:
        """`check`, awaited on an event loop; a cached result is returned without waiting."""
        key = self._cache_key(spec, response)
        hit = self._cached(key)
        if hit is not None:
            return hit
        return self._remember(key, await self.run_async(
            self.check_task, spec.model_dump(mode="json"), response, owner=owner))

    async def first_correct_async(self, specs: Sequence[AnswerSpec], response: str, *,
                                  owner: Hashable | None = None) -> int | None:
        """The index of the first of `specs` that `response` is correct for, or None (a wrong
        answer against an exercise's typical mistakes, each the reference of a spec).

        The specs not answered from the cache are checked in one task, in turn, each within the
        check timeout (the task's limit is their sum). A task that fails answers None: no
        match, and the answer's own result was decided before."""
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
        value = await self._awaited(self._submit(
            worker.checks_until_correct, (self.check_task, payload, response),
            self.timeout * len(payload), owner))
        for index, result in zip(rest, value if isinstance(value, list) else [], strict=False):
            if self._remember(keys[index], result).status == "correct":
                return index
        return None

    def validate(self, spec: AnswerSpec, response: str) -> Validation:
        """Read `response` for the live preview, in the sandbox; no comparison. Cached like a
        check: learners type the same beginnings of the same answers."""
        key = self._cache_key(spec, response)
        hit = self._readings.get(key)
        if hit is not None:
            return hit
        return self._read(key, self.run(self.validate_task, spec.model_dump(mode="json"),
                                        response))

    async def validate_async(self, spec: AnswerSpec, response: str, *,
                             owner: Hashable | None = None) -> Validation:
        """`validate`, awaited on an event loop; a cached reading is returned without waiting.
        A newer preview of the same `owner` replaces this one while it waits ("superseded")."""
        key = self._cache_key(spec, response)
        hit = self._readings.get(key)
        if hit is not None:
            return hit
        job = self._submit(self.validate_task, (spec.model_dump(mode="json"), response),
                           owner=owner, kind="preview")
        return self._read(key, await self._awaited(job))

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
        """Check many responses concurrently (the queue runs `workers` at a time); results come
        back in input order."""
        results: list[CheckResult | tuple[tuple[str, str], _Job]] = []
        for spec, response in items:
            key = self._cache_key(spec, response)
            hit = self._cached(key)
            results.append(hit if hit is not None else (key, self._submit(
                self.check_task, (spec.model_dump(mode="json"), response))))
        return [r if isinstance(r, CheckResult) else self._remember(r[0], self._result(r[1]))
                for r in results]


def _retire(pool: ProcessPool) -> None:
    """Stop a broken pebble pool's threads and workers (in a thread: it waits for them)."""
    try:
        pool.stop()
        pool.join()
    except Exception:  # the old pool is gone either way
        log.debug("stopping the broken checker pool failed", exc_info=True)


def _resolve(done: asyncio.Future) -> None:
    if not done.done():
        done.set_result(None)


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
