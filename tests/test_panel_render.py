"""The panel's rows built in Python (``panel.render_rows``) print the same bytes as
``genstatus/admin/panel_row.html``, for rows in every state and for every kind of user;
a host that overrides the template gets its template."""

import re
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator

from genstatus import panel
from genstatus.models import Generation

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"


def tbody(content):
    return re.search(r"<tbody data-gs-rows>.*?</tbody>", content, re.S).group(0)


def both_ways(client, monkeypatch, **params):
    """(fast, template) renderings of the panel's rows, and the fast response."""
    fast = client.get(reverse(PANEL), params)
    assert fast.status_code == 200
    assert fast.context["rows_html"] is not None  # the fast path ran
    assert "genstatus/admin/panel_row.html" not in [t.name for t in fast.templates]
    with monkeypatch.context() as patch:
        patch.setattr(panel, "default_row_template_in_use", lambda: False)
        slow = client.get(reverse(PANEL), params)
    assert slow.context["rows_html"] is None
    if slow.context["rows"]:
        assert "genstatus/admin/panel_row.html" in [t.name for t in slow.templates]
    return tbody(fast.content.decode()), tbody(slow.content.decode()), fast


def test_fast_rows_are_byte_identical_to_the_template(panel_client, every_state, monkeypatch):
    fast, slow, response = both_ways(panel_client, monkeypatch)
    assert fast == slow
    assert len(response.context["rows"]) >= 10
    assert "<script>" not in fast
    assert "<b>op</b>" not in fast


@pytest.mark.parametrize(
    "params",
    [{}, {"status": "failed"}, {"status": "active"}, {"q": "nothing like it"}],
    ids=["all", "failed", "active", "empty"],
)
def test_fast_rows_match_on_every_tab(admin_client, every_state, monkeypatch, params):
    fast, slow, _response = both_ways(admin_client, monkeypatch, **params)
    assert fast == slow
    if params.get("q"):
        assert "No generations match these filters." in fast


def test_fast_rows_show_every_corner(admin_client, every_state, monkeypatch):
    fast, _slow, _response = both_ways(admin_client, monkeypatch)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in fast  # the error, escaped
    assert "&quot;&gt;&lt;script&gt;" in fast  # the prompt's title and provider, escaped
    assert "retried as #" in fast
    assert "↻ 2" in fast
    assert "Cancel requested" in fast
    assert 'data-gs-asset=""' in fast
    assert "<span data-gs-prompt>—</span>" in fast
    assert 'class="gs-col-owner">other</td>' in fast
    for attribute in ("data-gs-generation", "data-gs-status", "data-gs-version", "data-gs-asset"):
        assert attribute in fast
    assert fast.count("data-gs-icon-slot") == Generation.objects.count()


def test_fast_rows_match_in_another_language(admin_client, every_state, monkeypatch):
    with translation.override("fr"):
        fast, slow, _response = both_ways(admin_client, monkeypatch, HTTP_ACCEPT_LANGUAGE="fr")
    assert fast == slow


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_ids_are_never_grouped(admin_client, user, asset, monkeypatch):
    generation = Generation.objects.create(
        id=1_234_567, owner=user, asset=asset, provider="sora", operation_type="text_to_image"
    )
    Generation.objects.filter(pk=generation.pk).update(retry_count=1234, version=1000)
    fast, slow, _response = both_ways(admin_client, monkeypatch)
    assert fast == slow
    assert 'data-gs-generation="1234567"' in fast
    assert 'value="retry:1234567"' not in fast  # pending: cancel, not retry
    assert 'value="cancel:1234567"' in fast
    assert 'data-gs-version="1000"' in fast


def test_an_overridden_row_template_is_rendered(admin_client, every_state, tmp_path, settings):
    (tmp_path / "genstatus" / "admin").mkdir(parents=True)
    (tmp_path / "genstatus" / "admin" / "panel_row.html").write_text(
        '<tr data-gs-generation="{{ row.generation.pk }}"><td>custom {{ row.display.label }}'
        " by {{ row.generation.owner }}</td></tr>\n"
    )
    templates = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    with override_settings(TEMPLATES=templates):
        assert not panel.default_row_template_in_use()
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(PANEL))
        assert response.context["rows_html"] is None
        content = response.content.decode()
        assert content.count("<td>custom ") == Generation.objects.count()
        # the owner an overridden row may print is selected with the rows: no query per row
        assert (
            content.count(" by other</td>")
            == Generation.objects.filter(owner__username="other").count()
            > 0
        )
        assert sum('"auth_user"' in q["sql"] for q in queries.captured_queries) <= 3
    assert panel.default_row_template_in_use()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "x" * 79,
        "x" * 80,
        "x" * 81,
        "a lighthouse at dusk " * 10,
        "Cafe\u0301 " * 30,  # combining accents do not count
        "e\u0301" * 85,
        "Caf\u00e9 " * 20,
        "🚀" * 81,
        "\uff46\uff55\uff4c\uff4c" * 30,
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_preview_is_truncator_chars(text, language):
    with translation.override(language):
        assert panel.preview(text, 80) == Truncator(text).chars(80)
        assert panel.preview(text, 1) == Truncator(text).chars(1)
    assert len(unicodedata.normalize("NFC", panel.preview(text, 80))) <= 80


def test_render_rows_escapes_a_safe_string_only_once(generation):
    """A host's get_panel_row may hand over SafeStrings (e.g. a formatted preview)."""
    from django.utils.safestring import mark_safe

    from genstatus.states import status_display

    row = {
        "generation": Generation.objects.select_related("owner", "asset").get(pk=generation.pk),
        "display": status_display("pending"),
        "icon": panel.icon_svg("clock"),
        "prompt_preview": mark_safe("<em>safe</em>"),
        "created": panel.timestamp(generation.created_at),
        "time_ago": "just now",
        "detail_url": "/d/?a=1&b=2",
        "retried_as": None,
        "retried_as_url": None,
        "can_retry": False,
        "can_cancel": True,
        "open_asset_url": "/open/?x=1&y=2",
    }
    markup = panel.render_rows([row], has_change_permission=True, show_owner=True)
    assert "<span data-gs-prompt><em>safe</em></span>" in markup
    assert 'href="/d/?a=1&amp;b=2"' in markup
    assert 'href="/open/?x=1&amp;y=2"' in markup
