"""Generations endpoints: list, filters, pagination, detail, retry, cancel, errors."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.models import Generation, GenerationEvent

pytestmark = pytest.mark.django_db

LIST = "/api/genstatus/generations/"


def detail(pk: Any) -> str:
    return f"{LIST}{pk}/"


def ids(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def failed(make_generation: Any, **kwargs: Any) -> Generation:
    return lifecycle.mark_failed(make_generation(**kwargs), "Quota exceeded", code="quota")


# --- URLs -------------------------------------------------------------------------------


def test_url_names_live_in_the_genstatus_namespace() -> None:
    assert reverse("genstatus:api-generation-list") == LIST
    assert reverse("genstatus:api-generation-detail", args=[7]) == detail(7)
    assert reverse("genstatus:api-generation-retry", args=[7]) == f"{detail(7)}retry/"
    assert reverse("genstatus:api-generation-cancel", args=[7]) == f"{detail(7)}cancel/"
    assert reverse("genstatus:api-asset-statuses") == "/api/genstatus/statuses/"
    assert reverse("genstatus:api-schema") == "/api/genstatus/schema/"


# --- representation ---------------------------------------------------------------------


def test_list_row_has_the_documented_fields(owner_client: Any, make_generation: Any) -> None:
    generation = failed(make_generation, params={"seed": 7})
    row = owner_client.get(LIST).json()["results"][0]
    assert row["id"] == generation.pk
    assert row["url"] == f"http://testserver{detail(generation.pk)}"
    assert row["status"] == "failed"
    assert row["status_display"] == {
        "label": "Failed",
        "icon": "alert",
        "color": "red",
        "description": "Generation failed",
        "spinning": False,
    }
    assert row["version"] == 2
    assert row["params"] == {"seed": 7}
    assert (row["error_message"], row["error_code"]) == ("Quota exceeded", "quota")
    assert row["owner"] == "owner"
    assert row["asset"] == generation.asset_id
    assert (row["retry_of"], row["retried_as"], row["retry_count"]) == (None, None, 0)
    assert row["finished_at"] is not None
    assert "events" not in row


def test_detail_adds_the_event_history(
    changer_client: Any, changer: Any, make_generation: Any
) -> None:
    generation = make_generation()
    lifecycle.mark_processing(generation)
    lifecycle.mark_failed(generation, "boom", code="x", actor=changer)
    body = changer_client.get(detail(generation.pk)).json()
    assert [(e["kind"], e["from"], e["to"]) for e in body["events"]] == [
        ("created", "", "pending"),
        ("transition", "pending", "processing"),
        ("transition", "processing", "failed"),
    ]
    assert body["events"][0]["actor"] == "owner"
    assert body["events"][1]["actor"] is None
    assert body["events"][2]["message"] == "boom"
    assert set(body["events"][0]) == {"kind", "from", "to", "actor", "message", "created_at"}


def test_system_job_has_no_owner(client_for: Any, django_user_model: Any, asset: Asset) -> None:
    admin = django_user_model.objects.create_superuser("root", password="pw")
    lifecycle.create_generation(provider="sora", operation_type="text_to_video", asset=asset)
    assert client_for(admin).get(LIST).json()["results"][0]["owner"] is None


def test_retried_as_and_retry_of_link_the_attempts(
    changer_client: Any, make_generation: Any
) -> None:
    original = failed(make_generation)
    attempt = lifecycle.retry(original)
    rows = {row["id"]: row for row in changer_client.get(LIST).json()["results"]}
    assert rows[original.pk]["retried_as"] == attempt.pk
    assert rows[attempt.pk]["retry_of"] == original.pk
    assert rows[attempt.pk]["retry_count"] == 1
    assert changer_client.get(detail(original.pk)).json()["retried_as"] == attempt.pk


# --- filters ----------------------------------------------------------------------------


@pytest.fixture
def mixed(make_generation: Any, user: Any) -> dict[str, Generation]:
    other_asset = Asset.objects.create(owner=user, title="Forest")
    rows = {
        "pending": make_generation(prompt="red fox"),
        "queued": lifecycle.mark_queued(make_generation(provider="sora")),
        "processing": lifecycle.mark_processing(
            make_generation(operation_type="text_to_video", asset=other_asset)
        ),
        "failed": failed(make_generation, provider="runway", prompt="Blue whale"),
        "completed": lifecycle.mark_completed(lifecycle.mark_processing(make_generation())),
        "cancelled": lifecycle.mark_cancelled(make_generation()),
    }
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "active"}, {"pending", "queued", "processing"}),
        ({"status": "failed"}, {"failed"}),
        ({"status": "completed"}, {"completed"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"status": "queued"}, {"queued"}),
        ({"provider": "sora"}, {"queued"}),
        ({"provider": "runway", "status": "failed"}, {"failed"}),
        ({"operation_type": "text_to_video"}, {"processing"}),
        ({"q": "BLUE"}, {"failed"}),
        ({"q": "fox"}, {"pending"}),
        ({}, {"pending", "queued", "processing", "failed", "completed", "cancelled"}),
    ],
)
def test_list_filters(
    owner_client: Any, mixed: dict[str, Generation], query: Any, expected: Any
) -> None:
    response = owner_client.get(LIST, query)
    assert response.status_code == 200
    assert set(ids(response)) == {mixed[name].pk for name in expected}


def test_asset_filter_takes_comma_separated_ids(
    owner_client: Any, mixed: dict[str, Generation]
) -> None:
    processing = mixed["processing"]
    response = owner_client.get(LIST, {"asset": f"{processing.asset_id}"})
    assert ids(response) == [processing.pk]
    both = owner_client.get(LIST, {"asset": f"{processing.asset_id},{mixed['pending'].asset_id}"})
    assert len(ids(both)) == 6


def test_created_range_filter(owner_client: Any, make_generation: Any) -> None:
    now = timezone.now()
    old = make_generation()
    Generation.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=3))
    new = make_generation()
    cut = (now - timedelta(days=1)).isoformat()
    assert ids(owner_client.get(LIST, {"created_after": cut})) == [new.pk]
    assert ids(owner_client.get(LIST, {"created_before": cut})) == [old.pk]


@pytest.mark.parametrize(
    "value", ["99999999999999999999999", "9223372036854775808", "-99999999999999999999999"]
)
def test_an_asset_id_no_asset_can_have_matches_none(
    owner_client: Any, generation: Generation, value: str
) -> None:
    """Out of the key's range (on SQLite and PostgreSQL alike): like a missing asset."""
    response = owner_client.get(LIST, {"asset": value})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "١٢"}, "page_size"),
        ({"asset": "١٢"}, "asset"),
        ({"asset": "1_0"}, "asset"),
    ],
)
def test_malformed_numbers_are_400(
    owner_client: Any, generation: Generation, query: Any, field: str
) -> None:
    response = owner_client.get(LIST, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"provider": "midjourney"}, "provider"),
        ({"operation_type": "teleport"}, "operation_type"),
        ({"asset": "1,abc"}, "asset"),
        ({"asset": ",".join(["1"] * 501)}, "asset"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_after": "0001-01-01T00:00:00+14:00"}, "created_after"),
        ({"created_before": "9999-12-31T23:59:59-14:00"}, "created_before"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00"}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": base64.b64encode(b"p=tomorrow").decode()}, "cursor"),
        ({"cursor": base64.b64encode(b"p=0001-01-01T00:00:00%2B14:00").decode()}, "cursor"),
    ],
)
def test_invalid_filters_are_400_with_a_message_per_field(
    owner_client: Any, generation: Generation, query: Any, field: str
) -> None:
    response = owner_client.get(LIST, query)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field]
    assert all(isinstance(message, str) for message in body[field])


def test_several_invalid_filters_each_get_their_message(owner_client: Any) -> None:
    response = owner_client.get(LIST, {"status": "x", "asset": "y", "created_before": "z"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "asset", "created_before"}


# --- pagination -------------------------------------------------------------------------


def test_cursor_pagination_is_newest_first_and_walks_every_row(
    owner_client: Any, make_generation: Any
) -> None:
    created = [make_generation() for _ in range(7)]
    same_time = timezone.now()
    Generation.objects.filter(pk__in=[g.pk for g in created[:3]]).update(created_at=same_time)
    expected = list(Generation.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    seen: list[int] = []
    url: str | None = f"{LIST}?page_size=3"
    while url:
        body = owner_client.get(url).json()
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected


def test_page_size_is_capped(owner_client: Any, make_generation: Any) -> None:
    for _ in range(3):
        make_generation()
    assert len(ids(owner_client.get(LIST, {"page_size": 2}))) == 2
    assert len(ids(owner_client.get(LIST, {"page_size": 100000}))) == 3
    assert owner_client.get(LIST).json().keys() == {"next", "previous", "results"}


# --- query counts -----------------------------------------------------------------------


def make_history(make_generation: Any, count: int) -> None:
    for index in range(count):
        generation = make_generation(prompt=f"job {index}")
        if index % 3 == 0:
            lifecycle.retry(failed_now(generation))


def failed_now(generation: Generation) -> Generation:
    return lifecycle.mark_failed(generation, "boom")


def count_queries(client_for: Any, user: Any, url: str) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))  # no permission cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_page(
    owner_client: Any, client_for: Any, user: Any, make_generation: Any
) -> None:
    make_history(make_generation, 80)  # 80 + 27 retries = 107 rows
    small = count_queries(client_for, user, f"{LIST}?page_size=10")
    large = count_queries(client_for, user, f"{LIST}?page_size=100")
    assert len(ids(owner_client.get(f"{LIST}?page_size=100"))) == 100
    assert small == large
    assert large <= 3  # visible_to()'s permission lookups, then the page in one query


def test_detail_queries_do_not_grow_with_the_history(
    owner_client: Any, client_for: Any, user: Any, make_generation: Any, django_user_model: Any
) -> None:
    short = make_generation()
    long = make_generation()
    actors = [django_user_model.objects.create_user(f"support{i}") for i in range(5)]
    for index in range(30):
        GenerationEvent.objects.create(
            generation=long, to_status="pending", actor=actors[index % 5], message=f"note {index}"
        )
    assert len(owner_client.get(detail(long.pk)).json()["events"]) == 31
    short_count = count_queries(client_for, user, detail(short.pk))
    assert short_count == count_queries(client_for, user, detail(long.pk))
    assert short_count <= 4  # permissions, the generation, its events with their actors


# --- unknown ids and methods ------------------------------------------------------------


@pytest.mark.parametrize("pk", ["999999", "abc", "1.5", "-1", "99999999999999999999999"])
def test_unknown_generation_is_a_json_404(
    owner_client: Any, generation: Generation, pk: str
) -> None:
    response = owner_client.get(detail(pk))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_another_users_generation_is_404_not_403(
    client_for: Any, other_user: Any, generation: Generation
) -> None:
    response = client_for(other_user).get(detail(generation.pk))
    assert response.status_code == 404
    assert client_for(other_user).get(LIST).json()["results"] == []


def test_actions_are_post_only(changer_client: Any, generation: Generation) -> None:
    assert changer_client.get(f"{detail(generation.pk)}cancel/").status_code == 405
    assert changer_client.delete(detail(generation.pk)).status_code == 405
    assert changer_client.post(LIST, {}).status_code == 405


@pytest.mark.parametrize("value", ["%s", "1,%(x)s", "50%"])
def test_percent_signs_in_bad_asset_ids_are_a_400(owner_client: Any, value: str) -> None:
    response = owner_client.get(LIST, {"asset": value})
    assert response.status_code == 400
    assert "is not a valid asset id" in response.json()["asset"][0]


@pytest.mark.django_db
def test_a_time_zone_offset_postgresql_does_not_know_is_read_as_utc(client, user):
    """ISO 8601 takes offsets up to ±23:59, PostgreSQL up to ±15:59: never a 500."""
    client.force_login(user)
    response = client.get(
        "/api/genstatus/generations/",
        {"created_before": "4603-02-14T01:26:36-20:52", "created_after": "1970-01-01T00:00+14:30"},
    )
    assert response.status_code == 200
