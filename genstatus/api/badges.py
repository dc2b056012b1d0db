"""``GET badges/?asset=1,2,3``: server-rendered badges for ``targets.js``.

A plain Django view (not part of the REST API's schema): it answers the browser on pages
whose cards genstatus does not render (``GENSTATUS_BADGE_TARGETS``), with the markup the
badge renderer builds, in one query for the whole batch.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from genstatus.badges.targets import render_badges
from genstatus.conf import genstatus_settings


@never_cache
@require_GET
def asset_badges(request: HttpRequest) -> JsonResponse:
    """``{"badges": {id: markup}}`` for the comma-separated ``asset`` ids the page's user
    may see; ids that are not ids are left out. 403 for an anonymous user (who sees no
    badge), 400 beyond ``GENSTATUS_API_MAX_BATCH`` ids."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in to see generation badges."}, status=403)
    values = [part for part in request.GET.get("asset", "").split(",") if part]
    limit = genstatus_settings.API_MAX_BATCH
    if len(values) > limit:
        message = f"At most {limit} asset ids per request."
        return JsonResponse({"detail": message}, status=400)
    return JsonResponse({"badges": render_badges(values, request.user)})
