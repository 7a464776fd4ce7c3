"""Self-service registration and activation (by e-mailed link or by a letter's code)."""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.customers.backends import user_for_identifier
from kabinet.customers.models import (
    ActivationCode,
    Customer,
    User,
)
from kabinet.customers.services._common import (
    InvoiceProof,
    _email_owner,
    _free_username,
    _grant_holder,
    _language,
    _mail,
    _open_accounts,
    _password_check,
    _proof_matches,
    _user_for_token,
)
from kabinet.customers.tokens import (
    LINK_USED,
    Purpose,
    code_hash,
    fingerprint_matches,
    token_make,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

# --- self-service registration -------------------------------------------------------


@transaction.atomic
def registration_submit(
    *,
    client_code: str,
    proof: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    language: str | None = None,
    ip: str | None = None,
    invoice_proof: InvoiceProof,
) -> None:
    """Register a portal login for the customer with this client code, if the proof matches.

    Returns nothing on every path: the page says the same thing whatever happened, and
    the e-mail address's owner learns the outcome (an activation link, or a notice)."""
    language = _language(language)
    email = email.strip()
    candidate = User(email=email, first_name=first_name, last_name=last_name, username=email)
    _password_check(password, candidate)
    # Hash before looking anything up: every path costs the same.
    password_hash = make_password(password)

    customer = Customer.objects.filter(client_code=client_code).first()
    accounts = _open_accounts(customer) if customer else []
    if customer is None or not _proof_matches(accounts, proof, invoice_proof):
        event_record(kind="registration.refused", ip=ip, data={"client_code": client_code})
        return

    logins = list(User.objects.filter(customer=customer).order_by("id"))
    active = [u for u in logins if u.is_active and not u.activation_pending]
    pending = next((u for u in logins if u.activation_pending), None)
    owner = _email_owner(email)
    if owner is not None and owner != pending:
        # The address already has a login (this customer's or another's): tell its owner.
        _mail(to=owner.email, template="email_in_use", language=owner.language or language, user=owner)
        event_record(kind="registration.refused", obj=customer, ip=ip, data={"reason": "email_in_use"})
        return
    if active:
        _mail(
            to=email,
            template="already_registered",
            language=language,
            customer_id=customer.pk,
            customer=customer,
        )
        event_record(kind="registration.refused", obj=customer, ip=ip, data={"reason": "already_registered"})
        return

    user = pending or User(customer=customer, username=_free_username(email))
    user.email = email
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.password = password_hash
    user.language = language
    user.is_active = False
    user.activation_pending = True
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address registered a moment ago (double submit)
        return
    _grant_holder(user, accounts)
    _mail(to=email, template="activation", language=language, user=user, token=token_make(Purpose.ACTIVATE, user=user))
    event_record(kind="registration.submitted", actor=user, obj=user, ip=ip, data={"client_code": client_code})


@transaction.atomic
def activation_resend(*, email: str, ip: str | None = None) -> None:
    """A new activation link for a login still waiting for activation; silent otherwise."""
    user = User.objects.filter(email__iexact=email.strip(), activation_pending=True).first()
    if user is None:
        return
    _mail(
        to=user.email,
        template="activation",
        language=user.language or _language(),
        user=user,
        token=token_make(Purpose.ACTIVATE, user=user),
    )
    event_record(kind="activation.resent", actor=user, obj=user, ip=ip)


def activation_check(*, token: str) -> User:
    """The login an activation link is for, if the link can still be used."""
    user, data = _user_for_token(Purpose.ACTIVATE, token)
    if not fingerprint_matches(user, data):
        if user.is_active and not user.activation_pending:
            raise ApplicationError("already_active", _("Your login is already active. Log in with your password."))
        raise ApplicationError("link_used", LINK_USED)
    if not user.activation_pending:
        raise ApplicationError("link_used", LINK_USED)
    return user


@transaction.atomic
def user_activate(*, token: str, password: str | None = None, ip: str | None = None) -> User:
    """Activate a login from its e-mailed link; a login opened by staff sets its password here."""
    user = activation_check(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    activation_check(token=token)  # again under the lock: a double click activates once
    if not user.has_usable_password() or password:
        if not password:
            raise ApplicationError("password_required", _("Choose a password."), field="password")
        _password_check(password, user)
        user.set_password(password)
    user.is_active = True
    user.activation_pending = False
    user.save()
    event_record(kind="user.activated", actor=user, obj=user, ip=ip, data={"by": "link"})
    return user


CODE_REFUSED = gettext_lazy("The login or the activation code is wrong, or the code has expired or been used.")


@transaction.atomic
def code_activate(*, identifier: str, code: str, password: str, email: str = "", ip: str | None = None) -> User:
    """Activate a login opened at the counter with the one-time code from the printed letter."""
    user = user_for_identifier(identifier)
    hashed = code_hash(code)
    now = timezone.now()
    activation = (
        ActivationCode.objects.select_for_update()
        .filter(code_hash=hashed, user=user, used_at__isnull=True, expires_at__gt=now)
        .first()
        if user is not None
        else None
    )
    if activation is None:
        make_password(password)  # the same work as a match
        event_record(kind="activation.refused", ip=ip, data={"identifier": identifier[:60]})
        raise ApplicationError("code_refused", CODE_REFUSED)
    email = email.strip()
    if email:
        owner = _email_owner(email)
        if owner is not None and owner != user:
            raise ApplicationError(
                "email_in_use", _("This e-mail address is already used by another login."), field="email"
            )
        user.email = email
    _password_check(password, user)
    user.set_password(password)
    user.is_active = True
    user.activation_pending = False
    user.save()
    activation.used_at = now
    activation.save(update_fields=["used_at"])
    event_record(kind="user.activated", actor=user, obj=user, ip=ip, data={"by": "letter"})
    return user
