"""Schemathesis generates requests from the published OpenAPI schema and sends them to the
API in this process with a real personal token: no answer may be a server error or differ
from what the schema says (status codes, bodies, content types)."""

import pytest
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from kabinet.api.main import api
from kabinet.customers.services.api_tokens import api_token_create

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

# The schema /api/v1/openapi.json publishes, built in this process (serving it reads the
# utility's profile, which a test collection cannot); requests go to the WSGI app.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """The WSGI app closes the database connection at the end of each request, as in
    production; in a test that is the connection holding the test's transaction. Django's
    own test client switches this off for its requests; so does this test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alice_token(personas):
    _row, token = api_token_create(user=personas.alice, name="schemathesis")
    return token


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@time_machine.travel("2026-11-28 12:00:00+00:00", tick=False)  # inside the reading window
def test_the_api_keeps_its_schema(case, personas, alice_token):
    positive = case._meta is None or case._meta.generation.mode == GenerationMode.POSITIVE
    if positive and "meter_id" in (case.path_parameters or {}):
        case.path_parameters["meter_id"] = personas.alice_cold.pk  # her meter: the answers that count
    case.call_and_validate(
        headers={"Authorization": f"Bearer {alice_token}"},
        excluded_checks=[
            # A reading can be schema-valid and still refused by the rules of a reading
            # (lower than the last one, a jump to confirm): the documented 422 with the
            # stored attempt, not a schema violation.
            positive_data_acceptance,
            # Unknown query parameters are ignored, as HTTP APIs do, rather than refused.
            negative_data_rejection,
        ],
    )
