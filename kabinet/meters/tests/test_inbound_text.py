"""The text rules of kabinet.meters.inbound.text: what counts as the customer's own new text
in a mail (no database)."""

import re

import pytest

from kabinet.meters.inbound.services import sms_shorten
from kabinet.meters.inbound.text import forwarded_from, html_to_text, own_text, split_message
from kabinet.meters.values import VALUE_IN_TEXT

READINGS = "100001 ХВС 123 ГВС 45"


@pytest.mark.parametrize(
    "header",
    [
        "чт, 3 дек. 2026 г. в 10:15, Kabinet <noreply@udens.example>:",
        "On Thu, Dec 3, 2026 at 10:15 AM Kabinet <noreply@udens.example> wrote:",
        "ceturtd., 2026. g. 3. dec., plkst. 10:15 Kabinet <noreply@udens.example> rakstīja:",
        "03.12.2026 10:15, Kabinet пишет:",
        "3 дек. 2026 г., в 10:15, Kabinet <noreply@udens.example> написал(а):",
        "On 12/3/26 10:15 AM, Kabinet wrote:",
    ],
)
def test_it_leaves_out_a_quote_header_and_the_quote_below_it(header):
    text = f"{READINGS}\n\n{header}\n> Your meter readings\n> 100001 cold 123,4\n"
    assert own_text(text) == READINGS


def test_it_leaves_out_a_quote_header_the_client_wrapped_over_two_lines():
    text = f"{READINGS}\n\nOn Thu, Dec 3, 2026 at 10:15 AM Kabinet <\nnoreply@udens.example> wrote:\n\n> old 1 2 3\n"
    assert own_text(text) == READINGS


def test_it_leaves_out_a_quote_that_is_not_marked_with_brackets():
    text = f"{READINGS}\n\nOn Thu, Dec 3, 2026 at 10:15 AM Kabinet <noreply@udens.example> wrote:\n\nold 1 2 3\n"
    assert own_text(text) == READINGS


def test_it_keeps_what_the_customer_wrote_below_a_quote():
    text = "On Thu, Dec 3, 2026 at 10:15 AM Kabinet <noreply@udens.example> wrote:\n> old 1 2 3\n\n" + READINGS
    assert own_text(text) == READINGS


@pytest.mark.parametrize(
    "block",
    [
        "From: Kabinet <noreply@udens.example>\nSent: Thursday, December 3, 2026 10:15 AM\nTo: Alice\n"
        "Subject: Readings",
        "От: Kabinet <noreply@udens.example>\nОтправлено: 3 декабря 2026 г. 10:15\nКому: Алиса\nТема: Показания",
        "No: Kabinet <noreply@udens.example>\nNosūtīts: ceturtdiena, 2026. gada 3. decembris 10:15\nKam: Alise\n"
        "Tēma: Rādījumi",
        "________________________________\nFrom: Kabinet\nDate: 3 December 2026 at 10:15\nTo: Alice",
    ],
)
def test_it_cuts_at_an_outlook_reply_header_block(block):
    assert own_text(f"{READINGS}\n\n{block}\n\nold 1 2 3") == READINGS


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nАлиса\n+7 916 123-45-67",
        "С уважением,\nАлиса Иванова\nул. Ленина 5, кв. 12",
        "Ar cieņu,\nAlise\n29123456",
        "Best regards,\nAlice",
        "Alice\nтел. 8 (916) 123-45-67",
        "Alise\nMob.: +371 29 123 456",
        "Sent from my iPhone",
        "Отправлено с iPhone",
        "Nosūtīts no mana iPhone",
        "Get Outlook for Android",
    ],
)
def test_it_leaves_out_signatures_phones_and_mobile_footers(signature):
    own = own_text(f"{READINGS}\n{signature}")
    assert own.startswith(READINGS)
    assert not re.search(r"\d", own.removeprefix(READINGS))  # no number of the signature is left


def test_it_keeps_an_account_and_a_reading_that_look_like_digits_only():
    assert own_text("200001 99") == "200001 99"
    assert own_text("Спасибо!\n100001 ХВС 5") == "Спасибо!\n100001 ХВС 5"  # a thank-you first is no sign-off


@pytest.mark.parametrize(
    "marker",
    [
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "-------- Пересылаемое сообщение --------",
        "-------- Forwarded Message --------",
        "Начало переадресованного сообщения:",
        "Begin forwarded message:",
    ],
)
def test_it_separates_a_forwarded_mail_from_its_headers(marker):
    text = (
        f"Пересылаю ещё раз\n\n{marker}\nFrom: Alice <alice@example.com>\nDate: 3 December 2026 at 10:15\n"
        f"Subject: Показания 100001\nTo: readings@udens.example\n\nХВС 123 ГВС 45\n-- \nAlice +371 29 123 456"
    )
    parts = split_message(text)
    assert parts.own == "Пересылаю ещё раз"
    assert parts.forwarded == "Показания 100001\nХВС 123 ГВС 45"
    assert forwarded_from(text) == "Alice <alice@example.com>"


def test_it_turns_an_html_only_mail_into_the_text_a_plain_client_sends():
    html = (
        '<html><head><style>p {color: red}</style></head><body><div dir="ltr">100001&nbsp;ХВС 123<br>ГВС 45</div>'
        '<div class="gmail_signature">Alice<br>+371 29 123 456</div>'
        '<div class="gmail_quote"><div class="gmail_attr">On Thu, Dec 3, 2026 at 10:15 AM Kabinet wrote:</div>'
        '<blockquote class="gmail_quote">100001 cold 1<br>hot 2</blockquote></div></body></html>'
    )
    text = html_to_text(html)
    assert "> 100001 cold 1" in text and "color" not in text
    assert own_text(text) == "100001 ХВС 123\nГВС 45"


@pytest.mark.parametrize("sign", ["-", "\u2212", "\u2013", "\u2014", "\u2012", "\ufe63", "\uff0d"])
def test_it_keeps_every_minus_sign_on_a_value(sign):
    assert VALUE_IN_TEXT.match(f"{sign}330")
    assert not VALUE_IN_TEXT.match(f"{sign}")


def test_it_shortens_an_sms_between_words():
    text = "Cold 5: Rejected (The reading 5 is lower than the previous one, 20. Check the digits on the meter). " * 8
    short = sms_shorten(text, limit=160)
    assert len(short) <= 160 and short.endswith("…")
    assert short[:-1].rstrip().split(" ")[-1] in text.split(" ")  # the last word is whole


def test_it_does_not_take_the_readings_for_the_first_half_of_a_wrapped_quote_header():
    text = "100001 ХВС 123 ГВС 45\nчт, 3 дек. 2026 г. в 10:15, Kabinet <noreply@kabinet.local>:\n> old"
    assert own_text(text) == "100001 ХВС 123 ГВС 45"
