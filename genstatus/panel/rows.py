"""What a panel row shows: the rows' query and the context of ``panel_row.html``.

``GenerationAdmin.get_panel_rows_queryset`` and ``GenerationAdmin.get_panel_row`` call
these; a host overrides those two hooks (documented in docs/panel.md), never these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from genstatus.badges import icon_svg
from genstatus.conf import genstatus_settings
from genstatus.models import Generation, visibility
from genstatus.panel.actions import can_cancel, can_retry
from genstatus.panel.text import Texts, format_duration, preview, time_ago, timestamp
from genstatus.states import status_display

PROMPT_PREVIEW_CHARS = 80
# The generation fields a row prints; the rest (params, six timestamps) loads with the
# row's detail, when it is expanded.
ROW_FIELDS = (
    "id",
    "owner_id",
    "asset_id",
    "provider",
    "operation_type",
    "prompt",
    "status",
    "error_message",
    "retry_count",
    "progress",
    "version",
    "created_at",
    "started_at",
    "finished_at",
    "cancel_requested_at",
)


def owner_name_field() -> str | None:
    """The user field a user prints itself by when the user model keeps
    ``AbstractBaseUser``'s ``__str__`` and ``get_username`` (the username field); None for
    a user model that prints itself its own way."""
    user_model = get_user_model()
    if (
        user_model.__str__ is AbstractBaseUser.__str__
        and user_model.get_username is AbstractBaseUser.get_username
    ):
        return str(user_model.USERNAME_FIELD)
    return None


def rows_queryset(queryset: QuerySet[Generation]) -> QuerySet[Generation]:
    """``queryset`` with what each row shows, and only that: one query per page whatever
    its size; the attempt it was retried as; the owner with its name only (its whole row,
    for a user model that prints itself its own way)."""
    rows = queryset.select_related("retried_as", "owner")
    name_field = owner_name_field()
    owner = [] if name_field is None else [f"owner__{name_field}"]
    # the page's assets in one more query (``IN`` of at most a page of ids), named by
    # their ``str`` and shown by GENSTATUS_ASSET_THUMBNAIL_URL: never a query per row
    return rows.only(*ROW_FIELDS, "retried_as__id", *owner).prefetch_related("asset")


@dataclass(frozen=True)
class RowUrls:
    """``pk -> URL`` functions of the admin views a row links to."""

    change: Callable[[Any], str]
    detail: Callable[[Any], str]
    open_asset: Callable[[Any], str]


@dataclass(frozen=True)
class RowSetup:
    """What every row of a request shares: its URLs, the time rows are "ago" from, and
    the configured labels of providers and operations (``GENSTATUS_PROVIDERS``,
    ``GENSTATUS_OPERATION_TYPES``)."""

    urls: RowUrls
    now: datetime
    providers: Mapping[str, str] = field(default_factory=dict)
    operations: Mapping[str, str] = field(default_factory=dict)
    texts: Texts = field(default_factory=Texts.active)


def object_url_function(url_name: str) -> Callable[[Any], str]:
    """``pk -> URL`` of the view ``url_name`` (a ``<object_id>`` route), reversed once:
    a page of rows costs one ``reverse()`` per view, not one per row."""
    url = reverse(url_name, args=[0])
    prefix, _sep, rest = url.rpartition("/0/")
    return lambda pk: f"{prefix}/{pk}/{rest}"


def request_row_setup(request: HttpRequest, urls: Callable[[], RowUrls]) -> RowSetup:
    """The ``RowSetup`` of ``request``, made once per request (``urls`` is called then)."""
    setup: RowSetup | None = request.__dict__.get("_genstatus_row_setup")
    if setup is None:
        setup = request.__dict__["_genstatus_row_setup"] = RowSetup(
            urls=urls(),
            now=timezone.now(),
            providers=dict(genstatus_settings.PROVIDER_CHOICES),
            operations=dict(genstatus_settings.OPERATION_TYPES),
        )
    return setup


def shared_rows_context(request: HttpRequest, *, can_change: bool) -> dict[str, Any]:
    """What every row's template reads besides its own context: the permissions and the
    labels (translated once per page, not once per row)."""
    return {
        "has_change_permission": can_change,
        "show_owner": visibility(request.user).everybody,
        "labels": row_labels(),
    }


def retried_as(generation: Generation) -> Generation | None:
    """The attempt ``generation`` was retried as, or None (no query when selected)."""
    try:
        return generation.retried_as
    except Generation.DoesNotExist:
        return None


def row_labels() -> dict[str, str]:
    """The texts of a row, translated in the active language."""
    return {
        "select": _("Select generation"),
        "details": _("Details: parameters, timestamps, history"),
        "cancel_requested": _("Cancel requested"),
        "retry_count": _("Retry count"),
        "retried_as": _("retried as"),
        "retry": _("Retry"),
        "cancel": _("Cancel"),
        "open_asset": _("Open asset"),
        "progress": _("Progress"),
        "owner": _("Owner"),
        "created": _("Created"),
        "duration": _("Duration"),
        "finished": _("Finished"),
        "asset": _("Asset"),
    }


@cache
def _thumbnail_function(dotted: str) -> Callable[[Any], Any]:
    function: Callable[[Any], Any] = import_string(dotted)
    return function


def asset_thumbnail_url(asset: Any) -> str | None:
    """A panel row's thumbnail of ``asset``: ``GENSTATUS_ASSET_THUMBNAIL_URL(asset)``, or
    None (no thumbnail) when unset or when it returns nothing."""
    dotted = genstatus_settings.ASSET_THUMBNAIL_URL
    if not dotted or asset is None:
        return None
    url = _thumbnail_function(dotted)(asset)
    return str(url) if url else None


def row_context(generation: Generation, *, setup: RowSetup) -> dict[str, Any]:
    """The context of one ``genstatus/admin/panel_row.html``."""
    display = status_display(generation.status)
    attempt = retried_as(generation)
    failed_error = generation.error_message if generation.status == "failed" else ""
    urls = setup.urls
    return {
        "generation": generation,
        "display": display,
        "icon": icon_svg(display.icon),
        "title": failed_error or display.description,
        "error": failed_error,
        "cancel_requested": bool(
            generation.cancel_requested_at and generation.status == "processing"
        ),
        "progress": generation.progress if generation.status == "processing" else None,
        "provider": setup.providers.get(generation.provider, generation.provider),
        "operation": setup.operations.get(generation.operation_type, generation.operation_type),
        "id": str(generation.pk),
        "prompt_preview": preview(generation.prompt, PROMPT_PREVIEW_CHARS, setup.texts),
        "created": timestamp(generation.created_at),
        "time_ago": time_ago(generation.created_at, setup.now, setup.texts),
        "finished": timestamp(generation.finished_at) if generation.finished_at else None,
        "finished_ago": time_ago(generation.finished_at, setup.now, setup.texts),
        # finished jobs only: a running job's would change from one read to the next
        "duration": format_duration(duration(generation)),
        "detail_url": urls.detail(generation.pk),
        "owner": generation.owner,
        "retried_as": attempt,
        "retried_as_url": urls.change(attempt.pk) if attempt else None,
        "can_retry": can_retry(generation),
        "can_cancel": can_cancel(generation),
        # resolved when clicked (the open-asset view): an asset URL costs a reverse() each
        "open_asset_url": None if generation.asset_id is None else urls.open_asset(generation.pk),
        # prefetched (rows_queryset): its str names it, the setting may give a thumbnail
        "asset": generation.asset if generation.asset_id is not None else None,
        "asset_thumbnail": asset_thumbnail_url(generation.asset)
        if generation.asset_id is not None
        else None,
    }


def duration(generation: Generation) -> timedelta | None:
    """From start to finish; None before it finished (or when it never started)."""
    if generation.started_at is None or generation.finished_at is None:
        return None
    return generation.finished_at - generation.started_at
