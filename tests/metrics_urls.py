"""The test URLconf with the metrics mounted as docs/observability.md says."""

from django.urls import include, path

from tests.urls import urlpatterns as base

urlpatterns = [*base, path("genstatus/", include("genstatus.metrics"))]
