import itertools

import pytest
from django.test import TestCase
from django.urls import reverse

from kabinet.telegram import services
from kabinet.telegram.tests.fakes import FakeBot

SECRET = "s3cret-header-token"
ALICE_CHAT = 1001
BOB_CHAT = 2002
_update_ids = itertools.count(5000)


@pytest.fixture
def bot(settings, monkeypatch) -> FakeBot:
    settings.TELEGRAM_BOT_TOKEN = "123456:test-token"
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_BOT_NAME = "KabinetTestBot"
    fake = FakeBot()
    monkeypatch.setattr(services, "bot_client", lambda: fake)
    return fake


def webhook_url() -> str:
    return reverse("telegram:webhook", args=[services.webhook_path_secret()])


def update(chat_id: int, text: str = "", *, photo: str = "", update_id: int | None = None, language="en") -> dict:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "X", "language_code": language},
    }
    if text:
        message["caption" if photo else "text"] = text
    if photo:
        message["photo"] = [{"file_id": "small", "width": 90, "height": 90}, {"file_id": photo, "width": 800}]
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def post(client, payload: dict, secret: str = SECRET):
    # The replies are sent after the commit, which a test's transaction never reaches.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            webhook_url(), payload, content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )


def say(client, chat_id: int, text: str = "", **kwargs):
    response = post(client, update(chat_id, text, **kwargs))
    assert response.status_code == 200
    return response


def link(client, user, chat_id: int) -> None:
    code = services.link_code_create(user=user)
    say(client, chat_id, f"/link {code}")
