"""Panel rows name their asset (its str, a thumbnail when the host says how), in one query
for the whole page, on the page and on the live client's row endpoint alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from genstatus import lifecycle
from tests.key_matrix.test_any_key import make_asset

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"
ROWS = "admin:genstatus_generation_panel_rows"


def thumbnail(asset: Any) -> str | None:
    return f"/thumbs/{asset.pk}.webp" if "no thumb" not in str(asset) else None


def make(user: Any, asset: Any) -> Any:
    return lifecycle.create_generation(
        owner=user, asset=asset, provider="sora", operation_type="text_to_image"
    )


def asset_names(html: str) -> list[str]:
    return re.findall(r"<bdi class=\"gs-asset__name\" data-gs-asset-name>([^<]*)</bdi>", html)


def test_rows_name_their_asset_with_a_thumbnail_from_the_setting(admin_client, user, settings):
    settings.GENSTATUS_ASSET_THUMBNAIL_URL = "tests.test_panel_assets.thumbnail"
    beach = make_asset(user, "Beach at dawn")
    plain = make_asset(user, "Sketch, no thumb")
    make(user, beach)
    make(user, plain)
    make(user, None)  # no asset: no asset line
    html = admin_client.get(reverse(PANEL)).content.decode()
    assert sorted(asset_names(html)) == ["Beach at dawn", "Sketch, no thumb"]
    assert f'src="/thumbs/{beach.pk}.webp"' in html
    assert f'src="/thumbs/{plain.pk}.webp"' not in html
    assert html.count('class="gs-asset__thumb"') == 1


def test_the_asset_names_cost_one_query_per_page(admin_client, user):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse(PANEL))
        return len(queries.captured_queries)

    make(user, make_asset(user, "first"))
    few = page_queries()
    for n in range(8):
        make(user, make_asset(user, f"asset {n}"))
    assert page_queries() == few
    assert len(asset_names(admin_client.get(reverse(PANEL)).content.decode())) == 9


def test_a_hostile_asset_name_is_escaped_and_isolated(admin_client, user):
    make(user, make_asset(user, "<img src=x onerror=alert(1)>\u202eevil"))
    html = admin_client.get(reverse(PANEL)).content.decode()
    assert "<img src=x" not in html
    assert asset_names(html) == ["&lt;img src=x onerror=alert(1)&gt;\u202eevil"]


def test_the_live_row_endpoint_names_the_asset_too(admin_client, user):
    generation = make(user, make_asset(user, "Live row asset"))
    response = admin_client.get(reverse(ROWS), {"ids": str(generation.pk)})
    assert asset_names(response.content.decode()) == ["Live row asset"]
