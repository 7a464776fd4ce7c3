"""Whatever a caller keys and whatever the telephony sends, the answering machine answers:
the dialogue never fails and submits only well-formed numbers; Twilio's signed webhooks
never get a server error and always get TwiML; the Asterisk door ends a call cleanly on
any line Asterisk (or a broken pipe) gives it."""

import io
import re
import xml.etree.ElementTree as ET  # nosec B405  # our own responses
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.ivr import dialogue
from kabinet.ivr.tests.conftest import TwilioCall
from kabinet.ivr.tests.test_agi import AGI_VARIABLES
from kabinet.ivr.tests.test_dialogue import Backend
from kabinet.meters.models import Reading

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

keys = st.text(alphabet="0123456789*#", max_size=16)
answers = st.one_of(keys, st.none(), st.text(max_size=16), st.sampled_from(["100001", "1", "2", "*", "#", "12*5"]))


@FUZZ
@given(
    languages=st.lists(st.sampled_from(["ru", "lv", "en"]), min_size=1, max_size=3, unique=True),
    said=st.lists(answers, max_size=25),
)
def test_the_dialogue_never_fails_and_submits_only_numbers(languages, said):
    backend = Backend()
    turn = dialogue.start(languages=languages)
    for digits in said:
        assert turn.listen != turn.hangup  # either a question or the end
        if turn.hangup:
            break
        turn = dialogue.advance(turn.state, digits, backend=backend)
        assert all(p.text for p in turn.prompts)
    for _meter, value in backend.submitted:
        assert re.fullmatch(r"\d+(\.\d+)?", value), value


@pytest.mark.django_db
@FUZZ
@given(pressed=st.lists(st.one_of(keys, st.text(max_size=12), st.just("100001")), min_size=1, max_size=8))
def test_signed_webhooks_with_any_keys_get_twiml(client, twilio, personas, pressed):
    call = TwilioCall(client)
    assert call.start().status_code == 200
    for digits in pressed:
        if call.hung_up:
            break
        response = call.press(digits)
        assert response.status_code < 500
        if response.status_code != 200:  # a control character: refused before anything happens
            break
        assert call.root.tag == "Response"
    assert all(r.source == "ivr" for r in Reading.objects.all())


@pytest.mark.django_db
@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                [
                    "200 result=0",
                    "200 result=100001",
                    "511 Command Not Permitted",
                    "HANGUP",
                    "200 result=-1",
                    "200 result=1 (timeout)",
                    "520 Invalid command",
                ]
            ),
        ),
        max_size=20,
    )
)
def test_the_agi_door_ends_cleanly_on_any_answer_from_asterisk(monkeypatch, settings, personas, lines):
    from kabinet.ivr.agi import agi_call

    settings.IVR_PROVIDER = "agi"
    settings.IVR_AGI_SOUNDS = ""
    stdin = io.StringIO(AGI_VARIABLES + "".join(line.replace("\n", " ") + "\n" for line in lines))
    stdout = io.StringIO()
    turns = agi_call(stdin, stdout)
    assert turns <= len(lines)
    assert stdout.getvalue().startswith("ANSWER\n")
    assert Reading.objects.filter(value__lt=Decimal("0")).count() == 0


def test_twiml_is_well_formed_xml_for_any_prompt_text():
    from kabinet.ivr.twilio import TwilioVoiceProvider

    turn = dialogue.Turn({}, [dialogue.Prompt("<&> \" ' \u00e9 \u2028", "", "lv")], listen=True)
    root = ET.fromstring(TwilioVoiceProvider().render(turn, action_url="https://x/?a=1&b=2"))  # nosec B314
    assert root.find("Gather").get("action") == "https://x/?a=1&b=2"
