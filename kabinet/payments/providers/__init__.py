"""Online payment providers: one small interface, one module per provider.

A provider creates a payment and gives the URL of its hosted payment page, tells the
status of a payment when asked (the server-side check every notification is verified
against), verifies its notifications and refunds. Which one is used is a setting:
PAYMENT_PROVIDER = "yookassa", "" (none: customers pay by bank transfer) or "sandbox"
(built in, for the demo and tests: no money moves, so it is refused outside them unless a
staging server asks for it by name, see settings).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderError(Exception):
    """The provider refused or could not be reached."""


class NotificationRejected(Exception):
    """A notification that is not authentic or not understood: answer 400, change nothing."""


@dataclass
class Created:
    provider_payment_id: str
    confirmation_url: str


@dataclass
class SavedMethod:
    """A payment method the provider keeps for charges without the customer (automatic
    payment): its token and what may be shown of the card, never the card number."""

    token: str
    title: str = ""
    last4: str = ""
    expiry_month: str = ""
    expiry_year: str = ""
    card_type: str = ""


@dataclass
class RemoteStatus:
    """A payment as the provider sees it: 'pending', 'succeeded', 'canceled', 'refunded'."""

    provider_payment_id: str
    status: str
    amount: Decimal
    currency: str
    metadata: dict = field(default_factory=dict)
    failure: str = ""
    # The method the provider saved with this payment (asked with save_method=True).
    saved_method: SavedMethod | None = None


class Provider(Protocol):
    code: str

    def create(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        description: str,
        return_url: str,
        metadata: dict,
        save_method: bool = False,
    ) -> Created:
        """With save_method, the provider keeps the payment method for later charges
        (the customer agrees on its page); RemoteStatus.saved_method then names it."""
        ...

    def charge_saved(
        self, *, reference: str, amount: Decimal, currency: str, description: str, metadata: dict, token: str
    ) -> RemoteStatus:
        """Charge a saved method, without the customer: the payment as the provider
        answered (often already succeeded or canceled; else a notification follows).
        `reference` is the idempotence key: the same one never charges twice."""
        ...

    def fetch(self, provider_payment_id: str) -> RemoteStatus: ...

    def verify_notification(self, *, body: bytes, headers, remote_addr: str) -> str:
        """The provider payment id the authentic notification is about."""
        ...

    def refund(self, *, provider_payment_id: str, amount: Decimal, currency: str, reference: str) -> str: ...


PROVIDERS = {
    "sandbox": "kabinet.payments.providers.sandbox.SandboxProvider",
    "yookassa": "kabinet.payments.providers.yookassa.YooKassaProvider",
}


def online_payments_enabled() -> bool:
    return bool(settings.PAYMENT_PROVIDER)


def provider_active(code: str) -> bool:
    """Whether Kabinet talks to this provider: a known one, and the sandbox only while it
    is the configured provider (its payments credit accounts without money moving)."""
    return code in PROVIDERS and (code != "sandbox" or settings.PAYMENT_PROVIDER == "sandbox")


def get_provider(code: str | None = None) -> Provider:
    code = code or settings.PAYMENT_PROVIDER
    if not code:
        raise ProviderError("no online payment provider is configured")
    if not provider_active(code):
        raise ProviderError(f"payment provider {code!r} is not active")
    return import_string(PROVIDERS[code])()
