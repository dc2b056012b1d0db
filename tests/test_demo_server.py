"""The demo server (`manage.py rundemo`, `make demo`): a busy port fails fast with a clear
message, and the active demo jobs found at start run to an end."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gallery import providers as demo_providers
from gallery.ports import port_in_use
from genstatus import lifecycle
from genstatus.states import TERMINAL

ROOT = Path(__file__).resolve().parent.parent
DEMO = "gallery.providers.DemoProvider"
FAST = {"steps": 4, "step_seconds": 0, "outcome": "complete"}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_port_in_use_is_seen(busy_port: int) -> None:
    assert port_in_use("127.0.0.1", busy_port)
    assert not port_in_use("127.0.0.1", free_port())


def test_the_port_check_prints_what_to_do(busy_port: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gallery.ports", "127.0.0.1", str(busy_port)],
        cwd=ROOT / "example_project",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"Port {busy_port} on 127.0.0.1 is already in use" in result.stderr
    assert "make demo PORT=8123" in result.stderr


def test_rundemo_fails_fast_on_a_busy_port(busy_port: int) -> None:
    with pytest.raises(CommandError, match=f"Port {busy_port} on 127.0.0.1 is already in use"):
        call_command("rundemo", f"127.0.0.1:{busy_port}", use_reloader=False)


def test_make_demo_takes_the_port_and_uses_runtime_dependencies_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "PORT ?= 8000" in makefile
    assert "-m gallery.ports $(HOST) $(PORT)" in makefile
    assert "manage.py rundemo $(HOST):$(PORT)" in makefile
    demo_install = makefile.split("$(DEMO_VENV)/.installed: pyproject.toml", 1)[1].split("\n\n")[0]
    assert '-e ".[tasks]"' in demo_install
    assert "[dev]" not in demo_install


@pytest.mark.django_db
def test_active_demo_jobs_are_run_to_an_end_when_the_server_starts(
    user: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GENSTATUS_PROVIDERS = {"pixverse": DEMO, "sora": DEMO, "runway": DEMO}
    threads: list[Any] = []
    monkeypatch.setattr(
        demo_providers.threading,
        "Thread",
        lambda target, args, daemon: threads.append((target, args)) or _NoThread(),
    )
    made = {}
    for status in ("pending", "queued", "processing"):
        generation = lifecycle.create_generation(
            provider="pixverse", operation_type="text_to_image", owner=user, params={"demo": FAST}
        )
        if status != "pending":
            lifecycle.mark_queued(generation)
        if status == "processing":
            lifecycle.mark_processing(generation)
            lifecycle.report_progress(generation, 50)
        made[status] = generation
    with django_capture_on_commit_callbacks(execute=True):
        resumed = demo_providers.resume_demo_jobs()
    assert resumed == [g.pk for g in made.values()]
    # the processing one goes on in a thread of its own (run here, in the test's thread)
    assert threads == [(demo_providers._go_on, [made["processing"].pk])]
    demo_providers.finish_processing(made["processing"].pk)
    for generation in made.values():
        generation.refresh_from_db()
        assert generation.status == "completed", generation
    events = list(made["processing"].events.values_list("to_status", flat=True))
    assert events[-1] == "completed"
    assert "processing" in events


@pytest.mark.django_db
def test_jobs_of_other_providers_are_left_alone(user: Any, settings: Any) -> None:
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "sora": DEMO, "runway": DEMO}
    generation = lifecycle.create_generation(
        provider="pixverse", operation_type="text_to_image", owner=user
    )
    assert demo_providers.resume_demo_jobs() == []
    generation.refresh_from_db()
    assert generation.status not in TERMINAL


class _NoThread:
    def start(self) -> None:
        pass
