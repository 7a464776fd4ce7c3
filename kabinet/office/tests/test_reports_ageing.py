"""The ageing rule (pure): how late a debt is, and the date edges the query buckets by."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kabinet.office.reports.ageing import (
    DAYS_0_30,
    DAYS_31_90,
    DAYS_90_PLUS,
    NOT_DUE,
    ageing_bucket,
    bucket_dues_from,
    days_late,
)


def test_it_puts_each_day_in_its_bucket():
    assert [ageing_bucket(d) for d in (-5, 0, 1, 30, 31, 90, 91, 4000)] == [
        NOT_DUE,
        NOT_DUE,
        DAYS_0_30,
        DAYS_0_30,
        DAYS_31_90,
        DAYS_31_90,
        DAYS_90_PLUS,
        DAYS_90_PLUS,
    ]


def test_a_debt_is_late_from_the_day_after_its_due_date():
    due = dt.date(2026, 10, 25)
    assert days_late(due, dt.date(2026, 10, 25)) == 0
    assert days_late(due, dt.date(2026, 10, 26)) == 1


@given(
    due=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
    as_of=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
)
def test_the_querys_date_edges_give_the_rules_bucket(due, as_of):
    """debtors.py buckets by comparing due dates with these edges: the same answer."""
    edges = bucket_dues_from(as_of)
    if due >= edges[NOT_DUE]:
        by_date = NOT_DUE
    elif due >= edges[DAYS_0_30]:
        by_date = DAYS_0_30
    elif due >= edges[DAYS_31_90]:
        by_date = DAYS_31_90
    else:
        by_date = DAYS_90_PLUS
    assert by_date == ageing_bucket(days_late(due, as_of))
