"""Badges for an ordinary user with any key: integer or UUID users by integer or UUID assets,
on every database. `make test` runs this module under four settings on each tier:
``tests.settings`` (int, int), ``tests.settings_uuid`` (int user, UUID asset),
``tests.settings_uuid_user`` (UUID user, int asset), ``tests.settings_uuid_both``."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import RequestFactory

from genstatus import lifecycle
from genstatus.badges import badge_statuses
from genstatus.mapping import statuses_for_assets
from genstatus.widgets import GenerationStatusWidget

pytestmark = pytest.mark.django_db

PAGE = Template(
    "{% load genstatus %}{% genstatus_statuses assets as statuses %}"
    "{% for asset in assets %}[{% genstatus_badge asset statuses %}]{% endfor %}"
    "{% for asset in assets %}<{% genstatus_badge asset %}>{% endfor %}"
)


def make_asset(owner: Any, name: str) -> Any:
    model = apps.get_model(settings.GENSTATUS_ASSET_MODEL)
    if model._meta.label == "gallery.Asset":
        return model.objects.create(owner=owner, title=name)
    return model.objects.create(name=name)


@pytest.fixture
def world() -> dict[str, Any]:
    """Two ordinary users; Ann's three assets with a processing, a failed and a completed
    generation, and Bob's newer pending generation on Ann's first asset (not Ann's to see)."""
    users = get_user_model().objects
    ann = users.create_user("ann", password="pw")
    bob = users.create_user("bob", password="pw")
    assets = [make_asset(ann, f"asset {n}") for n in range(3)]
    made = [
        lifecycle.create_generation(
            owner=ann, asset=asset, provider="sora", operation_type="text_to_image"
        )
        for asset in assets
    ]
    lifecycle.mark_queued(made[0], provider_job_id="j0")
    lifecycle.mark_processing(made[0])
    lifecycle.mark_failed(made[1], "Quota exceeded", code="quota")
    lifecycle.mark_queued(made[2], provider_job_id="j2")
    lifecycle.mark_processing(made[2])
    lifecycle.mark_completed(made[2])
    lifecycle.create_generation(
        owner=bob, asset=assets[0], provider="pixverse", operation_type="image_to_video"
    )
    return {"ann": ann, "bob": bob, "assets": assets, "made": made}


def test_the_keys_are_the_ones_this_run_is_about(world: dict[str, Any]) -> None:
    """The settings module decides the key types; the test asserts what it ran with."""
    user_key = type(world["ann"].pk)
    asset_key = type(world["assets"][0].pk)
    expected_user = uuid.UUID if settings.AUTH_USER_MODEL == "uuiduser.User" else int
    expected_asset = uuid.UUID if settings.GENSTATUS_ASSET_MODEL == "uuidapp.MediaItem" else int
    assert (user_key, asset_key) == (expected_user, expected_asset)


def test_the_badge_tags_render_for_an_ordinary_user(world: dict[str, Any]) -> None:
    request = RequestFactory().get("/")
    request.user = world["ann"]
    html = PAGE.render(Context({"request": request, "assets": world["assets"]}))
    batched, single = html.split("]<", 1)[0], html.split("]<", 1)[1]
    for part in (batched, single):
        # Ann's own newest generation on each asset: processing, failed; completed is hidden
        assert re.findall(r'data-gs-status="(\w+)"', part)[:2] == ["processing", "failed"]
        assert "pending" not in re.findall(r'data-gs-status="(\w+)"', part)  # Bob's


def test_the_python_surfaces_answer_for_an_ordinary_user(world: dict[str, Any]) -> None:
    ann, assets, made = world["ann"], world["assets"], world["made"]
    statuses = badge_statuses(assets, ann)
    assert statuses[assets[0].pk].status.generation_id == made[0].pk
    assert statuses[assets[1].pk].status.status == "failed"
    widgets = GenerationStatusWidget.for_assets(assets, user=ann)
    assert 'data-gs-status="processing"' in str(widgets[assets[0].pk])
    assert 'data-gs-status="failed"' in str(widgets[assets[1].pk])
    # Bob sees only his own pending generation on Ann's first asset
    bob_view = badge_statuses(assets, world["bob"])
    assert bob_view[assets[0].pk].status.status == "pending"
    assert bob_view[assets[1].pk].status is None
    assert {pk: s.status for pk, s in statuses_for_assets(assets).items()}[assets[1].pk] == "failed"


def test_the_batch_api_answers_an_ordinary_user(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["ann"])
    ids = ",".join(str(asset.pk) for asset in world["assets"])
    response = client.get(f"/api/genstatus/statuses/?asset={ids}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert str(world["assets"][1].pk) in str(body)
    assert "failed" in str(body)
    assert "pending" not in str(body)
