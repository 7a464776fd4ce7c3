"""The work queues on the back office's home page: what is waiting for staff, oldest first.

Each queue is a selector (a queryset of what waits, oldest first), the permissions of the
staff who work it, the changelist filtered to it, and how one waiting item is shown.
queues_for() gives a login the queues its permissions cover, each with its count and its
oldest few items: two queries a queue at most (one when fewer than `limit` wait),
whatever the number of rows.

Who sees a queue: whoever holds its model's view permission and the permission its work
needs (reviewing a reading changes it; publishing a run changes it). Every role may look
readings and meters up, but only the meter engineer reviews them: without the second
permission the operator's home page would be full of work that is not the operator's.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import BillingRun, RunStatus
from kabinet.customers.models import Account, ApplicationStatus, RegistrationApplication
from kabinet.meters.models import InboundMessage, InboundStatus, Meter, MeterStatus, Reading
from kabinet.meters.review import to_review_q
from kabinet.meters.rules import reading_period_for
from kabinet.meters.selectors import accounts_without_reading
from kabinet.payments.models import Payment, PaymentStatus
from kabinet.privacy.models import CorrectionRequest, ErasureRequest
from kabinet.privacy.models import RequestStatus as PrivacyStatus
from kabinet.reception.models import Message, MessageStatus
from kabinet.servicedesk.models import OPEN_STATUSES, ServiceRequest
from kabinet.utility.models import UtilityProfile

VERIFICATION_DAYS = 30

# --- the selectors: what waits, oldest first ----------------------------------------------


def readings_to_review() -> QuerySet[Reading]:
    """Flagged (a possible leak, a lower value) or rejected readings nobody has reviewed."""
    return Reading.objects.filter(to_review_q()).select_related("meter").order_by("created", "id")


def inbound_unparsed() -> QuerySet[InboundMessage]:
    """E-mails and SMS with readings the parser did not understand."""
    return InboundMessage.objects.filter(status=InboundStatus.UNPARSED).order_by("received", "id")


def payments_unmatched() -> QuerySet[Payment]:
    """Bank payments no account was found for, waiting to be assigned."""
    return Payment.objects.filter(status=PaymentStatus.UNMATCHED).order_by("paid_on", "id")


def applications_waiting() -> QuerySet[RegistrationApplication]:
    """Registration applications waiting for a decision."""
    return RegistrationApplication.objects.filter(status=ApplicationStatus.PENDING).order_by("created", "id")


def requests_overdue(now: dt.datetime | None = None) -> QuerySet[ServiceRequest]:
    """Open service requests past their deadline (ServiceRequest.is_overdue), the most overdue first."""
    now = now or timezone.now()
    return (
        ServiceRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .select_related("category")
        .order_by("due_at", "id")
    )


def messages_unanswered() -> QuerySet[Message]:
    """Messages to the utility waiting for an answer."""
    return Message.objects.filter(status=MessageStatus.NEW).order_by("created", "id")


def verification_horizon(today: dt.date, days: int = VERIFICATION_DAYS) -> dt.date:
    return today + dt.timedelta(days=days)


def meters_verification_expiring(today: dt.date | None = None, days: int = VERIFICATION_DAYS) -> QuerySet[Meter]:
    """Active meters whose verification will have expired `days` from today
    (meters.models.verification_expired_on(due, today + days), which is due < today + days):
    those expiring within the days and those already expired, the earliest due first."""
    horizon = verification_horizon(today or timezone.localdate(), days)
    return (
        Meter.objects.filter(status=MeterStatus.ACTIVE, verification_due__lt=horizon)
        .select_related("premises__building")
        .order_by("verification_due", "id")
    )


def current_period(today: dt.date | None = None) -> dt.date:
    """The period readings taken today count for."""
    period, _open = reading_period_for(today or timezone.localdate(), UtilityProfile.get())
    return period


def accounts_missing_reading(period: dt.date) -> QuerySet[Account]:
    """Open accounts with an active meter and no reading for `period`, by number."""
    return accounts_without_reading(period)


def billing_runs_to_publish() -> QuerySet[BillingRun]:
    """Billing runs issued as drafts and waiting to be published."""
    return BillingRun.objects.filter(status=RunStatus.DRAFT).order_by("period", "id")


# --- the queues --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    when: dt.date | dt.datetime | None
    text: str
    url: str


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    perms: tuple[str, ...]
    items: Callable[[dt.date], QuerySet]  # today -> what waits, oldest first
    url: Callable[[dt.date], str]  # today -> the changelist filtered to the queue
    item: Callable[[object], Item]


@dataclass
class QueueView:
    queue: Queue
    count: int
    items: list[Item] = field(default_factory=list)
    url: str = ""

    @property
    def key(self) -> str:
        return self.queue.key

    @property
    def title(self) -> str:
        return self.queue.title


def _changelist(name: str, **params) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _change(name: str, pk) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


def _reading(r: Reading) -> Item:
    what = r.get_flag_display() or r.get_status_display()
    return Item(
        r.created, f"{r.meter.serial_number} · {r.period:%m.%Y} · {r.value} · {what}", _change("meters_reading", r.pk)
    )


def _inbound(m: InboundMessage) -> Item:
    return Item(m.received, f"{m.sender} · {(m.subject or m.body)[:60]}", _change("meters_inboundmessage", m.pk))


def _payment(p: Payment) -> Item:
    # Straight to the page that assigns it: the payment's own page is read-only.
    resolve = reverse("admin:payments_payment_resolve", args=[p.pk])
    return Item(p.paid_on, f"{p.amount} · {p.payer_name or p.purpose[:40]}", resolve)


def _application(a: RegistrationApplication) -> Item:
    return Item(a.created, f"{a.full_name} · {a.account_number}", _change("customers_registrationapplication", a.pk))


def _request(r: ServiceRequest) -> Item:
    return Item(r.due_at, f"#{r.number} · {r.category.name}", _change("servicedesk_servicerequest", r.pk))


def _message(m: Message) -> Item:
    return Item(m.created, f"#{m.number} · {m.subject} · {m.name}", _change("reception_message", m.pk))


def _meter(m: Meter) -> Item:
    return Item(m.verification_due, f"{m.serial_number} · {m.premises.address}", _change("meters_meter", m.pk))


def _account(a: Account) -> Item:
    return Item(None, f"{a.number} · {a.customer.display_name}", _change("customers_account", a.pk))


def _privacy(r: CorrectionRequest | ErasureRequest) -> Item:
    what = r.get_field_display() if isinstance(r, CorrectionRequest) else _("erase the login")
    return Item(r.created, f"#{r.pk} · {what}", _change(f"privacy_{r._meta.model_name}", r.pk))


def _run(r: BillingRun) -> Item:
    return Item(r.finished or r.created, f"{r.period:%m.%Y} · {r.invoice_count}", _change("billing_billingrun", r.pk))


QUEUES: tuple[Queue, ...] = (
    Queue(
        "readings_to_review",
        _("Readings to review"),
        ("meters.view_reading", "meters.change_reading"),
        lambda today: readings_to_review(),
        lambda today: _changelist("meters_reading", review="todo"),
        _reading,
    ),
    Queue(
        "inbound_unparsed",
        _("E-mails and SMS not understood"),
        ("meters.view_inboundmessage", "meters.change_inboundmessage"),
        lambda today: inbound_unparsed(),
        lambda today: _changelist("meters_inboundmessage", status__exact=InboundStatus.UNPARSED),
        _inbound,
    ),
    Queue(
        "payments_unmatched",
        _("Payments waiting for assignment"),
        ("payments.view_payment", "payments.change_payment"),
        lambda today: payments_unmatched(),
        lambda today: _changelist("payments_payment", queue="1"),
        _payment,
    ),
    Queue(
        "applications_waiting",
        _("Registration applications waiting"),
        ("customers.view_registrationapplication", "customers.change_registrationapplication"),
        lambda today: applications_waiting(),
        lambda today: _changelist("customers_registrationapplication", status__exact=ApplicationStatus.PENDING),
        _application,
    ),
    Queue(
        "requests_overdue",
        _("Service requests past their deadline"),
        ("servicedesk.view_servicerequest", "servicedesk.change_servicerequest"),
        lambda today: requests_overdue(),
        lambda today: _changelist("servicedesk_servicerequest", overdue="yes"),
        _request,
    ),
    Queue(
        "messages_unanswered",
        _("Messages waiting for an answer"),
        ("reception.view_message", "reception.change_message"),
        lambda today: messages_unanswered(),
        lambda today: _changelist("reception_message", status__exact=MessageStatus.NEW),
        _message,
    ),
    Queue(
        "verification_expiring",
        _("Meters whose verification expires within 30 days"),
        ("meters.view_meter", "meters.change_meter"),
        lambda today: meters_verification_expiring(today),
        lambda today: _changelist(
            "meters_meter", status__exact=MeterStatus.ACTIVE, verification_due__lt=verification_horizon(today)
        ),
        _meter,
    ),
    Queue(
        "accounts_without_reading",
        _("Accounts without a reading this period"),
        ("customers.view_account", "meters.view_reading", "meters.add_reading"),
        lambda today: accounts_missing_reading(current_period(today)),
        lambda today: reverse("admin:meters_missing"),
        _account,
    ),
    Queue(
        "billing_runs_to_publish",
        _("Billing runs waiting to be published"),
        ("billing.view_billingrun", "billing.change_billingrun"),
        lambda today: billing_runs_to_publish(),
        lambda today: _changelist("billing_billingrun", status__exact=RunStatus.DRAFT),
        _run,
    ),
    # Privacy requests (kabinet/privacy): the law gives a month to answer.
    Queue(
        "privacy_corrections",
        _("Requests to correct personal data"),
        ("privacy.view_correctionrequest", "privacy.change_correctionrequest"),
        lambda today: CorrectionRequest.objects.filter(status=PrivacyStatus.PENDING).order_by("created", "id"),
        lambda today: _changelist("privacy_correctionrequest", status__exact=PrivacyStatus.PENDING),
        _privacy,
    ),
    Queue(
        "privacy_erasures",
        _("Requests to erase a login"),
        ("privacy.view_erasurerequest", "privacy.change_erasurerequest"),
        lambda today: ErasureRequest.objects.filter(status=PrivacyStatus.PENDING).order_by("created", "id"),
        lambda today: _changelist("privacy_erasurerequest", status__exact=PrivacyStatus.PENDING),
        _privacy,
    ),
)


def queues_for(user, *, limit: int = 5, today: dt.date | None = None) -> list[QueueView]:
    """The queues `user` works, each with its count and its oldest `limit` items."""
    today = today or timezone.localdate()
    out = []
    for queue in QUEUES:
        if not user.has_perms(queue.perms):
            continue
        qs = queue.items(today)
        rows = list(qs[:limit])
        count = len(rows) if len(rows) < limit else qs.count()
        out.append(QueueView(queue, count, [queue.item(row) for row in rows], queue.url(today)))
    return out
