"""The real client (python-telegram-bot) against a tiny local server that answers like
the Bot API: getMe, sendMessage, sendDocument, getFile and the file download."""

import json
import threading
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

import pytest

from kabinet.telegram.client import PtbBotClient

TOKEN = "123456:local-token"
PHOTO = b"\x89PNG fake photo bytes"


class BotApi(BaseHTTPRequestHandler):
    calls: list = []

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, result, status=200):
        body = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fields(self) -> dict:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("multipart/"):
            message = BytesParser(policy=default_policy).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
            return {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        if kind.startswith("application/json"):
            return json.loads(raw or b"{}")
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def do_POST(self):
        prefix, path = f"/bot{TOKEN}/", unquote(self.path)
        if not path.startswith(prefix):
            return self._answer(None, 404)
        method, fields = path[len(prefix) :], self._fields()
        BotApi.calls.append((method, fields))
        message = {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}}
        if method == "getMe":
            return self._answer({"id": 1, "is_bot": True, "first_name": "Kabinet", "username": "KabinetTestBot"})
        if method in ("sendMessage", "sendDocument"):
            return self._answer(message)
        if method == "getFile":
            return self._answer({"file_id": "F1", "file_unique_id": "U1", "file_path": "photos/f1.png"})
        return self._answer(True)

    def do_GET(self):  # the file download
        if unquote(self.path) != f"/file/bot{TOKEN}/photos/f1.png":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PHOTO)))
        self.end_headers()
        self.wfile.write(PHOTO)


@pytest.fixture
def api_url():
    BotApi.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), BotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _value(field) -> str:
    return field if isinstance(field, str) else str(field.get_content())


def test_it_sends_a_message_over_http(api_url):
    PtbBotClient(TOKEN, api_url).send_message(chat_id=42, text="Читаю показания")
    method, fields = BotApi.calls[-1]
    assert method == "sendMessage"
    assert _value(fields["chat_id"]) == "42" and _value(fields["text"]) == "Читаю показания"


def test_it_sends_a_document_over_http(api_url):
    PtbBotClient(TOKEN, api_url).send_document(chat_id=42, content=b"%PDF-1.7 x", filename="r.pdf", caption="Rēķins")
    method, fields = BotApi.calls[-1]
    assert method == "sendDocument"
    assert fields["document"].get_content() == b"%PDF-1.7 x" and fields["document"].get_filename() == "r.pdf"


def test_it_downloads_a_file_over_http(api_url):
    assert PtbBotClient(TOKEN, api_url).get_file(file_id="F1") == PHOTO
    assert "getFile" in [method for method, _fields in BotApi.calls]
