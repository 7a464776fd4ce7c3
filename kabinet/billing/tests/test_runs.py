"""Billing runs: drafts, publication with gapless numbers, cancellation, resuming a
killed run, the invoice day and the e-mail."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from kabinet.billing import runs
from kabinet.billing.models import BillingChunk, BillingRun, Invoice, InvoiceCounter, LedgerEntry, RunStatus
from kabinet.billing.selectors import visible_invoices
from kabinet.billing.services import (
    billing_preview,
    billing_run,
    billing_run_cancel,
    billing_run_publish,
)
from kabinet.billing.tests.factories import reading, tariff
from kabinet.customers.models import MailPreference
from kabinet.notifications.models import OutboxMessage
from kabinet.utility.exceptions import ApplicationError

D = Decimal
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def lv(personas):
    p = personas
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    for meter, before, now in (
        (p.alice_cold, "100.0", "110.0"),
        (p.alice_hot, "50.0", "52.0"),
        (p.bob_cold, "7.0", "9.5"),
    ):
        reading(meter, SEP, before)
        reading(meter, OCT, now)
    return p


def snapshot():
    return sorted(
        (
            inv.account_id,
            inv.total,
            inv.amount_due,
            tuple((ln.service_id, ln.method, ln.quantity, ln.total) for ln in inv.lines.order_by("id")),
        )
        for inv in Invoice.objects.prefetch_related("lines")
    )


def test_it_writes_unnumbered_drafts_that_customers_do_not_see(lv):
    run = billing_run(period=OCT, actor=lv.carol)

    assert run.status == RunStatus.DRAFT
    assert run.invoice_count == 2
    assert set(Invoice.objects.values_list("status", "number")) == {("draft", None)}
    assert not visible_invoices(lv.alice_account.pk, dt.date(2026, 12, 1)).exists()
    assert not LedgerEntry.objects.exists()


def test_it_numbers_invoices_without_gaps_when_publishing(lv):
    run = billing_run(period=OCT, actor=lv.carol)

    billing_run_publish(run=run, actor=lv.carol)

    numbers = list(Invoice.objects.order_by("account_id").values_list("number", flat=True))
    assert numbers == ["2026-000001", "2026-000002"]
    assert InvoiceCounter.objects.get(year=2026).last == 2
    assert LedgerEntry.objects.filter(kind="invoice").count() == 2
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED


def test_it_cancels_a_run_before_publication_without_using_numbers(lv):
    run = billing_run(period=OCT, actor=lv.carol)

    billing_run_cancel(run=run, actor=lv.carol)

    assert not Invoice.objects.exists()
    assert not InvoiceCounter.objects.filter(last__gt=0).exists()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    again = billing_run(period=OCT, actor=lv.carol)
    billing_run_publish(run=again, actor=lv.carol)
    assert sorted(Invoice.objects.values_list("seq", flat=True)) == [1, 2]


def test_it_refuses_to_cancel_a_published_run_or_bill_a_period_twice(lv):
    run = billing_run(period=OCT, actor=lv.carol)
    billing_run_publish(run=run, actor=lv.carol)
    before = snapshot()

    with pytest.raises(ApplicationError):
        billing_run_cancel(run=run, actor=lv.carol)
    with pytest.raises(ApplicationError):
        billing_run(period=OCT, actor=lv.carol)
    with pytest.raises(ApplicationError):
        billing_run_publish(run=run, actor=lv.carol)

    assert snapshot() == before


def test_it_resumes_a_killed_run_with_exactly_the_invoices_of_an_uninterrupted_one(lv, monkeypatch):
    expected = billing_preview(period=OCT)
    real_write = runs.drafts_write
    calls = []

    def dying_write(ctx, drafts, **options):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("killed")  # the process dies in the middle of the second chunk
        real_write(ctx, drafts, **options)

    monkeypatch.setattr(runs, "drafts_write", dying_write)
    with pytest.raises(SystemExit):
        billing_run(period=OCT, actor=lv.carol, chunk_size=1)
    run = BillingRun.objects.get(period=OCT)
    assert run.status == RunStatus.RUNNING
    assert BillingChunk.objects.filter(run=run, status="done").count() == 1
    assert Invoice.objects.count() == 1

    monkeypatch.setattr(runs, "drafts_write", real_write)
    resumed = billing_run(period=OCT, actor=lv.carol, chunk_size=1)

    assert resumed.pk == run.pk
    assert resumed.status == RunStatus.DRAFT
    assert Invoice.objects.count() == expected.summary["invoices"] == 2
    assert resumed.total == D(expected.summary["total"])
    assert sorted(Invoice.objects.values_list("account_id", flat=True)) == sorted(
        {lv.alice_account.pk, lv.bob_account.pk}
    )


def test_it_shows_invoices_and_mails_customers_from_the_invoice_day(lv):
    MailPreference.objects.create(user=lv.bob, kind="invoice", enabled=False)
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)):
        run = billing_run(period=OCT, actor=lv.carol)
        billing_run_publish(run=run, actor=lv.carol)
        assert not visible_invoices(lv.alice_account.pk, dt.date(2026, 11, 3)).exists()

    messages = list(OutboxMessage.objects.all())
    assert [m.to for m in messages] == ["alice@example.com"]  # bob opted out
    [mail] = messages
    assert mail.kind == "invoice"
    assert "2026-000001" in mail.subject
    assert "/invoices/" in mail.body_text
    assert mail.next_attempt_at == dt.datetime(2026, 11, 10, 6, 0, tzinfo=dt.UTC)  # 08:00 in Riga
    assert visible_invoices(lv.alice_account.pk, dt.date(2026, 11, 10)).count() == 1


def test_it_records_the_summary_for_staff(lv):
    run = billing_run(period=OCT, actor=lv.carol)

    summary = run.summary
    assert summary["invoices"] == 2
    assert summary["methods"]["metered"] == 2
    assert summary["services"]["cold_water:metered"] == ["12.5", "18.15"]
    assert summary["services"]["hot_water:metered"] == ["2", "10.89"]
    assert D(summary["total"]) == run.total == D("29.04")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path")
def test_it_writes_with_copy_on_postgresql(lv):
    run = billing_run(period=OCT, actor=lv.carol)
    assert Invoice.objects.filter(run=run).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger-free COPY is PostgreSQL's")
def test_it_bills_the_same_whether_or_not_the_role_may_skip_foreign_key_triggers(lv, monkeypatch):
    from kabinet.lib import bulk

    monkeypatch.setattr(bulk, "triggers_can_be_skipped", lambda: False)
    billing_run(period=OCT, actor=lv.carol)
    with_triggers = snapshot()
    Invoice.objects.all().delete()
    BillingRun.objects.all().delete()
    monkeypatch.undo()
    assert bulk.triggers_can_be_skipped()  # the test database's role is a superuser

    billing_run(period=OCT, actor=lv.carol)

    assert snapshot() == with_triggers
    assert len(with_triggers) == 2


def test_it_lets_workers_share_the_chunks_of_a_run(lv):
    from kabinet.billing.services import billing_chunk_process, billing_run_start
    from kabinet.billing.tasks import billing_run_chunks

    run = billing_run_start(period=OCT, actor=lv.carol, chunk_size=1)
    assert billing_chunk_process(run_id=run.pk)  # one worker takes the first chunk

    billing_run_chunks(run.pk)  # a Celery worker takes the rest and closes the run

    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT
    assert run.invoice_count == 2
    assert not billing_chunk_process(run_id=run.pk)  # nothing left to claim


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_it_bills_each_chunk_once_with_parallel_workers(personas):
    import threading

    from django.db import connections

    from kabinet.billing.services import billing_run_start, billing_run_work
    from kabinet.billing.tests.factories import subscribe
    from kabinet.test import make_account, make_customer
    from kabinet.utility.models import Basis, Service

    upkeep = Service.objects.create(
        code="upkeep",
        name_lv="Apsaimniekošana",
        name_ru="Содержание",
        name_en="Upkeep",
        unit="month",
        basis=Basis.FIXED,
        vat_rate=21,
    )
    tariff(upkeep, "5.00")
    customer = make_customer("30003", "Cits", "Klients")
    for n in range(40):
        subscribe(make_account(customer, f"{300000 + n}", "Parka iela", "1", str(n)), upkeep)
    run = billing_run_start(period=OCT, chunk_size=3)
    errors = []

    def worker():
        try:
            billing_run_work(run_id=run.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT
    assert BillingChunk.objects.filter(run=run, status="done").count() == BillingChunk.objects.filter(run=run).count()
    # Every subscribed account once (alice and bob have nothing billable here).
    accounts = list(Invoice.objects.filter(run=run).values_list("account_id", flat=True))
    assert len(accounts) == len(set(accounts)) == run.invoice_count == 40
    assert run.total == D("242.00")  # 40 × (5.00 + 1.05 VAT)


def test_line_details_are_written_as_json_dumps_writes_them():
    details = {
        "meters": [{"meter": 7, "serial": 'ŪDENS-1 "ē" \\ ☃', "prev": "1.000", "prev_period": "09.2026", "v": "2"}],
        "of": ["cold_water"],
        "residents": 3,
        "coefficient": None,
        "late": True,
    }
    assert runs.details_dumps(details) == json.dumps(details)
