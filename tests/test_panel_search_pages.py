"""A search's matches, read once for the tab counts, serve every page of it: the first,
and the pages after or before a cursor, by id, without searching again; the same pages as
the keyset query gives."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from genstatus import lifecycle
from genstatus.admin import GenerationAdmin
from genstatus.models import Generation
from genstatus.panel import counts
from genstatus.panel.pagination import Matches, keyset_page, page_from_matches

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"


@pytest.fixture
def searched(make_generation: Any) -> list[Generation]:
    """Nine generations that match "zeppelin" (three failed), and some that do not."""
    made = [make_generation(prompt=f"a zeppelin over the bay, take {n}") for n in range(9)]
    for generation in made[::3]:
        lifecycle.mark_failed(generation, "boom")
    for n in range(4):
        make_generation(prompt=f"a lighthouse, take {n}")
    return made


def matches_of(queryset: Any) -> Matches:
    return Matches(list(queryset.order_by("-created_at", "-id").values_list("pk", "status")))


def walk(page_of: Any) -> tuple[list[int], list[int]]:
    """Every id, page by page to the end, then back by the previous cursors."""
    forward, page = [], page_of(None, None)
    pages = [page]
    forward += [row.pk for row in page.rows]
    while page.next_cursor:
        page = page_of(page.next_cursor, None)
        pages.append(page)
        forward += [row.pk for row in page.rows]
    backward = []
    while page.previous_cursor:
        page = page_of(None, page.previous_cursor)
        backward = [row.pk for row in page.rows] + backward
    assert page.is_first
    return forward, backward


@pytest.mark.parametrize("statuses", [None, frozenset({"failed"})])
def test_pages_from_matches_are_the_keyset_pages(searched: Any, statuses: Any) -> None:
    queryset = Generation.objects.filter(prompt__icontains="zeppelin")
    if statuses:
        queryset = queryset.filter(status__in=sorted(statuses))
    matches = matches_of(Generation.objects.filter(prompt__icontains="zeppelin"))

    def from_matches(after: Any, before: Any) -> Any:
        page = page_from_matches(
            Generation.objects.all(), matches, statuses, per_page=2, after=after, before=before
        )
        assert page is not None
        return page

    def from_keyset(after: Any, before: Any) -> Any:
        return keyset_page(queryset, per_page=2, after=after, before=before)

    assert walk(from_matches) == walk(from_keyset)
    forward, backward = walk(from_matches)
    assert len(forward) == (3 if statuses else 9)
    assert backward == forward[: len(backward)]


def test_a_cursor_not_among_the_matches_asks_the_keyset_query(searched: Any) -> None:
    matches = matches_of(Generation.objects.filter(prompt__icontains="zeppelin"))
    other = Generation.objects.filter(prompt__icontains="lighthouse").first()
    cursor = f"{int(other.created_at.timestamp() * 1_000_000)}_{other.pk}"
    assert page_from_matches(Generation.objects.all(), matches, after=cursor) is None


def test_a_searchs_deeper_pages_do_not_search_again(
    admin_client: Any, searched: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(GenerationAdmin, "panel_per_page", 2)
    seen, cursor = [], None
    while True:
        params = {"q": "zeppelin", **({"after": cursor} if cursor else {})}
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(PANEL), params)
        likes = [
            q["sql"]
            for q in queries.captured_queries
            if "LIKE" in q["sql"].upper() and not q["sql"].startswith("EXPLAIN")
        ]
        assert len(likes) == 1, likes  # the counts' one read of the matches
        seen += [
            int(v) for v in re.findall(r'data-gs-generation="(\d+)"', response.content.decode())
        ]
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(g.pk for g in searched)
    assert len(seen) == len(set(seen))


def test_a_search_counts_exactly_up_to_its_own_cap(
    admin_client: Any, searched: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(counts, "COUNT_CAP", 3)  # a filter's matches: at most 3 read
    monkeypatch.setattr(counts, "SEARCH_SAMPLE_CAP", 20)  # a search's: at most 20
    response = admin_client.get(reverse(PANEL), {"q": "zeppelin"})
    tabs = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
    assert (str(tabs["all"]), str(tabs["failed"]), str(tabs["active"])) == ("9", "3", "6")
    monkeypatch.setattr(counts, "SEARCH_SAMPLE_CAP", 5)
    response = admin_client.get(reverse(PANEL), {"q": "zeppelin"})
    tabs = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
    assert not tabs["all"].exact
