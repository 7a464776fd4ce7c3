"""Every channel a reading arrives by gives the same answer as the portal.

The readings door (kabinet.meters.submission) holds the rules; this test checks that no
channel bends them on the way in. Each case is sent by each channel through its real
protocol — the portal's form, the API with a personal token, an e-mail as a mail client
writes it, an SMS as Twilio posts it (signed), a Telegram dialogue through the bot's
webhook, a phone call through Twilio's signed voice webhooks — and each must store the
same value for the same period with the same status and the same reason. The figures
are the rules worked out by hand: the Latvian preset keeps one decimal and drops the rest
(never rounds), the Russian one keeps whole cubic metres; a value below the previous one
is refused; the Latvian window is the 27th to the month's end (earlier readings wait for
it), the Russian one the 23rd to the 25th (a later reading waits for the next month's
window).
"""

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from kabinet.billing.estimate import charge_estimate
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.inbound.mailbox import email_process, message_from_bytes
from kabinet.meters.models import Reading, ReadingSource
from kabinet.meters.tests.test_reading_submit import history
from kabinet.telegram import services as telegram
from kabinet.telegram.tests.fakes import FakeBot

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


@dataclass(frozen=True)
class Outcome:
    status: str  # accepted, queued or rejected
    value: Decimal | None
    period: dt.date | None
    reason: str  # the reason of a refusal, in the language the channel answers in


def stored(meter, source: str) -> Outcome:
    reading = Reading.objects.filter(meter=meter, source=source).order_by("-pk").first()
    assert reading is not None, f"the {source} channel stored nothing"
    reason = reading.reason_text if reading.status == "rejected" else ""
    return Outcome(reading.status, reading.value, reading.period, reason)


# --- the channels --------------------------------------------------------------------------


def via_portal(client, p, value: str) -> Outcome:
    """The form a logged-in customer posts. A refused value is not stored: the form comes
    back with the reason beside the meter."""
    client.force_login(p.alice)
    response = client.post(
        reverse("portal:readings"),
        {"client_key": str(uuid.uuid4()), f"value_{p.alice_cold.pk}": value},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if response.status_code == 400:
        errors = [row["error"] for row in response.context["rows"] if row.get("error")]
        assert errors, "the form came back without a reason"
        return Outcome("rejected", None, None, errors[0])
    assert response.status_code == 302, response.status_code
    return stored(p.alice_cold, ReadingSource.PORTAL)


def via_api(client, p, value: str) -> Outcome:
    _row, token = api_token_create(user=p.alice, name=f"bridge {next(_ids)}")
    response = client.post(
        f"/api/v1/readings/meters/{p.alice_cold.pk}/readings",
        {"value": value},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code in (200, 201, 422), response.content
    return stored(p.alice_cold, ReadingSource.API)


def via_email(client, p, value: str) -> Outcome:
    message = EmailMessage()
    message["From"] = "Alise <alice@example.com>"
    message["To"] = "readings@utility.example"
    message["Subject"] = "Readings"
    message["Message-ID"] = f"<m{next(_ids)}@mail.example>"
    message["Date"] = "Sat, 28 Nov 2026 10:00:00 +0200"
    message.set_content(f"Hello,\nAccount 100001: CW-1001 {value}\n\n-- \nAlise\nSent from my iPhone")
    email_process(message_from_bytes(message.as_bytes()), charge_estimator=charge_estimate)
    return stored(p.alice_cold, ReadingSource.EMAIL)


def via_sms(client, p, value: str, settings) -> Outcome:
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_TWILIO_AUTH_TOKEN = "sms-secret"
    params = {
        "MessageSid": f"SM{next(_ids):032d}",
        "AccountSid": "AC" + "0" * 32,
        "From": "+37120000001",
        "To": "+37120000000",
        "Body": f"100001 CW-1001 {value}",
        "NumMedia": "0",
    }
    # Twilio's documented signature: the URL, then every parameter name and value sorted
    # by name, HMAC-SHA1 with the auth token, base64.
    url = "http://testserver/api/v1/readings/sms/twilio"
    signed = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    signature = base64.b64encode(hmac.new(b"sms-secret", signed.encode(), hashlib.sha1).digest()).decode()
    response = client.post("/api/v1/readings/sms/twilio", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    return stored(p.alice_cold, ReadingSource.SMS)


def via_telegram(client, p, value: str, settings, monkeypatch) -> Outcome:
    """The dialogue: /readings, then the bot asks meter by meter; the test answers the
    cold water meter's question and skips the others."""
    settings.TELEGRAM_BOT_TOKEN = "123456:test-token"
    settings.TELEGRAM_WEBHOOK_SECRET = "hook-secret"
    bot = FakeBot()
    monkeypatch.setattr(telegram, "bot_client", lambda: bot)
    chat = 7000 + next(_ids)

    def say(text: str) -> str:
        update = {
            "update_id": next(_ids) + 10_000,
            "message": {
                "message_id": next(_ids),
                "date": 1_764_316_800,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Alise", "language_code": "en"},
                "text": text,
            },
        }
        before = len(bot.texts(chat))
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("telegram:webhook", args=[telegram.webhook_path_secret()]),
                update,
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"},
            )
        assert response.status_code == 200
        return "\n".join(bot.texts(chat)[before:])

    say(f"/link {telegram.link_code_create(user=p.alice)}")
    question = say("/readings")
    for _ in range(10):
        if "CW-1001" in question:
            say(value)
            break
        question = say("/skip")
    else:
        raise AssertionError("the bot never asked for CW-1001")
    # Skip whatever it still asks, so the dialogue submits.
    for _ in range(10):
        if not Reading.objects.filter(meter=p.alice_cold, source=ReadingSource.TELEGRAM).exists():
            say("/skip")
    return stored(p.alice_cold, ReadingSource.TELEGRAM)


def via_ivr(client, p, value: str, settings, monkeypatch) -> Outcome:
    """A phone call through Twilio's signed voice webhooks: English if there is a menu,
    the account number, the value of the first meter asked (cold water) with * as the
    decimal point and 1 to confirm, then the other meters skipped with the hash key alone."""
    from kabinet.ivr.tests.conftest import TOKEN, TwilioCall

    settings.IVR_PROVIDER = "twilio"
    settings.SMS_TWILIO_AUTH_TOKEN = TOKEN
    call = TwilioCall(client, caller=f"+3712{next(_ids):07d}")
    assert call.start().status_code == 200
    if len({say.get("language") for say in call.root.iter("Say")}) > 1:
        call.press("3")  # the language menu: English
    call.press("100001")
    call.press(value.replace(",", "*"))
    call.press("1")
    for _ in range(10):
        if call.hung_up:
            break
        call.press("")
    assert call.hung_up
    return stored(p.alice_cold, ReadingSource.IVR)


CHANNELS = {
    "portal": lambda client, p, value, settings, monkeypatch: via_portal(client, p, value),
    "api": lambda client, p, value, settings, monkeypatch: via_api(client, p, value),
    "email": lambda client, p, value, settings, monkeypatch: via_email(client, p, value),
    "sms": lambda client, p, value, settings, monkeypatch: via_sms(client, p, value, settings),
    "telegram": via_telegram,
    "ivr": via_ivr,
}


# --- the cases -----------------------------------------------------------------------------

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
LV_BEFORE_WINDOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
RU_IN_WINDOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
RU_AFTER_WINDOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)

CASES = [
    # (preset, when, value, expected status, value, period) — worked out from the rules.
    ("lv", LV_IN_WINDOW, "123,47", "accepted", Decimal("123.4"), NOV),
    ("lv", LV_IN_WINDOW, "105", "rejected", None, None),
    ("lv", LV_BEFORE_WINDOW, "123,4", "queued", Decimal("123.4"), NOV),
    ("ru", RU_IN_WINDOW, "123,7", "accepted", Decimal("123"), NOV),
    ("ru", RU_IN_WINDOW, "105", "rejected", None, None),
    ("ru", RU_AFTER_WINDOW, "123", "queued", Decimal("123"), DEC),
]


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize(("preset", "when", "value", "status", "expected", "period"), CASES)
def test_every_channel_stores_what_the_portal_would(
    request, client, settings, monkeypatch, channel, preset, when, value, status, expected, period
):
    p = request.getfixturevalue("personas" if preset == "lv" else "ru_personas")
    history(p.alice_cold, "100", "110")  # May and June; the previous value is 110
    with time_machine.travel(when, tick=False), translation.override("en"):
        outcome = CHANNELS[channel](client, p, value, settings, monkeypatch)

    assert outcome.status == status, outcome
    if status == "rejected":
        # The refusal says why (in the channel's language: SMS and e-mail answer in the
        # utility's, the portal and the API in the customer's), naming both values.
        assert "105" in outcome.reason and "110" in outcome.reason, outcome.reason
    else:
        assert (outcome.value, outcome.period) == (expected, period), outcome
