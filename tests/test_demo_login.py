"""The demo's gallery login: any user (not only staff) logs in and sees their cards."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from gallery.models import Asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", verbosity=0)


def log_in(client: Client, username: str, password: str, next_url: str = "") -> Any:
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("gallery:login"), data)


def card_ids(client: Client) -> set[int]:
    page = client.get(reverse("gallery:index"), {"limit": 1000})
    assert page.status_code == 200
    return {asset.pk for asset in page.context["assets"]}


def test_the_login_page_renders_a_form(client: Client) -> None:
    page = client.get(reverse("gallery:login"))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "csrfmiddlewaretoken" in content


def test_the_gallery_sends_a_visitor_to_its_own_login_and_back(
    client: Client, seeded: None
) -> None:
    redirect = client.get(reverse("gallery:index"))
    assert redirect["Location"] == f"{reverse('gallery:login')}?next=/"
    response = log_in(client, "alice", "alice", next_url="/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_alice_a_non_staff_user_logs_in_and_sees_her_four_cards(
    client: Client, seeded: None
) -> None:
    response = log_in(client, "alice", "alice")
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:index")
    mine = set(Asset.objects.filter(owner__username="alice").values_list("pk", flat=True))
    assert len(mine) == 4
    assert card_ids(client) == mine


def test_demo_sees_every_card(client: Client, seeded: None) -> None:
    assert log_in(client, "demo", "demo").status_code == 302
    assert card_ids(client) == set(Asset.objects.values_list("pk", flat=True))


def test_a_wrong_password_shows_the_form_again_with_an_error(client: Client, seeded: None) -> None:
    response = log_in(client, "alice", "wrong")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_user_logs_out_with_a_post(client: Client, seeded: None) -> None:
    log_in(client, "alice", "alice")
    assert "Log out" in client.get(reverse("gallery:index")).content.decode()
    response = client.post(reverse("gallery:logout"))
    assert response["Location"] == reverse("gallery:login")
    assert client.get(reverse("gallery:index")).status_code == 302
