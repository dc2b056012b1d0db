"""Retry and cancel, the permission matrix, and how session and token auth behave."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from genstatus import lifecycle
from genstatus.models import Generation
from tests.api.conftest import grant

pytestmark = pytest.mark.django_db

LIST = "/api/genstatus/generations/"


def detail(pk: Any) -> str:
    return f"{LIST}{pk}/"


def retry_url(pk: Any) -> str:
    return f"{LIST}{pk}/retry/"


def cancel_url(pk: Any) -> str:
    return f"{LIST}{pk}/cancel/"


# --- retry ------------------------------------------------------------------------------


def test_retry_creates_a_pending_attempt(
    changer_client: Any, changer: Any, make_generation: Any
) -> None:
    original = lifecycle.mark_failed(make_generation(), "boom")
    response = changer_client.post(retry_url(original.pk))
    assert response.status_code == 201
    body = response.json()
    attempt = Generation.objects.get(pk=body["id"])
    assert attempt.retry_of_id == original.pk
    assert (body["status"], body["retry_of"], body["retry_count"]) == ("pending", original.pk, 1)
    assert response["Location"] == f"http://testserver{detail(attempt.pk)}"
    assert attempt.events.get().actor == changer
    original.refresh_from_db()
    assert original.status == "failed"
    assert changer_client.get(detail(original.pk)).json()["retried_as"] == attempt.pk


@pytest.mark.parametrize("state", ["pending", "queued", "processing", "completed"])
def test_retry_in_a_wrong_state_is_409_naming_the_state(
    changer_client: Any, make_generation: Any, state: str
) -> None:
    generation = make_generation()
    if state != "pending":
        Generation.objects.filter(pk=generation.pk).update(status=state)
    response = changer_client.post(retry_url(generation.pk))
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == state
    assert body["requested"] == "retry"
    assert f"Generation {generation.pk} is {state}" in body["detail"]
    assert not Generation.objects.filter(retry_of=generation).exists()


def test_second_retry_of_the_same_attempt_is_409(changer_client: Any, make_generation: Any) -> None:
    original = lifecycle.mark_failed(make_generation(), "boom")
    first = changer_client.post(retry_url(original.pk)).json()
    response = changer_client.post(retry_url(original.pk))
    assert response.status_code == 409
    assert f"already retried as #{first['id']}" in response.json()["detail"]


def test_retry_over_the_limit_is_409(
    changer_client: Any, make_generation: Any, settings: Any
) -> None:
    settings.GENSTATUS_MAX_RETRIES = 1
    attempt = lifecycle.retry(lifecycle.mark_failed(make_generation(), "boom"))
    lifecycle.mark_failed(attempt, "again")
    response = changer_client.post(retry_url(attempt.pk))
    assert response.status_code == 409
    assert "GENSTATUS_MAX_RETRIES" in response.json()["detail"]
    assert response.json()["status"] == "failed"


# --- cancel -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "queued"])
def test_cancel_before_it_started_is_immediate(
    changer_client: Any, changer: Any, make_generation: Any, state: str
) -> None:
    generation = make_generation()
    if state == "queued":
        lifecycle.mark_queued(generation)
    response = changer_client.post(cancel_url(generation.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    generation.refresh_from_db()
    assert generation.status == "cancelled"
    assert generation.events.latest("id").actor == changer


def test_cancel_while_processing_is_a_request_202(
    changer_client: Any, make_generation: Any
) -> None:
    generation = lifecycle.mark_processing(make_generation())
    response = changer_client.post(cancel_url(generation.pk))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "processing"
    assert body["cancel_requested_at"] is not None
    # asking again is harmless
    assert changer_client.post(cancel_url(generation.pk)).status_code == 202


@pytest.mark.parametrize("state", ["completed", "failed", "cancelled"])
def test_cancel_of_a_finished_generation_is_409(
    changer_client: Any, make_generation: Any, state: str
) -> None:
    generation = make_generation()
    Generation.objects.filter(pk=generation.pk).update(status=state)
    response = changer_client.post(cancel_url(generation.pk))
    assert response.status_code == 409
    assert response.json()["status"] == state
    assert f"is {state}" in response.json()["detail"]


@pytest.mark.parametrize("url", [retry_url, cancel_url])
def test_action_on_unknown_generation_is_404(changer_client: Any, url: Any) -> None:
    assert changer_client.post(url(424242)).status_code == 404
    assert changer_client.post(url("nope")).status_code == 404


# --- the permission matrix --------------------------------------------------------------

ROLES = {
    # role: (genstatus permissions, is the owner)
    "owner": ((), True),
    "owner+change": (("change_generation",), True),
    "stranger": ((), False),
    "stranger+change": (("change_generation",), False),
    "viewer": (("view_all_generations",), False),
    "viewer+change": (("view_all_generations", "change_generation"), False),
}

# role: (list count, detail, retry, cancel)
MATRIX = {
    "anonymous": (403, 403, 403, 403),
    "owner": (1, 200, 403, 403),
    "owner+change": (1, 200, 201, 200),
    "stranger": (0, 404, 403, 403),
    "stranger+change": (0, 404, 404, 404),
    "viewer": (1, 200, 403, 403),
    "viewer+change": (1, 200, 201, 200),
    "superuser": (1, 200, 201, 200),
}


@pytest.fixture
def client_as(user: Any, other_user: Any, django_user_model: Any) -> Any:
    def make(role: str) -> APIClient:
        client = APIClient()
        if role == "superuser":
            client.force_authenticate(django_user_model.objects.create_superuser("root"))
        elif role != "anonymous":
            permissions, is_owner = ROLES[role]
            client.force_authenticate(grant(user if is_owner else other_user, *permissions))
        return client

    return make


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(client_as: Any, make_generation: Any, role: str) -> None:
    list_expected, detail_expected, retry_expected, cancel_expected = MATRIX[role]
    failed = lifecycle.mark_failed(make_generation(), "boom")
    client = client_as(role)

    listing = client.get(LIST)
    if isinstance(list_expected, int) and role != "anonymous":
        assert listing.status_code == 200
        assert len(listing.json()["results"]) == list_expected
    else:
        assert listing.status_code == 403
    assert client.get(detail(failed.pk)).status_code == detail_expected
    assert client.post(retry_url(failed.pk)).status_code == retry_expected
    pending = make_generation()
    assert client.post(cancel_url(pending.pk)).status_code == cancel_expected
    # a refused action changed nothing
    if retry_expected != 201:
        assert not Generation.objects.filter(retry_of=failed).exists()
    if cancel_expected != 200:
        pending.refresh_from_db()
        assert pending.status == "pending"


def test_no_change_permission_is_403_even_for_an_unknown_id(client_as: Any) -> None:
    # the permission check runs before the lookup: the 403 reveals nothing
    response = client_as("stranger").post(retry_url(424242))
    assert response.status_code == 403
    assert "genstatus.change_generation" in response.json()["detail"]


def test_inactive_user_sees_nothing(client_for: Any, user: Any, generation: Generation) -> None:
    user.is_active = False
    user.save()
    client = client_for(user)
    assert client.get(LIST).json()["results"] == []
    assert client.get(detail(generation.pk)).status_code == 404


# --- authentication ---------------------------------------------------------------------


def test_anonymous_is_403_with_session_auth_first(api: APIClient, generation: Generation) -> None:
    # tests.settings lists SessionAuthentication first: DRF answers 403, no WWW-Authenticate
    response = api.get(LIST)
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert api.get("/api/genstatus/statuses/?asset=1").status_code == 403


def test_token_auth(api: APIClient, changer: Any, generation: Generation) -> None:
    token = Token.objects.create(user=changer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [row["id"] for row in api.get(LIST).json()["results"]] == [generation.pk]
    # no CSRF token needed with a token
    assert api.post(cancel_url(generation.pk)).status_code == 200


def test_wrong_token_is_refused(api: APIClient, generation: Generation) -> None:
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get(LIST)
    assert response.status_code == 403
    assert response.json()["detail"] == "Invalid token."


def test_session_auth_needs_the_csrf_token_to_post(changer: Any, generation: Generation) -> None:
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="owner", password="pw")
    assert client.get(LIST).status_code == 200
    refused = client.post(cancel_url(generation.pk))
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    assert client.post(cancel_url(generation.pk), HTTP_X_CSRFTOKEN=secret).status_code == 200
