"""``BadgeRenderer``: the one renderer of badge markup.

The tag, the widget, ``render_badge`` and the ``<template>``\\s the live client clones all
come from here. A project customises badges by subclassing ``BadgeRenderer``, overriding
its ``get_*`` hooks, and naming the subclass in ``GENSTATUS_BADGE_RENDERER``::

    # myapp/badges.py
    class MyRenderer(BadgeRenderer):
        def get_classes(self, status):
            return super().get_classes(status) + " my-badge"

    # settings.py
    GENSTATUS_BADGE_RENDERER = "myapp.badges.MyRenderer"

Hooks are asked once per status and page, not once per card: the markup of a status is
built once and each card adds its ids and numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from genstatus.badges.query import Row
from genstatus.states import DISPLAY, Status

__all__ = [
    "ICONS",
    "BadgeRenderer",
    "Options",
    "icon_svg",
    "options_key",
    "renderer_class",
]

ICONS = ("clock", "layers", "loader", "check", "alert", "x")

# Badge options, normalised (options_key): show_completed (None: the setting), offset (a
# CSS length or ""), inline, inflight.
Options = tuple[bool | None, str, bool, bool]

# A CSS length the offset option accepts: "28", "28px", "1.75rem", "-4px".
_LENGTH = re.compile(r"^-?\d+(\.\d+)?(px|rem|em|%)?$")


def esc(value: Any) -> str:
    """``value`` as escaped HTML text (what a template's autoescape does)."""
    return html.escape(str(value))


# Cached: an icon is a template file, read once per process rather than once per badge.
@cache
def icon_svg(name: str) -> SafeString:
    """The inline SVG markup of icon ``name``, from ``genstatus/icons/<name>.svg``
    (overridable like any template)."""
    if name not in ICONS:
        raise ValueError(f"Unknown genstatus icon {name!r}; expected one of {', '.join(ICONS)}.")
    return mark_safe(render_to_string(f"genstatus/icons/{name}.svg").strip())


def _clear_icons(**kwargs: Any) -> None:
    if kwargs.get("setting") in {"TEMPLATES", "INSTALLED_APPS"}:
        icon_svg.cache_clear()


setting_changed.connect(_clear_icons, dispatch_uid="genstatus.badges.clear_icons")


def css_length(value: Any) -> str:
    """The offset option as a CSS length ("" for none); ValueError for anything else."""
    if value in (None, "", 0, "0"):
        return ""
    text = str(value).strip()
    if not _LENGTH.match(text):
        raise ValueError(
            f"genstatus_badge offset={value!r} is not a CSS length; use a number of pixels "
            'such as 28, or a length such as "1.75rem".'
        )
    return text if text[-1].isalpha() or text.endswith("%") else f"{text}px"


def options_key(
    show_completed: Any = None, offset: Any = None, inline: Any = False, inflight: Any = True
) -> Options:
    """Badge options normalised, so that equal options share a page's batch
    (``offset=28`` and ``offset="28px"`` are one); ValueError for an offset that is not a
    CSS length."""
    return (
        None if show_completed is None else bool(show_completed),
        css_length(offset),
        bool(inline),
        bool(inflight),
    )


def renderer_class() -> type[BadgeRenderer]:
    """The class named by ``GENSTATUS_BADGE_RENDERER`` (a dotted path or a class),
    ``BadgeRenderer`` by default."""
    value = getattr(settings, "GENSTATUS_BADGE_RENDERER", None) or BadgeRenderer
    cls = import_string(value) if isinstance(value, str) else value
    if not (isinstance(cls, type) and issubclass(cls, BadgeRenderer)):
        raise ImproperlyConfigured(
            f"GENSTATUS_BADGE_RENDERER = {value!r} is not a subclass of "
            "genstatus.badges.BadgeRenderer; subclass it and override its get_* hooks."
        )
    return cls


def inflight_pattern(count: int) -> str:
    """The in-flight label for ``count``, translated, its ``%(count)d`` not yet filled in
    (the live client fills in the patterns of one and of other)."""
    return ngettext(
        "%(count)d generation in flight from this asset",
        "%(count)d generations in flight from this asset",
        count,
    )


def _progress_text(status: str, progress: int | None) -> str:
    return f"{progress}%" if status == Status.PROCESSING and progress is not None else ""


class BadgeRenderer:
    """Builds the markup of badges that share one set of options.

    Override the ``get_*`` hooks; each returns plain text (escaped here) except
    ``get_icon`` and ``get_inflight_icon``, which return trusted HTML. The ``data-gs-*``
    attributes, ``role``, ``aria-label`` and ``title`` are the live client's contract and
    are not hooks.
    """

    def __init__(
        self, *, show_completed: bool = False, offset: str = "", inline: bool = False
    ) -> None:
        self.show_completed = show_completed
        self.offset = css_length(offset)
        self.inline = inline
        self._parts: dict[str | None, tuple[str, str, str, str, str]] = {}
        self._frames: dict[str | None, tuple[str, str, str]] = {}
        self._inflight_labels: dict[int, str] = {}

    # -- hooks -----------------------------------------------------------------------------

    def get_texts(self, status: str) -> tuple[str, str]:
        """``(label, description)`` of ``status``, plain text."""
        display = DISPLAY[status]
        return str(display.label), str(display.description)

    def get_empty_label(self) -> str:
        """The accessible name of a card without a generation, plain text."""
        return gettext("No generation")

    def get_icon(self, status: str) -> str:
        """The icon of ``status``, trusted HTML: ``genstatus/icons/<icon>.svg``."""
        return icon_svg(DISPLAY[status].icon)

    def get_classes(self, status: str | None) -> str:
        """The ``class`` of the badge element (``status`` None: no generation); keep
        ``gs-badge`` and ``gs-badge--<status>``."""
        if status is None:
            return "gs-badge gs-badge--none"
        return f"gs-badge gs-badge--{status} gs-status--{DISPLAY[status].color}"

    def get_container_classes(self) -> str:
        """The ``class`` of the element wrapping a card's badges."""
        return "gs-badges" if self.inline else "gs-badges gs-badges--overlay"

    def get_inflight_label(self, count: int) -> str:
        """The accessible name of the in-flight badge, plain text."""
        return inflight_pattern(count) % {"count": count}

    def get_inflight_icon(self) -> str:
        """The in-flight badge's icon, trusted HTML."""
        return icon_svg("layers")

    # -- building blocks -------------------------------------------------------------------

    def parts(self, status: str | None) -> tuple[str, str, str, str, str]:
        """Escaped ``(classes, data-gs-status/label/description attributes, label,
        description, icon)`` of ``status``, built once per renderer."""
        parts = self._parts.get(status)
        if parts is None:
            if status is None:
                label, description, icon = esc(self.get_empty_label()), "", ""
            else:
                label, description = map(esc, self.get_texts(status))
                icon = self.get_icon(status)
            describe = (
                f' data-gs-status="{esc(status or "")}" data-gs-label="{label}"'
                f' data-gs-description="{description}"'
            )
            parts = (esc(self.get_classes(status)), describe, label, description, icon)
            self._parts[status] = parts
        return parts

    @staticmethod
    def tail(
        aria: str,
        title: str,
        hidden: bool,
        icon: str,
        progress: str,
        error: tuple[str, str] | None = None,
    ) -> str:
        """The end of a badge element from its accessible name on (arguments escaped).

        ``error``: ``(label, message)`` of a failed badge, whose message opens on tap and on
        keyboard focus (``focusable`` and the ``gs-badge__error`` popover, the message in a
        ``<bdi>``); an empty message leaves the popover hidden (the live client fills it in).
        """
        focus = ' tabindex="0" data-gs-error' if error and error[1] else ""
        popover = ""
        if error is not None:
            label, message = error
            popover = (
                f'<span class="gs-badge__error" aria-hidden="true"{"" if message else " hidden"}>'
                f"{label}: <bdi data-gs-error-text>{message}</bdi></span>"
            )
        return (
            f' role="img" aria-label="{aria}" title="{title}"{focus}{" hidden" if hidden else ""}>'
            f'{icon}<span class="gs-badge__progress" data-gs-progress-text'
            f"{'' if progress else ' hidden'}>{progress}</span>{popover}</span>"
        )

    def failed(self, status: str | None, message: str = "") -> tuple[str, str] | None:
        """The ``error`` argument of ``tail`` for a badge of ``status`` (escaped message)."""
        return (self.parts(status)[2], message) if status == Status.FAILED else None

    def template(self, status: str | None) -> str:
        """The badge element of ``status`` without ids, numbers or options: what a page's
        ``<template data-gs-badge-template>`` holds for the live client to clone."""
        classes, describe, label, description, icon = self.parts(status)
        if status is None:
            tail = self.tail(label, "", True, "", "")
        else:
            aria = f"{label}: {description}"
            tail = self.tail(aria, description, False, icon, "", self.failed(status))
        return f'<span class="{classes}" data-gs-badge{describe}{tail}'

    def inflight(self, asset_id: str, count: int | None) -> str:
        """The in-flight badge (``asset_id`` escaped); ``count`` None: the template."""
        if count is None:
            label, attrs, number = "", ' data-gs-inflight=""', ""
        else:
            label = self._inflight_labels.get(count) or esc(self.get_inflight_label(count))
            self._inflight_labels[count] = label
            attrs, number = f' data-gs-inflight="{count}" data-gs-asset="{asset_id}"', str(count)
        return (
            f'<span class="gs-inflight"{attrs} role="img" aria-label="{label}" title="{label}">'
            f"{self.get_inflight_icon()}"
            f'<span class="gs-inflight__count" data-gs-inflight-count>{number}</span></span>'
        )

    # -- badges ----------------------------------------------------------------------------

    def _head(self) -> str:
        style = f' style="--gs-badge-offset: {esc(self.offset)}"' if self.offset else ""
        return f'<span class="{esc(self.get_container_classes())}"{style}>'

    def _frame(self, status: str | None) -> tuple[str, str, str]:
        """The fixed parts of a badge of ``status``: up to the asset id, from after the
        generation id to the version, after the progress (no generation: after the asset id)."""
        frame = self._frames.get(status)
        if frame is None:
            classes, describe, label, description, icon = self.parts(status)
            start = f'{self._head()}<span class="{classes}" data-gs-badge data-gs-asset="'
            flag = f'" data-gs-show-completed="{"true" if self.show_completed else "false"}"'
            if status is None:
                end = (
                    f'" data-gs-generation=""{describe} data-gs-version="0" data-gs-progress="'
                    f"{flag}{self.tail(label, '', True, '', '')}"
                )
                frame = (start, "", end)
            else:
                hidden = status == Status.COMPLETED and not self.show_completed
                aria = f"{label}: {description}"
                error = self.failed(status)
                tail = self.tail(aria, description, hidden, "" if hidden else icon, "", error)
                frame = (start, f'"{describe} data-gs-version="', flag + tail)
            self._frames[status] = frame
        return frame

    def _end(self, status: str, progress: int | None, error_message: str) -> str | None:
        """The end of a badge that differs from its status's frame, else None."""
        if status == Status.FAILED and error_message:
            _classes, _describe, label, _description, icon = self.parts(status)
            title = esc(error_message)
            flag = f'" data-gs-show-completed="{"true" if self.show_completed else "false"}"'
            error = (label, title)
            return flag + self.tail(f"{label}: {title}", title, False, icon, "", error)
        text = _progress_text(status, progress)
        if text:
            _classes, _describe, label, description, icon = self.parts(status)
            flag = f'" data-gs-show-completed="{"true" if self.show_completed else "false"}"'
            return flag + self.tail(
                f"{label}: {description} ({text})", description, False, icon, text
            )
        return None

    def render(self, entries: Iterable[tuple[Any, Row | None, int | None]]) -> list[str]:
        """The markup of ``(asset pk, row, in-flight count)`` entries, escaped."""
        markup: list[str] = []
        for pk, row, count in entries:
            asset_id = str(pk) if type(pk) is int else esc(pk)
            close = f"{self.inflight(asset_id, count)}</span>" if count else "</span>"
            if row is None:
                start, _middle, end = self._frame(None)
                markup.append(f"{start}{asset_id}{end}{close}")
                continue
            generation_id, status, version, progress, error_message = row
            start, middle, end = self._frame(status)
            end = self._end(status, progress, error_message) or end
            if type(generation_id) is not int:
                generation_id = esc(generation_id)
            markup.append(
                f'{start}{asset_id}" data-gs-generation="{generation_id}{middle}{version}" '
                f'data-gs-progress="{"" if progress is None else progress}{end}{close}'
            )
        return markup

    def render_one(self, pk: Any, row: Row | None, count: int | None) -> SafeString:
        """One badge; built from escaped parts (SafeString() skips mark_safe's keep_lazy)."""
        return SafeString(self.render([(pk, row, count)])[0])

    def context(self, pk: Any, row: Row | None, count: int | None) -> dict[str, Any]:
        """The values of one badge, for a template of a project's own (the widget's
        ``template_name``): the texts and flags this renderer puts in its markup."""
        values: dict[str, Any] = {
            "asset_id": pk,
            "show_completed": "true" if self.show_completed else "false",
            "offset": self.offset,
            "inline": self.inline,
            "inflight": count or None,
        }
        if count:
            values["inflight_label"] = self.get_inflight_label(count)
            values["inflight_icon"] = mark_safe(self.get_inflight_icon())
        if row is None:
            values.update(css_status="none", color="", generation_id="", status_value="")
            values.update(version=0, progress="", progress_text="", title="", icon="")
            values.update(label=self.get_empty_label(), hidden=True, error_message="")
            return values
        generation_id, status, version, progress, error_message = row
        label, description = self.get_texts(status)
        title = error_message if status == Status.FAILED and error_message else description
        text = _progress_text(status, progress)
        hidden = status == Status.COMPLETED and not self.show_completed
        values.update(css_status=status, color=DISPLAY[status].color, status_value=status)
        values.update(generation_id=generation_id, version=version, title=title, hidden=hidden)
        values["error_message"] = error_message if status == Status.FAILED else ""
        values.update(progress="" if progress is None else progress, progress_text=text)
        values["label"] = f"{label}: {title} ({text})" if text else f"{label}: {title}"
        values["icon"] = "" if hidden else mark_safe(self.get_icon(status))
        return values
