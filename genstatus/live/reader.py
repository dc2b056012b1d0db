"""The database reads of the sockets of one event loop, batched.

Every read a socket needs (its first snapshot, a resync, its user's standing) is queued
here and run on the loop's **one reader thread**, which keeps **one database connection**
open across batches (whatever ``CONN_MAX_AGE`` says: it is closed only when it broke, or
after ``Reader.connection_max_age`` seconds). A batch takes every read queued so far (up
to ``batch_max``), so 200 sockets arriving together cost a few thread hops and no new
connection, not 200 of each. Under light load a batch is a single read and starts at once.
One thread, not a pool: the reads are Python (the ORM) more than waiting for PostgreSQL,
and threads of one process share one interpreter lock.

Identical reads (same key) asked for before one of them has started share it: its result
reflects the database after each request, as a read of its own would. Reads inside one
batch share a ``memo`` dict (e.g. one permission check per user per batch). A read whose
askers have all gone (their sockets closed) is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Read = Callable[[dict[Any, Any]], Any]
CACHE = "cache"  # memo[CACHE]: the reader's dict that outlives batches (reader thread only)


@dataclass(eq=False)
class _Job:
    key: tuple[Any, ...]
    read: Read
    future: asyncio.Future[Any]
    waiters: int = 0
    queued_at: float = field(default_factory=time.monotonic)
    outcome: tuple[bool, Any] = field(default=(False, None))


class Reader:
    """The read queue of one event loop (``reader()``)."""

    batch_max = 100  # reads per batch
    connection_max_age = 300.0  # seconds the reader thread keeps one connection ...
    idle_close = 2.0  # ... while it has read something within this many seconds

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="genstatus-live-reader")
        # a loop that goes away (a test's) takes its reader's thread and connection along
        weakref.finalize(self, _shut_down, self.executor)
        self.cache: dict[Any, Any] = {}
        self.queue: list[_Job] = []
        self.flights: dict[tuple[Any, ...], _Job] = {}
        self.running = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # batches run (tests, benchmarks)
        self.reads = 0

    @property
    def backlog(self) -> int:
        """Reads queued and not started."""
        return len(self.queue)

    def oldest_wait(self) -> float:
        """Seconds the oldest queued read has waited (0 when none waits): how far behind
        the reader is, whatever the machine's speed."""
        return time.monotonic() - self.queue[0].queued_at if self.queue else 0.0

    async def read(self, key: tuple[Any, ...], read: Read) -> Any:
        """The result of ``read(memo)``, run in a batch, or of an identical queued read."""
        job = self.flights.get(key)
        if job is None:
            loop = asyncio.get_running_loop()
            job = self.flights[key] = _Job(key, read, loop.create_future())
            self.queue.append(job)
            if not self.running:
                self.running = 1
                task = loop.create_task(self._work())
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        job.waiters += 1
        try:
            return await asyncio.shield(job.future)
        finally:
            job.waiters -= 1

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.queue:
                batch, self.queue = self.queue[: self.batch_max], self.queue[self.batch_max :]
                for job in batch:  # started: later identical requests need a read of their own
                    if self.flights.get(job.key) is job:
                        del self.flights[job.key]
                # the reader's own thread: beside the one that sync code (and the session
                # read of AuthMiddleware) shares by default, never queued behind it
                try:
                    await loop.run_in_executor(
                        self.executor, _run_batch, batch, self.cache, self.connection_max_age
                    )
                except Exception as error:  # the executor is gone: nobody may hang
                    for job in batch:
                        job.outcome = (False, error)
                self.batches += 1
                for job in batch:
                    _settle(job)
        finally:
            self.running = 0
            self.last_batch = loop.time()
            loop.call_later(self.idle_close, self._close_if_idle)

    def _close_if_idle(self) -> None:
        loop = asyncio.get_running_loop()
        if not self.running and loop.time() - self.last_batch >= self.idle_close * 0.9:
            with contextlib.suppress(RuntimeError):
                self.executor.submit(_close_connections)


def _shut_down(executor: ThreadPoolExecutor) -> None:
    """The finalizer of a reader: from a thread of its own. A finalizer runs wherever the
    garbage collector happens to run, possibly inside another executor's ``submit()``,
    which holds ``concurrent.futures``' global lock that ``submit()`` takes again: called
    here, it would wait for itself forever."""
    threading.Thread(target=_close_and_stop, args=(executor,), daemon=True).start()


def _close_and_stop(executor: ThreadPoolExecutor) -> None:
    with contextlib.suppress(RuntimeError):  # already shut down (the interpreter exits)
        executor.submit(_close_connections)
    executor.shutdown(wait=False)


def _run_batch(batch: list[_Job], cache: dict[Any, Any], max_age: float) -> None:
    """In the reader thread: run each read still wanted, on the thread's one connection."""
    memo: dict[Any, Any] = {CACHE: cache}
    try:
        for job in batch:
            if job.waiters <= 0:
                continue  # every asker is gone
            try:
                job.outcome = (True, job.read(memo))
            except Exception as error:
                job.outcome = (False, error)
    finally:
        _tend_connections(max_age)


_opened: dict[str, float] = {}  # the reader threads' connections: when each was opened


def _tend_connections(max_age: float) -> None:
    """Keep the thread's connections for the next batch, unless broken, left in a
    transaction, or older than ``max_age`` (a request's end would close them)."""
    from django.db import connections

    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        key = f"{id(connection)}"
        opened = _opened.setdefault(key, now)
        broken = connection.errors_occurred and not connection.is_usable()
        if broken or connection.in_atomic_block or now - opened > max_age:
            connection.close()
            _opened.pop(key, None)
        connection.errors_occurred = False


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()
    _opened.clear()


def _settle(job: _Job) -> None:
    if job.future.done():
        return
    ok, value = job.outcome
    if ok:
        job.future.set_result(value)
    elif value is None:
        job.future.cancel()  # skipped: nobody waits for it
    else:
        job.future.set_exception(value)
        job.future.exception()  # retrieved: no "never retrieved" warning without waiters


_readers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Reader] = weakref.WeakKeyDictionary()


def reader() -> Reader:
    """The reader of the running loop."""
    loop = asyncio.get_running_loop()
    current = _readers.get(loop)
    if current is None:
        current = _readers[loop] = Reader()
    return current


def close_all(timeout: float = 10.0) -> None:
    """Close every reader's connection and forget the readers (tests, between loops; a
    process that exits needs nothing). Not from a reader's own loop while it reads."""
    readers = list(_readers.values())
    _readers.clear()
    for current in readers:
        with contextlib.suppress(RuntimeError):  # already shut down
            current.executor.submit(_close_connections).result(timeout)
        current.executor.shutdown(wait=False)


def release_connection() -> None:
    """Close the running loop's reader connection once its queued reads are done (the
    last socket of the loop left: nothing will read for a while)."""
    current = _readers.get(asyncio.get_running_loop())
    if current is not None:
        with contextlib.suppress(RuntimeError):
            current.executor.submit(_close_connections)
