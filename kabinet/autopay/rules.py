"""The rules of automatic payment as pure functions over plain values (no database)."""

import datetime as dt
from decimal import Decimal

# The card was refused for a reason another try will not change: the mandate is paused
# at once and the customer asked for another card (YooKassa's cancellation_details.reason
# values; the sandbox uses the same).
PERMANENT_FAILURES = frozenset(
    {
        "card_expired",
        "permission_revoked",  # the customer withdrew the permission at the provider
        "invalid_card_number",
        "invalid_csc",
        "payment_method_restricted",
        "payment_method_limit_exceeded",
        "country_forbidden",
        "fraud_suspected",
    }
)


def charge_date(*, mode: str, day: int | None, issued_on: dt.date) -> dt.date:
    """The day an invoice issued on `issued_on` is charged: the invoice day itself, or
    the first day N on or after it (N is 1-28, so every month has it)."""
    if mode == "on_issue" or day is None:
        return issued_on
    if issued_on.day <= day:
        return issued_on.replace(day=day)
    following = (issued_on.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following.replace(day=day)


def charge_decision(*, owed: Decimal, max_amount: Decimal) -> str:
    """ "charge", "not_needed" (nothing left to pay) or "over_limit".

    An invoice above the customer's maximum is not charged at all, never charged in
    part: the maximum is the customer's guard against a bill they did not expect (a
    leak, a correction, a meter error), and a partial charge would hide it while still
    leaving a debt that needs their attention. Banks' standing e-invoice payments work
    the same way: over the limit, the bank asks the customer instead of paying."""
    if owed <= 0:
        return "not_needed"
    if owed > max_amount:
        return "over_limit"
    return "charge"


def after_failure(*, reason: str, tries: int, declines_in_row: int, retry_days: list[int], pause_after: int) -> str:
    """What a declined try leads to: "retry", "give_up" (this invoice) or "pause" (the
    mandate: a permanent reason, or `pause_after` declines in a row)."""
    if reason in PERMANENT_FAILURES or declines_in_row >= pause_after:
        return "pause"
    if tries <= len(retry_days):
        return "retry"
    return "give_up"
