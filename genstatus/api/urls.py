"""``path("api/genstatus/", include("genstatus.api.urls"))``: names in the ``genstatus``
namespace (``genstatus:api-root``, the browsable root listing the others;
``genstatus:api-generation-list``, ``...-detail``, ``...-retry``, ``...-cancel``,
``genstatus:api-asset-statuses``, ``genstatus:api-schema``)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework.routers import DefaultRouter

from genstatus.api.badges import asset_badges
from genstatus.api.schema import GenstatusSchemaView
from genstatus.api.views import AssetStatusesView, GenerationViewSet, GenstatusRootView

app_name = "genstatus"


class Router(DefaultRouter):
    """DRF's DefaultRouter with a root that also links the views registered by hand."""

    APIRootView = GenstatusRootView
    include_format_suffixes = False  # the same URLs as before the root (and the schema's)
    root_view_name = "api-root"
    extra_root_links = {"statuses": "api-asset-statuses", "schema": "api-schema"}

    def get_api_root_view(self, api_urls: Any = None) -> Any:
        links = {
            prefix: self.routes[0].name.format(basename=basename)
            for prefix, _viewset, basename in self.registry
        }
        return self.APIRootView.as_view(api_root_dict={**links, **self.extra_root_links})


router = Router()
router.register("generations", GenerationViewSet, basename="api-generation")

urlpatterns = [
    *router.urls,
    path("statuses/", AssetStatusesView.as_view(), name="api-asset-statuses"),
    path("schema/", GenstatusSchemaView.as_view(), name="api-schema"),
    # targets.js: server-rendered badges for cards genstatus does not render (not in the schema)
    path("badges/", asset_badges, name="api-asset-badges"),
]
