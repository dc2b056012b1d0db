"""``path("api/genstatus/", include("genstatus.api.urls"))``: names in the ``genstatus``
namespace (``genstatus:api-generation-list``, ``...-detail``, ``...-retry``,
``...-cancel``, ``genstatus:api-asset-statuses``, ``genstatus:api-schema``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from genstatus.api.schema import GenstatusSchemaView
from genstatus.api.views import AssetStatusesView, GenerationViewSet

app_name = "genstatus"

router = SimpleRouter()
router.register("generations", GenerationViewSet, basename="api-generation")

urlpatterns = [
    *router.urls,
    path("statuses/", AssetStatusesView.as_view(), name="api-asset-statuses"),
    path("schema/", GenstatusSchemaView.as_view(), name="api-schema"),
]
