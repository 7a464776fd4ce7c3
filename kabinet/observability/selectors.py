"""The domain's numbers behind the /metrics gauges: one query each, never a query per row.

Read when /metrics is scraped (kabinet.observability.metrics), at most once per
METRICS_CACHE_SECONDS across all processes.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from kabinet.billing.models import BillingRun, ChunkStatus, RunStatus
from kabinet.meters.models import Reading
from kabinet.meters.rules import reading_period_for
from kabinet.notifications.models import OutboxMessage, OutboxStatus
from kabinet.payments.models import Payment, PaymentStatus
from kabinet.utility.models import UtilityProfile


@dataclass(frozen=True)
class RunProgress:
    run_id: int
    period: dt.date
    chunks_done: int
    chunks_total: int


@dataclass
class DomainSnapshot:
    period: dt.date
    # (source, status) -> count, readings of `period`
    readings: dict[tuple[str, str], int] = field(default_factory=dict)
    # channel -> (pending messages, seconds the oldest has waited)
    outbox: dict[str, tuple[int, float]] = field(default_factory=dict)
    unmatched_payments: int = 0
    unmatched_amount: Decimal = Decimal("0")
    runs: list[RunProgress] = field(default_factory=list)


def readings_by_source_and_status(period: dt.date) -> dict[tuple[str, str], int]:
    rows = Reading.objects.filter(period=period).values_list("source", "status").annotate(n=Count("id"))
    return {(source, status): n for source, status, n in rows.order_by()}


def outbox_pending(now: dt.datetime) -> dict[str, tuple[int, float]]:
    """Unsent messages per channel and the age of the oldest (the partial index on pending)."""
    rows = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .values_list("channel")
        .annotate(n=Count("id"), oldest=Min("created"))
        .order_by()
    )
    return {channel: (n, max(0.0, (now - oldest).total_seconds())) for channel, n, oldest in rows}


def unmatched_payments() -> tuple[int, Decimal]:
    found = Payment.objects.filter(status=PaymentStatus.UNMATCHED).aggregate(n=Count("id"), amount=Sum("amount"))
    return found["n"], found["amount"] or Decimal("0")


def billing_runs_in_progress() -> list[RunProgress]:
    runs = (
        BillingRun.objects.filter(status=RunStatus.RUNNING)
        .annotate(chunks_total=Count("chunks"), chunks_done=Count("chunks", filter=Q(chunks__status=ChunkStatus.DONE)))
        .values_list("id", "period", "chunks_done", "chunks_total")
        .order_by("period", "id")
    )
    return [RunProgress(run_id=i, period=p, chunks_done=d, chunks_total=t) for i, p, d, t in runs]


def domain_snapshot(now: dt.datetime | None = None) -> DomainSnapshot:
    now = now or timezone.now()
    period, _open = reading_period_for(timezone.localdate(now), UtilityProfile.get())
    count, amount = unmatched_payments()
    return DomainSnapshot(
        period=period,
        readings=readings_by_source_and_status(period),
        outbox=outbox_pending(now),
        unmatched_payments=count,
        unmatched_amount=amount,
        runs=billing_runs_in_progress(),
    )
