"""Readings by e-mail and SMS as real mail clients and phones send them: the MIME is built
with the email package the way Thunderbird, Gmail, Outlook and iPhone Mail write it."""

import base64
import datetime as dt
import quopri
from email.header import Header
from email.message import Message
from email.utils import formataddr

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from kabinet.meters.inbound.mailbox import email_process, message_from_bytes
from kabinet.meters.inbound.services import inbound_message_process
from kabinet.meters.models import InboundChannel, InboundMessage, InboundStatus, Reading, ReadingStatus
from kabinet.meters.values import parse_reading_value
from kabinet.notifications.models import Channel, OutboxMessage
from kabinet.test import make_meter
from kabinet.utility.exceptions import ApplicationError

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
RU_IN_WINDOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
OUR_REPLY = "noreply@kabinet.local"


def _part(text: str, subtype: str, charset: str, encoding: str) -> Message:
    part = Message()
    part["Content-Type"] = f'text/{subtype}; charset="{charset}"' + ("; format=flowed" if subtype == "plain" else "")
    part["Content-Transfer-Encoding"] = encoding
    data = text.encode(charset)
    if encoding == "base64":
        part.set_payload(base64.encodebytes(data).decode("ascii"))
    else:
        part.set_payload(quopri.encodestring(data).decode("ascii"))
    return part


def mime(
    text: str = "",
    *,
    html: str = "",
    client: str = "thunderbird",
    charset: str = "utf-8",
    encoding: str = "quoted-printable",
    sender: str = "alice@example.com",
    name: str = "Алиса Берзиня",
    subject: str = "Показания",
    message_id: str = "<reading-1@mail.example>",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A mail as `client` writes it: plain text, HTML only (text=""), or both (alternative)."""
    parts = ([_part(text, "plain", charset, encoding)] if text else []) + (
        [_part(html, "html", charset, encoding)] if html else []
    )
    if len(parts) == 1:
        msg = parts[0]
    else:
        msg = Message()
        msg["Content-Type"] = 'multipart/alternative; boundary="000000000000b1c2d3e4f5"'
        for part in parts:
            msg.attach(part)
    msg["MIME-Version"] = "1.0"
    msg["From"] = formataddr((name, sender), charset)
    msg["To"] = "readings@udens.example"
    msg["Subject"] = Header(subject, charset).encode()
    msg["Message-ID"] = message_id
    msg["Date"] = "Thu, 03 Dec 2026 10:20:00 +0200"
    user_agents = {
        "thunderbird": ("User-Agent", "Mozilla Thunderbird 128.5.0"),
        "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
        "iphone": ("X-Mailer", "iPhone Mail (22B91)"),
        "gmail": ("X-Gm-Message-State", "AOJu0Yw"),
    }
    msg[user_agents[client][0]] = user_agents[client][1]
    for key, value in (headers or {}).items():
        msg[key] = value
    return msg.as_bytes()


def process(raw: bytes) -> InboundMessage:
    return email_process(message_from_bytes(raw))


def readings() -> dict[str, Reading]:
    return {r.meter.serial_number: r for r in Reading.objects.select_related("meter")}


def reply() -> OutboxMessage:
    return OutboxMessage.objects.get()


def portal_refusal(value: str) -> str:
    """What the portal says about a value (the one value parser every channel shares)."""
    with pytest.raises(ApplicationError) as refused:
        parse_reading_value(value, digits_before=5, decimals=0)
    return refused.value.message


# --- 1. A value with a sign before it is a refused negative value ----------------------------


@pytest.mark.parametrize("sign", ["-", "\u2212", "\u2013", "\u2014", "\u2012", "\ufe63", "\uff0d"])
@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_refuses_a_negative_value_written_with_any_minus_sign(ru_personas, sign):
    text = f"Добрый день!\n100001 ХВС {sign}330 ГВС 45\n"
    # Each in the 8-bit charset a Russian client would pick for it, if it has the sign at all.
    charset = next(c for c in ("koi8-r", "windows-1251", "utf-8") if text.encode(c, "ignore").decode(c) == text)
    raw = mime(text, charset=charset, encoding="quoted-printable")
    stored = process(raw)
    cold, hot = readings()["CW-1001"], readings()["HW-1001"]
    assert cold.status == ReadingStatus.REJECTED and cold.reason == "negative"
    with translation.override("ru"):
        assert cold.reason_text == portal_refusal("-330")
    assert hot.status == ReadingStatus.ACCEPTED and hot.value == 45
    assert stored.status == InboundStatus.PROCESSED
    assert cold.reason_text in reply().body_text and f"{sign}330" in reply().body_text


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_refuses_a_minus_glued_to_the_meter_name(ru_personas):
    process(mime("100001 ХВС−455 ГВС-12", client="outlook", charset="utf-8", encoding="base64"))
    assert {serial: r.reason for serial, r in readings().items()} == {"CW-1001": "negative", "HW-1001": "negative"}


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_refuses_a_negative_value_by_sms(client, ru_personas):
    inbound_message_process(
        channel=InboundChannel.SMS, external_id="twilio:SM9", sender="+79001234567", body="200001 -400"
    )
    reading = Reading.objects.get()
    assert reading.meter == ru_personas.bob_cold and reading.reason == "negative"
    sms = OutboxMessage.objects.get(channel=Channel.SMS)
    assert reading.reason_text in sms.body_text and "-400" in sms.body_text


# --- 2. A serial that is not a meter of the account is refused, never reassigned -----------


@pytest.mark.parametrize("serial", ["CW-1001", "cw-1001", "XZ-777777", "88001234"])
@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_refuses_a_serial_that_is_not_a_meter_of_the_account(personas, serial):
    make_meter(personas.alice_second_account, personas.services["cold_water"], "88001234")
    raw = mime(f"Labdien!\nKonts 200001, skaitītājs {serial} 99", sender="bob@example.com", name="Boriss")
    stored = process(raw)
    assert not Reading.objects.exists()  # not on Bob's single meter, not on the named one
    assert stored.status == InboundStatus.UNPARSED
    assert stored.error == f"unknown_serial: {serial.upper()}"
    # The reply names the refused serial and the account (in the customer's language).
    assert serial.upper() in reply().body_text and "200001" in reply().body_text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_accepts_the_own_meters_and_refuses_the_foreign_one_in_one_message(personas):
    stored = process(mime("account 100001 cold 12 CW-2001 55 hot 7", client="gmail", name="Alice"))
    assert {serial: r.value for serial, r in readings().items()} == {"CW-1001": 12, "HW-1001": 7}
    assert stored.status == InboundStatus.PROCESSED and stored.error == "unknown_serial: CW-2001"
    body = reply().body_text
    assert "CW-1001" in body and "HW-1001" in body
    refusal = body[body.index("CW-2001") :]
    assert "100001" in refusal.splitlines()[0]  # "CW-2001 is not a meter of account 100001"


# --- 3. A message is decided as a whole, from the customer's own new text --------------------


GMAIL_HTML = (
    '<div dir="ltr">{readings}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{header}<br>'
    '</div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">'
    "Your meter readings<br>100001 cold 123,4</blockquote></div>"
)


@pytest.mark.parametrize(
    ("language", "readings_text", "header"),
    [
        ("ru", "100001 ХВС 123 ГВС 45", "чт, 3 дек. 2026 г. в 10:15, Kabinet &lt;noreply@kabinet.local&gt;:"),
        (
            "en",
            "100001 cold 123 hot 45",
            "On Thu, Dec 3, 2026 at 10:15 AM Kabinet &lt;noreply@kabinet.local&gt; wrote:",
        ),
        (
            "lv",
            "100001 auksts 123 karsts 45",
            "ceturtd., 2026. g. 3. dec., plkst. 10:15 Kabinet &lt;noreply@kabinet.local&gt; rakstīja:",
        ),
    ],
)
@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_reads_a_gmail_reply_without_its_quote_header(personas, language, readings_text, header):
    html = GMAIL_HTML.format(readings=readings_text, header=header)
    plain = f"{readings_text}\n\n{header.replace('&lt;', '<').replace('&gt;', '>')}\n\n> Your meter readings\n"
    stored = process(mime(plain, html=html, client="gmail"))
    assert stored.status == InboundStatus.PROCESSED and stored.error == ""
    assert {serial: r.value for serial, r in readings().items()} == {"CW-1001": 123, "HW-1001": 45}
    # The same mail as an HTML-only message.
    OutboxMessage.objects.all().delete()
    Reading.objects.all().delete()
    stored = process(mime(html=html, client="gmail", message_id="<html-only@mail.example>"))
    assert stored.status == InboundStatus.PROCESSED and len(readings()) == 2


@pytest.mark.parametrize(
    ("charset", "block"),
    [
        ("windows-1251", "От: Kabinet\nОтправлено: 3 декабря 2026 г. 10:15\nКому: Алиса\nТема: Показания 100001"),
        ("utf-8", "From: Kabinet\nSent: Thursday, December 3, 2026 10:15 AM\nTo: Alice\nSubject: Readings"),
        ("utf-8", "No: Kabinet\nNosūtīts: ceturtdiena, 2026. gada 3. decembris 10:15\nKam: Alise\nTēma: Rādījumi"),
    ],
)
@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_reads_an_outlook_reply_without_the_quoted_mail_below_its_header_block(ru_personas, charset, block):
    text = f"100001 ХВС 123 ГВС 45\n\n________________________________\n{block}\n\nВаши показания: ХВС 1, ГВС 2\n"
    stored = process(mime(text, client="outlook", charset=charset, encoding="base64"))
    assert stored.status == InboundStatus.PROCESSED and stored.error == ""
    assert {serial: r.value for serial, r in readings().items()} == {"CW-1001": 123, "HW-1001": 45}


@pytest.mark.parametrize(
    "signature",
    [
        "С уважением,\nАлиса\n+7 916 123-45-67",
        "Алиса\nтел. 8 (916) 123-45-67",
        "Отправлено с iPhone 15",
        "Ar cieņu,\nAlise Bērziņa\n29123456",
    ],
)
@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_reads_no_number_of_a_signature_without_the_delimiter(ru_personas, signature):
    stored = process(mime(f"100001 ХВС 123 ГВС 45\n\n{signature}\n", client="iphone"))
    assert stored.status == InboundStatus.PROCESSED and stored.error == ""
    assert len(readings()) == 2
    assert "Спасибо" in reply().body_text or "Thank" in reply().body_text or "Paldies" in reply().body_text


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_accepts_the_readings_and_names_the_stray_number_in_one_reply(ru_personas):
    stored = process(mime("100001 ХВС 123 ГВС 45 звоните 29123456", client="thunderbird"))
    assert stored.status == InboundStatus.PROCESSED
    assert stored.error == "unknown_meter: 29123456"
    assert len(readings()) == 2
    body = reply().body_text
    with translation.override("ru"):
        from kabinet.meters.inbound.parser import problem_text

        assert problem_text("unknown_meter", "29123456") in body
        assert "CW-1001" in body and "HW-1001" in body
    assert "We could not read" not in reply().subject


# --- 4. A forwarded mail is read when the new text holds no readings -------------------------


@pytest.mark.parametrize(
    ("client", "marker", "headers"),
    [
        ("outlook", "-----Original Message-----", "From: Alice <alice@example.com>\nSent: Thursday, December 3, 2026"),
        ("gmail", "---------- Forwarded message ---------", "From: Alice <alice@example.com>\nDate: Thu, Dec 3, 2026"),
        ("thunderbird", "-------- Пересылаемое сообщение --------", "Тема: Показания\nДата: 03.12.2026 10:15"),
        ("iphone", "Начало переадресованного сообщения:", "От: Алиса <alice@example.com>\nДата: 3 декабря 2026 г."),
        ("iphone", "Begin forwarded message:", "From: Alice <alice@example.com>\nDate: 3 December 2026 at 10:15"),
    ],
)
@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_reads_the_mail_a_customer_forwards(ru_personas, client, marker, headers):
    # The customer forwards the whole thread: their mail, its footer, and the earlier mail below.
    earlier = "On 1 Dec 2026, at 09:00, Kabinet <noreply@kabinet.local> wrote:\n\n> Your meter readings"
    forwarded = f"100001 ХВС 123 ГВС 45\n\nSent from my iPhone\n\n{earlier}"
    text = f"Пересылаю, ответа не было.\n\n{marker}\n{headers}\n\n{forwarded}"
    stored = process(mime(text, client=client, subject="Fwd: Показания"))
    assert stored.status == InboundStatus.PROCESSED and stored.account_number == "100001"
    assert {serial: r.value for serial, r in readings().items()} == {"CW-1001": 123, "HW-1001": 45}


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_prefers_the_new_text_to_the_forwarded_mail(ru_personas):
    text = "100001 ХВС 130\n\n---------- Forwarded message ---------\nFrom: Alice <alice@example.com>\n\n100001 ХВС 123"
    process(mime(text, client="gmail"))
    assert [r.value for r in Reading.objects.all()] == [130]


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_does_not_read_our_own_reply_forwarded_back(ru_personas):
    text = (
        "Что это?\n\n-----Original Message-----\nFrom: Kabinet <noreply@kabinet.local>\nSent: Thursday\n\n"
        "Пример:\n  100001 cold 123,4 hot 45\n"
    )
    stored = process(mime(text, client="outlook"))
    assert not Reading.objects.exists() and stored.status == InboundStatus.UNPARSED


# --- 6. No reply to automatic mail; our reply threads and says it is automatic ---------------


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("alice@example.com", {"Auto-Submitted": "auto-replied (vacation)"}),
        ("alice@example.com", {"Auto-Submitted": "auto-generated"}),
        ("alice@example.com", {"Precedence": "bulk"}),
        ("alice@example.com", {"Precedence": "junk"}),
        ("alice@example.com", {"Precedence": "list"}),
        ("alice@example.com", {"List-Id": "<readings.udens.example>"}),
        ("alice@example.com", {"X-Autoreply": "yes"}),
        ("alice@example.com", {"X-Autorespond": "Out of office"}),
        ("MAILER-DAEMON@mx.example.com", {}),
        ("postmaster@example.com", {}),
    ],
)
@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_does_not_answer_automatic_mail(ru_personas, sender, headers):
    # An out-of-office reply quoting our reply, with the example readings in it.
    text = "Я в отпуске до 10.12.\n\n> Пример: 100001 ХВС 123 ГВС 45\n100001 ХВС 1"
    stored = process(mime(text, sender=sender, headers=headers))
    assert not OutboxMessage.objects.exists()
    assert not Reading.objects.exists()
    assert stored.status == InboundStatus.HANDLED and stored.error == "automatic"


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_answers_a_mail_that_says_it_is_not_automatic(ru_personas):
    process(mime("100001 ХВС 123", headers={"Auto-Submitted": "no"}))
    assert OutboxMessage.objects.count() == 1


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_the_reply_threads_under_the_customers_mail_and_is_marked_automatic(
    ru_personas, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    raw = mime(
        "100001 ХВС 123",
        client="iphone",
        message_id="<B7E1@icloud.example>",
        headers={"References": "<first@icloud.example>", "In-Reply-To": "<first@icloud.example>"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        process(raw)
    sent = mail.outbox[-1]
    assert sent.to == ["alice@example.com"]
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert sent.extra_headers["In-Reply-To"] == "<B7E1@icloud.example>"
    assert sent.extra_headers["References"] == "<first@icloud.example> <B7E1@icloud.example>"


# --- 8. Whole sentences, never codes or a reason cut mid-word --------------------------------


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_an_sms_refusal_keeps_its_whole_reason(personas):
    from kabinet.meters.tests.test_reading_submit import history

    history(personas.bob_cold, "10", "20")
    inbound_message_process(
        channel=InboundChannel.SMS, external_id="twilio:SM7", sender="+37120000000", body="200001 5"
    )
    reading = Reading.objects.get(entered_value="5")
    assert reading.status == ReadingStatus.REJECTED and len(reading.reason_text) > 80
    assert reading.reason_text in OutboxMessage.objects.get(channel=Channel.SMS).body_text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_an_sms_names_what_it_refused(personas):
    inbound_message_process(
        channel=InboundChannel.SMS, external_id="twilio:SM8", sender="+37120000000", body="200001 CW-1001 5"
    )
    sms = OutboxMessage.objects.get(channel=Channel.SMS).body_text
    assert "CW-1001" in sms and "unknown_serial" not in sms


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_staff_read_sentences_in_the_queue(client, personas):
    process(mime("account 100001 cold 12 CW-2001 55 hot 7 -3", name="Alice", message_id="<a@x>"))
    process(mime("hello", name="Alice", message_id="<b@x>"))
    process(mime("200001 -4", sender="bob@example.com", name="Bob", message_id="<c@x>"))
    client.cookies["django_language"] = "en"
    client.force_login(personas.dave)
    page = client.get(reverse("admin:meters_inboundmessage_changelist")).content.decode()
    assert "is not a meter of account 100001" in page
    assert "We could not tell which meter “-3” belongs to" in page
    assert "Your message has no account number or client code." in page
    for code in ("unknown_serial", "unknown_meter", "no_identifier"):
        assert code not in page
    bob_message = InboundMessage.objects.get(external_id="<c@x>")
    page = client.get(reverse("admin:meters_inboundmessage_change", args=[bob_message.pk])).content.decode()
    refused = Reading.objects.get(meter=personas.bob_cold)
    assert refused.reason == "negative" and refused.reason_text in page
