"""The OpenAPI schema: served, valid, and covering exactly genstatus's endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

URL = "/api/genstatus/schema/"


@pytest.fixture
def schema(api: Any) -> dict[str, Any]:
    response = api.get(URL, {"format": "json"})  # public: no sign-in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()  # type: ignore[no-any-return]


def test_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    validate_schema(schema)
    assert schema["info"]["title"] == "django-genstatus API"


def test_schema_lists_exactly_the_genstatus_endpoints(schema: dict[str, Any]) -> None:
    assert {
        (path, method) for path, operations in schema["paths"].items() for method in operations
    } == {
        ("/api/genstatus/generations/", "get"),
        ("/api/genstatus/generations/{id}/", "get"),
        ("/api/genstatus/generations/{id}/retry/", "post"),
        ("/api/genstatus/generations/{id}/cancel/", "post"),
        ("/api/genstatus/statuses/", "get"),
    }


def test_schema_documents_filters_and_error_codes(schema: dict[str, Any]) -> None:
    listing = schema["paths"]["/api/genstatus/generations/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"status", "provider", "operation_type", "q", "asset", "cursor"} <= names
    assert {"created_after", "created_before", "page_size"} <= names
    asset = next(p for p in listing["parameters"] if p["name"] == "asset")
    assert asset["schema"]["type"] == "string"
    assert set(listing["responses"]) == {"200", "400", "403"}
    retry = schema["paths"]["/api/genstatus/generations/{id}/retry/"]["post"]
    assert set(retry["responses"]) == {"201", "403", "404", "409"}
    statuses = schema["paths"]["/api/genstatus/statuses/"]["get"]
    assert [p["name"] for p in statuses["parameters"]] == ["asset"]
    assert statuses["parameters"][0]["required"] is True


def test_schema_is_yaml_by_default(api: Any) -> None:
    response = api.get(URL)
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_schema_tells_which_fields_may_be_null(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    generation = components["Generation"]["properties"]
    for name in ("asset", "retry_of", "retried_as", "owner", "progress"):
        assert generation[name].get("nullable") is True, name
    assert components["GenerationEvent"]["properties"]["actor"]["nullable"] is True
    assert components["AssetStatus"]["properties"]["asset_id"]["type"] == "integer"


def test_schema_lists_the_configured_choices_and_bounds(schema: dict[str, Any]) -> None:
    listing = schema["paths"]["/api/genstatus/generations/"]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in listing["parameters"]}
    assert parameters["provider"]["enum"] == ["", "pixverse", "sora", "runway"]  # as configured
    assert "text_to_image" in parameters["operation_type"]["enum"]
    assert "maximum" not in parameters["page_size"]  # above 200 is clamped, as documented
    statuses = schema["paths"]["/api/genstatus/statuses/"]["get"]["parameters"][0]["schema"]
    assert statuses["pattern"].startswith("^")  # an empty ``asset`` is outside it: a 400
