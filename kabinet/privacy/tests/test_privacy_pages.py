"""The privacy pages: the public notice, corrections asked by customers and decided by
staff, the consent to optional mail recorded with its time, and who sees what."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from kabinet.customers.models import User
from kabinet.notifications.unsubscribe import unsubscribe_token
from kabinet.office.queues import queues_for
from kabinet.privacy.models import ConsentRecord, CorrectionRequest, PrivacyPolicy, RequestStatus
from kabinet.privacy.services import correction_decide, correction_request_create
from kabinet.test import PASSWORD
from kabinet.utility.exceptions import ApplicationError


def role(name: str) -> User:
    user = User.objects.create_user(username=name.lower().replace(" ", "_"), password=PASSWORD, is_staff=True)
    user.groups.set([Group.objects.get(name=name)])
    return user


# --- the notice ------------------------------------------------------------------------------


def test_the_notice_is_public_in_the_pages_language_with_the_latvian_law_by_default(personas, client):
    PrivacyPolicy.objects.create(text_lv="Mēs glabājam datus.", text_en="We keep data.", contact_en="dpo@udens.example")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:privacy-policy")).content.decode()
    assert "We keep data." in page and "dpo@udens.example" in page
    assert "Grāmatvedības likums" in page and "5 years" in page
    client.cookies["django_language"] = "lv"
    assert "Mēs glabājam datus." in client.get(reverse("portal:privacy-policy")).content.decode()


def test_a_russian_utility_names_402_fz(ru_personas, client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:privacy-policy")).content.decode()
    assert "402-FZ" in page


def test_the_footer_links_the_notice_and_the_settings_page_links_my_data(personas, client):
    assert reverse("portal:privacy-policy") in client.get(reverse("portal:login")).content.decode()
    client.force_login(personas.alice)
    page = client.get(reverse("portal:notification-settings")).content.decode()
    assert reverse("portal:privacy") in page


def test_the_administrator_edits_the_notice_and_customer_service_may_not(personas, client):
    client.force_login(role("Administrator"))
    url = reverse("admin:privacy_privacypolicy_change", args=[1])
    assert client.get(reverse("admin:privacy_privacypolicy_changelist")).status_code == 302
    response = client.post(
        url,
        {"text_lv": "Teksts", "text_ru": "Текст", "text_en": "Text", "retention_years": "6"}
        | {f"{n}_{c}": "" for n in ("contact", "retention_basis") for c in ("lv", "ru", "en")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PrivacyPolicy.objects.get().retention_years == 6
    client.force_login(role("Customer service"))
    assert client.post(url, {"text_en": "Mine", "retention_years": "1"}).status_code == 403
    assert PrivacyPolicy.objects.get().text_en == "Text"


# --- corrections -----------------------------------------------------------------------------


def test_a_customer_asks_to_correct_and_staff_approve_it_into_the_record(personas, client):
    client.force_login(personas.alice)
    response = client.post(
        reverse("portal:privacy-correction"),
        {"field": "customer_postal_address", "account": personas.alice_account.pk, "new_value": "Rīgas iela 5-12"},
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get(user=personas.alice)
    assert request.current_value == "" and request.status == RequestStatus.PENDING

    staff = role("Customer service")
    assert "privacy_corrections" in {q.key for q in queues_for(staff)}
    client.force_login(staff)
    client.post(
        reverse("admin:privacy_correctionrequest_changelist"), {"action": "approve", ACTION_CHECKBOX_NAME: [request.pk]}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_by == staff
    personas.alice_customer.refresh_from_db()
    assert personas.alice_customer.postal_address == "Rīgas iela 5-12"

    client.force_login(personas.alice)
    page = client.get(reverse("portal:privacy")).content.decode()
    assert "Rīgas iela 5-12" in page


def test_a_correction_of_another_customers_account_is_refused(personas, client):
    client.force_login(personas.alice)
    response = client.post(
        reverse("portal:privacy-correction"),
        {"field": "customer_phone", "account": personas.bob_account.pk, "new_value": "+371 2000"},
    )
    assert response.status_code == 200 and not CorrectionRequest.objects.exists()
    with pytest.raises(ApplicationError):
        correction_request_create(
            user=personas.alice, field="customer_phone", new_value="1", account=personas.bob_account
        )


def test_a_rejection_needs_an_answer_and_changes_nothing(personas):
    request = correction_request_create(user=personas.alice, field="login_last_name", new_value="Kalniņa")
    with pytest.raises(ApplicationError):
        correction_decide(request=request, approve=False, actor=personas.carol)
    correction_decide(request=request, approve=False, actor=personas.carol, answer="Show us the document.")
    personas.alice.refresh_from_db()
    assert personas.alice.last_name == "Bērziņa"


def test_bob_sees_none_of_alices_requests_and_the_operator_none_of_the_queue(personas, client):
    correction_request_create(user=personas.alice, field="other", new_value="My meter number is CW-1001X")
    client.force_login(personas.bob)
    assert "CW-1001X" not in client.get(reverse("portal:privacy")).content.decode()
    operator = role("Operator")
    assert not {"privacy_corrections", "privacy_erasures"} & {q.key for q in queues_for(operator)}
    client.force_login(operator)
    assert client.get(reverse("admin:privacy_correctionrequest_changelist")).status_code == 403


def test_the_privacy_pages_need_a_login(client, db):
    for name in ("privacy", "privacy-correction", "privacy-erasure"):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_the_pages_list_in_bounded_queries(personas, client, django_assert_max_num_queries):
    for n in range(15):
        correction_request_create(user=personas.alice, field="other", new_value=f"value {n}")
    client.force_login(personas.alice)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("portal:privacy")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("portal:privacy-erasure")).status_code == 200


# --- consent -----------------------------------------------------------------------------------


def test_turning_optional_mail_on_and_off_is_recorded_with_its_time(personas, client):
    client.force_login(personas.alice)
    url = reverse("portal:notification-settings")
    first = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(first, tick=False):
        client.post(url, {"kinds": ["invoice", "payment"]})  # everything else off
    with time_machine.travel(first + dt.timedelta(days=1), tick=False):
        client.post(url, {"kinds": ["invoice", "payment", "outage"]})
    records = ConsentRecord.objects.filter(user=personas.alice).order_by("created", "kind")
    off = {r.kind for r in records if not r.given}
    assert "outage" in off and "invoice" not in off
    (outage_on,) = [r for r in records if r.given]
    assert (outage_on.kind, outage_on.created, outage_on.source) == ("outage", first + dt.timedelta(days=1), "settings")
    client.post(url, {"kinds": ["invoice", "payment", "outage"]})  # nothing changed: nothing recorded
    assert ConsentRecord.objects.filter(user=personas.alice).count() == len(records)


def test_the_unsubscribe_link_records_the_withdrawal(personas, client):
    token = unsubscribe_token(user_id=personas.alice.pk, kind="invoice")
    client.post(reverse("portal:unsubscribe", args=[token]))
    (record,) = ConsentRecord.objects.filter(user=personas.alice)
    assert (record.kind, record.given, record.source) == ("invoice", False, "unsubscribe")
