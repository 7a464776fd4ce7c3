"""The run's side of the building balances: the shares of a chunk's accounts as lines.

Kept apart from kabinet.billing.building (which rates apartments through the run's
machinery) so that runs can import it without a cycle."""

from __future__ import annotations

from decimal import Decimal

from kabinet.billing import rating
from kabinet.billing.building_models import BuildingBalance, BuildingShare

VOLUME = Decimal("0.001")
BUILDING = "building"  # Method.BUILDING (kept Django-free like rating's method codes)
T_BALANCE = BuildingBalance._meta.db_table
T_SHARE = BuildingShare._meta.db_table


def _dec(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def share_lines(cursor, period, services: dict[int, rating.ServiceInfo], lo: int, hi: int, accounts) -> dict:
    """{account: [lines]} of the building difference shares of the accounts lo..hi in the
    period, priced at the service's tariffs: one query for the chunk."""
    cursor.execute(
        "SELECT s.account_id, s.volume, s.reason, b.service_id, b.rule, b.building_volume,"
        f" b.apartments_volume, b.difference, b.distributed FROM {T_SHARE} s"
        f" JOIN {T_BALANCE} b ON b.id = s.balance_id"
        " WHERE s.account_id BETWEEN %s AND %s AND b.period = %s ORDER BY s.account_id, b.service_id",
        [lo, hi, period],
    )
    lines: dict[int, list[rating.Line]] = {}
    for aid, volume, reason, sid, rule, building, apartments, difference, distributed in cursor.fetchall():
        service = services.get(sid)
        if aid not in accounts or service is None:
            continue
        details = {
            "reason": reason,
            "rule": rule,
            "building": _text(building),
            "apartments": _text(apartments),
            "difference": _text(difference),
            "distributed": _text(distributed),
            "share": _text(volume),
        }
        lines.setdefault(aid, []).extend(rating._priced(service, _dec(volume), BUILDING, details))  # noqa: SLF001
    return lines


def _text(value) -> str:
    return str(_dec(value).quantize(VOLUME))
