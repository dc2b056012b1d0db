"""Property-based fuzz: no input makes the API answer 500.

The list's query parameters come from the served OpenAPI schema, so a filter added later
is fuzzed too. Values mix random text with the edge cases that broke naive versions
(dates that overflow in UTC, ids beyond the integer range, NUL bytes, forged cursors).
The test client re-raises a view's exception, so a crash fails with its traceback.
Bounded: a few hundred examples in all, a few seconds.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genstatus import lifecycle

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_VALUES = [
    "",
    "active",
    "failed",
    "queued",
    "pixverse",
    "text_to_image",
    "1,2,3",
    "1,,2",
    "-1",
    "0",
    "1.5",
    "1e9",
    "99999999999999999999999",
    "-99999999999999999999999",
    "00000000-0000-0000-0000-000000000000",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-02-30T00:00:00Z",
    "2024-03-31T02:30:00",
    "\x00",
    "%00",
    "null",
    "json",
    "api",
    "😀" * 3,
]

values = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.lists(st.integers(min_value=-(2**65), max_value=2**65), max_size=8).map(
        lambda ids: ",".join(map(str, ids))
    ),
)

cursors = st.builds(
    lambda fields: base64.b64encode(urlencode(fields).encode()).decode(),
    st.fixed_dictionaries(
        {},
        optional={
            "p": values,
            "o": st.one_of(st.integers(-(2**70), 2**70).map(str), values),
            "r": st.sampled_from(["0", "1", "x"]),
        },
    ),
)


@pytest.fixture
def data(make_generation: Any, other_user: Any) -> None:
    lifecycle.mark_failed(make_generation(), "boom")
    lifecycle.mark_processing(make_generation(prompt="π 😀"))
    make_generation(owner=other_user)


@pytest.fixture
def list_parameters(api: Any) -> list[str]:
    schema = api.get("/api/genstatus/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/genstatus/generations/"]["get"]
    names = [parameter["name"] for parameter in operation["parameters"]]
    assert {"status", "asset", "cursor", "created_after"} <= set(names)
    return [*names, "format", "unknown"]


def test_list_never_500(changer_client: Any, data: None, list_parameters: list[str]) -> None:
    query = st.dictionaries(
        st.sampled_from(list_parameters),
        st.one_of(values, cursors, st.lists(values, min_size=2, max_size=3)),
        max_size=5,
    )

    @FUZZ
    @given(query=query)
    def check(query: dict[str, Any]) -> None:
        response = changer_client.get("/api/genstatus/generations/", query)
        assert response.status_code in {200, 400, 404}, response.content[:300]

    check()


def test_statuses_never_500(changer_client: Any, data: None) -> None:
    assets = st.one_of(
        values,
        st.lists(st.one_of(values, st.uuids().map(str)), max_size=20).map(",".join),
    )

    @FUZZ
    @given(asset=assets)
    def check(asset: str) -> None:
        response = changer_client.get("/api/genstatus/statuses/", {"asset": asset})
        assert response.status_code in {200, 400}, response.content[:300]

    check()


def test_detail_and_actions_never_500(changer_client: Any, data: None) -> None:
    ids = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(EDGE_VALUES[1:]),
        st.text(min_size=1, max_size=20),
    )
    bodies = st.one_of(st.none(), st.dictionaries(st.text(max_size=5), values, max_size=3))

    @FUZZ
    @given(pk=ids, action=st.sampled_from(["", "retry/", "cancel/"]), body=bodies)
    def check(pk: str, action: str, body: Any) -> None:
        url = f"/api/genstatus/generations/{quote(pk, safe='')}/{action}"
        if action:
            response = changer_client.post(url, body, format="json")
            assert response.status_code in {200, 201, 202, 404, 409}, response.content[:300]
        else:
            assert changer_client.get(url).status_code in {200, 404}

    check()
