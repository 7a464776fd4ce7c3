"""The demo utility (kabinet.demo) with alice's request, photo, message and consent added:
the export and the erasure are checked on a customer with a year of history."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from kabinet.customers.models import User
from kabinet.demo import constants as c
from kabinet.demo.builder import MIN_ACCOUNTS
from kabinet.meters.models import InboundMessage
from kabinet.privacy.services import consents_record
from kabinet.reception.services import reception_message_send
from kabinet.servicedesk.models import Category
from kabinet.servicedesk.services import request_comment_add, request_file
from kabinet.test import png_bytes

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
ALICE_PHONE = "+371 29123456"


@pytest.fixture
def demo(db, private_media, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--preset", "lv", "--accounts", str(MIN_ACCOUNTS), stdout=io.StringIO())
        alice = User.objects.get(email=c.ALICE_EMAIL)
        User.objects.filter(pk=alice.pk).update(phone=ALICE_PHONE)
        alice.refresh_from_db()
        account = alice.account_accesses.select_related("account").first().account
        request = request_file(
            user=alice,
            account=account,
            category=Category.objects.filter(is_emergency=False).first(),
            description=f"The tap drips; call me at {ALICE_PHONE} or write to {alice.email}",
            phone=ALICE_PHONE,
            photos=[SimpleUploadedFile("tap.png", png_bytes(), content_type="image/png")],
        )
        request_comment_add(request=request, author=alice, text=f"Any news? {ALICE_PHONE}")
        reception_message_send(
            kind="question", subject="A question", text=f"Reply to {alice.email}, please.", user=alice, ip="10.1.2.3"
        )
        # A reading by SMS from her number as the gateway writes it, and an e-mail reading.
        InboundMessage.objects.create(
            channel="sms", external_id="sms-1", sender="+37129123456", body="100001 123", status="processed"
        )
        InboundMessage.objects.create(
            channel="email",
            external_id="<m1@x>",
            sender=alice.email,
            subject="Readings",
            body="CW 5",
            status="unparsed",
        )
        consents_record(user=alice, before={"reading_reminder": True}, after={"reading_reminder": False})
        yield alice
