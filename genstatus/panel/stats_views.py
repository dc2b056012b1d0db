"""The Statistics page beside the panel: figures per provider and operation over a
window, charts of completions and failures, the health of the pipeline.

Same permissions as the panel (``AdminView``: the admin's view permission), scoped by
``models.visibility``: a user's own generations, everyone's with
``view_all_generations``. The figures are ``genstatus.stats`` (docs/observability.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from genstatus.conf import genstatus_settings
from genstatus.models import visibility
from genstatus.panel.views import AdminView
from genstatus.stats.charts import bar_chart
from genstatus.stats.figures import ALL, Figures, Statistics, statistics
from genstatus.stats.health import health
from genstatus.stats.windows import WINDOWS, window_of


class PanelStatsView(AdminView):
    """``GET ?window=1h|24h|7d|30d``: the Statistics page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        admin = self.admin
        window = window_of(request.GET.get("window"))
        now = timezone.now()
        visible = visibility(request.user)
        stats = statistics(visible, window, now)
        providers = dict(genstatus_settings.PROVIDER_CHOICES)
        panel_url = admin.panel_url()
        context = {
            **admin.panel_context(request),
            "title": _("Generation statistics"),
            "subtitle": None,
            "is_nav_sidebar_enabled": False,
            "panel_url": panel_url,
            "window": window,
            "windows": [
                {"slug": w.slug, "label": w.label, "selected": w == window} for w in WINDOWS
            ],
            "stats": stats,
            "total": stats.total,
            "groups": self.groups(stats, panel_url),
            "charts": [
                bar_chart(series, providers.get(series.provider, series.provider), window)
                for series in stats.series
            ],
            "health": health(visible, now),
            "show_owner": visible.everybody,
        }
        return TemplateResponse(request, admin.panel_stats_template, context)

    @staticmethod
    def groups(stats: Statistics, panel_url: str) -> list[dict[str, Any]]:
        """Each provider with its total, its operations and its top error codes, each
        code with a link to the panel's failed rows of that provider (and operation)
        created since the window's start."""
        providers = dict(genstatus_settings.PROVIDER_CHOICES)
        operations = dict(genstatus_settings.OPERATION_TYPES)
        since = stats.start.replace(microsecond=0).isoformat()

        def row(figures: Figures) -> dict[str, Any]:
            query = {"status": "failed", "provider": figures.provider, "created_after": since}
            if figures.operation != ALL:
                query["operation_type"] = figures.operation
            return {
                "figures": figures,
                "label": operations.get(figures.operation, figures.operation),
                "failed_url": f"{panel_url}?{urlencode(query)}",
                "error_codes": figures.top_error_codes,
            }

        return [
            {
                "provider": total.provider,
                "label": providers.get(total.provider, total.provider),
                "total": row(total),
                "operations": [row(figures) for figures in operations_figures],
            }
            for total, operations_figures in stats.providers()
        ]
