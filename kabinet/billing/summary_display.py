"""A run's summary as staff read it: the stored summary keys services and methods by code
("cold_water:metered"); the preview page and the run's page show names and labels."""

from dataclasses import dataclass
from decimal import Decimal

from kabinet.billing.models import LineKind, Method
from kabinet.utility.models import Service


@dataclass(frozen=True)
class ServiceRow:
    service: str
    method: str
    quantity: Decimal
    total: Decimal


def method_label(code: str) -> str:
    """ "metered" → "by meter reading"; a line kind (correction, penalty) → its label."""
    for choices in (Method, LineKind):
        try:
            return str(choices(code).label)
        except ValueError:
            continue
    return code


def summary_service_rows(summary: dict) -> list[ServiceRow]:
    """One row per service and method (or correction/penalty), in the services' order."""
    services = {s.code: s for s in Service.objects.all()}
    rows = []
    for key, (quantity, total) in (summary.get("services") or {}).items():
        code, _sep, method = key.partition(":")
        service = services.get(code)
        rows.append(
            (
                (service.sort_order if service else 10**6, code, method),
                ServiceRow(
                    service=service.name if service else method_label(code),
                    method=method_label(method),
                    quantity=Decimal(quantity),
                    total=Decimal(total),
                ),
            )
        )
    return [row for _key, row in sorted(rows, key=lambda r: r[0])]


def summary_method_rows(summary: dict) -> list[tuple[str, int]]:
    """(method label, accounts) of the run."""
    return [(method_label(code), count) for code, count in sorted((summary.get("methods") or {}).items())]


def summary_estimated_rows(summary: dict) -> list[tuple[str, str, str]]:
    """(account, service name, method label) of the sample billed by average or norm."""
    names = {s.code: s.name for s in Service.objects.all()}
    return [
        (number, names.get(code, code), method_label(method))
        for number, method, code in summary.get("estimated_accounts") or []
    ]
