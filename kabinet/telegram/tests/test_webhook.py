"""The bot through its webhook, as Telegram calls it: alice links her chat and uses the
bot; bob's chat is linked to bob and never sees alice's data."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from kabinet.billing.estimate import charge_estimator
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.meters.receipts import receipt_context
from kabinet.servicedesk.models import Category, ServiceRequest
from kabinet.telegram import services
from kabinet.telegram.models import LinkCode, OutgoingMessage, ProcessedUpdate, TelegramChat
from kabinet.telegram.tests.conftest import ALICE_CHAT, BOB_CHAT, link, post, say, update, webhook_url
from kabinet.test import png_bytes

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def test_it_is_not_found_while_the_bot_is_off(client, personas):
    assert post(client, update(ALICE_CHAT, "/start")).status_code == 404


def test_it_refuses_a_wrong_path_or_secret_header(client, bot):
    wrong_path = client.post(
        webhook_url().replace(services.webhook_path_secret(), "x" * 32),
        update(ALICE_CHAT, "/start"),
        content_type="application/json",
    )
    assert wrong_path.status_code == 404
    assert post(client, update(ALICE_CHAT, "/start"), secret="wrong").status_code == 403
    assert client.post(webhook_url(), update(ALICE_CHAT, "/start"), content_type="application/json").status_code == 403
    assert bot.messages == [] and not ProcessedUpdate.objects.exists()


def test_it_handles_a_repeated_update_once(client, bot, personas):
    payload = update(ALICE_CHAT, "/start", update_id=77)
    assert post(client, payload).status_code == 200
    assert post(client, payload).status_code == 200
    assert len(bot.texts(ALICE_CHAT)) == 1


def test_it_gives_an_unlinked_chat_the_help(client, bot, personas):
    say(client, ALICE_CHAT, "cold 123")
    [text] = bot.texts(ALICE_CHAT)
    assert "/link" in text and "/settings/telegram/" in text
    assert not Reading.objects.exists()


def test_it_links_a_chat_with_a_valid_code_once(client, bot, personas):
    code = services.link_code_create(user=personas.alice)
    say(client, ALICE_CHAT, code)
    chat = TelegramChat.objects.get(chat_id=ALICE_CHAT)
    assert chat.user == personas.alice and chat.linked_at is not None
    assert "alice@example.com" in bot.texts(ALICE_CHAT)[0]
    say(client, BOB_CHAT, f"/link {code}")  # used: bob cannot take it over
    assert TelegramChat.objects.get(chat_id=BOB_CHAT).user is None
    assert "not valid" in bot.texts(BOB_CHAT)[0]


def test_it_refuses_an_expired_code(client, bot, personas):
    code = services.link_code_create(user=personas.alice)
    LinkCode.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    say(client, ALICE_CHAT, f"/link {code}")
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).user is None
    assert "not valid" in bot.texts(ALICE_CHAT)[0]


def test_it_stops_guessing_after_a_few_wrong_codes(client, bot, personas):
    for _i in range(5):
        say(client, ALICE_CHAT, "/link AAAAAAAA")
    code = services.link_code_create(user=personas.alice)
    say(client, ALICE_CHAT, f"/link {code}")
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).user is None
    assert "Too many" in bot.texts(ALICE_CHAT)[-1]


def test_a_new_code_voids_the_earlier_one(client, bot, personas):
    first = services.link_code_create(user=personas.alice)
    services.link_code_create(user=personas.alice)
    say(client, ALICE_CHAT, first)
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).user is None


def test_it_takes_readings_meter_by_meter_through_the_door(client, bot, personas):
    with time_machine.travel(IN_WINDOW, tick=False):
        link(client, personas.alice, ALICE_CHAT)
        bot.messages.clear()
        say(client, ALICE_CHAT, "/readings")
        assert "CW-1001" in bot.texts(ALICE_CHAT)[-1]
        say(client, ALICE_CHAT, "123,4")
        assert "HW-1001" in bot.texts(ALICE_CHAT)[-1]
        say(client, ALICE_CHAT, "45.6")
        readings = list(Reading.objects.order_by("meter__service__sort_order"))
        assert [(r.meter, r.value, r.source, r.status) for r in readings] == [
            (personas.alice_cold, Decimal("123.4"), ReadingSource.TELEGRAM, ReadingStatus.ACCEPTED),
            (personas.alice_hot, Decimal("45.6"), ReadingSource.TELEGRAM, ReadingStatus.ACCEPTED),
        ]
        with translation.override("en"):
            expected = "\n\n".join(
                render_to_string("emails/reading_receipt/_receipt.txt", receipt_context(r, charge_estimator())).strip()
                for r in readings
            )
        reply = bot.texts(ALICE_CHAT)[-1]
    assert reply == expected and "CW-1001" in reply and "123.4" in reply
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).state == {"step": "idle"}


def test_it_refuses_a_reading_after_the_window_with_the_rule_text(client, bot, personas):
    personas.utility.reading_window_first_day, personas.utility.reading_window_last_day = 23, 25
    personas.utility.after_window = "refuse"
    personas.utility.save()
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):
        link(client, personas.alice, ALICE_CHAT)
        say(client, ALICE_CHAT, "/readings")
        say(client, ALICE_CHAT, "130")
        say(client, ALICE_CHAT, "/skip")
    reading = Reading.objects.get()
    assert reading.status == ReadingStatus.REJECTED and reading.source == ReadingSource.TELEGRAM
    assert reading.reason == "after_window"
    assert reading.reason_text in bot.texts(ALICE_CHAT)[-1]


def _invoice(account, amount="23.45"):
    return invoice_create(
        account=account,
        period=dt.date(2026, 9, 1),
        lines=[
            LineSpec(
                service=account.premises.meters.first().service if account.premises.meters.exists() else None,
                description="Water",
                quantity=Decimal("1"),
                unit="m3",
                price=Decimal(amount),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )


def test_it_shows_the_balance_and_sends_the_last_invoice_as_a_pdf(client, bot, personas):
    invoice = _invoice(personas.alice_account, "12.34")
    _invoice(personas.bob_account, "99.99")
    link(client, personas.alice, ALICE_CHAT)
    say(client, ALICE_CHAT, "/balance")
    balance = bot.texts(ALICE_CHAT)[-1]
    assert "100001" in balance and "12.34" in balance
    assert "200001" not in balance and "99.99" not in balance
    say(client, ALICE_CHAT, "/invoice")
    [(chat_id, content, filename, caption)] = bot.documents
    assert chat_id == ALICE_CHAT and content.startswith(b"%PDF")
    assert filename == f"{invoice.number}.pdf" and "100001" in caption


def test_a_chat_linked_to_bob_never_sees_alices_data(client, bot, personas):
    _invoice(personas.alice_account, "12.34")
    link(client, personas.bob, BOB_CHAT)
    say(client, BOB_CHAT, "/balance")
    say(client, BOB_CHAT, "/invoice")
    say(client, BOB_CHAT, "/readings")
    texts = "\n".join(bot.texts(BOB_CHAT))
    for secret in ("100001", "CW-1001", "HW-1001", "12.34"):
        assert secret not in texts
    assert bot.documents == []
    # Even a forged dialogue state naming alice's meter submits nothing for it.
    TelegramChat.objects.filter(chat_id=BOB_CHAT).update(
        state={"step": "readings", "meters": [{"id": personas.alice_cold.pk, "label": "x"}], "index": 0, "values": []}
    )
    with time_machine.travel(IN_WINDOW, tick=False):
        say(client, BOB_CHAT, "999")
    assert not Reading.objects.filter(meter=personas.alice_cold).exists()


def test_it_files_a_problem_with_the_photo_from_telegram(client, bot, personas):
    assert Category.objects.filter(active=True, meter_work="").exists()  # seeded by the migrations
    personas.alice.phone = "+371 29 123 456"
    personas.alice.save()
    bot.files["PHOTO1"] = png_bytes()
    link(client, personas.alice, ALICE_CHAT)
    say(client, ALICE_CHAT, "/problem")
    # alice has two addresses: the bot asks which (and, with several kinds, what kind).
    assert "Saules iela 14-3" in bot.texts(ALICE_CHAT)[-1]
    say(client, ALICE_CHAT, "2")
    kinds = Category.objects.filter(active=True, meter_work="").order_by("sort_order", "id")
    if kinds.count() > 1:
        say(client, ALICE_CHAT, "1")
    say(client, ALICE_CHAT, "Dripping tap in the kitchen", photo="PHOTO1")
    req = ServiceRequest.objects.get()
    assert req.account == personas.alice_second_account and req.created_by == personas.alice
    assert req.category == kinds.first()
    assert req.description == "Dripping tap in the kitchen"
    assert req.photos.count() == 1
    assert f"No. {req.pk}" in bot.texts(ALICE_CHAT)[-1]


def test_a_forged_problem_state_files_nothing_on_anothers_account(client, bot, personas):
    link(client, personas.bob, BOB_CHAT)
    category = Category.objects.filter(active=True, meter_work="").first()
    TelegramChat.objects.filter(chat_id=BOB_CHAT).update(
        state={
            "step": "problem_text",
            "account": personas.alice_account.pk,
            "category": category.pk,
            "phone": "+371 20 000 002",  # bob has none on his login: asked by the bot
        }
    )
    say(client, BOB_CHAT, "Flood", photo="")
    say(client, BOB_CHAT, "/skip")
    assert ServiceRequest.objects.count() == 1, bot.texts(BOB_CHAT)
    req = ServiceRequest.objects.get()
    assert req.account == personas.bob_account and req.created_by == personas.bob


def test_it_unlinks_and_changes_language(client, bot, personas):
    link(client, personas.alice, ALICE_CHAT)
    say(client, ALICE_CHAT, "/lang ru")
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).language == "ru"
    say(client, ALICE_CHAT, "/unlink")
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).user is None
    say(client, ALICE_CHAT, "/balance")
    assert "/link" in bot.texts(ALICE_CHAT)[-1]


def test_a_failed_send_stays_in_the_outbox_for_a_retry(client, bot, personas, monkeypatch):
    def fail(**kwargs):
        raise OSError("Bot API down")

    monkeypatch.setattr(bot, "send_message", fail)
    say(client, ALICE_CHAT, "/start")
    message = OutgoingMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "down" in message.last_error
