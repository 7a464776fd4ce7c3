import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kabinet.customers.models import User
from kabinet.notifications.models import OutboxMessage
from kabinet.notifications.services import outbox_send_due
from kabinet.test import mail_links, without_csrf
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Event, UtilityProfile

NEW_PASSWORD = "violet-kettle-harbour-42"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


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


def login(client, identifier, password, **extra):
    return client.post(reverse("portal:login"), {"identifier": identifier, "password": password}, **extra)


def test_it_slows_down_a_person_after_three_failures_whichever_identifier_is_used(en_client, personas, password):
    # Alice's e-mail, client code and both account numbers name one person.
    with time_machine.travel(T0, tick=False):
        for identifier in ("alice@example.com", "10001", "100001"):
            assert login(en_client, identifier, "bad").status_code == 200
        response = login(en_client, "100002", password)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "30"
        assert "Too many attempts" in response.content.decode()
        assert "_auth_user_id" not in en_client.session
        # Other people are not slowed down by alice's attacker.
        assert login(en_client, "bob@example.com", password).status_code == 302
    with time_machine.travel(T0 + dt.timedelta(seconds=31), tick=False):
        assert login(en_client, "alice@example.com", password).status_code == 302


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(en_client, personas, password):
    now = T0
    waits = []
    for _ in range(10):
        with time_machine.travel(now, tick=False):
            response = login(en_client, "alice@example.com", "bad")
            assert response.status_code == 200
            refused = login(en_client, "alice@example.com", "bad")
            waits.append(int(refused.headers["Retry-After"]) if refused.status_code == 429 else 0)
        now += dt.timedelta(minutes=16)
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900, 900, 900]


def test_parallel_attempts_are_counted_before_the_password_is_checked(personas):
    from kabinet.customers import throttle as t

    person = t.login_person("alice@example.com")
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            t.login_begin(person, "10.0.0.1")
            t.login_failed(person, "10.0.0.1")
    with time_machine.travel(T0 + dt.timedelta(seconds=40), tick=False):
        t.login_begin(person, "10.0.0.1")  # one attempt may go on...
        with pytest.raises(ApplicationError):
            t.login_begin(person, "10.0.0.2")  # ...and the one beside it has to wait


def test_a_successful_password_reset_lifts_the_slowdown(en_client, personas, password):
    with time_machine.travel(T0, tick=False):
        for _ in range(6):
            login(en_client, "alice@example.com", "bad")
        assert login(en_client, "alice@example.com", password).status_code == 429
        en_client.post(reverse("portal:password-reset"), {"email": "alice@example.com"})
        link = link_in(sent_mail_to("alice@example.com")[-1], "/password/reset/")
        response = en_client.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.headers["Location"] == reverse("portal:login")
        assert login(en_client, "alice@example.com", NEW_PASSWORD).status_code == 302


def test_it_slows_down_unknown_identifiers_the_same_way(en_client, personas):
    with time_machine.travel(T0, tick=False):
        statuses = [login(en_client, "ghost@example.com", "x").status_code for _ in range(5)]
    assert statuses == [200] * 3 + [429] * 2


def test_it_throttles_failed_logins_per_ip(en_client, personas, password):
    for n in range(30):
        login(en_client, f"u{n}@example.com", "bad")
    response = login(en_client, "bob@example.com", password)
    assert response.status_code == 429
    # Another address is not affected.
    assert login(en_client, "bob@example.com", password, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_a_successful_login_clears_the_persons_failures(en_client, personas, password):
    for _ in range(2):
        login(en_client, "alice@example.com", "bad")
    assert login(en_client, "alice@example.com", password).status_code == 302
    en_client.post(reverse("portal:logout"))
    for _ in range(2):
        login(en_client, "alice@example.com", "bad")
    assert login(en_client, "alice@example.com", password).status_code == 302


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
