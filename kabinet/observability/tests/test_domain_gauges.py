"""The domain's gauges on /metrics, against rows made here and counted by hand."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
import redis
import time_machine

from kabinet.billing.models import BillingChunk, BillingRun, ChunkStatus, RunStatus
from kabinet.celery import app
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.meters.tasks import readings_send_sms
from kabinet.notifications.alerts import job_failure_alert
from kabinet.notifications.models import Channel, MailKind, OutboxMessage, OutboxStatus
from kabinet.observability.tests.helpers import samples, value
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus

# The utility's window (lv preset) is the 27th to the month's end: on 28 November readings
# count for November.
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
PERIOD = dt.date(2026, 11, 1)
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]

    def get() -> str:
        response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
        assert response.status_code == 200
        return response.content.decode()

    return get


def reading(meter, source, status, period=PERIOD, value="10"):
    return Reading.objects.create(meter=meter, period=period, value=Decimal(value), source=source, status=status)


def outbox(channel, status=OutboxStatus.PENDING):
    return OutboxMessage.objects.create(
        channel=channel, kind=MailKind.ACCOUNT, to="alice@example.com", body_text="x", status=status
    )


def payment(n, status, amount):
    return Payment.objects.create(
        amount=Decimal(amount),
        paid_on=dt.date(2026, 11, 20),
        channel=PaymentChannel.BANK,
        status=status,
        external_id=f"bank-{n}",
    )


@pytest.fixture
def the_month(personas):
    """Alice, Bob and a busy November."""
    p = personas
    # Readings of November: 3 accepted (portal, app, file), 4 rejected (2 portal, SMS, e-mail).
    reading(p.alice_cold, ReadingSource.PORTAL, ReadingStatus.ACCEPTED)
    reading(p.alice_hot, ReadingSource.API, ReadingStatus.ACCEPTED)
    reading(p.bob_cold, ReadingSource.FILE, ReadingStatus.ACCEPTED)
    reading(p.alice_cold, ReadingSource.PORTAL, ReadingStatus.REJECTED)
    reading(p.alice_cold, ReadingSource.PORTAL, ReadingStatus.REJECTED)
    reading(p.bob_cold, ReadingSource.SMS, ReadingStatus.REJECTED)
    reading(p.bob_cold, ReadingSource.EMAIL, ReadingStatus.REJECTED)
    # Not November's: October's reading and one queued for December.
    reading(p.alice_cold, ReadingSource.PORTAL, ReadingStatus.ACCEPTED, period=dt.date(2026, 10, 1))
    reading(p.alice_hot, ReadingSource.PORTAL, ReadingStatus.QUEUED, period=dt.date(2026, 12, 1))

    # The outbox: two e-mails waiting since 11:50 and 11:58, an SMS since 11:55; one sent, one failed.
    for at, channel in [(10, Channel.EMAIL), (2, Channel.EMAIL), (5, Channel.SMS)]:
        with time_machine.travel(NOW - dt.timedelta(minutes=at), tick=False):
            outbox(channel)
    outbox(Channel.EMAIL, OutboxStatus.SENT)
    outbox(Channel.EMAIL, OutboxStatus.FAILED)

    # Payments waiting for assignment: 10.50 + 4.25; one that was not ours does not count.
    payment(1, PaymentStatus.UNMATCHED, "10.50")
    payment(2, PaymentStatus.UNMATCHED, "4.25")
    payment(3, PaymentStatus.NOT_OURS, "99.00")

    # October's run is billing: 1 chunk of 3 done. September's was published long ago.
    october = BillingRun.objects.create(period=dt.date(2026, 10, 1), status=RunStatus.RUNNING)
    for first, status in [(1, ChunkStatus.DONE), (1001, ChunkStatus.PENDING), (2001, ChunkStatus.PENDING)]:
        BillingChunk.objects.create(run=october, first_account_id=first, last_account_id=first + 999, status=status)
    september = BillingRun.objects.create(period=dt.date(2026, 9, 1), status=RunStatus.PUBLISHED)
    BillingChunk.objects.create(run=september, first_account_id=1, last_account_id=999, status=ChunkStatus.DONE)
    return october


@time_machine.travel(NOW, tick=False)
def test_it_counts_the_periods_readings_by_channel_and_status(the_month, scrape):
    text = scrape()
    counts = {
        ("portal", "accepted"): 1,
        ("api", "accepted"): 1,
        ("file", "accepted"): 1,
        ("portal", "rejected"): 2,
        ("sms", "rejected"): 1,
        ("email", "rejected"): 1,
    }
    for source in ReadingSource.values:
        for status in ReadingStatus.values:
            expected = counts.get((source, status), 0)
            assert value(text, "kabinet_readings", period="2026-11", source=source, status=status) == expected
    periods = {labels for name, labels in samples(text) if name == "kabinet_readings"}
    assert {dict(labels)["period"] for labels in periods} == {"2026-11"}


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_outbox_depth_and_its_oldest_message(the_month, scrape):
    text = scrape()
    assert value(text, "kabinet_outbox_pending", channel="email") == 2
    assert value(text, "kabinet_outbox_pending", channel="sms") == 1
    assert value(text, "kabinet_outbox_oldest_pending_age_seconds", channel="email") == 600
    assert value(text, "kabinet_outbox_oldest_pending_age_seconds", channel="sms") == 300


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_payments_waiting_for_assignment(the_month, scrape):
    text = scrape()
    assert value(text, "kabinet_payments_unmatched") == 2
    assert value(text, "kabinet_payments_unmatched_amount") == 14.75


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_running_billing_run_chunk_by_chunk(the_month, scrape):
    text = scrape()
    run = str(the_month.pk)
    assert value(text, "kabinet_billing_runs_in_progress") == 1
    assert value(text, "kabinet_billing_run_chunks", run=run, period="2026-10") == 3
    assert value(text, "kabinet_billing_run_chunks_done", run=run, period="2026-10") == 1
    assert 'period="2026-09"' not in text


@time_machine.travel(NOW, tick=False)
def test_a_scrape_reads_the_database_a_bounded_number_of_times(the_month, scrape, django_assert_max_num_queries):
    # The profile (for the period), readings, outbox, payments, runs: however many rows.
    with django_assert_max_num_queries(5):
        scrape()


@time_machine.travel(NOW, tick=False)
def test_the_numbers_are_cached_for_the_next_scrapes(the_month, scrape, settings, django_assert_num_queries):
    settings.METRICS_CACHE_SECONDS = 30
    first = scrape()
    outbox(Channel.EMAIL)
    with django_assert_num_queries(0):
        again = scrape()
    assert value(again, "kabinet_outbox_pending", channel="email") == value(
        first, "kabinet_outbox_pending", channel="email"
    )
    settings.METRICS_CACHE_SECONDS = 0
    assert value(scrape(), "kabinet_outbox_pending", channel="email") == 3


def test_a_failed_periodic_job_is_counted(personas, scrape):
    job = "kabinet.notifications.tasks.send_outbox"
    assert value(scrape(), "kabinet_periodic_job_failures_total", task=job) == 0
    job_failure_alert(job=job, task_id="t-1", exception=RuntimeError("SMTP down"))
    job_failure_alert(job=job, task_id="t-2", exception=RuntimeError("SMTP down"))
    # A task a request started is not a periodic job: mailed to no one, counted nowhere.
    job_failure_alert(job="kabinet.billing.tasks.bill_chunks", task_id="t-3", exception=RuntimeError("x"))
    text = scrape()
    assert value(text, "kabinet_periodic_job_failures_total", task=job) == 2
    assert "bill_chunks" not in text


def test_a_failed_periodic_job_is_counted_from_celerys_failure_signal(personas, scrape):
    """The hook in kabinet/celery.py, run by a real task failure (eager, as on a worker:
    recorded, not raised)."""
    with (
        mock.patch("kabinet.meters.inbound.sms.sms_outbox_send_due", side_effect=RuntimeError("gateway down")),
        mock.patch("kabinet.notifications.services._schedule_send"),
    ):
        assert readings_send_sms.apply(throw=False).failed()
    assert value(scrape(), "kabinet_periodic_job_failures_total", task=readings_send_sms.name) == 1


# --- the Celery queue, read from Redis --------------------------------------------------------


@pytest.fixture
def redis_broker():
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.flushdb()
    saved = app.conf.broker_url
    app.conf.broker_url = REDIS_TEST_URL
    yield client
    app.conf.broker_url = saved
    client.flushdb()
    client.close()


def test_it_reads_the_celery_queue_length_from_redis(personas, scrape, redis_broker):
    redis_broker.rpush("celery", "a", "b", "c")
    redis_broker.rpush("celery\x06\x169", "urgent")  # kombu's key for priority 9
    assert value(scrape(), "kabinet_celery_queue_length", queue="celery") == 4


def test_without_redis_the_scrape_goes_on_without_the_queue(personas, scrape, settings):
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        text = scrape()
    finally:
        app.conf.broker_url = saved
    assert "kabinet_celery_queue_length" not in text
    assert value(text, "kabinet_domain_metrics_up") == 1


def test_the_gauges_are_zero_on_a_quiet_day(personas, scrape):
    text = scrape()
    assert value(text, "kabinet_outbox_pending", channel="email") == 0
    assert value(text, "kabinet_payments_unmatched") == 0
    assert value(text, "kabinet_billing_runs_in_progress") == 0
    readings = [v for (name, _labels), v in samples(text).items() if name == "kabinet_readings"]
    assert len(readings) == len(ReadingSource.values) * len(ReadingStatus.values) and set(readings) == {0}
