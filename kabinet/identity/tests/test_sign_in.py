"""The first sign-in links after the password; the next goes straight in."""

import datetime as dt

import time_machine
from django.contrib.auth import get_user_model

from kabinet.identity.models import ExternalIdentity
from kabinet.identity.tests.conftest import ALICE_SUB, MALLORY_SUB, sign_in_at
from kabinet.utility.models import Event

User = get_user_model()


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_it_links_after_the_password_and_then_signs_straight_in(en_client, personas, providers, password):
    client = en_client
    response = sign_in_at(client, "citadele", ALICE_SUB)
    assert response.status_code == 302 and response["Location"] == "/identity/link/"
    assert signed_in_as(client) is None

    page = client.get("/identity/link/")
    assert page.status_code == 200
    assert "Link this identity to your Kabinet login" in page.content.decode()
    assert "Citadele has confirmed who you are" in page.content.decode()

    response = client.post("/identity/link/", {"identifier": "100001", "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == personas.alice
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.provider, identity.issuer, identity.subject) == (
        personas.alice,
        "citadele",
        providers["citadele"],
        ALICE_SUB,
    )
    assert Event.objects.filter(kind="identity.linked", actor=personas.alice).count() == 1
    assert "identity_pending" not in client.session

    # Next time, in a new browser: the bank alone.
    client.logout()
    first_login_at = identity.last_login_at
    response = sign_in_at(client, "citadele", ALICE_SUB)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == personas.alice
    identity.refresh_from_db()
    assert identity.last_login_at > first_login_at
    assert Event.objects.filter(kind="identity.login", actor=personas.alice).count() == 1
    assert client.get("/").status_code == 200


def test_it_does_not_link_on_a_wrong_password(en_client, personas, providers):
    sign_in_at(en_client, "citadele", ALICE_SUB)
    response = en_client.post("/identity/link/", {"identifier": "alice@example.com", "password": "wrong-horse"})
    assert response.status_code == 200
    assert "The login or password is wrong" in response.content.decode()
    assert not ExternalIdentity.objects.exists()
    assert signed_in_as(en_client) is None
    assert not Event.objects.filter(kind="identity.linked").exists()


def test_it_counts_wrong_passwords_like_the_login_page(en_client, personas, providers):
    sign_in_at(en_client, "citadele", ALICE_SUB)
    for _ in range(3):
        en_client.post("/identity/link/", {"identifier": "alice@example.com", "password": "guess"})
    # The fourth guess right away has to wait, as on the login page (customers/throttle.py).
    response = en_client.post("/identity/link/", {"identifier": "100001", "password": "guess"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_an_email_in_the_id_token_gives_no_access(en_client, personas, providers):
    """The bank says (verified) alice@example.com: still no way into Alice's login."""
    response = sign_in_at(en_client, "citadele", MALLORY_SUB)
    assert response["Location"] == "/identity/link/"
    assert signed_in_as(en_client) is None
    assert not ExternalIdentity.objects.exists()
    page = en_client.get("/identity/link/").content.decode()
    assert "alice@example.com" not in page and "Alise" not in page
    assert en_client.get("/").status_code == 302  # the cabinet still asks for a login


def test_the_verified_identity_waits_ten_minutes(en_client, personas, providers, password):
    start = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        sign_in_at(en_client, "citadele", ALICE_SUB)
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        response = en_client.post("/identity/link/", {"identifier": "100001", "password": password})
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_a_signed_in_customer_links_from_login_and_access(en_client, personas, providers):
    en_client.force_login(personas.alice)
    page = en_client.get("/access/").content.decode()
    assert "Sign-in with a bank or ID provider" in page and "Link Google" in page and "None linked yet." in page

    response = sign_in_at(en_client, "google", "108234567890123456789")
    assert response.status_code == 302 and response["Location"] == "/access/"
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.provider, identity.issuer) == (personas.alice, "google", providers["google"])
    page = en_client.get("/access/").content.decode()
    assert "Google is linked" in page and "Unlink" in page


def test_an_identity_linked_to_one_login_is_not_linked_to_another(en_client, personas, providers, password):
    sign_in_at(en_client, "citadele", ALICE_SUB)
    en_client.post("/identity/link/", {"identifier": "100001", "password": password})
    en_client.logout()
    en_client.cookies["django_language"] = "en"  # the logout forgets the language

    en_client.force_login(personas.bob)
    response = sign_in_at(en_client, "citadele", ALICE_SUB)
    assert response["Location"] == "/access/"
    assert "already linked to another login" in en_client.get("/access/").content.decode()
    assert ExternalIdentity.objects.get().user == personas.alice


def test_it_goes_where_the_login_page_was_asked_to_go_and_nowhere_else(en_client, personas, providers, password):
    from kabinet.identity.tests.conftest import at_provider, back

    page = en_client.get("/login/?next=/readings/").content.decode()
    assert 'name="next" value="/readings/"' in page  # the provider buttons carry it
    start = en_client.post("/identity/citadele/start/", {"next": "/readings/"})
    back(en_client, at_provider(start["Location"], ALICE_SUB))
    response = en_client.post("/identity/link/", {"identifier": "100001", "password": password})
    assert response["Location"] == "/readings/"

    en_client.logout()
    en_client.cookies["django_language"] = "en"
    start = en_client.post("/identity/citadele/start/", {"next": "https://evil.example/"})
    response = back(en_client, at_provider(start["Location"], ALICE_SUB))
    assert response["Location"] == "/"
