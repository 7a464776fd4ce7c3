"""Two real OpenID providers on localhost (oidc-provider-mock: Authlib's authorization
server in a WSGI thread, with discovery, JWKS and RS256-signed ID tokens), configured as
"citadele" (a Latvian bank through a broker) and "google".

The browser's part of the redirect flow is played by an HTTP client against the
provider's real authorization endpoint (its form: POST `sub=…`, or `action=deny`), and
Django's test client for our side; our server talks to the provider's token endpoint and
JWKS over HTTP by itself.
"""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from oidc_provider_mock import User, run_server_in_thread

from kabinet.identity.providers import clients_reset

CLIENT_ID = "kabinet-test"
CLIENT_SECRET = "kabinet-test-secret"  # nosec B105 - the local test provider's
ALICE_SUB = "lv-citadele-0f3a9c"  # an opaque subject, as brokers send them
# An identity at the bank that carries Alice's e-mail (verified!) but is not hers to use.
MALLORY_SUB = "lv-citadele-77aa01"
CAROL_SUB, DAVE_SUB = "lv-citadele-c4201", "lv-citadele-d4202"
# The assurance level the bank is asked for (acr_values) and says it met (the "acr" claim).
ACR = "urn:eparaksts:loa:substantial"
# Someone whom the bank signed in by a weaker method: no "acr" in the ID token.
WEAK_SUB = "lv-citadele-weak01"


@pytest.fixture(scope="session")
def citadele_server():
    mallory = {"email": "alice@example.com", "email_verified": True, "name": "Alise B.", "acr": ACR}
    users = [User(sub=MALLORY_SUB, claims=mallory)] + [
        User(sub=sub, claims={"acr": ACR}) for sub in (ALICE_SUB, CAROL_SUB, DAVE_SUB)
    ]
    with run_server_in_thread(require_nonce=True, user_claims=users) as server:
        yield server


@pytest.fixture(scope="session")
def google_server():
    with run_server_in_thread(require_nonce=True) as server:
        yield server


def issuer_of(server) -> str:
    return f"http://localhost:{server.server_port}"


@pytest.fixture
def providers(settings, citadele_server, google_server) -> dict[str, str]:
    """Both providers switched on; returns their issuers by key."""
    settings.SITE_URL = "http://testserver"
    settings.OIDC_PROVIDERS = {
        "citadele": {
            "name": "Citadele",
            "issuer": issuer_of(citadele_server),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile",
            "acr_values": ACR,
        },
        "google": {
            "name": "Google",
            "issuer": issuer_of(google_server),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid email",
        },
    }
    clients_reset()
    yield {"citadele": issuer_of(citadele_server), "google": issuer_of(google_server)}
    clients_reset()


def begin(client, key: str) -> str:
    """Press "Sign in with …": returns the provider's authorization URL we were sent to."""
    response = client.post(f"/identity/{key}/start/")
    assert response.status_code == 302, response.content
    return response["Location"]


def at_provider(authorize_url: str, sub: str | None = None, *, deny: bool = False) -> str:
    """The person at the provider: signs in as `sub` (or denies); returns where the provider
    sends the browser back (our callback with code and state, or with error)."""
    form = {"action": "deny"} if deny else {"sub": sub}
    response = httpx.post(authorize_url, data=form, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def back(client, callback_url: str):
    """The browser returns to our callback."""
    parts = urlsplit(callback_url)
    return client.get(parts.path + "?" + parts.query)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def sign_in_at(client, key: str, sub: str):
    return back(client, at_provider(begin(client, key), sub))


@pytest.fixture(autouse=True)
def english(client):
    """The pages are read in English here (the utility's first language is Latvian)."""
    client.cookies["django_language"] = "en"
