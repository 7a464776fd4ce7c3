import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kabinet.demo import constants as c
from kabinet.demo.builder import MIN_ACCOUNTS
from kabinet.demo.selectors import demo_summary
from kabinet.demo.services import demo_data_delete, demo_seed
from kabinet.utility.models import UtilityProfile


class Command(BaseCommand):
    help = (
        "Build the demo utility with a year of history: --preset lv (Latvian housing utility, the default) "
        "or ru (Russian water utility). Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=c.PRESETS, default=c.DEFAULT_PRESET)
        parser.add_argument("--accounts", type=int, default=200, help="number of accounts (default 200)")
        parser.add_argument("--random-seed", type=int, default=1, help="the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if a utility already exists")
        parser.add_argument("--force", action="store_true", help="delete all domain data first, then seed")
        parser.add_argument("--json", action="store_true", help="print only the demo logins as JSON")
        parser.add_argument("--logins", action="store_true", help="only print the demo logins of this database")
        parser.add_argument("--url", default=settings.SITE_URL, help="the address printed with the logins")

    def handle(self, *args, **opts):
        if opts["logins"]:
            self.print_logins(opts["url"].rstrip("/"), as_json=opts["json"])
            return
        if opts["accounts"] < MIN_ACCOUNTS:
            raise CommandError(f"--accounts must be at least {MIN_ACCOUNTS}.")
        exists = UtilityProfile.objects.exists()
        if exists and opts["if_empty"] and not opts["force"]:
            if opts["json"]:
                self.print_logins(opts["url"], as_json=True)
            else:
                self.stdout.write("The database already has a utility: nothing to do (--if-empty).")
            return
        if exists and not opts["force"]:
            raise CommandError("The database already has a utility. Use --force to replace all its data.")
        started = time.perf_counter()
        with transaction.atomic():
            if opts["force"]:
                demo_data_delete()
            counts = demo_seed(preset=opts["preset"], accounts=opts["accounts"], random_seed=opts["random_seed"])
        elapsed = time.perf_counter() - started
        if opts["json"]:
            self.print_logins(opts["url"], as_json=True)
            return
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo utility ({opts['preset']}) built in {elapsed:.1f} s: {summary}."))
        self.print_logins(opts["url"].rstrip("/"), as_json=False)

    def print_logins(self, url: str, *, as_json: bool) -> None:
        summary = demo_summary()
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        if summary is None:
            self.stdout.write("This database holds no demo: run `manage.py seed_demo` first.")
            return
        alice, bob = summary["customers"]
        carol = next((s for s in summary["staff"] if s["role"] == "superuser"), None)
        line = f"Open {url} — customer: {alice['login']} / {alice['password']}"
        if carol:
            line += f" — back office: {url}/office/ {carol['username']} / {carol['password']}"
        self.stdout.write(self.style.SUCCESS(line))
        self.stdout.write(f"Utility: {summary['utility']} (preset {summary['preset']})")
        for customer in summary["customers"]:
            also = f"or {customer['email']}; " if customer["email"] != customer["login"] else ""
            self.stdout.write(
                f"  customer {customer['name']}: {customer['login']} / {customer['password']}"
                f" ({also}client code {customer['client_code']}; accounts {', '.join(customer['accounts'])})"
            )
        for staff in summary["staff"]:
            self.stdout.write(f"  staff ({staff['role']}): {staff['username']} / {staff['password']}")
        new = summary["unregistered"]
        if new:
            self.stdout.write(
                f"  not yet registered: {new['first_name']} {new['last_name']}, client code {new['client_code']},"
                f" account {new['account_number']}, last invoice {new['last_invoice_number']}"
                f" ({new['last_invoice_amount']}); register with {new['email']}"
            )
