"""A deprecation warning for projects that still override ``genstatus/badge.html``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

LEGACY_BADGE_TEMPLATE = "genstatus/badge.html"


@register(Tags.templates)
def check_legacy_badge_template(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """genstatus.W101: a project's ``genstatus/badge.html`` is no longer rendered."""
    try:
        origin = get_template(LEGACY_BADGE_TEMPLATE).origin  # type: ignore[attr-defined]  # backend templates carry it
    except TemplateDoesNotExist:
        return []
    return [
        Warning(
            f"{LEGACY_BADGE_TEMPLATE} ({Path(str(origin.name))}) is no longer used: badges "
            "are built by genstatus.badges.BadgeRenderer.",
            hint="Subclass BadgeRenderer, override its get_* hooks and name it in "
            "GENSTATUS_BADGE_RENDERER (docs/badge.md, 'Customising the markup').",
            id="genstatus.W101",
        )
    ]
