"""Fixtures of the Wagtail test site: users, images with generations, a served site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from genstatus import lifecycle
from tests.contrib.hosttest import daphne, png

ASGI = "tests.contrib.wagtail_project.asgi:application"
COLORS = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#f39c12")


@pytest.fixture
def admin_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def images(admin_user: Any) -> list[Any]:
    """Five images of the custom image model, each with a pending generation."""
    from wagtail.images import get_image_model

    from genstatus.models import Generation

    image_model = get_image_model()
    made = []
    for index, color in enumerate(COLORS):
        image = image_model.objects.create(
            title=f"Render {index + 1}",
            file=ContentFile(png(color, 360 + 60 * index, 240), name=f"render{index + 1}.png"),
            uploaded_by_user=admin_user,
        )
        lifecycle.create_generation(
            provider="pixverse",
            operation_type="text_to_image",
            prompt=f"a lighthouse, take {index + 1}",
            asset=image,
            owner=admin_user,
        )
        made.append(image)
    assert Generation.objects.count() == len(COLORS)
    return made


@pytest.fixture
def site() -> Iterator[str]:
    """The project served by daphne (HTTP and WebSockets) on the test database."""
    with daphne(ASGI) as url:
        yield url
