"""Dates and numbers in each language's own format; English as Europe writes it."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.utils import formats, translation

DAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("language", "short", "long", "number"),
    [
        ("en", "07/12/2026", "7 Dec 2026", "1,234.50"),
        ("lv", "7.12.2026", "2026. gada 7. decembris", "1\xa0234,50"),
        ("ru", "07.12.2026", "7 декабря 2026 г.", "1\xa0234,50"),
    ],
)
def test_each_language_writes_dates_and_numbers_its_own_way(language, short, long, number):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(DAY) == long
        assert formats.number_format(Decimal("1234.50"), 2, use_l10n=True, force_grouping=True) in (
            number,
            number.replace("\xa0", " "),
        )


def test_an_english_form_reads_the_day_first():
    with translation.override("en"):
        assert forms.DateField().clean("07/12/2026") == DAY
        assert forms.DateField().clean("2026-12-07") == DAY
