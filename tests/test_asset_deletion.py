"""Deleting an asset cancels its active generations: none stays pending with no asset."""

from __future__ import annotations

from typing import Any

import pytest

from genstatus import lifecycle
from genstatus.models import Generation
from genstatus.receivers import ASSET_DELETED
from genstatus.states import Status
from tests.test_providers import CALLS, PROVIDERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def configured(settings: Any) -> None:
    settings.GENSTATUS_PROVIDERS = PROVIDERS  # pixverse confirms cancels, sora does not
    CALLS.clear()


def make(user: Any, asset: Any, provider: str = "runway") -> Generation:
    return lifecycle.create_generation(
        owner=user, asset=asset, provider=provider, operation_type="text_to_image"
    )


def test_deleting_an_asset_cancels_its_active_generations(
    user: Any, asset: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pending = make(user, asset)
    queued = make(user, asset)
    lifecycle.mark_queued(queued, provider_job_id="q")
    processing = make(user, asset, provider="pixverse")
    lifecycle.mark_queued(processing, provider_job_id="p")
    lifecycle.mark_processing(processing)
    failed = make(user, asset)
    lifecycle.mark_failed(failed, "boom")
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        asset.delete()
    rows = {g.pk: g for g in Generation.objects.all()}
    assert {rows[g.pk].status for g in (pending, queued, processing)} == {Status.CANCELLED}
    assert rows[failed.pk].status == Status.FAILED  # terminal rows keep their status
    assert all(row.asset_id is None for row in rows.values())
    assert ("cancel", processing.pk) in CALLS  # the provider was told, and it confirmed
    for generation in (pending, queued, processing):
        messages = list(rows[generation.pk].events.values_list("message", flat=True))
        assert any(ASSET_DELETED in message for message in messages), messages


def test_an_unconfirmed_cancel_waits_for_the_provider(
    user: Any, asset: Any, django_capture_on_commit_callbacks: Any
) -> None:
    processing = make(user, asset, provider="sora")
    lifecycle.mark_queued(processing, provider_job_id="s")
    lifecycle.mark_processing(processing)
    with django_capture_on_commit_callbacks(execute=True):
        asset.delete()
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING
    assert processing.cancel_requested_at is not None  # the reaper cancels it after the grace
    assert ("cancel", processing.pk) in CALLS


def test_a_queryset_delete_cancels_too_and_other_assets_are_untouched(
    user: Any, asset: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.key_matrix.test_any_key import make_asset

    other = make_asset(user, "kept")
    gone = make(user, asset)
    kept = make(user, other)
    with django_capture_on_commit_callbacks(execute=True):
        type(asset).objects.filter(pk=asset.pk).delete()
    assert Generation.objects.get(pk=gone.pk).status == Status.CANCELLED
    assert Generation.objects.get(pk=kept.pk).status == Status.PENDING
