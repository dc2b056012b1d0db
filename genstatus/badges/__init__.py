"""Gallery badges: the plain functions behind ``{% genstatus_badge %}`` and the widget.

``badge_statuses(assets, user)`` fetches what a page of badges needs in one query
(``query``); ``render_badge(asset, statuses)`` renders one badge from it (or from the
annotations of ``with_generation_status``) without another query (``page``). The markup
has one renderer, ``BadgeRenderer`` (``renderer``), which a project replaces with a
subclass named in ``GENSTATUS_BADGE_RENDERER``; ``render_assets`` (``assets``) emits the
once-per-page stylesheet, the badge ``<template>``\\s the live client clones, and the
client. ``targets`` puts badges on markup genstatus does not render
(``GENSTATUS_BADGE_TARGETS``, ``render_targets_snippet``).
"""

from __future__ import annotations

from genstatus.badges import checks  # noqa: F401  (registers genstatus.W101)
from genstatus.badges.assets import ASSETS_TEMPLATE, assets_context, badge_templates, render_assets
from genstatus.badges.page import (
    BATCH_OPTION_SETS,
    BadgeData,
    BadgeStatuses,
    asset_pk,
    badge_context,
    badge_statuses,
    render_badge,
)
from genstatus.badges.query import Row
from genstatus.badges.renderer import (
    ICONS,
    BadgeRenderer,
    Options,
    icon_svg,
    options_key,
    renderer_class,
)
from genstatus.badges.targets import BadgeTarget, render_badges, render_targets_snippet
from genstatus.models import EVERYBODY, NOBODY, visibility

__all__ = [
    "ASSETS_TEMPLATE",
    "BATCH_OPTION_SETS",
    "EVERYBODY",
    "ICONS",
    "NOBODY",
    "BadgeData",
    "BadgeRenderer",
    "BadgeStatuses",
    "BadgeTarget",
    "Options",
    "Row",
    "asset_pk",
    "assets_context",
    "badge_context",
    "badge_statuses",
    "badge_templates",
    "icon_svg",
    "options_key",
    "render_assets",
    "render_badge",
    "render_badges",
    "render_targets_snippet",
    "renderer_class",
    "visibility",
]
