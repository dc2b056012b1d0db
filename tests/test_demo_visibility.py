"""Every view of the example project, as alice: nothing of demo's generations shows.

The example is what hosts copy. demo's prompts and error messages are made unmistakable
("demo-only ..."), one of demo's generations sits on one of alice's assets (the case
that leaked), and every page, filter and JSON answer alice can reach is searched for
them. A guard fails when the example gains a view this test does not visit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gallery.models import Asset
from gallery.views import FILTERS
from genstatus import lifecycle
from genstatus.models import Generation

pytestmark = pytest.mark.django_db

MARK = "demo-only"
API_FILTERS = [
    {},
    {"status": "active"},
    {"status": "failed"},
    {"status": "completed"},
    {"status": "cancelled"},
    {"status": "processing"},
    {"provider": "sora"},
    {"provider": "pixverse"},
    {"operation_type": "text_to_video"},
    {"q": MARK},
    {"q": "lighthouse"},
    {"created_after": "2000-01-01T00:00:00Z"},
    {"created_on_after": "2000-01-01"},
]


@pytest.fixture
def world(django_user_model: Any) -> dict[str, Any]:
    call_command("seed_demo", verbosity=0)
    demo = django_user_model.objects.get(username="demo")
    alice = django_user_model.objects.get(username="alice")
    hers = Asset.objects.filter(owner=alice).first()
    intruder = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", asset=hers, owner=demo
    )
    lifecycle.mark_failed(intruder, "failed", code="quota")
    for generation in Generation.objects.filter(owner=demo):  # unmistakable text
        Generation.objects.filter(pk=generation.pk).update(
            prompt=f"{MARK} prompt of #{generation.pk}",
            error_message=f"{MARK} error of #{generation.pk}" if generation.error_code else "",
        )
    client = Client()
    client.force_login(alice)
    return {
        "client": client,
        "alice": alice,
        "demo_ids": set(Generation.objects.filter(owner=demo).values_list("pk", flat=True)),
        "demo_assets": list(Asset.objects.filter(owner=demo).values_list("pk", flat=True)),
        "her_assets": list(Asset.objects.filter(owner=alice).values_list("pk", flat=True)),
    }


def assert_clean(content: str, world: dict[str, Any]) -> None:
    assert MARK not in content
    for pk in world["demo_ids"]:
        assert f'data-gs-generation="{pk}"' not in content


def generation_ids(data: Any) -> set[int]:
    """Every generation id in an API answer (list items, statuses, links)."""
    found: set[int] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in {"id", "generation_id", "retry_of", "retried_as"} and isinstance(value, int):
                found.add(value)
            found |= generation_ids(value)
    elif isinstance(data, list):
        for item in data:
            found |= generation_ids(item)
    return found


def test_the_gallery_on_every_filter(world: dict[str, Any]) -> None:
    client = world["client"]
    for name in [*FILTERS, "bogus"]:
        response = client.get(reverse("gallery:index"), {"filter": name, "limit": 1000})
        assert response.status_code == 200
        assert_clean(response.content.decode(), world)
        assert {a.pk for a in response.context["assets"]} <= set(world["her_assets"])


def test_her_asset_pages_and_none_of_demos(world: dict[str, Any]) -> None:
    client = world["client"]
    for pk in world["her_assets"]:
        response = client.get(reverse("gallery:asset", args=[pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert_clean(page, world)
        for demo_pk in world["demo_ids"]:
            assert f"#{demo_pk} " not in page
    for pk in world["demo_assets"]:
        assert client.get(reverse("gallery:asset", args=[pk])).status_code == 404


def test_the_demo_button_and_the_login_pages(world: dict[str, Any], settings: Any) -> None:
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None, "runway": None}
    client = world["client"]
    response = client.post(reverse("gallery:start_demo"), follow=True)
    assert response.status_code == 200
    assert_clean(response.content.decode(), world)
    assert Generation.objects.latest("id").owner == world["alice"]
    response = client.get(reverse("gallery:login"), follow=True)  # signed in: to the gallery
    assert_clean(response.content.decode(), world)
    response = client.post(reverse("gallery:logout"), follow=True)
    assert_clean(response.content.decode(), world)


def test_the_api_on_every_filter_and_every_demo_id(world: dict[str, Any]) -> None:
    client = world["client"]
    for query in API_FILTERS:
        response = client.get(reverse("genstatus:api-generation-list"), query)
        assert response.status_code == 200, query
        assert_clean(response.content.decode(), world)
        assert not generation_ids(response.json()) & world["demo_ids"], query
    for pk in world["demo_ids"]:
        for name in ("detail", "retry", "cancel"):
            url = reverse(f"genstatus:api-generation-{name}", args=[pk])
            response = client.get(url) if name == "detail" else client.post(url)
            assert response.status_code in (403, 404), (name, pk)
            assert_clean(response.content.decode(), world)
    every_asset = ",".join(str(pk) for pk in world["demo_assets"] + world["her_assets"])
    response = client.get(reverse("genstatus:api-asset-statuses"), {"asset": every_asset})
    assert response.status_code == 200
    statuses = response.json()["statuses"]
    assert set(statuses) <= {str(pk) for pk in world["her_assets"]}
    assert not generation_ids(statuses) & world["demo_ids"]
    assert_clean(json.dumps(statuses), world)
    # the badges of settings-declared cards (targets.js): only her own, escaped
    response = client.get(reverse("genstatus:api-asset-badges"), {"asset": every_asset})
    assert response.status_code == 200
    shown = {
        int(pk) for pk in re.findall(r'data-gs-generation=\\?"(\d+)', response.content.decode())
    }
    assert shown
    assert not shown & world["demo_ids"]
    assert_clean(response.content.decode(), world)
    for name in ("api-root", "api-schema"):
        assert_clean(client.get(reverse(f"genstatus:{name}")).content.decode(), world)


def test_the_admin_and_its_panel_are_closed_to_her(world: dict[str, Any]) -> None:
    client = world["client"]
    for url in ("/admin/", "/admin/genstatus/generation/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


VISITED = {
    "gallery:index",
    "gallery:asset",
    "gallery:start_demo",
    "gallery:login",
    "gallery:logout",
    "genstatus:api-root",
    "genstatus:api-generation-list",
    "genstatus:api-generation-detail",
    "genstatus:api-generation-retry",
    "genstatus:api-generation-cancel",
    "genstatus:api-asset-statuses",
    "genstatus:api-asset-badges",
    "genstatus:api-schema",
}


def names(patterns: list[Any], namespace: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # staff only: test_the_admin_and_its_panel_are_closed_to_her
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(f"{namespace}{pattern.name}")
    return found


def test_every_view_of_the_example_is_visited() -> None:
    assert names(get_resolver("demo.urls").url_patterns) <= VISITED
