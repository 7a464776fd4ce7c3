import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import AccountAccess, MailPreference
from kabinet.lib.uploads import HEIC, SNIFF_BYTES, sniff_image
from kabinet.news.models import Outage
from kabinet.news.selectors import outage_affected_buildings
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.notifications.unsubscribe import unsubscribe_url
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

MAX_IMAGE_BYTES = 10 * 1024 * 1024


def news_image_check(upload) -> str:
    """The image's type (JPEG or PNG, judged by content: browsers must show it), or an error."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ApplicationError("image_too_big", _("The image is larger than 10 MB."), field="image")
    upload.seek(0)
    kind = sniff_image(upload.read(SNIFF_BYTES))
    upload.seek(0)
    if kind is None or kind == HEIC:
        raise ApplicationError("not_an_image", _("The image must be a JPEG or PNG picture."), field="image")
    return kind


@transaction.atomic
def outage_notify(*, outage: Outage, actor, now: dt.datetime | None = None) -> int:
    """E-mail the customers whose premises the outage affects and who want outage mail.
    Safe to repeat: one message per outage and login. Returns the number queued."""
    now = now or timezone.now()
    if not outage.published or outage.cancelled:
        raise ApplicationError("not_published", _("Only a published, not cancelled outage can be sent."))
    if outage.ends_at is not None and outage.ends_at <= now:
        raise ApplicationError("outage_over", _("This outage is already over."))
    buildings = outage_affected_buildings(outage)
    accesses = (
        AccountAccess.objects.filter(
            account__closed_on__isnull=True,
            account__premises__building__in=buildings,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user", "account__customer", "account__premises__building")
        .order_by("user_id", "account__number")
    )
    opted_out = set(
        MailPreference.objects.filter(kind=MailKind.OUTAGE, enabled=False).values_list("user_id", flat=True)
    )
    by_user: dict[int, list] = {}
    for access in accesses:
        if access.user_id not in opted_out:
            by_user.setdefault(access.user_id, []).append(access)
    utility = UtilityProfile.get()
    queued = 0
    for user_accesses in by_user.values():
        user = user_accesses[0].user
        customer = user_accesses[0].account.customer
        message = message_enqueue(
            to=user.email,
            template="news_outage",
            context={
                "outage": outage,
                "customer": customer,
                "addresses": [a.account.premises.address for a in user_accesses],
                "utility": utility,
                "unsubscribe_url": unsubscribe_url(user=user, kind=MailKind.OUTAGE),
            },
            kind=MailKind.OUTAGE,
            language=user.language or customer.language or "lv",
            user=user,
            customer_id=customer.pk,
            dedupe_key=f"outage:{outage.pk}:user:{user.pk}",
        )
        queued += message is not None
    Outage.objects.filter(pk=outage.pk).update(notified_at=now)
    event_record(kind="outage.notified", actor=actor, obj=outage, data={"queued": queued})
    return queued


def outages_notify_pending(*, actor=None, now: dt.datetime | None = None) -> int:
    """E-mail every published, current outage nobody has been told about yet (the periodic
    run and `manage.py send_outage_notices`). Safe to re-run. Returns the messages queued."""
    now = now or timezone.now()
    queued = 0
    pending = Outage.objects.current(now).filter(notified_at__isnull=True, starts_at__gt=now - dt.timedelta(days=1))
    for outage in pending.select_related("service"):
        queued += outage_notify(outage=outage, actor=actor, now=now)
    return queued
