"""The month at a glance: the reports' headline figures and their charts (server-rendered
SVG bars, kabinet.lib.charts, as the customer's consumption chart)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kabinet.lib.charts import bar_chart
from kabinet.office.reports import debtors, payments, readings, turnover
from kabinet.office.reports.filters import Filters

ZERO = Decimal("0.00")


@dataclass
class Dashboard:
    filters: Filters
    month: turnover.Month
    debt: debtors.Debtor  # the debtors' totals
    debtor_count: int
    payments: payments.PaymentDay  # the month's totals
    readings: readings.ReadingDay  # the month's totals
    charts: list[tuple[str, dict, bool]] = field(default_factory=list)  # (title, bar_chart, is money)


def dashboard(filters: Filters) -> Dashboard:
    """Four reports over one month (a few queries each, whatever the number of accounts)."""
    months = turnover.rows(filters)
    found_debtors = debtors.rows(filters)
    debt = debtors.totals(found_debtors)
    found_payments = payments.rows(filters)
    found_readings = readings.rows(filters)
    board = Dashboard(
        filters,
        months[-1],
        debt,
        len(found_debtors),
        payments.totals(found_payments),
        readings.totals(found_readings),
    )
    short = "m.Y"
    board.charts = [
        (
            _("Charged per month"),
            bar_chart([(formats.date_format(m.month, short), m.charged) for m in months], left=24, span=54),
            True,
        ),
        (
            _("Paid per month"),
            bar_chart([(formats.date_format(m.month, short), m.paid) for m in months], left=24, span=54),
            True,
        ),
        (
            _("Overdue debt by age"),
            bar_chart(
                [
                    (str(_("0–30 days")), debt.d0_30),
                    (str(_("31–90 days")), debt.d31_90),
                    (str(_("Over 90 days")), debt.d90_plus),
                ],
                left=34,
                span=46,
            ),
            True,
        ),
        (
            _("Readings by channel"),
            bar_chart([(channel, Decimal(n)) for channel, n in readings.by_channel(found_readings)], left=42, span=40),
            False,
        ),
        (
            _("Received per day"),
            bar_chart(
                [(formats.date_format(day, "d.m"), amount) for day, amount in payments.by_day(found_payments)],
                left=18,
                span=60,
            ),
            True,
        ),
    ]
    return board
