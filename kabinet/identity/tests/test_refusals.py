"""What the provider's answer must be before anyone is signed in."""

import logging

from kabinet.identity.models import ExternalIdentity
from kabinet.identity.providers import client_for, provider_get
from kabinet.identity.tests.conftest import (
    ACR,
    ALICE_SUB,
    CAROL_SUB,
    DAVE_SUB,
    WEAK_SUB,
    at_provider,
    back,
    begin,
    query,
    sign_in_at,
)
from kabinet.utility.models import Event


def linked(user, providers, key="citadele", sub=ALICE_SUB) -> ExternalIdentity:
    from django.utils import timezone

    return ExternalIdentity.objects.create(
        user=user, provider=key, issuer=providers[key], subject=sub, linked_at=timezone.now()
    )


def assert_not_signed_in(client):
    assert "_auth_user_id" not in client.session


def test_it_sends_state_nonce_pkce_and_acr_values(en_client, personas, providers):
    params = query(begin(en_client, "citadele"))
    assert params["client_id"] == "kabinet-test"
    assert params["redirect_uri"] == "http://testserver/identity/citadele/callback/"
    assert params["scope"] == "openid email profile"
    assert params["acr_values"] == ACR
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


def test_a_tampered_state_is_refused(en_client, personas, providers):
    linked(personas.alice, providers)
    callback = at_provider(begin(en_client, "citadele"), ALICE_SUB)
    state = query(callback)["state"]
    response = back(en_client, callback.replace(state, state[:-2] + "xx"))
    assert response.status_code == 400
    assert "has expired or was already used" in response.content.decode()
    assert_not_signed_in(en_client)


def test_a_replayed_callback_is_refused(en_client, personas, providers):
    linked(personas.alice, providers)
    callback = at_provider(begin(en_client, "citadele"), ALICE_SUB)
    assert back(en_client, callback)["Location"] == "/"
    en_client.logout()
    response = back(en_client, callback)  # the same code and state again
    assert response.status_code == 400
    assert_not_signed_in(en_client)


def test_an_id_token_of_another_sign_in_is_refused(en_client, personas, providers, caplog):
    """Nonce: a code (and so an ID token) issued for the first attempt, brought back to
    the callback with the state of the second, carries the first attempt's nonce."""
    linked(personas.alice, providers)
    first_callback = at_provider(begin(en_client, "citadele"), ALICE_SUB)
    second_state = query(begin(en_client, "citadele"))["state"]
    code = query(first_callback)["code"]
    with caplog.at_level(logging.WARNING, logger="kabinet.identity.providers"):
        response = en_client.get(f"/identity/citadele/callback/?code={code}&state={second_state}")
    assert response.status_code == 400
    assert "did not confirm who you are" in response.content.decode()
    assert "nonce" in caplog.text
    assert_not_signed_in(en_client)
    assert not Event.objects.filter(kind="identity.login").exists()


def test_an_id_token_not_signed_with_the_providers_key_is_refused(en_client, personas, providers, google_server):
    """The client is made to take the bank's keys from Google's JWKS: the bank's genuine
    token no longer verifies (as one signed with any key but the bank's would not)."""
    linked(personas.alice, providers)
    authorize = begin(en_client, "citadele")  # discovery done
    client = client_for(provider_get("citadele"))
    google_jwks = f"http://localhost:{google_server.server_port}/jwks"
    client.server_metadata["jwks_uri"] = google_jwks
    client.server_metadata.pop("jwks", None)
    response = back(en_client, at_provider(authorize, ALICE_SUB))
    assert response.status_code == 400
    assert_not_signed_in(en_client)


def test_an_id_token_from_another_issuer_is_refused(en_client, personas, providers, settings):
    """The discovery document must name the issuer we were configured with."""
    settings.OIDC_PROVIDERS["citadele"]["issuer"] = "https://id.example.lv"
    settings.OIDC_PROVIDERS["citadele"]["discovery_url"] = providers["citadele"] + "/.well-known/openid-configuration"
    linked(personas.alice, providers)
    response = sign_in_at(en_client, "citadele", ALICE_SUB)
    assert response.status_code == 400
    assert_not_signed_in(en_client)


def test_a_cancelled_sign_in_says_so(en_client, personas, providers):
    response = back(en_client, at_provider(begin(en_client, "citadele"), deny=True))
    assert response.status_code == 400
    assert "The sign-in at Citadele was cancelled." in response.content.decode()
    assert_not_signed_in(en_client)


def test_an_unreachable_provider_says_so(en_client, personas, settings):
    settings.SITE_URL = "http://testserver"
    settings.OIDC_PROVIDERS = {
        "bank": {"name": "Bank", "issuer": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y"}
    }
    response = en_client.post("/identity/bank/start/")
    assert response.status_code == 502
    assert "Bank cannot be reached just now" in response.content.decode()


def test_staff_are_refused(en_client, personas, providers, password):
    # A staff login proving itself on the link page: not linked.
    sign_in_at(en_client, "citadele", CAROL_SUB)
    response = en_client.post("/identity/link/", {"identifier": "carol", "password": password})
    assert "is for customers" in response.content.decode()
    assert not ExternalIdentity.objects.exists()
    en_client.logout()
    en_client.cookies["django_language"] = "en"  # the logout forgets the language

    # An identity linked while the login was a customer's, the login since made staff.
    linked(personas.dave, providers, sub=DAVE_SUB)
    response = sign_in_at(en_client, "citadele", DAVE_SUB)
    assert response.status_code == 403
    assert "Staff log in with a password and a second factor" in response.content.decode()
    assert_not_signed_in(en_client)
    assert Event.objects.filter(kind="identity.refused", actor=personas.dave).count() == 1


def test_a_signed_in_staff_member_cannot_start_linking(en_client, personas, providers):
    en_client.force_login(personas.carol)
    assert en_client.post("/identity/google/start/").status_code == 403


def test_an_inactive_login_is_not_signed_in(en_client, personas, providers):
    linked(personas.alice, providers)
    personas.alice.is_active = False
    personas.alice.save()
    response = sign_in_at(en_client, "citadele", ALICE_SUB)
    assert response.status_code == 403
    assert_not_signed_in(en_client)


def test_the_start_is_a_post(en_client, personas, providers):
    assert en_client.get("/identity/citadele/start/").status_code == 405


def test_an_unknown_provider_is_404(en_client, personas, providers):
    assert en_client.post("/identity/esia/start/").status_code == 404


def test_a_sign_in_below_the_asked_assurance_level_is_refused(en_client, personas, providers):
    """Citadele is asked for acr_values=substantial; an ID token without that "acr" is not enough."""
    linked(personas.alice, providers, sub=WEAK_SUB)
    response = sign_in_at(en_client, "citadele", WEAK_SUB)
    assert response.status_code == 400
    assert "did not confirm who you are" in response.content.decode()
    assert_not_signed_in(en_client)
