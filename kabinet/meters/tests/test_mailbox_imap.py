"""readings_fetch_mail against a real IMAP server: a throwaway Dovecot started by the test,
with its own configuration, users, maildir and self-signed certificate in a temporary
directory. Mail is delivered with IMAP APPEND, built the way mail clients build it; the
replies go out through the outbox to a real SMTP server (aiosmtpd) and are read from there.

Skipped where Dovecot is not installed (Debian: apt-get install dovecot-imapd; .ci/run
installs it)."""

import base64
import datetime as dt
import grp
import imaplib
import os
import pwd
import quopri
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from decimal import Decimal
from email.header import Header
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import formataddr
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kabinet.meters.inbound import mailbox as mailbox_module
from kabinet.meters.models import InboundMessage, InboundStatus, Reading, ReadingSource
from kabinet.meters.tasks import readings_fetch_mail
from kabinet.notifications.models import OutboxMessage
from kabinet.test import make_account, make_customer, make_meter
from kabinet.utility.models import Event

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
USER, PASSWORD = "readings@udens.example", "imap-test-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """One unprivileged Dovecot: IMAPS on `port`, IMAP with STARTTLS on `starttls_port`, a
    certificate for "localhost" only (so 127.0.0.1 is the wrong host name) in `cert`."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="kabinet-dovecot-"))
        # Dovecot refuses to serve mail as root: as root, run it as nobody.
        account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.port, self.starttls_port = _free_port(), _free_port()
        self.cert, key = self.dir / "cert.pem", self.dir / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
            + ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(self.cert)],
            check=True,
            capture_output=True,
        )
        (self.dir / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{self.uid}:{self.gid}::{self.dir}/home::\n")
        (self.dir / "dovecot.conf").write_text(self._config(account.pw_name, grp.getgrgid(self.gid).gr_name, key))
        for path in [self.dir, *self.dir.iterdir()]:
            os.chown(path, self.uid, self.gid)
        self.log = self.dir / "dovecot.log"
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
            user=self.uid,
            group=self.gid,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_listening()

    def _config(self, user: str, group: str, key: Path) -> str:
        return f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = {self.uid}
first_valid_gid = {self.gid}
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{key}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.dir}/users
}}
userdb {{
  driver = passwd-file
  args = {self.dir}/users
}}
mail_location = maildir:{self.dir}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"dovecot exited: {output}\n{self.log_text()}")
            for port in (self.port, self.starttls_port):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                except OSError:
                    break
            else:
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start listening:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> imaplib.IMAP4_SSL:
        """The test's own IMAP session (what a mail server's delivery, or staff, would do)."""
        client = imaplib.IMAP4_SSL(
            "localhost", self.port, ssl_context=ssl.create_default_context(cafile=self.cert), timeout=10
        )
        client.login(USER, PASSWORD)
        client.select("INBOX")
        return client

    def deliver(self, *messages: bytes) -> None:
        client = self.client()
        for raw in messages:
            status, data = client.append("INBOX", None, None, raw)
            assert status == "OK", data
        client.logout()

    def seen(self) -> list[bool]:
        """For each message in delivery order: is it flagged \\Seen?"""
        client = self.client()
        status, data = client.uid("FETCH", "1:*", "(FLAGS)")
        client.logout()
        assert status == "OK", data
        return [b"\\Seen" in line for line in data if line]

    def mark_unseen(self, number: int) -> None:
        client = self.client()
        client.store(str(number), "-FLAGS", "\\Seen")
        client.logout()


@pytest.fixture
def dovecot(settings):
    if shutil.which("dovecot") is None or shutil.which("openssl") is None:
        pytest.skip("dovecot (Debian: dovecot-imapd) or openssl is not installed: no IMAP server to test against")
    server = Dovecot()
    settings.READINGS_IMAP_HOST = "localhost"
    settings.READINGS_IMAP_PORT = server.port
    settings.READINGS_IMAP_STARTTLS = False
    settings.READINGS_IMAP_USER = USER
    settings.READINGS_IMAP_PASSWORD = PASSWORD
    settings.READINGS_IMAP_FOLDER = "INBOX"
    settings.READINGS_IMAP_CA_FILE = str(server.cert)
    yield server
    server.stop()


def fetch_mail() -> str:
    out = StringIO()
    call_command("readings_fetch_mail", stdout=out, stderr=StringIO())
    return out.getvalue()


def single_meter_account(personas, number: str, serial: str):
    customer = make_customer(number[:5], "Test", serial, email=f"{serial.lower()}@example.com")
    return make_meter(
        make_account(customer, number, "Saules iela", "1", number[:2]), personas.services["cold_water"], serial
    )


def thunderbird(
    text: str, *, message_id: str, subject: str = "Rādījumi", sender: str = "Alise <alice@example.com>"
) -> bytes:
    """multipart/alternative, UTF-8 text and HTML, quoted-printable, as Thunderbird sends it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Sat, 28 Nov 2026 13:20:00 +0200"
    msg["User-Agent"] = "Mozilla Thunderbird 128.5.0"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html", cte="quoted-printable")
    return msg.as_bytes(policy=SMTP)


def outlook(text: str, *, message_id: str, sender: str = "Борис <bob@example.com>") -> bytes:
    """text/plain in windows-1251, quoted-printable, subject and name in encoded words, as
    Outlook on a Russian Windows sends it."""
    msg = Message()
    msg["From"] = formataddr(("Борис", sender.split("<")[-1].rstrip(">")), "windows-1251")
    msg["To"] = USER
    msg["Subject"] = Header("Показания счётчика", "windows-1251").encode()
    msg["Message-ID"] = message_id
    msg["Date"] = "Sat, 28 Nov 2026 13:20:00 +0200"
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = 'text/plain; charset="windows-1251"'
    msg["Content-Transfer-Encoding"] = "quoted-printable"
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg.set_payload(quopri.encodestring(text.encode("windows-1251")).decode("ascii"))
    return msg.as_bytes(policy=SMTP)


def _raw(sender: str, subject: str, message_id: str, content: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"Date: Sat, 28 Nov 2026 13:20:00 +0200\r\nMIME-Version: 1.0\r\n{content}"
    ).encode()


def utf16_labelled_utf8(text: str, *, message_id: str, sender: str) -> bytes:
    """UTF-16 text (with its byte order mark) in a part that says charset=utf-8: read as
    UTF-8 it is full of NUL characters."""
    head = 'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    body = base64.encodebytes(text.encode("utf-16")).replace(b"\n", b"\r\n")
    return _raw(sender, "readings", message_id, head) + body


def with_nul_characters(text: str, *, message_id: str, sender: str) -> bytes:
    """NUL and other control characters in the subject (an encoded word), in a
    quoted-printable part (=00) and as raw bytes in an 8bit part."""
    subject = "=?utf-8?b?" + base64.b64encode("rādījumi\x00\x07".encode()).decode() + "?="
    parts = (
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        f"{text}=00=00=01=1B\r\n"
        '--b1\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "\x00 paldies\x00\r\n"
        "--b1--\r\n"
    )
    return _raw(sender, subject, message_id, parts)


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_stores_readings_from_the_mailbox_and_marks_them_seen(personas, dovecot):
    dovecot.deliver(
        thunderbird("Sveiki! Lietotāja kods 10001, auksts 123,4, karsts 45", message_id="<tb-1@example.com>"),
        outlook("Добрый день!\nЛицевой счёт 200001 показание 99", message_id="<ol-1@example.ru>"),
    )
    assert fetch_mail() == "fetched 2, processed 2, unparsed 0, failed 0\n"

    readings = {r.meter.serial_number: r for r in Reading.objects.select_related("meter")}
    assert {serial: r.value for serial, r in readings.items()} == {
        "CW-1001": Decimal("123.4"),
        "HW-1001": Decimal("45"),
        "CW-2001": Decimal("99"),
    }
    assert {r.source for r in readings.values()} == {ReadingSource.EMAIL}
    assert sorted(OutboxMessage.objects.values_list("to", flat=True)) == ["alice@example.com", "bob@example.com"]
    assert InboundMessage.objects.get(external_id="<ol-1@example.ru>").subject == "Показания счётчика"
    assert dovecot.seen() == [True, True]
    # A second run finds nothing new; the cron job can run as often as it likes.
    assert fetch_mail() == "fetched 0, processed 0, unparsed 0, failed 0\n"
    assert Reading.objects.count() == 3


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_reads_the_messages_behind_one_with_nul_characters(personas, dovecot):
    carol_meter = single_meter_account(personas, "300001", "CW-3001")
    dave_meter = single_meter_account(personas, "400001", "CW-4001")
    dovecot.deliver(
        utf16_labelled_utf8("Здравствуйте, счёт 300001 показание 31", message_id="<u16@x>", sender="c@example.com"),
        with_nul_characters("konts 400001 rādījums 41", message_id="<nul@x>", sender="d@example.com"),
        thunderbird("Lietotāja kods 10001, auksts 123, karsts 45", message_id="<tb-2@example.com>"),
    )
    assert fetch_mail() == "fetched 3, processed 3, unparsed 0, failed 0\n"

    assert carol_meter.readings.get().value == Decimal("31")  # the UTF-16 text read as UTF-16
    assert dave_meter.readings.get().value == Decimal("41")
    assert Reading.objects.filter(meter=personas.alice_cold).exists()
    stored = InboundMessage.objects.get(external_id="<nul@x>")
    assert stored.subject == "rādījumi" and "paldies" in stored.body
    for message in InboundMessage.objects.all():
        assert not any(ch in message.body + message.subject for ch in "\x00\x01\x1b"), message.body
    assert dovecot.seen() == [True, True, True]


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_keeps_a_message_that_fails_for_staff_and_goes_on(personas, dovecot, monkeypatch):
    real_process = mailbox_module.inbound_message_process

    def failing_after_its_writes(**kwargs):
        stored = real_process(**kwargs)
        if "boom" in kwargs["subject"]:
            raise RuntimeError("something broke in the middle")
        return stored

    monkeypatch.setattr(mailbox_module, "inbound_message_process", failing_after_its_writes)
    dovecot.deliver(
        thunderbird("Lietotāja kods 10001, auksts 123, karsts 45", subject="boom", message_id="<boom@x>"),
        outlook("Лицевой счёт 200001 показание 99", message_id="<after@x>"),
    )
    out = StringIO()
    call_command("readings_fetch_mail", stdout=out, stderr=StringIO())
    assert out.getvalue() == "fetched 2, processed 1, unparsed 0, failed 1\n"

    failed = InboundMessage.objects.get(external_id="<boom@x>")
    assert failed.status == InboundStatus.UNPARSED  # in the staff's queue
    assert failed.error == "processing_failed: RuntimeError: something broke in the middle"
    assert failed.subject == "boom" and "10001" in failed.body
    assert Event.objects.filter(kind="inbound.failed").count() == 1
    # Its transaction was rolled back: no readings, no reply to a message nobody read.
    assert not Reading.objects.filter(meter__in=[personas.alice_cold, personas.alice_hot]).exists()
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["bob@example.com"]
    assert Reading.objects.filter(meter=personas.bob_cold).exists()
    assert dovecot.seen() == [True, True]

    # Not retried: seen, and even unseen again (another client, a restore) it is not redone.
    assert fetch_mail() == "fetched 0, processed 0, unparsed 0, failed 0\n"
    dovecot.mark_unseen(1)
    assert fetch_mail() == "fetched 1, processed 0, unparsed 0, failed 1\n"
    assert InboundMessage.objects.filter(external_id="<boom@x>").count() == 1
    assert Event.objects.filter(kind="inbound.failed").count() == 1


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_refuses_a_self_signed_certificate_without_the_ca_file(personas, dovecot, settings):
    dovecot.deliver(thunderbird("Lietotāja kods 10001, auksts 123", message_id="<tls@x>"))
    settings.READINGS_IMAP_CA_FILE = ""
    with pytest.raises(CommandError, match="certificate was refused .*self-signed.*READINGS_IMAP_CA_FILE"):
        fetch_mail()
    assert dovecot.seen() == [False] and not InboundMessage.objects.exists()

    settings.READINGS_IMAP_CA_FILE = str(dovecot.cert)
    assert fetch_mail().startswith("fetched 1, processed 1")


def test_it_refuses_a_certificate_for_another_host_name(personas, dovecot, settings):
    settings.READINGS_IMAP_HOST = "127.0.0.1"  # the certificate names only "localhost"
    with pytest.raises(CommandError, match="certificate was refused .*mismatch"):
        fetch_mail()


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_reads_over_starttls(personas, dovecot, settings):
    dovecot.deliver(thunderbird("Lietotāja kods 10001, auksts 123", message_id="<starttls@x>"))
    settings.READINGS_IMAP_STARTTLS = True
    settings.READINGS_IMAP_PORT = dovecot.starttls_port
    # Dovecot runs with ssl=required: a login before STARTTLS would have been refused.
    assert fetch_mail().startswith("fetched 1, processed 1")

    settings.READINGS_IMAP_CA_FILE = ""
    with pytest.raises(CommandError, match="certificate was refused"):
        fetch_mail()


def test_it_says_a_wrong_password_plainly(personas, dovecot, settings):
    settings.READINGS_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="Could not read the IMAP mailbox"):
        fetch_mail()


def test_it_says_when_readings_by_email_are_off(db, settings):
    settings.READINGS_IMAP_HOST = settings.READINGS_IMAP_USER = settings.READINGS_IMAP_PASSWORD = ""
    assert fetch_mail() == (
        "Readings by e-mail are off: set READINGS_IMAP_HOST, READINGS_IMAP_USER and READINGS_IMAP_PASSWORD.\n"
    )
    assert readings_fetch_mail() == 0  # the scheduled task stays quiet


def test_it_fails_when_readings_by_email_are_half_configured(db, settings):
    settings.READINGS_IMAP_HOST = "imap.example.com"
    settings.READINGS_IMAP_USER = ""
    settings.READINGS_IMAP_PASSWORD = ""
    with pytest.raises(CommandError, match="not fully configured: set READINGS_IMAP_USER, READINGS_IMAP_PASSWORD"):
        fetch_mail()


# --- the replies, through a real SMTP server --------------------------------------------


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on a free port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, list[str], bytes]] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=_free_port())
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  # aiosmtpd's hook name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def messages(self) -> list[Message]:
        from email import message_from_bytes
        from email.policy import default

        return [message_from_bytes(raw, policy=default) for _sender, _to, raw in self.received]

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_receiver(settings):
    receiver = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", receiver.controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield receiver
    receiver.stop()


def _send_outbox() -> int:
    from kabinet.notifications.services import outbox_send_due

    return outbox_send_due(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_the_reply_reaches_the_sender_threaded_and_marked_automatic(personas, dovecot, smtp_receiver):
    dovecot.deliver(
        thunderbird("Sveiki! Lietotāja kods 10001, auksts 123,4, karsts 45", message_id="<tb-7@example.com>"),
    )
    assert fetch_mail() == "fetched 1, processed 1, unparsed 0, failed 0\n"
    assert _send_outbox() == 1

    [(_envelope_from, envelope_to, _raw_bytes)] = smtp_receiver.received
    assert envelope_to == ["alice@example.com"]
    [reply] = smtp_receiver.messages()
    # RFC 3834: an automatic answer says so, and threads under the customer's message.
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<tb-7@example.com>"
    assert "<tb-7@example.com>" in reply["References"]
    assert reply["Subject"] == "Jūsu skaitītāju rādījumi: Rādījumi"  # in the customer's language, naming theirs
    text = reply.get_body(preferencelist=("plain",)).get_content()
    # Both readings, each with the value used, as the customer wrote them.
    assert "CW-1001" in text and "123,4" in text
    assert "HW-1001" in text and "45" in text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_an_out_of_office_answer_gets_no_reply_over_the_wire(personas, dovecot, smtp_receiver):
    auto = thunderbird(
        "Esmu atvaļinājumā līdz 10.12. Lietotāja kods 10001", message_id="<ooo-1@example.com>", subject="Prombūtnē"
    )
    auto = auto.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    dovecot.deliver(auto)
    fetch_mail()
    _send_outbox()
    assert smtp_receiver.received == []
    assert Reading.objects.count() == 0
