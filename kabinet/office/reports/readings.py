"""Readings submitted by channel and day: the readings that count for the month (its
reading window, and those sent early and queued for it), by the day they arrived and the
channel they came by. Estimated readings are the billing run's, not submissions, and are
left out. A reading replaced by a later one was still a submission: it counts as
accepted (it was, until the correction)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.office.reports.columns import DATE, INT, TEXT, Column
from kabinet.office.reports.filters import Filters
from kabinet.utility.models import UtilityProfile


@dataclass
class ReadingDay:
    day: dt.date | None
    channel: str
    in_window: str
    submitted: int
    accepted: int
    rejected: int
    queued: int
    flagged: int


def columns() -> list[Column]:
    return [
        Column("day", _("Received"), DATE),
        Column("channel", _("Channel"), TEXT),
        Column("in_window", _("In the window"), TEXT),
        Column("submitted", _("Submitted"), INT),
        Column("accepted", _("Accepted"), INT),
        Column("rejected", _("Rejected"), INT),
        Column("queued", _("Waiting for the window"), INT),
        Column("flagged", _("Flagged for review"), INT),
    ]


def window(filters: Filters) -> tuple[dt.date, dt.date]:
    return UtilityProfile.get().window_for(filters.period)


def readings(filters: Filters):
    readings = Reading.objects.filter(period=filters.period).exclude(source=ReadingSource.ESTIMATED)
    readings = readings.filter(filters.premises_q("meter__premises"))
    if filters.service is not None:
        readings = readings.filter(meter__service=filters.service)
    return readings


def rows(filters: Filters) -> list[ReadingDay]:
    """One row per day and channel, the earliest day first (two queries: the window, the counts)."""
    first, last = window(filters)
    channels = dict(ReadingSource.choices)
    accepted = Q(status__in=[ReadingStatus.ACCEPTED, ReadingStatus.SUPERSEDED])
    grouped = (
        readings(filters)
        .annotate(day=TruncDate("created", tzinfo=timezone.get_current_timezone()))
        .values("day", "source")
        .annotate(
            submitted=Count("id"),
            accepted=Count("id", filter=accepted),
            rejected=Count("id", filter=Q(status=ReadingStatus.REJECTED)),
            queued=Count("id", filter=Q(status=ReadingStatus.QUEUED)),
            flagged=Count("id", filter=~Q(flag="")),
        )
        .order_by("day", "source")
    )
    yes, no = gettext("yes"), gettext("no")
    return [
        ReadingDay(
            g["day"],
            str(channels.get(g["source"], g["source"])),
            yes if g["day"] and first <= g["day"] <= last else no,
            g["submitted"],
            g["accepted"],
            g["rejected"],
            g["queued"],
            g["flagged"],
        )
        for g in grouped
    ]


def totals(found: list[ReadingDay]) -> ReadingDay:
    def total(key: str) -> int:
        return sum(getattr(r, key) for r in found)

    keys = ("submitted", "accepted", "rejected", "queued", "flagged")
    return ReadingDay(None, "", "", *(total(k) for k in keys))


def by_channel(found: list[ReadingDay]) -> list[tuple[str, int]]:
    """The month's submissions per channel, the most used first (for the dashboard)."""
    counts: dict[str, int] = {}
    for r in found:
        counts[r.channel] = counts.get(r.channel, 0) + r.submitted
    return sorted(counts.items(), key=lambda item: -item[1])
