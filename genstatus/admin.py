"""Admin for generations: the standard changelist plus the Generations panel.

The panel is an extra view under the Generation admin (``get_urls()`` + ``admin_view()``):
tabs with counts, filters through the shared ``GenerationFilterSet``, keyset pages, and
retry / cancel actions that run through ``genstatus.lifecycle``. Templates are class
attributes so a host can swap them.
"""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from genstatus import panel, panel_content
from genstatus.conf import genstatus_settings
from genstatus.filters import GenerationFilterSet
from genstatus.models import VIEW_ALL_PERMISSION, Generation, GenerationEvent
from genstatus.panel_content import PANEL_TEMPLATE
from genstatus.states import GROUPS, Status, status_display

LIFECYCLE_FIELDS = (
    "status",
    "error_message",
    "error_code",
    "retry_count",
    "progress",
    "version",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "heartbeat_at",
    "cancel_requested_at",
    "retry_of",
)
PROMPT_PREVIEW_CHARS = 80
# What a panel row reads of a generation (get_panel_row, panel_row.html, the page cursor):
# the fields a panel.RowValues carries, and the attempt it was retried as.
PANEL_ROW_FIELDS = (*panel.ROW_VALUES, "retried_as__id")
MAX_BULK_IDS = 500
PAGE_PARAMS = ("after", "before")
ALL_STATUSES: frozenset[str] = frozenset(Status.values)


def _filters_as_django_filter_does(filterset: Any) -> bool:
    """True when ``filterset.qs`` is django-filter's: each filter applied in turn."""
    cls = type(filterset)
    return (
        cls.filter_queryset is django_filters.FilterSet.filter_queryset
        and cls.qs is django_filters.FilterSet.qs
    )


def _queryset_without(filterset: Any, name: str) -> QuerySet[Generation] | None:
    """``filterset.qs`` without filter ``name`` (the tab counts' base: every filter but the
    status), from the same validated FilterSet; None for a FilterSet that filters its own
    way (``filter_queryset`` or ``qs`` overridden), which then needs a FilterSet of its
    own."""
    if not _filters_as_django_filter_does(filterset):
        return None
    queryset = filterset.queryset.all()
    for filter_name, value in filterset.form.cleaned_data.items():
        if filter_name != name:
            queryset = filterset.filters[filter_name].filter(queryset, value)
    return queryset


class _LazyAppListSite:
    """An admin site as ``AdminSite.each_context`` sees it, except that the app list (the
    nav sidebar's, which the panel hides) is built only if a template reads it: 0.5 ms
    of permission checks and ``reverse()`` calls per request otherwise."""

    def __init__(self, site: admin.AdminSite) -> None:
        self._site = site

    def __getattr__(self, name: str) -> Any:
        return getattr(self._site, name)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> Any:
        site = self._site
        if app_label is None:  # as each_context calls it (a site may not take app_label)
            return SimpleLazyObject(lambda: site.get_app_list(request))
        return SimpleLazyObject(lambda: site.get_app_list(request, app_label))


def panel_site_context(site: admin.AdminSite, request: HttpRequest) -> dict[str, Any]:
    """``site.each_context(request)``, with ``available_apps`` computed on first use when
    the site does not override ``each_context``."""
    if getattr(site.each_context, "__func__", None) is not admin.AdminSite.each_context:
        return site.each_context(request)
    return admin.AdminSite.each_context(_LazyAppListSite(site), request)


def _owner_name_field() -> str | None:
    """The user field a user prints itself by, when that is the default
    ``AbstractBaseUser.__str__`` and ``get_username`` (the username field); None for a
    user model that overrides either."""
    user_model = get_user_model()
    if (
        user_model.__str__ is AbstractBaseUser.__str__
        and user_model.get_username is AbstractBaseUser.get_username
    ):
        return str(user_model.USERNAME_FIELD)
    return None


def _retried_as(generation: Generation) -> Generation | None:
    """The attempt a generation was retried as, or None; without raising (and catching)
    DoesNotExist for each of the 50 rows when ``select_related`` already read it."""
    if isinstance(generation, panel.RowValues):
        return generation.retried_as
    cache = generation._state.fields_cache
    if "retried_as" in cache:
        return cache["retried_as"]
    try:
        return generation.retried_as
    except Generation.DoesNotExist:
        return None


def _status_group(filterset: Any, status: str) -> frozenset[str] | None:
    """The statuses a panel tab shows (``ALL_STATUSES`` without a status filter), or None
    when a project's own FilterSet may read ``status`` differently from genstatus's (its
    own ``filter_status``, a status filter with another method, its own way of
    filtering)."""
    status_filter = filterset.filters.get("status")
    own = (
        _filters_as_django_filter_does(filterset)
        and getattr(type(filterset), "filter_status", None) is GenerationFilterSet.filter_status
        and getattr(status_filter, "method", None) == "filter_status"
    )
    if not own:
        return None
    if not status:
        return ALL_STATUSES
    return GROUPS.get(status, frozenset({status}))


class ProviderFilter(admin.SimpleListFilter):
    """Providers from GENSTATUS_PROVIDERS: static choices, never a SELECT DISTINCT."""

    title = _("provider")
    parameter_name = "provider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return genstatus_settings.PROVIDER_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(provider=self.value()) if self.value() else queryset


class OperationFilter(admin.SimpleListFilter):
    title = _("operation")
    parameter_name = "operation_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return genstatus_settings.OPERATION_TYPES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(operation_type=self.value()) if self.value() else queryset


class GenerationEventInline(admin.TabularInline):
    model = GenerationEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status_badge",
        "prompt_preview",
        "provider",
        "operation_type",
        "owner",
        "asset",
        "retry_count",
        "created_at",
    )
    list_display_links = ("id", "prompt_preview")
    list_filter = ("status", ProviderFilter, OperationFilter)
    search_fields = ("prompt",)
    list_select_related = ("owner", "asset")
    raw_id_fields = ("owner", "asset", "source_assets")
    readonly_fields = LIFECYCLE_FIELDS
    inlines = [GenerationEventInline]
    date_hierarchy = None
    show_full_result_count = False
    actions = ["retry_selected", "cancel_selected"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "owner",
                    "asset",
                    "source_assets",
                    "provider",
                    "operation_type",
                    "prompt",
                    "params",
                    "provider_job_id",
                )
            },
        ),
        (_("Lifecycle"), {"fields": LIFECYCLE_FIELDS}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Generations are created by the host's code (``lifecycle.create_generation``), so
        that every one has its history and its signals."""
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Everything: a change goes through the lifecycle (retry, cancel), never through a
        form that would write back the whole row a worker may have moved on since."""
        return [str(name) for _, options in self.fieldsets for name in options["fields"]]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing on the change page is editable, so nothing is written."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**no_save, **(extra_context or {})}
        )

    change_list_template = "genstatus/admin/change_list.html"
    panel_template = PANEL_TEMPLATE
    panel_confirm_template = "genstatus/admin/panel_confirm.html"
    panel_detail_template = "genstatus/admin/panel_detail.html"
    panel_detail_page_template = "genstatus/admin/panel_detail_page.html"
    panel_per_page = panel.PER_PAGE
    filterset_class = GenerationFilterSet

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        """A user sees their own generations; view_all_generations (or superuser) sees all."""
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[attr-defined]

    # Changelist columns and actions ------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Generation) -> str:
        display = status_display(obj.status)
        return format_html(
            '<span class="gs-status gs-status--{}" title="{}">{}</span>',
            display.color,
            obj.error_message or display.description,
            display.label,
        )

    @admin.display(description=_("prompt"))
    def prompt_preview(self, obj: Generation) -> str:
        return panel.preview(obj.prompt, PROMPT_PREVIEW_CHARS) or "—"

    @admin.action(description=_("Retry selected generations"), permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Generation]) -> HttpResponse:
        return self.bulk_confirm_response(
            request, "retry", queryset, next_url=request.get_full_path()
        )

    @admin.action(description=_("Cancel selected generations"), permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Generation]) -> HttpResponse:
        return self.bulk_confirm_response(
            request, "cancel", queryset, next_url=request.get_full_path()
        )

    # Hooks -------------------------------------------------------------------------------

    def get_open_asset_url(self, request: HttpRequest, generation: Generation) -> str | None:
        """Where "open asset" goes: GENSTATUS_OPEN_ASSET_URL, get_absolute_url(), admin page."""
        asset = generation.asset
        if asset is None:
            return None
        dotted = genstatus_settings.OPEN_ASSET_URL
        if dotted:
            return str(import_string(dotted)(asset))
        if hasattr(asset, "get_absolute_url"):
            try:
                return str(asset.get_absolute_url())
            except NoReverseMatch:  # the host's public URLs are not mounted here
                pass
        opts = asset._meta
        try:
            return reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[asset.pk],
            )
        except NoReverseMatch:
            return None

    def get_panel_filterset(self, data: QueryDict, queryset: QuerySet[Generation]) -> Any:
        """The FilterSet the panel filters with (shared with the API)."""
        return self.filterset_class(data, queryset=queryset, request=None)

    def get_panel_rows_queryset(self, queryset: QuerySet[Generation]) -> QuerySet[Generation]:
        """Add what each panel row shows, and only that: one query per page whatever its
        size, without the columns a row never prints (``PANEL_ROW_FIELDS``; six timestamps
        and the params JSON cost more to read than the rest of the row). An override of
        ``get_panel_row`` or ``panel_row.html`` that reads another field adds it here
        (``super().get_panel_rows_queryset(queryset).defer(None)`` loads every field).
        The asset is not joined: "open asset" resolves its URL when clicked."""
        queryset = queryset.select_related("retried_as")
        name_field = _owner_name_field()
        if name_field is None:  # the owner prints itself its own way: read the whole user
            return queryset.select_related("owner").only(*PANEL_ROW_FIELDS)
        if panel.default_row_template_in_use():
            # genstatus's row prints the name alone: no user object per row
            return queryset.only(*PANEL_ROW_FIELDS).annotate(
                **{panel.OWNER_NAME: F(f"owner__{name_field}")}
            )
        # an overridden panel_row.html may read {{ row.generation.owner }}: select it, with
        # its name only (never the password hash or the dates)
        return queryset.select_related("owner").only(*PANEL_ROW_FIELDS, f"owner__{name_field}")

    # URLs --------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("panel/", wrap(self.panel_view), name="{}_{}_panel".format(*info)),
            path(
                "<int:object_id>/panel-detail/",
                wrap(self.panel_detail_view),
                name="{}_{}_panel_detail".format(*info),
            ),
            path(
                "<int:object_id>/open-asset/",
                wrap(self.open_asset_view),
                name="{}_{}_open_asset".format(*info),
            ),
            path(
                "panel/action/",
                wrap(require_POST(self.panel_action_view)),
                name="{}_{}_panel_action".format(*info),
            ),
            *super().get_urls(),
        ]

    def panel_url(self) -> str:
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_panel")

    # The panel ---------------------------------------------------------------------------

    def panel_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        base = self.get_queryset(request)
        data = request.GET.copy()
        for name in PAGE_PARAMS:
            data.pop(name, None)
        filterset = self.get_panel_filterset(data, base)
        if not filterset.is_valid():
            for name, errors in filterset.errors.items():
                label = filterset.filters[name].label if name in filterset.filters else name
                for error in errors:
                    messages.error(
                        request,
                        _gettext("Ignored the %(label)s filter: %(error)s")
                        % {"label": str(label).lower(), "error": error},
                    )
                data.pop(name, None)
            filterset = self.get_panel_filterset(data, base)
            filterset.is_valid()
        active: dict[str, str] = {
            name: str(data[name])
            for name in filterset.filters
            if data.get(name) not in (None, "") and name not in filterset.errors
        }
        status = active.get("status", "")

        # the query string minus the status filter, as (name, value) pairs: each tab's link
        without_status_pairs = [
            (name, value) for name, values in data.lists() if name != "status" for value in values
        ]
        unstatused = _queryset_without(filterset, "status")
        if unstatused is None:
            without_status = data.copy()
            without_status.pop("status", None)
            unstatused = self.get_panel_filterset(without_status, base).qs
        tab_counts = panel.count_tabs(
            unstatused,
            # the planner's guess for one owner's rows reflects everybody's: count them
            owner_scoped=not request.user.has_perm(VIEW_ALL_PERMISSION),
            filtered=any(name not in ("status", "q") for name in active),
            searched=bool(active.get("q", "").strip()),
        )
        counts = tab_counts.counts
        after, before = request.GET.get("after"), request.GET.get("before")
        tab_statuses = _status_group(filterset, status)
        page = None
        if tab_counts.matches is not None and not (after or before) and tab_statuses:
            # every match was read for the counts: the first page needs no second search
            page = panel.page_from_matches(
                # the rows by id: the filters (a search's LIKE) need not run again
                self._panel_rows(base),
                tab_counts.matches,
                None if tab_statuses is ALL_STATUSES else tab_statuses,
                per_page=self.panel_per_page,
            )
        if page is None:
            try:
                page = panel.keyset_page(
                    self._panel_rows(filterset.qs),
                    after=after,
                    before=before,
                    per_page=self.panel_per_page,
                    limit_before_joins=bool(active.get("q", "").strip()),  # a search sorts
                )
            except panel.BadCursor as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(f"{request.path}?{data.urlencode()}")

        tab_values = {value for _slug, _label, value in panel.TABS}
        tabs = []
        for slug, label, value in panel.TABS:
            pairs = [*without_status_pairs, ("status", value)] if value else without_status_pairs
            tabs.append(
                {
                    "slug": slug,
                    "label": label,
                    "count": counts[slug],
                    "title": panel.count_title(counts[slug]),
                    "query": urlencode(pairs),
                    # a single status (e.g. ?status=cancelled) has no tab: "All" stays marked
                    "selected": value == status or (not value and status not in tab_values),
                }
            )

        rows = [self.get_panel_row(request, generation) for generation in page.rows]
        has_change_permission = self.has_change_permission(request)
        show_owner = request.user.has_perm(VIEW_ALL_PERMISSION)
        context = {
            **panel_site_context(self.admin_site, request),
            "opts": self.opts,
            "title": _("Generations panel"),
            "subtitle": None,
            "is_nav_sidebar_enabled": False,  # the table needs the width
            "tabs": tabs,
            "rows": rows,
            # genstatus's own panel_row.html is built in Python (same bytes, much faster);
            # an overridden one is rendered by panel.html's {% include %}
            "rows_html": (
                panel.render_rows(
                    rows, has_change_permission=has_change_permission, show_owner=show_owner
                )
                if panel.default_row_template_in_use()
                else None
            ),
            "page": page,
            "query_without_page": data.urlencode(),
            "filters": active,
            "filters_json": json.dumps(active, sort_keys=True),
            "search": active.get("q", ""),
            "provider_choices": genstatus_settings.PROVIDER_CHOICES,
            "operation_choices": genstatus_settings.OPERATION_TYPES,
            # the <option>s of both filters, escaped; the choices stay for an override
            "provider_options": panel.select_options(
                genstatus_settings.PROVIDER_CHOICES, active.get("provider")
            ),
            "operation_options": panel.select_options(
                genstatus_settings.OPERATION_TYPES, active.get("operation_type")
            ),
            "status_value": status,
            "has_change_permission": has_change_permission,
            "show_owner": show_owner,
            "action_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_panel_action"
            ),
            "changelist_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
            ),
            "current_url": request.get_full_path(),
            "count_cap": panel.COUNT_CAP,
        }
        request.current_app = self.admin_site.name
        # genstatus's own panel.html: its content block built in Python (same bytes)
        context["content_html"] = (
            panel_content.render_content(
                context,
                change_url=self._change_url(request)(0),
                csrf_token=get_token(request),
            )
            if context["rows_html"] is not None and self._own_panel_template()
            else None
        )
        return TemplateResponse(request, self.panel_template, context)

    def _own_panel_template(self) -> bool:
        return (
            self.panel_template == PANEL_TEMPLATE and panel_content.default_panel_template_in_use()
        )

    def _panel_rows(self, queryset: QuerySet[Generation]) -> QuerySet[Any]:
        """The page's rows: ``get_panel_rows_queryset``, read as ``panel.RowValues``
        (no model instance per row) while nothing customizes how a row is read or shown;
        model instances otherwise."""
        rows = self.get_panel_rows_queryset(queryset)
        cls = type(self)
        if (
            cls.get_panel_row is _OWN_GET_PANEL_ROW
            and cls.get_panel_rows_queryset is _OWN_GET_PANEL_ROWS_QUERYSET
            and panel.OWNER_NAME in rows.query.annotations  # genstatus's own panel_row.html
            and self._own_panel_template()
        ):
            return panel.as_row_values(rows)
        return rows

    def get_panel_row(self, request: HttpRequest, generation: Generation) -> dict[str, Any]:
        """What one row of the panel shows; override to add to it.

        Kept lean on purpose: a page has 50 rows and every template variable costs; the
        detail (params, timestamps, history) loads when a row is expanded.
        """
        display = status_display(generation.status)
        retried_as = _retried_as(generation)
        change_url = self._change_url(request)
        # read once per request, not once per row: the time rows are "ago" from, the language
        now_and_language = request.__dict__.get("_genstatus_now")
        if now_and_language is None:
            now_and_language = request.__dict__["_genstatus_now"] = (
                timezone.now(),
                get_language(),
            )
        now, language = now_and_language
        return {
            "generation": generation,
            "display": display,
            "icon": panel.icon_svg(display.icon),
            "prompt_preview": panel.preview(
                generation.prompt, PROMPT_PREVIEW_CHARS, language=language
            ),
            "created": panel.timestamp(generation.created_at),
            "time_ago": panel.time_ago(generation.created_at, now, language=language),
            "detail_url": self._change_url(request, "panel_detail")(generation.pk),
            "owner": panel.row_owner(generation),
            "retried_as": retried_as,
            "retried_as_url": change_url(retried_as.pk) if retried_as else None,
            "can_retry": generation.status in panel.RETRYABLE and retried_as is None,
            "can_cancel": panel.can_cancel(generation),
            # resolved when clicked (open_asset_view): an asset URL costs a reverse() each
            "open_asset_url": (
                None
                if generation.asset_id is None
                else self._change_url(request, "open_asset")(generation.pk)
            ),
        }

    def open_asset_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Redirect to a generation's asset (``get_open_asset_url``), as the admin's "View on
        site" does: a panel row links here instead of resolving 50 asset URLs per page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        generation = get_object_or_404(
            self.get_queryset(request).select_related("asset"), pk=object_id
        )
        url = self.get_open_asset_url(request, generation)
        if not url:
            raise Http404(_gettext("This generation has no asset page."))
        return HttpResponseRedirect(url)

    def panel_detail_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """A row's detail: full prompt, params, timestamps, duration, event history.

        The panel fetches it with ``?fragment=1`` when a row is expanded; without
        JavaScript the same URL is a page of its own.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = GenerationEvent.objects.select_related("actor").order_by("created_at", "id")
        generation = get_object_or_404(
            self.get_queryset(request)
            .select_related("retried_as")
            .prefetch_related(Prefetch("events", queryset=events)),
            pk=object_id,
        )
        change_url = self._change_url(request)
        times = [
            (label, panel.timestamp(value))
            for label, value in (
                (_gettext("Created"), generation.created_at),
                (_gettext("Started"), generation.started_at),
                (_gettext("Finished"), generation.finished_at),
                (_gettext("Cancel requested"), generation.cancel_requested_at),
                (_gettext("Last heartbeat"), generation.heartbeat_at),
            )
            if value is not None
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _gettext("Generation #%(id)s") % {"id": generation.pk},
            "generation": generation,
            "display": status_display(generation.status),
            "params_json": json.dumps(generation.params, indent=2, sort_keys=True),
            "times": times,
            "duration": panel.format_duration(generation.duration),
            "events": [
                {"event": event, "when": panel.timestamp(event.created_at)}
                for event in generation.events.all()
            ],
            "change_url": change_url(generation.pk),
            "retry_of_url": change_url(generation.retry_of_id) if generation.retry_of_id else None,
            "panel_url": self.panel_url(),
        }
        template = (
            self.panel_detail_template
            if request.GET.get("fragment")
            else self.panel_detail_page_template
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)

    def _change_url(self, request: HttpRequest, view: str = "change") -> Any:
        """A pk -> URL function for ``view``: one reverse() per request, not per row."""
        cache = request.__dict__.setdefault("_genstatus_urls", {})
        if view not in cache:
            url = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}",
                args=[0],
            )
            prefix, _sep, rest = url.rpartition("/0/")

            def url_for(pk: object) -> str:
                return f"{prefix}/{pk}/{rest}"

            cache[view] = url_for
        return cache[view]

    # Actions -----------------------------------------------------------------------------

    def panel_action_view(self, request: HttpRequest) -> HttpResponse:
        """POST: retry or cancel one row (``row_action=retry:42``) or the selected ones
        (``action`` + ``ids``; a confirmation page first unless ``confirmed``)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = self.panel_url()
        confirmed = bool(request.POST.get("confirmed"))
        row_action = request.POST.get("row_action", "")
        if row_action:
            action, _sep, raw_id = row_action.partition(":")
            raw_ids = [raw_id]
            confirmed = True
        else:
            action = request.POST.get("action", "")
            raw_ids = request.POST.getlist("ids")
        if action not in panel.ACTIONS:
            messages.error(request, _gettext("Choose an action: retry or cancel."))
            return HttpResponseRedirect(next_url)
        try:
            ids = sorted({int(value) for value in raw_ids})
        except ValueError:
            messages.error(request, _gettext("Those are not generation ids."))
            return HttpResponseRedirect(next_url)
        if not ids:
            messages.warning(request, _gettext("Select at least one generation first."))
            return HttpResponseRedirect(next_url)
        if len(ids) > MAX_BULK_IDS:
            messages.error(
                request,
                _gettext("At most %(limit)d generations at a time.") % {"limit": MAX_BULK_IDS},
            )
            return HttpResponseRedirect(next_url)
        queryset = self.get_queryset(request).filter(pk__in=ids).order_by("-created_at", "-id")
        if not confirmed:
            return self.bulk_confirm_response(request, action, queryset, next_url=next_url)
        generations = list(queryset)
        result = panel.run_bulk(
            action, generations, actor=request.user, missing=len(ids) - len(generations)
        )
        level = messages.SUCCESS if not result.skipped else messages.WARNING
        if not result.done:
            level = messages.ERROR
        self.message_user(request, result.message, level=level)
        return HttpResponseRedirect(next_url)

    def bulk_confirm_response(
        self,
        request: HttpRequest,
        action: str,
        queryset: QuerySet[Generation],
        *,
        next_url: str,
    ) -> HttpResponse:
        """The "Are you sure?" page of a bulk retry or cancel."""
        generations = list(queryset.select_related("retried_as")[:MAX_BULK_IDS])
        eligible = {
            g.pk for g in generations if (panel.can_retry(g) if action == "retry" else g.is_active)
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Are you sure?"),
            "action": action,
            "action_label": _("Retry") if action == "retry" else _("Cancel"),
            "generations": [
                {"generation": g, "display": status_display(g.status), "eligible": g.pk in eligible}
                for g in generations
            ],
            "eligible_count": len(eligible),
            "skipped_count": len(generations) - len(eligible),
            "action_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_panel_action"
            ),
            "panel_url": self.panel_url(),
            "next_url": next_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.panel_confirm_template, context)


# genstatus's own row hooks: a subclass (or a patch) that replaces either reads model
# instances (GenerationAdmin._panel_rows)
_OWN_GET_PANEL_ROW = GenerationAdmin.get_panel_row
_OWN_GET_PANEL_ROWS_QUERYSET = GenerationAdmin.get_panel_rows_queryset


# Link the panel from the admin index of the default site, unless the host chose its own
# index template (then see docs/panel.md to add the link).
if admin.site.index_template is None:
    admin.site.index_template = "genstatus/admin/index.html"
