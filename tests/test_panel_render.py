"""The panel's rows come from one template, ``genstatus/admin/panel_row.html``, whether
the page renders them or the live client fetches them; a host that overrides the
template gets its template, with the same rows query."""

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


def rows_of(client, **params):
    response = client.get(reverse(PANEL), params)
    assert response.status_code == 200
    assert "genstatus/admin/panel_row.html" in [t.name for t in response.templates]
    return tbody(response.content.decode())


def test_ids_are_never_grouped(admin_client, user, asset):
    generation = Generation.objects.create(
        id=1_234_567, owner=user, asset=asset, provider="sora", operation_type="text_to_image"
    )
    Generation.objects.filter(pk=generation.pk).update(retry_count=1234, version=1000)
    fast = rows_of(admin_client)
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
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(PANEL))
        content = response.content.decode()
        assert content.count("<td>custom ") == Generation.objects.count()
        # the owner an overridden row may print is selected with the rows: no query per row
        assert (
            content.count(" by other</td>")
            == Generation.objects.filter(owner__username="other").count()
            > 0
        )
        assert sum('"auth_user"' in q["sql"] for q in queries.captured_queries) <= 3


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


def test_a_safe_string_from_a_hook_is_escaped_only_once(admin_client, generation, monkeypatch):
    """A host's get_panel_row may hand over SafeStrings (e.g. a formatted preview)."""
    from django.utils.safestring import mark_safe

    from genstatus.admin import GenerationAdmin

    original = GenerationAdmin.get_panel_row

    def get_panel_row(self, request, generation):
        row = original(self, request, generation)
        return {
            **row,
            "prompt_preview": mark_safe("<em>safe</em>"),
            "detail_url": "/d/?a=1&b=2",
            "open_asset_url": "/open/?x=1&y=2",
        }

    monkeypatch.setattr(GenerationAdmin, "get_panel_row", get_panel_row)
    markup = rows_of(admin_client)
    assert "<bdi data-gs-prompt><em>safe</em></bdi>" in markup
    assert 'href="/d/?a=1&amp;b=2"' in markup
    assert 'href="/open/?x=1&amp;y=2"' in markup
