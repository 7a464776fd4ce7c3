"""The Bot API behind a small interface: send_message, send_document, get_file.

PtbBotClient talks to Telegram with python-telegram-bot; the base URL is configurable
(TELEGRAM_API_URL) so a local server can stand in for api.telegram.org. The bot is off
(bot_client() is None) while TELEGRAM_BOT_TOKEN is unset. Tests use a fake of this
interface (kabinet/telegram/tests/fakes.py)."""

import asyncio
import concurrent.futures

from django.conf import settings


class BotClient:
    def send_message(self, *, chat_id: int, text: str) -> None:
        raise NotImplementedError

    def send_document(self, *, chat_id: int, content: bytes, filename: str, caption: str = "") -> None:
        raise NotImplementedError

    def get_file(self, *, file_id: str) -> bytes:
        """The file's bytes (getFile, then the download)."""
        raise NotImplementedError

    def set_webhook(self, *, url: str, secret: str) -> None:
        raise NotImplementedError


class PtbBotClient(BotClient):
    def __init__(self, token: str, base_url: str = "https://api.telegram.org"):
        self.token = token
        self.base_url = base_url.rstrip("/")

    def _run(self, call):
        from telegram import Bot

        async def run():
            # One short-lived HTTP client per call: the webhook and the Celery worker are
            # synchronous, and an httpx client must not outlive its event loop.
            async with Bot(
                self.token, base_url=f"{self.base_url}/bot", base_file_url=f"{self.base_url}/file/bot"
            ) as bot:
                return await call(bot)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(run())
        # Called from a thread that already runs an event loop (an ASGI server's sync
        # adapter, Playwright's sync API in the tests): run ours on a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, run()).result()

    def send_message(self, *, chat_id, text) -> None:
        self._run(lambda bot: bot.send_message(chat_id=chat_id, text=text))

    def send_document(self, *, chat_id, content, filename, caption="") -> None:
        from telegram import InputFile

        self._run(
            lambda bot: bot.send_document(
                chat_id=chat_id, document=InputFile(content, filename=filename), caption=caption or None
            )
        )

    def get_file(self, *, file_id) -> bytes:
        async def download(bot):
            file = await bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())

        return self._run(download)

    def set_webhook(self, *, url, secret) -> None:
        self._run(lambda bot: bot.set_webhook(url=url, secret_token=secret, allowed_updates=["message"]))


def bot_client() -> BotClient | None:
    if not settings.TELEGRAM_BOT_TOKEN:
        return None
    return PtbBotClient(settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_URL)
