"""A photo of the meter in the bot's readings dialogue: Telegram sends it as
message.photo (the sizes, largest last), the bot downloads it (getFile), keeps it with
the reading and offers the value read from it, submitted only on /yes or a typed value."""

import datetime as dt
import io
import shutil
import threading
from decimal import Decimal
from http.server import ThreadingHTTPServer
from urllib.parse import unquote

import pytest
import time_machine
from PIL import Image

from bench.meter_faces import face_jpeg
from kabinet.meters.models import Reading, ReadingPhoto, ReadingSource, ReadingStatus
from kabinet.telegram import dialogue, services
from kabinet.telegram.client import PtbBotClient
from kabinet.telegram.models import TelegramChat
from kabinet.telegram.tests.conftest import ALICE_CHAT, link, say
from kabinet.telegram.tests.test_client_http import TOKEN, BotApi

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
FACE = face_jpeg("00321987", decimals=3, seed=21, clean=True)


def plain_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (230, 230, 230)).save(out, "JPEG")
    return out.getvalue()


class MeterPhotoApi(BotApi):
    """The Bot API double of test_client_http, whose file download is a meter's photo."""

    def do_GET(self):
        if unquote(self.path) != f"/file/bot{TOKEN}/photos/f1.png":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(FACE)))
        self.end_headers()
        self.wfile.write(FACE)


@pytest.fixture
def bot_api(settings, monkeypatch):
    """The real client against a local Bot API server: getFile and the download over HTTP."""
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = "s3cret-header-token"
    BotApi.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), MeterPhotoApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(services, "bot_client", lambda: PtbBotClient(TOKEN, url))
    yield BotApi.calls
    server.shutdown()
    server.server_close()


def sent_texts(calls) -> list[str]:
    texts = []
    for method, fields in calls:
        if method == "sendMessage":
            text = fields["text"]
            texts.append(text if isinstance(text, str) else str(text.get_content()))
    return texts


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr (`tesseract`)")
def test_the_bot_offers_the_value_read_from_the_photo_and_submits_it_on_yes(
    client, settings, private_media, personas, bot_api
):
    settings.READINGS_PHOTO_OCR = True
    with time_machine.travel(IN_WINDOW, tick=False):
        link(client, personas.alice, ALICE_CHAT)
        say(client, ALICE_CHAT, "/readings")
        say(client, ALICE_CHAT, photo="F1")  # the photo of the cold-water meter, no caption
        assert "getFile" in [method for method, _fields in bot_api]
        photo = ReadingPhoto.objects.get()
        assert (photo.meter, photo.source, photo.suggested_value) == (personas.alice_cold, "telegram", "00321.9")
        assert sent_texts(bot_api)[-1].startswith("We read 00321.9 from the photo. Is that right? Send /yes")
        assert not Reading.objects.exists()  # offered, not sent
        say(client, ALICE_CHAT, "/yes")
        assert "HW-1001" in sent_texts(bot_api)[-1]  # the next meter
        say(client, ALICE_CHAT, "/skip")
    reading = Reading.objects.get()
    assert (reading.meter, reading.value, reading.source, reading.status) == (
        personas.alice_cold,
        Decimal("321.9"),
        ReadingSource.TELEGRAM,
        ReadingStatus.ACCEPTED,
    )
    assert list(reading.photos.all()) == [photo]


def test_a_typed_value_wins_over_the_offer_and_a_caption_is_the_answer(client, settings, private_media, personas, bot):
    settings.READINGS_PHOTO_OCR = False
    bot.files.update({"COLD": plain_jpeg(), "HOT": plain_jpeg() + b"\0"})
    with time_machine.travel(IN_WINDOW, tick=False):
        link(client, personas.alice, ALICE_CHAT)
        say(client, ALICE_CHAT, "/readings")
        say(client, ALICE_CHAT, photo="COLD")
        assert bot.texts(ALICE_CHAT)[-1] == "The photo is attached. Type the reading as you see it on the meter."
        say(client, ALICE_CHAT, "/yes")  # nothing was offered: not a value
        assert not Reading.objects.exists()
        say(client, ALICE_CHAT, "15,2")
        say(client, ALICE_CHAT, "7", photo="HOT")  # a photo with the value in its caption
    cold, hot = (Reading.objects.get(meter=m) for m in (personas.alice_cold, personas.alice_hot))
    assert (cold.value, hot.value) == (Decimal("15.2"), Decimal("7"))
    assert cold.photos.count() == 1 and hot.photos.count() == 1
    assert TelegramChat.objects.get(chat_id=ALICE_CHAT).state == {"step": "idle"}


def test_a_refused_reading_keeps_its_photo(client, settings, private_media, personas, bot):
    settings.READINGS_PHOTO_OCR = False
    bot.files["COLD"] = plain_jpeg()
    personas.utility.reading_window_first_day, personas.utility.reading_window_last_day = 23, 25
    personas.utility.after_window = "refuse"
    personas.utility.save()
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):  # after the window
        link(client, personas.alice, ALICE_CHAT)
        say(client, ALICE_CHAT, "/readings")
        say(client, ALICE_CHAT, "12", photo="COLD")
        say(client, ALICE_CHAT, "/skip")
    reading = Reading.objects.get()
    assert reading.status == ReadingStatus.REJECTED and reading.reason == "after_window"
    assert reading.photos.count() == 1  # the refused attempt is kept, and its photo with it


def test_a_broken_photo_keeps_the_dialogue_on_the_same_meter(client, settings, private_media, personas, bot):
    settings.READINGS_PHOTO_OCR = False
    bot.files["BAD"] = b"GIF89a not a meter"
    with time_machine.travel(IN_WINDOW, tick=False):
        link(client, personas.alice, ALICE_CHAT)
        say(client, ALICE_CHAT, "/readings")
        say(client, ALICE_CHAT, photo="BAD")
        assert bot.texts(ALICE_CHAT)[-2:] == ["The file is not a JPEG or PNG photo.", "Type the reading instead."]
        assert TelegramChat.objects.get(chat_id=ALICE_CHAT).state["index"] == 0
    assert not ReadingPhoto.objects.exists()


def test_the_dialogue_offers_and_confirms_without_touching_data():
    state = dialogue.readings_begin([{"id": 1, "label": "CW", "previous": ""}, {"id": 2, "label": "HW"}]).state
    asked = dialogue.handle(state, dialogue.Message(photo="F1", linked=True))
    assert asked.actions == [("reading_photo", 1, "F1", "")]
    offered = dialogue.reading_photo_received(state, photo_id=9, suggested="00321.9", caption="")
    assert offered.state["suggested"] == "00321.9" and offered.state["photos"] == {"1": 9}
    confirmed = dialogue.handle(offered.state, dialogue.Message(text="jā", linked=True))
    assert confirmed.state["values"] == [[1, "00321.9"]] and "suggested" not in confirmed.state
    done = dialogue.handle(confirmed.state, dialogue.Message(text="/skip", linked=True))
    assert done.actions == [("readings_submit", [[1, "00321.9"]], {"1": 9})]
