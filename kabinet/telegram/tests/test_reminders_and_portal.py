"""Reading reminders reach linked chats; the portal page hands out the one-time code."""

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse

from kabinet.meters.reminders import reading_reminders_send
from kabinet.telegram.models import LinkCode, OutgoingMessage, TelegramChat
from kabinet.telegram.tests.conftest import ALICE_CHAT, BOB_CHAT, link, say

pytestmark = pytest.mark.django_db


def _remind(day: dt.date):
    with TestCase.captureOnCommitCallbacks(execute=True):
        reading_reminders_send(today=day)


def test_it_reminds_a_linked_chat_when_the_window_opens_once(client, bot, personas):
    link(client, personas.alice, ALICE_CHAT)
    say(client, BOB_CHAT, "/start")  # bob's chat is not linked: no reminder
    bot.messages.clear()
    _remind(dt.date(2026, 11, 27))
    _remind(dt.date(2026, 11, 27))
    assert len(bot.texts(ALICE_CHAT)) == 1 and "27.11" in bot.texts(ALICE_CHAT)[0]
    assert bot.texts(BOB_CHAT) == []


def test_it_reminds_the_day_before_the_window_closes(client, bot, personas):
    link(client, personas.alice, ALICE_CHAT)
    say(client, ALICE_CHAT, "/lang ru")
    bot.messages.clear()
    _remind(dt.date(2026, 11, 29))
    [text] = bot.texts(ALICE_CHAT)
    assert "30.11" in text and "/readings" in text


def test_it_sends_nothing_while_the_bot_is_off(client, personas):
    TelegramChat.objects.create(chat_id=ALICE_CHAT, user=personas.alice)
    _remind(dt.date(2026, 11, 27))
    assert not OutgoingMessage.objects.exists()


def test_the_portal_page_gives_a_code_and_unlinks(client, bot, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:telegram")).status_code == 200
    response = client.post(reverse("portal:telegram"))
    code = response.context["code"]
    assert code in response.content.decode() and f"t.me/KabinetTestBot?start={code}" in response.content.decode()
    assert LinkCode.objects.get().user == personas.alice
    say(client, ALICE_CHAT, f"/start {code}")
    chat = TelegramChat.objects.get(chat_id=ALICE_CHAT)
    assert chat.user == personas.alice
    client.post(reverse("portal:telegram"), {"unlink": chat.pk})
    chat.refresh_from_db()
    assert chat.user is None


def test_another_customer_cannot_unlink_alices_chat(client, bot, personas):
    link(client, personas.alice, ALICE_CHAT)
    client.force_login(personas.bob)
    response = client.post(reverse("portal:telegram"), {"unlink": TelegramChat.objects.get().pk})
    assert response.status_code == 404
    assert TelegramChat.objects.get().user == personas.alice


def test_the_portal_page_is_not_found_while_the_bot_is_off(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:telegram")).status_code == 404
