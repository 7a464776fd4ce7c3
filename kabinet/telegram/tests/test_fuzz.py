"""Whatever Telegram (or someone who learnt the webhook's secret) posts, the webhook answers
200 and nothing breaks: JSON of any shape, updates with fields of the wrong type, texts
of any characters. Handled updates never log an error for a malformed message."""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.telegram.tests.conftest import ALICE_CHAT, link, post

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
any_of_a_kind = json_values | st.text(max_size=200)


def message(chat_id, text, extra) -> dict:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "language_code": "en"},
        "text": text,
        **extra,
    }


updates = st.one_of(
    json_values,
    st.fixed_dictionaries({"update_id": json_values, "message": json_values}),
    st.builds(
        lambda uid, chat, text, extra: {"update_id": uid, "message": message(chat, text, extra)},
        st.integers(min_value=0, max_value=2**62),
        st.one_of(st.just(ALICE_CHAT), st.integers(), st.text(max_size=12), json_values),
        any_of_a_kind,
        st.dictionaries(st.sampled_from(["photo", "caption", "chat", "from", "text"]), json_values, max_size=2),
    ),
)


@FUZZ
@given(payload=updates)
def test_any_update_is_answered_200_without_an_error(client, bot, personas, caplog, payload):
    with caplog.at_level(logging.ERROR, logger="kabinet.telegram"):
        response = post(client, payload)
    assert response.status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@FUZZ
@given(texts=st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_a_linked_chat_survives_any_dialogue(client, bot, personas, caplog, texts):
    """Alice's linked chat typing anything (commands, numbers, emoji) in any order."""
    from kabinet.telegram.models import TelegramChat

    if not TelegramChat.objects.filter(chat_id=ALICE_CHAT, user=personas.alice).exists():
        link(client, personas.alice, ALICE_CHAT)
    with caplog.at_level(logging.ERROR, logger="kabinet.telegram"):
        for text in texts:
            assert (
                post(
                    client, {"update_id": abs(hash(text)) % 2**40, "message": message(ALICE_CHAT, text, {})}
                ).status_code
                == 200
            )
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
