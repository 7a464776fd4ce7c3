"""Reminders by e-mail: the window opens, the window closes tomorrow and no reading is in,
a meter's verification is due. Each one once (dedupe keys), so the job is safe to re-run."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kabinet.customers.models import AccountAccess, MailPreference, User
from kabinet.lib.periods import month_start
from kabinet.meters.models import CURRENT_STATUSES, Meter, MeterStatus, Reading, ReadingStatus
from kabinet.meters.receipts import language_of
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.utility.models import UtilityProfile

# Other channels of the same reminders (the Telegram bot, an app above this one, plugs
# itself in from its AppConfig.ready()): channel(*, user, template, context, dedupe_key) -> int.
_channels: list = []


def reminder_channel_register(channel) -> None:
    if channel not in _channels:
        _channels.append(channel)


def _reminder_users(premises_ids, kind: str) -> dict[int, list[User]]:
    """Portal users of open accounts at these premises who want `kind` e-mail, by premises."""
    disabled = set(MailPreference.objects.filter(kind=kind, enabled=False).values_list("user_id", flat=True))
    by_premises: dict[int, list[User]] = {}
    accesses = (
        AccountAccess.objects.filter(
            account__premises_id__in=list(premises_ids), account__closed_on__isnull=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user__customer", "account")
    )
    for access in accesses:
        if access.user_id in disabled:
            continue
        users = by_premises.setdefault(access.account.premises_id, [])
        if all(u.pk != access.user_id for u in users):
            users.append(access.user)
    return by_premises


def _send_reminder(user: User, template: str, kind: str, context: dict, dedupe_key: str) -> bool:
    for channel in _channels:
        channel(user=user, template=template, context=context, dedupe_key=dedupe_key)
    language = language_of(user)
    return (
        message_enqueue(
            to=user.email,
            template=template,
            context={**context, "user": user, "utility": UtilityProfile.get()},
            kind=kind,
            language=language,
            user=user,
            customer_id=user.customer_id,
            dedupe_key=dedupe_key,
        )
        is not None
    )


@transaction.atomic
def reading_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """The window opens today; the window closes tomorrow and no reading yet; a meter's
    verification is due within 30 days. Each reminder once (dedupe keys): safe to re-run."""
    profile = UtilityProfile.get()
    today = today or timezone.localdate()
    sent = {"window_open": 0, "window_closes": 0, "verification": 0}
    period = month_start(today)
    first, last = profile.window_for(period)
    active = Meter.objects.filter(status=MeterStatus.ACTIVE)
    if today == first:
        premises = set(active.values_list("premises_id", flat=True))
        for _premises, users in _reminder_users(premises, MailKind.READING_REMINDER).items():
            for user in users:
                sent["window_open"] += _send_reminder(
                    user,
                    "reading_reminder",
                    MailKind.READING_REMINDER,
                    {"period": period, "first": first, "last": last, "closing": False},
                    f"reading-reminder:open:{period:%Y-%m}:{user.pk}",
                )
    if today == last - dt.timedelta(days=1):
        submitted = Reading.objects.filter(
            period=period, status__in=[*CURRENT_STATUSES, ReadingStatus.QUEUED]
        ).values_list("meter_id", flat=True)
        premises = set(active.exclude(pk__in=submitted).values_list("premises_id", flat=True))
        for _premises, users in _reminder_users(premises, MailKind.READING_REMINDER).items():
            for user in users:
                sent["window_closes"] += _send_reminder(
                    user,
                    "reading_reminder",
                    MailKind.READING_REMINDER,
                    {"period": period, "first": first, "last": last, "closing": True},
                    f"reading-reminder:closes:{period:%Y-%m}:{user.pk}",
                )
    due = list(
        active.filter(verification_due__gte=today, verification_due__lte=today + dt.timedelta(days=30)).select_related(
            "service", "premises__building"
        )
    )
    users_by_premises = _reminder_users({m.premises_id for m in due}, MailKind.VERIFICATION)
    for meter in due:
        for user in users_by_premises.get(meter.premises_id, []):
            sent["verification"] += _send_reminder(
                user,
                "meter_verification",
                MailKind.VERIFICATION,
                {"meter": meter},
                f"verification:{meter.pk}:{meter.verification_due:%Y-%m-%d}:{user.pk}",
            )
    return sent
