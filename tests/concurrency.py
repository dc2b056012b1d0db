"""Run functions at the same moment in real threads (each with its own connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(functions: list[Callable[[], Any]]) -> list[Any]:
    """Start the functions together behind a barrier; return each one's result or the
    exception it raised, in order."""
    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)

    def run(i: int, function: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = function()
        except Exception as exc:  # the outcome is what the tests check
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
