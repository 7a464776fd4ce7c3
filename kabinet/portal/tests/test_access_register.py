import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.notifications.models import OutboxMessage
from kabinet.notifications.services import outbox_send_due
from kabinet.test import PASSWORD, mail_links, make_unregistered, without_csrf
from kabinet.utility.models import Event, RegistrationMode, RegistrationProof, UtilityProfile

NEW_PASSWORD = "violet-kettle-harbour-42"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def jan(personas):
    customer, account, invoice = make_unregistered()
    return customer, account, invoice


def form(**overrides):
    data = {
        "client_code": "30003",
        "proof": "23.45",
        "first_name": "Jānis",
        "last_name": "Kalniņš",
        "email": "janis@example.com",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return data


def sent_mail_to(address):
    outbox_send_due()
    return [m for m in mail.outbox if address in m.to]


def test_it_registers_activates_and_logs_in(en_client, jan):
    response = en_client.post(reverse("portal:register"), form())
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("portal:register-sent")
    assert "Check your e-mail" in en_client.get(response.headers["Location"]).content.decode()

    user = User.objects.get(email="janis@example.com")
    assert not user.is_active and user.activation_pending
    assert list(AccountAccess.objects.filter(user=user).values_list("account__number", "role")) == [
        ("300001", AccessRole.HOLDER)
    ]
    # The outbox row is in the customer's record; the sender delivers it.
    row = OutboxMessage.objects.get(to="janis@example.com")
    assert row.customer_id == jan[0].pk and row.kind == "account"
    # Not active yet: the password does not open the portal.
    en_client.post(reverse("portal:login"), {"identifier": "janis@example.com", "password": NEW_PASSWORD})
    assert "_auth_user_id" not in en_client.session

    (message,) = sent_mail_to("janis@example.com")
    assert "activate" in message.subject.lower()
    assert message.alternatives and "Activate my login" in message.alternatives[0][0]
    (link,) = [u for u in mail_links(message.body) if "/activate/" in u]
    page = en_client.get(link)
    assert page.status_code == 200 and "Activate my login" in page.content.decode()
    response = en_client.post(link)
    assert response.headers["Location"] == reverse("portal:login")
    user.refresh_from_db()
    assert user.is_active and not user.activation_pending

    response = en_client.post(reverse("portal:login"), {"identifier": "30003", "password": NEW_PASSWORD})
    assert response.status_code == 302
    page = en_client.get(reverse("portal:dashboard")).content.decode()
    assert "Vienības iela 8-21" in page
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))
    assert "registration.submitted" in kinds and "user.activated" in kinds and "login.succeeded" in kinds


@pytest.mark.parametrize("proof", ["23.45", "23,45", "23.45 EUR", "€ 23.45"])
def test_it_accepts_the_amount_of_the_last_invoice_as_the_proof(en_client, jan, proof):
    en_client.post(reverse("portal:register"), form(proof=proof))
    assert User.objects.filter(email="janis@example.com", activation_pending=True).exists()


@pytest.mark.parametrize("proof", ["300001", "2026-000001"])
def test_it_refuses_what_an_old_envelope_shows_as_the_proof(en_client, jan, proof):
    # The account number is printed beside the client code in the envelope's window; the
    # invoice's number only counts where the utility says it is not visible from outside.
    en_client.post(reverse("portal:register"), form(proof=proof))
    assert not User.objects.filter(email="janis@example.com").exists()


def test_a_utility_may_accept_the_invoice_number_too(en_client, jan):
    profile = UtilityProfile.get()
    profile.registration_proof = RegistrationProof.AMOUNT_OR_NUMBER
    profile.save()
    page = en_client.get(reverse("portal:register")).content.decode()
    assert "Amount or number of your last invoice" in page
    en_client.post(reverse("portal:register"), form(proof=" 2026-000001 "))
    assert User.objects.filter(email="janis@example.com", activation_pending=True).exists()


def test_it_answers_the_same_for_unknown_codes_and_wrong_proofs(en_client, jan):
    def answer(**data):
        response = en_client.post(reverse("portal:register"), form(**data), follow=True)
        return response.status_code, response.redirect_chain, without_csrf(response.content)

    matched = answer()
    unknown_code = answer(client_code="99999", email="x1@example.com")
    wrong_proof = answer(proof="23.46", email="x2@example.com")
    account_of_other = answer(proof="200001", email="x3@example.com")  # bob's account
    assert matched == unknown_code == wrong_proof == account_of_other
    assert User.objects.filter(email__in=["x1@example.com", "x2@example.com", "x3@example.com"]).count() == 0
    assert sent_mail_to("x1@example.com") == sent_mail_to("x2@example.com") == []


def test_it_answers_the_same_for_an_email_in_use_and_tells_its_owner(en_client, personas, jan):
    fresh = en_client.post(reverse("portal:register"), form(email="new@example.com"), follow=True)
    User.objects.filter(email="new@example.com").delete()
    in_use = en_client.post(reverse("portal:register"), form(email="bob@example.com"), follow=True)
    assert without_csrf(fresh.content) == without_csrf(in_use.content)
    assert fresh.redirect_chain == in_use.redirect_chain
    assert not User.objects.filter(customer=jan[0]).exists()
    (notice,) = sent_mail_to("bob@example.com")
    assert "already has a portal login" in notice.subject


@pytest.fixture
def alice_invoice(personas):
    from kabinet.billing.services import LineSpec, invoice_create

    return invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("17.30"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )


def test_it_tells_an_already_registered_customer_by_mail(en_client, personas, alice_invoice):
    response = en_client.post(
        reverse("portal:register"),
        form(client_code="10001", proof=f"{alice_invoice.amount_due:.2f}", email="a2@example.com"),
    )
    assert response.headers["Location"] == reverse("portal:register-sent")
    assert User.objects.filter(customer=personas.alice_customer).count() == 1
    (notice,) = sent_mail_to("a2@example.com")
    assert "you already have a portal login" in notice.subject


@pytest.mark.parametrize(
    "data,message",
    [
        ({"client_code": "1234"}, "The client code is 5 digits"),
        ({"client_code": "12a45"}, "The client code is 5 digits"),
        ({"password": "12345678", "password2": "12345678"}, "This password is too common"),
        ({"password": "short", "password2": "short"}, "This password is too short"),
        ({"password2": "something-else-77"}, "The two passwords differ"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"consent": ""}, "cannot be used without this consent"),
        ({"proof": ""}, "This field is required"),
    ],
)
def test_it_explains_bad_input_and_creates_nothing(en_client, jan, data, message):
    response = en_client.post(reverse("portal:register"), form(**data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(customer=jan[0]).exists()
    assert not OutboxMessage.objects.exists()


def test_a_weak_password_is_refused_the_same_for_unknown_codes(en_client, jan):
    known = en_client.post(reverse("portal:register"), form(password="password", password2="password"))
    unknown = en_client.post(
        reverse("portal:register"), form(client_code="99999", password="password", password2="password")
    )
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content) == without_csrf(unknown.content).replace("99999", "30003")


def test_it_registers_once_on_a_double_submit(en_client, jan):
    en_client.post(reverse("portal:register"), form())
    en_client.post(reverse("portal:register"), form())
    assert User.objects.filter(customer=jan[0]).count() == 1
    assert AccountAccess.objects.filter(account=jan[1]).count() == 1


def activation_link(en_client):
    (message,) = sent_mail_to("janis@example.com")[-1:]
    return next(u for u in mail_links(message.body) if "/activate/" in u)


def test_an_activation_link_works_once(en_client, jan):
    en_client.post(reverse("portal:register"), form())
    link = activation_link(en_client)
    en_client.post(link)
    again = en_client.post(link)
    assert again.status_code == 400
    assert "already active" in again.content.decode()


def test_a_tampered_activation_link_is_refused(en_client, jan):
    en_client.post(reverse("portal:register"), form())
    link = activation_link(en_client)
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = link.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
    response = en_client.post(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert not User.objects.get(email="janis@example.com").is_active


def test_an_activation_link_expires_after_72_hours(en_client, jan):
    with time_machine.travel(dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC), tick=False):
        en_client.post(reverse("portal:register"), form())
        link = activation_link(en_client)
    with time_machine.travel(dt.datetime(2026, 11, 4, 11, 59, tzinfo=dt.UTC), tick=False):
        assert en_client.get(link).status_code == 200
    with time_machine.travel(dt.datetime(2026, 11, 4, 12, 1, tzinfo=dt.UTC), tick=False):
        response = en_client.post(link)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert not User.objects.get(email="janis@example.com").is_active


def test_a_new_activation_link_can_be_requested(en_client, jan):
    en_client.post(reverse("portal:register"), form())
    first = activation_link(en_client)
    response = en_client.post(reverse("portal:activation-resend"), {"email": "janis@example.com"})
    assert response.headers["Location"] == reverse("portal:register-sent")
    assert len(sent_mail_to("janis@example.com")) == 2
    second = activation_link(en_client)
    assert en_client.post(second).status_code == 302
    # Once the login is active, every earlier link is spent.
    assert en_client.post(first).status_code == 400


def test_resend_answers_the_same_for_unknown_addresses(en_client, jan):
    en_client.post(reverse("portal:register"), form())
    known = en_client.post(reverse("portal:activation-resend"), {"email": "janis@example.com"}, follow=True)
    unknown = en_client.post(reverse("portal:activation-resend"), {"email": "nobody@example.com"}, follow=True)
    assert (
        without_csrf(known.content) == without_csrf(unknown.content) and known.redirect_chain == unknown.redirect_chain
    )


def test_it_throttles_registration_per_client_code_and_ip(en_client, jan):
    for n in range(5):
        en_client.post(reverse("portal:register"), form(proof=f"9{n}.00", email=f"t{n}@example.com"))
    response = en_client.post(reverse("portal:register"), form())
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not User.objects.filter(customer=jan[0]).exists()
    # Another client code from the same address still works, up to the per-IP limit.
    assert en_client.post(reverse("portal:register"), form(client_code="55555")).status_code == 302
    for n in range(14):
        en_client.post(reverse("portal:register"), form(client_code=f"6{n:04d}"))
    assert en_client.post(reverse("portal:register"), form(client_code="77777")).status_code == 429


def test_the_throttle_message_is_translated(client, jan):
    for n in range(5):
        client.post(reverse("portal:register"), form(proof=f"9{n}.00"))
    client.cookies["django_language"] = "lv"
    page = client.post(reverse("portal:register"), form()).content.decode()
    assert "Pārāk daudz mēģinājumu" in page


def test_in_application_mode_registration_leads_to_the_application_form(en_client, jan):
    profile = UtilityProfile.get()
    profile.registration_mode = RegistrationMode.APPLICATION
    profile.save()
    response = en_client.post(reverse("portal:register"), form())
    assert response.headers["Location"] == reverse("portal:application")
    assert not User.objects.filter(customer=jan[0]).exists()


def test_logged_in_users_are_sent_to_the_dashboard(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:register")).headers["Location"] == reverse("portal:dashboard")


def test_an_existing_login_keeps_its_password(en_client, personas, alice_invoice):
    en_client.post(reverse("portal:register"), form(client_code="10001", proof="17.30", email="alice@example.com"))
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(PASSWORD)
