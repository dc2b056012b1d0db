from __future__ import annotations

from django.apps import AppConfig


class GenstatusWagtailConfig(AppConfig):
    """Wagtail finds this app's ``wagtail_hooks`` module by itself; ``ready()`` registers
    the checks and the "open asset" opener for Wagtail's image editor."""

    name = "genstatus.contrib.wagtail"
    label = "genstatus_wagtail"
    verbose_name = "Generation status for Wagtail"

    def ready(self) -> None:
        from genstatus.contrib.wagtail import checks  # noqa: F401  (registers E201, E202)
        from genstatus.contrib.wagtail.opener import open_in_wagtail
        from genstatus.opening import register_opener

        register_opener(open_in_wagtail)
