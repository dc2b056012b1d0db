"""The browsable API root and the descriptions DRF shows from the views' docstrings."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ROOT = "/api/genstatus/"


def test_the_root_is_in_the_genstatus_namespace() -> None:
    assert reverse("genstatus:api-root") == ROOT


def test_the_root_links_every_endpoint(api: APIClient) -> None:
    response = api.get(ROOT, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "generations": "http://testserver/api/genstatus/generations/",
        "statuses": "http://testserver/api/genstatus/statuses/",
        "schema": "http://testserver/api/genstatus/schema/",
    }


def test_the_root_is_browsable(api: APIClient) -> None:
    response = api.get(ROOT, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Generation status API" in page
    assert 'href="http://testserver/api/genstatus/generations/"' in page


def description(page: str) -> str:
    """The view description DRF prints under the page's title."""
    match = re.search(r'</h1>\s*</div>\s*<div class="pull-left">(.*?)</div>', page, re.S)
    assert match, "no description on the browsable page"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.mark.parametrize(
    "path",
    [
        ROOT,
        f"{ROOT}generations/",
        f"{ROOT}generations/{{pk}}/",
        f"{ROOT}generations/{{pk}}/retry/",
        f"{ROOT}generations/{{pk}}/cancel/",
        f"{ROOT}statuses/?asset=1",
    ],
)
def test_browsable_pages_show_their_description_as_text(
    changer_client: APIClient, make_generation: Any, path: str
) -> None:
    generation = make_generation()
    response = changer_client.get(path.format(pk=generation.pk), HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    text = description(page)
    assert text.strip()
    assert "``" not in page  # reStructuredText literals printed as they are written
    assert not re.search(r":(class|func|meth):`", page)
