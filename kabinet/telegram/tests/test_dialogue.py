"""The dialogue's pure functions: no database."""

from django.utils import translation

from kabinet.telegram.dialogue import (
    IDLE,
    PROBLEM_ACCOUNT,
    PROBLEM_CATEGORY,
    PROBLEM_PHOTO,
    PROBLEM_TEXT,
    READINGS,
    Message,
    handle,
    problem_begin,
    readings_begin,
)

METERS = [
    {"id": 1, "label": "Cold water № CW-1001", "previous": "120.5"},
    {"id": 2, "label": "Hot water № HW-1001", "previous": ""},
]


def linked(text: str = "", photo: str = "") -> Message:
    return Message(text=text, photo=photo, linked=True)


def test_it_gives_an_unlinked_chat_the_help_with_the_format_and_the_portal():
    with translation.override("en"):
        outcome = handle({}, Message(text="123"), portal_url="https://k.example/settings/telegram/")
    assert outcome.actions == []
    assert "/link CODE" in outcome.replies[0] and "123,4" in outcome.replies[0]
    assert "https://k.example/settings/telegram/" in outcome.replies[0]


def test_it_never_starts_a_linked_action_for_an_unlinked_chat():
    for command in ("/readings", "/balance", "/invoice", "/problem", "/unlink"):
        outcome = handle({}, Message(text=command))
        assert outcome.actions == [] and outcome.state == {"step": IDLE}


def test_it_links_with_the_command_the_code_alone_or_the_start_link():
    assert handle({}, Message(text="/link abcd2345")).actions == [("link", "ABCD2345")]
    assert handle({}, Message(text="ABCD2345")).actions == [("link", "ABCD2345")]
    assert handle({}, Message(text="/start@KabinetBot ABCD2345")).actions == [("link", "ABCD2345")]


def test_it_asks_meter_by_meter_with_the_previous_value():
    outcome = readings_begin(METERS)
    assert outcome.state["step"] == READINGS
    assert "120.5" in outcome.replies[-1] and "CW-1001" in outcome.replies[-1]
    outcome = handle(outcome.state, linked("123,4"))
    assert "HW-1001" in outcome.replies[0] and outcome.actions == []
    outcome = handle(outcome.state, linked("45.6"))
    assert outcome.actions == [("readings_submit", [[1, "123,4"], [2, "45.6"]])]
    assert outcome.state == {"step": IDLE}


def test_it_asks_again_for_a_value_that_is_not_a_number():
    state = readings_begin(METERS).state
    outcome = handle(state, linked("about a hundred"))
    assert outcome.state == state and outcome.actions == []


def test_it_skips_a_meter_and_stops_on_cancel():
    state = readings_begin(METERS).state
    outcome = handle(state, linked("/skip"))
    outcome = handle(outcome.state, linked("7"))
    assert outcome.actions == [("readings_submit", [[2, "7"]])]
    assert handle(state, linked("/cancel")).state == {"step": IDLE}


def test_it_has_nothing_to_ask_without_meters():
    assert readings_begin([]).state == {"step": IDLE}


ONE_ACCOUNT = [{"id": 7, "label": "Rīgas iela 5-12, Rīga (100001)"}]
ONE_KIND = [{"id": 3, "label": "Plumbing"}]


def test_problem_asks_the_service_for_the_choices():
    assert handle({}, linked("/problem")).actions == [("problem_start",)]


def test_it_files_a_problem_with_a_photo_and_a_caption_at_once():
    state = problem_begin(ONE_ACCOUNT, ONE_KIND).state
    assert state["step"] == PROBLEM_TEXT
    assert handle(state, linked("Dripping tap", photo="F1")).actions == [("problem", "Dripping tap", "F1", 7, 3, "")]


def test_it_asks_for_a_photo_after_the_text_and_files_without_one_on_skip():
    state = problem_begin(ONE_ACCOUNT, ONE_KIND).state
    outcome = handle(state, linked("Dripping tap"))
    assert outcome.state["step"] == PROBLEM_PHOTO
    assert handle(outcome.state, linked("/skip")).actions == [("problem", "Dripping tap", "", 7, 3, "")]
    assert handle(outcome.state, linked(photo="F2")).actions == [("problem", "Dripping tap", "F2", 7, 3, "")]


@translation.override("en")
def test_it_asks_which_address_and_what_kind_when_there_is_a_choice():
    accounts = ONE_ACCOUNT + [{"id": 8, "label": "Saules iela 14-3, Rīga (100002)"}]
    kinds = ONE_KIND + [{"id": 4, "label": "Heating"}]
    outcome = problem_begin(accounts, kinds)
    assert outcome.state["step"] == PROBLEM_ACCOUNT and "2. Saules iela 14-3" in outcome.replies[0]
    again = handle(outcome.state, linked("3"))
    assert again.state == outcome.state and "1 to 2" in again.replies[0]
    outcome = handle(outcome.state, linked("2"))
    assert outcome.state["step"] == PROBLEM_CATEGORY and "2. Heating" in outcome.replies[0]
    outcome = handle(outcome.state, linked("2."))
    assert outcome.state["step"] == PROBLEM_TEXT
    outcome = handle(outcome.state, linked("No heat", photo="F3"))
    assert outcome.actions == [("problem", "No heat", "F3", 8, 4, "")]


@translation.override("en")
def test_it_asks_for_the_technicians_phone_number_when_the_login_has_none():
    outcome = problem_begin(ONE_ACCOUNT, ONE_KIND, phone_known=False)
    assert "phone number" in outcome.replies[0]
    again = handle(outcome.state, linked("call me"))
    assert again.state == outcome.state and "digits" in again.replies[0]
    outcome = handle(outcome.state, linked("+371 20 000 002"))
    outcome = handle(outcome.state, linked("No water", photo="F4"))
    assert outcome.actions == [("problem", "No water", "F4", 7, 3, "+371 20 000 002")]


def test_it_cannot_file_without_an_account_or_a_kind():
    assert problem_begin([], ONE_KIND).state == {"step": IDLE}
    assert problem_begin(ONE_ACCOUNT, []).state == {"step": IDLE}


def test_it_changes_the_language_only_to_one_it_speaks():
    assert handle({}, linked("/lang ru")).actions == [("language", "ru")]
    assert handle({}, linked("/lang de")).actions == []
