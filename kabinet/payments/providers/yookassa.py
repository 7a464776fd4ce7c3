"""YooKassa (ЮKassa), API v3 — https://yookassa.ru/developers/api

* Create: POST /v3/payments with HTTP Basic auth (shop id : secret key), an
  Idempotence-Key header, capture=true and a redirect confirmation; the customer goes to
  `confirmation.confirmation_url` and comes back to our return_url.
* Status: GET /v3/payments/{id}: pending, waiting_for_capture, succeeded, canceled
  (with cancellation_details.reason).
* Notifications (`{"type": "notification", "event": "payment.succeeded", "object": {…}}`)
  are not signed: YooKassa sends them from published IP ranges, and the object is
  re-read with GET before anything is registered, so a forged or altered body changes
  nothing.
* Refunds: POST /v3/refunds.
* Automatic payment (recurring payments): a first payment with save_payment_method=true
  saves the card; the succeeded payment's `payment_method` has `saved: true` and the `id`
  to charge later. A later POST /v3/payments with that `payment_method_id` (and no
  confirmation) charges it without the customer; a decline comes back as status
  canceled with cancellation_details.reason (insufficient_funds, card_expired,
  permission_revoked, ...).

Settings (environment): PAYMENT_PROVIDER=yookassa, YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY
(or YOOKASSA_SECRET_KEY_FILE), optionally YOOKASSA_API_URL, YOOKASSA_CHECK_IP (default
on), YOOKASSA_RECEIPT_VAT_CODE (send a 54-FZ receipt with this vat_code when set).
"""

import base64
import ipaddress
import json
import urllib.error
import urllib.request
from decimal import Decimal

from django.conf import settings

from kabinet.payments.providers import Created, NotificationRejected, ProviderError, RemoteStatus, SavedMethod

# https://yookassa.ru/developers/using-api/webhooks#ip
NOTIFICATION_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    )
]
STATUS_MAP = {
    "pending": "pending",
    "waiting_for_capture": "pending",  # we always ask for capture=true
    "succeeded": "succeeded",
    "canceled": "canceled",
}


def transport(method: str, url: str, *, headers: dict, body: bytes | None, timeout: float = 20.0) -> tuple[int, bytes]:
    """One HTTP request (tests replace this function with recorded responses)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310  # fixed https URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ProviderError(f"YooKassa is not reachable: {exc}") from exc


class YooKassaProvider:
    code = "yookassa"

    def __init__(self):
        self.shop_id = settings.YOOKASSA_SHOP_ID
        self.secret_key = settings.YOOKASSA_SECRET_KEY
        self.api_url = settings.YOOKASSA_API_URL.rstrip("/")
        if not self.shop_id or not self.secret_key:
            raise ProviderError("YooKassa is not configured: set YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY")

    def _call(self, method: str, path: str, payload: dict | None = None, idempotence_key: str = "") -> dict:
        token = base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        if idempotence_key:
            headers["Idempotence-Key"] = idempotence_key
        body = json.dumps(payload).encode() if payload is not None else None
        status, raw = transport(method, f"{self.api_url}{path}", headers=headers, body=body)
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise ProviderError(f"YooKassa answered {status} with a non-JSON body") from exc
        if status >= 400 or data.get("type") == "error":
            raise ProviderError(f"YooKassa {status}: {data.get('code', '')} {data.get('description', '')}".strip())
        return data

    def create(self, *, reference, amount, currency, description, return_url, metadata, save_method=False) -> Created:
        payload = {
            "amount": {"value": f"{amount:.2f}", "currency": currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description[:128],
            "metadata": metadata,
        }
        if save_method:
            # The customer agrees on YooKassa's page; saving a card also needs the
            # payment method chosen there to be a bank card (the only one we show).
            payload["save_payment_method"] = True
            payload["payment_method_data"] = {"type": "bank_card"}
        self._add_receipt(payload, amount=amount, currency=currency, description=description, metadata=metadata)
        data = self._call("POST", "/payments", payload, idempotence_key=reference)
        confirmation = data.get("confirmation") or {}
        if not data.get("id") or not confirmation.get("confirmation_url"):
            raise ProviderError("YooKassa did not return a payment page")
        return Created(data["id"], confirmation["confirmation_url"])

    def charge_saved(self, *, reference, amount, currency, description, metadata, token) -> RemoteStatus:
        payload = {
            "amount": {"value": f"{amount:.2f}", "currency": currency},
            "capture": True,
            "payment_method_id": token,
            "description": description[:128],
            "metadata": metadata,
        }
        self._add_receipt(payload, amount=amount, currency=currency, description=description, metadata=metadata)
        return _remote(self._call("POST", "/payments", payload, idempotence_key=reference))

    def _add_receipt(self, payload: dict, *, amount, currency, description, metadata) -> None:
        vat_code = getattr(settings, "YOOKASSA_RECEIPT_VAT_CODE", "")
        if vat_code and metadata.get("email"):
            payload["receipt"] = {
                "customer": {"email": metadata["email"]},
                "items": [
                    {
                        "description": description[:128],
                        "quantity": "1.00",
                        "amount": {"value": f"{amount:.2f}", "currency": currency},
                        "vat_code": int(vat_code),
                        "payment_subject": "service",
                        "payment_mode": "full_payment",
                    }
                ],
            }

    def fetch(self, provider_payment_id: str) -> RemoteStatus:
        data = self._call("GET", f"/payments/{provider_payment_id}")
        return _remote(data)

    def verify_notification(self, *, body: bytes, headers, remote_addr: str) -> str:
        if settings.YOOKASSA_CHECK_IP:
            try:
                address = ipaddress.ip_address(remote_addr)
            except ValueError as exc:
                raise NotificationRejected("no sender address") from exc
            if not any(address in network for network in NOTIFICATION_NETWORKS):
                raise NotificationRejected(f"notification from {remote_addr}, not a YooKassa address")
        try:
            data = json.loads(body)
            if data.get("type") != "notification" or not str(data.get("event", "")).startswith("payment."):
                raise NotificationRejected("not a payment notification")
            return str(data["object"]["id"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotificationRejected("not a notification") from exc

    def refund(self, *, provider_payment_id, amount, currency, reference) -> str:
        data = self._call(
            "POST",
            "/refunds",
            {"payment_id": provider_payment_id, "amount": {"value": f"{amount:.2f}", "currency": currency}},
            idempotence_key=f"refund-{reference}",
        )
        if data.get("status") == "canceled":
            raise ProviderError("YooKassa refused the refund")
        return data["id"]


def _remote(data: dict) -> RemoteStatus:
    """YooKassa's payment object as a RemoteStatus; ProviderError for anything not in its
    documented shape (a wrong type anywhere is that too, never a crash)."""
    try:
        amount = data["amount"]
        if not isinstance(data["id"], str) or not isinstance(amount["currency"], str):
            raise TypeError("id and currency are strings")
        status = STATUS_MAP.get(data["status"], "pending")
        if status == "succeeded" and Decimal(str(data.get("refunded_amount", {}).get("value", "0"))) >= Decimal(
            amount["value"]
        ):
            status = "refunded"
        return RemoteStatus(
            provider_payment_id=data["id"],
            status=status,
            amount=Decimal(amount["value"]),
            currency=amount["currency"],
            metadata=data["metadata"] if isinstance(data.get("metadata"), dict) else {},
            failure=str((data.get("cancellation_details") or {}).get("reason", ""))[:100],
            saved_method=_saved_method(data.get("payment_method") or {}),
        )
    except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        raise ProviderError("YooKassa returned an unexpected payment object") from exc


def _saved_method(method: dict) -> SavedMethod | None:
    """The card YooKassa saved for later charges (`saved: true`), or None. Only its mask
    and expiry are kept: YooKassa never sends the card number, and we would not keep it."""
    if not method.get("saved") or not method.get("id"):
        return None
    card = method.get("card") or {}
    return SavedMethod(
        token=str(method["id"]),
        title=str(method.get("title", ""))[:100],
        last4=str(card.get("last4", ""))[:4],
        expiry_month=str(card.get("expiry_month", ""))[:2],
        expiry_year=str(card.get("expiry_year", ""))[:4],
        card_type=str(card.get("card_type", ""))[:30],
    )
