"""The Asterisk door: `manage.py ivr_agi` fed the AGI protocol text Asterisk writes (the
agi_ variables, a blank line, then a "200 result=..." line for every command), driving
the same dialogue and readings door as Twilio's webhooks."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kabinet.ivr.models import CallSession
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus

pytestmark = pytest.mark.django_db

RU_IN_WINDOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)

AGI_VARIABLES = """agi_request: kabinet-readings
agi_channel: PJSIP/trunk-00000007
agi_language: ru
agi_type: PJSIP
agi_uniqueid: 1764583200.7
agi_version: 20.5.0
agi_callerid: 79101234567
agi_calleridname: unknown
agi_callingpres: 0
agi_dnid: 4712227633
agi_context: kabinet-readings
agi_extension: s
agi_priority: 2
agi_enhanced: 0.0
agi_accountcode:
agi_threadid: 140261

"""


class Asterisk:
    """Asterisk's side of the pipe: the variables first, then one answer per command,
    GET DATA answered with the next of `keyed` (the text after "result=")."""

    def __init__(self, keyed: list[str]):
        self.keyed = list(keyed)
        self.commands: list[str] = []
        self.stdin = _Stdin(self)
        self.stdout = _Stdout(self)

    def answer(self) -> str:
        command = self.commands[-1]
        if command.startswith("GET DATA"):
            return f"200 result={self.keyed.pop(0)}\n" if self.keyed else "200 result=-1\n"
        if command == "HANGUP":
            return "200 result=1\n"
        return "200 result=0\n"


class _Stdin(io.StringIO):
    def __init__(self, asterisk: Asterisk):
        super().__init__(AGI_VARIABLES)
        self.asterisk = asterisk
        self.variables_read = False

    def readline(self, *args):
        if self.variables_read:
            return self.asterisk.answer()
        line = super().readline(*args)
        self.variables_read = line in ("\n", "")
        return line


class _Stdout(io.StringIO):
    def __init__(self, asterisk: Asterisk):
        super().__init__()
        self.asterisk = asterisk

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.asterisk.commands.append(line)
        return len(text)


def _run(monkeypatch, asterisk: Asterisk) -> None:
    monkeypatch.setattr("sys.stdin", asterisk.stdin)
    monkeypatch.setattr("sys.stdout", asterisk.stdout)
    call_command("ivr_agi")


@pytest.fixture
def agi(settings):
    settings.IVR_PROVIDER = "agi"
    settings.IVR_AGI_SAY_APP = "Espeak"
    settings.IVR_AGI_SOUNDS = ""
    return settings


def test_it_refuses_to_run_while_the_line_is_not_asterisks(settings, ru_personas):
    settings.IVR_PROVIDER = "twilio"
    with pytest.raises(CommandError):
        call_command("ivr_agi")


def test_a_whole_call_over_agi_submits_through_the_readings_door(monkeypatch, agi, ru_personas):
    ru_personas.alice_cold.initial_reading = Decimal("10")
    ru_personas.alice_cold.save()
    # The account and #; 25 and #; 1 to confirm; silence on the hot water meter, then just #.
    asterisk = Asterisk(["100001", "25", "1", " (timeout)", ""])
    with time_machine.travel(RU_IN_WINDOW, tick=False):
        _run(monkeypatch, asterisk)
    reading = Reading.objects.get()
    assert (reading.meter, reading.value, reading.source) == (ru_personas.alice_cold, Decimal("25"), ReadingSource.IVR)
    assert reading.status == ReadingStatus.ACCEPTED and reading.consumption == Decimal("15")
    commands = asterisk.commands
    assert commands[0] == "ANSWER" and commands[-1] == "HANGUP"
    assert commands.count("GET DATA beep 8000 32") == 5
    spoken = [c for c in commands if c.startswith("EXEC ")]
    assert all(c.startswith('EXEC Espeak "') and c.endswith(',any,ru"') for c in spoken)
    assert all(c.count(",") == 2 for c in spoken)  # the text's own commas never split the arguments
    assert any("1 0 0 0 0 1" in c for c in spoken)
    session = CallSession.objects.get()
    assert (session.provider, session.call_id, session.caller_phone) == ("agi", "1764583200.7", "79101234567")


def test_recorded_prompts_play_from_the_sounds_folder(monkeypatch, agi, ru_personas):
    agi.IVR_AGI_SOUNDS = "kabinet"
    asterisk = Asterisk([])  # the caller hangs up at the first question
    _run(monkeypatch, asterisk)
    assert 'STREAM FILE kabinet/ru/welcome ""' in asterisk.commands
    assert 'STREAM FILE kabinet/ru/account ""' in asterisk.commands
    assert asterisk.commands[-1].startswith("GET DATA") and not Reading.objects.exists()
