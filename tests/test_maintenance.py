"""The stale-job reaper and pruning, with a controllable clock (``now=``)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.maintenance import prune, reap
from genstatus.models import Generation, GenerationEvent
from genstatus.states import Status

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def clock():
    return timezone.now()


@pytest.fixture
def processing(make_generation):
    def make(**kwargs):
        generation = make_generation(**kwargs)
        lifecycle.mark_processing(generation)
        return generation

    return make


# Reaper


def test_a_job_without_heartbeat_past_stale_after_is_failed_stale(processing, settings, clock):
    settings.GENSTATUS_STALE_AFTER = 10 * 60
    generation = processing()
    assert reap(now=clock + 9 * MINUTE).stale == []
    assert reap(now=clock + 11 * MINUTE).stale == [generation.pk]
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "stale")
    assert generation.error_message == (
        "No heartbeat for more than 10 min: the worker running this job stopped."
    )
    assert generation.events.latest("id").actor is None


def test_a_heartbeat_keeps_a_job_alive(processing, settings, clock, monkeypatch):
    settings.GENSTATUS_STALE_AFTER = 10 * 60
    generation = processing()
    monkeypatch.setattr(timezone, "now", lambda: clock + 8 * MINUTE)
    lifecycle.heartbeat(generation)
    monkeypatch.undo()
    assert reap(now=clock + 11 * MINUTE).stale == []
    assert reap(now=clock + 19 * MINUTE).stale == [generation.pk]


def test_progress_counts_as_a_heartbeat(processing, settings, clock, monkeypatch):
    settings.GENSTATUS_STALE_AFTER = 60
    generation = processing()
    monkeypatch.setattr(timezone, "now", lambda: clock + 5 * MINUTE)
    lifecycle.report_progress(generation, 50)
    monkeypatch.undo()
    assert reap(now=clock + 5 * MINUTE + timedelta(seconds=59)).stale == []


@pytest.mark.parametrize("status", ["pending", "queued", "completed", "failed", "cancelled"])
def test_only_processing_jobs_are_reaped_for_their_heartbeat(make_generation, status, clock):
    generation = make_generation()
    Generation.objects.filter(pk=generation.pk).update(
        status=status, heartbeat_at=clock - timedelta(days=1)
    )
    assert reap(now=clock).as_dict() == {"stale": [], "cancelled": [], "lost": []}
    generation.refresh_from_db()
    assert generation.status == status


def test_a_cancel_request_past_the_grace_period_becomes_cancelled(processing, settings, clock):
    settings.GENSTATUS_CANCEL_GRACE = 60
    settings.GENSTATUS_STALE_AFTER = 3600
    generation = processing()
    Generation.objects.filter(pk=generation.pk).update(heartbeat_at=clock + 2 * MINUTE)
    lifecycle.request_cancel(generation)
    requested = generation.cancel_requested_at
    assert reap(now=requested + timedelta(seconds=59)).cancelled == []
    generation.refresh_from_db()
    assert generation.status == "processing"
    assert reap(now=requested + timedelta(seconds=61)).cancelled == [generation.pk]
    generation.refresh_from_db()
    assert generation.status == "cancelled"
    assert "did not confirm within 1 min" in generation.events.latest("id").message


def test_a_cancel_past_grace_wins_over_stale(processing, settings, clock):
    settings.GENSTATUS_CANCEL_GRACE = 60
    settings.GENSTATUS_STALE_AFTER = 60
    generation = processing()
    lifecycle.request_cancel(generation)
    assert reap(now=clock + 10 * MINUTE).as_dict() == {
        "stale": [],
        "cancelled": [generation.pk],
        "lost": [],
    }


def test_a_completion_that_arrives_before_the_reaper_wins(processing, settings, clock):
    settings.GENSTATUS_CANCEL_GRACE = 60
    generation = processing()
    lifecycle.request_cancel(generation)
    lifecycle.mark_completed(generation)
    assert reap(now=clock + 10 * MINUTE).cancelled == []
    generation.refresh_from_db()
    assert generation.status == "completed"


def test_the_reaper_skips_a_row_that_finishes_under_it(processing, settings, clock, monkeypatch):
    """The row is read as stale, then completes before the reaper's UPDATE: completion wins."""
    settings.GENSTATUS_STALE_AFTER = 60
    generation = processing()
    real_mark_failed = lifecycle.mark_failed

    def complete_first(target, *args, **kwargs):
        lifecycle.mark_completed(Generation.objects.get(pk=target.pk))
        return real_mark_failed(target, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "mark_failed", complete_first)
    assert reap(now=clock + 10 * MINUTE).stale == []
    generation.refresh_from_db()
    assert generation.status == "completed"
    assert not generation.events.filter(to_status="failed").exists()


def test_reap_command_reports_what_it_did(processing, settings):
    settings.GENSTATUS_STALE_AFTER = 1
    generation = processing()
    Generation.objects.filter(pk=generation.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    out = StringIO()
    call_command("genstatus_reap", stdout=out)
    assert out.getvalue().strip() == (
        f"Failed 1 stale generation(s): #{generation.pk}. Cancelled 0 past the grace period: "
        "none. Failed 0 lost pending or queued generation(s): none."
    )


# Lost jobs: pending or queued for longer than GENSTATUS_QUEUED_STALE_AFTER


@pytest.fixture
def waiting(make_generation):
    """A generation left pending or queued (its task dropped by a worker restart)."""

    def make(status="pending", provider_job_id="", **kwargs):
        generation = make_generation(**kwargs)
        if status == "queued":
            lifecycle.mark_queued(generation, provider_job_id=provider_job_id)
        return generation

    return make


@pytest.mark.parametrize("status", ["pending", "queued"])
def test_a_job_waiting_past_queued_stale_after_is_failed_lost(waiting, settings, clock, status):
    settings.GENSTATUS_QUEUED_STALE_AFTER = 60 * 60
    generation = waiting(status)
    assert reap(now=clock + 59 * MINUTE).lost == []
    assert reap(now=clock + 61 * MINUTE).as_dict() == {
        "stale": [],
        "cancelled": [],
        "lost": [generation.pk],
    }
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "lost")
    assert generation.error_message == (
        f"Still {status} after more than 1 h: the job was lost before it started "
        "(e.g. a worker restart dropped its task)."
    )
    event = generation.events.latest("id")
    assert (event.from_status, event.to_status, event.actor) == (status, "failed", None)


def test_queued_stale_after_defaults_to_an_hour(waiting, clock):
    generation = waiting("queued")
    assert reap(now=clock + 59 * MINUTE).lost == []
    assert reap(now=clock + 61 * MINUTE).lost == [generation.pk]


def test_the_wait_counts_from_entering_the_state(waiting, settings, clock, monkeypatch):
    """Created long ago, queued recently: the time in the queue is what counts."""
    settings.GENSTATUS_QUEUED_STALE_AFTER = 60 * 60
    generation = waiting("pending")
    monkeypatch.setattr(timezone, "now", lambda: clock + 50 * MINUTE)
    lifecycle.mark_queued(generation)
    monkeypatch.undo()
    assert reap(now=clock + 70 * MINUTE).lost == []
    assert reap(now=clock + 111 * MINUTE).lost == [generation.pk]


def test_a_job_a_provider_accepted_may_wait_in_its_queue(waiting, settings, clock):
    """Queued with a provider job id: it waits in the provider's own queue, not lost."""
    settings.GENSTATUS_QUEUED_STALE_AFTER = 60 * 60
    accepted = waiting("queued", provider_job_id="job-1")
    dropped = waiting("queued")
    assert reap(now=clock + 24 * 60 * MINUTE).lost == [dropped.pk]
    accepted.refresh_from_db()
    assert accepted.status == "queued"


def test_queued_stale_after_none_never_reaps_waiting_jobs(waiting, settings, clock):
    settings.GENSTATUS_QUEUED_STALE_AFTER = None
    waiting("pending")
    waiting("queued")
    assert reap(now=clock + 365 * 24 * 60 * MINUTE).lost == []


@pytest.mark.parametrize("claim", ["mark_processing", "mark_queued"])
def test_a_worker_that_picks_up_a_lost_job_under_the_reaper_wins(
    waiting, settings, clock, monkeypatch, claim
):
    """The row is read as lost, then a worker starts (or queues) it before the reaper's
    UPDATE: the UPDATE re-checks the wait, so the running job is not failed."""
    from genstatus import maintenance

    settings.GENSTATUS_QUEUED_STALE_AFTER = 60
    generation = waiting("pending")
    later = clock + 10 * MINUTE
    real_apply = maintenance._apply

    def worker_first(change):
        monkeypatch.setattr(timezone, "now", lambda: later)  # the worker's clock is the reaper's
        getattr(lifecycle, claim)(Generation.objects.get(pk=generation.pk))
        monkeypatch.undo()
        return real_apply(change)

    monkeypatch.setattr(maintenance, "_apply", worker_first)
    assert reap(now=later).lost == []
    generation.refresh_from_db()
    assert generation.status == claim.removeprefix("mark_")
    assert not generation.events.filter(to_status="failed").exists()


def test_reap_dry_run_lists_every_kind_and_changes_nothing(processing, waiting, settings, clock):
    settings.GENSTATUS_STALE_AFTER = 60
    settings.GENSTATUS_CANCEL_GRACE = 60
    settings.GENSTATUS_QUEUED_STALE_AFTER = 60
    stale = processing()
    overdue = processing()
    lifecycle.request_cancel(overdue)
    lost = waiting("queued")
    events = GenerationEvent.objects.count()
    result = reap(now=clock + 10 * MINUTE, dry_run=True)
    assert result.dry_run is True
    assert result.as_dict() == {"stale": [stale.pk], "cancelled": [overdue.pk], "lost": [lost.pk]}
    statuses = dict(Generation.objects.values_list("pk", "status"))
    assert [statuses[g.pk] for g in (stale, overdue, lost)] == [
        "processing",
        "processing",
        "queued",
    ]
    assert GenerationEvent.objects.count() == events
    assert reap(now=clock + 10 * MINUTE).as_dict() == result.as_dict()  # the real run agrees


def test_reap_reads_lost_jobs_in_batches(waiting, settings, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.GENSTATUS_QUEUED_STALE_AFTER = 60
    rows = [waiting("pending", asset=None) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        result = reap(now=clock + 10 * MINUTE, batch_size=2)
    assert result.lost == [g.pk for g in rows]
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and q["sql"].endswith("LIMIT 2")
        and connection.ops.quote_name("updated_at") + " <" in q["sql"]
    ]
    assert len(reads) == 3  # 2, 2, then 1 (short: the last)


def test_reap_refuses_a_zero_batch(clock):
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        reap(now=clock, batch_size=0)


def test_reap_command_dry_run_and_batch_size(waiting, settings):
    settings.GENSTATUS_QUEUED_STALE_AFTER = 1
    generation = waiting("queued")
    Generation.objects.filter(pk=generation.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    out = StringIO()
    call_command("genstatus_reap", "--dry-run", "--batch-size", "10", stdout=out)
    assert out.getvalue().strip() == (
        "Would fail 0 stale generation(s): none. Would cancel 0 past the grace period: none. "
        f"Would fail 1 lost pending or queued generation(s): #{generation.pk}."
    )
    generation.refresh_from_db()
    assert generation.status == "queued"
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("genstatus_reap", "--batch-size", "0")


# Pruning


def finished(make_generation, status, age, clock, **kwargs):
    """A terminal generation that finished ``age`` before ``clock``."""
    generation = make_generation(**kwargs)
    Generation.objects.filter(pk=generation.pk).update(
        status=status, finished_at=clock - age, created_at=clock - age - MINUTE
    )
    return generation


@pytest.fixture
def history(make_generation, user, clock):
    """Old and recent terminal rows, none of them its asset's newest generation."""
    DAY = timedelta(days=1)
    rows = {
        "old_completed": [
            finished(make_generation, "completed", 40 * DAY, clock, asset=None) for _ in range(5)
        ],
        "new_completed": [finished(make_generation, "completed", 5 * DAY, clock, asset=None)],
        "old_failed": [
            finished(make_generation, "failed", 100 * DAY, clock, asset=None),
            finished(make_generation, "cancelled", 100 * DAY, clock, asset=None),
        ],
        "new_failed": [finished(make_generation, "failed", 40 * DAY, clock, asset=None)],
        "active": [make_generation(asset=None)],
    }
    Generation.objects.filter(pk=rows["active"][0].pk).update(created_at=clock - 200 * DAY)
    return rows


def remaining(rows):
    return {
        name: sum(Generation.objects.filter(pk=g.pk).exists() for g in gens)
        for name, gens in rows.items()
    }


def test_prune_deletes_old_terminal_rows_by_kind_with_their_events(history, clock):
    doomed = [g.pk for g in history["old_completed"] + history["old_failed"]]
    result = prune(now=clock)  # defaults: completed 30 days, failed/cancelled 90 days
    assert (result.completed, result.failed) == (5, 2)
    assert remaining(history) == {
        "old_completed": 0,
        "new_completed": 1,
        "old_failed": 0,
        "new_failed": 1,
        "active": 1,
    }
    assert not GenerationEvent.objects.filter(generation_id__in=doomed).exists()


def test_prune_ages_are_separate_and_configurable(history, clock, settings):
    settings.GENSTATUS_PRUNE_COMPLETED = None  # keep completed rows
    settings.GENSTATUS_PRUNE_FAILED = timedelta(days=30)
    result = prune(now=clock)
    assert (result.completed, result.failed) == (0, 3)
    assert remaining(history)["old_completed"] == 5


def test_prune_dry_run_counts_and_deletes_nothing(history, clock):
    before = Generation.objects.count()
    result = prune(now=clock, dry_run=True)
    assert (result.completed, result.failed, result.dry_run) == (5, 2, True)
    assert Generation.objects.count() == before


def test_prune_deletes_in_batches(history, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = prune(now=clock, batch_size=2, failed_after=None)
    assert result.completed == 5
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "LIMIT 2" in q["sql"]
    ]
    assert len(selects) == 4  # batches of 2, 2, 1, then an empty one that ends the loop


def test_prune_refuses_a_zero_batch(clock):
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        prune(now=clock, batch_size=0)


def test_prune_keeps_each_assets_newest_generation(make_generation, user, clock):
    asset = Asset.objects.create(owner=user, title="Kept")
    DAY = timedelta(days=1)
    older = finished(make_generation, "failed", 400 * DAY, clock, asset=asset)
    newest = finished(make_generation, "completed", 300 * DAY, clock, asset=asset)
    assert prune(now=clock).as_dict() == {"completed": 0, "failed": 1}
    assert not Generation.objects.filter(pk=older.pk).exists()
    assert Generation.objects.filter(pk=newest.pk).exists()  # the badge did not change


def test_pruning_an_original_keeps_its_retry(make_generation, clock):
    original = make_generation(asset=None)
    lifecycle.mark_failed(original, "boom")
    attempt = lifecycle.retry(original)
    Generation.objects.filter(pk=original.pk).update(finished_at=clock - timedelta(days=365))
    assert prune(now=clock).failed == 1
    attempt.refresh_from_db()
    assert attempt.retry_of is None
    assert attempt.status == Status.PENDING


def test_prune_command(history):
    out = StringIO()
    call_command("genstatus_prune", "--dry-run", "--completed-days", "20", stdout=out)
    assert out.getvalue().strip() == (
        "Would delete 7 generation(s): 5 completed, 2 failed or cancelled."
    )
    out = StringIO()
    call_command("genstatus_prune", "--completed-days", "never", "--failed-days", "10", stdout=out)
    assert out.getvalue().strip() == "Deleted 3 generation(s): 0 completed, 3 failed or cancelled."
    assert remaining(history)["old_completed"] == 5


def test_prune_command_rejects_bad_arguments():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("genstatus_prune", "--batch-size", "0")
    with pytest.raises(CommandError, match="not a number of days"):
        call_command("genstatus_prune", "--completed-days", "soon")
