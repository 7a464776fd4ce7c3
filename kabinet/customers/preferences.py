"""Which e-mails a login wants: reads and writes of MailPreference (no row = wanted).

Account and security mail (MailKind.ACCOUNT) is always sent and cannot be turned off.
"""

from django.db import transaction

from kabinet.customers.models import MailPreference, User
from kabinet.notifications.models import MailKind
from kabinet.utility.services import event_record


def optional_kinds() -> list[tuple[str, str]]:
    return [(value, label) for value, label in MailKind.choices if value != MailKind.ACCOUNT]


def mail_preferences_for(user: User) -> dict[str, bool]:
    """Every optional kind with whether this login wants it (one query)."""
    stored = dict(MailPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return {kind: stored.get(kind, True) for kind, _label in optional_kinds()}


@transaction.atomic
def mail_preferences_set(*, user: User, enabled: set[str], actor=None) -> dict[str, bool]:
    """Store the choice for every optional kind: those in `enabled` on, the rest off."""
    kinds = [kind for kind, _label in optional_kinds()]
    before = mail_preferences_for(user)
    after = {kind: kind in enabled for kind in kinds}
    MailPreference.objects.bulk_create(
        [MailPreference(user=user, kind=kind, enabled=on) for kind, on in after.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["enabled"],
    )
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        event_record(kind="mail.preferences", actor=actor or user, obj=user, data=changed)
    return after


@transaction.atomic
def mail_unsubscribe(*, user: User, kind: str, ip: str | None = None) -> bool:
    """Turn one kind off (the one-click link). Returns False if it was already off."""
    if kind == MailKind.ACCOUNT or kind not in MailKind.values:
        return False
    pref, created = MailPreference.objects.get_or_create(user=user, kind=kind, defaults={"enabled": False})
    if not created and not pref.enabled:
        return False
    if not created:
        pref.enabled = False
        pref.save(update_fields=["enabled"])
    event_record(kind="mail.unsubscribed", actor=user, obj=user, ip=ip, data={"kind": kind})
    return True
