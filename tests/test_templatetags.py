"""{% genstatus_badge %}, {% genstatus_statuses %} and {% genstatus_assets %}."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse

from gallery.models import Asset
from genstatus import badges, lifecycle
from genstatus.badges.checks import check_legacy_badge_template
from genstatus.mapping import statuses_for_assets, with_generation_status
from genstatus.models import Generation
from genstatus.states import DISPLAY, Status
from tests.templates import templates_with

pytestmark = pytest.mark.django_db


PAGE_USER: list[Any] = []


@pytest.fixture(autouse=True)
def page_user(request: pytest.FixtureRequest) -> Any:
    """Pages are rendered for the ``user`` fixture ("owner"), who owns the generations.
    Its permissions are loaded first: Django caches them on the user for the request, and
    the query counts below are the badges' own."""
    user = request.getfixturevalue("user")
    user.has_perm("genstatus.view_all_generations")
    PAGE_USER[:] = [user]
    yield user
    PAGE_USER.clear()


def render(source: str, **context: Any) -> str:
    context.setdefault("user", PAGE_USER[0])
    return Template("{% load genstatus %}" + source).render(Context(context))


def badge_of(html: str) -> str:
    """The opening tag of the status badge."""
    match = re.search(r"<span class=\"gs-badge [^>]*>", html)
    assert match, html
    return match.group(0)


def at_status(generation: Generation, status: str) -> Generation:
    """Walk a pending generation to ``status`` through the lifecycle."""
    if status == "cancelled":
        lifecycle.request_cancel(generation)
    elif status != "pending":
        lifecycle.mark_queued(generation)
        if status != "queued":
            lifecycle.mark_processing(generation)
            if status == "processing":
                lifecycle.report_progress(generation, 40)
            elif status == "completed":
                lifecycle.mark_completed(generation)
            elif status == "failed":
                lifecycle.mark_failed(generation, "Quota exceeded", code="quota")
    generation.refresh_from_db()
    return generation


@pytest.mark.parametrize("status", Status.values)
def test_badge_shows_icon_colour_label_and_data_of_each_status(
    status, asset, generation, django_assert_num_queries
):
    generation = at_status(generation, status)
    display = DISPLAY[status]
    annotated = with_generation_status(Asset.objects.all()).get(pk=asset.pk)
    with django_assert_num_queries(0):
        html = render("{% genstatus_badge asset show_completed=True %}", asset=annotated)
    tag = badge_of(html)
    assert f"gs-badge--{status} gs-status--{display.color}" in tag
    assert f'class="gs-icon gs-icon--{display.icon}"' in html
    assert html.count("<svg") == 1  # the current icon only; no in-flight badge unfetched
    assert f'data-gs-asset="{asset.pk}"' in tag
    assert f'data-gs-generation="{generation.pk}"' in tag
    assert f'data-gs-status="{status}"' in tag
    assert f'data-gs-version="{generation.version}"' in tag
    assert 'role="img"' in tag
    assert "data-gs-badge" in tag
    assert " hidden" not in tag
    title = "Quota exceeded" if status == "failed" else str(display.description)
    assert f'title="{title}"' in tag
    assert f'aria-label="{display.label}: {title}' in tag


def test_processing_badge_carries_progress(asset, generation):
    at_status(generation, "processing")
    html = render("{% genstatus_badge asset %}", asset=asset)
    assert 'data-gs-progress="40"' in badge_of(html)
    assert 'aria-label="Processing: Generation in progress (40%)"' in html
    assert "data-gs-progress-text>40%</span>" in html
    assert "gs-icon--loader" in html


def test_progress_text_is_hidden_outside_processing(asset, generation):
    html = render("{% genstatus_badge asset %}", asset=asset)
    assert 'data-gs-progress=""' in html
    assert "data-gs-progress-text hidden></span>" in html


def test_completed_badge_is_rendered_hidden_by_default(asset, generation):
    at_status(generation, "completed")
    html = render("{% genstatus_badge asset %}", asset=asset)
    tag = badge_of(html)
    assert tag.endswith(" hidden>")
    assert 'data-gs-show-completed="false"' in tag
    assert "<svg" not in html  # a hidden badge carries no icon (the live client adds one)


def test_show_completed_option_and_setting_reveal_completed(asset, generation):
    at_status(generation, "completed")
    shown = badge_of(render("{% genstatus_badge asset show_completed=True %}", asset=asset))
    assert " hidden" not in shown
    assert 'data-gs-show-completed="true"' in shown
    shown_html = render("{% genstatus_badge asset show_completed=True %}", asset=asset)
    assert "gs-icon--check" in shown_html
    with override_settings(GENSTATUS_SHOW_COMPLETED=True):
        assert " hidden" not in badge_of(render("{% genstatus_badge asset %}", asset=asset))
        hidden = render("{% genstatus_badge asset show_completed=False %}", asset=asset)
        assert badge_of(hidden).endswith(" hidden>")


def test_asset_without_generation_gets_a_hidden_empty_badge(asset):
    tag = badge_of(render("{% genstatus_badge asset %}", asset=asset))
    assert "gs-badge--none" in tag
    assert 'data-gs-generation=""' in tag
    assert 'data-gs-status=""' in tag
    assert tag.endswith(" hidden>")


def test_user_text_in_error_message_is_escaped(asset, generation):
    lifecycle.mark_failed(generation, '<script>alert("x")</script> & "quotes"', code="x")
    html = render("{% genstatus_badge asset %}", asset=asset)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert 'title="&lt;script&gt;' in html
    assert 'aria-label="Failed: &lt;script&gt;' in html


def test_failed_without_message_uses_the_description(asset, generation):
    lifecycle.mark_failed(generation, "", code="x")
    assert 'title="Generation failed"' in render("{% genstatus_badge asset %}", asset=asset)


def test_badge_follows_the_newest_generation(asset, make_generation):
    first = make_generation()
    lifecycle.mark_failed(first, "boom", code="x")
    lifecycle.retry(first)
    html = render("{% genstatus_badge asset %}", asset=asset)
    assert "gs-badge--pending" in html
    assert "boom" not in html


def test_unfetched_badge_costs_one_query(asset, generation, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = render("{% genstatus_badge asset %}", asset=asset)
    assert "gs-badge--pending" in html
    assert "data-gs-inflight" not in html  # counted by the fallback query too: none in flight


def test_badge_accepts_a_primary_key(asset, generation):
    assert f'data-gs-asset="{asset.pk}"' in render("{% genstatus_badge pk %}", pk=asset.pk)


def test_statuses_tag_fetches_a_page_in_one_query(user, make_generation, django_assert_num_queries):
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(5)]
    for asset in assets[:3]:
        make_generation(asset=asset)
    source = "{% genstatus_statuses assets as statuses %}{% for a in assets %}{% genstatus_badge a statuses %}{% endfor %}"  # noqa: E501
    with django_assert_num_queries(1):
        html = render(source, assets=assets)
    assert html.count("data-gs-badge") == 5
    assert html.count("gs-badge--pending") == 3
    assert html.count("gs-badge--none") == 2


def test_statuses_tag_evaluates_a_queryset_once(user, make_generation, django_assert_num_queries):
    for i in range(3):
        make_generation(asset=Asset.objects.create(owner=user, title=f"a{i}"))
    source = "{% genstatus_statuses assets as statuses %}{% for a in assets %}{% genstatus_badge a statuses %}{% endfor %}"  # noqa: E501
    with django_assert_num_queries(2):  # the page's own query + the badges' one
        html = render(source, assets=with_generation_status(Asset.objects.all()))
    assert html.count("gs-badge--pending") == 3
    with django_assert_num_queries(2):  # without annotations: still one for the badges
        html = render(source, assets=Asset.objects.all())
    assert html.count("gs-badge--pending") == 3


def test_statuses_tag_with_primary_keys(asset, generation):
    html = render(
        "{% genstatus_statuses ids as s %}{% genstatus_badge asset s %}",
        ids=[asset.pk],
        asset=asset,
    )
    assert "gs-badge--pending" in html


def test_statuses_for_assets_dict_is_accepted(asset, generation, django_assert_num_queries):
    statuses = statuses_for_assets([asset])
    with django_assert_num_queries(0):
        html = render("{% genstatus_badge asset statuses %}", asset=asset, statuses=statuses)
    assert "gs-badge--pending" in html
    other = Asset.objects.create(owner=asset.owner, title="no generation")
    with django_assert_num_queries(0):
        html = render("{% genstatus_badge asset statuses %}", asset=other, statuses=statuses)
    assert "gs-badge--none" in html


def test_inflight_count_counts_active_generations_from_the_asset(
    user, asset, make_generation, django_assert_num_queries
):
    derived = [make_generation(asset=None, source_assets=[asset]) for _ in range(3)]
    lifecycle.mark_failed(derived[0], "no", code="x")  # terminal: not in flight
    other = Asset.objects.create(owner=user, title="other")
    assets = list(with_generation_status(Asset.objects.order_by("pk")))
    source = "{% genstatus_statuses assets as s %}{% for a in assets %}{% genstatus_badge a s %}{% endfor %}"  # noqa: E501
    with django_assert_num_queries(1):
        html = render(source, assets=assets)
    first, second = html.split('<span class="gs-badges', 2)[1:]
    assert 'data-gs-inflight="2"' in first
    assert "2 generations in flight from this asset" in first
    assert f'data-gs-asset="{other.pk}"' in second
    assert "gs-inflight" not in second  # nothing in flight: no second badge at all
    hidden = render(
        "{% genstatus_badge a s inflight=False %}",
        a=assets[0],
        s=badges.badge_statuses(assets, PAGE_USER[0]),
    )
    assert "data-gs-inflight" not in hidden


def test_offset_and_inline_place_the_badge(asset):
    html = render("{% genstatus_badge asset offset=28 %}", asset=asset)
    assert html.startswith(
        '<span class="gs-badges gs-badges--overlay" style="--gs-badge-offset: 28px">'
    )
    html = render('{% genstatus_badge asset offset="1.5rem" %}', asset=asset)
    assert 'style="--gs-badge-offset: 1.5rem"' in html
    html = render("{% genstatus_badge asset inline=True %}", asset=asset)
    assert html.startswith('<span class="gs-badges">')


def test_offset_that_is_not_a_length_is_refused(asset):
    with pytest.raises(ValueError, match="not a CSS length"):
        render('{% genstatus_badge asset offset="1px;background:url(x)" %}', asset=asset)


@pytest.mark.parametrize("status", [*Status.values, None])
@pytest.mark.parametrize("options", [{}, {"inline": True, "offset": 12, "show_completed": True}])
def test_every_entry_point_renders_the_same_badge(status, options, asset, make_generation):
    if status is not None:
        generation = at_status(make_generation(), status)
        Generation.objects.filter(pk=generation.pk).update(
            error_message="<b>\"bad\" & 'worse'</b>" if status == "failed" else ""
        )
    make_generation(asset=None, source_assets=[asset])
    statuses = badges.badge_statuses([asset], PAGE_USER[0])
    fast = badges.render_badge(asset, statuses, **options)
    assert statuses.render(asset, **options) == fast  # the page's batch
    assert statuses.render(asset.pk, **options) == fast  # from its cache, by key
    fresh = badges.badge_statuses([asset], PAGE_USER[0])
    assert badges.render_badge(asset.pk, fresh, **options) == fast  # one badge, no batch
    assert "<b>" not in fast


class MarkedRenderer(badges.BadgeRenderer):
    """A project's renderer: one extra class, its own label for pending."""

    def get_classes(self, status: str | None) -> str:
        return super().get_classes(status) + " mine"

    def get_texts(self, status: str) -> tuple[str, str]:
        label, description = super().get_texts(status)
        return ("<Soon>", description) if status == "pending" else (label, description)


@override_settings(GENSTATUS_BADGE_RENDERER="tests.test_templatetags.MarkedRenderer")
def test_a_project_customises_badges_through_its_renderer(asset, generation):
    html = render("{% genstatus_badge asset %}", asset=asset)
    tag = badge_of(html)
    assert 'class="gs-badge gs-badge--pending gs-status--yellow mine"' in tag
    assert 'aria-label="&lt;Soon&gt;: Waiting to start"' in tag
    assert 'data-gs-label="&lt;Soon&gt;"' in tag
    statuses = badges.badge_statuses([asset], PAGE_USER[0])
    assert "mine" in render("{% genstatus_badge asset s %}", asset=asset, s=statuses)
    assert "mine" in badges.render_badge(asset, user=PAGE_USER[0])
    templates = render("{% genstatus_assets %}")
    assert 'data-gs-badge-template="pending"><span class="gs-badge gs-badge--pending' in templates
    assert 'gs-status--yellow mine" data-gs-badge data-gs-status="pending"' in templates


@override_settings(GENSTATUS_BADGE_RENDERER="genstatus.models.Generation")
def test_a_renderer_that_is_not_a_badge_renderer_is_refused(asset):
    with pytest.raises(ImproperlyConfigured, match="not a subclass of"):
        render("{% genstatus_badge asset %}", asset=asset)


@override_settings(
    TEMPLATES=templates_with({"genstatus/badge.html": "<i class='mine'>{{ status_value }}</i>"})
)
def test_an_overridden_badge_template_is_reported_and_not_rendered(asset, generation):
    assert "mine" not in render("{% genstatus_badge asset %}", asset=asset)
    warnings = check_legacy_badge_template()
    assert [warning.id for warning in warnings] == ["genstatus.W101"]
    assert "GENSTATUS_BADGE_RENDERER" in warnings[0].hint


def test_no_warning_without_an_overridden_badge_template():
    assert check_legacy_badge_template() == []


def test_assets_tag_emits_css_icon_templates_and_live_client():
    html = render("{% genstatus_assets %}")
    assert '<link rel="stylesheet" href="/static/genstatus/css/genstatus.css">' in html
    for name in badges.ICONS:  # every icon reaches the page, inside the badges to clone
        assert f'<svg class="gs-icon gs-icon--{name}"' in html
    script = re.search(r"<script [^>]*>", html)
    assert script
    assert 'type="module"' in script.group(0)
    assert 'src="/static/genstatus/js/live.js"' in script.group(0)
    assert 'data-gs-ws-path="/ws/genstatus/"' in script.group(0)
    assert f'data-gs-status-url="{reverse("genstatus:api-asset-statuses")}"' in script.group(0)
    assert f'data-gs-generations-url="{reverse("genstatus:api-generation-list")}"' in html


def template_of(html: str, attribute: str) -> str:
    """The content of the ``<template>`` with ``attribute``."""
    match = re.search(rf"<template {re.escape(attribute)}[^>]*>(.*?)</template>", html)
    assert match, html
    return match.group(1)


@pytest.mark.parametrize("status", Status.values)
def test_assets_tag_emits_the_badge_of_each_status_for_the_live_client(status):
    html = render("{% genstatus_assets %}")
    assert html.index("genstatus.css") < html.index("<template data-gs-badge-template")
    display = DISPLAY[status]
    badge = template_of(html, f'data-gs-badge-template="{status}"')
    assert badge == (
        f'<span class="gs-badge gs-badge--{status} gs-status--{display.color}" data-gs-badge '
        f'data-gs-status="{status}" data-gs-label="{display.label}" '
        f'data-gs-description="{display.description}" role="img" '
        f'aria-label="{display.label}: {display.description}" title="{display.description}">'
        f"{badges.icon_svg(display.icon)}"
        '<span class="gs-badge__progress" data-gs-progress-text hidden></span>'
        # a failed badge holds its error popover, empty: the live client fills it in
        + (
            f'<span class="gs-badge__error" aria-hidden="true" hidden>{display.label}: '
            "<bdi data-gs-error-text></bdi></span>"
            if status == "failed"
            else ""
        )
        + "</span>"
    )


def test_the_badge_templates_match_the_server_rendered_badges(asset, make_generation):
    """A badge the live client clones has the attributes of a real one, minus the ids,
    numbers and options it copies over."""
    html = render("{% genstatus_assets %}")
    generation = at_status(make_generation(), "queued")
    real = render("{% genstatus_badge asset %}", asset=asset)
    for name in ("asset", "generation", "version", "progress", "show-completed"):
        real = re.sub(rf' data-gs-{name}="[^"]*"', "", real)
    assert template_of(html, 'data-gs-badge-template="queued"') in real
    assert generation.status == "queued"


def test_assets_tag_emits_the_empty_and_inflight_templates():
    html = render("{% genstatus_assets %}")
    assert template_of(html, 'data-gs-badge-template="none"') == (
        '<span class="gs-badge gs-badge--none" data-gs-badge data-gs-status="" '
        'data-gs-label="No generation" data-gs-description="" role="img" '
        'aria-label="No generation" title="" hidden>'
        '<span class="gs-badge__progress" data-gs-progress-text hidden></span></span>'
    )
    assert html.count("<template data-gs-badge-template=") == len(Status.values) + 1
    assert (
        '<template data-gs-inflight-template data-gs-label-one="%(count)d generation in flight '
        'from this asset" data-gs-label-other="%(count)d generations in flight from this asset">'
    ) in html
    inflight = template_of(html, "data-gs-inflight-template")
    assert inflight.startswith('<span class="gs-inflight" data-gs-inflight="" role="img"')
    assert badges.icon_svg("layers") in inflight
    assert inflight.endswith(
        '<span class="gs-inflight__count" data-gs-inflight-count></span></span>'
    )


@override_settings(ROOT_URLCONF="gallery.urls")
def test_assets_tag_omits_api_urls_that_do_not_resolve():
    html = render("{% genstatus_assets %}")
    assert "data-gs-status-url" not in html
    assert "data-gs-generations-url" not in html
    assert "live.js" in html


def test_reduced_motion_stops_the_spinner():
    css = (Path(badges.__file__).parent.parent / "static/genstatus/css/genstatus.css").read_text()
    assert re.search(r"\.gs-icon--loader\s*\{\s*animation: gs-spin", css)
    reduced = css.split("@media (prefers-reduced-motion: reduce)", 1)[1]
    assert re.match(r"\s*\{\s*\.gs-icon--loader\s*\{\s*animation: none;", reduced)


def test_badges_show_only_generations_the_page_user_may_see(
    asset, make_generation, other_user, django_user_model
):
    from django.contrib.auth.models import AnonymousUser, Permission

    mine = make_generation()
    theirs = make_generation(owner=other_user, prompt="secret")
    lifecycle.mark_failed(theirs, "their private error")
    source = "{% genstatus_statuses assets as s %}{% genstatus_badge asset s %}"
    as_owner = render(source, assets=[asset], asset=asset)
    assert f'data-gs-generation="{mine.pk}"' in as_owner
    assert "their private error" not in as_owner
    as_other = render(source, assets=[asset], asset=asset, user=other_user)
    assert f'data-gs-generation="{theirs.pk}"' in as_other
    boss = django_user_model.objects.create_user("boss", password="pw", is_staff=True)
    boss.user_permissions.add(Permission.objects.get(codename="view_all_generations"))
    boss = django_user_model.objects.get(pk=boss.pk)
    assert f'data-gs-generation="{theirs.pk}"' in render(
        source, assets=[asset], asset=asset, user=boss
    )
    anonymous = render(source, assets=[asset], asset=asset, user=AnonymousUser())
    assert "gs-badge--none" in anonymous
    assert 'data-gs-generation=""' in anonymous
    fallback = render("{% genstatus_badge asset %}", asset=asset, user=other_user)
    assert f'data-gs-generation="{theirs.pk}"' in fallback


def test_inflight_counts_only_visible_generations(asset, make_generation, other_user):
    make_generation(asset=None, source_assets=[asset])
    make_generation(asset=None, source_assets=[asset], owner=other_user)
    html = render(
        "{% genstatus_statuses assets as s %}{% genstatus_badge asset s %}",
        assets=[asset],
        asset=asset,
    )
    assert 'data-gs-inflight="1"' in html


def test_an_asset_missing_from_the_batch_is_read_for_the_batchs_user(
    asset, make_generation, other_user
):
    stray = Asset.objects.create(owner=other_user, title="not in the batch")
    make_generation(asset=stray, owner=other_user)
    statuses = badges.badge_statuses([asset], PAGE_USER[0])
    html = render("{% genstatus_badge stray s %}", stray=stray, s=statuses, user=other_user)
    assert "gs-badge--none" in html  # the batch's user (owner) may not see it


def test_a_page_renders_its_badges_in_one_batch_per_option_set(user, make_generation):
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(3)]
    for asset in assets:
        make_generation(asset=asset)
    statuses = badges.badge_statuses(assets, user)
    first = statuses.render(assets[0], inline=True)
    assert len(statuses._batches) == 1  # every asset of the page, rendered at once
    assert statuses._batches[(None, "", True, True)][assets[2].pk] == statuses.render(
        assets[2], inline=True
    )
    assert first == badges.render_badge(assets[0], statuses, inline=True)


def test_options_that_vary_per_card_render_correctly(user, make_generation):
    """Beyond BATCH_OPTION_SETS option sets a badge is rendered on its own, the same."""
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(8)]
    for asset in assets:
        make_generation(asset=asset)
    html = render(
        "{% genstatus_statuses assets as statuses %}"
        "{% for asset in assets %}{% genstatus_badge asset statuses offset=forloop.counter %}"
        "{% endfor %}",
        assets=assets,
    )
    offsets = re.findall(r'style="--gs-badge-offset: (\w+)"', html)
    assert offsets == [f"{n}px" for n in range(1, 9)]
    assert html.count('data-gs-status="pending"') == 8


def test_literal_and_variable_options_give_the_same_badge(asset, generation):
    literal = render(
        '{% genstatus_badge asset inline=True offset="1.5rem" show_completed=False %}',
        asset=asset,
    )
    variable = render(
        "{% genstatus_badge asset inline=yes offset=off show_completed=no %}",
        asset=asset,
        yes=True,
        no=False,
        off="1.5rem",
    )
    assert literal == variable
    assert literal.startswith('<span class="gs-badges" style="--gs-badge-offset: 1.5rem">')


def test_a_callable_asset_variable_is_called_as_django_would(asset, generation):
    html = render(
        "{% genstatus_statuses assets as statuses %}{% genstatus_badge current statuses %}",
        assets=[asset],
        current=lambda: asset,
    )
    assert f'data-gs-asset="{asset.pk}"' in html
    assert 'data-gs-status="pending"' in html


def test_a_missing_or_none_asset_renders_nothing_as_django_variables_do(asset, generation):
    assert render("{% genstatus_badge nothing %}") == ""
    assert render("{% genstatus_badge nothing statuses %}", statuses={}) == ""
    assert render("{% genstatus_badge none_asset %}", none_asset=None) == ""


def test_assets_markup_follows_the_static_storage_on_every_page():
    first = render("{% genstatus_assets %}")
    with override_settings(STATIC_URL="/cdn/"):
        assert 'href="/cdn/genstatus/css/genstatus.css"' in render("{% genstatus_assets %}")
    assert render("{% genstatus_assets %}") == first


def test_primary_keys_given_as_text_are_converted(asset, generation):
    statuses = badges.badge_statuses([str(asset.pk)], PAGE_USER[0])
    assert asset.pk in statuses
    assert 'data-gs-status="pending"' in statuses.render(asset)


def test_equal_options_share_a_batch_and_bad_ones_are_refused(user, make_generation):
    assets = [Asset.objects.create(owner=user, title=f"a{i}") for i in range(2)]
    for asset in assets:
        make_generation(asset=asset)
    statuses = badges.badge_statuses(assets, user)
    first = statuses.render(assets[0], offset=28)
    assert statuses.render(assets[0], offset="28px") == first
    assert statuses.render(assets[0], offset=28, show_completed=0) == statuses.render(
        assets[0], offset="28", show_completed=False
    )
    assert len(statuses._batches) == 2
    with pytest.raises(ValueError, match="not a CSS length"):
        statuses.render(assets[0], offset=True)


def test_a_missing_statuses_variable_falls_back_to_one_query(asset, generation):
    html = render("{% genstatus_badge asset nothing %}", asset=asset)
    assert 'data-gs-status="pending"' in html


@override_settings(USE_THOUSAND_SEPARATOR=True)
@pytest.mark.parametrize("options", [{}, {"inline": True, "show_completed": True}])
def test_large_numbers_are_never_localised(user, make_generation, options):
    """Ids and versions are data, never localised ("12,345" would not match the live
    client's ids)."""
    asset = Asset.objects.create(pk=12345, owner=user, title="big")
    generation = make_generation(asset=asset)
    Generation.objects.filter(pk=generation.pk).update(version=1234)
    make_generation(asset=None, source_assets=[asset])
    statuses = badges.badge_statuses([asset], PAGE_USER[0])
    fast = badges.render_badge(asset, statuses, **options)
    assert 'data-gs-asset="12345"' in fast
    assert 'data-gs-version="1234"' in fast


@override_settings(
    TEMPLATES=templates_with(
        {"genstatus/partials/assets.html": "<i class='mine'>{{ ws_path }}</i>"}
    )
)
def test_a_project_can_override_the_assets_template():
    assert render("{% genstatus_assets %}") == "<i class='mine'>/ws/genstatus/</i>"
