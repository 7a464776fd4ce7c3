"""Months and days in words, in the grammar of each language (pure, Django-free).

A sentence around a date needs the month in a case of its own: "за декабрь 2026" but
"с 1 по 31 декабря"; "par 2026. gada decembri" but "no 1. līdz 31. decembrim" and
"31. decembrī"; English wants its ordinals ("the 1st", "the 22nd"). gettext cannot
decline a month it is handed, so each phrase with a preposition is built here whole, and
a translated sentence takes the phrase as one placeholder:
"Readings %(for_month)s are accepted %(days)s." The template filters are in
kabinet.utility.templatetags.kabinet_dates.

Languages other than lv and ru get the English phrases.
"""

import datetime as dt

EN_MONTHS = ("January February March April May June July August September October November December").split()
RU_NOMINATIVE = "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split()
RU_GENITIVE = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
LV_NOMINATIVE = (
    "janvāris februāris marts aprīlis maijs jūnijs jūlijs augusts septembris oktobris novembris decembris"
).split()
LV_GENITIVE = "janvāra februāra marta aprīļa maija jūnija jūlija augusta septembra oktobra novembra decembra".split()
LV_DATIVE = (
    "janvārim februārim martam aprīlim maijam jūnijam jūlijam augustam septembrim oktobrim novembrim decembrim"
).split()
LV_ACCUSATIVE = "janvāri februāri martu aprīli maiju jūniju jūliju augustu septembri oktobri novembri decembri".split()
LV_LOCATIVE = "janvārī februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī novembrī decembrī".split()


def _lang(language: str | None) -> str:
    code = (language or "en")[:2]
    return code if code in ("lv", "ru") else "en"


def ordinal(day: int, language: str | None = "en") -> str:
    """The day of the month as written before a month or "datums": 1st, 2nd, 3rd, 11th,
    21st (en); 1. (lv, an ordinal is written with a full stop); 1 (ru)."""
    lang = _lang(language)
    if lang == "lv":
        return f"{day}."
    if lang == "ru":
        return str(day)
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def month_year(period: dt.date, language: str | None = "en") -> str:
    """The month standing alone, as a heading or after "Period:": December 2026,
    декабрь 2026, 2026. gada decembris."""
    lang, m = _lang(language), period.month - 1
    if lang == "ru":
        return f"{RU_NOMINATIVE[m]} {period.year}"
    if lang == "lv":
        return f"{period.year}. gada {LV_NOMINATIVE[m]}"
    return f"{EN_MONTHS[m]} {period.year}"


def for_month(period: dt.date, language: str | None = "en") -> str:
    """What a bill or a reading is for: for December 2026, за декабрь 2026,
    par 2026. gada decembri."""
    lang, m = _lang(language), period.month - 1
    if lang == "ru":
        return f"за {RU_NOMINATIVE[m]} {period.year}"  # за + accusative = nominative for months
    if lang == "lv":
        return f"par {period.year}. gada {LV_ACCUSATIVE[m]}"
    return f"for {EN_MONTHS[m]} {period.year}"


def on_day(day: dt.date, language: str | None = "en") -> str:
    """When something happens: on the 31st of December, 31 декабря, 31. decembrī."""
    lang, m = _lang(language), day.month - 1
    if lang == "ru":
        return f"{day.day} {RU_GENITIVE[m]}"
    if lang == "lv":
        return f"{day.day}. {LV_LOCATIVE[m]}"
    return f"on the {ordinal(day.day)} of {EN_MONTHS[m]}"


def until_day(day: dt.date, language: str | None = "en") -> str:
    """The last day something lasts: until the 31st of December, до 31 декабря,
    līdz 31. decembrim."""
    lang, m = _lang(language), day.month - 1
    if lang == "ru":
        return f"до {day.day} {RU_GENITIVE[m]}"
    if lang == "lv":
        return f"līdz {day.day}. {LV_DATIVE[m]}"
    return f"until the {ordinal(day.day)} of {EN_MONTHS[m]}"


def day_range(first: dt.date, last: dt.date, language: str | None = "en") -> str:
    """From one day to another, both included: from the 27th to the 31st of December,
    с 27 по 31 декабря, no 27. līdz 31. decembrim; across months: from the 27th of
    December to the 5th of January, с 27 декабря по 5 января, no 27. decembra līdz
    5. janvārim."""
    lang, m1, m2 = _lang(language), first.month - 1, last.month - 1
    same = (first.year, first.month) == (last.year, last.month)
    if lang == "ru":
        start = str(first.day) if same else f"{first.day} {RU_GENITIVE[m1]}"
        return f"с {start} по {last.day} {RU_GENITIVE[m2]}"
    if lang == "lv":
        start = f"{first.day}." if same else f"{first.day}. {LV_GENITIVE[m1]}"
        return f"no {start} līdz {last.day}. {LV_DATIVE[m2]}"
    start = f"the {ordinal(first.day)}" if same else f"the {ordinal(first.day)} of {EN_MONTHS[m1]}"
    return f"from {start} to the {ordinal(last.day)} of {EN_MONTHS[m2]}"


def monthly_days(first: int, last: int | None, language: str | None = "en") -> str:
    """Days of every month (`last` None: to the month's end): from the 23rd to the 25th
    of each month, с 23 по 25 число каждого месяца, katra mēneša no 23. līdz 25. datumam;
    from the 27th to the end of each month, с 27 числа до конца каждого месяца, katra
    mēneša no 27. datuma līdz mēneša beigām."""
    lang = _lang(language)
    if lang == "ru":
        if last is None:
            return f"с {first} числа до конца каждого месяца"
        return f"с {first} по {last} число каждого месяца"
    if lang == "lv":
        if last is None:
            return f"katra mēneša no {first}. datuma līdz mēneša beigām"
        return f"katra mēneša no {first}. līdz {last}. datumam"
    if last is None:
        return f"from the {ordinal(first)} to the end of each month"
    return f"from the {ordinal(first)} to the {ordinal(last)} of each month"
