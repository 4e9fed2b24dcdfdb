"""Checker workers driven by the event loop that awaits them: the web app's half of the sandbox.

Why not pebble here: pebble hands every task to two threads of its own (a scheduler that
writes it to a worker, a reader that collects the result) and resolves a thread-safe future
the loop then waits on. Under the closed loop of `bench/http_load.py` that cost the server
~0.2 ms of CPU per task and two GIL hand-overs, which the event loop serving every page waited
for. Here the loop writes a task to an idle worker's pipe itself, a reader registered on that
pipe (`add_reader`) takes the result, and a timer (`call_later`) kills the worker whose task
runs past its wall limit: no thread, no lock, the same limits.

The limits are the pool's, and so are the functions that set them: a worker runs the pool's
initializer (address space, priority, preload) and each task through the pool's guard (CPU
backstop, exceptions as values); the wall limit is enforced here by SIGKILL; a worker is
replaced after `max_tasks` tasks. Workers fork from the pool's forkserver.

A `LoopWorkers` belongs to one event loop and is used only from that loop's thread (the web
server runs one loop; the pool keeps one `LoopWorkers` per loop it is awaited on).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import signal
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# Worker side


def serve_tasks(conn: Connection, initializer: Callable[..., None], initargs: tuple,
                run_task: Callable[..., Any], max_tasks: int) -> None:
    """A worker's life: set up, then answer each `(fn, args, ...)` task read from `conn` with
    `("value", run_task(*task))`, until `max_tasks` tasks, the parent's None or end of file.

    A task or a value that cannot cross the pipe is answered with `("failed", why)`: the task
    is lost, the worker is not. Ctrl-C in the server's terminal reaches the whole process
    group; the parent decides when its workers stop, so the worker ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    initializer(*initargs)
    for _ in range(max_tasks):
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        except Exception as error:  # read whole, but its function cannot be found here
            conn.send(("failed", f"{type(error).__name__}: {error}"))
            continue
        if task is None:
            return
        value = run_task(*task)
        try:
            conn.send(("value", value))
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            conn.send(("failed", f"{type(error).__name__}: {error}"))
        except OSError:  # the parent is gone
            return


# --------------------------------------------------------------------------------------------
# Parent side


class _Worker:
    """One worker process, its end of the pipe, and the task it runs (if any)."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.fd = conn.fileno()
        self.tasks = 0
        self.answer: asyncio.Future | None = None  # set while a task runs
        self.timer: asyncio.TimerHandle | None = None


class LoopWorkers:
    """Up to `size` sandboxed workers serving tasks for the running event loop.

    `run` returns the task's value, or `failure(note, detail)` with note "timeout" (killed at
    the wall limit), "worker-crashed" (the worker died or could not start) or "error" (the
    value could not cross back). A caller who stops waiting does not stop the task: its
    worker finishes (or times out) and serves the next one."""

    def __init__(self, size: int, context: Any, initializer: Callable[..., None],
                 initargs: tuple, run_task: Callable[..., Any], max_tasks: int,
                 failure: Callable[[str, str], Any]) -> None:
        self.size = size
        self.max_tasks = max_tasks
        self._context = context
        self._setup = (initializer, initargs, run_task, max_tasks)
        self._failure = failure
        self._loop = asyncio.get_running_loop()
        self._workers: set[_Worker] = set()
        self._idle: list[_Worker] = []
        self._waiting: deque[asyncio.Future] = deque()
        self._closed = False

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in list(self._workers)]

    async def run(self, task: tuple, timeout: float) -> Any:
        """Run `task` (the arguments of the pool's guard) in a worker, within `timeout` s."""
        try:
            worker = await self._take()
        except Exception as error:  # closed, or no worker could be started
            return self._failure("worker-crashed", f"no worker: {error}")
        answer = self._loop.create_future()
        try:
            worker.conn.send(task)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            self._give_back(worker)
            return self._failure("error", f"{type(error).__name__}: {error}")
        except OSError:  # it died while idle, unnoticed yet
            self._retire(worker)
            return self._failure("worker-crashed", "the worker had stopped")
        worker.answer = answer
        worker.timer = self._loop.call_later(timeout, self._expire, worker)
        return await answer  # cancelling this leaves the worker to its task

    async def _take(self) -> _Worker:
        if self._closed:
            raise OSError("the checker pool is closed")
        if self._idle:
            return self._idle.pop()
        if len(self._workers) < self.size:
            return self._start()
        waiter = self._loop.create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed over as we were cancelled
                self._give_back(waiter.result())
            raise

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=serve_tasks, args=(child, *self._setup),
                                        daemon=True, name="gyrus-checker")
        try:
            process.start()
        finally:
            child.close()  # the worker holds it now: its death is our end of file
        worker = _Worker(process, parent)
        self._workers.add(worker)
        self._loop.add_reader(worker.fd, self._readable, worker)
        return worker

    def _readable(self, worker: _Worker) -> None:
        """The worker answered, or (idle or busy) it died: its pipe reads end of file."""
        try:
            kind, value = worker.conn.recv()
        except (EOFError, OSError):  # it died (killed, out of CPU, or a crash in C)
            self._retire(worker)
            self._settle(worker, self._failure("worker-crashed", "the worker stopped"))
            return
        except Exception as error:  # an answer that cannot be read here
            self._retire(worker, kill=True)
            self._settle(worker, self._failure("error", f"{type(error).__name__}: {error}"))
            return
        if worker.answer is None:  # it spoke unasked: it cannot be trusted with a task
            self._retire(worker, kill=True)
            return
        worker.tasks += 1
        self._settle(worker, value if kind == "value" else self._failure("error", value))
        if worker.tasks >= self.max_tasks:
            self._retire(worker)  # it exits by itself after this many
        else:
            self._give_back(worker)

    def _expire(self, worker: _Worker) -> None:
        """The task ran past its wall limit: the worker is killed, a fresh one starts later."""
        worker.timer = None
        self._retire(worker, kill=True)
        self._settle(worker, self._failure("timeout", ""))

    def _settle(self, worker: _Worker, outcome: Any) -> None:
        answer, worker.answer = worker.answer, None
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if answer is not None and not answer.done():
            answer.set_result(outcome)

    def _give_back(self, worker: _Worker) -> None:
        if self._closed:
            self._retire(worker)
            return
        waiter = self._next_waiter()
        if waiter is None:
            self._idle.append(worker)
        else:
            waiter.set_result(worker)

    def _next_waiter(self) -> asyncio.Future | None:
        """The longest-waiting caller still waiting for a worker (cancelled ones are dropped)."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                return waiter
        return None

    def _retire(self, worker: _Worker, kill: bool = False) -> None:
        """Stop using `worker`: close its pipe (an idle worker exits on the end of file) and
        reap it when it has exited. A slot is free again: a waiting caller gets a new one."""
        if worker not in self._workers:
            return
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        self._loop.remove_reader(worker.fd)
        if kill:
            worker.process.kill()
        worker.conn.close()
        self._loop.add_reader(worker.process.sentinel, self._reap, worker.process)
        waiter = None if self._closed else self._next_waiter()
        if waiter is not None:
            try:
                waiter.set_result(self._start())
            except Exception as error:
                waiter.set_exception(error)

    def _reap(self, process: Any) -> None:
        self._loop.remove_reader(process.sentinel)
        process.join(0)
        if process.exitcode is None:  # not yet: the sentinel fired early; look again later
            self._loop.call_later(0.05, self._reap_later, process)
            return
        process.close()

    def _reap_later(self, process: Any) -> None:
        if not self._loop.is_closed():
            self._loop.add_reader(process.sentinel, self._reap, process)

    def close(self) -> None:
        """Stop every worker now; callers still waiting get "worker-crashed". Loop thread only
        (or after the loop has closed, when no callback can run any more)."""
        self._closed = True
        running = not self._loop.is_closed()
        for worker in list(self._workers):
            self._workers.discard(worker)
            if running:
                self._loop.remove_reader(worker.fd)
            worker.process.kill()
            worker.conn.close()
            if running:
                self._settle(worker, self._failure("worker-crashed", "the checker pool stopped"))
            worker.process.join(1.0)
        self._idle.clear()
        while self._waiting:
            waiter = self._waiting.popleft()
            if running and not waiter.done():
                waiter.set_exception(OSError("the checker pool is closed"))
