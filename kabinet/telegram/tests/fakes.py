"""A stand-in for the Bot API client (kabinet.telegram.client.BotClient), for tests only."""

from kabinet.telegram.client import BotClient


class FakeBot(BotClient):
    def __init__(self, files: dict[str, bytes] | None = None):
        self.messages: list[tuple[int, str]] = []
        self.documents: list[tuple[int, bytes, str, str]] = []
        self.files = files or {}

    def send_message(self, *, chat_id, text) -> None:
        self.messages.append((chat_id, text))

    def send_document(self, *, chat_id, content, filename, caption="") -> None:
        self.documents.append((chat_id, content, filename, caption))

    def get_file(self, *, file_id) -> bytes:
        return self.files[file_id]

    def texts(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.messages if chat == chat_id]
