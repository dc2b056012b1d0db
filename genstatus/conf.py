"""genstatus settings, read lazily from Django's settings.

Every setting is a ``GENSTATUS_<NAME>`` entry in the host's settings module. Values are
read on each access (no import-time reads), so ``override_settings`` just works.

=============================  ==============================================  ============
Setting                        Meaning                                         Default
=============================  ==============================================  ============
GENSTATUS_ASSET_MODEL          "app_label.Model" of the host's asset model     (required)
GENSTATUS_MAX_RETRIES          how many times one job may be retried           3
GENSTATUS_STALE_AFTER          processing with an older heartbeat is stale     600 s
GENSTATUS_QUEUED_STALE_AFTER   pending/queued for longer is lost (None: off)   3600 s
GENSTATUS_CANCEL_GRACE         wait for a provider to confirm a cancel         60 s
GENSTATUS_PROVIDERS            {"name": "dotted.path.ProviderClass" or None}   {}
GENSTATUS_OPERATION_TYPES      extra operation types [(value, label), ...]     []
GENSTATUS_SHOW_COMPLETED       badges show completed generations               False
GENSTATUS_OPEN_ASSET_URL       dotted path of ``f(asset[, request]) -> url``   None
GENSTATUS_ASSET_THUMBNAIL_URL  ``f(asset) -> url``: a panel row's thumbnail  None
GENSTATUS_LIVE                 publish changes to the channel layer            True
GENSTATUS_LIVE_COALESCE        seconds to coalesce a burst of changes          0.05
GENSTATUS_LIVE_USER_RECHECK    re-read a live socket's user this often         60 s
GENSTATUS_API_MAX_BATCH        max asset ids per batch status call             500
GENSTATUS_TASK_BACKEND         Django Tasks backend alias for provider runs    "default"
GENSTATUS_TASK_QUEUE           queue name for provider runs                    "default"
GENSTATUS_PRUNE_COMPLETED      prune completed rows older than this (or None)  30 days
GENSTATUS_PRUNE_FAILED         prune failed/cancelled rows older than this     90 days
GENSTATUS_REAPER_SILENT_AFTER  health banner: the reaper ran longer ago than  300 s
GENSTATUS_METRICS_TOKEN        bearer token a metrics scrape may present       None
GENSTATUS_METRICS_ANONYMOUS    serve metrics to anyone (a private network)     False
=============================  ==============================================  ============
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

OPERATION_TYPES: list[tuple[str, str]] = [
    ("text_to_image", "Text to image"),
    ("image_to_image", "Image to image"),
    ("text_to_video", "Text to video"),
    ("image_to_video", "Image to video"),
    ("video_extend", "Video extend"),
]

DEFAULTS: dict[str, Any] = {
    "ASSET_MODEL": "",
    "MAX_RETRIES": 3,
    "STALE_AFTER": timedelta(minutes=10),
    "QUEUED_STALE_AFTER": timedelta(hours=1),
    "CANCEL_GRACE": timedelta(seconds=60),
    "PROVIDERS": {},
    "OPERATION_TYPES": [],
    "SHOW_COMPLETED": False,
    "OPEN_ASSET_URL": None,
    "ASSET_THUMBNAIL_URL": None,
    "LIVE": True,
    "LIVE_COALESCE": 0.05,
    "LIVE_USER_RECHECK": 60.0,
    "API_MAX_BATCH": 500,
    "TASK_BACKEND": "default",
    "TASK_QUEUE": "default",
    "PRUNE_COMPLETED": timedelta(days=30),
    "PRUNE_FAILED": timedelta(days=90),
    "REAPER_SILENT_AFTER": timedelta(minutes=5),
    "METRICS_TOKEN": None,
    "METRICS_ANONYMOUS": False,
}


def _as_timedelta(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))


class GenstatusSettings:
    """Attribute access to ``GENSTATUS_*`` settings with documented defaults."""

    def get(self, name: str) -> Any:
        return getattr(settings, f"GENSTATUS_{name}", DEFAULTS[name])

    @property
    def ASSET_MODEL(self) -> str:
        return str(self.get("ASSET_MODEL") or "")

    @property
    def MAX_RETRIES(self) -> int:
        return int(self.get("MAX_RETRIES"))

    @property
    def STALE_AFTER(self) -> timedelta:
        return _as_timedelta(self.get("STALE_AFTER"))

    @property
    def QUEUED_STALE_AFTER(self) -> timedelta | None:
        """How long a generation may stay pending or queued before the reaper fails it as
        lost; None turns that off."""
        value = self.get("QUEUED_STALE_AFTER")
        return None if value is None else _as_timedelta(value)

    @property
    def CANCEL_GRACE(self) -> timedelta:
        return _as_timedelta(self.get("CANCEL_GRACE"))

    @property
    def PROVIDERS(self) -> dict[str, str | None]:
        return dict(self.get("PROVIDERS"))

    @property
    def OPERATION_TYPES(self) -> list[tuple[str, str]]:
        """The built-in operation types followed by the host's own."""
        extra = [tuple(item) for item in self.get("OPERATION_TYPES")]
        known = {value for value, _ in OPERATION_TYPES}
        return OPERATION_TYPES + [(v, label) for v, label in extra if v not in known]

    @property
    def PROVIDER_CHOICES(self) -> list[tuple[str, str]]:
        """Providers for filters: the configured ones, in settings order."""
        return [(name, name.replace("_", " ").title()) for name in self.PROVIDERS]

    @property
    def SHOW_COMPLETED(self) -> bool:
        return bool(self.get("SHOW_COMPLETED"))

    @property
    def OPEN_ASSET_URL(self) -> str | None:
        value = self.get("OPEN_ASSET_URL")
        return None if value is None else str(value)

    @property
    def ASSET_THUMBNAIL_URL(self) -> str | None:
        value = self.get("ASSET_THUMBNAIL_URL")
        return None if value is None else str(value)

    @property
    def LIVE(self) -> bool:
        return bool(self.get("LIVE"))

    @property
    def LIVE_COALESCE(self) -> float:
        return float(self.get("LIVE_COALESCE"))

    @property
    def LIVE_USER_RECHECK(self) -> float:
        """Seconds (a number or a timedelta)."""
        value = self.get("LIVE_USER_RECHECK")
        seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
        return max(seconds, 0.1)  # a timer: never a busy loop of reads

    @property
    def API_MAX_BATCH(self) -> int:
        return int(self.get("API_MAX_BATCH"))

    @property
    def TASK_BACKEND(self) -> str:
        return str(self.get("TASK_BACKEND"))

    @property
    def TASK_QUEUE(self) -> str:
        return str(self.get("TASK_QUEUE"))

    @property
    def PRUNE_COMPLETED(self) -> timedelta | None:
        """Age after which completed rows are pruned; None keeps them."""
        value = self.get("PRUNE_COMPLETED")
        return None if value is None else _as_timedelta(value)

    @property
    def PRUNE_FAILED(self) -> timedelta | None:
        """Age after which failed and cancelled rows are pruned; None keeps them."""
        value = self.get("PRUNE_FAILED")
        return None if value is None else _as_timedelta(value)

    @property
    def REAPER_SILENT_AFTER(self) -> timedelta:
        """The panel's health banner warns when the reaper's last run is older."""
        return _as_timedelta(self.get("REAPER_SILENT_AFTER"))

    @property
    def METRICS_TOKEN(self) -> str | None:
        """A scrape presenting ``Authorization: Bearer <token>`` may read the metrics."""
        value = self.get("METRICS_TOKEN")
        return str(value) if value else None

    @property
    def METRICS_ANONYMOUS(self) -> bool:
        """True: anyone may read the metrics (protect the URL otherwise, e.g. a network)."""
        return bool(self.get("METRICS_ANONYMOUS"))


genstatus_settings = GenstatusSettings()


def asset_model_label() -> str:
    """The asset model label for model and migration definitions.

    Read when models.py is imported, like ``AUTH_USER_MODEL``. When the setting is missing
    a placeholder keeps imports working so that ``manage.py check`` can report
    genstatus.E001 with its hint instead of a traceback.
    """
    return getattr(settings, "GENSTATUS_ASSET_MODEL", "") or "genstatus.MissingAssetModel"
