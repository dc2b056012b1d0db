"""The database reads of the sockets of one event loop, batched.

Every read a socket needs (its first snapshot, a resync, its user's standing) is queued
here. At most ``Reader.workers`` batches run at a time, each in **one** worker thread on
**one** database connection: the batch takes every read queued so far (up to
``batch_max``), so 200 sockets arriving together cost a few thread hops and connections,
not 200. Under light load a batch is a single read and starts at once.

Identical reads (same key) asked for before one of them has started share it: its result
reflects the database after each request, as a read of its own would. Reads inside one
batch share a ``memo`` dict (e.g. one permission check per user per batch). A read whose
askers have all gone (their sockets closed) is skipped.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Read = Callable[[dict[Any, Any]], Any]


@dataclass(eq=False)
class _Job:
    key: tuple[Any, ...]
    read: Read
    future: asyncio.Future[Any]
    waiters: int = 0
    outcome: tuple[bool, Any] = field(default=(False, None))


class Reader:
    """The read queue of one event loop (``reader()``)."""

    workers = 2  # batches running at once (each holds one thread and one connection)
    batch_max = 100  # reads per batch

    def __init__(self) -> None:
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

    async def read(self, key: tuple[Any, ...], read: Read) -> Any:
        """The result of ``read(memo)``, run in a batch, or of an identical queued read."""
        job = self.flights.get(key)
        if job is None:
            loop = asyncio.get_running_loop()
            job = self.flights[key] = _Job(key, read, loop.create_future())
            self.queue.append(job)
            if self.running < self.workers:
                self.running += 1
                task = loop.create_task(self._work())
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        job.waiters += 1
        try:
            return await asyncio.shield(job.future)
        finally:
            job.waiters -= 1

    async def _work(self) -> None:
        from channels.db import database_sync_to_async

        try:
            while self.queue:
                batch, self.queue = self.queue[: self.batch_max], self.queue[self.batch_max :]
                for job in batch:  # started: later identical requests need a read of their own
                    if self.flights.get(job.key) is job:
                        del self.flights[job.key]
                # not thread-sensitive: batches run beside the thread that sync code (and
                # AuthMiddleware's session read) shares by default
                await database_sync_to_async(_run_batch, thread_sensitive=False)(batch)
                self.batches += 1
                for job in batch:
                    _settle(job)
        finally:
            self.running -= 1


def _run_batch(batch: list[_Job]) -> None:
    """In a worker thread: run each read still wanted, on this thread's one connection
    (``database_sync_to_async`` closes stale connections before and after, not between)."""
    memo: dict[Any, Any] = {}
    for job in batch:
        if job.waiters <= 0:
            continue  # every asker is gone
        try:
            job.outcome = (True, job.read(memo))
        except Exception as error:
            job.outcome = (False, error)


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
