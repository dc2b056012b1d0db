"""``{% load genstatus %}``: generation status badges for a host's card templates.

Thin tags over ``genstatus.badges``::

    {% genstatus_assets %}                         {# once per page, e.g. in <head> #}
    {% genstatus_statuses assets as statuses %}    {# one query for the whole page #}
    {% for asset in assets %}
      {% genstatus_badge asset statuses %}
    {% endfor %}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.base import FilterExpression, token_kwargs
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


def context_user(context: template.Context) -> Any:
    """The user a page is rendered for: ``request.user``, else a ``user`` variable (the
    auth context processor). None (nothing shown) when neither is there."""
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None else context.get("user")


@register.simple_tag(takes_context=True)
def genstatus_statuses(context: template.Context, assets: Iterable[Any]) -> badges.BadgeStatuses:
    """Fetch the badges of a whole page in one query::

        {% genstatus_statuses assets as statuses %}

    ``assets`` is a queryset, a list of assets or of primary keys. Only the generations
    the page's user may see count (``Generation.objects.visible_to``): the user comes from
    ``request.user`` (or a ``user`` context variable).
    """
    return badges.badge_statuses(assets, context_user(context))


BADGE_OPTIONS = frozenset({"show_completed", "offset", "inline", "inflight"})


class BadgeNode(template.Node):
    """``{% genstatus_badge %}`` as its own node: it renders once per card, so its
    arguments are parsed once at compile time rather than on every call."""

    def __init__(
        self,
        asset: FilterExpression,
        statuses: FilterExpression | None,
        options: dict[str, FilterExpression],
    ) -> None:
        self.asset = asset
        self.statuses = statuses
        self.options = options

    def render(self, context: template.Context) -> str:
        statuses = self.statuses.resolve(context) if self.statuses is not None else None
        options = {name: value.resolve(context) for name, value in self.options.items()}
        # a page's batch knows its user already; only the one-query fallback needs it
        user = None if isinstance(statuses, badges.BadgeStatuses) else context_user(context)
        return badges.render_badge(self.asset.resolve(context), statuses, user=user, **options)


@register.tag
def genstatus_badge(parser: template.base.Parser, token: template.base.Token) -> BadgeNode:
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
    bits = token.split_contents()
    name, rest = bits[0], bits[1:]
    positional = []
    while rest and "=" not in rest[0]:
        positional.append(parser.compile_filter(rest.pop(0)))
    options = token_kwargs(rest, parser, support_legacy=False)
    if rest or not 1 <= len(positional) <= 2:
        raise template.TemplateSyntaxError(
            f"{name} takes an asset, optionally the page's statuses, then options: "
            f"{{% {name} asset statuses offset=28 %}}"
        )
    unknown = set(options) - BADGE_OPTIONS
    if unknown:
        raise template.TemplateSyntaxError(
            f"{name} got unknown option(s) {', '.join(sorted(unknown))}; "
            f"it takes {', '.join(sorted(BADGE_OPTIONS))}."
        )
    statuses = positional[1] if len(positional) == 2 else None
    return BadgeNode(positional[0], statuses, options)
