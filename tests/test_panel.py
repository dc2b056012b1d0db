"""The Generations panel view: tabs, filters, search, rows, pagination, actions, permissions."""

import html
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from genstatus import lifecycle, panel
from genstatus.admin import GenerationAdmin
from genstatus.models import Generation
from genstatus.states import GROUPS


def capped_count(queryset, cap=None):
    """One queryset through ``panel.capped_counts``, with the planner's estimate."""
    unordered = queryset.order_by()
    cap = panel.COUNT_CAP if cap is None else cap
    return panel.capped_counts({"": (unordered, panel.planner_estimate(unordered))}, cap)[""]


def tab_counts(queryset, **flags):
    return panel.count_tabs(queryset, **flags).counts


pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"


def qn(name: str) -> str:
    """A name quoted as this database quotes it (`"` or a backtick): SQL-text checks hold
    on every database."""
    return connection.ops.quote_name(name)


ACTION = "admin:genstatus_generation_panel_action"


def asset_url(asset):
    return f"/custom/{asset.pk}/"


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # drop the permission cache


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    return grant(user, "view_generation", "change_generation")


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    return grant(user, "view_generation")


@pytest.fixture
def states(make_generation):
    """One generation in every state, newest last."""
    made = {}
    for status in ("completed", "failed", "cancelled", "pending", "queued", "processing"):
        made[status] = make_generation(prompt=f"{status} prompt", provider="pixverse")
    lifecycle.mark_processing(made["completed"])
    lifecycle.mark_completed(made["completed"])
    lifecycle.mark_failed(made["failed"], "Quota exceeded", code="quota")
    lifecycle.request_cancel(made["cancelled"])
    lifecycle.mark_queued(made["queued"])
    lifecycle.mark_processing(made["processing"])
    return made


def get(client, **params):
    return client.get(reverse(PANEL), params)


def row_ids(response):
    return [int(v) for v in re.findall(r'data-gs-generation="(\d+)"', response.content.decode())]


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# Page, links, live-client contract ---------------------------------------------------------


def test_panel_lists_every_state_newest_first_with_live_attributes(admin_client, states):
    response = get(admin_client)
    assert response.status_code == 200
    assert "genstatus/admin/panel.html" in [t.name for t in response.templates]
    assert row_ids(response) == [g.pk for g in reversed(states.values())]
    content = response.content.decode()
    assert "data-gs-panel" in content
    assert "data-gs-live-indicator" in content
    failed = Generation.objects.get(pk=states["failed"].pk)
    assert (
        f'data-gs-generation="{failed.pk}" data-gs-status="failed" '
        f'data-gs-version="{failed.version}" data-gs-asset="{failed.asset_id}"'
    ) in content
    assert content.count("data-gs-icon-slot") == 6
    assert "genstatus/js/live.js" in content  # {% genstatus_assets %}: the live client
    assert 'data-gs-badge-template="pending"' in content  # what live.js clones
    assert "gs-status--red" in content
    assert "gs-icon--alert" in content
    assert "gs-spin" in content  # processing spins
    assert '<a href="/admin/">Home</a>' in content  # breadcrumbs
    assert reverse("admin:genstatus_generation_changelist") in content


def test_filters_json_is_escaped_and_parseable(admin_client, states):
    response = get(admin_client, q='"><script>x</script>', provider="sora")
    content = response.content.decode()
    assert "<script>x</script>" not in content
    raw = re.search(r'data-gs-filters="([^"]*)"', content).group(1)
    assert json.loads(html.unescape(raw)) == {"provider": "sora", "q": '"><script>x</script>'}


def test_panel_is_linked_from_admin_index_and_changelist(client, staff):
    client.force_login(staff)
    url = reverse(PANEL)
    assert url in client.get(reverse("admin:index")).content.decode()
    assert url in client.get(reverse("admin:genstatus_generation_changelist")).content.decode()


def test_admin_index_has_no_panel_link_without_view_permission(client, django_user_model):
    user = django_user_model.objects.create_user("plain", password="pw", is_staff=True)
    client.force_login(user)
    assert reverse(PANEL) not in client.get(reverse("admin:index")).content.decode()


def test_panel_template_is_overridable(admin_client, states, monkeypatch):
    monkeypatch.setattr(GenerationAdmin, "panel_template", "genstatus/admin/panel_confirm.html")
    with pytest.raises(Exception):  # noqa: B017,PT011 - another template, missing context
        get(admin_client)
    monkeypatch.undo()
    assert get(admin_client).status_code == 200


# Rows --------------------------------------------------------------------------------------


def test_row_shows_preview_error_retry_count_time_and_escapes(admin_client, make_generation):
    long_prompt = "<b>bold</b> " + "word " * 40
    original = make_generation(prompt=long_prompt)
    lifecycle.mark_failed(original, "<script>alert(1)</script> quota")
    attempt = lifecycle.retry(original)
    content = get(admin_client).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; quota" in content  # error shown, escaped
    assert "<b>bold</b>" not in content
    preview = panel_preview(content, original.pk)
    assert len(html.unescape(preview)) <= 80
    assert preview.endswith("…")
    assert f'title="{html.escape(long_prompt)}"' in content  # the full prompt on hover
    assert f"retried as #{attempt.pk}" in content
    assert reverse("admin:genstatus_generation_change", args=[attempt.pk]) in content
    assert "↻ 1" in content  # the attempt's retry count
    assert "just now" in content
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">', content)


def panel_preview(content, pk):
    match = re.search(
        rf'<span class="gs-id">#{pk}</span> <bdi data-gs-prompt>([^<]*)</bdi>', content
    )
    return match.group(1)


def test_row_actions_match_state(admin_client, states):
    content = get(admin_client).content.decode()
    for status, generation in states.items():
        row = re.search(
            rf'<tr[^>]*data-gs-generation="{generation.pk}".*?</tr>', content, re.S
        ).group(0)
        assert ('value="retry:' in row) == (status in {"failed", "cancelled"}), status
        assert ('value="cancel:' in row) == (status in {"pending", "queued", "processing"}), status
        assert "Open asset" in row


def test_retried_row_offers_no_second_retry(admin_client, states):
    lifecycle.retry(states["failed"])
    content = get(admin_client).content.decode()
    assert f'value="retry:{states["failed"].pk}"' not in content


def detail_url(generation):
    return reverse("admin:genstatus_generation_panel_detail", args=[generation.pk])


def test_rows_expand_to_a_detail_loaded_on_demand(admin_client, generation):
    content = get(admin_client).content.decode()
    assert f'data-gs-detail-url="{detail_url(generation)}?fragment=1"' in content
    assert f'<a href="{detail_url(generation)}">' in content  # works without JavaScript


def test_detail_shows_prompt_params_timestamps_duration_and_history(
    admin_client, make_generation, user
):
    generation = make_generation(prompt="full <em>prompt</em> text", params={"seed": 7})
    lifecycle.mark_processing(generation)
    lifecycle.request_cancel(generation, actor=user)
    response = admin_client.get(detail_url(generation), {"fragment": "1"})
    content = response.content.decode()
    assert "<html" not in content  # a fragment for the panel to insert
    assert "full &lt;em&gt;prompt&lt;/em&gt; text" in content
    assert "&quot;seed&quot;: 7" in content
    for label in ("Created", "Started", "Cancel requested", "Last heartbeat", "Duration"):
        assert f"<dt>{label}</dt>" in content
    assert "Created: pending" in content
    assert "Status change: pending → processing" in content
    assert "by <bdi>owner</bdi>" in content
    assert "Cancel requested; waiting for the provider." in content
    page = admin_client.get(detail_url(generation)).content.decode()
    assert "<html" in page
    assert 'class="breadcrumbs"' in page


def test_detail_is_scoped_like_the_panel(client, staff, make_generation, other_user):
    theirs = make_generation(owner=other_user)
    mine = make_generation(owner=staff)
    client.force_login(staff)
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(detail_url(mine)).status_code == 200


def open_asset_href(client, generation):
    """The row's "Open asset" link: the admin's redirect, as "View on site" is."""
    content = get(client).content.decode()
    href = re.search(r'href="([^"]+)" data-gs-action="open"', content).group(1)
    assert href == reverse("admin:genstatus_generation_open_asset", args=[generation.pk])
    return href


def test_open_asset_redirects_to_the_first_target(admin_client, generation, settings, monkeypatch):
    href = open_asset_href(admin_client, generation)
    response = admin_client.get(href)
    assert response.status_code == 302  # a superuser: the asset's admin page
    assert response["Location"] == reverse("admin:gallery_asset_change", args=[generation.asset_id])
    settings.GENSTATUS_OPEN_ASSET_URL = "tests.test_panel.asset_url"
    assert admin_client.get(href)["Location"] == f"/custom/{generation.asset_id}/"
    monkeypatch.setattr(
        GenerationAdmin, "get_open_asset_url", lambda self, request, g: f"/hook/{g.pk}/"
    )
    assert admin_client.get(href)["Location"] == f"/hook/{generation.pk}/"


def test_open_asset_without_a_page_goes_back_with_a_message(admin_client, generation, monkeypatch):
    monkeypatch.setattr(GenerationAdmin, "get_open_asset_url", lambda self, request, g: None)
    href = open_asset_href(admin_client, generation)
    response = admin_client.get(href, HTTP_REFERER="http://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:genstatus_generation_panel")
    page = admin_client.get(response["Location"]).content.decode()
    assert "There is no page of this asset you can open here." in page
    panel = reverse("admin:genstatus_generation_panel") + "?status=failed"
    back = admin_client.get(href, HTTP_REFERER=f"http://testserver{panel}")
    assert back["Location"] == f"http://testserver{panel}"


def test_panel_rows_resolve_no_asset_urls(admin_client, states, monkeypatch):
    """50 rows would mean 50 reverse() calls: the link is resolved when clicked."""
    calls = []
    monkeypatch.setattr(
        GenerationAdmin, "get_open_asset_url", lambda self, request, g: calls.append(g) or "/x/"
    )
    assert "Open asset" in get(admin_client).content.decode()
    assert calls == []


def test_no_open_asset_without_asset(admin_client, make_generation):
    make_generation(asset=None)
    assert "Open asset" not in get(admin_client).content.decode()


# Tabs, filters, search -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"completed", "failed", "cancelled", "pending", "queued", "processing"}),
        ({"status": "active"}, {"pending", "queued", "processing"}),
        ({"status": "failed"}, {"failed"}),
        ({"status": "completed"}, {"completed"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"status": "queued"}, {"queued"}),
        ({"provider": "sora"}, {"failed"}),
        ({"operation_type": "text_to_video"}, {"pending"}),
        ({"q": "PROCESSING"}, {"processing"}),
        (
            {"q": "prompt", "status": "active", "operation_type": "text_to_image"},
            {"queued", "processing"},
        ),
        ({"q": "nothing like it"}, set()),
    ],
)
def test_every_filter_and_search(admin_client, states, params, expected):
    Generation.objects.filter(pk=states["failed"].pk).update(provider="sora")
    Generation.objects.filter(pk=states["pending"].pk).update(operation_type="text_to_video")
    response = get(admin_client, **params)
    by_pk = {g.pk: status for status, g in states.items()}
    assert {by_pk[pk] for pk in row_ids(response)} == expected
    assert messages_of(response) == []


def test_tab_counts_follow_the_other_filters(admin_client, states):
    Generation.objects.filter(pk=states["failed"].pk).update(provider="sora")
    counts = get(admin_client).context["tabs"]
    assert {t["slug"]: str(t["count"]) for t in counts} == {
        "all": "6",
        "active": "3",
        "failed": "1",
        "completed": "1",
        "cancelled": "1",
    }
    tabs = get(admin_client, provider="pixverse", status="failed").context["tabs"]
    assert {t["slug"]: str(t["count"]) for t in tabs} == {
        "all": "5",
        "active": "3",
        "failed": "0",
        "completed": "1",
        "cancelled": "1",
    }
    assert [t["slug"] for t in tabs if t["selected"]] == ["failed"]
    assert all("provider=pixverse" in t["query"] for t in tabs)  # tabs keep the filters


def test_tab_links_keep_every_filter_encoded_and_swap_the_status(admin_client, states):
    tabs = get(admin_client, q="fish & chips", provider="sora", status="failed").context["tabs"]
    assert {t["slug"]: t["query"] for t in tabs} == {
        "all": "q=fish+%26+chips&provider=sora",
        "active": "q=fish+%26+chips&provider=sora&status=active",
        "failed": "q=fish+%26+chips&provider=sora&status=failed",
        "completed": "q=fish+%26+chips&provider=sora&status=completed",
        "cancelled": "q=fish+%26+chips&provider=sora&status=cancelled",
    }
    content = get(admin_client, q="<b>", after="1_1").content.decode()
    assert 'href="?q=%3Cb%3E&amp;status=active"' in content  # no cursor, escaped


def tab_count_texts(client):
    content = get(client).content.decode()
    return dict(re.findall(r'data-gs-count="(\w+)"[^>]*>([^<]+)<', content))


def fake_planner(monkeypatch, rows):
    monkeypatch.setattr(panel.counts, "planner_estimate", lambda queryset: rows)
    monkeypatch.setattr(
        panel.counts, "planner_estimates", lambda querysets: [rows] * len(querysets)
    )


def test_counts_are_capped_when_large_and_exact_when_small(admin_client, states, monkeypatch):
    monkeypatch.setattr(panel.counts, "COUNT_CAP", 2)
    # without a planner estimate (SQLite): exact up to the cap, "2+" beyond it, every tab
    fake_planner(monkeypatch, None)
    assert tab_count_texts(admin_client) == {
        "all": "2+",
        "active": "2+",
        "failed": "1",
        "completed": "1",
        "cancelled": "1",
    }
    # a count over the cap shows the planner's estimate
    fake_planner(monkeypatch, 5)
    assert tab_count_texts(admin_client) == {
        "all": "≈5",
        "active": "≈5",
        "failed": "1",
        "completed": "1",
        "cancelled": "1",
    }
    # far beyond the cap (over ESTIMATE_FACTOR times), the estimate alone: nothing is counted
    fake_planner(monkeypatch, 1_234_567)
    with CaptureQueriesContext(connection) as queries:
        texts = tab_count_texts(admin_client)
    assert texts == dict.fromkeys(("all", "active", "failed", "completed", "cancelled"), "≈1.2M")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_counts_use_the_real_planner_beyond_the_cap(admin_client, states, monkeypatch):
    monkeypatch.setattr(panel.counts, "COUNT_CAP", 2)
    counts = tab_count_texts(admin_client)
    assert counts["failed"] == "1"
    assert counts["completed"] == "1"
    if connection.vendor == "postgresql":
        assert counts["all"].startswith("≈")
    else:
        assert counts["all"] == "2+"
        assert counts["active"] == "2+"


@pytest.mark.parametrize(
    ("params", "ignored"),
    [
        ({"status": "done"}, "status"),
        ({"provider": "midjourney"}, "provider"),
        ({"operation_type": "dance"}, "operation"),
        ({"q": "x" * 201}, "prompt contains"),
        ({"created_after": "yesterday"}, "created"),
        ({"asset": "1,abc"}, "asset ids"),
    ],
)
def test_bad_filter_values_show_a_message_not_a_500(admin_client, states, params, ignored):
    response = get(admin_client, **params)
    assert response.status_code == 200
    assert len(row_ids(response)) == 6  # the bad filter is dropped, the page still works
    (message,) = messages_of(response)
    assert message.lower().startswith(f"ignored the {ignored}")


def test_bad_filter_keeps_the_good_ones(admin_client, states):
    response = get(admin_client, provider="midjourney", status="failed")
    assert row_ids(response) == [states["failed"].pk]


@pytest.mark.parametrize("cursor", ["garbage", "1_x", "99999999999999999999999_1"])
def test_bad_cursor_redirects_to_the_first_page_with_a_message(admin_client, states, cursor):
    response = get(admin_client, after=cursor, status="active")
    assert response.status_code == 302
    assert response.url.endswith("?status=active")
    followed = admin_client.get(response.url)
    assert any("not a valid page cursor" in m for m in messages_of(followed))


# Pagination ------------------------------------------------------------------------------


def test_keyset_pages_walk_forward_and_back_without_gaps(admin_client, states, monkeypatch):
    monkeypatch.setattr(GenerationAdmin, "panel_per_page", 4)
    # two rows share a timestamp: the id breaks the tie
    Generation.objects.filter(pk=states["queued"].pk).update(
        created_at=Generation.objects.get(pk=states["pending"].pk).created_at
    )
    expected = list(Generation.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    first = get(admin_client)
    page = first.context["page"]
    assert row_ids(first) == expected[:4]
    assert page.previous_cursor is None
    second = get(admin_client, after=page.next_cursor)
    assert row_ids(second) == expected[4:]
    assert second.context["page"].next_cursor is None
    back = get(admin_client, before=second.context["page"].previous_cursor)
    assert row_ids(back) == expected[:4]
    assert back.context["page"].is_first
    assert 'rel="next"' in first.content.decode()


def test_panel_never_counts_the_whole_table(admin_client, states):
    with CaptureQueriesContext(connection) as queries:
        get(admin_client)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    for sql in counts:
        assert "LIMIT" in sql.upper() or '"status" IN' in sql or '"status" =' in sql, sql


def test_query_count_does_not_grow_with_rows(admin_client, make_generation, states):
    with CaptureQueriesContext(connection) as few:
        get(admin_client)
    for _ in range(6):
        lifecycle.mark_failed(make_generation(), "boom")
    with CaptureQueriesContext(connection) as more:
        get(admin_client)
    assert len(more.captured_queries) == len(few.captured_queries)


# Actions -----------------------------------------------------------------------------------


def post(client, **data):
    return client.post(reverse(ACTION), data)


def test_row_retry_creates_a_new_attempt(client, staff, make_generation):
    failed = make_generation(owner=staff)
    lifecycle.mark_failed(failed, "boom")
    client.force_login(staff)
    response = post(client, row_action=f"retry:{failed.pk}", next=reverse(PANEL) + "?status=failed")
    assert response.status_code == 302
    assert response.url == reverse(PANEL) + "?status=failed"
    attempt = Generation.objects.get(retry_of=failed)
    assert attempt.status == "pending"
    assert attempt.retry_count == 1
    assert attempt.events.get().actor == staff
    assert messages_of(client.get(response.url)) == ["1 retried"]


def test_row_cancel_pending_and_processing(client, staff, make_generation):
    pending = make_generation(owner=staff)
    processing = make_generation(owner=staff)
    lifecycle.mark_processing(processing)
    client.force_login(staff)
    post(client, row_action=f"cancel:{pending.pk}")
    asked = post(client, row_action=f"cancel:{processing.pk}")
    pending.refresh_from_db()
    processing.refresh_from_db()
    assert pending.status == "cancelled"  # a waiting job: at once, one click
    # a running job asks first: the confirmation page, then the request
    assert asked.status_code == 200
    assert "gs-confirm-page--cancel" in asked.content.decode()
    assert processing.cancel_requested_at is None
    post(client, action="cancel", ids=[processing.pk], confirmed="1")
    processing.refresh_from_db()
    assert processing.status == "processing"
    assert processing.cancel_requested_at is not None


def test_row_retry_of_a_completed_one_is_skipped_with_the_reason(admin_client, states):
    response = post(admin_client, row_action=f"retry:{states['completed'].pk}")
    assert messages_of(admin_client.get(response.url)) == [
        "0 retried, 1 skipped: already completed"
    ]
    assert not Generation.objects.filter(retry_of=states["completed"]).exists()


def test_bulk_retry_asks_for_confirmation_first(admin_client, make_generation):
    failed = [make_generation() for _ in range(3)]
    for generation in failed:
        lifecycle.mark_failed(generation, "boom")
    response = post(admin_client, action="retry", ids=[g.pk for g in failed])
    assert response.status_code == 200
    assert response.templates[0].name == "genstatus/admin/panel_confirm.html"
    content = response.content.decode()
    assert "3 generations will be retried" in content
    assert content.count('name="ids"') == 3
    assert 'name="confirmed"' in content
    assert not Generation.objects.filter(retry_of__isnull=False).exists()


def test_bulk_retry_reports_done_and_skipped(admin_client, make_generation):
    failed = [make_generation() for _ in range(3)]
    for generation in failed:
        lifecycle.mark_failed(generation, "boom")
    completed = [make_generation() for _ in range(2)]
    for generation in completed:
        lifecycle.mark_processing(generation)
        lifecycle.mark_completed(generation)
    ids = [g.pk for g in failed + completed]
    response = post(admin_client, action="retry", ids=ids, confirmed="1")
    assert messages_of(admin_client.get(response.url)) == [
        "3 retried, 2 skipped: already completed"
    ]
    assert Generation.objects.filter(retry_of__in=failed).count() == 3


def test_bulk_cancel_reports_mixed_reasons(admin_client, states):
    ids = [g.pk for g in states.values()] + [999_999]
    response = post(admin_client, action="cancel", ids=ids, confirmed="1")
    (message,) = messages_of(admin_client.get(response.url))
    assert message.startswith("3 cancelled, 4 skipped: ")
    assert "1 already completed" in message
    assert "1 already failed" in message
    assert "1 already cancelled" in message
    assert "1 not found" in message
    assert Generation.objects.get(pk=states["queued"].pk).status == "cancelled"


@pytest.mark.parametrize(
    "data",
    [{"action": "delete", "ids": ["1"]}, {"action": "retry", "ids": ["x"]}, {"action": "retry"}],
)
def test_bad_action_posts_redirect_with_a_message(admin_client, states, data):
    response = post(admin_client, **data, confirmed="1")
    assert response.status_code == 302
    assert len(messages_of(admin_client.get(response.url))) == 1


def test_action_next_must_be_local(admin_client, states):
    response = post(
        admin_client, row_action=f"cancel:{states['pending'].pk}", next="https://evil.example/"
    )
    assert response.url == reverse(PANEL)


def test_action_endpoint_refuses_get(admin_client):
    assert admin_client.get(reverse(ACTION)).status_code == 405


def test_actions_refuse_without_csrf_token(staff, make_generation):
    failed = make_generation(owner=staff)
    lifecycle.mark_failed(failed, "boom")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = post(client, row_action=f"retry:{failed.pk}")
    assert response.status_code == 403
    assert not Generation.objects.filter(retry_of=failed).exists()
    # the panel's own form carries a token that works
    page = client.get(reverse(PANEL)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = post(client, row_action=f"retry:{failed.pk}", csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert Generation.objects.filter(retry_of=failed).exists()


# Permissions -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, generation):
    response = get(client)
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    response = post(client, row_action=f"cancel:{generation.pk}")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    generation.refresh_from_db()
    assert generation.status == "pending"


def test_non_staff_is_sent_to_login_even_with_permissions(client, user, generation):
    user = grant(user, "view_generation", "change_generation")
    client.force_login(user)
    assert "/admin/login/" in get(client).url
    post(client, row_action=f"cancel:{generation.pk}")
    generation.refresh_from_db()
    assert generation.status == "pending"


def test_staff_without_permission_gets_403(client, django_user_model, generation):
    user = django_user_model.objects.create_user("bare", password="pw", is_staff=True)
    client.force_login(user)
    assert get(client).status_code == 403
    assert post(client, row_action=f"cancel:{generation.pk}").status_code == 403


def test_view_only_owner_sees_own_rows_without_actions(client, viewer, make_generation, other_user):
    mine = make_generation(owner=viewer)
    make_generation(owner=other_user)
    client.force_login(viewer)
    response = get(client)
    assert row_ids(response) == [mine.pk]
    content = response.content.decode()
    assert 'name="row_action"' not in content
    assert 'name="ids"' not in content
    assert post(client, row_action=f"cancel:{mine.pk}").status_code == 403
    mine.refresh_from_db()
    assert mine.status == "pending"


def test_owner_acts_on_own_but_not_on_others(client, staff, make_generation, other_user):
    mine = make_generation(owner=staff)
    theirs = make_generation(owner=other_user)
    client.force_login(staff)
    assert row_ids(get(client)) == [mine.pk]
    assert get(client).context["tabs"][0]["count"].value == 1
    response = post(client, action="cancel", ids=[mine.pk, theirs.pk], confirmed="1")
    assert messages_of(client.get(response.url)) == ["1 cancelled, 1 skipped: not found"]
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == "pending"
    assert mine.status == "cancelled"


def test_view_all_sees_and_acts_on_everyones(client, staff, make_generation, other_user):
    theirs = make_generation(owner=other_user)
    staff = grant(staff, "view_all_generations")
    client.force_login(staff)
    response = get(client)
    assert row_ids(response) == [theirs.pk]
    assert ">other<" in response.content.decode()  # the owner column appears
    post(client, row_action=f"cancel:{theirs.pk}")
    theirs.refresh_from_db()
    assert theirs.status == "cancelled"


def test_superuser_sees_all(admin_client, make_generation, other_user, user):
    ids = {make_generation(owner=other_user).pk, make_generation(owner=user).pk}
    assert set(row_ids(get(admin_client))) == ids


# Changelist admin actions ------------------------------------------------------------------


def changelist_action(client, action, ids):
    return client.post(
        reverse("admin:genstatus_generation_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in ids]},
    )


def test_changelist_action_shows_the_same_confirmation(client, staff, make_generation):
    failed = make_generation(owner=staff)
    lifecycle.mark_failed(failed, "boom")
    client.force_login(staff)
    response = changelist_action(client, "retry_selected", [failed.pk])
    assert response.status_code == 200
    assert response.templates[0].name == "genstatus/admin/panel_confirm.html"
    assert f'name="ids" value="{failed.pk}"' in response.content.decode()
    assert not Generation.objects.filter(retry_of=failed).exists()


def test_changelist_actions_need_change_permission(client, viewer, make_generation):
    pending = make_generation(owner=viewer)
    client.force_login(viewer)
    page = client.get(reverse("admin:genstatus_generation_changelist")).content.decode()
    assert "cancel_selected" not in page
    changelist_action(client, "cancel_selected", [pending.pk])
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_changelist_actions_are_scoped_to_visible_rows(client, staff, make_generation, other_user):
    theirs = make_generation(owner=other_user)
    client.force_login(staff)
    response = changelist_action(client, "cancel_selected", [theirs.pk])
    assert f'name="ids" value="{theirs.pk}"' not in response.content.decode()
    assert "0 generations will be cancelled" in response.content.decode()


def test_a_user_without_view_all_gets_exact_counts_of_their_own_rows(
    client, staff, make_generation, other_user, monkeypatch
):
    from genstatus import panel

    make_generation(owner=staff)
    lifecycle.mark_failed(make_generation(owner=staff), "x")
    for _ in range(3):
        make_generation(owner=other_user)
    # a big table: the planner guesses from everybody's rows, never shown to this user
    monkeypatch.setattr(panel.counts, "planner_estimate", lambda queryset: 50_000)
    monkeypatch.setattr(
        panel.counts, "planner_estimates", lambda querysets: [50_000] * len(querysets)
    )
    client.force_login(staff)
    tabs = get(client).context["tabs"]
    assert {t["slug"]: str(t["count"]) for t in tabs} == {
        "all": "2",
        "active": "1",
        "failed": "1",
        "completed": "0",
        "cancelled": "0",
    }


@pytest.mark.parametrize("status", ["", "failed", "active"])
def test_a_search_is_run_once_for_its_counts_and_first_page(admin_client, states, status):
    """Few matches: the counts read every match, and the first page is looked up by id
    from them rather than searched for again."""
    params = {"q": "prompt", **({"status": status} if status else {})}
    with CaptureQueriesContext(connection) as queries:
        response = get(admin_client, **params)
    sqls = [q["sql"] for q in queries.captured_queries if "EXPLAIN" not in q["sql"]]
    searches = [sql for sql in sqls if "LIKE" in sql]
    assert len(searches) == 1  # the matches; the page is looked up by id, not re-searched
    by_id = [sql for sql in sqls if f"{qn('genstatus_generation')}.{qn('id')} IN (" in sql]
    assert len(by_id) == 1
    assert by_id[0].count("SELECT") == 1  # ids, not a subquery that searches again
    assert (qn("status") + " IN (" in by_id[0]) == bool(status)  # a tab re-checks the status
    shown = GROUPS[status] if status else set(states)
    expected = sorted((g.pk for name, g in states.items() if name in shown), reverse=True)
    assert row_ids(response) == expected


def test_a_project_filterset_with_its_own_status_filter_is_searched_as_usual(
    admin_client, states, monkeypatch
):
    """The ids-from-matches shortcut assumes genstatus's meaning of ``status``."""
    from genstatus.admin import GenerationAdmin
    from genstatus.filters import GenerationFilterSet

    class StuckFilterSet(GenerationFilterSet):
        def filter_status(self, queryset, name, value):
            return queryset.filter(status="processing") if value == "active" else queryset

    monkeypatch.setattr(GenerationAdmin, "filterset_class", StuckFilterSet)
    response = get(admin_client, q="prompt", status="active")
    assert row_ids(response) == [states["processing"].pk]


def test_one_filterset_serves_the_rows_and_the_tab_counts(admin_client, states, monkeypatch):
    from genstatus.filters import GenerationFilterSet

    made = []

    class Counted(GenerationFilterSet):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(GenerationAdmin, "filterset_class", Counted)
    get(admin_client, provider="pixverse", status="failed")
    assert len(made) == 1


def test_a_filterset_that_filters_its_own_way_counts_its_own_way(admin_client, states, monkeypatch):
    from genstatus.filters import GenerationFilterSet

    class NoCancelled(GenerationFilterSet):
        def filter_queryset(self, queryset):
            return super().filter_queryset(queryset).exclude(status="cancelled")

    monkeypatch.setattr(GenerationAdmin, "filterset_class", NoCancelled)
    response = get(admin_client, provider="pixverse", status="failed")
    assert row_ids(response) == [states["failed"].pk]
    content = get(admin_client, provider="pixverse").content.decode()
    counts = dict(re.findall(r'data-gs-count="(\w+)"[^>]*>([^<]+)<', content))
    assert counts["all"] == "5"  # six states, the cancelled one filtered out


def test_a_project_status_filter_with_its_own_choices_is_searched_as_usual(
    admin_client, states, monkeypatch
):
    import django_filters

    from genstatus.filters import GenerationFilterSet

    class Running(GenerationFilterSet):
        status = django_filters.ChoiceFilter(
            choices=[("running", "Running")], method="filter_running"
        )

        def filter_running(self, queryset, name, value):
            return queryset.filter(status__in=["queued", "processing"])

    monkeypatch.setattr(GenerationAdmin, "filterset_class", Running)
    response = get(admin_client, q="prompt", status="running")
    assert row_ids(response) == [states["processing"].pk, states["queued"].pk]


def test_the_rows_query_reads_only_what_a_row_shows(admin_client, states):
    with CaptureQueriesContext(connection) as queries:
        content = get(admin_client).content.decode()
    rows_sql = [q["sql"] for q in queries.captured_queries if qn("prompt") in q["sql"]]
    assert rows_sql
    for column in ("params", "heartbeat_at", "provider_job_id", "error_code", "updated_at"):
        assert qn(column) not in rows_sql[-1]
    assert "Quota exceeded" in content  # the failed row's error, read from the same query


def test_retried_as_reads_the_joined_row_or_asks_for_it(make_generation):
    from genstatus.panel.rows import retried_as as _retried_as

    original = make_generation()
    lifecycle.mark_failed(original, "boom")
    attempt = lifecycle.retry(original)
    joined = Generation.objects.select_related("retried_as").get(pk=original.pk)
    assert _retried_as(joined) == attempt
    assert _retried_as(Generation.objects.get(pk=original.pk)) == attempt  # not joined
    lonely = Generation.objects.select_related("retried_as").get(pk=attempt.pk)
    assert _retried_as(lonely) is None
    assert _retried_as(Generation.objects.get(pk=attempt.pk)) is None


def test_the_rows_read_only_the_owners_name_when_that_is_how_users_print(
    admin_client, states, monkeypatch
):
    from django.contrib.auth import get_user_model

    def rows_sql():
        with CaptureQueriesContext(connection) as queries:
            content = get(admin_client).content.decode()
        rows = [q["sql"] for q in queries.captured_queries if qn("prompt") in q["sql"]][-1]
        return rows, content

    rows, content = rows_sql()
    assert f"{qn('auth_user')}.{qn('username')}" in rows
    assert f"{qn('auth_user')}.{qn('password')}" not in rows
    assert '<td class="gs-col-owner" data-gs-label="Owner"><bdi>owner</bdi></td>' in content
    # a user model that names itself another way (get_username) gets its whole row too
    from django.contrib.auth.base_user import AbstractBaseUser

    from genstatus.panel.rows import owner_name_field as _owner_name_field

    assert _owner_name_field() == "username"
    with monkeypatch.context() as patch:
        patch.setattr(get_user_model(), "get_username", lambda user: "x")
        assert _owner_name_field() is None
    assert get_user_model().get_username is AbstractBaseUser.get_username
    # a user model that prints itself another way gets its whole row
    monkeypatch.setattr(get_user_model(), "__str__", lambda user: f"<{user.email or 'x'}>")
    rows, content = rows_sql()
    assert f"{qn('auth_user')}.{qn('email')}" in rows
    assert '<td class="gs-col-owner" data-gs-label="Owner"><bdi>&lt;x&gt;</bdi></td>' in content
