"""Linked identities in the back office, by role."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from kabinet.identity.models import ExternalIdentity
from kabinet.test import role_logins
from kabinet.utility.models import Event

pytestmark = pytest.mark.django_db

LIST = "admin:identity_externalidentity_changelist"


@pytest.fixture
def staff():
    return role_logins(["Operator", "Customer service", "Auditor"])


@pytest.fixture
def alices_bank(personas):
    return ExternalIdentity.objects.create(
        user=personas.alice, provider="bank", issuer="https://bank.example", subject="LV-123", linked_at=timezone.now()
    )


def test_customer_service_finds_it_by_account_and_unlinks_it_on_record(staff, alices_bank, client, personas):
    client.force_login(staff["Customer service"])
    page = client.get(reverse(LIST), {"q": personas.alice_account.number})
    assert page.status_code == 200 and "bank" in page.content.decode()

    client.post(reverse(LIST), {"action": "unlink", ACTION_CHECKBOX_NAME: [alices_bank.pk]})

    assert not ExternalIdentity.objects.exists()
    event = Event.objects.get(kind="identity.unlinked")
    assert event.actor == staff["Customer service"] and event.data["login"] == personas.alice.pk


def test_the_auditor_reads_and_the_operator_does_not_see_them(staff, alices_bank, client):
    client.force_login(staff["Auditor"])
    assert client.get(reverse(LIST)).status_code == 200
    client.post(reverse(LIST), {"action": "unlink", ACTION_CHECKBOX_NAME: [alices_bank.pk]})
    assert ExternalIdentity.objects.count() == 1

    client.force_login(staff["Operator"])
    assert client.get(reverse(LIST)).status_code == 403
