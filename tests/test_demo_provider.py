"""The example project's demo provider, its threaded backend, button and command."""

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from gallery.models import Asset
from gallery.providers import FAILURES, start_demo_job
from genstatus import lifecycle
from genstatus.models import Generation
from genstatus.states import TERMINAL

pytestmark = pytest.mark.django_db

DEMO = "gallery.providers.DemoProvider"
FAST = {"steps": 4, "step_seconds": 0}


@pytest.fixture(autouse=True)
def demo_providers(settings):
    settings.GENSTATUS_PROVIDERS = {"pixverse": DEMO, "sora": DEMO, "runway": DEMO}


def statuses(generation):
    return list(generation.events.order_by("id").values_list("to_status", flat=True))


def test_a_demo_job_runs_queued_processing_completed(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generation = start_demo_job(user, provider="sora", outcome="complete", **FAST)
    generation.refresh_from_db()
    assert statuses(generation) == ["pending", "queued", "processing", "completed"]
    assert generation.asset.kind == Asset.Kind.VIDEO
    assert generation.asset.owner == user
    # created, queued, processing, 4 progress reports (25, 50, 75, 99), completed (100)
    assert generation.version == 8
    assert generation.progress == 100


@pytest.mark.parametrize(("code", "message"), FAILURES)
def test_a_demo_failure_looks_like_a_provider_error(
    user, code, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        generation = start_demo_job(user, outcome=code, **FAST)
    generation.refresh_from_db()
    assert (generation.status, generation.error_code, generation.error_message) == (
        "failed",
        code,
        message,
    )
    assert generation.progress == 50  # it failed half-way


def test_a_failed_demo_job_can_be_retried_to_completion(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generation = start_demo_job(user, outcome="quota", **FAST)
    Generation.objects.filter(pk=generation.pk).update(
        params={"demo": {"outcome": "complete", **FAST}}
    )
    generation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        attempt = lifecycle.retry(generation, actor=user)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.retry_of, attempt.asset) == (
        "completed",
        generation,
        generation.asset,
    )


def unlocked(call, timeout=5.0):
    """``call()``, again while the test database answers "table is locked": on SQLite the
    tests' in-memory database is shared between threads with table-level locks, which fail
    at once instead of waiting (a file database, as the demo uses, waits its timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def wait_for(generation, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unlocked(generation.refresh_from_db)
        if predicate(generation):
            return generation
        time.sleep(0.05)
    raise AssertionError(f"generation {generation.pk} stuck in {generation.status}")


@pytest.mark.django_db(transaction=True)
def test_the_threaded_backend_runs_jobs_in_the_background_and_cancel_stops_them(user, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "gallery.providers.ThreadedBackend",
            "OPTIONS": {"QUEUE_WAIT": (0.2, 0.2)},
        }
    }
    generation = start_demo_job(user, outcome="complete", steps=200, step_seconds=0.02)
    generation.refresh_from_db()
    assert generation.status == "queued"  # returned at once; the job waits in the "queue"
    wait_for(generation, lambda g: g.status == "processing" and (g.progress or 0) > 0)
    unlocked(lambda: lifecycle.request_cancel(generation, actor=user))
    wait_for(generation, lambda g: g.status in TERMINAL)
    assert generation.status == "cancelled"
    assert generation.progress < 100
    assert generation.events.latest("id").message == "Stopped on request."


def test_start_button_needs_login_and_post(client, user):
    url = reverse("gallery:start_demo")
    assert client.post(url).status_code == 302  # to the login page
    assert not Generation.objects.exists()
    client.force_login(user)
    assert client.get(url).status_code == 405


def test_start_button_creates_a_demo_job(client, user, settings):
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None, "runway": None}
    client.force_login(user)
    response = client.post(reverse("gallery:start_demo"))
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:index")
    generation = Generation.objects.get()
    assert (generation.owner, generation.asset.owner) == (user, user)
    assert generation.provider in {"pixverse", "sora", "runway"}


def test_gallery_toolbar_has_the_start_button(client, user):
    client.force_login(user)
    html = client.get(reverse("gallery:index")).content.decode()
    assert f'action="{reverse("gallery:start_demo")}"' in html
    assert 'data-testid="start-demo-job"' in html


@pytest.mark.django_db(transaction=True)  # the jobs start when the command's rows commit
def test_start_demo_jobs_command_waits_for_the_results(user):
    out = StringIO()
    call_command(
        "start_demo_jobs",
        *("--count", "2", "--user", user.username, "--outcome", "complete"),
        *("--step-seconds", "0", "--timeout", "5"),
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Started demo jobs #")
    assert [line.rsplit(": ", 1)[1] for line in lines[1:]] == ["completed", "completed"]


def test_start_demo_jobs_command_needs_a_user():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"No user 'nobody'; run `manage.py seed_demo` first"):
        call_command("start_demo_jobs", "--user", "nobody")


def test_demo_settings_point_every_provider_at_the_demo_provider():
    from demo import settings as demo_settings

    assert set(demo_settings.GENSTATUS_PROVIDERS.values()) == {DEMO}
    assert demo_settings.TASKS["default"]["BACKEND"] == "gallery.providers.ThreadedBackend"
