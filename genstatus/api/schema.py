"""The OpenAPI 3 schema of genstatus's endpoints only, by drf-spectacular.

Served as YAML, or JSON with ``?format=json``; public, like any API description. The
host's other DRF views (and ``SPECTACULAR_SETTINGS`` paths) stay out of it.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

import genstatus
from genstatus.conf import genstatus_settings
from genstatus.filters import STATUS_FILTER_CHOICES


def only_genstatus_endpoints(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """drf-spectacular preprocessing hook: keep the views defined in ``genstatus.api``."""
    return [
        endpoint
        for endpoint in endpoints
        if getattr(endpoint[3], "cls", None) is not None
        and endpoint[3].cls.__module__.startswith("genstatus.api.views")
    ]


# Comma-separated integer asset ids, as ``genstatus.ids.asset_id`` reads them: empty parts
# and spaces are skipped; an id no asset can have matches none.
_ID = r"\s*[+-]?[0-9]+\s*"
_INTEGER_IDS = rf"^(?:{_ID}|\s*)(?:,(?:{_ID}|\s*))*$"  # the list's filter: may be empty
_SOME_INTEGER_IDS = rf"^[\s,]*[+-]?[0-9]+\s*(?:,(?:{_ID}|\s*))*$"  # statuses: one at least


_DATE_TIME_OR_EMPTY = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]
}

_DATE_OR_EMPTY = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]
}


def _query_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The query parameters whose schema depends on the configuration, by (path end, name)."""
    integer_keys = isinstance(
        apps.get_model(genstatus_settings.ASSET_MODEL)._meta.pk, models.IntegerField
    )
    # An empty filter value is no filter (the panel's form sends them): "" is in each enum.
    return {
        ("/generations/", "status"): {
            "type": "string",
            "enum": ["", *(value for value, _label in STATUS_FILTER_CHOICES)],
        },
        ("/generations/", "provider"): {
            "type": "string",
            "enum": ["", *(value for value, _label in genstatus_settings.PROVIDER_CHOICES)],
        },
        ("/generations/", "operation_type"): {
            "type": "string",
            "enum": ["", *(value for value, _label in genstatus_settings.OPERATION_TYPES)],
        },
        ("/generations/", "created_after"): _DATE_TIME_OR_EMPTY,
        ("/generations/", "created_before"): _DATE_TIME_OR_EMPTY,
        ("/generations/", "created_on_after"): _DATE_OR_EMPTY,
        ("/generations/", "created_on_before"): _DATE_OR_EMPTY,
        ("/generations/", "q"): {"type": "string", "maxLength": 200, "pattern": "^[^\\x00]*$"},
        ("/generations/", "asset"): (
            {"type": "string", "pattern": _INTEGER_IDS} if integer_keys else {"type": "string"}
        ),
        ("/statuses/", "asset"): (
            {"type": "string", "pattern": _SOME_INTEGER_IDS, "example": "1,2,3"}
            if integer_keys
            else {"type": "string", "minLength": 1}
        ),
    }


def configured_choices(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the query parameters as the API reads them with
    the current settings, read when the schema is served. ``provider`` and
    ``operation_type`` list the configured values (``GENSTATUS_PROVIDERS``,
    ``GENSTATUS_OPERATION_TYPES``); ``asset`` has the pattern of the asset key's ids."""
    schemas = _query_schemas()
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                for (end, name), schema in schemas.items():
                    if path.endswith(end) and parameter["name"] == name:
                        parameter["schema"] = schema
    return result


class GenstatusSchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]
    serve_public = True

    custom_settings = {
        "TITLE": "django-genstatus API",
        "DESCRIPTION": "Generations (list, detail, retry, cancel) and batch asset status.",
        "VERSION": genstatus.__version__,
        "PREPROCESSING_HOOKS": ["genstatus.api.schema.only_genstatus_endpoints"],
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "genstatus.api.schema.configured_choices",
        ],
    }
