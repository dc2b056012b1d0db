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
from genstatus.stats.charts import bar_charts, render_chart
from genstatus.stats.figures import Figures, Statistics, statistics
from genstatus.stats.health import health
from genstatus.stats.percentiles import ALL
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
            "rows": self.rows(stats, panel_url),
            "charts": [
                render_chart(chart) for chart in bar_charts(stats.series, providers, window)
            ],
            "health": health(visible, now),
            "show_owner": visible.everybody,
            "stat_labels": stat_labels(),
        }
        return TemplateResponse(request, admin.panel_stats_template, context)

    @staticmethod
    def rows(stats: Statistics, panel_url: str) -> list[dict[str, Any]]:
        """The table's rows: each provider's total, then its operations; each with its top
        error codes and a link to the panel's failed rows of that provider (and
        operation) created since the window's start."""
        providers = dict(genstatus_settings.PROVIDER_CHOICES)
        operations = dict(genstatus_settings.OPERATION_TYPES)
        since = stats.start.replace(microsecond=0).isoformat()

        def row(figures: Figures) -> dict[str, Any]:
            query = {"status": "failed", "provider": figures.provider, "created_after": since}
            total = figures.operation == ALL
            if not total:
                query["operation_type"] = figures.operation
            failed_url = f"{panel_url}?{urlencode(query)}"
            return {
                "figures": figures,
                "total": total,
                "label": providers.get(figures.provider, figures.provider)
                if total
                else operations.get(figures.operation, figures.operation),
                "failed_url": failed_url,
                # (code, count, the panel's failed rows with that code)
                "error_codes": [
                    (
                        code,
                        number,
                        f"{failed_url}&{urlencode({'error_code': code})}" if code else failed_url,
                    )
                    for code, number in figures.top_error_codes
                ],
            }

        return [
            row(figures)
            for total, operations_figures in stats.providers()
            for figures in (total, *operations_figures)
        ]


def stat_labels() -> dict[str, str]:
    """The table's column names, translated once per page (each phone card repeats them)."""
    return {
        "created": _("Created"),
        "completed": _("Completed"),
        "failed": _("Failed"),
        "cancelled": _("Cancelled"),
        "success": _("Success rate"),
        "wait": _("Queue wait p50 / p95"),
        "run": _("Run duration p50 / p95"),
        "codes": _("Top error codes"),
        "codes_link": _("The failed generations in the panel"),
        "no_code": _("(no code)"),
    }
