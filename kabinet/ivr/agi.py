"""The Asterisk door: the same dialogue over AGI, for a utility with its own PBX.

Asterisk starts `manage.py ivr_agi` for each call (AGI() in extensions.conf), writes the
call's variables ("agi_uniqueid: 1712345678.42", ...; a blank line ends them) on its
standard input, and answers every command the script writes with a line "200 result=...".
The script says each prompt, reads the keys with GET DATA (Asterisk ends the input at #
and keeps * as a key; "(timeout)" follows the digits when the caller stopped keying) and
advances the call through kabinet.ivr.services exactly as Twilio's webhooks do.

Speech: a prompt with a recorded file under IVR_AGI_SOUNDS (`<folder>/<language>/<key>`,
as Asterisk's sounds are named) is played with STREAM FILE; every other sentence goes to
the speech application IVR_AGI_SAY_APP (default Espeak, the app_espeak module, which
speaks Latvian, Russian and English) as `EXEC <app> "<text>,any,<language>"`.
"""

import re

from django.conf import settings

from kabinet.ivr.dialogue import Prompt, Turn
from kabinet.ivr.models import CallProvider
from kabinet.ivr.services import call_start, call_step

RESULT = re.compile(r"^200 result=(-?[0-9*#]*)(?:\s*\((\w+)\))?")
MAX_KEYS = 32


class Hangup(Exception):
    """The caller hung up (result=-1) or the channel is gone (511)."""


class AgiChannel:
    def __init__(self, stdin, stdout):
        self.stdin, self.stdout = stdin, stdout

    def variables(self) -> dict[str, str]:
        found = {}
        while True:
            line = self.stdin.readline().rstrip("\r\n")
            if not line:
                break
            name, _sep, value = line.partition(":")
            found[name.strip()] = value.strip()
        return found

    def command(self, text: str) -> tuple[str, str]:
        """Send one command; (result, what follows in parentheses)."""
        self.stdout.write(text + "\n")
        self.stdout.flush()
        while True:
            line = self.stdin.readline()
            if not line:
                raise Hangup
            line = line.strip()
            if line == "HANGUP" or not line:  # AGISIGHUP's notice; the answer follows
                continue
            break
        if line.startswith("511"):
            raise Hangup
        match = RESULT.match(line)
        if not match:
            raise Hangup
        if match.group(1) == "-1":
            raise Hangup
        return match.group(1), match.group(2) or ""

    def say(self, prompt: Prompt) -> None:
        language = prompt.language or "en"
        if prompt.key and settings.IVR_AGI_SOUNDS:
            self.command(f'STREAM FILE {settings.IVR_AGI_SOUNDS}/{language}/{prompt.key} ""')
            return
        # The application's arguments are split at commas and the command at quotes.
        text = re.sub(r'[,"\\\r\n]+', " ", prompt.text).strip()
        self.command(f'EXEC {settings.IVR_AGI_SAY_APP} "{text},any,{language}"')

    def keys(self) -> str | None:
        """The keys before # (or before the caller stopped); None if none came in time."""
        digits, note = self.command(f"GET DATA beep {settings.IVR_GATHER_TIMEOUT * 1000} {MAX_KEYS}")
        if note == "timeout" and not digits:
            return None
        return digits


def agi_call(stdin, stdout) -> int:
    """Run one call; returns the number of turns answered."""
    channel = AgiChannel(stdin, stdout)
    env = channel.variables()
    call_id = env.get("agi_uniqueid", "")
    caller = env.get("agi_callerid", "")
    if caller in ("unknown", ""):
        caller = ""
    turns = 0
    try:
        channel.command("ANSWER")
        step, turn = call_start(provider=CallProvider.AGI, call_id=call_id, caller=caller)
        while True:
            _say_all(channel, turn)
            if turn.hangup or not turn.listen:
                channel.command("HANGUP")
                return turns
            digits = channel.keys()
            step, turn = call_step(provider=CallProvider.AGI, call_id=call_id, step=step, digits=digits)
            turns += 1
    except Hangup:
        return turns


def _say_all(channel: AgiChannel, turn: Turn) -> None:
    for prompt in turn.prompts:
        channel.say(prompt)
