"""``{% load genstatus %}``: generation status badges for a host's card templates.

Thin tags over ``genstatus.badges``::

    {% genstatus_assets %}                         {# once per page, e.g. in <head> #}
    {% genstatus_statuses assets as statuses %}    {# one query for the whole page #}
    {% for asset in assets %}
      {% genstatus_badge asset statuses %}
    {% endfor %}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString

from genstatus import badges

register = template.Library()


@register.simple_tag
def genstatus_assets() -> SafeString:
    """The badge stylesheet, the six icon ``<template>``\\s and the live client, once per
    page::

        {% genstatus_assets %}
    """
    return badges.render_assets()


@register.simple_tag
def genstatus_statuses(assets: Iterable[Any]) -> badges.BadgeStatuses:
    """Fetch the badges of a whole page in one query::

        {% genstatus_statuses assets as statuses %}

    ``assets`` is a queryset, a list of assets or of primary keys. With assets annotated by
    ``with_generation_status()`` the one query only counts generations in flight.
    """
    return badges.badge_statuses(assets)


@register.simple_tag
def genstatus_badge(
    asset: Any,
    statuses: Mapping[Any, Any] | None = None,
    *,
    show_completed: bool | None = None,
    offset: Any = None,
    inline: bool = False,
    inflight: bool = True,
) -> SafeString:
    """The status badge of one card::

        {% genstatus_badge asset %}
        {% genstatus_badge asset statuses show_completed=True offset=28 %}

    Reads the status from ``statuses`` (``{% genstatus_statuses %}``) or from the
    annotations of ``with_generation_status()``; without either it costs one query.
    ``show_completed`` overrides ``GENSTATUS_SHOW_COMPLETED``; ``offset`` (pixels or a CSS
    length) moves the badge down, below a provider badge; ``inline=True`` leaves the
    placement to the host's own overlay container; ``inflight=False`` leaves out the
    "N in flight from this asset" badge.
    """
    return badges.render_badge(
        asset,
        statuses,
        show_completed=show_completed,
        offset=offset,
        inline=inline,
        inflight=inflight,
    )
