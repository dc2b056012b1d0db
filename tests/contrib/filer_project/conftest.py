"""Fixtures of the django-filer test site: a folder holding a subfolder and images (whose
ids are the subfolder's too: folders and files are numbered apart), each image with a
pending generation; a served site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from genstatus import lifecycle
from tests.contrib.hosttest import daphne, png

ASGI = "tests.contrib.filer_project.asgi:application"
COLORS = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad")


@pytest.fixture
def admin_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def folder(admin_user: Any) -> Any:
    from filer.models import Folder

    return Folder.objects.create(name="Renders", owner=admin_user)


@pytest.fixture
def images(admin_user: Any, folder: Any) -> list[Any]:
    from filer.models import Folder, Image

    made = []
    for index, color in enumerate(COLORS):
        image = Image.objects.create(
            owner=admin_user,
            folder=folder,
            original_filename=f"render{index + 1}.png",
            file=ContentFile(png(color, 360 + 60 * index, 240), name=f"render{index + 1}.png"),
        )
        lifecycle.create_generation(
            provider="pixverse",
            operation_type="text_to_image",
            prompt=f"a lighthouse, take {index + 1}",
            asset=image,
            owner=admin_user,
        )
        made.append(image)
    # a subfolder numbered as one of the files: the listing shows both
    same = next(image.pk for image in made if image.pk != folder.pk)
    Folder.objects.create(pk=same, name="Drafts", owner=admin_user, parent=folder)
    return made


@pytest.fixture
def site() -> Iterator[str]:
    """The project served by daphne (HTTP and WebSockets) on the test database."""
    with daphne(ASGI) as url:
        yield url
