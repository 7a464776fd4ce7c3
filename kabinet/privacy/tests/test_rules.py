"""The pure rules: the retention date, scrubbing a value out of texts, CSV of a section."""

import datetime as dt

from kabinet.privacy.rules import ERASED, retention_until, rows_csv, scrub, scrub_json


def test_records_are_kept_to_the_end_of_the_year_n_years_after_the_latest():
    today = dt.date(2026, 11, 28)
    assert retention_until(dt.date(2026, 1, 10), 5, today) == dt.date(2031, 12, 31)
    assert retention_until(None, 5, today) == dt.date(2031, 12, 31)
    assert retention_until(dt.date(2019, 12, 31), 7, today) == dt.date(2026, 12, 31)


def test_scrub_replaces_every_value_whatever_its_case_longest_first():
    text = "Write to Alice@Example.com or alice@example.com.ru, call +371 29123456"
    assert scrub(text, ["alice@example.com", "alice@example.com.ru", "+371 29123456", ""]) == (
        f"Write to {ERASED} or {ERASED}, call {ERASED}"
    )
    assert scrub_json({"alice@example.com": ["x alice@example.com", 3]}, ["alice@example.com"]) == {
        ERASED: [f"x {ERASED}", 3]
    }


def test_a_section_as_csv_has_every_column_of_every_row():
    text = rows_csv([{"id": 1, "a": "ā"}, {"id": 2, "b": None}])
    assert text.startswith("\ufeff") and text.splitlines() == ["\ufeffid,a,b", "1,ā,", "2,,"]


def test_a_phone_is_searched_as_typed_and_as_sms_gateways_write_it():
    from kabinet.privacy.erasure import phone_forms

    assert phone_forms("+371 29123456") == ["+371 29123456", "37129123456", "+37129123456"]
    assert phone_forms("") == []
