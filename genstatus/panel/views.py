"""The Generations panel page and its rows endpoint.

Class-based views given the ``GenerationAdmin`` they serve (``as_view(model_admin=...)``,
the way Django's ``AutocompleteJsonView`` is given its admin site); the admin wraps them
in ``admin_site.admin_view()``. Every hook they call is the admin's (docs/panel.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from genstatus.conf import genstatus_settings
from genstatus.ids import BadId, generation_ids
from genstatus.models import Generation, visibility
from genstatus.panel.counts import TabCounts, count_tabs, count_title
from genstatus.panel.pagination import (
    BadCursor,
    KeysetPage,
    Matches,
    keyset_page,
    page_from_matches,
)
from genstatus.states import ACTIVE, RETRYABLE, TABS, Status, statuses_of

ALL_STATUSES = frozenset(Status.values)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from genstatus.admin import GenerationAdmin

PAGE_PARAMS = ("after", "before")
MAX_ROWS_PER_FETCH = 50


class AdminView(View):
    """A view of one ``GenerationAdmin``: view permission checked, its site as the
    current app."""

    model_admin: GenerationAdmin | None = None

    @property
    def admin(self) -> GenerationAdmin:
        assert self.model_admin is not None  # given by as_view(model_admin=...)
        return self.model_admin

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.admin.has_view_permission(request):
            raise PermissionDenied
        request.current_app = self.admin.admin_site.name
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]  # every handler here returns an HttpResponse


@dataclass
class PanelFilters:
    """The panel's validated filters: the FilterSet, the query without paging, the
    filters that apply (name → value) and the status filter's value."""

    filterset: Any
    data: QueryDict
    active: dict[str, str]

    @property
    def status(self) -> str:
        return self.active.get("status", "")

    @property
    def search(self) -> str:
        return self.active.get("q", "").strip()

    @property
    def filtered(self) -> bool:
        return any(name not in ("status", "q") for name in self.active)


def read_filters(
    admin: GenerationAdmin, request: HttpRequest, base: QuerySet[Generation], *, quiet: bool
) -> PanelFilters:
    """The request's filters through ``admin.get_panel_filterset``; an invalid one is
    dropped with a message saying so (unless ``quiet``)."""
    data = request.GET.copy()
    for name in (*PAGE_PARAMS, "ids"):
        data.pop(name, None)
    filterset = admin.get_panel_filterset(data, base)
    if not filterset.is_valid():
        for name, errors in filterset.errors.items():
            label = filterset.filters[name].label if name in filterset.filters else name
            for error in errors if not quiet else ():
                messages.error(
                    request,
                    _("Ignored the %(label)s filter: %(error)s")
                    % {"label": str(label).lower(), "error": error},
                )
            data.pop(name, None)
        filterset = admin.get_panel_filterset(data, base)
        filterset.is_valid()
    active = {
        name: str(value)
        for name, value in data.items()
        if value not in (None, "")
        and (filter_name := _filter_of(filterset, name)) is not None
        and filter_name not in filterset.errors
    }
    return PanelFilters(filterset, data, active)


def queryset_without(filterset: Any, name: str) -> QuerySet[Generation]:
    """``filterset.qs`` without filter ``name`` (the tab counts' base: every filter but the
    status), from the same validated FilterSet and its own ``filter_queryset``."""
    cleaned = filterset.form.cleaned_data
    if name not in cleaned:
        return filterset.qs  # type: ignore[no-any-return]  # django-filter is untyped
    value = cleaned.pop(name)
    try:
        return filterset.filter_queryset(filterset.queryset.all())  # type: ignore[no-any-return]
    finally:
        cleaned[name] = value


def count_panel_tabs(request: HttpRequest, filters: PanelFilters) -> TabCounts:
    """Every tab's count, over the filters but the status."""
    return count_tabs(
        queryset_without(filters.filterset, "status"),
        # the planner's guess for one owner's rows reflects everybody's: count them
        owner_scoped=not visibility(request.user).everybody,
        filtered=filters.filtered,
        searched=bool(filters.search),
    )


def bulk_actions_for(status: str) -> list[tuple[str, str]]:
    """The bulk actions that fit a tab: retry what failed or was cancelled, cancel what
    is active, nothing on completed rows."""
    statuses = statuses_of(status)
    actions = []
    if statuses & RETRYABLE:
        actions.append(("retry", _("Retry selected generations")))
    if statuses & ACTIVE:
        actions.append(("cancel", _("Cancel selected generations")))
    return actions


def _filter_of(filterset: Any, parameter: str) -> str | None:
    """The filter a query parameter belongs to: its own name, or a range filter's
    (``created_on_after`` is ``created_on``'s); None for a parameter of no filter."""
    if parameter in filterset.filters:
        return parameter
    base, _sep, _suffix = parameter.rpartition("_")
    return base if base in filterset.filters else None


class PanelView(AdminView):
    """The panel: tabs with counts, filters, a keyset page of rows, actions."""

    def get(self, request: HttpRequest) -> HttpResponse:
        admin = self.admin
        base = admin.get_queryset(request)
        filters = read_filters(admin, request, base, quiet=False)
        counts = count_panel_tabs(request, filters)
        try:
            page = self.page(request, filters, base, counts)
        except BadCursor as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(f"{request.path}?{filters.data.urlencode()}")
        rows = [admin.get_panel_row(request, generation) for generation in page.rows]
        context = {
            **admin.panel_context(request),
            "title": _("Generations panel"),
            "subtitle": None,
            "is_nav_sidebar_enabled": False,  # the table needs the width
            "tabs": self.tabs(filters, counts),
            "rows": rows,
            "page": page,
            "query_without_page": filters.data.urlencode(),
            "filters": filters.active,
            "filters_json": json.dumps(filters.active, sort_keys=True),
            "search": filters.active.get("q", ""),
            "provider_choices": genstatus_settings.PROVIDER_CHOICES,
            "operation_choices": genstatus_settings.OPERATION_TYPES,
            "bulk_actions": bulk_actions_for(filters.status),
            "status_value": filters.status,
            "current_url": request.get_full_path(),
        }
        return TemplateResponse(request, admin.panel_template, context)

    def page(
        self,
        request: HttpRequest,
        filters: PanelFilters,
        base: QuerySet[Generation],
        counts: TabCounts,
    ) -> KeysetPage:
        """The page asked for; raises ``BadCursor``."""
        admin = self.admin
        after, before = request.GET.get("after"), request.GET.get("before")
        if counts.matches is not None:
            page = self.page_from_matches(filters, base, counts.matches, after, before)
            if page is not None:
                return page
        return keyset_page(
            admin.get_panel_rows_queryset(filters.filterset.qs),
            after=after,
            before=before,
            per_page=admin.panel_per_page,
            limit_before_joins=bool(filters.search),  # a search sorts its matches
        )

    def page_from_matches(
        self,
        filters: PanelFilters,
        base: QuerySet[Generation],
        matches: Matches,
        after: str | None = None,
        before: str | None = None,
    ) -> KeysetPage | None:
        """A page from the ids the counts read: no second search. The rows are
        looked up by id, the status filter (the FilterSet's own) applied again, since a
        status may have changed; None (search again) when a row left the page since, or
        for a status value that names no statuses (``states.statuses_of``)."""
        rows = self.admin.get_panel_rows_queryset(base)
        statuses = None
        if filters.status:
            statuses = statuses_of(filters.status)
            if not statuses <= ALL_STATUSES:
                return None
            rows = filters.filterset.filters["status"].filter(
                rows, filters.filterset.form.cleaned_data["status"]
            )
        return page_from_matches(
            rows, matches, statuses, per_page=self.admin.panel_per_page, after=after, before=before
        )

    @staticmethod
    def tabs(filters: PanelFilters, counts: TabCounts) -> list[dict[str, Any]]:
        pairs = [
            (name, value)
            for name, values in filters.data.lists()
            if name != "status"
            for value in values
        ]
        groups = {tab.group for tab in TABS}
        return [
            {
                "slug": tab.slug,
                "label": tab.label,
                "count": counts.counts[tab.slug],
                "title": count_title(counts.counts[tab.slug]),
                "query": urlencode([*pairs, ("status", tab.group)] if tab.group else pairs),
                # a single status (e.g. ?status=cancelled) has no tab: "All" stays marked
                "selected": tab.group == filters.status
                or (not tab.group and filters.status not in groups),
            }
            for tab in TABS
        ]


class PanelCountsView(AdminView):
    """``GET ?<the page's filters>``: the tab counts as JSON, counted as the page counts
    them (capped, estimated beyond the cap: never a ``COUNT(*)`` of the table); the live
    client refreshes the tabs with it while jobs change."""

    def get(self, request: HttpRequest) -> HttpResponse:
        base = self.admin.get_queryset(request)
        filters = read_filters(self.admin, request, base, quiet=True)
        counts = count_panel_tabs(request, filters).counts
        return JsonResponse(
            {
                "counts": {
                    slug: {"text": str(count), "title": count_title(count), "exact": count.exact}
                    for slug, count in counts.items()
                }
            }
        )


class PanelRowsView(AdminView):
    """``GET ?ids=1&ids=2[&filters]``: those rows as the page renders them (the live
    client inserts and replaces rows with them); with filters, only the rows that match."""

    def get(self, request: HttpRequest) -> HttpResponse:
        admin = self.admin
        try:
            ids, _impossible = generation_ids(request.GET.getlist("ids"))
        except BadId as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        if len(ids) > MAX_ROWS_PER_FETCH:
            return HttpResponseBadRequest(
                _("At most %(limit)d rows at a time.") % {"limit": MAX_ROWS_PER_FETCH},
                content_type="text/plain; charset=utf-8",
            )
        base = admin.get_queryset(request)
        filters = read_filters(admin, request, base, quiet=True)
        queryset = filters.filterset.qs if filters.active else base
        generations = admin.get_panel_rows_queryset(queryset.filter(pk__in=ids)).order_by(
            "-created_at", "-id"
        )
        context = {
            **admin.rows_context(request),
            "rows": [admin.get_panel_row(request, generation) for generation in generations],
            "fragment": True,
        }
        return TemplateResponse(request, admin.panel_rows_template, context)
