"""The reading reminder names where readings can be sent without logging in: the e-mail
address and SMS number of the utility profile, each only when it is set."""

import datetime as dt

import pytest

from kabinet.meters.reminders import reading_reminders_send
from kabinet.notifications.models import OutboxMessage
from kabinet.utility.models import UtilityProfile

WINDOW_OPENS = dt.date(2026, 11, 27)  # the Latvian persona's window: the 27th to the month's end


def alice_reminder(**channels) -> OutboxMessage:
    profile = UtilityProfile.objects.get(pk=1)
    for name, value in channels.items():
        setattr(profile, name, value)
    profile.save()
    reading_reminders_send(today=WINDOW_OPENS)
    return OutboxMessage.objects.get(to="alice@example.com")


@pytest.fixture
def english_alice(personas):
    personas.alice.language = "en"
    personas.alice.save(update_fields=["language"])
    return personas


def test_it_names_the_address_and_the_number(english_alice):
    mail = alice_reminder(readings_email="radijumi@udens.example", readings_sms_number="+371 2604 2133")
    text = " ".join(mail.body_text.split())
    assert (
        "You can also send them without logging in: by e-mail to radijumi@udens.example or by SMS to +371 2604 2133."
        in text
    )
    assert "Write your account number, then each meter and its reading, for example: 100001 cold 123 hot 45" in text
    assert "radijumi@udens.example" in mail.body_html and "+371 2604 2133" in mail.body_html


def test_it_leaves_out_a_channel_that_is_off(english_alice):
    mail = alice_reminder(readings_email="radijumi@udens.example", readings_sms_number="")
    text = " ".join(mail.body_text.split())
    assert "You can also send them without logging in, by e-mail to radijumi@udens.example." in text
    assert "SMS" not in text and "SMS" not in mail.body_html


def test_it_names_the_sms_number_alone(english_alice):
    mail = alice_reminder(readings_email="", readings_sms_number="+371 2604 2133")
    assert "You can also send them without logging in, by SMS to +371 2604 2133." in " ".join(mail.body_text.split())
    assert "e-mail to" not in mail.body_text


def test_it_says_nothing_of_channels_that_are_not_set_up(english_alice):
    mail = alice_reminder(readings_email="", readings_sms_number="")
    assert "without logging in" not in mail.body_text and "without logging in" not in mail.body_html
    assert "for example" not in mail.body_text


def test_it_says_it_in_the_customers_language(personas):
    mail = alice_reminder(readings_email="radijumi@udens.example", readings_sms_number="+371 2604 2133")
    text = " ".join(mail.body_text.split())
    assert "e-pastā uz radijumi@udens.example vai īsziņā uz numuru +371 2604 2133" in text
    assert "100001 auksts 123 karsts 45" in text
    assert "Skaitītāju rādījumus par 2026. gada novembri pieņem no 27. līdz 30. novembrim." in text
