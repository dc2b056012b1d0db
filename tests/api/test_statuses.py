"""GET /api/genstatus/statuses/?asset=1,2,3: the badge status of many assets at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.models import Generation

pytestmark = pytest.mark.django_db

URL = "/api/genstatus/statuses/"


def test_newest_generation_decides_each_asset(
    owner_client: Any, make_generation: Any, asset: Asset, user: Any
) -> None:
    second = Asset.objects.create(owner=user, title="Forest")
    lifecycle.mark_failed(make_generation(), "boom", code="quota")
    newest = lifecycle.mark_processing(make_generation())
    lifecycle.report_progress(newest, 40)
    failed = lifecycle.mark_failed(make_generation(asset=second), "nope", code="nsfw")
    response = owner_client.get(URL, {"asset": f"{asset.pk},{second.pk},424242"})
    assert response.status_code == 200
    statuses = response.json()["statuses"]
    assert set(statuses) == {str(asset.pk), str(second.pk)}  # no generation: absent
    assert statuses[str(asset.pk)] == {
        "asset_id": asset.pk,
        "generation_id": newest.pk,
        "status": "processing",
        "version": 3,
        "progress": 40,
        "error_message": "",
        "error_code": "",
        "updated_at": statuses[str(asset.pk)]["updated_at"],
        "status_display": {
            "label": "Processing",
            "icon": "loader",
            "color": "blue",
            "description": "Generation in progress",
            "spinning": True,
        },
    }
    assert statuses[str(second.pk)]["generation_id"] == failed.pk
    assert statuses[str(second.pk)]["error_code"] == "nsfw"


def test_only_visible_generations_count(
    client_for: Any, other_user: Any, make_generation: Any, asset: Asset
) -> None:
    mine = make_generation()
    make_generation(owner=other_user)  # newer, but not mine to see
    statuses = client_for(mine.owner).get(URL, {"asset": str(asset.pk)}).json()["statuses"]
    assert statuses[str(asset.pk)]["generation_id"] == mine.pk
    stranger = client_for(other_user).get(URL, {"asset": str(asset.pk)}).json()["statuses"]
    assert stranger[str(asset.pk)]["generation_id"] != mine.pk


def test_one_query_for_the_statuses_whatever_the_number_of_assets(
    client_for: Any, user: Any, make_generation: Any
) -> None:
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(30)]
    for asset in assets:
        make_generation(asset=asset)

    def generation_queries(asset_ids: str) -> int:
        client = client_for(type(user).objects.get(pk=user.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"asset": asset_ids}).status_code == 200
        table = Generation._meta.db_table
        return sum(table in query["sql"] for query in queries.captured_queries)

    assert generation_queries(str(assets[0].pk)) == 1
    assert generation_queries(",".join(str(a.pk) for a in assets)) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "This field is required."),
        ({"asset": ""}, "This field is required."),
        ({"asset": ",, ,"}, "Give at least one asset id."),
        ({"asset": "1,two"}, "'two' is not a valid asset id."),
        ({"asset": "١٢"}, "is not a valid asset id."),
        ({"asset": "1\x00"}, "Null characters are not allowed."),
    ],
)
def test_bad_ids_are_400(owner_client: Any, query: Any, message: str) -> None:
    response = owner_client.get(URL, query)
    assert response.status_code == 400
    assert message in response.json()["asset"][0]


@pytest.mark.parametrize("value", ["-99999999999999999999999", "9223372036854775808,0"])
def test_an_asset_id_no_asset_can_have_is_absent(owner_client: Any, value: str) -> None:
    response = owner_client.get(URL, {"asset": value})
    assert response.status_code == 200
    assert response.json() == {"statuses": {}}


def test_batch_is_bounded(owner_client: Any, settings: Any) -> None:
    at_limit = ",".join(str(i) for i in range(1, 501))
    assert owner_client.get(URL, {"asset": at_limit}).status_code == 200
    response = owner_client.get(URL, {"asset": f"{at_limit},501"})
    assert response.status_code == 400
    assert response.json()["asset"] == ["At most 500 asset ids per request; got 501."]
    settings.GENSTATUS_API_MAX_BATCH = 2
    assert owner_client.get(URL, {"asset": "1,2,3"}).status_code == 400
