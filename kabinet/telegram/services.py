"""The Telegram bot's services: link a chat to a login, handle an update from the
webhook, perform what the dialogue (kabinet.telegram.dialogue) asks, and send the
replies from the bot's outbox.

Readings go through kabinet.meters.submission.readings_submit(), the door of every
channel, with source "telegram"; the bot answers with the same receipt text as the
e-mail (templates/emails/reading_receipt/_receipt.txt). Every action re-reads what the
chat's login may see: the dialogue's state is never trusted for access."""

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing.estimate import charge_estimator
from kabinet.billing.receipts import receipt_pdf
from kabinet.billing.selectors import account_balances, visible_invoices
from kabinet.customers.models import User
from kabinet.customers.selectors import accesses_for_user
from kabinet.meters.models import MeterStatus, ReadingSource
from kabinet.meters.photos import reading_photo_store, reading_photos_attach
from kabinet.meters.receipts import receipt_context
from kabinet.meters.rules import plain
from kabinet.meters.selectors import meters_for_readings_form, meters_visible_to
from kabinet.meters.submission import readings_submit
from kabinet.servicedesk.models import Category
from kabinet.servicedesk.services import request_file
from kabinet.telegram import dialogue
from kabinet.telegram.client import BotClient, bot_client
from kabinet.telegram.models import LinkCode, OutgoingMessage, OutgoingStatus, ProcessedUpdate, TelegramChat, code_hash
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

LINK_CODE_MINUTES = 15
LINK_TRIES = 5
# No 0/O, 1/I: the customer types the code from the screen.
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The sender's task, by name: a task imports its service, never the reverse.
SEND_TASK = "kabinet.telegram.tasks.telegram_send_outbox"


def bot_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_WEBHOOK_SECRET)


def webhook_path_secret() -> str:
    """The URL's secret part: derived from the header secret, so access logs (which see
    the path) never hold the secret Telegram sends in the header."""
    return hashlib.sha256(f"kabinet-telegram:{settings.TELEGRAM_WEBHOOK_SECRET}".encode()).hexdigest()[:32]


def secret_matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# --- linking ---------------------------------------------------------------------------
@transaction.atomic
def link_code_create(*, user: User, now: dt.datetime | None = None) -> str:
    """A new one-time code for the portal to show; earlier unused codes stop working."""
    now = now or timezone.now()
    LinkCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = "".join(secrets.choice(LINK_ALPHABET) for _i in range(8))
    LinkCode.objects.create(
        user=user, code_hash=code_hash(code), expires_at=now + dt.timedelta(minutes=LINK_CODE_MINUTES)
    )
    event_record(kind="telegram.code", actor=user, obj=user, data={})
    return code


def chat_link(*, chat: TelegramChat, code: str, now: dt.datetime | None = None) -> User:
    now = now or timezone.now()
    # Eight characters of 32 are many guesses, but a chat gets only a few in a row.
    tries_key = f"telegram-link-tries:{chat.chat_id}"
    if cache.get(tries_key, 0) >= LINK_TRIES:
        raise ApplicationError("too_many_tries", _("Too many wrong codes. Try again in 15 minutes."))
    link = (
        LinkCode.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(code_hash=code_hash(code), used_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if link is None:
        cache.set(tries_key, cache.get(tries_key, 0) + 1, LINK_CODE_MINUTES * 60)
        raise ApplicationError(
            "bad_code", _("This code is not valid or has expired. Get a new one in the portal and send it here.")
        )
    LinkCode.objects.filter(pk=link.pk).update(used_at=now)
    chat.user, chat.linked_at, chat.state = link.user, now, {}
    chat.language = chat.language or link.user.language or ""
    chat.save(update_fields=["user", "linked_at", "state", "language"])
    event_record(kind="telegram.linked", actor=link.user, obj=chat, data={"chat": chat.chat_id})
    return link.user


@transaction.atomic
def chat_unlink(*, chat: TelegramChat, actor) -> None:
    event_record(kind="telegram.unlinked", actor=actor, obj=chat, data={"chat": chat.chat_id})
    TelegramChat.objects.filter(pk=chat.pk).update(user=None, linked_at=None, state={})
    chat.user, chat.linked_at, chat.state = None, None, {}


def chats_of(user: User):
    return TelegramChat.objects.filter(user=user).order_by("linked_at")


# --- the outbox --------------------------------------------------------------------------
def _enqueue(chat_id: int, text: str = "", *, document: bytes | None = None, name: str = "", dedupe_key=None):
    fields = {
        "chat_id": chat_id,
        "text": text,
        "document": document,
        "document_name": name,
        "next_attempt_at": timezone.now(),
        "dedupe_key": dedupe_key,
    }
    if dedupe_key:
        message, created = OutgoingMessage.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created:
            return None
    else:
        message = OutgoingMessage.objects.create(**fields)
    transaction.on_commit(_schedule_send)
    return message


def _schedule_send() -> None:
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            telegram_outbox_send_due()  # the demo and the tests: right away, in this process
            return
        from celery import current_app

        current_app.send_task(SEND_TASK)
    except Exception:  # the Bot API or the broker being down must not fail the webhook
        log.exception("could not send the Telegram outbox; the periodic run will")


def telegram_outbox_send_due(*, client: BotClient | None = None, limit: int = 100) -> int:
    """Send what is due with the configured client; failures retry with backoff."""
    client = client or bot_client()
    if client is None:
        return 0
    now = timezone.now()
    sent = 0
    ids = list(
        OutgoingMessage.objects.filter(status=OutgoingStatus.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        claimed = OutgoingMessage.objects.filter(
            id=message_id, status=OutgoingStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + dt.timedelta(minutes=10))
        if not claimed:
            continue
        message = OutgoingMessage.objects.get(id=message_id)
        try:
            if message.document is not None:
                client.send_document(
                    chat_id=message.chat_id,
                    content=bytes(message.document),
                    filename=message.document_name,
                    caption=message.text,
                )
            else:
                client.send_message(chat_id=message.chat_id, text=message.text)
        except Exception as exc:  # any Bot API error: retry later
            attempts = message.attempts + 1
            OutgoingMessage.objects.filter(id=message_id).update(
                attempts=attempts,
                last_error=str(exc)[:2000],
                status=OutgoingStatus.FAILED if attempts >= 8 else OutgoingStatus.PENDING,
                next_attempt_at=now + dt.timedelta(minutes=2**attempts),
            )
            continue
        OutgoingMessage.objects.filter(id=message_id).update(
            status=OutgoingStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
        )
        sent += 1
    return sent


def outgoing_retry(*, ids: list[int]) -> int:
    """Failed messages go back to the queue with a fresh count of attempts."""
    n = OutgoingMessage.objects.filter(id__in=ids, status=OutgoingStatus.FAILED).update(
        status=OutgoingStatus.PENDING, attempts=0, last_error="", next_attempt_at=timezone.now()
    )
    if n:
        transaction.on_commit(_schedule_send)
    return n


# --- an update from the webhook ------------------------------------------------------------
def update_receive(*, update: dict) -> bool:
    """Handle one update once: a repeated update_id (Telegram retries) does nothing.
    Returns whether it was new. An error while handling is logged and answered with an
    apology, never raised: Telegram would retry the same update forever."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**63:
        return False
    message = _private_message(update.get("message"))
    try:
        with transaction.atomic():
            ProcessedUpdate.objects.create(update_id=update_id)
            if message is not None:
                _message_handle(message)
    except IntegrityError:
        return False
    except Exception:  # a bug must not make Telegram retry the same update forever
        log.exception("Telegram update %s failed", update_id)
        return False
    return True


def _private_message(message) -> dict | None:
    """The update's message if it is one from a person's private chat, in the Bot API's
    shape; None for anything else (a group, a channel post, an edit, a malformed body):
    such updates are marked done and get no answer."""
    if not isinstance(message, dict):
        return None
    chat, sender, photos = message.get("chat"), message.get("from"), message.get("photo")
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    if not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool) or abs(chat["id"]) >= 2**63:
        return None
    if any(not isinstance(message.get(key, ""), str) for key in ("text", "caption")):
        return None
    if sender is not None and not (isinstance(sender, dict) and isinstance(sender.get("language_code", ""), str)):
        return None
    if photos is not None and not (
        isinstance(photos, list) and all(isinstance(p, dict) and isinstance(p.get("file_id"), str) for p in photos)
    ):
        return None
    return message


def _language_for(chat: TelegramChat, sender: dict) -> str:
    codes = UtilityProfile.get().language_codes or ["lv"]
    telegram_language = (sender.get("language_code") or "")[:2]
    for code in (chat.language, chat.user.language if chat.user else "", telegram_language):
        if code in dialogue.LANGUAGES:
            return code
    return codes[0]


def _portal_url() -> str:
    return settings.SITE_URL + reverse("portal:telegram")


def _message_handle(message: dict) -> None:
    chat_id = int(message["chat"]["id"])
    chat, _created = (
        TelegramChat.objects.select_for_update(of=("self",))
        .select_related("user__customer")
        .get_or_create(chat_id=chat_id)
    )
    if chat.user is not None and not chat.user.is_active:
        chat_unlink(chat=chat, actor=None)
    photos = message.get("photo") or []
    incoming = dialogue.Message(
        text=message.get("text") or message.get("caption") or "",
        photo=photos[-1]["file_id"] if photos else "",  # Telegram lists the sizes, largest last
        linked=chat.user is not None,
    )
    with translation.override(_language_for(chat, message.get("from") or {})):
        try:
            with transaction.atomic():
                outcome = dialogue.handle(chat.state, incoming, portal_url=_portal_url())
                chat.state = outcome.state
                replies = list(outcome.replies)
                for action in outcome.actions:
                    replies += _perform(chat, action)
        except ApplicationError as exc:
            chat.state, replies = {"step": dialogue.IDLE}, [exc.message]
        except Exception:
            log.exception("Telegram update for chat %s failed", chat_id)
            chat.state, replies = {"step": dialogue.IDLE}, [_("Something went wrong. Please try again later.")]
        if chat.pk:
            TelegramChat.objects.filter(pk=chat.pk).update(state=chat.state)
        for reply in replies:
            if isinstance(reply, tuple):
                _enqueue(chat_id, reply[2], document=reply[0], name=reply[1])
            elif reply:
                _enqueue(chat_id, reply)


def _perform(chat: TelegramChat, action: tuple) -> list:
    name, args = action[0], action[1:]
    if name == "link":
        user = chat_link(chat=chat, code=args[0])
        with translation.override(chat.language or translation.get_language()):
            return [
                _("This chat is linked to %(login)s.") % {"login": user.email or user.username},
                dialogue.help_text(linked=True, portal_url=_portal_url()),
            ]
    if name == "language":
        TelegramChat.objects.filter(pk=chat.pk).update(language=args[0])
        chat.language = args[0]
        with translation.override(args[0]):
            return [_("Language changed.")]
    if chat.user is None:  # every action below is for a linked chat only
        return [dialogue.help_text(linked=False, portal_url=_portal_url())]
    if name == "unlink":
        chat_unlink(chat=chat, actor=chat.user)
        return [_("This chat is no longer linked. Link it again with a new code from the portal.")]
    if name == "readings_start":
        outcome = dialogue.readings_begin(_meters_for_dialogue(chat.user))
        chat.state = outcome.state
        return outcome.replies
    if name == "reading_photo":
        outcome = _reading_photo(chat, meter_id=args[0], file_id=args[1], caption=args[2])
        chat.state = outcome.state
        replies = list(outcome.replies)
        for follow in outcome.actions:  # a caption with the value may end the dialogue
            replies += _perform(chat, follow)
        return replies
    if name == "readings_submit":
        return [_readings_submit(chat.user, args[0], args[1] if len(args) > 1 else {})]
    if name == "balance":
        return [_balance_text(chat.user)]
    if name == "invoice":
        return _last_invoices(chat.user)
    if name == "problem_start":
        outcome = dialogue.problem_begin(*_problem_choices(chat.user), phone_known=bool(_phone_of(chat.user)))
        chat.state = outcome.state
        return outcome.replies
    if name == "problem":
        account_id, category_id = (args[2], args[3]) if len(args) > 3 else (None, None)
        phone = args[4] if len(args) > 4 else ""
        return [
            _problem_file(
                chat.user,
                description=args[0],
                photo=args[1],
                account_id=account_id,
                category_id=category_id,
                phone=phone,
            )
        ]
    raise ValueError(name)


# --- the actions ---------------------------------------------------------------------------
def _meters_for_dialogue(user: User) -> list[dict]:
    """The active meters of every open account of the login, with the reading each new
    one is compared with (as on the portal's form)."""
    profile = UtilityProfile.get()
    from kabinet.meters.rules import reading_period_for

    period, _open = reading_period_for(timezone.localdate(), profile)
    accesses = list(accesses_for_user(user))
    meters = []
    for access in accesses:
        for meter in meters_for_readings_form(access.account.premises_id, period):
            label = f"{meter.service.name} № {meter.serial_number}"
            if meter.location:
                label += f" ({meter.location})"
            if len(accesses) > 1:
                label = f"{access.account.number}: {label}"
            previous = meter.last_value if meter.last_value is not None else meter.initial_reading
            meters.append({"id": meter.pk, "label": label, "previous": plain(previous) if previous is not None else ""})
    return meters


def receipts_text(readings) -> str:
    """The receipt of each reading as the e-mail shows it."""
    estimate = charge_estimator()
    parts = []
    for reading in readings:
        ctx = receipt_context(reading, estimate)
        parts.append(render_to_string("emails/reading_receipt/_receipt.txt", ctx).strip())
    return "\n\n".join(parts)


def _reading_photo(chat: TelegramChat, *, meter_id: int, file_id: str, caption: str) -> dialogue.Outcome:
    """Store the photo of the meter asked about (downloaded with getFile) and offer the
    value read from it. Access is checked again: the state names the meter, not the right."""
    meter = (
        meters_visible_to(chat.user).filter(pk=meter_id, status=MeterStatus.ACTIVE).select_related("service").first()
    )
    client = bot_client()
    if meter is None or client is None:
        return dialogue.Outcome(chat.state, [_("The photo could not be kept. Type the reading instead.")])
    content = client.get_file(file_id=file_id)
    upload = SimpleUploadedFile("telegram.jpg", content)
    try:
        photo = reading_photo_store(meter=meter, upload=upload, user=chat.user, source=ReadingSource.TELEGRAM)
    except ApplicationError as exc:  # the dialogue goes on: the same meter is still asked
        return dialogue.Outcome(chat.state, [exc.message, _("Type the reading instead.")])
    return dialogue.reading_photo_received(
        chat.state, photo_id=photo.pk, suggested=photo.suggested_value, caption=caption
    )


def _readings_submit(user: User, values: list, photos: dict | None = None) -> str:
    wanted = {int(meter_id): value for meter_id, value in values}
    # The state says which meters; access is checked again here, never taken from it.
    meters = {
        m.pk: m
        for m in meters_visible_to(user)
        .filter(pk__in=list(wanted), status=MeterStatus.ACTIVE)
        .select_related("service")
    }
    by_premises: dict[int, list] = {}
    for meter_id, value in wanted.items():
        if meter_id in meters:
            by_premises.setdefault(meters[meter_id].premises_id, []).append((meters[meter_id], value, False))
    if not by_premises:
        return _("No readings were sent.")
    readings = []
    estimate = charge_estimator()
    for entries in by_premises.values():
        readings += readings_submit(
            entries=entries, source=ReadingSource.TELEGRAM, actor=user, charge_estimator=estimate
        )
    if photos:  # every attempt is stored here (keep_refused): a refused reading keeps its photo too
        reading_photos_attach(
            user=user, photo_ids={int(meter_id): int(pk) for meter_id, pk in photos.items()}, readings=readings
        )
    for reading in readings:
        reading.meter = meters[reading.meter_id] if reading.meter_id in meters else reading.meter
    return receipts_text(readings)


def _money(amount, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _balance_text(user: User) -> str:
    accesses = [a for a in accesses_for_user(user) if a.can_see_invoices]
    if not accesses:
        return _("You have no accounts whose balance you may see.")
    balances = account_balances([a.account_id for a in accesses])
    currency = UtilityProfile.get().currency
    lines = []
    for access in accesses:
        amount = balances.get(access.account_id) or 0
        if amount > 0:
            state = _("to pay: %(amount)s") % {"amount": _money(amount, currency)}
        elif amount < 0:
            state = _("overpaid: %(amount)s") % {"amount": _money(-amount, currency)}
        else:
            state = _("nothing to pay")
        lines.append(
            _("Account %(number)s, %(address)s: %(state)s")
            % {"number": access.account.number, "address": access.account.premises, "state": state}
        )
    return "\n".join(lines)


def _last_invoices(user: User) -> list:
    today = timezone.localdate()
    replies: list = []
    for access in accesses_for_user(user):
        if not access.can_see_invoices:
            continue
        invoice = visible_invoices(access.account_id, today).first()
        if invoice is None:
            continue
        caption = _("Invoice %(number)s, account %(account)s, %(period)s") % {
            "number": invoice.number,
            "account": access.account.number,
            "period": invoice.period.strftime("%m.%Y"),
        }
        replies.append((receipt_pdf(invoice), f"{invoice.number or invoice.pk}.pdf", caption))
    return replies or [_("There are no invoices yet.")]


def _problem_categories():
    return Category.objects.filter(active=True, meter_work="").order_by("sort_order", "id")


def _problem_choices(user: User) -> tuple[list[dict], list[dict]]:
    """The addresses the login may file a request for and the kinds of problem, as the
    dialogue lists them ({"id", "label"}); meter work is booked on the portal."""
    accounts = [
        {"id": a.account_id, "label": f"{a.account.premises.address} ({a.account.number})"}
        for a in accesses_for_user(user)
    ]
    categories = [{"id": c.pk, "label": c.name} for c in _problem_categories()]
    return accounts, categories


def _phone_of(user: User) -> str:
    return user.phone or (user.customer.phone if user.customer_id else "")


def _problem_file(
    user: User,
    *,
    description: str,
    photo: str,
    account_id: int | None = None,
    category_id: int | None = None,
    phone: str = "",
) -> str:
    accesses = list(accesses_for_user(user))
    # The chat's state is only the chat's word: the account must be one of the login's own.
    access = next((a for a in accesses if a.account_id == account_id), accesses[0] if accesses else None)
    categories = _problem_categories()
    category = categories.filter(pk=category_id).first() or categories.first()
    if access is None or category is None:
        return _("Requests cannot be filed here. Please call us.")
    photos = []
    if photo:
        client = bot_client()
        content = client.get_file(file_id=photo) if client else b""
        photos = [SimpleUploadedFile("telegram.jpg", content)] if content else []
    phone = phone or _phone_of(user)
    req = request_file(
        user=user,
        account=access.account,
        category=category,
        description=description,
        phone=phone,
        photos=photos,
    )
    return _("Your request No. %(number)s is filed. We will let you know when it changes.") % {"number": req.pk}


# --- reminders (a channel of kabinet.meters.reminders) ----------------------------------------
def telegram_reminder_send(*, user: User, template: str, context: dict, dedupe_key: str) -> int:
    """A reading reminder to every chat linked to the login; once per chat (dedupe key)."""
    if template != "reading_reminder" or not bot_enabled():
        return 0
    sent = 0
    for chat in chats_of(user):
        language = chat.language or user.language or (UtilityProfile.get().language_codes or ["lv"])[0]
        with translation.override(language):
            dates = {"first": context["first"].strftime("%d.%m"), "last": context["last"].strftime("%d.%m")}
            if context.get("closing"):
                text = _("Tomorrow, %(last)s, is the last day to send meter readings. Send /readings.") % dates
            else:
                text = _("Meter readings are accepted from %(first)s to %(last)s. Send /readings.") % dates
        sent += _enqueue(chat.chat_id, text, dedupe_key=f"{dedupe_key}:telegram:{chat.chat_id}"[:200]) is not None
    return sent
