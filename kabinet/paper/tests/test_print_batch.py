"""The print batch, checked by reading its output back: the PDFs with pypdfium2 (pages,
text, QR codes decoded with zxing-cpp) and the manifest with csv."""

import csv
import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.utils import translation

from kabinet.billing.models import Invoice
from kabinet.billing.receipts import qr_payload
from kabinet.paper import render, services
from kabinet.paper.models import BatchStatus, BundleStatus, PrintBatch, PrintBundle
from kabinet.paper.selectors import paper_recipients
from kabinet.paper.tests.conftest import ROUTE
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.storage import private_storage


def read(name: str) -> bytes:
    with private_storage().open(name, "rb") as fh:
        return fh.read()


def pages_of(content: bytes) -> list[tuple[str, list[str]]]:
    """(text, decoded QR codes) of every page."""
    pdf = pdfium.PdfDocument(content)
    out = []
    for page in pdf:
        text = page.get_textpage().get_text_range()
        image = page.render(scale=2).to_pil()
        codes = [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
        out.append((text, codes))
    return out


def names(paper, invoice_ids) -> list[str]:
    by_account = {account.pk: first for first, account in paper.accounts.items()}
    accounts = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "account_id"))
    return [by_account[accounts[pk]] for pk in invoice_ids]


def test_it_prints_for_accounts_whose_invoice_reaches_no_one_by_e_mail(paper):
    recipients = paper_recipients(run_id=paper.run.pk)

    # Not alice and bob (holders with e-mail); Zane reads meters only, Laura opted out.
    assert sorted(names(paper, [r.invoice_id for r in recipients])) == sorted(ROUTE)


def test_it_prints_every_receipt_in_route_order_with_a_cover_per_building(paper):
    batch = services.print_batch(run=paper.run, actor=paper.personas.carol)

    assert batch.status == BatchStatus.DONE and batch.receipts_done == batch.receipt_count == 7
    bundles = list(batch.bundles.order_by("number"))
    assert [b.address for b in bundles] == [
        "Aka iela 1, Daugavpils",
        "Rīgas iela 5, Daugavpils",
        "Rīgas iela 10, Daugavpils",
    ]
    assert names(paper, [pk for b in bundles for pk in b.invoice_ids]) == ROUTE
    assert (bundles[1].first_flat, bundles[1].last_flat) == ("1a", "11")


def test_the_pdf_reads_back_as_covers_and_receipts_with_their_payment_qr_codes(paper):
    batch = services.print_batch(run=paper.run)
    bundle = batch.bundles.get(number=2)  # Rīgas iela 5: five receipts

    pages = pages_of(read(bundle.file.name))

    assert len(pages) == bundle.page_count == 1 + sum(row[6] for row in bundle.rows)
    cover, _ = pages[0]
    for expected in ("Rīgas iela 5, Daugavpils", "2", "3", "5", "1a–11"):
        assert expected in cover, expected
    profile = UtilityProfile.get()
    invoices = Invoice.objects.select_related("account").in_bulk(bundle.invoice_ids)
    receipt_pages = [p for p in pages[1:] if p[1]]  # each receipt's page with its QR code
    assert len(receipt_pages) == 5
    for pk, (text, codes) in zip(bundle.invoice_ids, receipt_pages, strict=True):
        invoice = invoices[pk]
        assert invoice.account.number in text and invoice.number in text
        assert codes == [qr_payload(invoice, profile)]


def test_each_customer_reads_the_receipt_in_their_language(paper):
    batch = services.print_batch(run=paper.run)
    bundle = batch.bundles.get(number=2)
    pages = pages_of(read(bundle.file.name))

    janis = pages[1][0]  # flat 1a, a Russian speaker
    marta = pages[2][0]
    assert "Плательщик" in janis or "Счёт" in janis or "Счет" in janis
    assert "Maksātājs" in marta or "Rēķins" in marta


def test_the_manifest_reads_back_with_one_row_per_receipt_in_route_order(paper):
    batch = services.print_batch(run=paper.run)

    content = read(batch.manifest.name).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content)))

    assert len(header) == 7
    assert [(row[0], row[1]) for row in rows] == [
        ("1", "1"),
        ("2", "1"),
        ("2", "2"),
        ("2", "3"),
        ("2", "4"),
        ("2", "5"),
        ("3", "1"),
    ]
    numbers = {account.number: first for first, account in paper.accounts.items()}
    assert [numbers[row[2]] for row in rows] == ROUTE
    marta = next(row for row in rows if numbers[row[2]] == "Marta")
    invoice = Invoice.objects.get(run=paper.run, account=paper.accounts["Marta"])
    assert marta[3:6] == ["Marta Ozola", "Rīgas iela 5-2, Daugavpils", f"{invoice.amount_due:.2f}"]
    covers = batch.bundle_count
    assert sum(int(row[6]) for row in rows) + covers == batch.page_count


def test_the_manifest_is_headed_in_the_utilitys_language(paper):
    batch = services.print_batch(run=paper.run)
    header = read(batch.manifest.name).decode("utf-8-sig").splitlines()[0]
    with translation.override("lv"):
        assert header.split(",")[0] == translation.gettext("Bundle")


def test_it_resumes_after_a_failure_without_printing_a_bundle_twice(paper, monkeypatch):
    original = render.bundle_render
    rendered = []

    def crash_on_the_second(**kwargs):
        if len(rendered) == 1:
            raise RuntimeError("the worker died")
        rendered.append(kwargs["cover"]["number"])
        return original(**kwargs)

    monkeypatch.setattr(render, "bundle_render", crash_on_the_second)
    with pytest.raises(RuntimeError):
        services.print_batch(run=paper.run)

    batch = PrintBatch.objects.get(run=paper.run)
    assert batch.status == BatchStatus.RUNNING and batch.receipts_done == 1
    assert list(batch.bundles.order_by("number").values_list("status", flat=True)) == ["done", "pending", "pending"]

    monkeypatch.setattr(render, "bundle_render", lambda **kw: rendered.append(kw["cover"]["number"]) or original(**kw))
    again = services.print_batch(run=paper.run)

    assert again.pk == batch.pk and again.status == BatchStatus.DONE
    assert rendered == [1, 2, 3]  # bundle 1 once, before the crash
    assert again.receipts_done == 7
    rows = list(csv.reader(io.StringIO(read(again.manifest.name).decode("utf-8-sig"))))[1:]
    assert len(rows) == 7


def test_starting_twice_makes_one_batch(paper):
    first = services.print_batch_start(run=paper.run)
    second = services.print_batch_start(run=paper.run)
    done = services.print_batch(run=paper.run)

    assert first.pk == second.pk == done.pk
    assert PrintBatch.objects.count() == 1 and PrintBundle.objects.count() == 3
    assert services.print_batch(run=paper.run).pk == first.pk  # done: nothing is printed again
    assert not PrintBundle.objects.exclude(status=BundleStatus.DONE).exists()


def test_it_refuses_a_run_that_is_not_published(personas):
    from kabinet.billing.services import billing_run

    run = billing_run(period=__import__("datetime").date(2026, 10, 1))

    with pytest.raises(ApplicationError) as error:
        services.print_batch(run=run)
    assert error.value.code == "run_not_published"
    assert not PrintBatch.objects.exists()


def test_with_workers_it_sends_the_bundles_to_the_task_by_name(paper, settings, monkeypatch):
    from types import SimpleNamespace

    from kabinet.celery import app

    sent = []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.PAPER_WORKERS = 2
    monkeypatch.setattr(services, "connection", SimpleNamespace(vendor="postgresql"))
    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: sent.append((name, args)))

    batch = services.print_batch(run=paper.run)

    assert batch.status == BatchStatus.RUNNING and batch.receipts_done == 0
    assert sent == [(services.PRINT_BUNDLES_TASK, [batch.pk])] * 2
    app.loader.import_default_modules()
    assert services.PRINT_BUNDLES_TASK in app.tasks
