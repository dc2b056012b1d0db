"""Badges on a host's markup: GENSTATUS_BADGE_TARGETS (validation, checks), the
middleware's injection conditions, the badges/ batch (one query, ids parsed, visibility,
hostile text), {% genstatus_badge_wrap %} and GenerationStatusAdminMixin."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import AsyncRequestFactory, RequestFactory
from django.test.utils import CaptureQueriesContext

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.badges.targets import (
    BadgeTarget,
    check_badge_targets,
    parse_targets,
    render_badges,
    render_targets_snippet,
)
from genstatus.middleware import BadgeTargetsMiddleware
from genstatus.models import Generation
from tests.hostproject import settings as host_settings

pytestmark = pytest.mark.django_db

GRID = {"cards": ".grid figure", "id_link": r"/photos/(?P<id>\d+)/", "paths": [r"^/photos/"]}
PAGE = "<html><head></head><body><main>cards</main></body></html>"
HOSTILE = '\u202eevil <script>alert(1)</script> & "q"'


# --- targets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x", "must be a list of dicts"),
        (["x"], "is not a dict"),
        ([{"id_attribute": "data-id"}], "has no cards"),
        ([{"cards": 7, "id_attribute": "data-id"}], "cards must be a string"),
        ([{"cards": " ", "id_attribute": "data-id"}], "cards must not be empty"),
        ([{"cards": ".c"}], "exactly one of id_attribute and id_link"),
        ([{"cards": ".c", "id_attribute": "data-id", "id_link": "(1)"}], "exactly one"),
        ([{"cards": ".c", "id_attribute": "data id"}], "is not an attribute name"),
        ([{"cards": ".c", "id_link": r"/p/\d+/"}], "has no group"),
        ([{"cards": ".c", "id_link": "(["}], "is not a regular expression"),
        ([{"cards": ".c", "id_link": r"(?i)/p/(\d+)"}], "syntax only Python reads"),
        ([{"cards": ".c", "id_link": r"/p/(\d+)\Z"}], "syntax only Python reads"),
        ([{"cards": ".c", "id_attribute": "d", "paths": ["("]}], "not a regular expression"),
        ([{"cards": ".c", "id_attribute": "d", "paths": 3}], "paths must be a list"),
        ([{"cards": ".c", "id_attribute": "d", "image": None}], "image must be a string"),
        ([{"cards": ".c", "id_attribute": "d", "ids": "x"}], "unknown key(s) ids"),
    ],
)
def test_a_malformed_target_is_refused_with_its_index_and_problem(value: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        parse_targets(value)
    assert message in str(error.value)
    if isinstance(value, list):
        assert "GENSTATUS_BADGE_TARGETS[0]" in str(error.value)


def test_a_target_gives_the_client_a_javascript_pattern_and_matches_its_paths() -> None:
    (target,) = parse_targets([GRID])
    assert target == BadgeTarget(".grid figure", id_link=GRID["id_link"], paths=("^/photos/",))
    assert target.client_config() == {
        "cards": ".grid figure",
        "image": "img",
        "idAttribute": "",
        "idLink": r"/photos/(?<id>\d+)/",
    }
    assert target.applies_to("/photos/")
    assert not target.applies_to("/admin/photos/")
    assert BadgeTarget(".c", id_attribute="data-id").applies_to("/anything/")
    with pytest.raises(ValueError, match="exactly one"):
        BadgeTarget(".c")


def test_the_host_projects_targets_pass_the_checks() -> None:
    assert len(parse_targets(host_settings.GENSTATUS_BADGE_TARGETS)) == 4


def test_check_e110_names_a_malformed_target(settings: Any) -> None:
    settings.GENSTATUS_BADGE_TARGETS = [{"cards": ".c"}]
    assert [message.id for message in check_badge_targets()] == ["genstatus.E110"]


def test_check_w110_warns_of_targets_without_the_middleware(settings: Any) -> None:
    settings.GENSTATUS_BADGE_TARGETS = [GRID]
    assert check_badge_targets() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "BadgeTargets" not in m]
    assert [message.id for message in check_badge_targets()] == ["genstatus.W110"]
    # a subclass (django-filer's FilerBadgesMiddleware, a host's own) counts
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_hosts.HostBadgesMiddleware"]
    assert check_badge_targets() == []


class HostBadgesMiddleware(BadgeTargetsMiddleware):
    """A host's own subclass, for the W110 check."""


def test_the_snippet_is_the_assets_and_an_escaped_json_configuration() -> None:
    target = BadgeTarget("a[title='</script><b>']", id_attribute="data-id")
    snippet = render_targets_snippet(RequestFactory().get("/"), [target])
    assert snippet.count('data-gs-badge-template="pending"') == 1
    assert "genstatus/js/targets.js" in snippet
    data = snippet.split("data-gs-targets>")[1].removesuffix("</script>")
    assert "</script>" not in data
    assert "<b>" not in data
    config = json.loads(data)
    assert config["targets"][0]["cards"] == "a[title='</script><b>']"
    assert config["badgesUrl"] == "/api/genstatus/badges/"
    only = render_targets_snippet(RequestFactory().get("/"), [target], assets=False)
    assert only.startswith('<script type="application/json" data-gs-targets>')


# --- the middleware --------------------------------------------------------------------------


def run(response: Any, *, path: str = "/photos/", user: Any = None) -> Any:
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    return BadgeTargetsMiddleware(lambda request: response)(request)


@pytest.fixture
def targets(settings: Any) -> None:
    settings.GENSTATUS_BADGE_TARGETS = [GRID]


def test_the_middleware_puts_the_snippet_before_the_last_body_end(targets: None, user: Any) -> None:
    # the last </body>, in any case (a </body> in the page's text comes before it)
    page = PAGE.replace("<main>", "<main><pre>&lt;/body&gt; </body></pre>").upper()
    response = HttpResponse(page)
    response["Content-Length"] = str(len(response.content))
    content = run(response, user=user).content.decode()
    assert content.count("data-gs-targets") == 1
    assert content.index("data-gs-targets") < content.rindex("</BODY>")
    assert content.index("data-gs-badge-template") > content.index("</PRE>")
    assert response["Content-Length"] == str(len(response.content))


@pytest.mark.parametrize(
    "case",
    ["anonymous", "other path", "json", "streaming", "gzip", "404", "no body", "configured"],
)
def test_the_middleware_leaves_other_responses_alone(targets: None, user: Any, case: str) -> None:
    response: Any = HttpResponse(PAGE)
    path, who = "/photos/", user
    if case == "anonymous":
        who = AnonymousUser()
    elif case == "other path":
        path = "/admin/"
    elif case == "json":
        response = JsonResponse({"html": PAGE})
    elif case == "streaming":
        response = StreamingHttpResponse(iter([PAGE.encode()]))
    elif case == "gzip":
        response = HttpResponse(gzip.compress(PAGE.encode()))
        response["Content-Encoding"] = "gzip"
    elif case == "404":
        response = HttpResponse(PAGE, status=404)
    elif case == "no body":
        response = HttpResponse("<li>a fragment</li>")
    elif case == "configured":
        config = '<script type="application/json" data-gs-targets>{}</script>'
        response = HttpResponse(PAGE.replace("<main>", f"{config}<main>"))
    before = b"".join(response) if response.streaming else response.content
    result = run(response, path=path, user=who)
    if not result.streaming:
        assert result.content == before
        assert b"data-gs-badge-template" not in result.content


def test_the_middleware_adds_only_the_configuration_to_a_page_with_the_assets(
    targets: None, user: Any
) -> None:
    page = PAGE.replace("<head>", '<head><TEMPLATE data-gs-badge-template="none"></TEMPLATE>')
    content = run(HttpResponse(page), user=user).content.decode()
    assert content.count("data-gs-badge-template") == 1
    assert content.count("data-gs-targets") == 1
    # the text of a page (here, escaped markup) is not taken for the assets
    text = PAGE.replace("<main>", "<main>&lt;template data-gs-badge-template=")
    assert "genstatus.css" in run(HttpResponse(text), user=user).content.decode()


def test_a_page_in_a_legacy_charset_gets_the_snippet_as_character_references(
    targets: None, user: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "ja"
    response = HttpResponse(PAGE.encode("latin-1"), content_type="text/html; charset=latin-1")
    content = run(response, user=user).content
    assert b"data-gs-targets" in content
    assert b"&#" in content  # the Japanese labels, as references
    content.decode("latin-1")


def test_without_targets_the_middleware_changes_nothing(user: Any) -> None:
    assert run(HttpResponse(PAGE), user=user).content == PAGE.encode()


async def test_the_middleware_works_in_an_async_stack(targets: None, user: Any) -> None:
    async def view(request: Any) -> HttpResponse:
        return HttpResponse(PAGE)

    async def auser() -> Any:
        return user

    request = AsyncRequestFactory().get("/photos/")
    request.auser = auser
    response = await BadgeTargetsMiddleware(view)(request)
    assert b"data-gs-targets" in response.content


# --- the batch -----------------------------------------------------------------------------


@pytest.fixture
def photos(user: Any) -> list[Asset]:
    made = [Asset.objects.create(owner=user, title=f"Photo {i}") for i in range(20)]
    for photo in made[:10]:
        lifecycle.create_generation(
            provider="sora", operation_type="text_to_image", owner=user, asset=photo
        )
    return made


def test_the_batch_is_one_query_whatever_its_size(photos: list[Asset], admin_user: Any) -> None:
    for count in (2, 20):
        values = [str(photo.pk) for photo in photos[:count]]
        with CaptureQueriesContext(connection) as queries:
            badges = render_badges(values, admin_user)
        assert len(queries) == 1
        assert set(badges) == set(values)


def test_the_batch_reads_ids_through_genstatus_ids_and_skips_what_is_not_one(
    photos: list[Asset], user: Any
) -> None:
    first = str(photos[0].pk)
    values = [first, "<script>", "1 OR 1=1", f"{first}\n", "١٢", str(2**70), "", "-"]
    badges = render_badges(values, user)
    assert list(badges) == [first]
    assert f'data-gs-asset="{first}"' in badges[first]
    assert 'data-gs-status="pending"' in badges[first]


def test_the_batch_shows_only_what_the_user_may_see(photos: list[Asset], other_user: Any) -> None:
    badges = render_badges([str(photos[0].pk)], other_user)
    assert 'data-gs-status=""' in badges[str(photos[0].pk)]  # a hidden "none" badge
    assert render_badges([str(photos[0].pk)], AnonymousUser())[str(photos[0].pk)].count(" hidden")


def test_hostile_text_is_escaped_in_the_batch(photos: list[Asset], user: Any) -> None:
    generation = Generation.objects.get(asset=photos[0])
    lifecycle.mark_failed(generation, HOSTILE, code="x")
    markup = render_badges([str(photos[0].pk)], user)[str(photos[0].pk)]
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "<bdi data-gs-error-text>" in markup


def test_the_badges_view(client: Any, photos: list[Asset], user: Any, settings: Any) -> None:
    url = "/api/genstatus/badges/"
    assert client.get(url, {"asset": "1"}).status_code == 403
    client.force_login(user)
    body = client.get(url, {"asset": f"{photos[0].pk},{photos[1].pk},nope"}).json()
    assert sorted(body["badges"]) == sorted([str(photos[0].pk), str(photos[1].pk)])
    assert client.post(url, {"asset": "1"}).status_code == 405
    settings.GENSTATUS_API_MAX_BATCH = 2
    assert client.get(url, {"asset": "1,2,3"}).status_code == 400
    response = client.get(url, {"asset": "1,2"})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


# --- the wrapping tag ----------------------------------------------------------------------


def test_the_wrapping_tag_renders_its_content_then_an_anchor_with_the_badge(
    photos: list[Asset], user: Any
) -> None:
    template = Template(
        "{% load genstatus %}{% genstatus_statuses photos as statuses %}{% for photo in photos %}"
        "{% genstatus_badge_wrap photo statuses %}<a href='#'><img alt=''></a>"
        "{% endgenstatus_badge_wrap %}{% endfor %}"
    )
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"photos": photos[:3], "user": user}))
    assert html.count("<a href='#'><img alt=''></a><span class=\"gs-anchor\" data-gs-anchor") == 3
    assert html.count("gs-badges--overlay") == 3
    assert len([q for q in queries if "genstatus_generation" in q["sql"]]) == 1


def test_the_wrapping_tag_takes_no_inline_option() -> None:
    with pytest.raises(TemplateSyntaxError, match="no inline option"):
        Template(
            "{% load genstatus %}{% genstatus_badge_wrap a inline=True %}x"
            "{% endgenstatus_badge_wrap %}"
        )


def test_the_wrapping_tag_without_an_asset_renders_its_content_only() -> None:
    template = Template(
        "{% load genstatus %}{% genstatus_badge_wrap missing %}<img>{% endgenstatus_badge_wrap %}"
    )
    assert template.render(Context({})) == "<img>"


# --- the admin mixin -----------------------------------------------------------------------


@pytest.mark.urls("tests.hostproject.urls")
def test_the_admin_mixin_column_costs_one_query_and_emits_the_assets_once(
    client: Any, photos: list[Asset], admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = "/hostadmin/gallery/asset/"
    client.get(url)  # warm caches (content types, ...)
    counts = []
    for per_page in (3, 20):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"p": 0} if per_page == 20 else {"q": "Photo 1"})
        assert response.status_code == 200
        counts.append(len([q for q in queries if "genstatus_generation" in q["sql"]]))
        html = response.content.decode()
        assert html.count('data-gs-badge-template="pending"') == 1
        assert html.count("field-genstatus_badge") >= 2
    assert counts == [1, 1]
    assert html.count("data-gs-badge data-gs-asset=") == len(photos)
    assert "gs-badges--overlay" not in html.split("data-gs-inflight-template")[1]
