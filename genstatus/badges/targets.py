"""Badges on markup genstatus does not own, declared in settings.

A host names its cards and how to read an asset id from each; no template is copied::

    GENSTATUS_BADGE_TARGETS = [
        {"cards": ".thumbs a", "id_link": r"/photos/(\\d+)/", "paths": [r"^/photos/"]},
        {"cards": "tr.photo", "id_attribute": "data-photo-id", "image": "td img"},
    ]

``BadgeTargetsMiddleware`` (``genstatus.middleware``) puts ``render_targets_snippet()``
before ``</body>`` of the HTML pages a target applies to; a contrib app calls it with
targets of its own. In the browser, ``targets.js`` finds the cards, asks
``render_badges()`` (the ``genstatus:api-asset-badges`` view) for all their badges in one
request, places each over its card's image and leaves them to the live client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from genstatus import ids
from genstatus.badges.assets import render_assets
from genstatus.badges.page import badge_statuses
from genstatus.badges.renderer import options_key
from genstatus.conf import genstatus_settings

__all__ = [
    "SETTING",
    "BadgeTarget",
    "badge_targets",
    "parse_targets",
    "render_badges",
    "render_targets_snippet",
    "targets_for_path",
]

SETTING = "GENSTATUS_BADGE_TARGETS"
MIDDLEWARE = "genstatus.middleware.BadgeTargetsMiddleware"
KEYS = frozenset({"cards", "id_attribute", "id_link", "image", "paths"})

_ATTRIBUTE = re.compile(r"^[A-Za-z_:][-A-Za-z0-9_:.]*$")
# Python-only regex syntax a browser's RegExp does not read the same way.
_PYTHON_ONLY = re.compile(r"\(\?P=|\(\?#|\(\?>|\(\?[aiLmsux]+[):-]|\\[AZ]|[*+?}]\+")


@dataclass(frozen=True)
class BadgeTarget:
    """One kind of card on a host's pages.

    ``cards``: a CSS selector of a card. The card's asset id is read from an attribute
    (``id_attribute``: on the card, else on its first descendant that has it) or from a
    link (``id_link``: a regular expression searched in the absolute URL of the card's
    first matching ``a[href]``, or of the card itself when it is a link; the id is its
    group named ``id``, else its first group). ``image``: a CSS selector, inside the card,
    of what the badge is placed on (``""``: the card itself). ``paths``: regular
    expressions searched in ``request.path_info`` (the path without a script prefix); the
    target applies to every path when empty.
    """

    cards: str
    id_attribute: str = ""
    id_link: str = ""
    image: str = "img"
    paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ValueError(f"Badge target {self.cards!r}: {problem}.")

    @classmethod
    def from_setting(cls, value: Mapping[str, Any]) -> BadgeTarget:
        """A target from one entry of ``GENSTATUS_BADGE_TARGETS``; ValueError naming what is
        wrong with it."""
        if not isinstance(value, Mapping):
            raise ValueError(f"{value!r} is not a dict such as {{'cards': '.card', ...}}.")
        unknown = set(value) - KEYS
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                f"a target takes {', '.join(sorted(KEYS))}."
            )
        if "cards" not in value:
            raise ValueError(f"{dict(value)!r} has no cards (a CSS selector of a card).")
        paths = value.get("paths", ())
        if isinstance(paths, str):
            paths = (paths,)
        if not isinstance(paths, list | tuple):
            raise ValueError(f"paths must be a list of regular expressions, not {paths!r}.")
        return cls(
            cards=value.get("cards", ""),
            id_attribute=value.get("id_attribute", ""),
            id_link=value.get("id_link", ""),
            image=value.get("image", "img"),
            paths=tuple(paths),
        )

    def applies_to(self, path: str) -> bool:
        """Whether the target applies to a request of ``path``."""
        return not self.paths or any(_compiled(pattern).search(path) for pattern in self.paths)

    def client_config(self) -> dict[str, str]:
        """What ``targets.js`` reads: the link pattern in JavaScript's spelling."""
        return {
            "cards": self.cards,
            "image": self.image,
            "idAttribute": self.id_attribute,
            "idLink": self.id_link.replace("(?P<", "(?<"),
        }


def _text(value: Any, name: str, *, empty: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"{name} must be a string, not {value!r}"
    if not empty and not value.strip():
        return f"{name} must not be empty"
    return None


def _link_problem(pattern: str) -> str | None:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"id_link {pattern!r} is not a regular expression ({error})"
    if _PYTHON_ONLY.search(pattern):
        return (
            f"id_link {pattern!r} uses syntax only Python reads (inline flags, \\A, \\Z, "
            "atomic or possessive groups, comments, (?P=...)); browsers read it too"
        )
    if not compiled.groups:
        return f"id_link {pattern!r} has no group: put the id in (...) or (?P<id>...)"
    return None


def _problem(target: BadgeTarget) -> str | None:
    """What is wrong with ``target``, or None."""
    problem = _text(target.cards, "cards") or _text(target.image, "image", empty=True)
    if problem:
        return problem
    if bool(target.id_attribute) == bool(target.id_link):
        return "give exactly one of id_attribute and id_link"
    if target.id_attribute:
        if not isinstance(target.id_attribute, str) or not _ATTRIBUTE.match(target.id_attribute):
            return f"id_attribute {target.id_attribute!r} is not an attribute name"
    else:
        problem = _text(target.id_link, "id_link") or _link_problem(target.id_link)
        if problem:
            return problem
    for pattern in target.paths:
        if not isinstance(pattern, str):
            return f"paths holds {pattern!r}, not a regular expression"
        try:
            re.compile(pattern)
        except re.error as error:
            return f"paths holds {pattern!r}, not a regular expression ({error})"
    return None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_targets(value: Any) -> tuple[BadgeTarget, ...]:
    """``GENSTATUS_BADGE_TARGETS`` as targets; ImproperlyConfigured naming the first bad
    entry."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ImproperlyConfigured(f"{SETTING} must be a list of dicts, not {value!r}.")
    targets = []
    for index, entry in enumerate(value):
        try:
            targets.append(BadgeTarget.from_setting(entry))
        except ValueError as error:
            raise ImproperlyConfigured(f"{SETTING}[{index}]: {error}") from None
    return tuple(targets)


@cache
def badge_targets() -> tuple[BadgeTarget, ...]:
    """The targets of ``GENSTATUS_BADGE_TARGETS`` (read once, again after a change)."""
    return parse_targets(getattr(settings, SETTING, None))


def _clear(**kwargs: Any) -> None:
    if kwargs.get("setting") == SETTING:
        badge_targets.cache_clear()


setting_changed.connect(_clear, dispatch_uid="genstatus.badges.targets.clear")


def targets_for_path(path: str) -> list[BadgeTarget]:
    """The targets of the settings that apply to ``path``."""
    return [target for target in badge_targets() if target.applies_to(path)]


_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _badges_url() -> str:
    try:
        return reverse("genstatus:api-asset-badges")
    except NoReverseMatch:
        return ""


def render_targets_snippet(
    request: Any, targets: Sequence[BadgeTarget], *, assets: bool = True
) -> SafeString:
    """What a page needs for ``targets``: the once-per-page badge assets (unless
    ``assets=False``: the page has ``{% genstatus_assets %}`` already) and the targets as
    JSON for ``targets.js``. The public entry point for contrib apps that insert it
    through their host's hooks. ``request`` is the page's request (kept for hooks)."""
    config = {
        "targets": [target.client_config() for target in targets],
        "badgesUrl": _badges_url(),
        "maxBatch": genstatus_settings.API_MAX_BATCH,
    }
    data = json.dumps(config, separators=(",", ":")).translate(_JSON_ESCAPES)
    script = f'<script type="application/json" data-gs-targets>{data}</script>'
    return mark_safe((render_assets() if assets else "") + script)


def render_badges(values: Iterable[object], user: Any) -> dict[str, str]:
    """``{id as sent: badge markup}`` of the asset ids a page sent, as ``user`` may see
    them, in one query (none for a user who may see nothing). Ids are read by
    ``genstatus.ids.asset_id``; a value that is not one is left out (ids come from a host's
    markup)."""
    keys: dict[str, Any] = {}
    for value in values:
        try:
            key = ids.asset_id(value)
        except ids.BadId:
            continue
        if key is not None:
            keys[str(value)] = key
    if not keys:
        return {}
    statuses = badge_statuses(set(keys.values()), user)
    options = options_key()
    return {text: statuses.markup(key, options) for text, key in keys.items()}


@register()
def check_badge_targets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """genstatus.E110: a malformed ``GENSTATUS_BADGE_TARGETS``; genstatus.W110: targets but
    no ``BadgeTargetsMiddleware`` to put them on pages."""
    value = getattr(settings, SETTING, None)
    try:
        targets = parse_targets(value)
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint='Each target is a dict: {"cards": ".card", "id_attribute": "data-id"} or '
                '{"cards": ".card", "id_link": r"/images/(\\d+)/"}, optionally "image" and '
                '"paths" (docs/hosts.md).',
                id="genstatus.E110",
            )
        ]
    if targets and not _middleware_installed():
        return [
            Warning(
                f"{SETTING} is set but {MIDDLEWARE} is not in MIDDLEWARE: no page gets badges.",
                hint=f"Add {MIDDLEWARE!r} to MIDDLEWARE (after AuthenticationMiddleware).",
                id="genstatus.W110",
            )
        ]
    return []


def _middleware_installed() -> bool:
    """Whether MIDDLEWARE holds BadgeTargetsMiddleware or a subclass (django-filer's)."""
    from django.utils.module_loading import import_string

    for dotted in getattr(settings, "MIDDLEWARE", []):
        try:
            middleware = import_string(dotted)
        except ImportError:  # Django's own check reports it
            continue
        # by name along the class's bases: this layer does not import the middleware
        bases = getattr(middleware, "__mro__", ())
        if any(f"{base.__module__}.{base.__qualname__}" == MIDDLEWARE for base in bases):
            return True
    return False
