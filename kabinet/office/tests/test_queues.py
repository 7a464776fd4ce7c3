"""The work queues on the back office's home page: each selector, who sees which queue,
the page with its counts and oldest items, and its query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import BillingRun, RunStatus
from kabinet.customers.models import ApplicationStatus, RegistrationApplication
from kabinet.meters.models import (
    InboundMessage,
    InboundStatus,
    Meter,
    MeterStatus,
    Reading,
    ReadingFlag,
    ReadingSource,
    ReadingStatus,
)
from kabinet.office import queues
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus
from kabinet.reception.models import Message, MessageStatus
from kabinet.servicedesk.models import Category, RequestStatus, ServiceRequest

TODAY = dt.date(2026, 3, 10)


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def reading(meter, *, days_ago: int, status=ReadingStatus.ACCEPTED, flag="", reviewed=False, period=None) -> Reading:
    r = Reading.objects.create(
        meter=meter,
        period=period or dt.date(2026, 1, 1),
        value=Decimal("10"),
        source=ReadingSource.EMAIL,
        status=status,
        flag=flag,
        reviewed_at=timezone.now() if reviewed else None,
    )
    Reading.objects.filter(pk=r.pk).update(created=ago(days_ago))
    return r


def inbound(n: int, status=InboundStatus.UNPARSED, days_ago: int = 1) -> InboundMessage:
    return InboundMessage.objects.create(
        channel="sms",
        external_id=f"sms-{n}",
        sender="+37120000000",
        body="CW-1 12",
        status=status,
        received=ago(days_ago),
    )


def payment(n: int, status=PaymentStatus.UNMATCHED, paid_on=dt.date(2026, 3, 1), account=None) -> Payment:
    return Payment.objects.create(
        account=account,
        amount=Decimal("12.50"),
        paid_on=paid_on,
        channel=PaymentChannel.BANK,
        status=status,
        external_id=f"bank-{n}",
        payer_name=f"Payer {n}",
    )


def application(n: int, status=ApplicationStatus.PENDING, days_ago: int = 1) -> RegistrationApplication:
    app = RegistrationApplication.objects.create(
        full_name=f"Applicant {n}",
        account_number=f"{900000 + n}",
        address="Rīgas iela 1",
        email=f"applicant{n}@example.com",
        status=status,
        reason="no" if status == ApplicationStatus.REJECTED else "",
    )
    RegistrationApplication.objects.filter(pk=app.pk).update(created=ago(days_ago))
    return app


def service_request(account, *, due_in_days: float, status=RequestStatus.NEW) -> ServiceRequest:
    return ServiceRequest.objects.create(
        account=account,
        premises=account.premises,
        category=Category.objects.get(code="leak"),
        description="Leak",
        phone="20000000",
        status=status,
        due_at=timezone.now() + dt.timedelta(days=due_in_days),
        closed_at=timezone.now() if status == RequestStatus.DONE else None,
    )


def message(n: int, status=MessageStatus.NEW, days_ago: int = 1) -> Message:
    return Message.objects.create(
        name=f"Writer {n}",
        email=f"w{n}@example.com",
        subject=f"Question {n}",
        text="?",
        status=status,
        created=ago(days_ago),
    )


def run(period: dt.date, status=RunStatus.DRAFT) -> BillingRun:
    return BillingRun.objects.create(period=period, status=status)


# --- the selectors -----------------------------------------------------------------------


def test_it_queues_flagged_and_rejected_readings_nobody_reviewed_oldest_first(personas):
    meter = personas.alice_cold
    leak = reading(meter, days_ago=2, flag=ReadingFlag.LEAK)
    rejected = reading(meter, days_ago=5, status=ReadingStatus.REJECTED, period=dt.date(2026, 2, 1))
    reading(meter, days_ago=9, status=ReadingStatus.REJECTED, reviewed=True, period=dt.date(2026, 2, 1))
    reading(personas.bob_cold, days_ago=9)  # accepted, nothing to review
    assert list(queues.readings_to_review()) == [rejected, leak]


def test_it_queues_only_unparsed_inbound_messages(db):
    old, new = inbound(1, days_ago=3), inbound(2, days_ago=1)
    inbound(3, status=InboundStatus.PROCESSED)
    inbound(4, status=InboundStatus.HANDLED)
    assert list(queues.inbound_unparsed()) == [old, new]


def test_it_queues_unmatched_payments_by_payment_date(personas):
    late, early = payment(1, paid_on=dt.date(2026, 3, 5)), payment(2, paid_on=dt.date(2026, 3, 1))
    payment(3, status=PaymentStatus.NOT_OURS)
    assert list(queues.payments_unmatched()) == [early, late]


def test_it_queues_applications_waiting_for_a_decision(db):
    newer, older = application(1, days_ago=1), application(2, days_ago=4)
    application(3, status=ApplicationStatus.REJECTED)
    assert list(queues.applications_waiting()) == [older, newer]


def test_it_queues_open_requests_past_their_deadline_most_overdue_first(personas):
    account = personas.alice_account
    one_day = service_request(account, due_in_days=-1)
    three_days = service_request(account, due_in_days=-3, status=RequestStatus.IN_PROGRESS)
    service_request(account, due_in_days=2)  # not due yet
    service_request(account, due_in_days=-5, status=RequestStatus.DONE)  # closed
    assert list(queues.requests_overdue()) == [three_days, one_day]


def test_it_queues_messages_waiting_for_an_answer(db):
    older, newer = message(1, days_ago=6), message(2, days_ago=2)
    message(3, status=MessageStatus.ANSWERED)
    message(4, status=MessageStatus.CLOSED)
    assert list(queues.messages_unanswered()) == [older, newer]


def test_it_queues_meters_expired_or_expiring_within_30_days(personas):
    Meter.objects.update(verification_due=TODAY + dt.timedelta(days=400))
    expired = personas.alice_cold
    expiring = personas.alice_hot
    Meter.objects.filter(pk=expired.pk).update(verification_due=TODAY - dt.timedelta(days=3))
    Meter.objects.filter(pk=expiring.pk).update(verification_due=TODAY + dt.timedelta(days=29))
    # Good through day 30: expired only from day 31 (verification_expired_on).
    Meter.objects.filter(pk=personas.bob_cold.pk).update(verification_due=TODAY + dt.timedelta(days=30))
    assert list(queues.meters_verification_expiring(TODAY)) == [expired, expiring]
    Meter.objects.filter(pk=expired.pk).update(status=MeterStatus.REMOVED, removed_on=TODAY)
    assert list(queues.meters_verification_expiring(TODAY)) == [expiring]


def test_it_queues_accounts_without_a_reading_for_the_period(personas):
    period = dt.date(2026, 3, 1)
    reading(personas.bob_cold, days_ago=1, period=period)
    # alice's first account has two meters and no reading; her second has no meter.
    assert list(queues.accounts_missing_reading(period)) == [personas.alice_account]


def test_it_queues_billing_runs_issued_and_not_published(db):
    march, february = run(dt.date(2026, 3, 1)), run(dt.date(2026, 2, 1))
    run(dt.date(2026, 1, 1), status=RunStatus.PUBLISHED)
    assert list(queues.billing_runs_to_publish()) == [february, march]


# --- who sees which queue ----------------------------------------------------------------

EXPECTED = {
    "Operator": {"accounts_without_reading"},
    "Meter engineer": {
        "readings_to_review",
        "inbound_unparsed",
        "verification_expiring",
        "accounts_without_reading",
    },
    "Accountant": {"payments_unmatched", "billing_runs_to_publish"},
    "Dispatcher": {"requests_overdue"},
    "Customer service": {"applications_waiting", "messages_unanswered", "privacy_corrections", "privacy_erasures"},
    "Auditor": set(),
    "Administrator": {"privacy_erasures"},
    "read-only": set(),
    "no role": set(),
    "superuser": {q.key for q in queues.QUEUES},
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_gets_the_queues_of_its_work(staff, role):
    assert {q.key for q in queues.queues_for(staff[role])} == EXPECTED[role]


# --- the home page -----------------------------------------------------------------------


@pytest.fixture
def busy(personas):
    """Many rows in every queue (and some that are not waiting)."""
    account = personas.alice_account
    meter = personas.alice_cold
    for n in range(30):
        reading(meter, days_ago=40 - n, status=ReadingStatus.REJECTED)
        inbound(n, days_ago=40 - n)
        payment(n, paid_on=dt.date(2026, 1, 1) + dt.timedelta(days=n))
        application(n, days_ago=40 - n)
        service_request(account, due_in_days=-40 + n)
        message(n, days_ago=40 - n)
    for n in range(3):
        run(dt.date(2025, 1 + n, 1))
    Meter.objects.update(verification_due=timezone.localdate() - dt.timedelta(days=1))
    return personas


def test_the_home_page_shows_counts_and_the_oldest_items_first(client, busy):
    client.force_login(busy.carol)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Readings to review" in page and "Payments waiting for assignment" in page
    assert 'id="queue-payments_unmatched"' in page
    section = page.split('id="queue-payments_unmatched"')[1].split('class="module"')[0]
    assert '<span class="count">30</span>' in section
    assert "Payer 0<" in section and "Payer 4<" in section and "Payer 5<" not in section
    assert section.index("Payer 0<") < section.index("Payer 1<")
    assert reverse("admin:payments_payment_changelist") + "?queue=1" in section
    assert "All 30 waiting" in section
    runs = page.split('id="queue-billing_runs_to_publish"')[1].split('class="module"')[0]
    assert '<span class="count">3</span>' in runs and "All 3 waiting" not in runs


def test_the_home_page_shows_a_role_only_its_queues(client, staff, busy):
    client.force_login(staff["Accountant"])
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="queue-payments_unmatched"' in page
    assert 'id="queue-readings_to_review"' not in page and "Readings to review" not in page
    client.force_login(staff["Auditor"])
    assert 'class="work-queues"' not in client.get(reverse("admin:index")).content.decode()


def test_an_empty_queue_says_nothing_waits(client, personas):
    client.force_login(personas.carol)
    page = client.get(reverse("admin:index")).content.decode()
    section = page.split('id="queue-inbound_unparsed"')[1].split('class="module"')[0]
    assert '<span class="count">0</span>' in section and "Nothing waiting." in section


def test_the_home_page_queries_do_not_grow_with_the_rows(client, busy, django_assert_max_num_queries):
    client.force_login(busy.carol)
    client.get(reverse("admin:index"))  # warm the utility profile cache
    with django_assert_max_num_queries(26):
        assert client.get(reverse("admin:index")).status_code == 200
    more = busy
    for n in range(30, 130):
        payment(n)
        message(n)
        reading(more.bob_cold, days_ago=n, status=ReadingStatus.REJECTED)
    with django_assert_max_num_queries(26):
        assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("queue", queues.QUEUES, ids=lambda q: q.key)
def test_each_queue_links_to_its_filtered_list(client, busy, queue):
    client.force_login(busy.carol)
    url = queue.url(timezone.localdate())
    response = client.get(url)
    assert response.status_code == 200, url
    assert "?e=1" not in response.get("Location", "")
    for item in queues.queues_for(busy.carol, limit=2):
        if item.key == queue.key:
            for row in item.items:
                assert client.get(row.url).status_code == 200, row.url


def test_the_verification_link_lists_only_the_meters_of_the_queue(client, personas):
    today = timezone.localdate()
    Meter.objects.filter(pk=personas.alice_cold.pk).update(verification_due=today + dt.timedelta(days=10))
    client.force_login(personas.carol)
    (queue,) = [q for q in queues.QUEUES if q.key == "verification_expiring"]
    page = client.get(queue.url(today)).content.decode()
    assert "CW-1001" in page and "HW-1001" not in page and "CW-2001" not in page


def test_the_home_page_speaks_latvian(client, busy):
    client.cookies["django_language"] = "lv"
    client.force_login(busy.carol)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and 'id="queue-readings_to_review"' in response.content.decode()
