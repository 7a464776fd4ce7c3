"""The dialogue as a pure state machine, with a backend double: no database, no telephony."""

import json

from django.utils import translation

from kabinet.ivr import dialogue
from kabinet.ivr.dialogue import ACCOUNT, CONFIRM, DONE, VALUE, AccountFound
from kabinet.ivr.speech import spoken_digits, spoken_value

METERS = [
    {"id": 7, "service": "Cold water", "location": "kitchen", "previous": "120.5"},
    {"id": 8, "service": "Hot water", "location": "", "previous": ""},
]


class Backend(dialogue.Backend):
    def __init__(self, *, blocked=False, closed=""):
        self.blocked, self.closed = blocked, closed
        self.submitted = []
        self.looked_up = []

    def caller_blocked(self):
        return self.blocked

    def account(self, number):
        self.looked_up.append(number)
        return AccountFound(METERS, self.closed) if number == "100001" else None

    def submit(self, meter_id, value):
        self.submitted.append((meter_id, value))
        return f"Receipt {meter_id} {value}."


def _texts(turn):
    return [p.text for p in turn.prompts]


def _through(state, keys, backend):
    turn = None
    for digits in keys:
        turn = dialogue.advance(state, digits, backend=backend)
        # The state survives JSON, as it is kept on the call's row.
        state = json.loads(json.dumps(turn.state))
    return state, turn


def test_it_offers_only_the_utilitys_languages_and_skips_the_menu_for_one():
    turn = dialogue.start(languages=["lv", "en"])
    assert [p.language for p in turn.prompts] == ["lv", "en"] and turn.listen
    assert turn.state["step"] == "language" and turn.state["lang"] == "lv"
    single = dialogue.start(languages=["ru"])
    assert single.state["step"] == ACCOUNT and [p.key for p in single.prompts] == ["welcome", "account"]


def test_a_key_for_a_language_the_utility_does_not_speak_repeats_the_menu():
    turn = dialogue.start(languages=["lv", "en"])
    state, again = _through(turn.state, ["1"], Backend())  # 1 is Russian
    assert state["step"] == "language" and [p.key for p in again.prompts] == ["language", "language"]


def test_a_whole_dialogue_with_a_correction_and_a_skip():
    backend = Backend()
    with translation.override("en"):
        state = dialogue.start(languages=["lv", "ru", "en"]).state
        state, turn = _through(state, ["3", "100001"], backend)
        assert state["step"] == VALUE
        assert "The previous reading is 120 point 5." in _texts(turn)
        state, turn = _through(state, ["123*"], backend)  # a point with nothing after it
        assert state["step"] == CONFIRM and state["value"] == "123"
        state, turn = _through(state, ["2", "123*45", "1"], backend)
        assert backend.submitted == [(7, "123.45")]
        assert _texts(turn)[0] == "Receipt 7 123.45." and "Meter 2 of 2: Hot water." in _texts(turn)
        assert not any("previous" in t for t in _texts(turn))  # a meter without history
        state, turn = _through(state, ["*"], backend)  # star, then the finishing key: skipped
    assert state["step"] == DONE and turn.hangup and backend.submitted == [(7, "123.45")]


def test_keys_that_are_no_reading_are_asked_again_and_never_submitted():
    backend = Backend()
    state = dialogue.start(languages=["en"]).state
    state, _turn = _through(state, ["100001"], backend)
    for keys in ["*5", "1*2*3", "12345678901234"]:
        state, turn = _through(state, [keys], backend)
        assert state["step"] == VALUE and turn.prompts[0].key == "not_a_reading"
    assert backend.submitted == []


def test_a_blocked_caller_is_not_looked_up_and_a_closed_window_is_said():
    blocked = Backend(blocked=True)
    state = dialogue.start(languages=["en"]).state
    state, turn = _through(state, ["100001"], blocked)
    assert blocked.looked_up == [] and turn.hangup and turn.prompts[0].key == "blocked"
    closed = Backend(closed="Readings are accepted from 23.11 to 25.11.")
    state = dialogue.start(languages=["en"]).state
    state, turn = _through(state, ["100001"], closed)
    assert _texts(turn)[0] == "Readings are accepted from 23.11 to 25.11." and turn.hangup


def test_an_account_number_with_a_star_counts_as_a_wrong_try_without_a_look_up():
    backend = Backend()
    state = dialogue.start(languages=["en"]).state
    state, turn = _through(state, ["10*0001"], backend)
    assert backend.looked_up == [] and state["wrong"] == 1 and turn.listen


def test_numbers_are_spoken_so_a_voice_reads_them_right():
    with translation.override("en"):
        assert spoken_value("1234.5") == "1234 point 5"
        assert spoken_value("12.05") == "12 point 0 5"
        assert spoken_value("007") == "7"
        assert spoken_value("0.5") == "0 point 5"
    assert spoken_digits("100001") == "1 0 0 0 0 1"
