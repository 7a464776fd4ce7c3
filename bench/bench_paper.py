"""Paper receipts benchmark: a billing run's receipts rendered for the post.

Seeds N issued invoices (three lines each, two meters, buildings of 60 flats, no logins:
every one gets paper) in a PostgreSQL database of its own, then measures in the same run:

  single   the portal's one-receipt PDF (billing.receipts.receipt_pdf), one per document
  batched  the print batch (kabinet.paper): one WeasyPrint document per bundle, in one
           process, then the rest of the batch with two worker processes (SKIP LOCKED)
  profile  where a bundle's time goes (cProfile, once)
  reportlab  the same receipt content drawn with ReportLab's canvas, many per document:
           the other renderer, for comparison only (no layout engine, no HTML template)

and projects 100,000 receipts on 2 cores against the 15-minute target.

    python -m bench bench_paper
    BENCH_PAPER_N=4000 python -m bench bench_paper
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import subprocess
import sys
import time
from decimal import Decimal

from bench.common import PG_URL, ROOT, manage, pg_recreate, record

N = int(os.environ.get("BENCH_PAPER_N", "2000"))
FLATS = 60  # per building: a bundle each
TARGET_RECEIPTS, TARGET_SECONDS, PROCESSES = 100_000, 15 * 60, 2
BENCH_PG_URL = PG_URL.rsplit("/", 1)[0] + "/kabinet_paper_bench"
PERIOD = dt.date(2026, 10, 1)


def main() -> None:
    subprocess.run([sys.executable, "-m", "bench.bench_paper", "run", str(N)], cwd=ROOT, check=True)


def _django(create: bool) -> None:
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["DATABASE_URL"] = BENCH_PG_URL
    os.environ["PRIVATE_MEDIA_ROOT"] = str(ROOT / "var" / "bench" / "paper")
    if create:
        pg_recreate(BENCH_PG_URL)
        manage("migrate", "--noinput", "-v0", database_url=BENCH_PG_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # the receipt CSS's @media warnings
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _seed(n: int):
    from kabinet.billing.models import BillingRun, Invoice, InvoiceLine, RunStatus
    from kabinet.customers.models import Account, Building, Customer, Premises
    from kabinet.test import make_services, make_utility

    make_utility("lv")
    services = make_services("lv")
    D = Decimal
    buildings = Building.objects.bulk_create(
        [Building(city="Daugavpils", street=f"Iela {b}", house=str(b)) for b in range(1, n // FLATS + 2)]
    )
    customers = Customer.objects.bulk_create(
        [Customer(client_code=f"{i:05d}", first_name="Vārds", last_name=f"Uzvārds {i}") for i in range(1, n + 1)],
        batch_size=5000,
    )
    premises = Premises.objects.bulk_create(
        [Premises(building=buildings[i // FLATS], apartment=str(FLATS - i % FLATS)) for i in range(n)], batch_size=5000
    )
    accounts = Account.objects.bulk_create(
        [
            Account(number=f"{i + 1:08d}", customer=customers[i], premises=premises[i], opened_on=dt.date(2020, 1, 1))
            for i in range(n)
        ],
        batch_size=5000,
    )
    run = BillingRun.objects.create(
        period=PERIOD,
        status=RunStatus.PUBLISHED,
        issued_on=dt.date(2026, 11, 10),
        due_on=dt.date(2026, 11, 25),
        published=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        invoice_count=n,
    )
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                account=a,
                period=PERIOD,
                run=run,
                year=2026,
                seq=i + 1,
                number=f"2026-{i + 1:06d}",
                issued_on=run.issued_on,
                due_on=run.due_on,
                previous_balance=D("12.30"),
                payments_received=D("12.30"),
                total=D("37.15"),
                vat_total=D("6.45"),
                amount_due=D("37.15"),
            )
            for i, a in enumerate(accounts)
        ],
        batch_size=5000,
    )
    lines = []
    for invoice in invoices:
        for service, serial, prev, cur, price in (
            (services["cold_water"], "CW", "100.0", "112.5", D("1.20")),
            (services["hot_water"], "HW", "50.0", "53.2", D("4.50")),
        ):
            volume = D(cur) - D(prev)
            amount = (volume * price).quantize(D("0.01"))
            vat = (amount * D("0.21")).quantize(D("0.01"))
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    service=service,
                    method="metered",
                    quantity=volume,
                    unit="m3",
                    price=price,
                    amount=amount,
                    vat_rate=D("21"),
                    vat=vat,
                    total=amount + vat,
                    details={
                        "meters": [{"serial": f"{serial}-{invoice.pk}", "prev": prev, "cur": cur, "v": str(volume)}]
                    },
                )
            )
    InvoiceLine.objects.bulk_create(lines, batch_size=5000)
    return run


def _single(n: int) -> tuple[float, float]:
    """The portal's path: one invoice, its queries and one document per receipt."""
    from kabinet.billing.models import Invoice
    from kabinet.billing.receipts import receipt_pdf

    ids = list(Invoice.objects.order_by("id").values_list("id", flat=True)[:n])
    receipt_pdf(Invoice.objects.get(pk=ids[0]))  # fonts and templates loaded before timing
    started, cpu = time.perf_counter(), time.process_time()
    for pk in ids:
        receipt_pdf(Invoice.objects.select_related("account__customer", "account__premises__building").get(pk=pk))
    return n / (time.perf_counter() - started), n / (time.process_time() - cpu)


def _worker(batch_id: int) -> None:
    _django(create=False)
    from kabinet.paper.services import print_batch_work

    print_batch_work(batch_id=batch_id)


def _profile_bundle(batch_id: int) -> list[tuple[str, float]]:
    """cProfile of rendering one bundle again (not saved): seconds per part of WeasyPrint."""
    from kabinet.paper import render, selectors
    from kabinet.paper.models import PrintBundle
    from kabinet.utility.models import UtilityProfile

    bundle = PrintBundle.objects.filter(batch_id=batch_id).order_by("number").first()
    invoices = selectors.invoices_for_print(bundle.invoice_ids)
    cover = {"number": 1, "bundle_count": 1, "address": bundle.address, "count": len(invoices), "period": PERIOD}
    languages = UtilityProfile.get().language_codes
    profiler = cProfile.Profile()
    profiler.enable()
    render.bundle_render(cover=cover, invoices=invoices, languages=languages)
    profiler.disable()
    stats = pstats.Stats(profiler)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(out.getvalue(), flush=True)
    parts = {
        "django templates + receipt context": ("django/", "kabinet/"),
        "QR codes (segno, PNG)": ("segno", "PIL", "zlib"),
        "CSS cascade and computed styles": ("weasyprint/css", "cssselect2", "tinycss2"),
        "layout (boxes, lines, text)": ("weasyprint/layout", "weasyprint/formatting_structure", "weasyprint/text"),
        "PDF drawing and writing (pydyf, fonts)": ("weasyprint/pdf", "weasyprint/draw", "pydyf", "fontTools"),
        "HTML parsing": ("tinyhtml5",),
    }
    seconds = dict.fromkeys(parts, 0.0)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        for part, markers in parts.items():
            if any(m in filename for m in markers):
                seconds[part] += tottime
                break
    seconds["other (Pango and HarfBuzz through cffi, built-ins)"] = total - sum(seconds.values())
    return [(part, s / total) for part, s in seconds.items()]


def _reportlab(n: int) -> float:
    """The same content per receipt, drawn with ReportLab's canvas, 60 to a document:
    receipts per CPU second."""
    import segno
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from kabinet.billing.models import Invoice
    from kabinet.billing.receipts import qr_payload
    from kabinet.paper import selectors
    from kabinet.utility.models import UtilityProfile

    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
    profile = UtilityProfile.get()
    ids = list(Invoice.objects.order_by("id").values_list("id", flat=True)[:n])
    cpu = time.process_time()
    pages = 0
    for at in range(0, n, FLATS):
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=A4)
        for invoice in selectors.invoices_for_print(ids[at : at + FLATS]):
            top = A4[1] - 15 * mm
            c.setFont("DejaVu-Bold", 11)
            c.drawString(15 * mm, top, profile.legal_name or profile.name)
            c.drawRightString(A4[0] - 15 * mm, top, f"Rēķins № {invoice.number}")
            c.setFont("DejaVu", 9)
            for k, text in enumerate(
                (
                    f"IBAN {profile.iban} · BIC {profile.bic} · {profile.bank_name}",
                    f"Maksātājs: {invoice.account.customer.display_name}",
                    f"Adrese: {invoice.account.premises.address}",
                    f"Konta numurs: {invoice.account.number}",
                )
            ):
                c.drawString(15 * mm, top - (6 + 5 * k) * mm, text)
            y = top - 35 * mm
            for line in invoice.lines.all():
                c.drawString(15 * mm, y, f"{line.service.name} ({line.details['meters'][0]['serial']})")
                for x, value in ((120, line.quantity), (145, line.amount), (165, line.vat), (190, line.total)):
                    c.drawRightString(x * mm, y, f"{value:.2f}")
                y -= 6 * mm
            c.setFont("DejaVu-Bold", 10)
            c.drawString(15 * mm, y - 6 * mm, f"Kopā apmaksai: {invoice.amount_due:.2f} EUR")
            png = io.BytesIO()
            segno.make(qr_payload(invoice, profile), error="m").save(png, kind="png", scale=6, border=4)
            png.seek(0)
            c.drawImage(ImageReader(png), A4[0] - 60 * mm, y - 50 * mm, 45 * mm, 45 * mm)
            c.showPage()
            pages += 1
        c.save()
    return n / (time.process_time() - cpu)


def run(n: int) -> None:
    _django(create=True)
    from kabinet.paper.models import PrintBatch
    from kabinet.paper.services import print_batch_start, print_bundle_process

    started = time.perf_counter()
    batch_run = _seed(n)
    print(f"seeded {n:,} invoices in {time.perf_counter() - started:.1f} s", flush=True)

    # The machines are shared: wall-clock rates swing with the neighbours' load, so each
    # figure is also taken per CPU second of the rendering processes (PostgreSQL's share is
    # a few small queries per bundle). The projection on 2 dedicated cores uses the latter.
    single, single_cpu = _single(max(20, n // 40))
    record("paper: single receipt per document", single, "receipts/s", extra={"per_cpu_s": round(single_cpu, 2)})

    batch = print_batch_start(run=batch_run, bundle_size=FLATS)
    assert batch.receipt_count == n, batch.receipt_count
    started, cpu = time.perf_counter(), time.process_time()
    while print_bundle_process(batch_id=batch.pk):
        batch.refresh_from_db()
        if batch.receipts_done >= n // 3:
            break
    one_process = batch.receipts_done / (time.perf_counter() - started)
    one_cpu = batch.receipts_done / (time.process_time() - cpu)
    record(
        "paper: batched, 1 process",
        one_process,
        "receipts/s",
        ceiling=single,
        extra={"per_cpu_s": round(one_cpu, 2), "note": "ceiling = the single-receipt render in the same run"},
    )
    print(f"  per CPU second: single {single_cpu:.1f}, batched {one_cpu:.1f} ({one_cpu / single_cpu:.1f}x)")

    done_before = batch.receipts_done
    started = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = [
        subprocess.Popen([sys.executable, "-m", "bench.bench_paper", "worker", str(batch.pk)], cwd=ROOT)
        for _n in range(PROCESSES)
    ]
    for worker in workers:
        if worker.wait():
            raise SystemExit("a worker failed")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    two_processes = (n - done_before) / wall
    batch = PrintBatch.objects.get(pk=batch.pk)
    assert batch.status == "done" and batch.receipts_done == n, (batch.status, batch.receipts_done)
    # Two workers, each on a core of its own: twice the receipts per CPU second of one.
    dedicated = PROCESSES * (n - done_before) / workers_cpu
    projection = TARGET_RECEIPTS / dedicated
    record(
        f"paper: batched, {PROCESSES} processes",
        two_processes,
        "receipts/s",
        ceiling=single,
        target=f"{TARGET_RECEIPTS:,} in {TARGET_SECONDS} s = {TARGET_RECEIPTS / TARGET_SECONDS:.0f}/s on 2 cores",
        extra={
            "per_cpu_s_each": round(dedicated / PROCESSES, 2),
            "projection_100k_s": round(projection),
            "projection_100k_s_wall_as_measured": round(TARGET_RECEIPTS / two_processes),
            "pages": batch.page_count,
        },
    )
    verdict = "met" if projection <= TARGET_SECONDS else f"NOT met, {projection / TARGET_SECONDS:.1f}x too slow"
    print(
        f"projection: {TARGET_RECEIPTS:,} receipts in {projection / 60:.1f} min on {PROCESSES} dedicated cores"
        f" ({dedicated:.1f} receipts/s; target 15 min = {TARGET_RECEIPTS / TARGET_SECONDS:.0f}/s: {verdict});"
        f" at the wall-clock rate measured here: {TARGET_RECEIPTS / two_processes / 60:.0f} min",
        flush=True,
    )

    print("\nwhere a bundle's time goes (cProfile, tottime):", flush=True)
    for part, share in _profile_bundle(batch.pk):
        print(f"  {share:6.1%}  {part}", flush=True)

    rl_cpu = _reportlab(max(FLATS, n // 4))
    rl_projection = TARGET_RECEIPTS / (PROCESSES * rl_cpu)
    record(
        "paper: ReportLab canvas, per CPU second (comparison)",
        rl_cpu,
        "receipts/s",
        ceiling=one_cpu,
        extra={
            "note": "ceiling = WeasyPrint batched per CPU second, same run",
            "projection_100k_s": round(rl_projection),
        },
    )
    print(f"ReportLab projection: {TARGET_RECEIPTS:,} receipts in {rl_projection / 60:.1f} min on 2 dedicated cores")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(int(sys.argv[2]))
    elif sys.argv[1] == "worker":
        _worker(int(sys.argv[2]))
