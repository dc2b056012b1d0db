"""GenerationStatusWidget: the badge as an overlay-widget object."""

import pytest
from django.template import Context, Template

from gallery.models import Asset
from genstatus import badges, lifecycle
from genstatus.widgets import GenerationStatusWidget
from tests.templates import templates_with

pytestmark = pytest.mark.django_db


def test_widget_renders_the_same_markup_as_the_tag(asset, generation, user):
    lifecycle.mark_failed(generation, "<b>quota</b>", code="quota")
    tag = Template("{% load genstatus %}{% genstatus_badge asset offset=30 %}").render(
        Context({"asset": asset, "user": user})
    )
    widget = GenerationStatusWidget(asset, user=user, offset=30)
    assert widget.render() == tag
    assert "&lt;b&gt;quota&lt;/b&gt;" in tag
    assert widget.id == "genstatus"
    assert widget.position == "top-right"


def test_widgets_in_a_card_loop_render_without_escaping(asset, generation, user):
    html = Template("{% for widget in widgets %}{{ widget }}{% endfor %}").render(
        Context({"widgets": [GenerationStatusWidget(asset, user=user)]})
    )
    assert html.startswith('<span class="gs-badges')
    assert "gs-badge--pending" in html


def test_for_assets_shares_one_query(user, make_generation, django_assert_num_queries):
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(4)]
    make_generation(asset=assets[0])
    make_generation(asset=None, source_assets=[assets[1]])
    user.has_perm("genstatus.view_all_generations")  # Django's permission cache, per request
    with django_assert_num_queries(1):
        widgets = GenerationStatusWidget.for_assets(assets, user=user, show_completed=True)
        html = [str(widgets[asset.pk]) for asset in assets]
    assert "gs-badge--pending" in html[0]
    assert 'data-gs-inflight="1"' in html[1]
    assert all("gs-badge--none" in part for part in html[1:])
    assert all('data-gs-show-completed="true"' in part for part in html)


def test_subclass_can_pick_its_template(asset, generation, settings, user):
    settings.TEMPLATES = templates_with(
        {"custom/badge.html": "<b>{{ status_value }}|{{ label }}</b>"}
    )

    class Custom(GenerationStatusWidget):
        template_name = "custom/badge.html"

    assert Custom(asset, user=user).render() == "<b>pending|Pending: Waiting to start</b>"
    assert repr(Custom(asset)) == f"<GenerationStatusWidget asset={asset.pk}>"


class LoudRenderer(badges.BadgeRenderer):
    def get_container_classes(self) -> str:
        return super().get_container_classes() + " loud"


def test_widget_renders_through_the_projects_renderer(asset, generation, settings, user):
    settings.GENSTATUS_BADGE_RENDERER = LoudRenderer  # a class works as well as its path
    html = str(GenerationStatusWidget(asset, user=user))
    assert html.startswith('<span class="gs-badges gs-badges--overlay loud">')
    assert 'data-gs-status="pending"' in html
