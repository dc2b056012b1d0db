from __future__ import annotations

from django.apps import AppConfig


class GenstatusConfig(AppConfig):
    name = "genstatus"
    verbose_name = "Generation status"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from genstatus import (
            checks,  # noqa: F401  (registers the system checks)
            live,
            receivers,
        )
        from genstatus.badges import checks as badge_checks  # noqa: F401  (registers W101)

        live.connect_receivers()  # publishing is switched off by GENSTATUS_LIVE = False
        # after live's: a retry's "retried" message goes out before its attempt's "queued"
        receivers.connect()
