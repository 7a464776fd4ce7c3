from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.customers.selectors import user_wants_mail
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.notifications.unsubscribe import unsubscribe_url
from kabinet.reception.models import MAX_TEXT, TRANSITIONS, Message, MessageKind, MessageStatus, Reply
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError("empty", _("This field is required."), field=field)
    if len(value) > limit:
        raise ApplicationError(
            "too_long",
            _("Too long: at most %(limit)d characters, you wrote %(count)d.") % {"limit": limit, "count": len(value)},
            field=field,
        )
    return value


def _set_status(message: Message, status: str, *, actor) -> None:
    if status not in TRANSITIONS[message.status]:
        raise ApplicationError("status_not_allowed", _("This conversation is closed."))
    old = message.status
    message.status = status
    message.save(update_fields=["status", "updated"])
    event_record(kind="reception.status", actor=actor, obj=message, data={"from": old, "to": status})


@transaction.atomic
def reception_message_send(
    *,
    kind: str,
    subject: str,
    text: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    user=None,
    ip: str | None = None,
    submit_key: str | None = None,
) -> Message:
    """A message to the utility. A logged-in customer's name and e-mail come from the login.
    A repeated submit_key (double click, resent form) returns the message already sent."""
    if submit_key:
        existing = Message.objects.filter(submit_key=submit_key).first()
        if existing:
            return existing
    if kind not in MessageKind.values:
        raise ApplicationError("bad_kind", _("Choose what you are writing about."), field="kind")
    if user is not None and user.is_authenticated:
        name = user.get_full_name() or name
        email = user.email or email
    else:
        user = None
    name = _text(name, field="name", limit=200)
    email = _text(email, field="email", limit=254)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError("bad_email", _("Enter a valid e-mail address."), field="email") from exc
    message = Message.objects.create(
        kind=kind,
        name=name,
        email=email,
        phone=_text(phone, field="phone", limit=30, required=False),
        subject=_text(subject, field="subject", limit=200),
        text=_text(text, field="text", limit=MAX_TEXT),
        user=user,
        customer_id=getattr(user, "customer_id", None),
        ip=ip,
        submit_key=submit_key or None,
    )
    event_record(kind="reception.received", actor=user, obj=message, ip=ip, data={"kind": kind})
    return message


@transaction.atomic
def reception_reply(*, message: Message, author, text: str) -> Reply:
    """A reply in the thread: from staff it is e-mailed to the sender and marks the message
    answered; from the customer it reopens it for the staff."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    text = _text(text, field="text", limit=MAX_TEXT)
    from_staff = bool(author and author.is_staff)
    if not from_staff and (author is None or author.pk != message.user_id):
        raise ApplicationError("not_yours", _("You cannot reply to this message."))
    _set_status(message, MessageStatus.ANSWERED if from_staff else MessageStatus.NEW, actor=author)
    reply = Reply.objects.create(message=message, author=author, from_staff=from_staff, text=text)
    event_record(kind="reception.reply", actor=author, obj=message, data={"from_staff": from_staff})
    if from_staff:
        _reply_email(message, reply)
    return reply


def _reply_email(message: Message, reply: Reply) -> None:
    user = message.user
    if user is not None:
        # A customer with a login: their notification settings decide.
        if not user_wants_mail(user, MailKind.RECEPTION):
            return
        to, link = user.email, unsubscribe_url(user=user, kind=MailKind.RECEPTION)
        language = user.language or "lv"
    else:
        # Someone who wrote without login asked for this answer by e-mail.
        to, link, language = message.email, "", UtilityProfile.get().language_codes[0]
    message_enqueue(
        to=to,
        template="reception_reply",
        context={"message": message, "reply": reply, "utility": UtilityProfile.get(), "unsubscribe_url": link},
        kind=MailKind.RECEPTION,
        language=language,
        user=user,
        customer_id=message.customer_id,
        dedupe_key=f"reception:reply:{reply.pk}",
    )


@transaction.atomic
def reception_assign(*, message: Message, staff, actor) -> Message:
    if staff is not None and not staff.is_staff:
        raise ApplicationError("not_staff", _("Only staff can be assigned."))
    Message.objects.filter(pk=message.pk).update(assigned_to=staff)
    message.refresh_from_db()
    event_record(kind="reception.assigned", actor=actor, obj=message, data={"staff": getattr(staff, "pk", None)})
    return message


@transaction.atomic
def reception_close(*, message: Message, actor) -> Message:
    message = Message.objects.select_for_update().get(pk=message.pk)
    _set_status(message, MessageStatus.CLOSED, actor=actor)
    return message
