"""`Idempotency-Key` on every POST of the API: a retry counts once.

A phone or a script that lost the answer sends the same request again with the same key
(8–64 letters, digits, "-" or "_", e.g. a UUID): it gets the first answer back (same
status, same body) and nothing is done twice. The same key with another body or on
another operation is refused (422, code "key_reused"); while the first request is still
running, a second one with its key is refused (409, code "key_in_progress"). A request
that failed (an error raised: invalid input, not found) keeps no key: nothing was done,
and the client may correct it and send it again with the same key.

Reading submissions keep their keys in meters.SubmissionKey, with the portal form and the
phone's offline queue (meters/idempotency.py): the same header, the same key format.
"""

import datetime as dt
import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status
from ninja.responses import NinjaJSONEncoder

from kabinet.api.errors import ApiError
from kabinet.api.models import IdempotencyKey
from kabinet.meters.idempotency import CLIENT_KEY_RE
from kabinet.utility.exceptions import ApplicationError

HEADER = "Idempotency-Key"
DESCRIPTION = (
    "Send an `Idempotency-Key` header (8–64 letters, digits, `-` or `_`, e.g. a UUID) to retry "
    "safely: the same key again answers with the first response and does nothing new; the same "
    "key with another body is refused (422, code `key_reused`)."
)
# A retry comes within minutes or hours; a month is far longer than any client stays offline.
KEY_RETENTION = dt.timedelta(days=30)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        # The boundary differs from one send to the next: hash the fields and the files' contents.
        digest.update(json.dumps(sorted(request.POST.lists())).encode())
        for field, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"{field}:{upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(row: IdempotencyKey, fingerprint: str) -> Status:
    if row.fingerprint != fingerprint:
        raise ApiError(
            422,
            "key_reused",
            _("This Idempotency-Key was already used for another request. Use a new key for a new request."),
        )
    if row.status_code is None:
        raise ApiError(
            409,
            "key_in_progress",
            _("A request with this Idempotency-Key is still being processed. Try again in a moment."),
        )
    return Status(row.status_code, row.body)


def _stored(result) -> tuple[int, object]:
    status, body = (result.status_code, result.value) if isinstance(result, Status) else (200, result)
    return status, json.loads(json.dumps(body, cls=NinjaJSONEncoder))


def idempotent(handler):
    """Put under @router.post: the handler runs once per key and login (request.auth)."""

    @functools.wraps(handler)
    def wrapper(request: HttpRequest, *args, **kwargs):
        key = (request.headers.get(HEADER) or "").strip()
        if not key:
            return handler(request, *args, **kwargs)
        if not CLIENT_KEY_RE.match(key):
            raise ApplicationError(
                "bad_key", _("The Idempotency-Key header must be 8 to 64 letters, digits, “-” or “_”."), field=HEADER
            )
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=request.auth, key=key, fingerprint=fingerprint)
        except IntegrityError:
            row = IdempotencyKey.objects.filter(user=request.auth, key=key).first()
            if row is None:  # the first request failed and let its key go meanwhile
                return wrapper(request, *args, **kwargs)
            return _replay(row, fingerprint)
        try:
            result = handler(request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            raise
        status, body = _stored(result)
        IdempotencyKey.objects.filter(pk=row.pk).update(status_code=status, body=body)
        return result

    return wrapper


def idempotency_keys_delete_old(*, older_than: dt.timedelta = KEY_RETENTION, now: dt.datetime | None = None) -> int:
    """Forget the keys older than `older_than` (one DELETE). Safe to re-run: returns how many."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _by_model = IdempotencyKey.objects.filter(created__lt=cutoff).delete()
    return deleted
