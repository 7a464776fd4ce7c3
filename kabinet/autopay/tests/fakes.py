"""A fake YooKassa API v3 on localhost: the provider's real transport (urllib) talks to
it over HTTP. It keeps payments like YooKassa does: POST /v3/payments (with the
Idempotence-Key: the same key returns the same payment), GET /v3/payments/{id}; a
payment with save_payment_method saves the card when the test "pays" it; a charge with
payment_method_id answers pending and then succeeds or is canceled with the reason the
test scripted (cancellation_details, as documented)."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CARD = {
    "first6": "555555",
    "last4": "4444",
    "expiry_month": "07",
    "expiry_year": "2029",
    "card_type": "MasterCard",
    "issuer_country": "RU",
    "issuer_name": "Sberbank",
}


class FakeYooKassa:
    def __init__(self):
        self.payments: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.requests: list[tuple[str, str, dict, dict | None]] = []
        self.outcomes: list[str] = []  # what the next charges of a saved card do: "succeeded" or a reason
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps({k: v for k, v in payload.items() if not k.startswith("_")}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("POST", self.path, dict(self.headers), body))
                if self.path != "/v3/payments":
                    return self._answer(404, {"type": "error", "code": "not_found"})
                key = self.headers.get("Idempotence-Key", "")
                if not key:
                    return self._answer(400, {"type": "error", "code": "invalid_request", "description": "key"})
                with fake.lock:
                    if key in fake.by_key:
                        return self._answer(200, fake.payments[fake.by_key[key]])
                    payment = fake._create(body)
                    fake.by_key[key] = payment["id"]
                return self._answer(200, payment)

            def do_GET(self):
                fake.requests.append(("GET", self.path, dict(self.headers), None))
                payment_id = self.path.rsplit("/", 1)[-1]
                if payment_id not in fake.payments:
                    return self._answer(404, {"type": "error", "code": "not_found"})
                return self._answer(200, fake.payments[payment_id])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _create(self, body: dict) -> dict:
        payment = {
            "id": str(uuid.uuid4()),
            "status": "pending",
            "paid": False,
            "amount": body["amount"],
            "created_at": "2026-11-01T07:00:00.000Z",
            "description": body.get("description", ""),
            "metadata": body.get("metadata", {}),
            "recipient": {"account_id": "100500", "gateway_id": "100700"},
            "refundable": False,
            "test": True,
        }
        if body.get("payment_method_id"):
            payment["payment_method"] = {
                "type": "bank_card",
                "id": body["payment_method_id"],
                "saved": True,
                "title": "Bank card *4444",
                "card": CARD,
            }
            payment["_outcome"] = self.outcomes.pop(0) if self.outcomes else "succeeded"
            payment["_charge"] = True
        else:
            payment["confirmation"] = {
                "type": "redirect",
                "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={payment['id']}",
            }
            payment["_save"] = bool(body.get("save_payment_method"))
        self.payments[payment["id"]] = payment
        return payment

    # --- what happens on YooKassa's side, then the notification it sends -------------------

    def pay(self, payment_id: str) -> dict:
        """The customer paid on YooKassa's page (saving the card if asked)."""
        payment = self.payments[payment_id]
        method_id = str(uuid.uuid4())
        payment.update(
            status="succeeded",
            paid=True,
            captured_at="2026-11-01T07:05:00.000Z",
            income_amount=payment["amount"],
            refundable=True,
            refunded_amount={"value": "0.00", "currency": payment["amount"]["currency"]},
            authorization_details={"rrn": "603668680243", "auth_code": "000000", "three_d_secure": {"applied": True}},
            payment_method={
                "type": "bank_card",
                "id": method_id,
                "saved": payment.pop("_save", False),
                "title": "Bank card *4444",
                "card": CARD,
            },
        )
        payment.pop("confirmation", None)
        return self.notification(payment_id)

    def settle_charge(self, payment_id: str) -> dict:
        """A pending charge of a saved card ends as scripted."""
        payment = self.payments[payment_id]
        outcome = payment.pop("_outcome")
        if outcome == "succeeded":
            payment.update(
                status="succeeded",
                paid=True,
                captured_at="2026-11-01T07:05:00.000Z",
                income_amount=payment["amount"],
                refundable=True,
                refunded_amount={"value": "0.00", "currency": payment["amount"]["currency"]},
            )
        else:
            party = "payment_network" if outcome in ("insufficient_funds", "card_expired") else "yoo_money"
            payment.update(status="canceled", cancellation_details={"party": party, "reason": outcome})
        return self.notification(payment_id)

    def notification(self, payment_id: str) -> dict:
        payment = {k: v for k, v in self.payments[payment_id].items() if not k.startswith("_")}
        event = {"succeeded": "payment.succeeded", "canceled": "payment.canceled"}[payment["status"]]
        return {"type": "notification", "event": event, "object": payment}

    def charges(self) -> list[dict]:
        """The charges of saved cards (not the customers' own payments)."""
        return [p for p in self.payments.values() if p.get("_charge")]
