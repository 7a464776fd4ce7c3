"""Building the demo utility: a year of consistent history, written in bulk.

The seed simulates each account month by month (readings → invoice → payment) in
memory, then writes every table with bulk_create inside one transaction. It keeps the
invariants the services keep: invoice lines are rounded one by one and totals are sums
of rounded lines (the same arithmetic as billing.services.invoice_create), every invoice
and payment posts exactly one ledger entry (balance = sum of the ledger), invoice numbers
come from InvoiceCounter without gaps per year, one current reading per meter and period.
A fixed random seed makes two runs produce the same data.
"""

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from kabinet.demo import constants as c
from kabinet.demo.builder import DemoBuilder


@transaction.atomic
def demo_seed(*, preset: str = c.DEFAULT_PRESET, accounts: int = 200, random_seed: int = 1, today=None) -> dict:
    """Build the demo utility in an empty database; returns how many rows of each kind."""
    builder = DemoBuilder(
        preset=preset, accounts=accounts, random_seed=random_seed, today=today or timezone.localdate()
    )
    return builder.run()


def _kabinet_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("kabinet.") and not m._meta.proxy]


def _delete_order(model_list: list[type[models.Model]]) -> list[type[models.Model]]:
    """Models ordered so that each comes before the models it points to."""
    remaining = list(model_list)
    ordered = []
    while remaining:
        targets = {
            f.related_model
            for m in remaining
            for f in m._meta.get_fields()
            if f.many_to_one or f.one_to_one
            if f.concrete and f.related_model is not m
        }
        free = [m for m in remaining if m not in targets] or remaining[:1]
        for m in free:
            ordered.append(m)
            remaining.remove(m)
    return ordered


@transaction.atomic
def demo_data_delete() -> None:
    """Delete every row of the project's own tables (all of the domain data), dependants first."""
    for model in _delete_order(_kabinet_models()):
        self_refs = [
            f.name
            for f in model._meta.get_fields()
            if (f.many_to_one or f.one_to_one) and f.concrete and f.related_model is model
        ]
        if self_refs:
            model.objects.update(**{name: None for name in self_refs})
        model.objects.all().delete()
