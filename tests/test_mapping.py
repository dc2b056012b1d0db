import pytest

from gallery.models import Asset
from genstatus import badges, lifecycle
from genstatus.badges.query import owner_param
from genstatus.mapping import (
    NEWEST_FIRST,
    AssetStatus,
    assets_with_active_generations,
    assets_with_failed_generations,
    assets_with_status,
    is_terminal,
    status_display,
    status_for_asset,
    statuses_for_assets,
    with_generation_status,
)
from genstatus.models import Generation

pytestmark = pytest.mark.django_db


def make_assets(user, count):
    return Asset.objects.bulk_create(Asset(owner=user, title=f"a{i}") for i in range(count))


def test_newest_generation_decides(asset, make_generation):
    old = make_generation()
    lifecycle.mark_failed(old, "boom")
    newer = make_generation()
    status = status_for_asset(asset)
    assert isinstance(status, AssetStatus)
    assert (status.generation_id, status.status) == (newer.pk, "pending")
    assert status.is_active
    assert not status.is_terminal


def test_ties_on_created_at_are_broken_by_id(asset, make_generation):
    first, second = make_generation(), make_generation()
    Generation.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=first.created_at)
    assert status_for_asset(asset.pk).generation_id == max(first.pk, second.pk)


def test_asset_without_generation_has_no_status(user):
    asset = Asset.objects.create(owner=user, title="untouched")
    assert status_for_asset(asset) is None
    assert statuses_for_assets([asset]) == {}
    assert statuses_for_assets([]) == {}


def test_failed_status_carries_the_error(asset, make_generation):
    lifecycle.mark_failed(make_generation(), "Quota exceeded", code="quota")
    status = status_for_asset(asset)
    assert status.has_failed
    assert (status.error_message, status.error_code) == ("Quota exceeded", "quota")
    assert status.as_dict()["status"] == "failed"


@pytest.mark.parametrize("count", [1, 500])
def test_statuses_for_assets_is_one_query(user, django_assert_num_queries, count):
    assets = make_assets(user, count)
    Generation.objects.bulk_create(
        Generation(asset=a, owner=user, provider="sora", operation_type="text_to_video")
        for a in assets
    )
    with django_assert_num_queries(1):
        statuses = statuses_for_assets(assets)
    assert len(statuses) == count
    assert {s.status for s in statuses.values()} == {"pending"}


@pytest.mark.parametrize("count", [1, 500])
def test_with_generation_status_adds_no_query(user, django_assert_num_queries, count):
    assets = make_assets(user, count)
    for a in assets[::2]:
        lifecycle.create_generation(provider="sora", operation_type="text_to_video", asset=a)
    with django_assert_num_queries(1):
        annotated = list(with_generation_status(Asset.objects.filter(owner=user)))
    with_status = [a for a in annotated if a.genstatus_id is not None]
    assert len(with_status) == len(assets[::2])
    assert with_status[0].genstatus_status == "pending"


def test_active_and_failed_asset_sets(user):
    active, failed, done, retried = make_assets(user, 4)
    for a in (active, failed, done, retried):
        lifecycle.create_generation(provider="sora", operation_type="text_to_video", asset=a)
    lifecycle.mark_failed(failed.genstatus_generations.get(), "x")
    g = done.genstatus_generations.get()
    lifecycle.mark_processing(g)
    lifecycle.mark_completed(g)
    first = retried.genstatus_generations.get()
    lifecycle.mark_failed(first, "x")
    lifecycle.retry(first)  # newest is pending again: active, no longer failed
    assert set(assets_with_active_generations().values_list("asset_id", flat=True)) == {
        active.pk,
        retried.pk,
    }
    assert set(assets_with_failed_generations().values_list("asset_id", flat=True)) == {failed.pk}
    assert list(Asset.objects.filter(pk__in=assets_with_failed_generations())) == [failed]


def test_scoping_the_candidates(user, other_user):
    asset = make_assets(user, 1)[0]
    lifecycle.create_generation(provider="sora", operation_type="x", asset=asset, owner=other_user)
    assert statuses_for_assets([asset], generations=Generation.objects.visible_to(user)) == {}
    assert statuses_for_assets([asset], generations=Generation.objects.visible_to(other_user))


def test_reexports():
    assert is_terminal("failed")
    assert status_display("queued").icon == "layers"


def test_with_generation_status_can_be_scoped(user, other_user):
    asset = make_assets(user, 1)[0]
    lifecycle.create_generation(provider="sora", operation_type="x", asset=asset, owner=other_user)
    scoped = with_generation_status(
        Asset.objects.filter(pk=asset.pk), generations=Generation.objects.visible_to(user)
    ).get()
    assert scoped.genstatus_status is None
    assert with_generation_status(Asset.objects.filter(pk=asset.pk)).get().genstatus_status


def test_newest_first_is_the_models_own_order():
    assert tuple(Generation._meta.ordering) == NEWEST_FIRST


def test_every_spelling_of_the_newest_generation_agrees(user, other_user):
    """The window (statuses_for_assets), the correlated subquery (with_generation_status),
    NOT EXISTS (assets_with_status) and the badge batch's SQL pick the same generation,
    ties on created_at included."""
    assets = make_assets(user, 4)
    made = {}
    for index, asset in enumerate(assets):
        gens = [
            lifecycle.create_generation(
                provider="sora", operation_type="x", asset=asset, owner=user
            )
            for _ in range(index + 1)
        ]
        if index % 2:  # a tie on created_at: the higher id is newer
            Generation.objects.filter(pk__in=[g.pk for g in gens]).update(
                created_at=gens[0].created_at
            )
        lifecycle.mark_failed(gens[-1], "x")
        made[asset.pk] = max(g.pk for g in gens)
    window = {pk: s.generation_id for pk, s in statuses_for_assets(assets).items()}
    subquery = {a.pk: a.genstatus_id for a in with_generation_status(Asset.objects.all())}
    not_exists = set(assets_with_status(["failed"]).values_list("asset_id", flat=True))
    batch = badges.badge_statuses(assets, user)
    assert window == subquery == made
    assert not_exists == set(made)
    assert {pk: batch[pk].status.generation_id for pk in made} == made


def test_the_badge_batch_converts_the_owner_key(user, monkeypatch):
    """The owner key goes to the database as the user model's primary key field prepares
    it: a UUID user key is text on SQLite, where the driver refuses a UUID object."""
    import uuid
    from types import SimpleNamespace

    from django.db import connection, models

    assert owner_param(str(user.pk), connection) == user.pk
    field = models.UUIDField(primary_key=True)
    uuid_user = SimpleNamespace(_meta=SimpleNamespace(pk=field))
    monkeypatch.setattr("genstatus.badges.query.get_user_model", lambda: uuid_user)
    key = uuid.uuid4()
    param = owner_param(key, connection)
    assert param == field.get_db_prep_value(key, connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s", [param])
        assert cursor.fetchone()[0] in (key, key.hex, str(key))


@pytest.mark.django_db
def test_assets_with_a_status_read_the_newest_of_the_candidates_only(user, other_user, asset):
    """A newer generation the user may not see does not hide the asset's visible newest."""
    from genstatus.mapping import assets_with_failed_generations

    mine = lifecycle.create_generation(
        owner=user, asset=asset, provider="sora", operation_type="text_to_image"
    )
    lifecycle.mark_failed(mine, "boom")
    lifecycle.create_generation(
        owner=other_user, asset=asset, provider="sora", operation_type="text_to_image"
    )
    assert list(assets_with_failed_generations()) == []  # everybody's newest is pending
    visible = Generation.objects.visible_to(user)
    assert [row["asset_id"] for row in assets_with_failed_generations(visible)] == [asset.pk]
