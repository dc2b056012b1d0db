import pytest
from django.core.management import call_command
from django.urls import reverse

from gallery.models import Asset
from genstatus.mapping import statuses_for_assets
from genstatus.models import Generation, GenerationEvent
from genstatus.states import Status

pytestmark = pytest.mark.django_db


def test_seed_creates_every_state_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    assert set(Generation.objects.values_list("status", flat=True)) == set(Status.values)
    assert Generation.objects.filter(retry_of__isnull=False).exists()
    count = Generation.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Generation.objects.count() == count
    # every row's history ends in its status
    for generation in Generation.objects.all():
        assert generation.events.latest("created_at", "id").to_status == generation.status
    assert GenerationEvent.objects.filter(kind="created").count() == count


def test_gallery_needs_login(client):
    response = client.get(reverse("gallery:index"))
    assert response.status_code == 302
    # the gallery's own login page, open to non-staff users (the admin's is staff-only)
    assert response["Location"] == f"{reverse('gallery:login')}?next=/"


def test_gallery_lists_only_the_users_assets(client, user, other_user):
    Asset.objects.create(owner=user, title="mine")
    Asset.objects.create(owner=other_user, title="theirs")
    client.force_login(user)
    response = client.get(reverse("gallery:index"))
    assert response.status_code == 200
    assert b"mine" in response.content
    assert b"theirs" not in response.content


def test_gallery_filters(client, django_user_model):
    call_command("seed_demo", verbosity=0)
    client.force_login(django_user_model.objects.get(username="demo"))
    pages = {
        name: client.get(reverse("gallery:index"), {"filter": name}).context["assets"]
        for name in ("all", "active", "failed", "completed", "bogus")
    }

    def statuses(assets):
        return {s.status for s in statuses_for_assets(assets).values()}

    assert statuses(pages["active"]) == {"pending", "queued", "processing"}
    assert statuses(pages["failed"]) == {"failed"}
    assert statuses(pages["completed"]) == {"completed"}
    assert len(pages["bogus"]) == len(pages["all"])


def test_asset_page(client, user, asset, generation):
    client.force_login(user)
    response = client.get(asset.get_absolute_url())
    assert response.status_code == 200
    assert f"#{generation.pk}".encode() in response.content


def test_asset_page_lists_only_the_generations_the_user_may_see(client, django_user_model):
    """The example is what hosts copy: another user's generation on your asset (and its
    error message) stays out of your asset's page and out of the gallery's filters."""
    from gallery.models import Asset
    from genstatus import lifecycle

    alice = django_user_model.objects.create_user("alice", password="alice")
    demo = django_user_model.objects.create_user("demo", password="demo")
    asset = Asset.objects.create(owner=alice, title="Alice's harbour", provider="pixverse")
    hers = lifecycle.create_generation(
        provider="pixverse", operation_type="text_to_image", asset=asset, owner=alice
    )
    lifecycle.mark_processing(hers)
    lifecycle.mark_completed(hers)
    theirs = lifecycle.create_generation(
        provider="pixverse", operation_type="text_to_image", asset=asset, owner=demo
    )
    lifecycle.mark_failed(theirs, "demo's secret prompt was refused", code="content_policy")
    client.force_login(alice)
    page = client.get(asset.get_absolute_url()).content.decode()
    assert f"#{hers.pk}" in page
    assert f"#{theirs.pk}" not in page
    assert "secret prompt" not in page
    assert "Alice's harbour" not in client.get("/?filter=failed").content.decode()
