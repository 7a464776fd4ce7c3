"""Helpers shared by the access services."""

import re
import secrets
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from kabinet.customers.models import (
    AccessRole,
    Account,
    AccountAccess,
    Customer,
    User,
)
from kabinet.customers.tokens import (
    LINK_INVALID,
    Purpose,
    token_read,
)
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile

# The door (portal) supplies the check of a proof printed on an invoice: billing sits
# above customers, so customers cannot ask it directly. (account ids, proof) -> matches.
InvoiceProof = Callable[[Sequence[int], str], bool]


# --- small helpers -------------------------------------------------------------------


def customer_language(customer: Customer) -> str:
    """The customer's language if the utility speaks it, else the utility's first language."""
    codes = UtilityProfile.get().language_codes or ["lv"]
    return customer.language if customer.language in codes else codes[0]


def _language(language: str | None = None) -> str:
    return (language or translation.get_language() or "lv")[:2]


def _mail(*, to: str, template: str, language: str, user=None, customer_id=None, **context) -> None:
    message_enqueue(
        to=to,
        template=template,
        context={"utility": UtilityProfile.get(), "user": user, **context},
        kind=MailKind.ACCOUNT,
        language=language,
        user=user if getattr(user, "pk", None) else None,
        customer_id=customer_id if customer_id is not None else getattr(user, "customer_id", None),
        # A link's token opens the account: never stored in the outbox's text.
        secrets=[context["token"]] if context.get("token") else (),
    )


def _password_check(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("weak_password", " ".join(exc.messages), field="password") from None


def _email_owner(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _free_username(email: str) -> str:
    base = email.lower()[:140]
    if not User.objects.filter(username=base).exists():
        return base
    return f"{base}#{secrets.token_hex(3)}"


def proof_normalise(proof: str) -> str:
    return re.sub(r"\s+", "", proof or "").upper()


def proof_amount(proof: str) -> Decimal | None:
    """'12,50', '12.50 EUR', '€ 12.5' -> Decimal('12.50'); anything else -> None."""
    text = re.sub(r"[^0-9,.\-]", "", proof or "").replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]{1,2})?", text):
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _open_accounts(customer: Customer) -> list[Account]:
    return list(customer.accounts.filter(closed_on__isnull=True).order_by("number"))


def _proof_matches(accounts: Sequence[Account], proof: str, invoice_proof: InvoiceProof) -> bool:
    """The proof is a detail from inside the last invoice (UtilityProfile.registration_proof),
    never the account number: that is on the envelope beside the client code."""
    if not accounts or not proof_normalise(proof):
        return False
    return invoice_proof([a.id for a in accounts], proof)


def _grant_holder(user: User, accounts: Sequence[Account], *, actor=None) -> list[AccountAccess]:
    granted = []
    for account in accounts:
        access, created = AccountAccess.objects.get_or_create(
            user=user, account=account, defaults={"role": AccessRole.HOLDER, "granted_by": actor}
        )
        if created:
            granted.append(access)
    return granted


def _user_for_token(purpose: Purpose, token: str):
    data = token_read(purpose, token)
    user = User.objects.filter(pk=data.user_id).first() if data.user_id else None
    if user is None:
        raise ApplicationError("link_invalid", LINK_INVALID)
    return user, data
