"""A reader's finalizer may run inside another executor's ``submit()`` (the garbage
collector runs wherever it runs): it must not take ``concurrent.futures``' global lock in
that thread, or the test run (a server) waits for itself forever."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import thread as futures_thread

from genstatus.live.reader import _shut_down


def test_the_finalizer_returns_while_submit_holds_the_global_lock() -> None:
    executor = ThreadPoolExecutor(1)
    executor.submit(lambda: None).result()
    # what submit() holds when the collector runs a finalizer inside it
    with futures_thread._global_shutdown_lock:
        _shut_down(executor)  # the old finalizer called submit() here: a self-deadlock
    # once the lock is free, the reader's thread is stopped
    for worker in list(executor._threads):
        worker.join(timeout=60)  # a guard against a hang, not a speed check
    assert executor._shutdown
    assert not any(worker.is_alive() for worker in executor._threads)
