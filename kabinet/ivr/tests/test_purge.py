"""Calls hold the caller's number: they are deleted a day after they began."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from kabinet.ivr.models import CallSession
from kabinet.ivr.services import sessions_purge
from kabinet.ivr.tasks import ivr_sessions_purge

pytestmark = pytest.mark.django_db


def _call(call_id: str, hours_ago: float) -> CallSession:
    return CallSession.objects.create(
        provider="twilio",
        call_id=call_id,
        caller_phone="+37129000001",
        created=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_it_deletes_the_calls_older_than_the_setting_and_can_run_again(settings):
    settings.IVR_SESSION_HOURS = 24
    _call("CA-old", 25)
    _call("CA-new", 2)
    assert sessions_purge() == 1
    assert list(CallSession.objects.values_list("call_id", flat=True)) == ["CA-new"]
    assert sessions_purge() == 0
    assert ivr_sessions_purge() == 0


def test_the_command_says_how_many_went(capsys):
    _call("CA-old", 48)
    call_command("ivr_sessions_purge")
    assert "1 calls purged" in capsys.readouterr().out
    assert not CallSession.objects.exists()
