import base64
import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from email.message import EmailMessage

import pytest
import time_machine

from kabinet.billing.estimate import charge_estimate
from kabinet.meters.inbound.mailbox import email_process, message_from_bytes
from kabinet.meters.inbound.parser import parse_message
from kabinet.meters.inbound.sms import sms_outbox_send_due
from kabinet.meters.models import InboundMessage, InboundStatus, Reading, ReadingSource, ReadingStatus
from kabinet.notifications.models import Channel, OutboxMessage

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
RU_IN_WINDOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def rfc822(text, *, sender="alice@example.com", subject="Показания", message_id="<m1@mail.example>") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Alise <{sender}>"
    msg["To"] = "readings@utility.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Tue, 24 Nov 2026 10:00:00 +0300"
    msg.set_content(text)
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100001 ХВС 123 ГВС 45", {"CW-1001": "123", "HW-1001": "45"}),
        ("lietotāja kods 10001, auksts 123,4", {"CW-1001": "123,4"}),
        ("Account 100001: cold water 12.5, hot water 7", {"CW-1001": "12.5", "HW-1001": "7"}),
        ("л/с 100001 CW-1001 - 55; HW-1001 - 66", {"CW-1001": "55", "HW-1001": "66"}),
        ("200001 99", {"CW-2001": "99"}),  # a single meter needs no name
    ],
)
def test_it_parses_the_ways_people_write(personas, text, expected):
    parsed = parse_message(text)
    assert parsed.ok, parsed.problem
    assert {m.serial_number: v for m, v in parsed.values} == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hello, my water is cold", "no_identifier"),
        ("999999 cold 12", "unknown_identifier"),
        ("100001 12 13", "unknown_meter"),
        ("100001 cold", "no_values"),
    ],
)
def test_it_names_what_it_could_not_understand(personas, text, problem):
    assert parse_message(text).problem == problem


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_a_real_email_becomes_readings_and_a_reply(ru_personas):
    raw = rfc822("Добрый день!\n100001 ХВС 123,7 ГВС 45\n\n-- \nАлиса\n> 100001 ХВС 1")
    stored = email_process(message_from_bytes(raw), charge_estimator=charge_estimate)
    assert stored.status == InboundStatus.PROCESSED
    readings = {r.meter.serial_number: r for r in Reading.objects.select_related("meter")}
    assert readings["CW-1001"].value == Decimal("123")  # the Russian preset drops the fraction
    assert readings["CW-1001"].source == ReadingSource.EMAIL
    assert readings["HW-1001"].status == ReadingStatus.ACCEPTED
    reply = OutboxMessage.objects.get()
    assert reply.to == "alice@example.com" and reply.language == "ru"
    assert "CW-1001" in reply.body_text and "HW-1001" in reply.body_text
    # The same message fetched again (IMAP redelivery) changes nothing.
    assert email_process(message_from_bytes(raw)).pk == stored.pk
    assert Reading.objects.count() == 2 and OutboxMessage.objects.count() == 1


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_an_unparseable_email_gets_the_format_and_waits_for_staff(personas):
    raw = rfc822("Sveiki, lūdzu pieņemiet rādījumus", subject="Rādījumi", message_id="<m2@mail.example>")
    stored = email_process(message_from_bytes(raw))
    assert stored.status == InboundStatus.UNPARSED
    assert not Reading.objects.exists()
    reply = OutboxMessage.objects.get()
    assert reply.language == "lv"
    assert "100001" in reply.body_text  # the example of the expected format


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_a_stranger_sees_no_consumption_in_the_reply(personas):
    from kabinet.meters.tests.test_reading_submit import history

    history(personas.alice_cold, "10", "20")
    raw = rfc822("account 100001 cold 30", sender="someone@else.example", message_id="<m3@x>")
    email_process(message_from_bytes(raw))
    body = OutboxMessage.objects.get().body_text
    assert "CW-1001" in body and "Consumption" not in body


def twilio_post(client, settings, params):
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_TWILIO_AUTH_TOKEN = "secret-token"
    url = "http://testserver/api/v1/readings/sms/twilio"
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    signature = base64.b64encode(hmac.new(b"secret-token", payload.encode(), hashlib.sha1).digest()).decode()
    return client.post("/api/v1/readings/sms/twilio", params, HTTP_X_TWILIO_SIGNATURE=signature)


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_an_sms_webhook_stores_the_reading_and_queues_the_reply(client, settings, ru_personas):
    params = {"MessageSid": "SM123", "From": "+79001234567", "To": "+79000000000", "Body": "100001 хвс 77"}
    response = twilio_post(client, settings, params)
    assert response.status_code == 200 and "<Response>" in response.content.decode()
    reading = Reading.objects.get()
    assert reading.source == ReadingSource.SMS and reading.value == 77
    reply = OutboxMessage.objects.get(channel=Channel.SMS)
    assert reply.to == "+79001234567" and "77" in reply.body_text
    # The gateway retries: one message, one reading, one reply.
    assert twilio_post(client, settings, params).status_code == 200
    assert Reading.objects.count() == 1 and InboundMessage.objects.count() == 1

    class Recorder:
        sent = []

        def send(self, *, to, text):
            self.sent.append((to, text))

    recorder = Recorder()
    assert sms_outbox_send_due(provider=recorder) == 1
    assert recorder.sent[0][0] == "+79001234567"


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_an_sms_with_a_control_character_is_taken_without_it_not_refused_and_lost(client, settings, ru_personas):
    """A phone's GSM page break (form feed) or a gateway's stray NUL: a person's form would
    be refused, but a gateway answered 400 gives up and the customer's SMS is lost."""
    params = {"MessageSid": "SM124", "From": "+79001234567", "To": "+79000000000", "Body": "100001\x0c хвс 77\x00"}
    response = twilio_post(client, settings, params)
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.body == "100001 хвс 77"
    assert Reading.objects.get().value == 77


def test_an_sms_webhook_refuses_a_bad_signature(client, settings, personas):
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_TWILIO_AUTH_TOKEN = "secret-token"
    response = client.post(
        "/api/v1/readings/sms/twilio",
        {"MessageSid": "SM1", "From": "+1", "Body": "100001 cold 5"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert response.status_code == 403
    assert not Reading.objects.exists()
    assert client.post("/api/v1/readings/sms/other", {}).status_code == 404
