"""The panel's views and their routes, for whichever admin mounts them: Django's
(``GenerationAdmin.get_urls``) or Wagtail's (``genstatus.contrib.wagtail``)."""

from __future__ import annotations

from typing import Any

from genstatus.panel.action_views import OpenAssetView, PanelActionView, PanelDetailView
from genstatus.panel.stats_views import PanelStatsView
from genstatus.panel.views import PanelCountsView, PanelRowsView, PanelView


def panel_routes(*, prefix: str, detail: str) -> list[tuple[str, str, Any]]:
    """``(route, name, view class)`` of each panel view: the page and its endpoints under
    ``prefix``, a generation's detail at ``<object_id>/<detail>/``, "open asset" at
    ``<object_id>/open-asset/``. Each view is given its admin by
    ``as_view(model_admin=...)``."""
    return [
        (prefix, "panel", PanelView),
        (f"{prefix}rows/", "panel_rows", PanelRowsView),
        (f"{prefix}counts/", "panel_counts", PanelCountsView),
        (f"{prefix}stats/", "panel_stats", PanelStatsView),
        (f"{prefix}action/", "panel_action", PanelActionView),
        (f"<str:object_id>/{detail}/", "panel_detail", PanelDetailView),
        ("<str:object_id>/open-asset/", "open_asset", OpenAssetView),
    ]
