"""API fixtures: clients signed in as users with the panel's permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient


def grant(user: Any, *codenames: str) -> Any:
    """Give ``user`` genstatus permissions and return a fresh instance (no perm cache)."""
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="genstatus", codename__in=codenames)
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Any:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def owner_client(client_for: Any, user: Any) -> APIClient:
    return client_for(user)


@pytest.fixture
def changer(user: Any) -> Any:
    """The owner, allowed to retry and cancel."""
    return grant(user, "change_generation")


@pytest.fixture
def changer_client(client_for: Any, changer: Any) -> APIClient:
    return client_for(changer)
