"""Bill a period from the command line: `manage.py bill_period 2026-10 [--publish]`.

Safe to re-run: an unfinished run of the period is resumed (its committed chunks are
kept), a finished one is refused. With --processes N on PostgreSQL, N processes take
chunks in parallel (the same SKIP LOCKED claiming Celery workers use)."""

import datetime as dt
import multiprocessing
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from kabinet.billing import services
from kabinet.customers.models import Account


def _work(run_id: int) -> None:
    import django

    django.setup()
    services.billing_run_work(run_id=run_id)


class Command(BaseCommand):
    help = "Bill one period (YYYY-MM): preview it, or issue (and optionally publish) its invoices."

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--preview", action="store_true", help="only show what would be billed")
        parser.add_argument("--account", help="preview one account number")
        parser.add_argument("--publish", action="store_true", help="publish the run once it is issued")
        parser.add_argument("--chunk-size", type=int, default=services.DEFAULT_CHUNK_SIZE)
        parser.add_argument("--processes", type=int, default=1, help="parallel processes (PostgreSQL)")

    def handle(self, *args, **options):
        try:
            period = dt.datetime.strptime(options["period"], "%Y-%m").date()
        except ValueError as exc:
            raise CommandError("period must be YYYY-MM") from exc
        started = time.perf_counter()
        if options["preview"]:
            account = None
            if options["account"]:
                account = Account.objects.filter(number=options["account"]).first()
                if account is None:
                    raise CommandError(f"no account {options['account']}")
            preview = services.billing_preview(period=period, account=account, chunk_size=options["chunk_size"])
            s = preview.summary
            self.stdout.write(f"{period:%Y-%m}: {s['invoices']} invoices, total {s['total']} (VAT {s['vat']})")
            for key, (qty, amount) in sorted(s["services"].items()):
                self.stdout.write(f"  {key}: {qty} → {amount}")
            self.stdout.write(f"  accounts per method: {s['methods']}; anomalies: {s['anomaly_count']}")
            for number, anomaly in s["anomalies"][:20]:
                self.stdout.write(f"  ! {number} {anomaly}")
            return
        try:
            run = services.billing_run_start(period=period, chunk_size=options["chunk_size"])
            processes = options["processes"]
            if processes > 1 and connection.vendor == "postgresql":
                connections.close_all()
                ctx = multiprocessing.get_context("fork")
                workers = [ctx.Process(target=_work, args=(run.pk,)) for _ in range(processes)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                failed = [w.exitcode for w in workers if w.exitcode]
                if failed:
                    raise CommandError(f"a worker failed ({failed}); run the command again to resume")
                run = services.billing_run_finish(run_id=run.pk)
            else:
                run = services.billing_run_work(run_id=run.pk)
            billed = time.perf_counter() - started
            self.stdout.write(f"{period:%Y-%m}: {run.invoice_count} invoices, total {run.total} in {billed:.1f} s")
            if options["publish"]:
                services.billing_run_publish(run=run, actor=None)
                self.stdout.write(f"published in {time.perf_counter() - started - billed:.1f} s")
        except services.ApplicationError as exc:
            raise CommandError(exc.message) from exc
