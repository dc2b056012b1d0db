"""The OpenAPI 3 schema of genstatus's endpoints only, by drf-spectacular.

Served as YAML, or JSON with ``?format=json``; public, like any API description. The
host's other DRF views (and ``SPECTACULAR_SETTINGS`` paths) stay out of it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

import genstatus


def only_genstatus_endpoints(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """drf-spectacular preprocessing hook: keep the views defined in ``genstatus.api``."""
    return [
        endpoint
        for endpoint in endpoints
        if getattr(endpoint[3], "cls", None) is not None
        and endpoint[3].cls.__module__.startswith("genstatus.api.views")
    ]


class GenstatusSchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]
    serve_public = True

    custom_settings = {
        "TITLE": "django-genstatus API",
        "DESCRIPTION": "Generations (list, detail, retry, cancel) and batch asset status.",
        "VERSION": genstatus.__version__,
        "PREPROCESSING_HOOKS": ["genstatus.api.schema.only_genstatus_endpoints"],
    }
