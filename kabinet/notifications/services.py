import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kabinet.notifications.models import Channel, OutboxMessage, OutboxStatus
from kabinet.notifications.secrets import secrets_expand, secrets_mask, secrets_unmask
from kabinet.notifications.unsubscribe import unsubscribe_url
from kabinet.utility.sql import Insert, WriteBatch

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def message_enqueue(
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    language: str,
    user=None,
    customer_id: int | None = None,
    dedupe_key: str | None = None,
    secrets: Sequence[str] = (),
    headers: dict[str, str] | None = None,
) -> OutboxMessage | None:
    """Render templates/emails/<template>/{subject.txt,body.txt,body.html} in `language`
    and queue the message. Call inside the transaction of the change that causes it;
    the send is scheduled after commit. Returns None for an already queued dedupe_key.

    `secrets` are the values in the context that open an account (a link's token, a
    code): the stored row shows a placeholder instead, and only the mail sent has them
    (kabinet.notifications.secrets). `headers` are added to the mail's own (threading,
    Auto-Submitted).

    Mail to a login about anything but its account carries a one-click unsubscribe link
    for its kind: in the context (`unsubscribe_url`, rendered by emails/_footer.*) and as
    RFC 8058 List-Unsubscribe headers."""
    if not to:
        return None
    subject, body_text, body_html, rendered = _render(template, context, kind=kind, language=language, user=user)
    values = secrets_expand(secrets)
    return _store(
        to=to,
        kind=kind,
        language=language,
        user=user,
        customer_id=customer_id,
        dedupe_key=dedupe_key,
        subject=secrets_mask(subject, values),
        body_text=secrets_mask(body_text, values),
        body_html=secrets_mask(body_html, values),
        headers={**rendered, **(headers or {})},
        secret_values=values,
    )


# Messages rendered by the sender instead of the request that queues them: template ->
# a function turning the stored JSON context back into the template's context. The app
# that owns the template registers it in its AppConfig.ready() (notifications sits below
# every app that sends mail and imports none of them).
_deferred_contexts: dict[str, Callable[[dict], dict]] = {}


def deferred_context_register(template: str, load: Callable[[dict], dict]) -> None:
    _deferred_contexts[template] = load


def message_enqueue_later(
    *,
    to: str,
    template: str,
    data: dict,
    kind: str,
    language: str,
    user=None,
    customer_id: int | None = None,
    dedupe_key: str | None = None,
    only_if: tuple[str, list] | None = None,
    batch: WriteBatch | None = None,
) -> OutboxMessage | None:
    """message_enqueue() for mail sent from a busy request (a reading receipt on the last
    evening of the window): the row is written in the same transaction, with `data` (JSON)
    instead of the rendered text, and the sender renders it through the function
    registered for `template` (deferred_context_register) just before sending it.

    `only_if` is an SQL condition with its parameters (the recipient's mail preference,
    from the app that owns it): the message is queued only if it holds, checked by the
    INSERT itself. Returns None when it does not hold or the dedupe_key is already queued.

    With a `batch` (and `only_if`), the INSERT is sent with the batch: the message is
    returned without its primary key, and whether it was queued is known only to the
    database."""
    if not to:
        return None
    if template not in _deferred_contexts:
        raise LookupError(f"no deferred context registered for the e-mail template {template!r}")
    fields = dict(
        to=to,
        kind=kind,
        language=language,
        user=user,
        customer_id=customer_id,
        dedupe_key=dedupe_key,
        template=template,
        context=data,
    )
    if only_if is not None:
        return _store_if(only_if, batch=batch, **fields)
    return _store(**fields)


def message_render(message: OutboxMessage) -> None:
    """Render a message queued by message_enqueue_later() and keep the text on the row."""
    load = _deferred_contexts[message.template]
    with translation.override(message.language):
        context = load(message.context)
    subject, body_text, body_html, headers = _render(
        message.template, context, kind=message.kind, language=message.language, user=message.user
    )
    message.subject, message.body_text, message.body_html, message.headers = subject, body_text, body_html, headers
    OutboxMessage.objects.filter(pk=message.pk).update(
        subject=subject, body_text=body_text, body_html=body_html, headers=headers
    )


def _render(template: str, context: dict, *, kind: str, language: str, user) -> tuple[str, str, str, dict]:
    link = unsubscribe_url(user=user, kind=kind)
    headers = {}
    if link:
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    ctx = {"site_url": settings.SITE_URL, "unsubscribe_url": link, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}/subject.txt", ctx).split())
        body_text = render_to_string(f"emails/{template}/body.txt", ctx)
        body_html = render_to_string(f"emails/{template}/body.html", ctx)
    return subject, body_text, body_html, headers


def _store(*, dedupe_key: str | None, **fields) -> OutboxMessage | None:
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(channel=Channel.EMAIL, dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(_schedule_send)
    return message


def _store_if(only_if: tuple[str, list], *, batch: WriteBatch | None = None, **fields) -> OutboxMessage | None:
    """_store() as one `INSERT … SELECT … WHERE <only_if> ON CONFLICT DO NOTHING`: the
    condition is checked by the insert rather than by a query before it, and a dedupe_key
    already queued is skipped by the database rather than by catching the error, so there
    is no savepoint to set and release (an error inside the customer's transaction would
    otherwise abort it). PostgreSQL and SQLite only; elsewhere a query, then _store()."""
    condition, condition_params = only_if
    if connection.vendor not in ("postgresql", "sqlite"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 WHERE {condition}", condition_params)
            if cursor.fetchone() is None:
                return None
        return _store(**fields)
    message = OutboxMessage(channel=Channel.EMAIL, **fields)
    values = _insert_outbox.params([message])
    sql = (
        f"{_insert_outbox.head()} SELECT {', '.join(['%s'] * len(values))} WHERE {condition} "
        f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(OutboxMessage._meta.pk.column)}"
    )
    if batch is not None:
        batch.add(sql, [*values, *condition_params])
        transaction.on_commit(_schedule_send)
        return message
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *condition_params])
        row = cursor.fetchone()
    if row is None:
        return None
    message.pk = row[0]
    message._state.adding = False
    message._state.db = connection.alias
    transaction.on_commit(_schedule_send)
    return message


_insert_outbox = Insert(OutboxMessage)


# One run of the sender sends every due message, so a process schedules at most one run
# per SEND_BATCH_SECONDS, that long ahead: the run finds every message committed
# meanwhile. On the last evening of the reading window that is one broker round trip a
# second per process instead of one per submission. The periodic run (every minute) still
# sends whatever a lost task would have left behind.
SEND_BATCH_SECONDS = 1.0
_send_scheduled_until = 0.0


# The sender's task, by name: a task imports its service, never the reverse.
SEND_OUTBOX_TASK = "kabinet.notifications.tasks.send_outbox"


def _schedule_send() -> None:
    global _send_scheduled_until

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            outbox_send_due()  # the demo and the tests: send right away, in this process
            return
        now = time.monotonic()
        if now < _send_scheduled_until:
            return
        _send_scheduled_until = now + SEND_BATCH_SECONDS
        current_app.send_task(SEND_OUTBOX_TASK, countdown=SEND_BATCH_SECONDS)
    except Exception:  # the broker being down must not fail the customer's request
        log.exception("could not schedule the outbox; the periodic run will send it")


def outbox_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send due e-mail messages; failures are retried with backoff. Returns the number sent.

    Safe to run from several workers: each message is claimed with a conditional update.
    """
    now = now or timezone.now()
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, channel=Channel.EMAIL, next_attempt_at__lte=now
        ).values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        # Claim: push next_attempt_at forward so a parallel worker skips it.
        claimed = OutboxMessage.objects.filter(
            id=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + dt.timedelta(minutes=10))
        if not claimed:
            continue
        message = OutboxMessage.objects.get(id=message_id)
        try:
            if message.template and not message.body_text:
                message_render(message)  # queued by message_enqueue_later()
            values = message.secret_values or []
            email = EmailMultiAlternatives(
                subject=secrets_unmask(message.subject, values),
                body=secrets_unmask(message.body_text, values),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to],
                headers=message.headers or None,
            )
            if message.body_html:
                email.attach_alternative(secrets_unmask(message.body_html, values), "text/html")
            email.send()
        except Exception as exc:  # any transport error: retry later
            attempts = message.attempts + 1
            given_up = attempts >= MAX_ATTEMPTS
            OutboxMessage.objects.filter(id=message_id).update(
                attempts=attempts,
                last_error=str(exc)[:2000],
                status=OutboxStatus.FAILED if given_up else OutboxStatus.PENDING,
                next_attempt_at=now + dt.timedelta(minutes=2**attempts),
                **({"secret_values": []} if given_up else {}),
            )
            continue
        OutboxMessage.objects.filter(id=message_id).update(
            status=OutboxStatus.SENT,
            sent_at=timezone.now(),
            attempts=message.attempts + 1,
            last_error="",
            secret_values=[],  # the secret lives on in the recipient's mailbox only
        )
        sent += 1
    return sent
