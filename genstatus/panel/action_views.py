"""The panel's other views: a row's detail, "open asset", and retry / cancel.

Like ``genstatus.panel.views``, each is given its ``GenerationAdmin`` through
``as_view(model_admin=...)``; every id a client sends is parsed by ``genstatus.ids``.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from genstatus.ids import BadId, generation_id, generation_ids
from genstatus.models import Generation, GenerationEvent
from genstatus.panel.actions import ACTIONS, can_retry, run_bulk
from genstatus.panel.text import format_duration, timestamp
from genstatus.panel.views import AdminView
from genstatus.states import Status, status_display

MAX_BULK_IDS = 500


def _one(queryset: QuerySet[Generation], object_id: str) -> Generation:
    """The generation ``object_id`` names in ``queryset``; 404 for any id that is not
    there, well-formed or not."""
    try:
        pk = generation_id(object_id)
    except BadId:
        pk = None
    if pk is None:
        raise Http404(_("No generation %(id)s.") % {"id": object_id[:40]})
    try:
        return queryset.get(pk=pk)
    except Generation.DoesNotExist:
        raise Http404(_("No generation %(id)s.") % {"id": pk}) from None


class OpenAssetView(AdminView):
    """Redirect to a generation's asset (``get_open_asset_url``), as the admin's "View on
    site" does: a panel row links here instead of resolving 50 asset URLs per page. When
    the user may open no page of the asset, back to the panel with a message."""

    def get(self, request: HttpRequest, object_id: str) -> HttpResponse:
        generation = _one(self.admin.get_queryset(request).select_related("asset"), object_id)
        url = self.admin.get_open_asset_url(request, generation)
        if url:
            return HttpResponseRedirect(url)
        # never a redirect into a 403 or a 404: back to the page the link was on, saying why
        messages.warning(request, _("There is no page of this asset you can open here."))
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = self.admin.panel_url()
        return HttpResponseRedirect(back)


class PanelDetailView(AdminView):
    """A row's detail: full prompt, params, timestamps, duration, event history. The panel
    fetches it with ``?fragment=1`` when a row is expanded; without JavaScript the same
    URL is a page of its own."""

    def get(self, request: HttpRequest, object_id: str) -> HttpResponse:
        admin = self.admin
        events = GenerationEvent.objects.select_related("actor").order_by("created_at", "id")
        generation = _one(
            admin.get_queryset(request)
            .select_related("retried_as")
            .prefetch_related(Prefetch("events", queryset=events)),
            object_id,
        )
        change_url = admin.row_urls(request).change
        times = [
            (label, timestamp(value))
            for label, value in (
                (_("Created"), generation.created_at),
                (_("Started"), generation.started_at),
                (_("Finished"), generation.finished_at),
                (_("Cancel requested"), generation.cancel_requested_at),
                (_("Last heartbeat"), generation.heartbeat_at),
            )
            if value is not None
        ]
        context = {
            **admin.admin_site.each_context(request),
            "opts": admin.opts,
            "title": _("Generation #%(id)s") % {"id": generation.pk},
            "generation": generation,
            "display": status_display(generation.status),
            "params_json": json.dumps(generation.params, indent=2, sort_keys=True),
            "times": times,
            "duration": format_duration(generation.duration),
            "events": [
                {"event": event, "when": timestamp(event.created_at)}
                for event in generation.events.all()
            ],
            "change_url": change_url(generation.pk),
            "retry_of_url": change_url(generation.retry_of_id) if generation.retry_of_id else None,
            "panel_url": admin.panel_url(),
        }
        fragment = bool(request.GET.get("fragment"))
        template = admin.panel_detail_template if fragment else admin.panel_detail_page_template
        return TemplateResponse(request, template, context)


class PanelActionView(AdminView):
    """POST: retry or cancel one row (``row_action=retry:42``) or the selected ones
    (``action`` + ``ids``; a confirmation page first unless ``confirmed``)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        admin = self.admin
        if not admin.has_change_permission(request):
            raise PermissionDenied
        next_url = self.next_url(request)
        action, raw_ids, confirmed = self.requested(request)
        if action not in ACTIONS:
            messages.error(request, _("Choose an action: retry or cancel."))
            return HttpResponseRedirect(next_url)
        try:
            ids, impossible = generation_ids(raw_ids)
        except BadId:
            messages.error(request, _("Those are not generation ids."))
            return HttpResponseRedirect(next_url)
        if not ids and not impossible:
            messages.warning(request, _("Select at least one generation first."))
            return HttpResponseRedirect(next_url)
        if len(ids) + impossible > MAX_BULK_IDS:
            messages.error(
                request, _("At most %(limit)d generations at a time.") % {"limit": MAX_BULK_IDS}
            )
            return HttpResponseRedirect(next_url)
        queryset = admin.get_queryset(request).filter(pk__in=ids).order_by("-created_at", "-id")
        if confirmed and "row_action" in request.POST and action == "cancel":
            # a running job asks first; a waiting one is cancelled at once, as Retry is
            confirmed = not queryset.filter(status=Status.PROCESSING).exists()
        if not confirmed:
            return bulk_confirm_response(admin, request, action, queryset, next_url=next_url)
        generations = list(queryset)
        result = run_bulk(
            action,
            generations,
            actor=request.user,
            missing=len(ids) + impossible - len(generations),
        )
        level = messages.SUCCESS if not result.skipped else messages.WARNING
        if not result.done:
            level = messages.ERROR
        admin.message_user(request, result.message, level=level)
        return HttpResponseRedirect(next_url)

    @staticmethod
    def requested(request: HttpRequest) -> tuple[str, list[str], bool]:
        """``(action, raw ids, confirmed)``: a row button confirms by itself."""
        row_action = request.POST.get("row_action", "")
        if row_action:
            action, _sep, raw_id = row_action.partition(":")
            return action, [raw_id], True
        confirmed = bool(request.POST.get("confirmed"))
        return request.POST.get("action", ""), request.POST.getlist("ids"), confirmed

    def next_url(self, request: HttpRequest) -> str:
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return self.admin.panel_url()


def bulk_confirm_response(
    admin: Any,
    request: HttpRequest,
    action: str,
    queryset: QuerySet[Generation],
    *,
    next_url: str,
) -> HttpResponse:
    """The "Are you sure?" page of a bulk retry or cancel (the panel's and the
    changelist's actions)."""
    generations = list(queryset.select_related("retried_as")[:MAX_BULK_IDS])
    eligible = {g.pk for g in generations if (can_retry(g) if action == "retry" else g.is_active)}
    context = {
        **admin.admin_site.each_context(request),
        "opts": admin.opts,
        "title": _("Are you sure?"),
        "is_nav_sidebar_enabled": False,  # as on the panel, which it comes from
        "action": action,
        "action_label": _("Retry") if action == "retry" else _("Cancel"),
        "generations": [
            {"generation": g, "display": status_display(g.status), "eligible": g.pk in eligible}
            for g in generations
        ],
        "eligible_count": len(eligible),
        "skipped_count": len(generations) - len(eligible),
        "action_url": admin.panel_url("panel_action"),
        "panel_url": admin.panel_url(),
        "next_url": next_url,
    }
    request.current_app = admin.admin_site.name
    return TemplateResponse(request, admin.panel_confirm_template, context)
