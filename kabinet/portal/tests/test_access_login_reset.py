import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kabinet.customers.models import User
from kabinet.notifications.models import OutboxMessage
from kabinet.notifications.services import outbox_send_due
from kabinet.test import mail_links, without_csrf
from kabinet.utility.models import Event, UtilityProfile

NEW_PASSWORD = "violet-kettle-harbour-42"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def sent_mail_to(address):
    outbox_send_due()
    return [m for m in mail.outbox if address in m.to]


def link_in(message, part):
    return next(u for u in mail_links(message.body) if part in u)


# --- login ------------------------------------------------------------------------------


def test_it_throttles_failed_logins_per_identifier(en_client, personas, password):
    for _ in range(5):
        response = en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "bad"})
        assert response.status_code == 200
    response = en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in en_client.session
    # Other logins are not locked out by alice's attacker.
    response = en_client.post(reverse("portal:login"), {"identifier": "bob@example.com", "password": password})
    assert response.status_code == 302


def test_it_throttles_unknown_identifiers_the_same_way(en_client, personas):
    statuses = [
        en_client.post(reverse("portal:login"), {"identifier": "ghost@example.com", "password": "x"}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_it_throttles_failed_logins_per_ip(en_client, personas, password):
    for n in range(30):
        en_client.post(reverse("portal:login"), {"identifier": f"u{n}@example.com", "password": "bad"})
    response = en_client.post(reverse("portal:login"), {"identifier": "bob@example.com", "password": password})
    assert response.status_code == 429
    # Another address is not affected.
    response = en_client.post(
        reverse("portal:login"), {"identifier": "bob@example.com", "password": password}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302


def test_a_successful_login_clears_the_identifiers_counter(en_client, personas, password):
    for _ in range(4):
        en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "bad"})
    en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    en_client.post(reverse("portal:logout"))
    for _ in range(4):
        en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "bad"})
    response = en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert response.status_code == 302


def test_it_audits_logins_with_the_ip(en_client, personas, password):
    en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "bad"})
    en_client.post(reverse("portal:login"), {"identifier": "100001", "password": password}, REMOTE_ADDR="10.1.2.3")
    failed = Event.objects.get(kind="login.failed")
    assert failed.data["identifier"] == "alice@example.com"
    assert failed.object_id == str(personas.alice.pk) and failed.ip == "127.0.0.1"
    ok = Event.objects.get(kind="login.succeeded")
    assert ok.actor == personas.alice and ok.ip == "10.1.2.3"
    # No password ever lands in the trail.
    assert "bad" not in str(failed.data)


def test_it_takes_the_ip_from_the_trusted_proxy(en_client, personas, password, settings):
    settings.TRUSTED_PROXIES = 1
    en_client.post(
        reverse("portal:login"),
        {"identifier": "alice@example.com", "password": password},
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7",
    )
    assert Event.objects.get(kind="login.succeeded").ip == "203.0.113.7"


def test_the_login_page_links_to_registration_and_recovery(en_client, personas):
    page = en_client.get(reverse("portal:login")).content.decode()
    assert reverse("portal:password-reset") in page and reverse("portal:register") in page


# --- password reset by e-mail -----------------------------------------------------------------


def test_it_resets_a_password_by_email(en_client, personas):
    response = en_client.post(reverse("portal:password-reset"), {"email": "ALICE@example.com"})
    assert response.headers["Location"] == reverse("portal:password-reset-sent")
    assert OutboxMessage.objects.filter(to="alice@example.com", customer_id=personas.alice_customer.pk).exists()
    (message,) = sent_mail_to("alice@example.com")
    link = link_in(message, "/password/reset/")
    assert "Choose a new password" in en_client.get(link).content.decode()

    weak = en_client.post(link, {"password": "123", "password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    response = en_client.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.headers["Location"] == reverse("portal:login")
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(NEW_PASSWORD)
    # Told by mail; the link is spent.
    assert any("password was changed" in m.subject for m in sent_mail_to("alice@example.com"))
    again = en_client.post(link, {"password": "another-strong-pass-9", "password2": "another-strong-pass-9"})
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert Event.objects.filter(kind="password.reset", actor=personas.alice).exists()
    login = en_client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_reset_answers_the_same_whether_or_not_the_address_exists(en_client, personas):
    known = en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"}, follow=True)
    unknown = en_client.post(reverse("portal:password-reset"), {"email": "ghost@example.com"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert without_csrf(known.content) == without_csrf(unknown.content)
    assert sent_mail_to("ghost@example.com") == []


def test_a_reset_link_dies_when_the_password_changes_otherwise(en_client, personas, password):
    en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"})
    (message,) = sent_mail_to("alice@example.com")
    link = link_in(message, "/password/reset/")
    personas.alice.set_password("changed-elsewhere-55")
    personas.alice.save()
    assert en_client.get(link).status_code == 400


def test_a_tampered_reset_link_is_refused(en_client, personas):
    response = en_client.get(reverse("portal:password-reset-confirm", args=["eyJ1IjoxfQ:1xUuh9:forged"]))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_it_throttles_reset_requests(en_client, personas):
    for _ in range(5):
        en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"})
    response = en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"})
    assert response.status_code == 429
    assert OutboxMessage.objects.filter(to="alice@example.com").count() == 5


def test_a_reset_for_a_login_waiting_for_activation_sends_the_activation_link(en_client, personas):
    User.objects.filter(pk=personas.alice.pk).update(is_active=False, activation_pending=True)
    en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"})
    (message,) = sent_mail_to("alice@example.com")
    assert "/activate/" in message.body


# --- password reset by account number + phone + e-mail (the Russian utility) -------------------


@pytest.fixture
def phone_reset(ru_personas):
    profile = UtilityProfile.get()
    profile.reset_by_account_and_phone = True
    profile.save()
    ru_personas.alice.phone = "+7 (471) 270-11-22"
    ru_personas.alice.save()
    return ru_personas


def test_it_resets_by_account_number_phone_and_email(en_client, phone_reset):
    page = en_client.get(reverse("portal:password-reset")).content.decode()
    assert "Account number" in page and "Phone" in page
    data = {"account_number": "100001", "phone": "8 471 270 11 22", "email": "alice@example.com"}
    response = en_client.post(reverse("portal:password-reset"), data)
    assert response.headers["Location"] == reverse("portal:password-reset-sent")
    (message,) = sent_mail_to("alice@example.com")
    assert "/password/reset/" in message.body


@pytest.mark.parametrize(
    "data",
    [
        {"account_number": "100001", "phone": "8 471 270 99 99", "email": "alice@example.com"},
        {"account_number": "200001", "phone": "8 471 270 11 22", "email": "alice@example.com"},
        {"account_number": "100001", "phone": "8 471 270 11 22", "email": "bob@example.com"},
    ],
)
def test_a_phone_reset_with_one_wrong_detail_sends_nothing_and_answers_the_same(en_client, phone_reset, data):
    good = {"account_number": "100001", "phone": "8 471 270 11 22", "email": "alice@example.com"}
    right = en_client.post(reverse("portal:password-reset"), good, follow=True)
    mail.outbox.clear()
    OutboxMessage.objects.all().delete()
    wrong = en_client.post(reverse("portal:password-reset"), data, follow=True)
    assert without_csrf(right.content) == without_csrf(wrong.content)
    assert not OutboxMessage.objects.exists()


def test_a_phone_reset_refuses_a_malformed_account_number(en_client, phone_reset):
    data = {"account_number": "12ab", "phone": "8 471 270 11 22", "email": "alice@example.com"}
    response = en_client.post(reverse("portal:password-reset"), data)
    assert response.status_code == 200
    assert "The account number is 6 to 20 digits" in response.content.decode()
