"""Whole calls through Twilio's signed voice webhooks: alice phones the readings line,
keys her account number and her meters' readings and hears the receipts; the readings
door decides them as it decides the portal's (window, precision, lower-than-previous)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext as _

from kabinet.ivr.models import CallSession
from kabinet.ivr.tests.conftest import TOKEN, TwilioCall
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)  # lv: from the 27th to the month's end
RU_IN_WINDOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # ru: from the 23rd to the 25th
RU_BEFORE_WINDOW = dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC)


def _ru(text: str) -> str:
    with translation.override("ru"):
        return _(text)


def test_it_is_not_found_while_the_line_is_off(client, personas, settings):
    settings.IVR_PROVIDER = "off"
    settings.SMS_TWILIO_AUTH_TOKEN = TOKEN
    assert TwilioCall(client).start().status_code == 404


def test_it_refuses_unsigned_and_wrongly_signed_webhooks(client, twilio, personas):
    call = TwilioCall(client)
    assert call.start(signed=False).status_code == 403
    assert call.start(token="another-accounts-token").status_code == 403
    assert not CallSession.objects.exists()
    assert call.start().status_code == 200
    url = "http://testserver" + call.gather.get("action").removeprefix("http://testserver")
    assert call.post(url, call.fields(Digits="3"), signed=False).status_code == 403
    assert CallSession.objects.get().step == 1  # the unsigned keys changed nothing


def test_a_latvian_utility_offers_its_three_languages_each_in_its_own_voice(client, twilio, personas):
    call = TwilioCall(client)
    call.start()
    says = list(call.gather.iter("Say"))
    assert [s.get("language") for s in says] == ["lv-LV", "ru-RU", "en-GB"]
    assert [s.get("voice") for s in says] == [
        "Google.lv-LV-Standard-A",
        "Google.ru-RU-Standard-A",
        "Google.en-GB-Standard-A",
    ]
    gather = call.gather
    assert (gather.get("input"), gather.get("finishOnKey"), gather.get("method")) == ("dtmf", "#", "POST")
    assert gather.get("action") == "http://testserver/ivr/twilio/step/1/"
    assert call.root.find("Redirect").text == "http://testserver/ivr/twilio/step/1/?silence=1"


def test_alice_submits_a_reading_with_decimals_and_skips_a_meter(client, twilio, personas):
    personas.alice_cold.initial_reading = Decimal("120.5")
    personas.alice_cold.save()
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        call.press("3")  # English
        assert "Enter your account number, then the hash key." in call.said
        assert all(s.get("language") == "en-GB" for s in call.root.iter("Say"))
        call.press("100001")
        assert "Account 1 0 0 0 0 1." in call.said
        assert "Meter 1 of 2: Cold water, kitchen." in call.said
        assert "The previous reading is 120 point 5." in call.said
        call.press("123*4")
        assert call.said == ["You entered 123 point 4.", "To submit it, press 1. To enter it again, press 2."]
        call.press("1")
        assert call.said[0] == "The reading 123 point 4 is accepted. Consumption: 2 point 9."
        assert "Meter 2 of 2: Hot water, kitchen." in call.said
        call.press("*")  # star, then hash: the hot water meter is skipped
    assert call.said[:1] == ["Skipped."] and call.said[-1] == "Thank you for calling. Goodbye."
    assert call.hung_up and call.gather is None
    reading = Reading.objects.get()
    assert reading.meter == personas.alice_cold
    assert (reading.value, reading.consumption) == (Decimal("123.4"), Decimal("2.9"))  # 123.4 - 120.5
    assert (reading.source, reading.status, reading.entered_value) == (
        ReadingSource.IVR,
        ReadingStatus.ACCEPTED,
        "123.4",
    )
    assert reading.entered_by is None
    # The same e-mail receipt as every channel, to the account's login.
    assert OutboxMessage.objects.filter(kind="reading_receipt", to="alice@example.com").count() == 1


def test_the_caller_can_key_a_value_again_before_submitting_it(client, twilio, personas):
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        call.press("3")
        call.press("100001")
        call.press("12*3*4")  # two points: not a reading, asked again
        assert call.said[0] == "That is not a reading." and "Meter 1 of 2: Cold water, kitchen." in call.said
        call.press("15")
        call.press("2")  # enter it again
        assert "Meter 1 of 2: Cold water, kitchen." in call.said
        call.press("16")
        call.press("1")
    assert list(Reading.objects.values_list("value", flat=True)) == [Decimal("16")]


def test_a_retried_webhook_is_answered_again_and_submits_once(client, twilio, personas):
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        call.press("3")
        call.press("100001")
        call.press("17")
        confirm_url = call.gather.get("action")
        first = call.press("1").content
        # Twilio did not get the answer and posts the same step again.
        again = call.post(confirm_url, call.fields(Digits="1", FinishedOnKey="#", msg="Gather End")).content
        assert again == first
        assert Reading.objects.count() == 1
        call.press("")  # the call goes on from where it was
    assert call.hung_up and Reading.objects.count() == 1


def test_three_wrong_account_numbers_end_the_call(client, twilio, personas):
    call = TwilioCall(client)
    call.start()
    call.press("3")
    for _try in range(2):
        call.press("999999")
        assert call.said == ["The account was not found.", "Enter your account number, then the hash key."]
    call.press("12345")
    assert call.said == ["The account was not found.", "Thank you for calling. Goodbye."]
    assert call.hung_up
    assert not Reading.objects.exists()


def test_a_caller_who_keeps_guessing_is_stopped_across_calls(client, twilio, personas, settings):
    settings.IVR_WRONG_ACCOUNTS_PER_HOUR = 4
    first = TwilioCall(client)
    first.start()
    first.press("3")
    for _try in range(3):
        first.press("999999")
    second = TwilioCall(client)  # the same number calls again
    second.start()
    second.press("3")
    second.press("999998")
    assert second.said[0] == "The account was not found."
    second.press("100001")  # even the right number is not looked up now
    assert second.said[0] == "Too many wrong account numbers. Please call again later." and second.hung_up
    other = TwilioCall(client, caller="+37129000002")  # another caller is not stopped
    other.start()
    other.press("3")
    other.press("100001")
    assert "Account 1 0 0 0 0 1." in other.said


def test_silence_asks_once_more_then_says_goodbye(client, twilio, personas):
    call = TwilioCall(client)
    call.start()
    call.silence()  # no language chosen: the utility's first language
    assert call.gather.find("Say").get("language") == "lv-LV"
    call.silence()
    assert call.gather is not None and len(call.said) == 2  # "we did not hear", the question again
    call.silence()
    assert call.hung_up and call.gather is None


def test_a_webhook_issues_a_bounded_number_of_queries(client, twilio, personas, django_assert_max_num_queries):
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        call.press("3")
        with django_assert_max_num_queries(8):
            call.press("100001")


# --- the Russian utility: one language, whole numbers, a narrow window ---------------------------


def test_a_one_language_utility_skips_the_menu_and_keeps_whole_numbers_as_the_portal_does(client, twilio, ru_personas):
    """Readings are whole cubic metres there: 15,7 keyed is 15 used, as on the portal."""
    ru_personas.alice_cold.initial_reading = Decimal("10")
    ru_personas.alice_cold.save()
    call = TwilioCall(client)
    with time_machine.travel(RU_IN_WINDOW, tick=False):
        call.start()
        assert call.said == [
            _ru("You have called the meter reading line."),
            _ru("Enter your account number, then the hash key."),
        ]
        assert {s.get("language") for s in call.root.iter("Say")} == {"ru-RU"}
        call.press("100001")
        call.press("15*7")
        call.press("1")
    reading = Reading.objects.get()
    assert (reading.entered_value, reading.value, reading.status) == ("15.7", Decimal("15"), ReadingStatus.ACCEPTED)
    with translation.override("ru"):
        point = translation.pgettext("the decimal point, spoken", "point")
        expected = _("You entered %(entered)s; %(used)s is used.") % {"entered": f"15 {point} 7", "used": "15"}
    assert expected in call.said[0]


def test_a_reading_lower_than_the_previous_is_refused_with_the_portals_reason(client, twilio, ru_personas):
    ru_personas.alice_cold.initial_reading = Decimal("20")
    ru_personas.alice_cold.save()
    call = TwilioCall(client)
    with time_machine.travel(RU_IN_WINDOW, tick=False):
        call.start()
        call.press("100001")
        call.press("12")
        call.press("1")
    reading = Reading.objects.get()
    assert (reading.status, reading.reason) == (ReadingStatus.REJECTED, "lower_than_previous")
    assert reading.reason_text and "20" in reading.reason_text  # the door's text, in Russian
    assert call.said[0] == f"{_ru('The reading was not accepted.')} {reading.reason_text}"


def test_before_the_window_the_reading_is_saved_for_it_and_the_caller_hears_when(client, twilio, ru_personas):
    call = TwilioCall(client)
    with time_machine.travel(RU_BEFORE_WINDOW, tick=False):
        call.start()
        call.press("100001")
        call.press("25")
        call.press("1")
    reading = Reading.objects.get()
    assert reading.status == ReadingStatus.QUEUED and "23.11.2026" in reading.reason_text
    assert reading.reason_text in call.said[0]


def test_after_the_window_a_utility_that_refuses_late_readings_says_so_before_asking(client, twilio, ru_personas):
    from kabinet.utility.models import UtilityProfile

    profile = UtilityProfile.get()
    profile.after_window = "refuse"
    profile.save()
    call = TwilioCall(client)
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False):
        call.start()
        call.press("100001")
        with translation.override("ru"):
            from kabinet.meters.rules import after_window_refusal

            refusal = after_window_refusal(dt.date(2026, 11, 27), profile).text
    assert call.said[0] == refusal and call.hung_up
    assert not Reading.objects.exists()


def test_recorded_prompts_play_instead_of_speech_where_the_sentence_is_fixed(client, twilio, personas):
    twilio.IVR_PROMPTS_URL = "https://cdn.example/ivr/"
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        plays = [p.text for p in call.gather.iter("Play")]
        assert plays == [
            "https://cdn.example/ivr/lv/language.mp3",
            "https://cdn.example/ivr/ru/language.mp3",
            "https://cdn.example/ivr/en/language.mp3",
        ]
        call.press("2")
        call.press("100001")
    # Sentences with figures are synthesised; the fixed question is a recording.
    assert call.gather.findall("Play")[-1].text == "https://cdn.example/ivr/lv/value.mp3"
    assert any("1 0 0 0 0 1" in text for text in call.said)


def test_a_step_of_an_unknown_or_purged_call_says_goodbye(client, twilio, personas):
    call = TwilioCall(client)
    call.start()
    CallSession.objects.all().delete()
    call.press("3")
    assert call.hung_up and call.gather is None and not Reading.objects.exists()
