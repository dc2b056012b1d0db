"""``BadgeTargetsMiddleware``: badges on pages genstatus does not render, from settings.

Add it after ``AuthenticationMiddleware``::

    MIDDLEWARE = [..., "genstatus.middleware.BadgeTargetsMiddleware"]
    GENSTATUS_BADGE_TARGETS = [{"cards": ".thumb", "id_attribute": "data-id"}]

For a page whose path a target applies to, it puts ``render_targets_snippet()`` before the
last ``</body>``: only in a complete, uncompressed ``text/html`` response with status 200,
never in a streaming one, and only for a user who may see generations (an anonymous visitor
sees no badge, so gets no snippet). A page that already has ``{% genstatus_assets %}``
gets the targets' configuration only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from genstatus.badges.targets import BadgeTarget, render_targets_snippet, targets_for_path

__all__ = ["BadgeTargetsMiddleware", "inject_snippet", "injectable"]

# what render_targets_snippet() writes (lowercase: matched in the lowercased page)
ASSETS_MARKER = b"<template data-gs-badge-template="
TARGETS_MARKER = b'<script type="application/json" data-gs-targets>'


def injectable(response: HttpResponseBase) -> bool:
    """Whether ``response`` is a whole HTML page the snippet may go into."""
    if response.streaming or response.status_code != 200:
        return False
    if response.get("Content-Encoding"):  # gzip, br: the bytes are not HTML text
        return False
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type == "text/html"


def inject_snippet(request: HttpRequest, response: Any, targets: list[BadgeTarget]) -> None:
    """Put the snippet before the last ``</body>`` of ``response`` (nothing without one, or
    when the page has a targets configuration already)."""
    content: bytes = response.content
    lowered = content.lower()
    at = lowered.rfind(b"</body>")
    if at < 0 or TARGETS_MARKER in lowered:
        return
    snippet = render_targets_snippet(request, targets, assets=ASSETS_MARKER not in lowered)
    # a page in a legacy charset gets the translated texts it cannot hold as references
    data = snippet.encode(response.charset, errors="xmlcharrefreplace")
    response.content = content[:at] + data + content[at:]
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))


def _may_see(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class BadgeTargetsMiddleware:
    """Puts the badge targets of ``GENSTATUS_BADGE_TARGETS`` on the pages they apply to."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        response = self.get_response(request)
        targets = self.get_targets(request, response)
        if targets and _may_see(getattr(request, "user", None)):
            inject_snippet(request, response, targets)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response_async(request)
        targets = self.get_targets(request, response)
        if targets and hasattr(request, "auser") and _may_see(await request.auser()):
            inject_snippet(request, response, targets)
        return response

    def get_response_async(self, request: HttpRequest) -> Awaitable[HttpResponseBase]:
        result: Awaitable[HttpResponseBase] = self.get_response(request)
        return result

    def get_targets(self, request: HttpRequest, response: HttpResponseBase) -> list[BadgeTarget]:
        """The targets for this page: those of the settings that apply to its path, when
        the response is a page the snippet may go into."""
        if not injectable(response):
            return []
        return targets_for_path(request.path_info)
