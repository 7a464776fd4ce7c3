"""Idempotency keys of reading submissions: a retry counts once, whatever the channel.

The portal form, the offline queue on a phone and the API's `Idempotency-Key` header
send a key with a submission (SubmissionKey). A retry with the same key gets the
readings of the first submission back instead of submitting again: the offline queue may
send a submission twice (the answer was lost when the connection dropped again) and it
must still count once. The fingerprint of the submitted values tells a retry from a
different submission that reuses the key.
"""

import datetime as dt
import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import User
from kabinet.meters.models import Meter, Reading, SubmissionKey
from kabinet.meters.receipts import ChargeEstimator
from kabinet.meters.submission import readings_submit
from kabinet.utility.exceptions import ApplicationError

CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _fingerprint(entries: list[tuple[Meter, object, bool]]) -> str:
    canonical = sorted((meter.pk, str(value).strip(), bool(confirm)) for meter, value, confirm in entries)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def _replayed(row: SubmissionKey, fingerprint: str, entries: list, submit) -> list[Reading]:
    """The readings stored under the key, and the entries a form's first submission
    refused without storing them (keep_refused=False) decided again: refused again, the
    retry shows the same errors; the customer's value is never silently dropped."""
    if row.fingerprint != fingerprint:
        raise ApplicationError(
            "key_reused",
            _("These readings were already sent with other values from this form. Reload the page and submit again."),
        )
    by_id = Reading.objects.select_related("meter__service").in_bulk(row.reading_ids)
    stored = [by_id[pk] for pk in row.reading_ids if pk in by_id]
    covered = {r.meter_id for r in stored}
    refused = [entry for entry in entries if entry[0].pk not in covered]
    if not refused:
        return stored
    again = submit(refused)
    new_ids = [r.pk for r in again if r.pk is not None and r.pk not in row.reading_ids]
    if new_ids:
        SubmissionKey.objects.filter(pk=row.pk).update(reading_ids=[*row.reading_ids, *new_ids])
    return stored + again


def readings_submit_once(
    *,
    user: User,
    client_key: str,
    entries: list[tuple[Meter, object, bool]],
    source: str,
    ip: str | None = None,
    charge_estimator: ChargeEstimator | None = None,
    keep_refused: bool = True,
) -> tuple[list[Reading], bool]:
    """readings_submit() under the client's idempotency key. Returns the readings and
    whether they were replayed: the same key again (a retry from the offline queue, a
    re-sent form) gets the readings of the first submission, and no new reading, event or
    receipt e-mail. Without a key it is a plain readings_submit().

    The key row is inserted before the readings in one transaction: a concurrent retry
    waits on the unique index (PostgreSQL) or the write lock (SQLite) and then replays.
    """

    def submit(entries):
        return readings_submit(
            entries=entries,
            source=source,
            actor=user,
            ip=ip,
            charge_estimator=charge_estimator,
            keep_refused=keep_refused,
        )

    client_key = (client_key or "").strip()
    if not client_key:
        return submit(entries), False
    if not CLIENT_KEY_RE.match(client_key):
        raise ApplicationError("bad_key", _("The submission key is not valid. Reload the page and submit again."))
    fingerprint = _fingerprint(entries)
    existing = SubmissionKey.objects.filter(user=user, key=client_key).first()
    if existing is not None:
        return _replayed(existing, fingerprint, entries, submit), True
    try:
        with transaction.atomic():
            row = SubmissionKey.objects.create(user=user, key=client_key, fingerprint=fingerprint)
            submitted = submit(entries)
            row.reading_ids = [r.pk for r in submitted if r.pk is not None]
            row.save(update_fields=["reading_ids"])
    except IntegrityError:
        existing = SubmissionKey.objects.filter(user=user, key=client_key).first()
        if existing is None:
            raise
        return _replayed(existing, fingerprint, entries, submit), True
    return submitted, False


# A retry comes within minutes (the offline queue sends when the phone is back online); a
# month is far longer than any phone stays offline.
KEY_RETENTION = dt.timedelta(days=30)


def submission_keys_delete_old(*, older_than: dt.timedelta = KEY_RETENTION, now: dt.datetime | None = None) -> int:
    """Forget the idempotency keys older than `older_than` (one DELETE; the readings stay).
    Safe to re-run: returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _by_model = SubmissionKey.objects.filter(created__lt=cutoff).delete()
    return deleted
