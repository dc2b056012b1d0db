"""The panel's content block built in Python (``panel_content.render_content``) prints the
same bytes as ``genstatus/admin/panel.html``'s, for every kind of user, filter, page and
language; a project that overrides the template gets its template."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from genstatus import panel_content
from genstatus.admin import GenerationAdmin
from tests.panel_data import HOSTILE

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def normalized(response):
    """The page, its CSRF tokens (masked anew for every request) made equal."""
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', response.content.decode())


def both_ways(client, monkeypatch, **params):
    """(fast, template) renderings of the whole panel page, and the fast response."""
    fast = client.get(reverse(PANEL), params)
    assert fast.status_code == 200
    assert fast.context["content_html"] is not None  # the fast path ran
    with monkeypatch.context() as patch:
        patch.setattr(panel_content, "default_panel_template_in_use", lambda: False)
        slow = client.get(reverse(PANEL), params)
    assert slow.status_code == 200
    assert slow.context["content_html"] is None
    return normalized(fast), normalized(slow), fast


def test_the_content_is_byte_identical_to_the_template(panel_client, every_state, monkeypatch):
    fast, slow, response = both_ways(panel_client, monkeypatch)
    assert fast == slow
    assert len(response.context["rows"]) >= 10
    assert 'id="content-main"' in fast
    assert fast.count('name="csrfmiddlewaretoken"') >= 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "failed"},
        {"status": "active"},
        {"status": "cancelled"},  # a single status: no tab of its own
        {"provider": "sora", "operation_type": "text_to_video"},
        {"q": "prompt"},
        {"q": "nothing like it"},  # no rows
        {"q": HOSTILE, "provider": "sora"},
        {"provider": "<nope>"},  # an invalid filter: a message, the filter dropped
    ],
    ids=["all", "failed", "active", "cancelled", "filters", "search", "empty", "hostile", "bad"],
)
def test_the_content_matches_for_every_filter(admin_client, every_state, monkeypatch, params):
    fast, slow, _response = both_ways(admin_client, monkeypatch, **params)
    assert fast == slow
    assert "<script>alert" not in fast


def test_the_content_matches_on_later_pages(admin_client, every_state, monkeypatch):
    monkeypatch.setattr(GenerationAdmin, "panel_per_page", 3)
    fast, slow, response = both_ways(admin_client, monkeypatch)
    assert fast == slow
    older = response.context["page"].next_cursor
    assert older
    assert f"after={older}" in fast
    fast, slow, response = both_ways(admin_client, monkeypatch, after=older, q="prompt")
    assert fast == slow
    assert 'rel="prev"' in fast
    assert "&amp;before=" in fast  # "Newer", the search kept
    assert "Newest" in fast


def test_the_content_matches_in_another_language(admin_client, every_state, monkeypatch):
    with translation.override("fr"):
        fast, slow, _response = both_ways(admin_client, monkeypatch, HTTP_ACCEPT_LANGUAGE="fr")
    assert fast == slow


def test_an_overridden_panel_template_is_rendered(admin_client, every_state, tmp_path, settings):
    (tmp_path / "genstatus" / "admin").mkdir(parents=True)
    (tmp_path / "genstatus" / "admin" / "panel.html").write_text(
        '{% extends "admin/base_site.html" %}{% block content %}'
        "<p id=mine>{{ rows|length }} rows</p>{% endblock %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    response = admin_client.get(reverse(PANEL))
    assert response.context["content_html"] is None
    assert "<p id=mine>" in response.content.decode()
    assert 'id="content-main"' not in response.content.decode()


def test_another_panel_template_is_rendered(admin_client, every_state, monkeypatch):
    """``panel_template`` set to another template: that template, no content built."""
    monkeypatch.setattr(GenerationAdmin, "panel_template", "admin/base_site.html")
    response = admin_client.get(reverse(PANEL))
    assert response.context["content_html"] is None
    assert 'id="content-main"' not in response.content.decode()
