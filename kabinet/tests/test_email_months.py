"""Months and days in the e-mails read right in every language, for every month.

The e-mails are rendered from their templates (subject, text, HTML) with the context the
services give them; the expected phrases are written out by hand, not computed.
"""

import calendar
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from kabinet.utility.models import UtilityProfile

LANGUAGES = ["en", "ru", "lv"]
MONTHS = range(1, 13)

# The reminder sent when the window (27th to the month's end) opens, month by month.
WINDOW_OPENS = {
    1: (
        "Meter readings for January 2027 are accepted from the 27th to the 31st of January.",
        "Показания счётчиков за январь 2027 принимаются с 27 по 31 января.",
        "Skaitītāju rādījumus par 2027. gada janvāri pieņem no 27. līdz 31. janvārim.",
    ),
    2: (
        "Meter readings for February 2027 are accepted from the 27th to the 28th of February.",
        "Показания счётчиков за февраль 2027 принимаются с 27 по 28 февраля.",
        "Skaitītāju rādījumus par 2027. gada februāri pieņem no 27. līdz 28. februārim.",
    ),
    3: (
        "Meter readings for March 2027 are accepted from the 27th to the 31st of March.",
        "Показания счётчиков за март 2027 принимаются с 27 по 31 марта.",
        "Skaitītāju rādījumus par 2027. gada martu pieņem no 27. līdz 31. martam.",
    ),
    4: (
        "Meter readings for April 2027 are accepted from the 27th to the 30th of April.",
        "Показания счётчиков за апрель 2027 принимаются с 27 по 30 апреля.",
        "Skaitītāju rādījumus par 2027. gada aprīli pieņem no 27. līdz 30. aprīlim.",
    ),
    5: (
        "Meter readings for May 2027 are accepted from the 27th to the 31st of May.",
        "Показания счётчиков за май 2027 принимаются с 27 по 31 мая.",
        "Skaitītāju rādījumus par 2027. gada maiju pieņem no 27. līdz 31. maijam.",
    ),
    6: (
        "Meter readings for June 2027 are accepted from the 27th to the 30th of June.",
        "Показания счётчиков за июнь 2027 принимаются с 27 по 30 июня.",
        "Skaitītāju rādījumus par 2027. gada jūniju pieņem no 27. līdz 30. jūnijam.",
    ),
    7: (
        "Meter readings for July 2027 are accepted from the 27th to the 31st of July.",
        "Показания счётчиков за июль 2027 принимаются с 27 по 31 июля.",
        "Skaitītāju rādījumus par 2027. gada jūliju pieņem no 27. līdz 31. jūlijam.",
    ),
    8: (
        "Meter readings for August 2027 are accepted from the 27th to the 31st of August.",
        "Показания счётчиков за август 2027 принимаются с 27 по 31 августа.",
        "Skaitītāju rādījumus par 2027. gada augustu pieņem no 27. līdz 31. augustam.",
    ),
    9: (
        "Meter readings for September 2027 are accepted from the 27th to the 30th of September.",
        "Показания счётчиков за сентябрь 2027 принимаются с 27 по 30 сентября.",
        "Skaitītāju rādījumus par 2027. gada septembri pieņem no 27. līdz 30. septembrim.",
    ),
    10: (
        "Meter readings for October 2027 are accepted from the 27th to the 31st of October.",
        "Показания счётчиков за октябрь 2027 принимаются с 27 по 31 октября.",
        "Skaitītāju rādījumus par 2027. gada oktobri pieņem no 27. līdz 31. oktobrim.",
    ),
    11: (
        "Meter readings for November 2027 are accepted from the 27th to the 30th of November.",
        "Показания счётчиков за ноябрь 2027 принимаются с 27 по 30 ноября.",
        "Skaitītāju rādījumus par 2027. gada novembri pieņem no 27. līdz 30. novembrim.",
    ),
    12: (
        "Meter readings for December 2027 are accepted from the 27th to the 31st of December.",
        "Показания счётчиков за декабрь 2027 принимаются с 27 по 31 декабря.",
        "Skaitītāju rādījumus par 2027. gada decembri pieņem no 27. līdz 31. decembrim.",
    ),
}

# The reminder the day before the window closes: its subject, and its first sentence.
WINDOW_CLOSES = {
    1: (
        "Meter readings: the window closes tomorrow, on the 31st of January",
        "Показания счётчиков: приём заканчивается завтра, 31 января",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. janvārī",
    ),
    2: (
        "Meter readings: the window closes tomorrow, on the 28th of February",
        "Показания счётчиков: приём заканчивается завтра, 28 февраля",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 28. februārī",
    ),
    3: (
        "Meter readings: the window closes tomorrow, on the 31st of March",
        "Показания счётчиков: приём заканчивается завтра, 31 марта",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. martā",
    ),
    4: (
        "Meter readings: the window closes tomorrow, on the 30th of April",
        "Показания счётчиков: приём заканчивается завтра, 30 апреля",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 30. aprīlī",
    ),
    5: (
        "Meter readings: the window closes tomorrow, on the 31st of May",
        "Показания счётчиков: приём заканчивается завтра, 31 мая",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. maijā",
    ),
    6: (
        "Meter readings: the window closes tomorrow, on the 30th of June",
        "Показания счётчиков: приём заканчивается завтра, 30 июня",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 30. jūnijā",
    ),
    7: (
        "Meter readings: the window closes tomorrow, on the 31st of July",
        "Показания счётчиков: приём заканчивается завтра, 31 июля",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. jūlijā",
    ),
    8: (
        "Meter readings: the window closes tomorrow, on the 31st of August",
        "Показания счётчиков: приём заканчивается завтра, 31 августа",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. augustā",
    ),
    9: (
        "Meter readings: the window closes tomorrow, on the 30th of September",
        "Показания счётчиков: приём заканчивается завтра, 30 сентября",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 30. septembrī",
    ),
    10: (
        "Meter readings: the window closes tomorrow, on the 31st of October",
        "Показания счётчиков: приём заканчивается завтра, 31 октября",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. oktobrī",
    ),
    11: (
        "Meter readings: the window closes tomorrow, on the 30th of November",
        "Показания счётчиков: приём заканчивается завтра, 30 ноября",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 30. novembrī",
    ),
    12: (
        "Meter readings: the window closes tomorrow, on the 31st of December",
        "Показания счётчиков: приём заканчивается завтра, 31 декабря",
        "Skaitītāju rādījumi: pieņemšana beidzas rīt, 31. decembrī",
    ),
}

# The invoice e-mail's subject and first line name the month the invoice is for.
INVOICE_FOR = {
    1: (
        "Invoice 2027-000042 for January 2027",
        "Счёт 2027-000042 за январь 2027",
        "Rēķins 2027-000042 par 2027. gada janvāri",
    ),
    2: (
        "Invoice 2027-000042 for February 2027",
        "Счёт 2027-000042 за февраль 2027",
        "Rēķins 2027-000042 par 2027. gada februāri",
    ),
    3: (
        "Invoice 2027-000042 for March 2027",
        "Счёт 2027-000042 за март 2027",
        "Rēķins 2027-000042 par 2027. gada martu",
    ),
    4: (
        "Invoice 2027-000042 for April 2027",
        "Счёт 2027-000042 за апрель 2027",
        "Rēķins 2027-000042 par 2027. gada aprīli",
    ),
    5: ("Invoice 2027-000042 for May 2027", "Счёт 2027-000042 за май 2027", "Rēķins 2027-000042 par 2027. gada maiju"),
    6: (
        "Invoice 2027-000042 for June 2027",
        "Счёт 2027-000042 за июнь 2027",
        "Rēķins 2027-000042 par 2027. gada jūniju",
    ),
    7: (
        "Invoice 2027-000042 for July 2027",
        "Счёт 2027-000042 за июль 2027",
        "Rēķins 2027-000042 par 2027. gada jūliju",
    ),
    8: (
        "Invoice 2027-000042 for August 2027",
        "Счёт 2027-000042 за август 2027",
        "Rēķins 2027-000042 par 2027. gada augustu",
    ),
    9: (
        "Invoice 2027-000042 for September 2027",
        "Счёт 2027-000042 за сентябрь 2027",
        "Rēķins 2027-000042 par 2027. gada septembri",
    ),
    10: (
        "Invoice 2027-000042 for October 2027",
        "Счёт 2027-000042 за октябрь 2027",
        "Rēķins 2027-000042 par 2027. gada oktobri",
    ),
    11: (
        "Invoice 2027-000042 for November 2027",
        "Счёт 2027-000042 за ноябрь 2027",
        "Rēķins 2027-000042 par 2027. gada novembri",
    ),
    12: (
        "Invoice 2027-000042 for December 2027",
        "Счёт 2027-000042 за декабрь 2027",
        "Rēķins 2027-000042 par 2027. gada decembri",
    ),
}


def utility(**fields) -> UtilityProfile:
    values = dict(name="SIA “Daugavas Nami”", short_name="Daugavas Nami", currency="EUR", languages="lv,ru,en")
    return UtilityProfile(**{**values, **fields})


def render(template: str, language: str, context: dict) -> dict[str, str]:
    context = {"site_url": "https://kabinet.example", **context}
    with translation.override(language):
        return {
            part: " ".join(render_to_string(f"emails/{template}/{part}", context).split())
            for part in ("subject.txt", "body.txt", "body.html")
        }


def reminder_context(month: int, *, closing: bool, **profile) -> dict:
    last = dt.date(2027, month, calendar.monthrange(2027, month)[1])
    return {
        "period": dt.date(2027, month, 1),
        "first": dt.date(2027, month, 27),
        "last": last,
        "closing": closing,
        "user": SimpleNamespace(first_name="Alise"),
        "utility": utility(**profile),
    }


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reading_reminder_names_the_month_and_its_days(language, month):
    mail = render("reading_reminder", language, reminder_context(month, closing=False))
    phrase = WINDOW_OPENS[month][LANGUAGES.index(language)]
    assert phrase in mail["body.txt"] and phrase in mail["body.html"]


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_last_call_names_the_closing_day(language, month):
    mail = render("reading_reminder", language, reminder_context(month, closing=True))
    assert mail["subject.txt"] == WINDOW_CLOSES[month][LANGUAGES.index(language)]


def test_the_last_call_says_which_month_is_missing():
    texts = [render("reading_reminder", lang, reminder_context(2, closing=True))["body.txt"] for lang in LANGUAGES]
    assert (
        "We have no meter readings from you for February 2027 yet. The window closes on the 28th of February."
        in (texts[0])
    )
    assert "Мы ещё не получили от вас показания счётчиков за февраль 2027. Приём заканчивается 28 февраля." in texts[1]
    assert (
        "Mēs vēl neesam saņēmuši jūsu skaitītāju rādījumus par 2027. gada februāri. Pieņemšana beidzas 28. februārī."
        in texts[2]
    )


def test_the_first_reminder_names_the_last_day_in_its_subject():
    subjects = [
        render("reading_reminder", lang, reminder_context(11, closing=False))["subject.txt"] for lang in LANGUAGES
    ]
    assert subjects == [
        "Meter readings are accepted until the 30th of November",
        "Показания счётчиков принимаются до 30 ноября",
        "Skaitītāju rādījumus pieņem līdz 30. novembrim",
    ]


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invoice_mail_names_the_month_it_is_for(language, month):
    invoice = SimpleNamespace(
        pk=7,
        number="2027-000042",
        period=dt.date(2027, month, 1),
        total=Decimal("41.90"),
        amount_due=Decimal("41.90"),
        due_on=dt.date(2027, month, 25),
    )
    context = {
        "invoice": invoice,
        "account": SimpleNamespace(number="100001"),
        "user": SimpleNamespace(get_full_name="Alise Bērziņa"),
        "utility": utility(),
    }
    mail = render("invoice_issued", language, context)
    phrase = INVOICE_FOR[month][LANGUAGES.index(language)]
    assert mail["subject.txt"] == f"{phrase} · Daugavas Nami"
    # "Invoice 2027-000042 for January 2027 (account 100001) has been issued."
    _number, for_month = phrase.split(" 2027-000042 ")
    assert for_month in mail["body.txt"] and for_month in mail["body.html"]


def test_the_reading_receipt_names_the_month():
    reading = SimpleNamespace(period=dt.date(2027, 3, 1), status="accepted")
    context = {"reading": reading, "meter": SimpleNamespace(serial_number="CW-1001"), "receipts": [1, 2]}
    subjects = []
    for lang in LANGUAGES:
        with translation.override(lang):
            subjects.append(" ".join(render_to_string("emails/reading_receipt/subject.txt", context).split()))
    assert subjects == [
        "Meter readings for March 2027: 2 meters",
        "Показания счётчиков за март 2027: 2 счётчика",
        "Skaitītāju rādījumi par 2027. gada martu: 2 skaitītāji",
    ]
    context["receipts"] = [1]
    with translation.override("lv"):
        subject = render_to_string("emails/reading_receipt/subject.txt", context).strip()
    assert subject == "Rādījums pieņemts: skaitītājs CW-1001, par 2027. gada martu"


@pytest.mark.parametrize(
    "first, last, en, ru, lv",
    [
        (
            27,
            0,
            "Readings are accepted from the 27th to the end of each month.",
            "Показания принимаются с 27 числа до конца каждого месяца.",
            "Rādījumus pieņem katra mēneša no 27. datuma līdz mēneša beigām.",
        ),
        (
            23,
            25,
            "Readings are accepted from the 23rd to the 25th of each month.",
            "Показания принимаются с 23 по 25 число каждого месяца.",
            "Rādījumus pieņem katra mēneša no 23. līdz 25. datumam.",
        ),
        (
            1,
            22,
            "Readings are accepted from the 1st to the 22nd of each month.",
            "Показания принимаются с 1 по 22 число каждого месяца.",
            "Rādījumus pieņem katra mēneša no 1. līdz 22. datumam.",
        ),
    ],
)
def test_the_reply_to_readings_by_mail_gives_the_window_with_ordinals(first, last, en, ru, lv):
    profile = utility(reading_window_first_day=first, reading_window_last_day=last)
    for language, phrase in zip(LANGUAGES, (en, ru, lv), strict=True):
        with translation.override(language):
            text = render_to_string("emails/reading_reply/_format.txt", {"utility": profile})
        assert phrase in " ".join(text.split())
        assert "th th" not in text and "1th" not in text
