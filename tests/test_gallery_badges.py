"""The example gallery with badges: one query for the whole page, whatever its size."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

from gallery.models import Asset
from genstatus.badges import ICONS
from genstatus.models import Generation
from genstatus.states import Status
from tests.templates import templates_with

pytestmark = pytest.mark.django_db

GENSTATUS_TAG = re.compile(r"\{%\s*genstatus_\w+[^%]*%\}")


@contextmanager
def without_badges() -> Any:
    """The example templates as the host had them before genstatus (tags removed)."""
    sources = {}
    for name in ("gallery/base.html", "gallery/gallery.html", "gallery/media_card.html"):
        source = Path(get_template(name).origin.name).read_text()
        assert GENSTATUS_TAG.search(source) or name == "gallery/gallery.html"
        sources[name] = GENSTATUS_TAG.sub("", source)
    with override_settings(TEMPLATES=templates_with(sources)):
        yield


def make_gallery(owner: Any, cards: int) -> list[Asset]:
    """``cards`` assets with generations in every state (bulk: fast for 500)."""
    assets = Asset.objects.bulk_create(
        Asset(owner=owner, title=f"Asset {i}", provider=["pixverse", "sora", ""][i % 3])
        for i in range(cards)
    )
    statuses = Status.values
    generations = Generation.objects.bulk_create(
        Generation(
            owner=owner,
            asset=asset,
            provider="pixverse",
            operation_type="text_to_image",
            status=statuses[i % len(statuses)],
            progress=50 if statuses[i % len(statuses)] == "processing" else None,
            error_message="<script>alert(1)</script>" if statuses[i % 6] == "failed" else "",
        )
        for i, asset in enumerate(assets)
    )
    # a derived job in flight from the first asset
    derived = Generation.objects.create(
        owner=owner, provider="sora", operation_type="video_extend", status="processing"
    )
    derived.source_assets.add(assets[0])
    assert len(generations) == cards
    return assets


TEMPLATES = re.compile(r"<template [^>]*>.*?</template>", re.S)


def without_templates(html: str) -> str:
    """The page without its ``<template>``\\s (the badges the live client clones)."""
    return TEMPLATES.sub("", html)


def gallery_page(client: Any, cards: int) -> str:
    """The cards of a gallery page (the ``<template>``\\s of ``genstatus_assets`` left out)."""
    response = client.get(reverse("gallery:index"), {"limit": cards})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<article class="card"') == cards
    return without_templates(html)


@pytest.mark.parametrize("cards", [10, 500])
def test_badges_cost_one_query_whatever_the_page_size(
    cards, client, user, django_assert_num_queries
):
    make_gallery(user, cards)
    client.force_login(user)
    with without_badges():
        # session, user, the page's assets, and Django's permission lookup (two queries
        # with ModelBackend, once per request): the example's gallery shows everybody's
        # assets to a user who may see every generation
        with django_assert_num_queries(5) as plain:
            html = gallery_page(client, cards)
        assert "data-gs-badge" not in html
    # + the badges' one batch query; the permission lookup that scopes it to what the
    # user may see was already made by the page (cached on the user for the request)
    with django_assert_num_queries(len(plain) + 1):
        html = gallery_page(client, cards)
    assert html.count("data-gs-badge") == cards
    shown = re.findall(r'<span class="gs-badge gs-badge--(\w+)[^>]*>', html)
    assert len(shown) == cards
    assert set(shown) == set(Status.values)
    assert "<script>alert(1)</script>" not in html
    assert 'data-gs-inflight="1"' in html


@pytest.mark.parametrize("cards", [10, 500])
def test_a_superusers_gallery_costs_exactly_one_more_query(
    cards, client, django_user_model, django_assert_num_queries
):
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    make_gallery(boss, cards)
    client.force_login(boss)
    with without_badges(), django_assert_num_queries(3) as plain:
        gallery_page(client, cards)
    with django_assert_num_queries(len(plain) + 1):
        html = gallery_page(client, cards)
    assert html.count("data-gs-badge") == cards


def test_completed_cards_hide_their_badge_in_the_gallery(client, user):
    make_gallery(user, 12)
    client.force_login(user)
    html = gallery_page(client, 12)
    completed = re.findall(r'<span class="gs-badge gs-badge--completed[^>]*>', html)
    assert len(completed) == 2
    assert all(tag.endswith(" hidden>") for tag in completed)
    failed = re.findall(r'<span class="gs-badge gs-badge--failed[^>]*>', html)
    assert failed
    assert not any(tag.endswith(" hidden>") for tag in failed)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("active", {"pending", "queued", "processing"}),
        ("failed", {"failed"}),
        ("completed", {"completed"}),
        ("all", set(Status.values)),
    ],
)
def test_gallery_filter_shows_the_badges_it_filtered_on(name, expected, client, user):
    make_gallery(user, 12)
    client.force_login(user)
    html = without_templates(
        client.get(reverse("gallery:index"), {"filter": name}).content.decode()
    )
    assert set(re.findall(r'data-gs-status="(\w+)"', html)) == expected
    assert f'?filter={name}" class="filter filter--current"' in html


def test_gallery_page_includes_badge_assets_once(client, user):
    make_gallery(user, 3)
    client.force_login(user)
    html = client.get(reverse("gallery:index"), {"limit": 3}).content.decode()
    assert html.count("genstatus/css/genstatus.css") == 1
    templates = "".join(TEMPLATES.findall(html))  # every icon, inside the badges to clone
    assert all(f'<svg class="gs-icon gs-icon--{name}"' in templates for name in ICONS)
    assert html.count("<template data-gs-badge-template=") == len(Status.values) + 1
    assert html.count("<template data-gs-inflight-template") == 1
    assert html.count("genstatus/js/live.js") == 1
