from __future__ import annotations

from django.apps import AppConfig


class GenstatusFilerConfig(AppConfig):
    """``ready()`` registers the checks and the "open asset" opener for filer's file page."""

    name = "genstatus.contrib.filer"
    label = "genstatus_filer"
    verbose_name = "Generation status for django-filer"

    def ready(self) -> None:
        from genstatus.contrib.filer import checks  # noqa: F401  (registers E211, E212, W213)
        from genstatus.contrib.filer.opener import open_in_filer
        from genstatus.opening import register_opener

        register_opener(open_in_filer)
