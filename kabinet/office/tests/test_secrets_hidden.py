"""No page any staff role can open shows a live link or code, and the customers' form
resets no staff login (a read-only clerk once took the superuser's account that way)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.core import mail
from django.urls import NoReverseMatch, reverse

from kabinet.customers import services
from kabinet.customers.models import AccessRole
from kabinet.customers.services import OpenMethod
from kabinet.customers.tokens import code_normalise
from kabinet.notifications.models import OutboxMessage, OutboxStatus
from kabinet.notifications.services import outbox_send_due
from kabinet.test import PASSWORD, mail_links, make_account, make_customer, make_unregistered
from kabinet.utility.models import Event


@pytest.fixture
def secrets_in_flight(personas, staff):
    """Every kind of secret the product mails or prints, none of them sent yet."""
    p = personas
    services.password_reset_request(email="alice@example.com")
    jan, _account, _invoice = make_unregistered()
    services.access_open(customer=jan, method=OpenMethod.EMAIL, email="jan@example.com", actor=p.carol)
    ieva = make_customer("40004", "Ieva", "Liepa")
    make_account(ieva, "400001", "Ezera iela", "2", "7")
    _user, code = services.access_open(customer=ieva, method=OpenMethod.LETTER, actor=p.carol)
    services.invitation_send(
        account=p.alice_account, email="mother@example.com", role=AccessRole.READINGS, actor=p.alice
    )
    services.email_change_request(user=p.bob, new_email="bob.new@example.com", password=PASSWORD)
    tokens = [v for m in OutboxMessage.objects.all() for v in m.secret_values]
    assert len(tokens) >= 4
    return {"tokens": tokens, "code": code}


def staff_pages():
    """The back office's home, every model's list and up to 20 of its objects' pages."""
    yield reverse("admin:index")
    for model in admin.site._registry:
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            try:
                yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            except NoReverseMatch:
                continue


@pytest.mark.parametrize(
    "role", ["superuser", "read-only", "Auditor", "Customer service", "Administrator", "Operator", "Accountant"]
)
def test_no_staff_page_shows_a_live_link_or_code(client, staff, secrets_in_flight, role):
    client.force_login(staff[role])
    code = secrets_in_flight["code"]
    needles = [*secrets_in_flight["tokens"], code, code_normalise(code)]
    opened = 0
    for url in staff_pages():
        response = client.get(url)
        if response.status_code != 200:
            continue
        opened += 1
        page = response.content.decode()
        for needle in needles:
            assert needle not in page, (role, url)
    assert opened > 1


def test_the_outbox_shows_where_the_link_was_and_the_mail_sent_has_it(client, personas, secrets_in_flight):
    reset = OutboxMessage.objects.get(to="alice@example.com", body_text__contains="/password/reset/")
    assert "/password/reset/[hidden-1]/" in reset.body_text and "[hidden-1]" in reset.body_html
    client.force_login(personas.dave)
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[reset.pk])).content.decode()
    assert "/password/reset/[hidden-1]/" in page

    outbox_send_due()
    (sent,) = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    (link,) = [u for u in mail_links(sent.body) if "/password/reset/" in u]
    assert "[hidden" not in sent.body and "[hidden" not in sent.alternatives[0][0]
    assert link.split("/")[-2] in secrets_in_flight["tokens"]
    client.logout()
    assert client.get(link, follow=True).status_code == 200
    reset.refresh_from_db()
    assert reset.status == OutboxStatus.SENT and reset.secret_values == []
    assert "[hidden-1]" in reset.body_text  # the row never gets the secret back


def test_a_message_given_up_forgets_its_secret(personas, settings):
    settings.EMAIL_BACKEND = "kabinet.office.tests.test_secrets_hidden.BrokenBackend"
    services.password_reset_request(email="alice@example.com")
    message = OutboxMessage.objects.get()
    for attempt in range(8):
        outbox_send_due(now=message.created + dt.timedelta(days=attempt + 1))
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.secret_values == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_the_customers_form_resets_no_staff_login(client, personas, who):
    email = getattr(personas, who).email
    response = client.post(reverse("portal:password-reset"), {"email": email})
    assert response.status_code in (200, 302)
    assert not OutboxMessage.objects.filter(to=email).exists()
    assert Event.objects.filter(kind="password.reset_refused").exists()


def test_an_administrator_cannot_change_a_superuser_or_make_one(client, staff):
    administrator, carol = staff["Administrator"], staff["superuser"]
    client.force_login(administrator)
    assert client.get(reverse("admin:auth_user_password_change", args=[carol.pk])).status_code == 403
    response = client.post(
        reverse("admin:customers_user_change", args=[carol.pk]), {"username": "carol", "email": "x@example.com"}
    )
    assert response.status_code == 403
    operator = staff["Operator"]
    page = client.get(reverse("admin:customers_user_change", args=[operator.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' in page
