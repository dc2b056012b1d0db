"""Real engine workers as subprocesses: ``rqworker`` (django-rq) and ``celery worker``.

The tests here run only with ``--ds tests.engines.settings`` on PostgreSQL and Redis
(``.ci/tier-engines``); elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90  # seconds: a guard against a hang on a loaded machine, not a speed assertion


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(settings, "ENGINE_TESTS", False):
        return
    reason = "engine tier only: --ds tests.engines.settings (.ci/tier-engines)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if Path(str(item.fspath)) == Path(__file__).parent / "test_engines.py":
            item.add_marker(skip)


def worker_command(engine: str) -> list[str]:
    if engine == "rq":
        return [
            sys.executable, "-m", "django", "rqworker", settings.ENGINE_QUEUE,
            "--job-class", "django_tasks_rq.Job",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "celery", "-A", "tests.engines.celery_app", "worker",
        "--pool", "solo", "--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat",
        "--without-gossip", "--without-mingle", "-Q", settings.ENGINE_QUEUE,
    ]  # fmt: skip


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (from /proc), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


class Worker:
    """One engine worker process (its own process group: a kill takes its children too)."""

    def __init__(self, engine: str, log: Path) -> None:
        self.engine = engine
        self.log = log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.engines.settings",
            "PGDATABASE": connection.settings_dict["NAME"],  # the test database
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
        }
        self.process = subprocess.Popen(
            worker_command(engine),
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and every process under it (RQ's work horse starts a
        session of its own): a machine that died mid-job."""
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], Worker]]:
    workers: list[Worker] = []

    def start(engine: str) -> Worker:
        worker = Worker(engine, tmp_path / f"{engine}-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(condition: Callable[[], Any], what: str, worker: Worker | None = None) -> Any:
    """Poll ``condition`` until it is truthy; fail after ``WAIT`` seconds naming ``what``."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if value := condition():
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the {worker.engine} worker exited while waiting for {what}:\n"
                        f"{worker.output()}")  # fmt: skip
        time.sleep(0.1)
    detail = f"\n{worker.output()}" if worker is not None else ""
    pytest.fail(f"timed out waiting for {what}{detail}")
