"""What the contrib apps share: comparing model labels and finding a model by label."""

from __future__ import annotations

from django.apps import apps


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
