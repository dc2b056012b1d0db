"""The panel reads its page as ``panel.RowValues`` (a ``values_list()`` row, no model
instance) while nothing customizes how a row is read or shown: the same rows, the same
bytes; model instances as soon as a hook or template is a project's own."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from genstatus import panel, panel_content
from genstatus.admin import GenerationAdmin
from genstatus.models import Generation

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"


def page_rows(client, **params):
    response = client.get(reverse(PANEL), params)
    assert response.status_code == 200
    return response.context["page"].rows


@pytest.mark.parametrize(
    "params", [{}, {"status": "failed"}, {"q": "prompt"}, {"q": "retried", "status": "failed"}]
)
def test_the_page_is_read_as_values_by_default(admin_client, every_state, params):
    rows = page_rows(admin_client, **params)
    assert rows
    assert all(type(row) is panel.RowValues for row in rows)


def test_values_print_the_same_rows_as_instances(admin_user, every_state):
    """``render_rows`` of ``get_panel_row`` of each: byte-identical, every state and
    corner (retried, cancel requested, hostile text, no asset, unicode)."""
    model_admin = admin.site._registry[Generation]
    request = RequestFactory().get("/")
    request.user = admin_user
    rows = model_admin.get_panel_rows_queryset(Generation.objects.order_by("-created_at", "-id"))
    instances = list(rows)
    values = list(panel.as_row_values(rows))
    assert [v.pk for v in values] == [g.pk for g in instances]
    retried = [(v.pk, v.retried_as.pk) for v in values if v.retried_as]
    assert retried
    assert retried == [
        (g.pk, g.retried_as.pk)
        for g in instances
        if not panel.can_retry(g) and g.status in panel.RETRYABLE
    ]
    for value, instance in zip(values, instances, strict=True):
        assert value.__dict__[panel.OWNER_NAME] == instance.__dict__[panel.OWNER_NAME]
        for name in panel.ROW_VALUES:
            assert getattr(value, name) == getattr(instance, name), name

    def render(generations):
        return panel.render_rows(
            [model_admin.get_panel_row(request, g) for g in generations],
            has_change_permission=True,
            show_owner=True,
        )

    assert render(values) == render(instances)


@pytest.mark.parametrize("hook", ["get_panel_row", "get_panel_rows_queryset"])
def test_a_customized_row_gets_model_instances(admin_client, every_state, monkeypatch, hook):
    original = getattr(GenerationAdmin, hook)

    def customized(self, *args):
        return original(self, *args)

    monkeypatch.setattr(GenerationAdmin, hook, customized)
    rows = page_rows(admin_client)
    assert rows
    assert all(isinstance(row, Generation) for row in rows)


def test_overridden_templates_get_model_instances(admin_client, every_state, monkeypatch):
    monkeypatch.setattr(panel, "default_row_template_in_use", lambda: False)
    assert all(isinstance(row, Generation) for row in page_rows(admin_client))
    monkeypatch.undo()
    monkeypatch.setattr(panel_content, "default_panel_template_in_use", lambda: False)
    assert all(isinstance(row, Generation) for row in page_rows(admin_client, q="prompt"))
