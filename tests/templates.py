"""Template settings that put a few templates of a test's own in front of the app's."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def templates_with(sources: dict[str, str]) -> list[dict[str, Any]]:
    """``TEMPLATES`` as the test settings have them, with ``sources`` (name -> text)
    found before every app directory: a project overriding those templates."""
    engine = settings.TEMPLATES[0]
    options = {key: value for key, value in engine["OPTIONS"].items() if key != "loaders"}
    options["loaders"] = [
        ("django.template.loaders.locmem.Loader", sources),
        "django.template.loaders.app_directories.Loader",
    ]
    return [{**engine, "APP_DIRS": False, "OPTIONS": options}]
