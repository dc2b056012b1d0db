"""genstatus with an asset model keyed by UUID, from an app that is not the host's."""

import uuid

import pytest
from django.apps import apps

from genstatus import lifecycle
from genstatus.filters import GenerationFilterSet
from genstatus.mapping import (
    assets_with_active_generations,
    status_for_asset,
    statuses_for_assets,
    with_generation_status,
)
from genstatus.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def items():
    model = apps.get_model("uuidapp", "MediaItem")
    return [model.objects.create(name=f"item {i}") for i in range(3)]


def test_asset_fk_uses_a_uuid_column(items):
    field = Generation._meta.get_field("asset")
    assert field.related_model._meta.label == "uuidapp.MediaItem"
    generation = lifecycle.create_generation(provider="sora", operation_type="x", asset=items[0])
    assert isinstance(Generation.objects.get(pk=generation.pk).asset_id, uuid.UUID)


def test_mapping_with_uuid_keys(items, django_assert_num_queries):
    first, second, _ = items
    lifecycle.create_generation(provider="sora", operation_type="x", asset=first)
    failed = lifecycle.create_generation(provider="sora", operation_type="x", asset=second)
    lifecycle.mark_failed(failed, "boom")
    with django_assert_num_queries(1):
        statuses = statuses_for_assets([str(first.pk), second.pk])
    assert statuses[first.pk].status == "pending"
    assert statuses[second.pk].status == "failed"
    assert status_for_asset(second).as_dict()["asset_id"] == str(second.pk)
    assert list(assets_with_active_generations().values_list("asset_id", flat=True)) == [first.pk]
    model = apps.get_model("uuidapp", "MediaItem")
    annotated = {i.pk: i.genstatus_status for i in with_generation_status(model.objects.all())}
    assert annotated == {first.pk: "pending", second.pk: "failed", items[2].pk: None}


def test_filter_by_uuid_asset_ids(items):
    lifecycle.create_generation(provider="sora", operation_type="x", asset=items[0])
    ok = GenerationFilterSet({"asset": str(items[0].pk)}, queryset=Generation.objects.all())
    assert ok.is_valid()
    assert ok.qs.count() == 1
    bad = GenerationFilterSet({"asset": "42"}, queryset=Generation.objects.all())
    assert not bad.is_valid()
    assert "not a valid asset id" in str(bad.errors["asset"])


def test_badges_with_uuid_keys(items, django_assert_num_queries, django_user_model):
    from genstatus.badges import badge_statuses, render_badge

    boss = django_user_model.objects.create_superuser("boss", password="pw")  # sees system jobs

    failed = lifecycle.create_generation(provider="sora", operation_type="x", asset=items[0])
    lifecycle.mark_failed(failed, "boom")
    child = lifecycle.create_generation(
        provider="sora", operation_type="x", asset=items[1], source_assets=[items[0]]
    )
    with django_assert_num_queries(1):
        statuses = badge_statuses(items, boss)
    assert statuses[items[0].pk].status.status == "failed"
    assert statuses[items[0].pk].inflight == 1
    assert statuses[items[1].pk].status.generation_id == child.pk
    assert statuses[items[2].pk].status is None
    html = render_badge(items[0], statuses)
    assert f'data-gs-asset="{items[0].pk}"' in html
    assert 'data-gs-status="failed"' in html
