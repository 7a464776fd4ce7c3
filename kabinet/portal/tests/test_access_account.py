import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.models import AccessRole, AccountAccess, Invitation, User
from kabinet.notifications.services import outbox_send_due
from kabinet.test import PASSWORD, mail_links, make_account
from kabinet.utility.models import Event, RegistrationProof, Service, UtilityProfile

NEW_PASSWORD = "violet-kettle-harbour-42"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def sent_mail_to(address):
    outbox_send_due()
    return [m for m in mail.outbox if address in m.to]


def link_in(message, part):
    return next(u for u in mail_links(message.body) if part in u)


def invoice(account, amount="41.20", period=dt.date(2026, 9, 1)):
    service = Service.objects.get(code="cold_water")
    return invoice_create(
        account=account,
        period=period,
        lines=[
            LineSpec(
                service=service,
                description="Water",
                quantity=Decimal("1"),
                unit="m3",
                price=Decimal(amount),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=period.replace(day=28),
        due_on=period.replace(day=28),
    )


URLS_FOR_LOGINS = [
    ("get", "portal:access"),
    ("get", "portal:password-change"),
    ("get", "portal:email-change"),
    ("get", "portal:premises-add"),
    ("post", "portal:invite"),
]


@pytest.mark.parametrize("method,name", URLS_FOR_LOGINS)
def test_anonymous_visitors_are_sent_to_login(client, db, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login"))


def test_the_access_page_shows_the_login_and_premises(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:access")).content.decode()
    assert "alice@example.com" in page and "100001" in page and "100002" in page
    assert "200001" not in page
    assert "Invite a person" in page  # the holder manages co-users


# --- password and e-mail ------------------------------------------------------------------


def test_it_changes_the_password_after_checking_the_current_one(client, personas):
    client.force_login(personas.alice)
    wrong = client.post(
        reverse("portal:password-change"),
        {"old_password": "nope", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "current password is wrong" in wrong.content.decode()
    weak = client.post(
        reverse("portal:password-change"), {"old_password": PASSWORD, "password": "alice", "password2": "alice"}
    )
    assert "too short" in weak.content.decode()
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(PASSWORD)

    response = client.post(
        reverse("portal:password-change"),
        {"old_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.headers["Location"] == reverse("portal:access")
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(NEW_PASSWORD)
    assert client.get(reverse("portal:access")).status_code == 200  # still logged in here
    assert any("password was changed" in m.subject for m in sent_mail_to("alice@example.com"))
    assert Event.objects.filter(kind="password.changed", actor=personas.alice).exists()


def test_a_password_change_ends_other_sessions(client, personas, django_user_model):
    from django.test import Client

    other = Client()
    other.force_login(personas.alice)
    client.force_login(personas.alice)
    client.post(
        reverse("portal:password-change"),
        {"old_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert other.get(reverse("portal:dashboard")).status_code == 302


def test_it_changes_the_email_through_a_link_to_the_new_address(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:email-change"), {"email": "alice.new@example.com", "password": PASSWORD})
    assert response.headers["Location"] == reverse("portal:access")
    personas.alice.refresh_from_db()
    assert personas.alice.email == "alice@example.com"  # not until confirmed
    (notice,) = sent_mail_to("alice@example.com")
    assert "alice.new@example.com" in notice.body
    (confirm,) = sent_mail_to("alice.new@example.com")
    link = link_in(confirm, "/email/confirm/")

    client.post(reverse("portal:logout"))  # opened on another device, without a login
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.headers["Location"] == reverse("portal:login")
    personas.alice.refresh_from_db()
    assert personas.alice.email == "alice.new@example.com"
    assert personas.alice.username == "alice.new@example.com"
    changed = [m for m in sent_mail_to("alice@example.com") if "was changed" in m.subject]
    assert changed
    assert client.post(link).status_code == 400  # single use
    login = client.post(reverse("portal:login"), {"identifier": "alice.new@example.com", "password": PASSWORD})
    assert login.status_code == 302


def test_an_email_change_to_a_taken_address_answers_the_same_and_tells_its_owner(client, personas):
    client.force_login(personas.alice)
    taken = client.post(reverse("portal:email-change"), {"email": "bob@example.com", "password": PASSWORD})
    assert taken.status_code == 302
    (notice,) = sent_mail_to("bob@example.com")
    assert "/email/confirm/" not in notice.body
    personas.alice.refresh_from_db()
    assert personas.alice.email == "alice@example.com"


def test_an_email_change_needs_the_password(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:email-change"), {"email": "a3@example.com", "password": "bad"})
    assert response.status_code == 200 and "current password is wrong" in response.content.decode()
    assert sent_mail_to("a3@example.com") == []


def test_an_email_link_fails_if_the_address_was_taken_meanwhile(client, personas):
    client.force_login(personas.alice)
    client.post(reverse("portal:email-change"), {"email": "late@example.com", "password": PASSWORD})
    (confirm,) = sent_mail_to("late@example.com")
    User.objects.create_user(username="late", email="late@example.com", password=PASSWORD)
    response = client.post(link_in(confirm, "/email/confirm/"))
    assert response.status_code == 400
    assert "already used by another login" in response.content.decode()


# --- add premises ----------------------------------------------------------------------------


@pytest.fixture
def third(personas):
    """A third premises of alice's customer, not yet in her login, with an invoice."""
    account = make_account(personas.alice_customer, "100003", "Cietokšņa iela", "2", "7")
    return account, invoice(account)


def test_it_adds_premises_proven_by_the_invoice_amount(client, personas, third):
    account, inv = third
    client.force_login(personas.alice)
    response = client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": "41.20"})
    assert response.headers["Location"] == reverse("portal:dashboard")
    assert AccountAccess.objects.get(user=personas.alice, account=account).role == AccessRole.HOLDER
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Cietokšņa iela 2-7" in page  # the new premises is the chosen one
    assert Event.objects.filter(kind="access.granted", actor=personas.alice).exists()


def test_it_adds_premises_proven_by_the_amount_written_with_a_comma(client, personas, third):
    client.force_login(personas.alice)
    client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": "41,20"})
    assert AccountAccess.objects.filter(user=personas.alice, account=third[0]).exists()


def test_the_invoice_number_proves_premises_only_where_the_utility_allows_it(client, personas, third):
    client.force_login(personas.alice)
    client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": third[1].number})
    assert not AccountAccess.objects.filter(user=personas.alice, account=third[0]).exists()
    profile = UtilityProfile.get()
    profile.registration_proof = RegistrationProof.AMOUNT_OR_NUMBER
    profile.save()
    client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": third[1].number})
    assert AccountAccess.objects.filter(user=personas.alice, account=third[0]).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"account_number": "100003", "proof": "41.21"},
        {"account_number": "100003", "proof": "2026-999999"},
        {"account_number": "999999", "proof": "41.20"},
    ],
)
def test_it_refuses_premises_with_a_wrong_proof(client, personas, third, data):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:premises-add"), data)
    assert response.status_code == 200
    assert "We could not add these premises" in response.content.decode()
    assert not AccountAccess.objects.filter(user=personas.alice, account=third[0]).exists()


def test_it_never_adds_another_customers_account_even_with_its_invoice(client, personas):
    inv = invoice(personas.bob_account)
    client.force_login(personas.alice)
    response = client.post(
        reverse("portal:premises-add"), {"account_number": "200001", "proof": f"{inv.amount_due:.2f}"}
    )
    assert "We could not add these premises" in response.content.decode()
    assert not AccountAccess.objects.filter(user=personas.alice, account=personas.bob_account).exists()


def test_it_throttles_adding_premises(client, personas, third):
    client.force_login(personas.alice)
    for n in range(10):
        client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": f"{n}.99"})
    response = client.post(reverse("portal:premises-add"), {"account_number": "100003", "proof": "41.20"})
    assert response.status_code == 429
    assert not AccountAccess.objects.filter(user=personas.alice, account=third[0]).exists()


def test_a_zero_amount_proves_nothing(client, personas):
    account = make_account(personas.alice_customer, "100004", "Cietokšņa iela", "2", "8")
    inv = invoice(account, amount="0.00")
    assert inv.amount_due == 0
    client.force_login(personas.alice)
    client.post(reverse("portal:premises-add"), {"account_number": "100004", "proof": "0"})
    assert not AccountAccess.objects.filter(user=personas.alice, account=account).exists()


# --- co-users ---------------------------------------------------------------------------------


def invite(client, email="tenant@example.com", role=AccessRole.READINGS):
    return client.post(reverse("portal:invite"), {"email": email, "role": role})


def test_the_holder_invites_a_co_user_who_creates_a_login(client, personas):
    client.force_login(personas.alice)
    response = invite(client)
    assert response.headers["Location"] == reverse("portal:access")
    assert "tenant@example.com" in client.get(reverse("portal:access")).content.decode()
    (message,) = sent_mail_to("tenant@example.com")
    link = link_in(message, "/invitation/")
    client.post(reverse("portal:logout"))

    page = client.get(link).content.decode()
    assert "Rīgas iela 5-12" in page and "submit meter readings only" in page
    response = client.post(
        link, {"first_name": "Ilze", "last_name": "Ozola", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.headers["Location"] == reverse("portal:login")
    tenant = User.objects.get(email="tenant@example.com")
    assert tenant.customer_id is None and tenant.is_active
    access = AccountAccess.objects.get(user=tenant)
    assert access.account == personas.alice_account and access.role == AccessRole.READINGS
    assert client.post(link).status_code == 400  # used

    # The co-user sees the premises and meters, but no invoices or balance.
    client.post(reverse("portal:login"), {"identifier": "tenant@example.com", "password": NEW_PASSWORD})
    invoice(personas.alice_account, amount="77.70")
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "CW-1001" in page and "77.70" not in page and "Latest invoices" not in page
    assert "100002" not in page
    # ... and cannot manage access or add premises of alice's customer.
    access_page = client.get(reverse("portal:access")).content.decode()
    assert "Invite a person" not in access_page
    assert invite(client, email="x@example.com").status_code == 404


def test_an_invited_co_user_with_invoices_sees_invoices(client, personas):
    client.force_login(personas.alice)
    invite(client, role=AccessRole.READINGS_INVOICES)
    link = link_in(sent_mail_to("tenant@example.com")[0], "/invitation/")
    client.post(reverse("portal:logout"))
    client.post(link, {"first_name": "I", "last_name": "O", "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    invoice(personas.alice_account, amount="77.70")
    client.post(reverse("portal:login"), {"identifier": "tenant@example.com", "password": NEW_PASSWORD})
    assert "77.70" in client.get(reverse("portal:dashboard")).content.decode()


def test_an_existing_login_accepts_an_invitation_after_logging_in(client, personas):
    client.force_login(personas.alice)
    invite(client, email="bob@example.com")
    link = link_in(sent_mail_to("bob@example.com")[0], "/invitation/")
    client.post(reverse("portal:logout"))
    anonymous = client.post(
        link, {"first_name": "B", "last_name": "I", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "already has a login" in anonymous.content.decode()
    client.force_login(personas.bob)
    response = client.post(link)
    assert response.headers["Location"] == reverse("portal:dashboard")
    assert AccountAccess.objects.get(user=personas.bob, account=personas.alice_account).role == AccessRole.READINGS


def test_an_invitation_for_another_address_is_refused_to_a_logged_in_user(client, personas):
    client.force_login(personas.alice)
    invite(client)
    link = link_in(sent_mail_to("tenant@example.com")[0], "/invitation/")
    client.force_login(personas.bob)
    response = client.post(link)
    assert "sent to another e-mail address" in response.content.decode()
    assert not AccountAccess.objects.filter(user=personas.bob, account=personas.alice_account).exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"email": "alice@example.com", "role": "readings"}, "You already have access"),
        ({"email": "tenant@example.com", "role": "holder"}, "Select a valid choice"),
        ({"email": "bad", "role": "readings"}, "Enter a valid email address"),
    ],
)
def test_bad_invitations_are_explained(client, personas, data, message):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:invite"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_second_invitation_to_the_same_address_is_refused(client, personas):
    client.force_login(personas.alice)
    invite(client)
    response = invite(client)
    assert "already waiting" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_the_holder_revokes_a_co_user_and_an_invitation(client, personas):
    tenant = User.objects.create_user(username="t", email="tenant@example.com", password=PASSWORD)
    access = AccountAccess.objects.create(user=tenant, account=personas.alice_account, role=AccessRole.READINGS)
    client.force_login(personas.alice)
    invite(client, email="other@example.com")
    invitation = Invitation.objects.get()
    response = client.post(reverse("portal:access-revoke", args=[access.pk]))
    assert response.headers["Location"] == reverse("portal:access")
    assert not AccountAccess.objects.filter(pk=access.pk).exists()
    assert any("was removed" in m.subject for m in sent_mail_to("tenant@example.com"))
    client.post(reverse("portal:invitation-revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Event.objects.filter(kind="access.revoked", actor=personas.alice).exists()


def test_nobody_else_can_revoke_access(client, personas):
    tenant = User.objects.create_user(username="t", email="tenant@example.com", password=PASSWORD)
    access = AccountAccess.objects.create(user=tenant, account=personas.alice_account, role=AccessRole.READINGS)
    # Bob, another customer: a 404, nothing removed.
    client.force_login(personas.bob)
    assert client.post(reverse("portal:access-revoke", args=[access.pk])).status_code == 404
    # The co-user, who is not the holder.
    client.force_login(tenant)
    assert client.post(reverse("portal:access-revoke", args=[access.pk])).status_code == 404
    # The holder cannot remove a holder (herself) through the portal.
    client.force_login(personas.alice)
    holder = AccountAccess.objects.get(user=personas.alice, account=personas.alice_account)
    assert client.post(reverse("portal:access-revoke", args=[holder.pk])).status_code == 404
    assert AccountAccess.objects.filter(pk__in=[access.pk, holder.pk]).count() == 2


def test_revoke_only_by_post(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:access-revoke", args=[1])).status_code == 405


def test_the_switcher_never_reaches_another_customers_account(client, personas):
    client.force_login(personas.alice)
    for forged in [personas.bob_account.pk, "x", "", "-1"]:
        client.post(reverse("portal:account-choose"), {"account": forged})
        page = client.get(reverse("portal:access")).content.decode()
        assert "200001" not in page and "Rīgas iela 5-14" not in page
    # Invitations of bob's account cannot be touched either.
    bob_inv = Invitation.objects.create(
        account=personas.bob_account, email="z@example.com", role=AccessRole.READINGS, invited_by=personas.bob
    )
    assert client.post(reverse("portal:invitation-revoke", args=[bob_inv.pk])).status_code == 404
    bob_inv.refresh_from_db()
    assert bob_inv.revoked_at is None


def test_the_access_page_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    for n in range(15):
        u = User.objects.create_user(username=f"t{n}", email=f"t{n}@example.com", password=PASSWORD)
        AccountAccess.objects.create(user=u, account=personas.alice_account, role=AccessRole.READINGS)
        Invitation.objects.create(
            account=personas.alice_account, email=f"i{n}@example.com", role="readings", invited_by=personas.alice
        )
    client.force_login(personas.alice)
    client.get(reverse("portal:access"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:access")).content.decode()
    assert "t14@example.com" in page and "i14@example.com" in page


def test_a_session_cannot_guess_the_password_through_the_change_forms(client, personas):
    client.force_login(personas.alice)
    for n in range(3):
        client.post(
            reverse("portal:password-change"),
            {"old_password": f"guess{n}", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    for n in range(2):
        client.post(reverse("portal:email-change"), {"email": "a9@example.com", "password": f"guess{n}"})
    response = client.post(
        reverse("portal:password-change"),
        {"old_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 429
    assert (
        client.post(reverse("portal:email-change"), {"email": "a9@example.com", "password": PASSWORD}).status_code
        == 429
    )
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(PASSWORD)
