"""Building balances: compute, review, and bill the shares (rules: building_rules).

The balance is computed before the run's chunks (by staff, or at the run's start for the
buildings that have none), so every chunk reads finished shares with one query. The
apartments' volumes are those the run bills: the building's accounts are loaded and rated
by the run's own machinery (runs.chunk_load, rating.rate_account), never re-derived here.
Publication waits until every balance of the period is reviewed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabinet.billing import building_rules as rules
from kabinet.billing import rating, runs
from kabinet.billing.models import (
    BalanceFlag,
    BalanceStatus,
    BillingRun,
    BuildingBalance,
    BuildingMeter,
    BuildingReading,
    BuildingShare,
    RunStatus,
)
from kabinet.customers.models import Account
from kabinet.lib.periods import month_end
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import BuildingDifferenceRule, Service, UtilityProfile
from kabinet.utility.services import event_record

ZERO = Decimal("0")
VOLUME = Decimal("0.001")
# Charge lines that carry an apartment's own volume (not sewerage's, not the difference).
OWN_VOLUME = (rating.METERED, rating.AVERAGE, rating.NORM, rating.NORM_COEFFICIENT)
RANGE_SIZE = 2000  # accounts rated per chunk_load
RANGE_GAP = 100  # ids apart before a new range starts (keeps ranges over the buildings' accounts)


def rule_of(profile: UtilityProfile | None = None) -> str:
    profile = profile or UtilityProfile.get()
    return "" if profile.building_difference_rule == BuildingDifferenceRule.OFF else profile.building_difference_rule


# --- the building meters' volume ---------------------------------------------------------------


def building_volumes(period: dt.date) -> dict[tuple[int, int], tuple[Decimal | None, Decimal | None]]:
    """{(building, service): (volume or None when a meter lacks the period's reading,
    common area)} of the meters in service during the period. The volume is the period's
    reading less the last one before it (the initial reading for a new meter)."""
    first, last = period, month_end(period)
    meters = list(
        BuildingMeter.objects.filter(installed_on__lte=last).filter(
            Q(removed_on__isnull=True) | Q(removed_on__gte=first)
        )
    )
    readings: dict[int, dict[dt.date, Decimal]] = {}
    for mid, rperiod, value in BuildingReading.objects.filter(meter__in=meters, period__lte=period).values_list(
        "meter_id", "period", "value"
    ):
        readings.setdefault(mid, {})[rperiod] = value
    out: dict[tuple[int, int], tuple[Decimal | None, Decimal | None]] = {}
    for meter in meters:
        key = (meter.building_id, meter.service_id)
        volume, area = out.get(key, (ZERO, None))
        own = readings.get(meter.id, {})
        if volume is not None and period in own:
            earlier = [p for p in own if p < period]
            volume += own[period] - (own[max(earlier)] if earlier else meter.initial_reading)
        else:
            volume = None
        out[key] = (volume, area if meter.common_area is None else meter.common_area)
    return out


# --- the apartments, as the run bills them ------------------------------------------------------


def _ranges(ids: list[int]) -> list[tuple[int, int]]:
    ranges: list[list[int]] = []
    for aid in sorted(ids):
        if ranges and aid - ranges[-1][1] <= RANGE_GAP and aid - ranges[-1][0] < RANGE_SIZE:
            ranges[-1][1] = aid
        else:
            ranges.append([aid, aid])
    return [(lo, hi) for lo, hi in ranges]


def _stage_one(meters: list[rating.MeterIn], index: int) -> str:
    """MK 524 stage I: no valid (installed, verified) meter, or no reading for 3 months."""
    if not meters or all(m.expired_index is not None and m.expired_index <= index for m in meters):
        return rules.NO_VALID_METER
    window = range(index - 2, index + 1)
    if not any(i in window for m in meters for i in (*m.readings, m.install_index)):
        return rules.NO_READINGS
    return ""


def apartments_rated(ctx: runs.RunContext, accounts: dict[int, tuple[int, int]], service_ids: set[int]):
    """Rate the given accounts ({account: (premises, building)}) as the run would: returns
    ({(building, service): {premises: volume}}, {(premises, service): stage I reason})."""
    volumes: dict[tuple[int, int], dict[int, Decimal]] = {}
    stage_one: dict[tuple[int, int], str] = {}
    for lo, hi in _ranges(list(accounts)):
        loaded = runs.chunk_load(ctx, lo, hi, skip_invoiced=False)
        for account in loaded.accounts:
            if account.id not in accounts:
                continue
            premises, building = accounts[account.id]
            bill = rating.rate_account(account, ctx.rate)
            billed = account.services | {m.service_id for m in account.meters}
            for sid in service_ids & billed:
                own = volumes.setdefault((building, sid), {})
                own.setdefault(premises, ZERO)
                meters = [m for m in account.meters if m.service_id == sid]
                stage_one[(premises, sid)] = _stage_one(meters, ctx.rate.index)
            for line in bill.lines:
                if line.kind == rating.CHARGE and line.method in OWN_VOLUME and line.service_id in service_ids & billed:
                    volumes[(building, line.service_id)][premises] += line.quantity
    return volumes, stage_one


# --- compute ----------------------------------------------------------------------------------------


def _active_run(period: dt.date) -> BillingRun | None:
    return (
        BillingRun.objects.filter(period=period)
        .exclude(status__in=[RunStatus.CANCELLED, RunStatus.PREVIEW])
        .only("id", "status")
        .first()
    )


@transaction.atomic
def building_balances_compute(*, period: dt.date, actor=None, only_missing: bool = False) -> list[BuildingBalance]:
    """Compute (or compute again) the balances of every building meter for the period and
    their shares. Reviewed balances are kept as they are; nothing is recomputed while a
    run of the period exists (cancel it first), so drafts never disagree with the balance."""
    period = period.replace(day=1)
    profile = UtilityProfile.get()
    rule = rule_of(profile)
    if not rule:
        raise ApplicationError("building_rule_off", _("The utility profile charges no building meter difference."))
    if not only_missing and _active_run(period) is not None:
        raise ApplicationError(
            "building_run_exists",
            _("The period %(period)s is being billed: cancel its run before computing the building balances again.")
            % {"period": f"{period:%m.%Y}"},
        )
    metered = building_volumes(period)
    existing = {(b.building_id, b.service_id): b for b in BuildingBalance.objects.filter(period=period)}
    todo = {
        key: value
        for key, value in metered.items()
        if key not in existing or (not only_missing and existing[key].status == BalanceStatus.DRAFT)
    }
    if not todo:
        return []
    first, last = period, month_end(period)
    accounts: dict[int, tuple[int, int]] = {}
    latest: dict[int, tuple[dt.date, int]] = {}  # premises -> the account open at the period's end
    rows = Account.objects.filter(premises__building_id__in={b for b, _s in todo}, opened_on__lte=last).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=first)
    )
    for aid, premises, building, opened_on in rows.values_list(
        "id", "premises_id", "premises__building_id", "opened_on"
    ):
        accounts[aid] = (premises, building)
        if premises not in latest or latest[premises] < (opened_on, aid):
            latest[premises] = (opened_on, aid)
    ctx = runs.context_build(period=period)
    volumes, stage_one = apartments_rated(ctx, accounts, {s for _b, s in todo})
    premises_info = dict(
        (pid, (area, residents))
        for pid, area, residents in Account.objects.filter(id__in=accounts).values_list(
            "premises_id", "premises__area", "premises__residents"
        )
    )
    services = Service.objects.in_bulk({s for _b, s in todo})
    done = []
    for (building, sid), (building_volume, common_area) in sorted(todo.items()):
        own = volumes.get((building, sid), {})
        apartments_volume = sum(own.values(), ZERO).quantize(VOLUME)
        places = min(services[sid].reading_decimals, 3)
        flag, shares = _distribute(
            rule, profile, building_volume, apartments_volume, own, premises_info, stage_one, sid, common_area, places
        )
        balance = existing.get((building, sid)) or BuildingBalance(building_id=building, service_id=sid, period=period)
        balance.rule = rule
        balance.building_volume = ZERO if building_volume is None else building_volume
        balance.apartments_volume = apartments_volume
        balance.difference = balance.building_volume - apartments_volume
        balance.distributed = sum((v for v, _r in shares.values()), ZERO)
        balance.flag = flag
        balance.save()
        BuildingShare.objects.filter(balance=balance).delete()
        BuildingShare.objects.bulk_create(
            BuildingShare(balance=balance, premises_id=pid, account_id=latest[pid][1], volume=volume, reason=reason)
            for pid, (volume, reason) in sorted(shares.items())
        )
        done.append(balance)
    event_record(
        kind="building_balance.computed",
        actor=actor,
        obj=None,
        message=f"{period:%Y-%m}",
        data={"balances": len(done), "rule": rule},
    )
    return done


def _distribute(rule, profile, building_volume, apartments_volume, own, premises_info, stage_one, sid, area, places):
    """(flag, {premises: (volume, reason)}) of one building and service."""
    if building_volume is None:
        return BalanceFlag.NO_READING, {}
    difference = building_volume - apartments_volume
    if difference < 0:
        return BalanceFlag.NEGATIVE, {}
    apartments = [
        rules.Apartment(pid, premises_info[pid][0], premises_info[pid][1], stage_one.get((pid, sid), ""))
        for pid in sorted(own)
    ]
    if rule == BuildingDifferenceRule.LV_MK524:
        split = profile.building_difference_split
        parts = rules.distribute_mk524(difference, apartments, split=split, places=places)
        reasons = {a.premises_id: a.stage_one or f"split_{split}" for a in apartments}
        return BalanceFlag.NONE, {pid: (v, reasons[pid]) for pid, v in parts.items()}
    parts = rules.distribute_odn(
        difference, apartments, cap_per_m2=profile.odn_norm_per_m2, common_area=area, places=places
    )
    cap = rules.odn_cap(profile.odn_norm_per_m2, area, places)
    capped = cap is not None and difference.quantize(rules.step(places)) > cap
    reason = "odn_capped" if capped else "odn_area"
    return (BalanceFlag.CAPPED if capped else BalanceFlag.NONE), {pid: (v, reason) for pid, v in parts.items()}


# --- review and publication ------------------------------------------------------------------------


@transaction.atomic
def building_balance_review(*, balance: BuildingBalance, actor) -> BuildingBalance:
    """Staff checked the balance: billing may publish it."""
    balance = BuildingBalance.objects.select_for_update().get(pk=balance.pk)
    if not balance.can_become(BalanceStatus.REVIEWED):
        raise ApplicationError("building_balance_status", _("This building balance is already reviewed."))
    balance.status = BalanceStatus.REVIEWED
    balance.reviewed_by = actor if getattr(actor, "pk", None) else None
    balance.reviewed_at = timezone.now()
    balance.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    event_record(
        kind="building_balance.reviewed",
        actor=actor,
        obj=balance,
        message=f"{balance.period:%Y-%m}",
        data={"difference": str(balance.difference), "distributed": str(balance.distributed)},
    )
    return balance


def publish_check(period: dt.date) -> None:
    """Refuse to publish a period while one of its building balances is not reviewed."""
    if not rule_of():
        return
    waiting = BuildingBalance.objects.filter(period=period, status=BalanceStatus.DRAFT).count()
    if waiting:
        raise ApplicationError(
            "building_balance_not_reviewed",
            ngettext(
                "%(count)s building balance of the period is not reviewed yet.",
                "%(count)s building balances of the period are not reviewed yet.",
                waiting,
            )
            % {"count": waiting},
        )
