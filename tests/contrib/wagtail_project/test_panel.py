"""The Generations panel inside Wagtail's admin (no django.contrib.admin): its menu item,
Wagtail's permissions, its rows, counts and actions, and "open asset" into Wagtail's
image editor (a custom image model, registered in no Django admin)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from genstatus import lifecycle
from genstatus.models import Generation
from genstatus.states import Status

pytestmark = pytest.mark.django_db

PANEL = "/admin/generations/"


def editor(django_user_model, *codenames):
    """A Wagtail editor (admin access, may change images) with the panel permissions given."""
    group = Group.objects.create(name="Editors " + "-".join(codenames))
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="genstatus", codename__in=codenames),
    )
    user = django_user_model.objects.create_user("editor", password="pw")
    user.groups.add(group)
    return user


def test_the_panel_is_under_wagtails_admin(client, admin_user, images):
    assert reverse("genstatus_wagtail:panel") == PANEL
    client.force_login(admin_user)
    response = client.get(PANEL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "wagtailadmin/css/core.css" in html  # Wagtail's page furniture
    assert html.count("data-gs-generation=") == len(images)
    assert "Render 1" in html  # rows name their asset
    assert 'class="gs-live"' in html


def test_the_menu_item_leads_to_the_panel(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert PANEL in html
    assert "Generations panel" in html


def test_anonymous_users_go_to_wagtails_login(client):
    response = client.get(PANEL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with its dashboard and a message."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_an_editor_without_the_permission_gets_no_menu_item_and_is_refused(
    client, django_user_model
):
    client.force_login(editor(django_user_model))
    assert PANEL not in client.get("/admin/").content.decode()
    assert refused(client.get(PANEL))


def test_view_permission_from_a_wagtail_group_shows_own_rows_without_actions(
    client, django_user_model, images
):
    user = editor(django_user_model, "view_generation")
    client.force_login(user)
    html = client.get(PANEL).content.decode()
    assert "data-gs-generation=" not in html  # every generation is admin's
    generation = Generation.objects.order_by("pk").first()
    response = client.post(f"{PANEL}action/", {"row_action": f"cancel:{generation.pk}"})
    assert refused(response)
    generation.refresh_from_db()
    assert generation.status == Status.PENDING


def test_the_groups_editor_offers_the_panel_permissions(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/groups/new/").content.decode()
    for codename in ("view_generation", "change_generation", "view_all_generations"):
        permission = Permission.objects.get(codename=codename)
        assert f'value="{permission.pk}"' in html, codename


def test_rows_and_counts_endpoints(client, admin_user, images):
    client.force_login(admin_user)
    first = Generation.objects.order_by("pk").first()
    rows = client.get(f"{PANEL}rows/", {"ids": first.pk})
    assert rows.status_code == 200
    assert rows.content.decode().count("data-gs-generation=") == 1
    counts = client.get(f"{PANEL}counts/").json()["counts"]
    assert counts["all"]["text"] == str(len(images))


def test_a_row_action_cancels_through_the_lifecycle(client, admin_user, images):
    client.force_login(admin_user)
    generation = Generation.objects.order_by("pk").first()
    response = client.post(f"{PANEL}action/", {"row_action": f"cancel:{generation.pk}"})
    assert response.status_code == 302
    generation.refresh_from_db()
    assert generation.status == Status.CANCELLED
    assert generation.events.filter(to_status=Status.CANCELLED).exists()


def test_a_bulk_action_asks_first_on_a_wagtail_page(client, admin_user, images):
    client.force_login(admin_user)
    ids = [str(pk) for pk in Generation.objects.values_list("pk", flat=True)]
    response = client.post(f"{PANEL}action/", {"action": "cancel", "ids": ids})
    assert response.status_code == 200
    html = response.content.decode()
    assert "wagtailadmin/css/core.css" in html
    assert "gs-confirm" in html


def test_the_detail_page_is_a_wagtail_page(client, admin_user, images):
    client.force_login(admin_user)
    generation = Generation.objects.order_by("pk").first()
    response = client.get(f"{PANEL}{generation.pk}/detail/")
    assert response.status_code == 200
    assert "wagtailadmin/css/core.css" in response.content.decode()
    fragment = client.get(f"{PANEL}{generation.pk}/detail/", {"fragment": 1})
    assert "wagtailadmin" not in fragment.content.decode()


def test_open_asset_goes_to_wagtails_image_editor(client, admin_user, images):
    client.force_login(admin_user)
    generation = Generation.objects.get(asset=images[0])
    response = client.get(f"{PANEL}{generation.pk}/open-asset/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/images/{images[0].pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_open_asset_for_a_user_who_may_not_edit_the_image_says_so(
    client, django_user_model, images
):
    user = editor(django_user_model, "view_generation", "view_all_generations")
    client.force_login(user)
    generation = Generation.objects.get(asset=images[0])
    response = client.get(f"{PANEL}{generation.pk}/open-asset/", follow=True)
    assert response.redirect_chain[-1][0] == PANEL
    assert "no page of this asset you can open" in response.content.decode()


def test_the_health_banner_shows_among_wagtails_page(client, admin_user, images):
    generation = lifecycle.transition(Generation.objects.order_by("pk").first(), "processing")
    long_ago = timezone.now() - timedelta(days=1)
    Generation.objects.filter(pk=generation.pk).update(heartbeat_at=long_ago, started_at=long_ago)
    client.force_login(admin_user)
    html = client.get(PANEL).content.decode()
    assert 'data-gs-health="stuck"' in html


def test_the_statistics_page_is_a_wagtail_page_linked_from_the_panel(client, admin_user, images):
    client.force_login(admin_user)
    stats_url = reverse("genstatus_wagtail:panel_stats")
    assert stats_url in client.get(PANEL).content.decode()
    response = client.get(stats_url, {"window": "24h"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "wagtailadmin/css/core.css" in html
    assert "gs-stats" in html
    assert f'href="{PANEL}"' in html  # back to the panel (breadcrumbs)


def test_the_statistics_page_needs_the_panels_permission(client, django_user_model):
    client.force_login(editor(django_user_model))
    assert refused(client.get(reverse("genstatus_wagtail:panel_stats")))
