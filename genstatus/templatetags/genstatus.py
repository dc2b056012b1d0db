"""``{% load genstatus %}``: generation status badges for a host's card templates.

Thin tags over ``genstatus.badges``::

    {% genstatus_assets %}                         {# once per page, e.g. in <head> #}
    {% genstatus_statuses assets as statuses %}    {# one query for the whole page #}
    {% for asset in assets %}
      {% genstatus_badge asset statuses %}
    {% endfor %}
    {% genstatus_badge_wrap asset statuses %}<img ...>{% endgenstatus_badge_wrap %}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.base import FilterExpression, Variable, token_kwargs
from django.utils.safestring import SafeString

from genstatus import badges

register = template.Library()


@register.simple_tag
def genstatus_assets() -> SafeString:
    """The badge stylesheet, the badge ``<template>``\\s the live client clones and the
    client, once per page::

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
    arguments are parsed once at compile time rather than on every call, and literal
    options (``inline=True``, ``offset=28``) are resolved then too."""

    def __init__(
        self,
        asset: FilterExpression,
        statuses: FilterExpression | None,
        options: dict[str, FilterExpression],
    ) -> None:
        self.asset = asset
        self.statuses = statuses
        self.asset_name = bare_name(asset)
        self.statuses_name = None if statuses is None else bare_name(statuses)
        self.constant_options = {
            name: value.resolve(template.Context())
            for name, value in options.items()
            if is_literal(value)
        }
        self.options = {name: value for name, value in options.items() if not is_literal(value)}
        # the options as BadgeStatuses.markup() takes them, when none varies per card (an
        # offset that is not a CSS length raises its ValueError when the tag renders)
        self.batch_key: badges.Options | None = None
        if not self.options:
            with contextlib.suppress(ValueError):
                self.batch_key = badges.options_key(**self.constant_options)

    def render(self, context: template.Context) -> str:
        statuses = (
            None if self.statuses is None else resolve(self.statuses, self.statuses_name, context)
        )
        if isinstance(statuses, str):  # a missing variable (string_if_invalid): not fetched
            statuses = None
        options = self.constant_options
        if self.options:
            options = {
                **options,
                **{name: value.resolve(context) for name, value in self.options.items()},
            }
        asset = resolve(self.asset, self.asset_name, context)
        if asset is None or (asset.__class__ is str and not asset):  # as a Django variable
            return ""
        # a page's batch knows its user (the type check first: isinstance() of a Mapping
        # subclass goes through the ABC machinery, on every card)
        if type(statuses) is badges.BadgeStatuses or isinstance(statuses, badges.BadgeStatuses):
            return statuses.markup(asset, self.batch_key or badges.options_key(**options))
        return badges.render_badge(asset, statuses, user=context_user(context), **options)


def bare_name(expression: FilterExpression) -> str | None:
    """The variable name of an argument that is just a name (``asset``, ``statuses``), else
    None (a dotted lookup, a filter, a literal)."""
    var = expression.var
    if expression.filters or not isinstance(var, Variable) or var.translate:
        return None
    if var.lookups is None or len(var.lookups) != 1:
        return None
    return var.lookups[0]


def resolve(expression: FilterExpression, name: str | None, context: template.Context) -> Any:
    """``expression.resolve(context)``, with a shortcut for a bare variable ``name`` whose
    value is not callable: the tag runs once per card."""
    if name is not None:
        try:
            value = context[name]
        except KeyError:
            return expression.resolve(context)  # string_if_invalid and friends
        if not callable(value):
            return value
    return expression.resolve(context)


LITERAL_NAMES = frozenset({"True", "False", "None"})


def is_literal(expression: FilterExpression) -> bool:
    """True for an argument that is the same on every render: a number, a quoted string,
    True, False or None, without filters."""
    if expression.filters:
        return False
    var = expression.var
    if not isinstance(var, Variable):
        return True  # a quoted string, resolved by the parser
    return var.literal is not None or var.var in LITERAL_NAMES


def parse_badge(token: template.base.Token, parser: template.base.Parser) -> BadgeNode:
    """A ``BadgeNode`` from ``{% <tag> asset [statuses] [option=value ...] %}``."""
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
    return parse_badge(token, parser)


class BadgeWrapNode(template.Node):
    """``{% genstatus_badge_wrap %}``: what it wraps, then the badge in an anchor that
    ``targets.js`` moves onto the wrapped image."""

    def __init__(self, badge: BadgeNode, nodelist: template.NodeList) -> None:
        self.badge = badge
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        content = self.nodelist.render(context)
        badge = self.badge.render(context)
        if not badge:
            return content
        return f'{content}<span class="gs-anchor" data-gs-anchor data-gs-wrap>{badge}</span>'


@register.tag
def genstatus_badge_wrap(parser: template.base.Parser, token: template.base.Token) -> BadgeWrapNode:
    """The status badge of one card, placed over the image it wraps, whatever the card's
    markup (an inline ``<a>``, a table cell, a grid box)::

        {% genstatus_badge_wrap asset statuses %}<img src="..." alt="">{% endgenstatus_badge_wrap %}
        {% genstatus_badge_wrap asset statuses %}
          <a href="..."><img ...></a>
        {% endgenstatus_badge_wrap %}

    Takes the arguments of ``{% genstatus_badge %}`` except ``inline``. The badge is an
    anchor (``<span class="gs-anchor" data-gs-anchor>``) after the wrapped markup, which
    ``targets.js`` ({% genstatus_assets %}) moves onto the last image of it; no wrapper
    element changes the host's layout or selectors.
    """
    badge = parse_badge(token, parser)
    if "inline" in badge.constant_options or "inline" in badge.options:
        raise template.TemplateSyntaxError(
            "genstatus_badge_wrap places its badge over the image; it takes no inline option."
        )
    nodelist = parser.parse(("endgenstatus_badge_wrap",))
    parser.delete_first_token()
    return BadgeWrapNode(badge, nodelist)
