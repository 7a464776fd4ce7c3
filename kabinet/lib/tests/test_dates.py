import datetime as dt

import pytest

from kabinet.lib import dates


@pytest.mark.parametrize(
    "day, english",
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (24, "24th"),
        (30, "30th"),
        (31, "31st"),
    ],
)
def test_it_writes_english_ordinals(day, english):
    assert dates.ordinal(day, "en") == english
    assert dates.ordinal(day, "lv") == f"{day}."
    assert dates.ordinal(day, "ru") == str(day)


def test_it_names_every_month_in_the_case_the_phrase_needs():
    # (for the month, on its 20th) — written out by hand
    expected = {
        "en": [
            ("for January 2027", "on the 20th of January"),
            ("for February 2027", "on the 20th of February"),
            ("for March 2027", "on the 20th of March"),
            ("for April 2027", "on the 20th of April"),
            ("for May 2027", "on the 20th of May"),
            ("for June 2027", "on the 20th of June"),
            ("for July 2027", "on the 20th of July"),
            ("for August 2027", "on the 20th of August"),
            ("for September 2027", "on the 20th of September"),
            ("for October 2027", "on the 20th of October"),
            ("for November 2027", "on the 20th of November"),
            ("for December 2027", "on the 20th of December"),
        ],
        "ru": [
            ("за январь 2027", "20 января"),
            ("за февраль 2027", "20 февраля"),
            ("за март 2027", "20 марта"),
            ("за апрель 2027", "20 апреля"),
            ("за май 2027", "20 мая"),
            ("за июнь 2027", "20 июня"),
            ("за июль 2027", "20 июля"),
            ("за август 2027", "20 августа"),
            ("за сентябрь 2027", "20 сентября"),
            ("за октябрь 2027", "20 октября"),
            ("за ноябрь 2027", "20 ноября"),
            ("за декабрь 2027", "20 декабря"),
        ],
        "lv": [
            ("par 2027. gada janvāri", "20. janvārī"),
            ("par 2027. gada februāri", "20. februārī"),
            ("par 2027. gada martu", "20. martā"),
            ("par 2027. gada aprīli", "20. aprīlī"),
            ("par 2027. gada maiju", "20. maijā"),
            ("par 2027. gada jūniju", "20. jūnijā"),
            ("par 2027. gada jūliju", "20. jūlijā"),
            ("par 2027. gada augustu", "20. augustā"),
            ("par 2027. gada septembri", "20. septembrī"),
            ("par 2027. gada oktobri", "20. oktobrī"),
            ("par 2027. gada novembri", "20. novembrī"),
            ("par 2027. gada decembri", "20. decembrī"),
        ],
    }
    for language, months in expected.items():
        got = [
            (dates.for_month(dt.date(2027, m, 1), language), dates.on_day(dt.date(2027, m, 20), language))
            for m in range(1, 13)
        ]
        assert got == months, language


def test_it_writes_the_month_standing_alone_in_the_nominative():
    assert dates.month_year(dt.date(2026, 12, 1), "en") == "December 2026"
    assert dates.month_year(dt.date(2026, 12, 1), "ru") == "декабрь 2026"
    assert dates.month_year(dt.date(2026, 12, 1), "lv") == "2026. gada decembris"
    assert dates.month_year(dt.date(2026, 4, 1), "lv") == "2026. gada aprīlis"


@pytest.mark.parametrize(
    "first, last, en, ru, lv",
    [
        (
            dt.date(2026, 12, 1),
            dt.date(2026, 12, 31),
            "from the 1st to the 31st of December",
            "с 1 по 31 декабря",
            "no 1. līdz 31. decembrim",
        ),
        (
            dt.date(2026, 11, 23),
            dt.date(2026, 11, 25),
            "from the 23rd to the 25th of November",
            "с 23 по 25 ноября",
            "no 23. līdz 25. novembrim",
        ),
        (
            dt.date(2026, 12, 27),
            dt.date(2027, 1, 2),
            "from the 27th of December to the 2nd of January",
            "с 27 декабря по 2 января",
            "no 27. decembra līdz 2. janvārim",
        ),
        (
            dt.date(2027, 3, 22),
            dt.date(2027, 4, 11),
            "from the 22nd of March to the 11th of April",
            "с 22 марта по 11 апреля",
            "no 22. marta līdz 11. aprīlim",
        ),
    ],
)
def test_it_writes_a_range_of_days(first, last, en, ru, lv):
    assert dates.day_range(first, last, "en") == en
    assert dates.day_range(first, last, "ru") == ru
    assert dates.day_range(first, last, "lv") == lv


def test_it_writes_the_last_day_something_lasts():
    assert dates.until_day(dt.date(2027, 2, 28), "en") == "until the 28th of February"
    assert dates.until_day(dt.date(2027, 2, 28), "ru") == "до 28 февраля"
    assert dates.until_day(dt.date(2027, 2, 28), "lv") == "līdz 28. februārim"


def test_it_writes_the_days_of_every_month():
    assert dates.monthly_days(23, 25, "en") == "from the 23rd to the 25th of each month"
    assert dates.monthly_days(23, 25, "ru") == "с 23 по 25 число каждого месяца"
    assert dates.monthly_days(23, 25, "lv") == "katra mēneša no 23. līdz 25. datumam"
    assert dates.monthly_days(1, None, "en") == "from the 1st to the end of each month"
    assert dates.monthly_days(27, None, "ru") == "с 27 числа до конца каждого месяца"
    assert dates.monthly_days(27, None, "lv") == "katra mēneša no 27. datuma līdz mēneša beigām"


def test_it_answers_in_english_for_another_language():
    assert dates.for_month(dt.date(2027, 1, 1), "de") == "for January 2027"
    assert dates.for_month(dt.date(2027, 1, 1), "en-gb") == "for January 2027"
    assert dates.for_month(dt.date(2027, 1, 1), "ru-ru") == "за январь 2027"
