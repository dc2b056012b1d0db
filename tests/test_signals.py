import pytest
from django.db import transaction

from genstatus import lifecycle
from genstatus.signals import (
    generation_cancel_requested,
    generation_created,
    generation_progressed,
    generation_retried,
    generation_status_changed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def status_changed(sender, **kwargs):
        calls.append(
            ("changed", kwargs["old"], kwargs["new"], kwargs["kind"], kwargs["generation"].version)
        )

    def created(sender, **kwargs):
        calls.append(("created", kwargs["generation"].pk))

    def progressed(sender, **kwargs):
        calls.append(("progress", kwargs["progress"]))

    def cancel_requested(sender, **kwargs):
        calls.append(("cancel_requested", kwargs["generation"].version, kwargs["actor"]))

    def retried(sender, **kwargs):
        generation = kwargs["generation"]
        calls.append(("retried", generation.status, generation.version, kwargs["attempt"].pk))

    pairs = [
        (generation_status_changed, status_changed),
        (generation_created, created),
        (generation_progressed, progressed),
        (generation_cancel_requested, cancel_requested),
        (generation_retried, retried),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver)
    yield calls
    for signal, receiver in pairs:
        signal.disconnect(receiver)


def test_signals_wait_for_commit(make_generation, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        generation = make_generation()
        lifecycle.mark_processing(generation)
        lifecycle.report_progress(generation, 30)
    assert received == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert received == [
        ("created", generation.pk),
        ("changed", "pending", "processing", "transition", 2),
        ("progress", 30),
    ]


def test_no_signal_from_a_rolled_back_transaction(
    make_generation, received, django_capture_on_commit_callbacks
):
    def crashing_worker():
        with transaction.atomic():
            lifecycle.mark_queued(make_generation())
            raise RuntimeError("worker crashed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        crashing_worker()
    assert callbacks == []
    assert received == []


def test_a_failing_receiver_does_not_stop_the_others(
    make_generation, received, django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise ConnectionError("redis down")

    generation_status_changed.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            generation = make_generation()
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.mark_queued(generation)
    finally:
        generation_status_changed.disconnect(broken)
    assert ("changed", "pending", "queued", "transition", 2) in received
    assert "redis down" in caplog.text
    generation.refresh_from_db()
    assert generation.status == "queued"


def test_cancel_request_is_signalled(make_generation, received, django_capture_on_commit_callbacks):
    generation = make_generation()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_processing(generation)
        lifecycle.request_cancel(generation)
    assert received[-1] == ("cancel_requested", 3, None)
    # a status change it is not: receivers of generation_status_changed see none
    assert not [c for c in received if c[0] == "changed" and c[1] == c[2]]


def test_retry_signals_the_original_as_retried_with_its_new_version(
    make_generation, received, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from genstatus import live

    generation = make_generation()
    lifecycle.mark_failed(generation, "boom")
    sent = []

    def keep(sender, **kwargs):
        sent.append(kwargs["generation"])

    generation_retried.connect(keep)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attempt = lifecycle.retry(generation)
    finally:
        generation_retried.disconnect(keep)
    assert ("created", attempt.pk) in received
    assert received[-1] == ("retried", "failed", 3, attempt.pk)
    # no status change: a "when it fails, e-mail" receiver does not fire again
    assert not [c for c in received if c[0] == "changed" and c[2] == "failed" and c[1] == "failed"]
    # the live message of the original names the attempt, with no query to find it
    with django_assert_num_queries(0):
        payload = live.generation_payload(sent[-1], "retried")
    assert (payload["retried_as"], payload["version"]) == (attempt.pk, 3)
