"""A database error in the middle of a transition leaves no half-written state."""

from unittest import mock

import pytest
from django.db import DatabaseError

from genstatus import lifecycle
from genstatus.integrity import find_mismatches
from genstatus.lifecycle import core
from genstatus.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_event_insert_failure_rolls_back_the_status_change(make_generation):
    generation = make_generation()
    with (
        # the transition's second statement, the event INSERT, fails after its UPDATE
        mock.patch.object(core, "insert_event", side_effect=DatabaseError("disk")),
        pytest.raises(DatabaseError),
    ):
        lifecycle.mark_processing(generation)
    fresh = Generation.objects.get(pk=generation.pk)
    assert (fresh.status, fresh.version) == ("pending", 1)
    assert list(find_mismatches()) == []
    lifecycle.mark_processing(fresh)  # the row is still usable
    assert fresh.status == "processing"


def test_failure_after_the_update_sends_no_signal(make_generation):
    from genstatus.signals import generation_status_changed

    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["new"])

    generation = make_generation()
    generation_status_changed.connect(receiver)
    try:
        with (
            mock.patch.object(core, "insert_event", side_effect=DatabaseError("x")),
            pytest.raises(DatabaseError),
        ):
            lifecycle.mark_failed(generation, "boom")
    finally:
        generation_status_changed.disconnect(receiver)
    assert received == []
    assert Generation.objects.get(pk=generation.pk).status == "pending"


def test_retry_insert_failure_leaves_the_original_retryable(make_generation):
    generation = make_generation()
    lifecycle.mark_failed(generation, "boom")
    events = generation.events.count()
    with (
        mock.patch(
            "genstatus.models.GenerationEvent.objects.create",
            side_effect=[mock.DEFAULT, DatabaseError("x")],
        ),
        pytest.raises(DatabaseError),
    ):
        lifecycle.retry(generation)
    assert not Generation.objects.filter(retry_of=generation).exists()
    assert generation.events.count() == events
    assert lifecycle.retry(generation).retry_of == generation
