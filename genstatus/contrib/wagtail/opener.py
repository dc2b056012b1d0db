""" "Open asset" for a Wagtail image: its page in Wagtail's image editor, for a user who
may edit it there (Wagtail's collection permissions), custom image models included."""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def open_in_wagtail(request: HttpRequest, asset: Model) -> str | None:
    """``wagtailimages:edit`` of ``asset`` when it is Wagtail's image model and the user may
    change it; None otherwise (the next opener is asked)."""
    from wagtail.images import get_image_model
    from wagtail.permissions import policy_registry

    image_model = get_image_model()
    if not isinstance(asset, image_model):
        return None
    user = request.user
    if not user.has_perm("wagtailadmin.access_admin"):
        return None
    policy = policy_registry.get_by_type(image_model)
    if not policy.user_has_permission_for_instance(user, "change", asset):
        return None
    try:
        return reverse("wagtailimages:edit", args=[asset.pk])
    except NoReverseMatch:  # Wagtail's admin is not mounted in this URLconf
        return None
