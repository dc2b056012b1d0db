"""What the contrib apps share: comparing model labels, and the two checks each makes
(its host's apps are installed; the asset model is its host's image model)."""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error


def same_model(first: object, second: object) -> bool:
    """Whether two ``"app_label.ModelName"`` labels name one model (model names are
    case-insensitive, as Django's are); False when either is not such a label."""
    if not isinstance(first, str) or not isinstance(second, str):
        return False
    try:
        return apps.get_model(first, require_ready=False) is apps.get_model(
            second, require_ready=False
        )
    except (LookupError, ValueError):
        return first.lower() == second.lower()


def missing_apps(contrib: str, needed: Sequence[str], hint: str, id: str) -> list[CheckMessage]:
    """An error naming the apps of ``needed`` that are not installed (none: no error)."""
    missing = [name for name in needed if not apps.is_installed(name)]
    if not missing:
        return []
    names = ", ".join(repr(name) for name in missing)
    verb = "is" if len(missing) == 1 else "are"
    return [Error(f"{contrib} is installed, but {names} {verb} not.", hint=hint, id=id)]


def asset_model_is(
    image_model: str, *, host: str, setting: str, listing: str, id: str
) -> list[CheckMessage]:
    """An error when ``GENSTATUS_ASSET_MODEL`` is not the host's ``image_model``."""
    asset_model = getattr(settings, "GENSTATUS_ASSET_MODEL", None)
    if same_model(asset_model, image_model):
        return []
    return [
        Error(
            f"GENSTATUS_ASSET_MODEL = {asset_model!r} is not {host}'s image model "
            f"({image_model!r}): {listing} would name other objects.",
            hint=f'Set GENSTATUS_ASSET_MODEL = "{image_model}" ({setting}, or '
            f"{host}'s default), then run migrate.",
            id=id,
        )
    ]
