"""Automatic payment services: set up, schedule on publication, charge, follow the
provider's answer, stop. Money is registered only by payments.online (the provider's
settled status); this app decides when to charge and tells the customer."""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.autopay import rules
from kabinet.autopay.models import (
    ATTEMPT_TRANSITIONS,
    LIVE,
    MANDATE_TRANSITIONS,
    WAITING,
    Attempt,
    AttemptStatus,
    Mandate,
    MandateStatus,
    Mode,
    SavedMethod,
)
from kabinet.billing.models import BillingRun, Invoice, InvoiceStatus, RunStatus
from kabinet.customers.models import AccessRole, Account, AccountAccess
from kabinet.lib.money import whole_cents
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.notifications.services import message_enqueue
from kabinet.payments.models import OnlinePayment, OnlineStatus
from kabinet.payments.online import (
    PayLine,
    online_payment_charge_saved,
    online_payment_prepare,
    online_payment_refresh,
    online_payment_start,
)
from kabinet.payments.providers import ProviderError, RemoteStatus, get_provider
from kabinet.payments.selectors import account_dues
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

# How long a charge whose provider could not be reached is retried with the same
# idempotence key (YooKassa keeps a key for 24 hours), and how often.
UNREACHABLE_RECHECK = dt.timedelta(hours=1)
UNREACHABLE_GIVE_UP = dt.timedelta(hours=23)


def retry_days() -> list[int]:
    return list(getattr(settings, "AUTOPAY_RETRY_DAYS", [1, 3]))


def _at_charge_hour(day: dt.date) -> dt.datetime:
    hour = getattr(settings, "AUTOPAY_CHARGE_HOUR", 10)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# --- who may manage it -------------------------------------------------------------------


def _holder_access(*, user, account: Account) -> AccountAccess:
    """Only the account's holder sets up or stops automatic payment (co-users with
    "readings and invoices" may pay by hand, but not authorise charges on someone's card
    for an account they do not hold)."""
    access = AccountAccess.objects.filter(user=user, account=account, role=AccessRole.HOLDER).first()
    if access is None:
        raise ApplicationError("not_your_account", _("Only the account holder can manage automatic payment."))
    return access


def _set_mandate_status(mandate: Mandate, status: str, *, actor=None, reason: str = "") -> bool:
    if status == mandate.status:
        return False
    if status not in MANDATE_TRANSITIONS[MandateStatus(mandate.status)]:
        return False
    old = mandate.status
    mandate.status = status
    mandate.reason = reason[:200]
    now = timezone.now()
    fields = ["status", "reason"]
    if status == MandateStatus.ACTIVE:
        mandate.activated, mandate.declines_in_row = now, 0
        fields += ["activated", "declines_in_row"]
    if status == MandateStatus.STOPPED:
        mandate.stopped = now
        fields.append("stopped")
    mandate.save(update_fields=fields)
    if status in (MandateStatus.PAUSED, MandateStatus.STOPPED):
        # Nothing more is charged: invoices waiting for their day are not.
        Attempt.objects.filter(mandate=mandate, status__in=WAITING).update(
            status=AttemptStatus.CANCELLED, next_try=None, failure=reason[:200], updated=now
        )
    event_record(kind="autopay.mandate", actor=actor, obj=mandate, data={"from": old, "to": status, "reason": reason})
    return True


def _set_attempt_status(attempt: Attempt, status: str, **fields) -> bool:
    if status != attempt.status and status not in ATTEMPT_TRANSITIONS[AttemptStatus(attempt.status)]:
        return False
    old = attempt.status
    attempt.status = status
    for name, value in fields.items():
        setattr(attempt, name, value)
    attempt.save(update_fields=["status", "updated", *fields])
    event_record(kind="autopay.attempt", obj=attempt, data={"from": old, "to": status, "failure": attempt.failure})
    return True


# --- setting it up -----------------------------------------------------------------------


def _check_settings(*, mode: str, day: int | None, max_amount: Decimal | None) -> int | None:
    if mode not in Mode.values:
        raise ApplicationError("invalid_mode", _("Choose when to pay."), field="mode")
    if mode == Mode.DAY_OF_MONTH:
        if day is None or not 1 <= day <= 28:
            raise ApplicationError("invalid_day", _("Choose a day from 1 to 28."), field="day")
    else:
        day = None
    if max_amount is None or not whole_cents(max_amount) or max_amount <= 0:
        raise ApplicationError(
            "invalid_amount", _("The maximum must be a positive amount, in whole cents."), field="max_amount"
        )
    if max_amount > Decimal("100000.00"):
        raise ApplicationError("amount_too_large", _("The maximum can be at most 100000.00."), field="max_amount")
    return day


@transaction.atomic
def _mandate_create(*, user, account: Account, mode: str, day: int | None, max_amount: Decimal, method) -> Mandate:
    Account.objects.select_for_update().get(pk=account.pk)  # one setup per account at a time
    _holder_access(user=user, account=account)
    for old in Mandate.objects.filter(account=account, status__in=LIVE):
        if old.status == MandateStatus.ACTIVE:
            raise ApplicationError(
                "already_on", _("Automatic payment is already on for this account. Stop it first to change it.")
            )
        # An unfinished setup or a paused mandate is replaced by the new one.
        _set_mandate_status(old, MandateStatus.STOPPED, actor=user, reason=_("Replaced by a new setup"))
    mandate = Mandate.objects.create(
        account=account, user=user, mode=mode, day=day, max_amount=max_amount, method=method
    )
    event_record(
        kind="autopay.created",
        actor=user,
        obj=mandate,
        data={"mode": mode, "day": day, "max_amount": str(max_amount), "account": account.number},
    )
    if method is not None:
        _set_mandate_status(mandate, MandateStatus.ACTIVE, actor=user)
        _mail_status(mandate, "on")
    return mandate


def mandate_setup(
    *,
    user,
    account: Account,
    mode: str,
    day: int | None,
    max_amount: Decimal | None,
    return_url,
    method: SavedMethod | None = None,
) -> Mandate:
    """Switch automatic payment on for an account. With a card the login saved before,
    at once; otherwise the customer goes to the provider's page (mandate.setup_payment's
    confirmation_url) and pays what the account owes now (or the verification amount,
    credited to the account), with the card saved for later; the provider's notification
    switches it on. `return_url(online)` is where the provider sends the customer back."""
    day = _check_settings(mode=mode, day=day, max_amount=max_amount)
    try:
        provider = get_provider()
    except ProviderError as exc:
        raise ApplicationError("online_payments_off", _("Automatic payment is not available.")) from exc
    if method is not None and (method.user_id != user.pk or method.provider != provider.code):
        raise ApplicationError("invalid_card", _("Choose one of your saved cards."), field="method")
    if method is None:
        # A second click on the same form goes to the same payment page, not a new one.
        repeat = (
            Mandate.objects.filter(
                user=user,
                account=account,
                status=MandateStatus.PENDING,
                mode=mode,
                day=day,
                max_amount=max_amount,
                setup_payment__status=OnlineStatus.PENDING,
                created__gte=timezone.now() - dt.timedelta(minutes=10),
            )
            .select_related("setup_payment")
            .first()
        )
        if repeat is not None:
            return repeat
    mandate = _mandate_create(user=user, account=account, mode=mode, day=day, max_amount=max_amount, method=method)
    if method is not None:
        return mandate
    owed = account_dues([account.pk], timezone.localdate())[account.pk].to_pay
    amount = owed if owed > 0 else Decimal(str(getattr(settings, "AUTOPAY_VERIFY_AMOUNT", "1.00")))
    try:
        online = online_payment_start(
            user=user, lines=[PayLine(account=account, amount=amount)], return_url=return_url, save_method=True
        )
    except ApplicationError:
        mandate_stop(mandate=mandate, actor=user, reason=_("The card could not be saved"), notify=False)
        raise
    Mandate.objects.filter(pk=mandate.pk).update(setup_payment=online)
    mandate.setup_payment = online
    return mandate


def mandate_setup_refresh(*, mandate: Mandate) -> Mandate:
    """The customer is back from the provider: ask it (the notification may be late)."""
    if mandate.status == MandateStatus.PENDING and mandate.setup_payment_id:
        online_payment_refresh(online=mandate.setup_payment)
        mandate.refresh_from_db()
    return mandate


@transaction.atomic
def mandate_stop(*, mandate: Mandate, actor, reason: str = "", notify: bool = True) -> Mandate:
    """Stop automatic payment now: nothing more is charged; charges waiting for their
    day are cancelled. A charge the provider is already processing cannot be called back.
    Idempotent (a second click changes nothing)."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if actor is not None and not actor.is_staff:
        _holder_access(user=actor, account=mandate.account)
    if _set_mandate_status(mandate, MandateStatus.STOPPED, actor=actor, reason=reason or _("Stopped by the customer")):
        if notify:
            _mail_status(mandate, "stopped")
    return mandate


# --- the provider's answer (payments.signals.online_payment_settled) -----------------------


def online_settled(*, online: OnlinePayment, remote: RemoteStatus) -> None:
    """Follow a settled payment: a setup saves the card and switches the mandate on; an
    attempt's charge is paid, retried or given up. Runs in online_payment_settle's
    transaction; idempotent (a repeated notification finds nothing left to do)."""
    mandate = Mandate.objects.select_for_update().filter(setup_payment=online, status=MandateStatus.PENDING).first()
    if mandate is not None:
        _setup_settled(mandate, online, remote)
    attempt = Attempt.objects.select_for_update().filter(online_payment=online, status=AttemptStatus.CHARGING).first()
    if attempt is not None:
        _attempt_settled(attempt, online, remote)


def _setup_settled(mandate: Mandate, online: OnlinePayment, remote: RemoteStatus) -> None:
    if online.status == OnlineStatus.SUCCEEDED and remote.saved_method is not None:
        saved = remote.saved_method
        method, _new = SavedMethod.objects.get_or_create(
            provider=online.provider,
            token=saved.token,
            defaults={
                "user": mandate.user,
                "title": saved.title,
                "last4": saved.last4 if saved.last4.isdigit() else "",
                "expiry_month": saved.expiry_month,
                "expiry_year": saved.expiry_year,
                "card_type": saved.card_type,
            },
        )
        if method.user_id != mandate.user_id:
            _set_mandate_status(mandate, MandateStatus.STOPPED, reason="card of another login")
            return
        mandate.method = method
        mandate.save(update_fields=["method"])
        _set_mandate_status(mandate, MandateStatus.ACTIVE)
        _mail_status(mandate, "on")
    elif online.status == OnlineStatus.SUCCEEDED:
        _set_mandate_status(
            mandate, MandateStatus.STOPPED, reason=_("The payment went through but the card was not saved")
        )
        _mail_status(mandate, "not_saved")
    elif online.status in (OnlineStatus.DECLINED, OnlineStatus.CANCELLED):
        _set_mandate_status(mandate, MandateStatus.STOPPED, reason=_("The card was not saved"))


def _attempt_settled(attempt: Attempt, online: OnlinePayment, remote: RemoteStatus) -> None:
    mandate = Mandate.objects.select_for_update().get(pk=attempt.mandate_id)
    if online.status in (OnlineStatus.SUCCEEDED, OnlineStatus.REFUNDED):
        _set_attempt_status(
            attempt, AttemptStatus.SUCCEEDED, provider_payment_id=online.provider_payment_id, next_try=None
        )
        Mandate.objects.filter(pk=mandate.pk).update(declines_in_row=0)
        _mail_result(attempt, "paid")
        return
    if online.status not in (OnlineStatus.DECLINED, OnlineStatus.CANCELLED):
        return  # still pending: the notification will tell
    reason = online.failure or "declined"
    mandate.declines_in_row += 1
    mandate.save(update_fields=["declines_in_row"])
    outcome = rules.after_failure(
        reason=reason,
        tries=attempt.tries,
        declines_in_row=mandate.declines_in_row,
        retry_days=retry_days(),
        pause_after=getattr(settings, "AUTOPAY_DECLINES_TO_PAUSE", 3),
    )
    common = {"provider_payment_id": online.provider_payment_id, "failure": reason[:200]}
    if outcome == "retry":
        days = retry_days()[attempt.tries - 1]
        when = _at_charge_hour(timezone.localdate() + dt.timedelta(days=days))
        _set_attempt_status(attempt, AttemptStatus.RETRY, next_try=when, **common)
        _mail_result(attempt, "retry")
        return
    _set_attempt_status(attempt, AttemptStatus.FAILED, next_try=None, **common)
    if outcome == "pause":
        _set_mandate_status(mandate, MandateStatus.PAUSED, reason=reason)
        _mail_result(attempt, "paused")
    else:
        _mail_result(attempt, "failed")


# --- scheduling on publication and charging --------------------------------------------------


@transaction.atomic
def autopay_schedule_run(*, run_id: int) -> int:
    """Plan the charges of a published run's invoices for the accounts with automatic
    payment on (switched on before the run was published), and tell each customer what
    will be charged when. Idempotent: one attempt per invoice and mandate (a database
    constraint), one notice per attempt (the outbox's dedupe key)."""
    run = BillingRun.objects.filter(pk=run_id, status=RunStatus.PUBLISHED).first()
    if run is None:
        return 0
    # Subqueries, not lists of ids: a large utility may have tens of thousands of them.
    active = Mandate.objects.filter(status=MandateStatus.ACTIVE, activated__lte=run.published)
    invoices = list(
        Invoice.objects.filter(
            # The period lets the database go from the (few) mandates to their invoices
            # through the (account, period) index instead of reading the whole run.
            run_id=run_id,
            period=run.period,
            status=InvoiceStatus.ISSUED,
            account_id__in=active.values("account_id"),
        ).only("id", "account_id", "issued_on")
    )
    if not invoices:
        return 0
    mandates = {
        m.account_id: m for m in active.filter(account__invoices__run_id=run_id, account__invoices__period=run.period)
    }
    # Only what is new is planned and announced: the periodic safety net runs this often.
    known = set(Attempt.objects.filter(invoice__run_id=run_id).values_list("invoice_id", flat=True))
    now = timezone.now()
    planned = []
    for invoice in invoices:
        if invoice.pk in known:
            continue
        mandate = mandates[invoice.account_id]
        day = rules.charge_date(mode=mandate.mode, day=mandate.day, issued_on=invoice.issued_on)
        planned.append(Attempt(mandate=mandate, invoice=invoice, next_try=max(_at_charge_hour(day), now)))
    if not planned:
        return 0
    Attempt.objects.bulk_create(planned, ignore_conflicts=True, batch_size=1000)
    attempts = (
        Attempt.objects.filter(
            invoice__run_id=run_id, mandate__status=MandateStatus.ACTIVE, status=AttemptStatus.SCHEDULED
        )
        .filter(created__gte=now)  # made by this call (auto_now_add is set after `now`)
        .select_related("mandate__method", "mandate__user", "mandate__account__customer", "invoice__account")
    )
    count = 0
    for attempt in attempts:
        owed = attempt.invoice.to_pay
        decision = rules.charge_decision(owed=owed, max_amount=attempt.mandate.max_amount)
        if decision == "over_limit":
            _set_attempt_status(attempt, AttemptStatus.OVER_LIMIT, amount=owed, next_try=None)
            _mail_result(attempt, "over_limit", send_from=attempt.invoice.issued_on)
        elif decision == "charge":
            _mail_notice(attempt, owed)
        count += 1
    return count


def autopay_schedule_recent(*, days: int = 7) -> int:
    """The scheduling of runs published in the last days, again (the publication's own
    task may have been lost): a safety net, safe to repeat."""
    since = timezone.now() - dt.timedelta(days=days)
    runs = BillingRun.objects.filter(status=RunStatus.PUBLISHED, published__gte=since).values_list("pk", flat=True)
    return sum(autopay_schedule_run(run_id=run_id) for run_id in runs)


def autopay_charge_due(*, now: dt.datetime | None = None) -> int:
    """Charge every attempt whose day has come, and call again a provider that could not
    be reached. Safe to repeat and to run in two processes (each attempt is locked)."""
    now = now or timezone.now()
    due = list(
        Attempt.objects.filter(status__in=[*WAITING, AttemptStatus.CHARGING], next_try__lte=now)
        .order_by("next_try")
        .values_list("pk", flat=True)[:500]
    )
    for attempt_id in due:
        try:
            attempt_charge(attempt_id=attempt_id, now=now)
        except Exception:  # one customer's trouble never stops the others' charges
            log.exception("automatic payment attempt %s failed", attempt_id)
    return len(due)


def attempt_charge(*, attempt_id: int, now: dt.datetime | None = None) -> Attempt:
    now = now or timezone.now()
    attempt = _attempt_prepare(attempt_id=attempt_id, now=now)
    if attempt.status != AttemptStatus.CHARGING:
        return attempt
    if attempt.online_payment.status == OnlineStatus.PENDING:
        online_payment_refresh(online=attempt.online_payment)  # settles it if the provider has decided
        attempt.refresh_from_db()
        return attempt
    if attempt.online_payment.status != OnlineStatus.CREATED:
        return attempt
    mandate = attempt.mandate
    description = _("Automatic payment, invoice %(number)s") % {"number": attempt.invoice.number}
    try:
        online_payment_charge_saved(online=attempt.online_payment, token=mandate.method.token, description=description)
    except ProviderError as exc:
        # The provider may or may not have the charge: the same idempotence key is sent
        # again in an hour (UNREACHABLE_RECHECK), which can never charge twice.
        log.warning("automatic payment %s: provider not reachable: %s", attempt.pk, exc)
    attempt.refresh_from_db()
    return attempt


@transaction.atomic
def _attempt_prepare(*, attempt_id: int, now: dt.datetime) -> Attempt:
    attempt = (
        # Only the attempt's row: PostgreSQL locks no nullable side of an outer join.
        Attempt.objects.select_for_update(of=("self",))
        .select_related("mandate__method", "mandate__user", "invoice", "online_payment")
        .get(pk=attempt_id)
    )
    if attempt.next_try is None or attempt.next_try > now:
        return attempt
    mandate = attempt.mandate
    if attempt.status == AttemptStatus.CHARGING:
        online = attempt.online_payment
        if online.status == OnlineStatus.PENDING:
            # The provider answered "pending": its notification settles it; if that is
            # lost, attempt_charge() asks the provider every hour.
            attempt.next_try = now + UNREACHABLE_RECHECK
            attempt.save(update_fields=["next_try", "updated"])
            return attempt
        if online.status != OnlineStatus.CREATED:
            attempt.next_try = None
            attempt.save(update_fields=["next_try", "updated"])
            return attempt
        if now - online.created > UNREACHABLE_GIVE_UP:
            _set_attempt_status(attempt, AttemptStatus.FAILED, next_try=None, failure="provider_unreachable")
            _mail_result(attempt, "failed")
            return attempt
        attempt.next_try = now + UNREACHABLE_RECHECK
        attempt.save(update_fields=["next_try", "updated"])
        return attempt
    if attempt.status not in WAITING:
        return attempt
    if mandate.status != MandateStatus.ACTIVE:
        _set_attempt_status(attempt, AttemptStatus.CANCELLED, next_try=None)
        return attempt
    account_id = attempt.invoice.account_id
    # What pays this invoice in full now (payments cover the oldest debt first); the
    # customer may have paid part or all of it since it was published.
    owed = account_dues([account_id], timezone.localdate(now))[account_id].to_settle(attempt.invoice_id)
    decision = rules.charge_decision(owed=owed, max_amount=mandate.max_amount)
    if decision == "not_needed":
        _set_attempt_status(attempt, AttemptStatus.NOT_NEEDED, next_try=None)
        return attempt
    if decision == "over_limit":
        _set_attempt_status(attempt, AttemptStatus.OVER_LIMIT, amount=owed, next_try=None)
        _mail_result(attempt, "over_limit")
        return attempt
    try:
        with transaction.atomic():
            online = online_payment_prepare(
                user=mandate.user,
                lines=[PayLine(account=attempt.invoice.account, amount=owed, invoice=attempt.invoice)],
                provider_code=mandate.method.provider,
            )
    except ApplicationError as exc:
        # The login lost the account (or the right to pay for it): nothing is charged.
        _set_mandate_status(mandate, MandateStatus.STOPPED, reason=exc.message)
        attempt.refresh_from_db()
        return attempt
    _set_attempt_status(
        attempt,
        AttemptStatus.CHARGING,
        amount=owed,
        online_payment=online,
        tries=attempt.tries + 1,
        next_try=now + UNREACHABLE_RECHECK,
        failure="",
    )
    return attempt


# --- mail ------------------------------------------------------------------------------------


def _language(user, account: Account) -> str:
    profile = UtilityProfile.get()
    return user.language or account.customer.language or (profile.language_codes or ["en"])[0]


def _send(*, mandate: Mandate, template: str, context: dict, key: str, send_from: dt.date | None = None) -> None:
    user = mandate.user
    if not user.email:
        return
    profile = UtilityProfile.get()
    message = message_enqueue(
        to=user.email,
        template=template,
        context={
            "mandate": mandate,
            "account": mandate.account,
            "user": user,
            "utility": profile,
            "currency": profile.currency,
            **context,
        },
        # Account mail: a notice before a card is charged is not something to opt out of.
        kind=MailKind.ACCOUNT,
        language=_language(user, mandate.account),
        user=user,
        customer_id=mandate.account.customer_id,
        dedupe_key=key,
    )
    if message is not None and send_from is not None:
        # Like the invoice e-mail: not before the invoice day, when the customer can see it.
        start = timezone.make_aware(dt.datetime.combine(send_from, dt.time(8, 0)))
        if start > timezone.now():
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=start)


def _mail_status(mandate: Mandate, case: str) -> None:
    _send(
        mandate=mandate,
        template="autopay_status",
        context={"case": case},
        key=f"autopay:{mandate.pk}:{case}",
    )


def _mail_notice(attempt: Attempt, amount: Decimal) -> None:
    _send(
        mandate=attempt.mandate,
        template="autopay_notice",
        context={"attempt": attempt, "invoice": attempt.invoice, "amount": amount, "date": attempt.next_try},
        key=f"autopay-notice:{attempt.pk}",
        send_from=attempt.invoice.issued_on,
    )


def _mail_result(attempt: Attempt, case: str, send_from: dt.date | None = None) -> None:
    _send(
        mandate=attempt.mandate,
        template="autopay_result",
        context={"attempt": attempt, "invoice": attempt.invoice, "case": case},
        key=f"autopay-result:{attempt.pk}:{case}:{attempt.tries}",
        send_from=send_from,
    )


__all__ = [
    "attempt_charge",
    "autopay_charge_due",
    "autopay_schedule_recent",
    "autopay_schedule_run",
    "mandate_setup",
    "mandate_setup_refresh",
    "mandate_stop",
    "online_settled",
]
