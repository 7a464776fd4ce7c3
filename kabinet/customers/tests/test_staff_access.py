"""The back office: opening access at the counter, the application queue, the audit trail."""

import datetime as dt
import re

import pypdfium2
import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kabinet.customers.models import (
    AccessRole,
    AccountAccess,
    ActivationCode,
    ApplicationStatus,
    RegistrationApplication,
    User,
)
from kabinet.customers.tokens import code_hash
from kabinet.notifications.models import OutboxMessage
from kabinet.notifications.services import outbox_send_due
from kabinet.test import PASSWORD, mail_links, make_unregistered
from kabinet.utility.models import Event, RegistrationMode, UtilityProfile

NEW_PASSWORD = "violet-kettle-harbour-42"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    logout = client.logout

    def logout_in_english():
        logout()  # drops every cookie, the language's too
        client.cookies["django_language"] = "en"

    client.logout = logout_in_english
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def jan(personas):
    customer, account, _invoice = make_unregistered()
    customer.postal_address = "Vienības iela 8-21, Daugavpils"
    customer.save()
    return customer


def sent_mail_to(address):
    outbox_send_due()
    return [m for m in mail.outbox if address in m.to]


def pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def open_access(client, customer, **data):
    return client.post(reverse("admin:customers_customer_open_access", args=[customer.pk]), data)


def test_staff_print_a_letter_and_the_customer_activates_with_its_code(client, personas, jan):
    client.force_login(personas.carol)
    page = client.get(reverse("admin:customers_customer_open_access", args=[jan.pk]))
    assert page.status_code == 200 and "Print an activation letter" in page.content.decode()
    response = open_access(client, jan, method="letter", email="")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "30003" in text and "300001" in text and "Jānis Kalniņš" in text
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text).group(0)
    # Only a hash is stored.
    stored = ActivationCode.objects.get()
    assert stored.code_hash == code_hash(code) and code not in stored.code_hash
    user = stored.user
    assert user.customer == jan and not user.is_active and user.activation_pending
    assert Event.objects.filter(kind="access.opened", actor=personas.carol).exists()

    client.logout()
    data = {"identifier": "300001", "code": code.lower().replace("-", " "), "email": "janis@example.com"}
    data |= {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("portal:activate-code"), data)
    assert response.headers["Location"] == reverse("portal:login")
    user.refresh_from_db()
    assert user.is_active and user.email == "janis@example.com"
    assert client.post(reverse("portal:login"), {"identifier": "300001", "password": NEW_PASSWORD}).status_code == 302
    # Single use.
    client.post(reverse("portal:logout"))
    again = client.post(reverse("portal:activate-code"), data)
    assert again.status_code == 200 and "the code has expired or been used" in again.content.decode()


def test_a_letter_code_expires_after_14_days(client, personas, jan):
    client.force_login(personas.carol)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False):
        code = re.search(
            r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", pdf_text(open_access(client, jan, method="letter").content)
        ).group(0)
    client.logout()
    data = {"identifier": "30003", "code": code, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    with time_machine.travel(dt.datetime(2026, 11, 15, 9, 1, tzinfo=dt.UTC), tick=False):
        response = client.post(reverse("portal:activate-code"), data)
    assert "the code has expired or been used" in response.content.decode()
    assert not User.objects.get(customer=jan).is_active


def test_a_reprinted_letter_voids_the_previous_code(client, personas, jan):
    client.force_login(personas.carol)
    first = re.search(
        r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", pdf_text(open_access(client, jan, method="letter").content)
    ).group(0)
    open_access(client, jan, method="letter")
    client.logout()
    data = {"identifier": "30003", "code": first, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert "the code has expired" in client.post(reverse("portal:activate-code"), data).content.decode()
    assert User.objects.filter(customer=jan).count() == 1


def test_wrong_codes_are_throttled_and_answer_like_unknown_logins(client, personas, jan):
    client.force_login(personas.carol)
    open_access(client, jan, method="letter")
    client.logout()
    data = {"identifier": "300001", "code": "AAAA-BBBB-CCCC", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    wrong = client.post(reverse("portal:activate-code"), data)
    unknown = client.post(reverse("portal:activate-code"), {**data, "identifier": "999999"})
    msg = "The login or the activation code is wrong"
    assert msg in wrong.content.decode() and msg in unknown.content.decode()
    for _ in range(4):
        client.post(reverse("portal:activate-code"), data)
    assert client.post(reverse("portal:activate-code"), data).status_code == 429


def test_staff_email_a_set_password_link(client, personas, jan):
    client.force_login(personas.carol)
    response = open_access(client, jan, method="email", email="janis@example.com")
    assert response.status_code == 302
    assert OutboxMessage.objects.get(to="janis@example.com").customer_id == jan.pk
    (message,) = sent_mail_to("janis@example.com")
    link = next(u for u in mail_links(message.body) if "/activate/" in u)
    client.logout()
    page = client.get(link).content.decode()
    assert "Choose a password" in page
    no_password = client.post(link, {"password": "", "password2": ""})
    assert no_password.status_code == 200
    assert not User.objects.get(customer=jan).is_active
    response = client.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.headers["Location"] == reverse("portal:login")
    assert (
        client.post(reverse("portal:login"), {"identifier": "janis@example.com", "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_the_customer_record_shows_logins_and_sent_mail(client, personas, jan):
    client.force_login(personas.carol)
    open_access(client, jan, method="email", email="janis@example.com")
    page = client.get(reverse("admin:customers_customer_change", args=[jan.pk])).content.decode()
    assert "janis@example.com" in page and "waiting for activation" in page
    subject = OutboxMessage.objects.get(customer_id=jan.pk).subject
    assert "klientu portāla lietotājs" in subject  # in the customer's language
    assert subject in page
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist") + f"?customer_id={jan.pk}")
    assert listing.status_code == 200 and "janis@example.com" in listing.content.decode()
    other = client.get(
        reverse("admin:notifications_outboxmessage_changelist") + f"?customer_id={personas.bob_customer.pk}"
    )
    assert "janis@example.com" not in other.content.decode()


def test_staff_cannot_open_a_second_login_or_use_a_taken_address(client, personas, jan):
    client.force_login(personas.carol)
    response = open_access(client, personas.alice_customer, method="letter")
    assert response.status_code == 200 and "already has an active login" in response.content.decode()
    response = open_access(client, jan, method="email", email="bob@example.com")
    assert "already used by another login" in response.content.decode()
    response = open_access(client, jan, method="email", email="")
    assert "Enter the e-mail address" in response.content.decode()
    assert not User.objects.filter(customer=jan).exists()


def test_read_only_staff_and_customers_cannot_open_access(client, personas, jan):
    client.force_login(personas.dave)
    assert open_access(client, jan, method="letter").status_code == 403
    client.force_login(personas.alice)
    assert open_access(client, jan, method="letter").status_code == 302  # to the admin login
    assert not User.objects.filter(customer=jan).exists()


# --- applications ----------------------------------------------------------------------------


@pytest.fixture
def by_application(personas):
    profile = UtilityProfile.get()
    profile.registration_mode = RegistrationMode.APPLICATION
    profile.save()
    return personas


APPLICATION = {
    "full_name": "Jānis Kalniņš",
    "account_number": "300001",
    "client_code": "",
    "address": "Vienības iela 8-21",
    "email": "janis@example.com",
    "phone": "+371 20000000",
    "message": "",
    "consent": "on",
}


def test_an_application_is_approved_and_the_customer_sets_a_password(client, by_application, jan):
    assert client.get(reverse("portal:register")).headers["Location"] == reverse("portal:application")
    response = client.post(reverse("portal:application"), {**APPLICATION, "action": "submit"})
    assert response.headers["Location"] == reverse("portal:application-sent")
    application = RegistrationApplication.objects.get()
    assert application.customer == jan and application.status == ApplicationStatus.PENDING
    (received,) = sent_mail_to("janis@example.com")
    assert "has been received" in received.subject

    client.force_login(by_application.carol)
    listing = client.get(reverse("admin:customers_registrationapplication_changelist") + "?status__exact=pending")
    assert "Jānis Kalniņš" in listing.content.decode()
    client.post(
        reverse("admin:customers_registrationapplication_changelist"),
        {"action": "approve_selected", "_selected_action": [application.pk]},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_by == by_application.carol
    assert application.user.phone == "+371 20000000"  # for a reset by account number and phone
    assert Event.objects.get(kind="access.opened").ip == "127.0.0.1"
    link = next(u for u in mail_links(sent_mail_to("janis@example.com")[-1].body) if "/activate/" in u)
    client.logout()
    client.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert client.post(reverse("portal:login"), {"identifier": "300001", "password": NEW_PASSWORD}).status_code == 302
    assert Event.objects.filter(kind="application.approved").exists()


def test_an_application_is_rejected_with_a_reason(client, by_application, jan):
    client.post(reverse("portal:application"), {**APPLICATION, "action": "submit"})
    application = RegistrationApplication.objects.get()
    client.force_login(by_application.carol)
    url = reverse("admin:customers_registrationapplication_changelist")
    confirm = client.post(url, {"action": "reject_selected", "_selected_action": [application.pk]})
    assert confirm.status_code == 200 and "Reason (sent to the applicant)" in confirm.content.decode()
    client.post(
        url,
        {"action": "reject_selected", "_selected_action": [application.pk], "reason": "The name does not match."},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and application.reason == "The name does not match."
    (rejected,) = [m for m in sent_mail_to("janis@example.com") if "not approved" in m.subject]
    assert "not approved" in rejected.subject and "The name does not match." in rejected.body
    # Decided once: approving now changes nothing.
    client.post(url, {"action": "approve_selected", "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert not User.objects.filter(customer=jan).exists()


def test_an_application_without_a_matching_customer_waits_for_staff(client, by_application, jan):
    client.post(reverse("portal:application"), {**APPLICATION, "account_number": "999999", "action": "submit"})
    application = RegistrationApplication.objects.get()
    assert application.customer is None
    client.force_login(by_application.carol)
    response = client.post(
        reverse("admin:customers_registrationapplication_changelist"),
        {"action": "approve_selected", "_selected_action": [application.pk]},
        follow=True,
    )
    assert "Choose the customer" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_the_application_form_downloads_as_a_pdf_without_saving(client, by_application):
    response = client.post(reverse("portal:application"), {**APPLICATION, "action": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Jānis Kalniņš" in text and "300001" in text and "Signature" in text
    assert not RegistrationApplication.objects.exists()


def test_a_bad_application_is_explained(client, by_application):
    response = client.post(reverse("portal:application"), {**APPLICATION, "account_number": "12", "consent": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The account number is 6 to 20 digits" in page and "without this consent" in page
    assert not RegistrationApplication.objects.exists()


def test_the_staff_only_utility_also_takes_applications(client, ru_personas):
    assert client.get(reverse("portal:register")).headers["Location"] == reverse("portal:application")
    assert client.get(reverse("portal:application")).status_code == 200


# --- the audit trail and access in the back office ---------------------------------------------


def test_staff_filter_the_audit_trail(client, personas):
    client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "bad"}, REMOTE_ADDR="10.9.8.7")
    client.post(reverse("portal:login"), {"identifier": "bob@example.com", "password": PASSWORD})
    client.post(reverse("portal:logout"))
    client.force_login(personas.carol)
    url = reverse("admin:utility_event_changelist")
    page = client.get(url + "?area=security&kind=login.failed").content.decode()
    assert '<td class="field-kind_label">Login: failed' in page and "10.9.8.7" in page
    assert '<td class="field-kind_label">Login: succeeded' not in page
    page = client.get(url + f"?actor__id__exact={personas.bob.pk}").content.decode()
    assert (
        '<td class="field-kind_label">Login: succeeded' in page
        and '<td class="field-kind_label">Login: failed' not in page
    )
    page = client.get(url + "?q=10.9.8.7").content.decode()
    assert (
        '<td class="field-kind_label">Login: failed' in page
        and '<td class="field-kind_label">Login: succeeded' not in page
    )
    assert client.get(url + "?created__gte=2020-01-01+00:00:00%2B00:00").status_code == 200


def test_staff_revoke_access_through_the_service(client, personas):
    access = AccountAccess.objects.get(user=personas.alice, account=personas.alice_second_account)
    client.force_login(personas.carol)
    client.post(
        reverse("admin:customers_accountaccess_changelist"),
        {"action": "revoke_selected", "_selected_action": [access.pk]},
    )
    assert not AccountAccess.objects.filter(pk=access.pk).exists()
    event = Event.objects.get(kind="access.revoked")
    assert event.actor == personas.carol and event.data["by"] == "staff"


def test_staff_grant_access_through_the_service(client, personas):
    client.force_login(personas.carol)
    response = client.post(
        reverse("admin:customers_accountaccess_add"),
        {"user": personas.bob.pk, "account": personas.alice_account.pk, "role": AccessRole.READINGS},
    )
    assert response.status_code == 302
    assert AccountAccess.objects.get(user=personas.bob, account=personas.alice_account).granted_by == personas.carol
    assert Event.objects.filter(kind="access.granted", actor=personas.carol).exists()


def test_a_russian_utilitys_letter_is_in_russian(client, ru_personas):
    customer, _account, _invoice = make_unregistered()
    client.force_login(ru_personas.carol)
    text = pdf_text(open_access(client, customer, method="letter").content)
    assert "Код активации" in text and "Ваш логин в личном кабинете" in text
