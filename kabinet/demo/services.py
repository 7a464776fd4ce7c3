"""Building the demo utility: a year of consistent history.

The seed simulates each account's readings month by month in memory and writes them in
bulk; then it bills each month with the billing engine and publishes the run as the
utility's staff would (billing_run_start/work/publish), so every invoice, its lines and
their details are exactly what the engine writes, and invoice numbers come from
InvoiceCounter without gaps per year. Between two runs the customers pay: every payment
posts exactly one ledger entry (balance = sum of the ledger). A fixed random seed makes
two runs produce the same data.
"""

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from kabinet.billing.models import AccountBalance
from kabinet.demo import constants as c
from kabinet.demo.builder import DemoBuilder
from kabinet.utility.models import _profile_cache


@transaction.atomic
def demo_seed(*, preset: str = c.DEFAULT_PRESET, accounts: int = 200, random_seed: int = 1, today=None) -> dict:
    """Build the demo utility in an empty database; returns how many rows of each kind."""
    builder = DemoBuilder(
        preset=preset, accounts=accounts, random_seed=random_seed, today=today or timezone.localdate()
    )
    return builder.run()


# What the seed writes. Reference data that other apps' migrations install (service
# request categories…) is kept unless it points at one of these.
SEEDED_MODELS = [
    "utility.UtilityProfile",
    "utility.Service",
    "utility.Event",
    "notifications.OutboxMessage",
    "customers.Customer",
    "customers.Building",
    "customers.Premises",
    "customers.Account",
    "customers.User",
    "meters.Meter",
    "meters.Reading",
    "billing.Tariff",
    "billing.Norm",
    "billing.KeyRate",
    "billing.Subscription",
    "billing.BillingRun",
    "billing.InvoiceCounter",
    "billing.Invoice",
    "billing.LedgerEntry",
    "payments.Payment",
    "news.News",
    "news.Outage",
]


def _domain_models() -> list[type[models.Model]]:
    """The seeded models and every model that points at one of them, directly or not
    (invoice lines, portal access, service requests, the admin log…)."""
    every = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    chosen = {apps.get_model(label) for label in SEEDED_MODELS}
    while True:
        more = {m for m in every if m not in chosen and any(t in chosen for t in _targets(m))}
        if not more:
            return sorted(chosen, key=lambda m: m._meta.label)
        chosen |= more


def _targets(model: type[models.Model]) -> set[type[models.Model]]:
    return {
        f.related_model
        for f in model._meta.get_fields()
        if (f.many_to_one or f.one_to_one) and f.concrete and f.related_model is not model
    }


def _delete_order(model_list: list[type[models.Model]]) -> list[type[models.Model]]:
    """Models ordered so that each comes before the models it points to."""
    remaining = list(model_list)
    ordered = []
    while remaining:
        pointed_at = set().union(*(_targets(m) for m in remaining))
        free = [m for m in remaining if m not in pointed_at] or remaining[:1]
        for m in free:
            ordered.append(m)
            remaining.remove(m)
    return ordered


@transaction.atomic
def demo_data_delete() -> None:
    """Delete every row of the domain tables, dependants first: one DELETE per table (the
    ORM's collector would load every row). Foreign keys are checked at commit, so rows
    pointing at rows of their own table go in the same statement."""
    with connection.cursor() as cursor:
        for model in _delete_order(_domain_models()):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        # The ledger's triggers keep AccountBalance: deleting the ledger after it wrote its
        # rows again (kabinet/billing/balances.py). Once more, now that the ledger is empty.
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(AccountBalance._meta.db_table)}")
    _profile_cache.clear()  # the deleted profile must not be served from the cache
