"""``{% genstatus_assets %}``: the once-per-page markup of the badges.

The stylesheet, one ``<template data-gs-badge-template="<status>">`` per status (and
``none``) holding that status's badge as the badge renderer builds it, the in-flight
badge's ``<template data-gs-inflight-template>``, and the live client. The live
client clones these templates: it holds no copy of the labels, icons or colours.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from genstatus.badges.renderer import inflight_pattern, renderer_class
from genstatus.states import Status

__all__ = ["ASSETS_TEMPLATE", "assets_context", "badge_templates", "render_assets"]

ASSETS_TEMPLATE = "genstatus/partials/assets.html"


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def badge_templates() -> list[tuple[str, SafeString]]:
    """``[(status or "none", badge markup)]``: what each ``<template data-gs-badge-template>``
    holds, built by the configured ``BadgeRenderer``."""
    renderer = renderer_class()()
    statuses: list[str | None] = [*Status.values, None]
    return [(status or "none", mark_safe(renderer.template(status))) for status in statuses]


def assets_context() -> dict[str, Any]:
    """The context of ``genstatus/partials/assets.html``."""
    return {
        "badge_templates": badge_templates(),
        # %(count)d marks where the live client puts the number
        "inflight_one": inflight_pattern(1),
        "inflight_other": inflight_pattern(2),
        "inflight_badge": mark_safe(renderer_class()().inflight("", None)),
        "ws_path": "/ws/genstatus/",
        "status_url": _reverse("genstatus:api-asset-statuses"),
        "generations_url": _reverse("genstatus:api-generation-list"),
    }


def render_assets(template_name: str = ASSETS_TEMPLATE) -> SafeString:
    """The once-per-page markup. Rendered on every call, never cached: ``{% static %}``
    may give per-request URLs (signed storage URLs that expire)."""
    return mark_safe(render_to_string(template_name, assets_context()))
