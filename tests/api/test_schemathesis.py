"""schemathesis over the served OpenAPI schema: the API answers what the schema says.

Every operation, with generated valid and invalid input, signed in by token as a user who
may see and change generations, checked with all of schemathesis's checks (status codes
and content types the schema declares, response bodies matching their schemas, invalid
input refused with a 4xx, no 500). Bounded and deterministic: a fixed number of examples
per operation, derandomized, no deadline, nothing written to ``.hypothesis/``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from genstatus import lifecycle
from tests.api.conftest import grant

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/genstatus/schema/?format=json"


@pytest.fixture
def keep_connection() -> Any:
    """Django's WSGI handler closes the database connection after each request; the
    test's transaction lives on it (PostgreSQL). Django's test client does the same."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(user: Any, asset: Any) -> str:
    """A signed-in user's token, and a few generations for the generated ids to find."""
    changer = grant(user, "change_generation", "view_all_generations")
    generation = lifecycle.create_generation(
        provider="pixverse", operation_type="text_to_image", prompt="a cat", owner=changer
    )
    lifecycle.mark_failed(generation, "boom", code="timeout")
    lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", asset=asset, owner=changer
    )
    return Token.objects.create(user=changer).key


FUZZ = settings(
    max_examples=25,  # per operation and mode: 5 operations x 2 modes, a few seconds
    deadline=None,
    derandomize=True,  # the same examples on every run
    database=None,  # nothing written to .hypothesis/ in the checkout
    suppress_health_check=list(HealthCheck),
)


def operations(token: str) -> list[Any]:
    """The served schema's operations, each case signed in with ``token``."""
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())

    class TokenAuth:
        def get(self, case: Any, context: Any) -> str:
            return token

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    schema.auth.auth(refresh_interval=None)(TokenAuth)
    # ``cursor`` is an opaque token the server issues in ``next`` / ``previous``: no schema
    # can tell a valid one from text. Bad cursors are a 400, tested in test_views/test_fuzz.
    for parameters in _parameter_lists(schema.raw_schema):
        parameters[:] = [p for p in parameters if p.get("name") != "cursor"]
    return [result.ok() for result in schema.get_all_operations()]


def _parameter_lists(raw: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [
        operation["parameters"]
        for operations in raw["paths"].values()
        for operation in operations.values()
        if "parameters" in operation
    ]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.usefixtures("keep_connection")
def test_the_api_answers_what_its_schema_says(token: str, mode: GenerationMode) -> None:
    found = operations(token)
    unsatisfiable: list[str] = []
    assert len(found) == 5
    for operation in found:

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            case.call_and_validate()

        try:
            call()
        except Unsatisfiable:  # no invalid input exists for this operation
            assert mode == GenerationMode.NEGATIVE, operation.label
            unsatisfiable.append(operation.label)
    assert len(unsatisfiable) < len(found)
