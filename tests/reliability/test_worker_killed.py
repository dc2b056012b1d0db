"""A worker process killed mid-job (SIGKILL: no cleanup, no except clause runs): the job
stays processing until its heartbeat is older than GENSTATUS_STALE_AFTER, then the
reaper fails it with code "stale", and the event log agrees with the row."""

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from genstatus.integrity import find_mismatches
from genstatus.maintenance import reap

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKER = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from genstatus import lifecycle
    from genstatus.models import Generation

    generation = Generation.objects.get(pk=int(sys.argv[1]))
    lifecycle.mark_processing(generation)
    for percent in range(10, 100, 10):
        lifecycle.report_progress(generation, percent)
        if percent == 40:
            print("running", flush=True)
            time.sleep(60)  # killed here
    lifecycle.mark_completed(generation)
    """
)


def test_reaper_fails_a_job_whose_worker_was_killed(make_generation, settings):
    settings.GENSTATUS_STALE_AFTER = 30
    generation = make_generation()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PGDATABASE": connection.settings_dict["NAME"],  # the test database
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(generation.pk)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = worker.stdout.readline()
        assert line.strip() == "running", worker.stderr.read()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL

    generation.refresh_from_db()
    assert (generation.status, generation.progress) == ("processing", 40)
    heartbeat = generation.heartbeat_at

    assert reap(now=heartbeat + timedelta(seconds=29)).stale == []  # not stale yet
    generation.refresh_from_db()
    assert generation.status == "processing"

    result = reap(now=heartbeat + timedelta(seconds=31))
    assert result.stale == [generation.pk]
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "stale")
    assert "No heartbeat for more than 30 s" in generation.error_message
    assert list(find_mismatches()) == []
