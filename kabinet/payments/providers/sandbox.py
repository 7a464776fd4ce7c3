"""The sandbox provider: a hosted payment page inside Kabinet that behaves like a real
one. The customer can pay, be declined or cancel; the notification can be sent at once,
later (delayed, delivered by `manage.py sandbox_notify`) or twice. Notifications are
signed with HMAC-SHA256 like a real provider's, and go through the same door as theirs.
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
from kabinet.payments.providers import Created, NotificationRejected, ProviderError, RemoteStatus, provider_active

SIGNATURE_HEADER = "X-Sandbox-Signature"
DELAY = dt.timedelta(seconds=60)


def _secret() -> bytes:
    return (settings.PAYMENTS_SANDBOX_SECRET or settings.SECRET_KEY + ":sandbox").encode()


def sign(body: bytes) -> str:
    return hmac.new(_secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    code = "sandbox"

    def create(self, *, reference, amount, currency, description, return_url, metadata) -> Created:
        charge = SandboxCharge.objects.create(
            id="sb_" + secrets.token_urlsafe(18),
            amount=amount,
            currency=currency,
            description=description[:200],
            return_url=return_url,
            metadata=metadata,
        )
        return Created(charge.id, reverse("portal:sandbox-page", args=[charge.id]))

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


def _status(charge: SandboxCharge) -> RemoteStatus:
    return RemoteStatus(
        provider_payment_id=charge.pk,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        metadata=charge.metadata,
        failure=charge.failure,
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
    elif action == "decline":
        charge.status, charge.failure = "canceled", "card_declined"
    elif action == "cancel":
        charge.status, charge.failure = "canceled", "canceled_by_customer"
    else:
        raise ProviderError("unknown action")
    charge.notify_due = timezone.now() + DELAY if delay else None
    charge.save(update_fields=["status", "failure", "notify_due"])
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


__all__ = ["Decimal", "SandboxProvider", "charge_act", "deliver", "deliver_due", "notification_body", "sign"]
