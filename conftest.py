import pytest

from kabinet.test import PASSWORD, Personas


@pytest.fixture
def personas(db) -> Personas:
    return Personas("lv")


@pytest.fixture
def ru_personas(db) -> Personas:
    return Personas("ru")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(autouse=True)
def _fresh_utility_profile_cache():
    from kabinet.utility.models import _profile_cache

    _profile_cache.clear()
    yield
    _profile_cache.clear()


@pytest.fixture
def en_client(client):
    """A test client that speaks English (the default language is the utility's)."""
    client.cookies["django_language"] = "en"
    return client
