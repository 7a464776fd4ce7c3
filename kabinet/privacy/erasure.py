"""Erasing a customer's login (GDPR art. 17; 152-ФЗ ст. 21 ч. 4-5) — and what stays.

A login is personal data; the account it used is a contract with the utility and its
invoices, payments and readings are accounting records the utility must keep
(Grāmatvedības likums; 402-ФЗ ст. 29, PrivacyPolicy.retention_years). So the erasure
never deletes the account's records: it removes or pseudonymises what identifies the
*login* — its name, e-mail, phone, username, sessions, tokens, second factors, household
accesses, and every copy of its e-mail address or phone number elsewhere (mail sent to it,
readings received from it, the audit trail). The login row itself stays as a pseudonym
("erased-<id>") because kept records point at it (a reading's `entered_by`, an online
payment's `user`): they then name nobody.

Correspondence (messages to the utility, comments on service requests) is the utility's
record of what it was asked and answered: the texts stay, their sender becomes the
pseudonym and the login's values inside the texts are replaced by "[erased]".

DECISIONS below is the single list of every table holding personal data of a login and
what the erasure does to it; a test (test_erasure_decisions) fails when a model with a
user link, an e-mail, a phone, a name or an IP address appears without a decision here.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from kabinet.customers.models import (
    Customer,
    Invitation,
    RegistrationApplication,
    User,
)
from kabinet.meters.models import InboundMessage
from kabinet.notifications.models import OutboxMessage
from kabinet.privacy.models import CorrectionRequest, DataExport
from kabinet.privacy.rules import ERASED, scrub, scrub_json
from kabinet.reception.models import Message, Reply
from kabinet.servicedesk.models import Comment, ServiceRequest
from kabinet.telegram.models import OutgoingMessage, TelegramChat
from kabinet.utility.models import Event


class Action(StrEnum):
    DELETE = "delete"  # the login's rows are deleted
    PSEUDONYMISE = "pseudonymise"  # the rows stay; these fields are emptied or replaced
    SCRUB = "scrub"  # the rows stay; the login's values inside these fields become "[erased]"
    KEEP = "keep"  # nothing changes, for the reason given


@dataclass(frozen=True)
class Decision:
    action: Action
    fields: tuple[str, ...]  # the personal fields this decision is about
    why: str


D, P, S, K = Action.DELETE, Action.PSEUDONYMISE, Action.SCRUB, Action.KEEP

DECISIONS: dict[str, tuple[Decision, ...]] = {
    # --- the login itself -----------------------------------------------------------------
    "customers.User": (
        Decision(
            P,
            ("username", "first_name", "last_name", "email", "phone", "language", "customer", "password"),
            "The row stays as 'erased-<id>' (kept readings and online payments point at it); "
            "the unusable password ends every session and no one can log in.",
        ),
    ),
    "customers.User_groups": (Decision(D, ("user",), "Roles of the login."),),
    "customers.User_user_permissions": (Decision(D, ("user",), "Permissions of the login."),),
    "customers.AccountAccess": (
        Decision(D, ("user",), "The login's household accesses: the account itself stays."),
        Decision(K, ("granted_by",), "Names the pseudonym (or staff) who granted another person's access."),
    ),
    "customers.MailPreference": (Decision(D, ("user",), "The login's e-mail choices."),),
    "customers.ActivationCode": (
        Decision(D, ("user",), "Codes to activate the login."),
        Decision(K, ("created_by",), "Staff who printed a code."),
    ),
    "customers.ApiToken": (Decision(D, ("user",), "The login's personal API tokens."),),
    "customers.Invitation": (
        Decision(D, ("email",), "Invitations addressed to the login's e-mail."),
        Decision(K, ("invited_by", "accepted_by"), "Point at the pseudonym; the invitee's e-mail is theirs."),
    ),
    "customers.RegistrationApplication": (
        Decision(
            P,
            ("full_name", "email", "phone", "ip"),
            "Applications of the login or from its e-mail: the decision stays, who applied does not "
            "(the message text too).",
        ),
        Decision(K, ("user", "decided_by"), "The pseudonym and the staff who decided."),
    ),
    "customers.Customer": (
        Decision(
            P,
            ("email", "phone"),
            "Cleared where they are the login's e-mail or phone (given with the login).",
        ),
        Decision(
            K,
            ("first_name", "last_name"),
            "The contract party named on the kept invoices (accounting law); the postal address stays "
            "for paper invoices while the contract lasts.",
        ),
    ),
    "office.Authenticator": (Decision(D, ("user",), "Second-factor devices of the login."),),
    "otp_totp.TOTPDevice": (Decision(D, ("user",), "The same devices, django-otp's table."),),
    "sessions.Session": (
        Decision(D, (), "Sessions end: Django refuses a session whose password hash no longer matches."),
    ),
    # --- copies of the login's values elsewhere ------------------------------------------------
    "notifications.OutboxMessage": (
        Decision(
            P,
            ("to", "subject", "body_text", "body_html", "headers", "context", "secret_values"),
            "Mail and SMS to the login or to its address or number: kind, status and times stay as "
            "proof that notices were sent; the text and the address go.",
        ),
        Decision(K, ("user",), "Points at the pseudonym."),
    ),
    "meters.InboundMessage": (
        Decision(
            P,
            ("sender", "subject", "body"),
            "E-mail and SMS readings from the login's address or number: the readings they gave stay.",
        ),
        Decision(K, ("handled_by",), "Staff."),
    ),
    "meters.SubmissionKey": (Decision(D, ("user",), "Retry keys of the login's submissions."),),
    "api.IdempotencyKey": (Decision(D, ("user",), "Retry keys of the login's API calls, with their answers."),),
    "telegram.TelegramChat": (Decision(D, ("user",), "The login's linked Telegram chats, with their chat ids."),),
    "telegram.LinkCode": (Decision(D, ("user",), "One-time codes to link a chat."),),
    # Mandates first: an active one must not lose its card before it goes.
    "autopay.Mandate": (
        Decision(D, ("user",), "The login's automatic payments, with their attempts; the payments stay (accounting)."),
    ),
    "autopay.SavedMethod": (
        Decision(D, ("user",), "The login's saved cards (the provider's token and mask): nothing charges them."),
    ),
    "inspection.Route": (Decision(K, ("inspector", "created_by"), "Staff: the inspector and who planned the route."),),
    "inspection.ControlCheck": (
        Decision(
            K,
            ("inspector", "reviewed_by", "note", "photo"),
            "Control readings of the meter (ПП 354 п. 82-85), kept with the readings they may have become; "
            "staff who took and reviewed them.",
        ),
    ),
    "ivr.CallSession": (
        Decision(
            K,
            ("caller_phone",),
            "Answering-machine calls name no login and are deleted a day after the call (ivr_sessions_purge).",
        ),
    ),
    "identity.ExternalIdentity": (
        Decision(D, ("user",), "The login's links to bank or ID providers (issuer, subject): no sign-in by them."),
    ),
    "telegram.OutgoingMessage": (
        Decision(D, ("chat_id", "text", "document"), "Bot messages to the login's chats (balances, invoices)."),
    ),
    "utility.Event": (
        Decision(S, ("message", "data"), "The audit trail stays; the login's values in it are erased."),
        Decision(P, ("ip",), "IP addresses of the login's own events."),
        Decision(K, ("actor",), "Points at the pseudonym."),
    ),
    "admin.LogEntry": (
        Decision(S, ("object_repr", "change_message"), "Staff edits of the login: what it was called goes."),
        Decision(K, ("user",), "Staff."),
    ),
    # --- correspondence: the text stays, the sender is pseudonymised ---------------------------
    "reception.Message": (
        Decision(P, ("name", "email", "phone", "ip"), "The sender of messages of the login or from its e-mail."),
        Decision(S, ("text", "subject"), "The letter stays as the utility's record; the login's values go."),
        Decision(K, ("user", "assigned_to"), "The pseudonym and staff."),
    ),
    "reception.Reply": (
        Decision(S, ("text",), "Replies in those conversations."),
        Decision(K, ("author",), "The pseudonym or staff."),
    ),
    "servicedesk.ServiceRequest": (
        Decision(P, ("phone",), "The contact phone of requests the login filed."),
        Decision(S, ("description",), "The repair history of the premises stays."),
        Decision(K, ("created_by", "assigned_to"), "The pseudonym and staff."),
    ),
    "servicedesk.Comment": (
        Decision(S, ("text",), "Comments on the login's requests."),
        Decision(K, ("author",), "The pseudonym or staff."),
    ),
    "servicedesk.StatusChange": (Decision(K, ("actor",), "The pseudonym or staff."),),
    # --- privacy's own tables ---------------------------------------------------------------
    "privacy.DataExport": (Decision(D, ("user",), "The copies of the login's data, files included."),),
    "privacy.CorrectionRequest": (
        Decision(P, ("current_value", "new_value", "comment"), "The values the login asked about."),
        Decision(K, ("user", "decided_by"), "The pseudonym and staff."),
    ),
    "privacy.ErasureRequest": (Decision(K, ("user", "decided_by"), "The record that the erasure was done."),),
    "privacy.ConsentRecord": (
        Decision(K, ("user",), "Proof of consent (GDPR art. 7(1)); it names only the pseudonym."),
    ),
    # --- kept: accounting records and staff work ------------------------------------------------
    "meters.Reading": (
        Decision(K, ("entered_by", "reviewed_by"), "Readings belong to the meter; accounting records."),
    ),
    "meters.ReadingPhoto": (
        Decision(
            K,
            ("uploaded_by",),
            "Photos of the meter are the evidence of its readings and stay with them (no EXIF: no place "
            "or device); they point at the pseudonym.",
        ),
    ),
    "payments.Payment": (
        Decision(
            K,
            ("payer_name", "actor"),
            "Bank payments are accounting records, kept for the retention period with the payer's details.",
        ),
    ),
    "payments.OnlinePayment": (Decision(K, ("user",), "Accounting record; points at the pseudonym."),),
    "meters.ReadingImport": (Decision(K, ("actor",), "Staff."),),
    "payments.StatementImport": (Decision(K, ("actor",), "Staff."),),
    "billing.BillingRun": (Decision(K, ("actor",), "Staff."),),
    "billing.Correction": (Decision(K, ("actor",), "Staff."),),
    "news.News": (Decision(K, ("created_by",), "Staff."),),
    "paper.PrintBatch": (Decision(K, ("created_by",), "Staff."),),
    "billing.BuildingReading": (Decision(K, ("actor",), "Staff."),),
    "billing.BuildingBalance": (Decision(K, ("reviewed_by",), "Staff."),),
    "pages.Page": (Decision(K, ("updated_by",), "Staff."),),
    "pages.PageVersion": (Decision(K, ("written_by",), "Staff."),),
    "pages.Document": (Decision(K, ("created_by",), "Staff."),),
    "news.Outage": (Decision(K, ("created_by",), "Staff."),),
    "utility.UtilityProfile": (
        Decision(
            K,
            ("email", "phone_emergency", "phone_reception", "phone_readings", "readings_email"),
            "The utility's own contacts.",
        ),
    ),
}


def phone_forms(phone: str) -> list[str]:
    """The number as typed and as SMS gateways write it (+37129123456, 37129123456)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 5:
        return [phone] if phone else []
    return list(dict.fromkeys([phone, digits, f"+{digits}"]))


def login_values(user: User) -> list[str]:
    """The values that identify the login and are searched for in every table."""
    values = [user.email, user.phone, user.username]
    return [v for v in dict.fromkeys(values) if v and len(v) >= 3]


@transaction.atomic
def login_erase(*, user: User) -> dict[str, int]:
    """Apply DECISIONS to `user`; returns how many rows each table had changed or deleted.
    The caller (services.erasure_approve) checks the request and records the event."""
    user = User.objects.select_for_update().get(pk=user.pk)
    values = login_values(user)
    email, phone = user.email, user.phone
    report: dict[str, int] = {}

    def count(label: str, n: int) -> None:
        if n:
            report[label] = report.get(label, 0) + n

    # The login's own rows: every DELETE decision on a link to the login, applied by the
    # table itself, so a new table (even of an app above this one) needs one line above.
    for export in DataExport.objects.filter(user=user).exclude(file=""):
        export.file.delete(save=False)
    # The bot's messages name their chat, not the login: found through the chats, before
    # the chats themselves go below.
    chat_ids = TelegramChat.objects.filter(user=user).values("chat_id")
    count("telegram.OutgoingMessage", OutgoingMessage.objects.filter(chat_id__in=chat_ids).delete()[0])
    for label, decisions in DECISIONS.items():
        for decision in decisions:
            if decision.action is Action.DELETE:
                count(label, _delete_linked(label, decision.fields, user))
    if email:
        count("customers.Invitation", Invitation.objects.filter(email__iexact=email).delete()[0])

    # The customer card's contacts, where they are the login's.
    if user.customer_id:
        if email:
            count(
                "customers.Customer", Customer.objects.filter(pk=user.customer_id, email__iexact=email).update(email="")
            )
        if phone:
            count("customers.Customer", Customer.objects.filter(pk=user.customer_id, phone=phone).update(phone=""))

    # Copies of its address and number.
    sent = Q(user=user)
    if email:
        sent |= Q(to__iexact=email)
    numbers = phone_forms(phone)
    if numbers:
        sent |= Q(to__in=numbers)
    count(
        "notifications.OutboxMessage",
        OutboxMessage.objects.filter(sent).update(
            to="", subject=ERASED, body_text=ERASED, body_html="", headers={}, context={}, secret_values=[]
        ),
    )
    senders = [email, *numbers] if email else numbers
    if senders:
        count(
            "meters.InboundMessage",
            InboundMessage.objects.filter(sender__in=senders).update(sender=ERASED, subject="", body=ERASED),
        )
    applied = Q(user=user) | (Q(email__iexact=email) if email else Q(pk__in=[]))
    count(
        "customers.RegistrationApplication",
        RegistrationApplication.objects.filter(applied).update(
            full_name=ERASED, email="", phone="", ip=None, message=""
        ),
    )
    count(
        "privacy.CorrectionRequest",
        CorrectionRequest.objects.filter(user=user).update(current_value="", new_value=ERASED, comment=""),
    )

    # Correspondence: the sender goes, the text stays without the login's values.
    messages = Message.objects.filter(Q(user=user) | (Q(email__iexact=email) if email else Q(pk__in=[])))
    message_ids = list(messages.values_list("pk", flat=True))
    count(
        "reception.Message",
        Message.objects.filter(pk__in=message_ids).update(name=ERASED, email="", phone="", ip=None),
    )
    count("reception.Message", _scrub_rows(Message.objects.filter(pk__in=message_ids), ("subject", "text"), values))
    count("reception.Reply", _scrub_rows(Reply.objects.filter(message_id__in=message_ids), ("text",), values))
    requests = ServiceRequest.objects.filter(created_by=user)
    count("servicedesk.ServiceRequest", requests.update(phone=""))
    count("servicedesk.ServiceRequest", _scrub_rows(requests, ("description",), values))
    count("servicedesk.Comment", _scrub_rows(Comment.objects.filter(request__created_by=user), ("text",), values))

    # The audit trail and the back office's own log: wherever a value appears.
    count("utility.Event", _scrub_events(user, values))
    count("admin.LogEntry", _scrub_log_entries(user, values))

    # Last, the login: a pseudonym that cannot log in. Changing the password's hash ends
    # every session at its next request (Django compares the session's hash).
    User.objects.filter(pk=user.pk).update(
        username=f"erased-{user.pk}",
        first_name="",
        last_name="",
        email="",
        phone="",
        language="",
        customer=None,
        is_active=False,
        activation_pending=False,
        password=make_password(None),
        last_login=None,
    )
    count("customers.User", 1)
    return report


def _delete_linked(label: str, fields: tuple[str, ...], user: User) -> int:
    model = apps.get_model(label)
    links = [
        name
        for name in fields
        if getattr(model._meta.get_field(name), "related_model", None) is User and not model._meta.proxy
    ]
    if not links:
        return 0
    condition = Q()
    for name in links:
        condition |= Q(**{name: user})
    return model.objects.filter(condition).delete()[0]


def _contains_any(fields: tuple[str, ...], values: list[str]) -> Q:
    condition = Q(pk__in=[])
    for field in fields:
        for value in values:
            condition |= Q(**{f"{field}__icontains": value})
    return condition


def _scrub_rows(queryset, fields: tuple[str, ...], values: list[str]) -> int:
    """Replace the values in `fields` of the rows of `queryset` that contain one."""
    if not values:
        return 0
    changed = 0
    for row in queryset.filter(_contains_any(fields, values)).only("pk", *fields):
        for field in fields:
            setattr(row, field, scrub(getattr(row, field), values))
        row.save(update_fields=list(fields))
        changed += 1
    return changed


def _scrub_events(user: User, values: list[str]) -> int:
    own = Q(actor=user) | Q(object_type=User._meta.label_lower, object_id=str(user.pk))
    changed = Event.objects.filter(own).exclude(ip=None).update(ip=None)
    if not values:
        return changed
    found = Event.objects.annotate(data_text=Cast("data", TextField())).filter(
        _contains_any(("message", "data_text"), values)
    )
    for event in found.only("pk", "message", "data"):
        Event.objects.filter(pk=event.pk).update(
            message=scrub(event.message, values), data=scrub_json(event.data, values)
        )
        changed += 1
    return changed


def _scrub_log_entries(user: User, values: list[str]) -> int:
    about = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=f"erased-{user.pk}")
    return about + _scrub_rows(LogEntry.objects.all(), ("object_repr", "change_message"), values)
