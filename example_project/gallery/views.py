"""The gallery: the page genstatus decorates with badges."""

from typing import Any

from django.contrib.auth.decorators import login_required as django_login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gallery.models import Asset
from genstatus.mapping import (
    assets_with_active_generations,
    assets_with_failed_generations,
    assets_with_status,
)
from genstatus.models import Generation, visibility

FILTERS = {
    "all": "All",
    "active": "Active",
    "failed": "Failed",
    "completed": "Completed",
}
PAGE_SIZE = 48
# every gallery page sends a visitor to the gallery's login page, open to any user
login_required = django_login_required(login_url="gallery:login")


def visible_assets(user: Any) -> QuerySet[Asset]:
    """The assets a user's gallery shows: their own; everybody's for a user who may see
    every generation (genstatus's visibility rule: a superuser, view_all_generations)."""
    if visibility(user).everybody:
        return Asset.objects.all()
    return Asset.objects.filter(owner=user)


def filter_assets(
    assets: QuerySet[Asset], name: str, generations: QuerySet[Generation] | None = None
) -> QuerySet[Asset]:
    """The seed's All / Active / Failed filter (plus Completed), one query with the page,
    over the ``generations`` the user may see (``Generation.objects.visible_to``)."""
    if name == "active":
        return assets.filter(pk__in=assets_with_active_generations(generations))
    if name == "failed":
        return assets.filter(pk__in=assets_with_failed_generations(generations))
    if name == "completed":
        return assets.filter(pk__in=assets_with_status(["completed"], generations=generations))
    return assets


@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("filter", "all")
    if current not in FILTERS:
        current = "all"
    assets = visible_assets(request.user)
    if current != "all":  # only a status filter reads generations (and so checks who sees)
        assets = filter_assets(assets, current, Generation.objects.visible_to(request.user))
    try:
        limit = max(1, min(int(request.GET.get("limit", PAGE_SIZE)), 1000))
    except ValueError:
        limit = PAGE_SIZE
    # the template fetches the page's badges in one query ({% genstatus_statuses %})
    page = assets.order_by("-created_at", "-id")[:limit]
    return render(
        request,
        "gallery/gallery.html",
        {
            "assets": page,
            "filters": FILTERS,
            "current_filter": current,
        },
    )


@login_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(visible_assets(request.user), pk=pk)
    # the asset is one the user may see, but a generation on it may be someone else's: the
    # generations the user may see are listed (genstatus's one visibility rule)
    generations = (
        Generation.objects.visible_to(request.user)
        .filter(asset=asset)
        .order_by("-created_at", "-id")[:20]
    )
    return render(request, "gallery/asset.html", {"asset": asset, "generations": generations})
