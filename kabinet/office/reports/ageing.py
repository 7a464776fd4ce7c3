"""Ageing of debt: how many days past its due date a debt is, in the buckets the
accountant reads (pure, Django-free).

A debt is overdue from the day after its due date: due on the 25th, it is 1 day late on
the 26th. A debt not yet past its due date is "not due". Then 0–30 days late (the first
month, which the grace of both penalty policies covers), 31–90 and more than 90 days.
"""

import datetime as dt

NOT_DUE, DAYS_0_30, DAYS_31_90, DAYS_90_PLUS = "not_due", "d0_30", "d31_90", "d90_plus"
# (bucket, the most days late it holds; None: no limit), youngest first.
BUCKETS = ((NOT_DUE, 0), (DAYS_0_30, 30), (DAYS_31_90, 90), (DAYS_90_PLUS, None))


def days_late(due_on: dt.date, as_of: dt.date) -> int:
    return (as_of - due_on).days


def ageing_bucket(days: int) -> str:
    """The bucket of a debt `days` past its due date (0 or fewer: not due yet)."""
    for bucket, most in BUCKETS:
        if most is None or days <= most:
            return bucket
    raise AssertionError("the last bucket has no limit")


def bucket_dues_from(as_of: dt.date) -> dict[str, dt.date]:
    """The earliest due date of each bucket on `as_of` (the oldest bucket: none), for a
    query to bucket by date: a debt is in the youngest bucket whose date it is on or
    after. Same boundaries as ageing_bucket()."""
    return {bucket: as_of - dt.timedelta(days=most) for bucket, most in BUCKETS if most is not None}
