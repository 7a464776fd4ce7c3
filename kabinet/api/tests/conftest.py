import pytest

from kabinet.customers.services.api_tokens import api_token_create


@pytest.fixture
def alice_token(personas):
    """A personal API token of alice's (the token itself, as shown once)."""
    _row, token = api_token_create(user=personas.alice, name="Home Assistant")
    return token
