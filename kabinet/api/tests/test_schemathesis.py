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
from kabinet.api.tests import world
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


@pytest.fixture
def p(personas, settings, private_media):
    """Alice's things of every kind (world.build): the answers that count are about them."""
    settings.PAYMENT_PROVIDER = "sandbox"
    with time_machine.travel(world.NOW, tick=False):
        return world.build(personas)


# A path parameter -> alice's object of that kind.
OWN = {
    "meter_id": "meter",
    "account_id": "account",
    "invoice_id": "invoice",
    "request_id": "request",
    "photo_id": "photo",
    "message_id": "message",
    "invitation_id": "invitation",
    "access_id": "co_access",
    "token_id": "token",
}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@time_machine.travel(world.NOW, tick=False)  # inside the reading window
def test_the_api_keeps_its_schema(case, p, alice_token):
    positive = case._meta is None or case._meta.generation.mode == GenerationMode.POSITIVE
    if positive:
        for name in case.path_parameters or {}:
            if name in OWN:
                case.path_parameters[name] = getattr(p.own, OWN[name])
            elif name == "news_id":
                case.path_parameters[name] = p.news.pk
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
