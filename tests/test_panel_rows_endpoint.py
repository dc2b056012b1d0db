"""The panel's rows endpoint: the live client inserts and replaces rows with the rows the
page itself renders (one template), and every id a client sends is parsed in one place."""

import re

import pytest
from django.urls import reverse

from genstatus import lifecycle
from genstatus.models import Generation
from tests.panel_data import grant

pytestmark = pytest.mark.django_db

PANEL = "admin:genstatus_generation_panel"
ROWS = "admin:genstatus_generation_panel_rows"
ACTION = "admin:genstatus_generation_panel_action"
COUNTS = "admin:genstatus_generation_panel_counts"
ROW = re.compile(r'<tr class="gs-row[^"]*" data-gs-generation="(\d+)".*?</tr>', re.S)


def page_rows(client, **params):
    content = client.get(reverse(PANEL), params).content.decode()
    return {int(m.group(1)): m.group(0) for m in ROW.finditer(content)}


def fetched_rows(client, *ids, **params):
    response = client.get(reverse(ROWS), {"ids": [str(pk) for pk in ids], **params})
    assert response.status_code == 200
    return [(int(m.group(1)), m.group(0)) for m in ROW.finditer(response.content.decode())]


def test_a_fetched_row_is_the_row_of_the_page(admin_client, every_state):
    on_page = page_rows(admin_client)
    fetched = fetched_rows(admin_client, *sorted(on_page))
    assert [pk for pk, _row in fetched] == list(on_page)  # newest first, as the page
    for pk, row in fetched:
        assert row == on_page[pk]
        assert 'class="action-checkbox"' in row  # the checkbox, owner and actions come along


def test_a_fetched_row_for_a_user_without_change_permission_has_no_actions(
    client, user, every_state
):
    user = grant(user, "view_generation")
    user.is_staff = True
    user.save()
    client.force_login(user)
    mine = Generation.objects.filter(owner=user).values_list("pk", flat=True)
    fetched = fetched_rows(client, *mine)
    assert fetched
    assert all("action-checkbox" not in row and "row_action" not in row for _pk, row in fetched)


def test_filters_keep_only_matching_rows(admin_client, every_state):
    failed = every_state["failed"].pk
    pending = every_state["pending"].pk
    assert [pk for pk, _ in fetched_rows(admin_client, failed, pending, status="failed")] == [
        failed
    ]
    assert {pk for pk, _ in fetched_rows(admin_client, failed, pending)} == {failed, pending}


def test_rows_of_others_are_absent_for_an_owner(client, user, other_user, make_generation):
    user = grant(user, "view_generation")
    user.is_staff = True
    user.save()
    theirs = make_generation(owner=other_user)
    mine = make_generation(owner=user)
    client.force_login(user)
    assert [pk for pk, _ in fetched_rows(client, theirs.pk, mine.pk)] == [mine.pk]


@pytest.mark.parametrize(
    "ids", [["abc"], ["1.5"], [""], ["1", "x"]], ids=["text", "decimal", "empty", "mixed"]
)
def test_bad_ids_are_a_400_with_a_message(admin_client, ids):
    response = admin_client.get(reverse(ROWS), {"ids": ids})
    assert response.status_code == 400
    assert b"is not a generation id" in response.content


def test_out_of_range_ids_answer_like_missing_ones(admin_client, generation):
    huge = ["99999999999999999999999", "9223372036854775808", "0", "-1"]
    response = admin_client.get(reverse(ROWS), {"ids": [*huge, str(generation.pk)]})
    assert response.status_code == 200
    assert [
        int(pk) for pk in re.findall(r'data-gs-generation="(\d+)"', response.content.decode())
    ] == [generation.pk]


def test_more_than_fifty_ids_are_refused(admin_client):
    response = admin_client.get(reverse(ROWS), {"ids": [str(n) for n in range(1, 52)]})
    assert response.status_code == 400


def test_the_page_tells_the_live_client_where_rows_come_from(admin_client, every_state):
    content = admin_client.get(reverse(PANEL), {"status": "failed"}).content.decode()
    assert f'data-gs-rows-url="{reverse(ROWS)}"' in content
    assert 'data-gs-query="status=failed"' in content
    assert 'data-gs-first-page="true"' in content


@pytest.mark.parametrize(
    "post",
    [
        {"row_action": "retry:99999999999999999999999"},
        {"row_action": "cancel:9223372036854775808"},
        {"action": "retry", "ids": ["99999999999999999999999"]},
        {"action": "retry", "ids": ["99999999999999999999999"], "confirmed": "1"},
        {"action": "cancel", "ids": ["9223372036854775808", "0"], "confirmed": "1"},
    ],
)
def test_out_of_range_ids_in_actions_are_not_found(admin_client, post):
    response = admin_client.post(reverse(ACTION), post, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "not found" in text or "0 generations will be" in text


def test_an_out_of_range_id_in_the_changelist_action_is_not_found(admin_client, generation):
    lifecycle.mark_failed(generation, "boom")
    response = admin_client.post(
        reverse("admin:genstatus_generation_changelist"),
        {"action": "retry_selected", "_selected_action": ["9223372036854775808", generation.pk]},
    )
    assert response.status_code == 200
    assert "1 generation will be retried" in response.content.decode()


@pytest.mark.parametrize("view", ["panel_detail", "open_asset", "change"])
@pytest.mark.parametrize("object_id", ["99999999999999999999999", "9223372036854775808", "abc"])
def test_out_of_range_ids_in_urls_are_not_found(admin_client, view, object_id):
    url = reverse(f"admin:genstatus_generation_{view}", args=[1]).replace("/1/", f"/{object_id}/")
    response = admin_client.get(url)
    assert response.status_code in (302, 404)  # the change page redirects with a message


def test_the_counts_endpoint_counts_as_the_page(admin_client, every_state):
    content = admin_client.get(reverse(PANEL), {"provider": "pixverse"}).content.decode()
    on_page = dict(re.findall(r'data-gs-count="(\w+)"[^>]*>([^<]+)<', content))
    assert f'data-gs-counts-url="{reverse(COUNTS)}"' in content
    response = admin_client.get(reverse(COUNTS), {"provider": "pixverse", "ids": "7"})
    assert response.status_code == 200
    counts = response.json()["counts"]
    assert {slug: count["text"] for slug, count in counts.items()} == on_page
    assert counts["failed"]["exact"] is True


def test_the_counts_endpoint_counts_only_what_the_user_may_see(
    client, user, other_user, make_generation
):
    user = grant(user, "view_generation")
    user.is_staff = True
    user.save()
    make_generation(owner=other_user)
    make_generation(owner=user)
    client.force_login(user)
    assert client.get(reverse(COUNTS)).json()["counts"]["all"]["text"] == "1"
