"""The sandbox provider: a hosted payment page inside Kabinet that behaves like a real
one. The customer can pay, be declined or cancel; the notification can be sent at once,
later (delayed, delivered by `manage.py sandbox_notify`) or twice. Notifications are
signed with HMAC-SHA256 like a real provider's, and go through the same door as theirs.

Automatic payment: a charge created with save_method saves a sandbox card when paid (its
token, "Sandbox card *4242", in the charge's metadata); charge_saved() charges that token
without the customer, at once, like YooKassa's payment_method_id. A saved card can be told
to decline (`card_failure_set`: insufficient_funds, card_expired, ...) to try failures.
"""

import datetime as dt
import hashlib
import hmac
import json
import secrets
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kabinet.payments.models import SandboxCharge
from kabinet.payments.providers import (
    Created,
    NotificationRejected,
    ProviderError,
    RemoteStatus,
    SavedMethod,
    provider_active,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
DELAY = dt.timedelta(seconds=60)


def _secret() -> bytes:
    return (settings.PAYMENTS_SANDBOX_SECRET or settings.SECRET_KEY + ":sandbox").encode()


def sign(body: bytes) -> str:
    return hmac.new(_secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    code = "sandbox"

    def create(self, *, reference, amount, currency, description, return_url, metadata, save_method=False) -> Created:
        charge = SandboxCharge.objects.create(
            id="sb_" + secrets.token_urlsafe(18),
            amount=amount,
            currency=currency,
            description=description[:200],
            return_url=return_url,
            metadata={**metadata, SAVE_KEY: True} if save_method else metadata,
        )
        return Created(charge.id, reverse("portal:sandbox-page", args=[charge.id]))

    def charge_saved(self, *, reference, amount, currency, description, metadata, token) -> RemoteStatus:
        # The same reference is the same charge (YooKassa's Idempotence-Key).
        charge_id = "sb_ap_" + hashlib.sha256(reference.encode()).hexdigest()[:24]
        existing = SandboxCharge.objects.filter(pk=charge_id).first()
        if existing is not None:
            return _status(existing)
        card = _saved_card(token)
        if card is None:
            status, failure = "canceled", "permission_revoked"
        else:
            failure = card.get("declines", "")
            status = "canceled" if failure else "succeeded"
        charge = SandboxCharge.objects.create(
            id=charge_id,
            amount=amount,
            currency=currency,
            description=description[:200],
            return_url="",
            metadata={**metadata, METHOD_KEY: card or {}},
            status=status,
            failure=failure,
            # The notification follows, like a real provider's, after the answer.
            notify_due=timezone.now() + DELAY,
        )
        return _status(charge)

    def fetch(self, provider_payment_id: str) -> RemoteStatus:
        charge = SandboxCharge.objects.filter(pk=provider_payment_id).first()
        if charge is None:
            raise ProviderError("no such sandbox payment")
        return _status(charge)

    def verify_notification(self, *, body: bytes, headers, remote_addr: str) -> str:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature or not hmac.compare_digest(signature, sign(body)):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body)
            return str(data["object"]["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("not a notification") from exc

    def refund(self, *, provider_payment_id, amount, currency, reference) -> str:
        charge = SandboxCharge.objects.get(pk=provider_payment_id)
        if charge.status != "succeeded" or amount > charge.amount - charge.refunded:
            raise ProviderError("nothing to refund")
        charge.refunded += amount
        if charge.refunded == charge.amount:
            charge.status = "refunded"
        charge.save(update_fields=["refunded", "status"])
        return f"rf_{charge.pk}_{charge.refunded}"


SAVE_KEY = "save_method"
METHOD_KEY = "payment_method"


def _saved_card(token: str) -> dict | None:
    charge = (
        SandboxCharge.objects.filter(metadata__payment_method__id=token, status__in=("succeeded", "refunded"))
        .exclude(pk__startswith="sb_ap_")
        .first()
    )
    return charge.metadata[METHOD_KEY] if charge is not None else None


def card_failure_set(*, token: str, reason: str = "") -> None:
    """Make a saved sandbox card decline its next charges with `reason` ("" to pay again)."""
    for charge in SandboxCharge.objects.filter(metadata__payment_method__id=token).exclude(pk__startswith="sb_ap_"):
        charge.metadata[METHOD_KEY]["declines"] = reason
        charge.save(update_fields=["metadata"])


def _status(charge: SandboxCharge) -> RemoteStatus:
    method = charge.metadata.get(METHOD_KEY) or {}
    saved = None
    if method.get("id") and charge.status in ("succeeded", "refunded"):
        saved = SavedMethod(
            token=method["id"],
            title=method.get("title", ""),
            last4=method.get("last4", ""),
            expiry_month=method.get("expiry_month", ""),
            expiry_year=method.get("expiry_year", ""),
            card_type="Sandbox",
        )
    return RemoteStatus(
        provider_payment_id=charge.pk,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        metadata={k: v for k, v in charge.metadata.items() if k not in (SAVE_KEY, METHOD_KEY)},
        failure=charge.failure,
        saved_method=saved,
    )


def notification_body(charge: SandboxCharge) -> bytes:
    event = {"succeeded": "payment.succeeded", "canceled": "payment.canceled"}.get(charge.status, "payment.pending")
    payload = {
        "type": "notification",
        "event": event,
        "object": {
            "id": charge.pk,
            "status": charge.status,
            "amount": {"value": f"{charge.amount:.2f}", "currency": charge.currency},
            "metadata": charge.metadata,
            "failure": charge.failure,
        },
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def charge_act(*, charge: SandboxCharge, action: str, delay: bool = False, twice: bool = False) -> None:
    """What the customer did on the hosted page: pay, decline (the card's bank said no)
    or cancel. Then the notification: now, later, or twice."""
    if charge.status != "pending":
        return
    if action == "pay":
        charge.status = "succeeded"
        if charge.metadata.get(SAVE_KEY):
            expiry = timezone.localdate().year + 3
            charge.metadata[METHOD_KEY] = {
                "id": "pm_sb_" + secrets.token_urlsafe(18),
                "title": "Sandbox card *4242",
                "last4": "4242",
                "expiry_month": "12",
                "expiry_year": str(expiry),
            }
    elif action == "decline":
        charge.status, charge.failure = "canceled", "card_declined"
    elif action == "cancel":
        charge.status, charge.failure = "canceled", "canceled_by_customer"
    else:
        raise ProviderError("unknown action")
    charge.notify_due = timezone.now() + DELAY if delay else None
    charge.save(update_fields=["status", "failure", "notify_due", "metadata"])
    if not delay:
        for _ in range(2 if twice else 1):
            deliver(charge)


def deliver(charge: SandboxCharge) -> None:
    """Send the signed notification through the same door as a real provider's."""
    from kabinet.payments.online import notification_handle

    body = notification_body(charge)
    notification_handle(provider_code="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body)}, remote_addr="")
    SandboxCharge.objects.filter(pk=charge.pk).update(notifications_sent=charge.notifications_sent + 1)
    charge.notifications_sent += 1


def deliver_due(now: dt.datetime | None = None) -> int:
    if not provider_active("sandbox"):
        return 0  # switched off: its charges credit nothing any more
    now = now or timezone.now()
    due = list(SandboxCharge.objects.filter(notify_due__lte=now).exclude(status="pending"))
    for charge in due:
        SandboxCharge.objects.filter(pk=charge.pk).update(notify_due=None)
        deliver(charge)
    return len(due)


__all__ = [
    "Decimal",
    "SandboxProvider",
    "card_failure_set",
    "charge_act",
    "deliver",
    "deliver_due",
    "notification_body",
    "sign",
]
