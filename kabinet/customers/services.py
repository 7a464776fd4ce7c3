"""Portal access: registration, activation, passwords, e-mail, premises and co-users.

Every function that changes who may log in or see an account is atomic, writes an audit
event and queues its e-mail in the same transaction (notifications.message_enqueue).

Anti-enumeration: the functions a stranger can call (registration_submit,
activation_resend, password_reset_request) return nothing and raise nothing that depends
on whether a client code, account or e-mail exists; what happens is told only to the
owner of the e-mail address. They also do the same password hashing on every path.
"""

import datetime as dt
import re
import secrets
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.customers.backends import user_for_identifier
from kabinet.customers.models import (
    AccessRole,
    Account,
    AccountAccess,
    ActivationCode,
    ApplicationStatus,
    Customer,
    Invitation,
    RegistrationApplication,
    User,
)
from kabinet.customers.tokens import (
    CODE_VALID_DAYS,
    LINK_INVALID,
    LINK_USED,
    Purpose,
    code_generate,
    code_hash,
    fingerprint_matches,
    token_make,
    token_read,
)
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

# The door (portal) supplies the check of a proof printed on an invoice: billing sits
# above customers, so customers cannot ask it directly. (account ids, proof) -> matches.
InvoiceProof = Callable[[Sequence[int], str], bool]


# --- small helpers -------------------------------------------------------------------


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
    if not accounts or not proof_normalise(proof):
        return False
    if proof_normalise(proof) in {a.number for a in accounts}:
        return True
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


def _user_for_token(purpose: Purpose, token: str):
    data = token_read(purpose, token)
    user = User.objects.filter(pk=data.user_id).first() if data.user_id else None
    if user is None:
        raise ApplicationError("link_invalid", LINK_INVALID)
    return user, data


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


# --- passwords and e-mail --------------------------------------------------------------


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _phone_matches(user: User, phone: str) -> bool:
    given = _digits(phone)
    if len(given) < 6:
        return False
    known = [_digits(user.phone)]
    if user.customer_id:
        known.append(_digits(user.customer.phone))
    # Compare the last 10 digits: +7 / 8 prefixes and spacing differ on paper.
    return any(k and k[-10:] == given[-10:] for k in known)


@transaction.atomic
def password_reset_request(
    *, email: str, account_number: str | None = None, phone: str | None = None, ip: str | None = None
) -> None:
    """E-mail a reset link if the details match a login; silent otherwise.

    With account_number and phone (the Russian utility's form) all three must match."""
    make_password("")  # the same hashing work on every path
    user = User.objects.select_related("customer").filter(email__iexact=email.strip()).first()
    if user is not None and account_number is not None:
        holds = AccountAccess.objects.filter(user=user, account__number=account_number.strip()).exists()
        if not holds or not _phone_matches(user, phone or ""):
            user = None
    if user is None:
        event_record(kind="password.reset_refused", ip=ip)
        return
    language = user.language or _language()
    if user.activation_pending:
        _mail(
            to=user.email,
            template="activation",
            language=language,
            user=user,
            token=token_make(Purpose.ACTIVATE, user=user),
        )
    elif user.is_active:
        _mail(
            to=user.email,
            template="password_reset",
            language=language,
            user=user,
            token=token_make(Purpose.RESET, user=user),
        )
    else:  # blocked by staff: no link
        return
    event_record(kind="password.reset_requested", actor=user, obj=user, ip=ip)


def password_reset_check(*, token: str) -> User:
    user, data = _user_for_token(Purpose.RESET, token)
    if not fingerprint_matches(user, data) or not user.is_active:
        raise ApplicationError("link_used", LINK_USED)
    return user


@transaction.atomic
def password_reset_confirm(*, token: str, password: str, ip: str | None = None) -> User:
    user = password_reset_check(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    password_reset_check(token=token)
    _password_check(password, user)
    user.set_password(password)
    user.save()
    _mail(to=user.email, template="password_changed", language=user.language or _language(), user=user)
    event_record(kind="password.reset", actor=user, obj=user, ip=ip)
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, ip: str | None = None) -> User:
    if not user.check_password(old_password):
        raise ApplicationError(
            "wrong_password", _("Your current password is wrong. Please enter it again."), field="old_password"
        )
    _password_check(new_password, user)
    user.set_password(new_password)
    user.save()
    _mail(to=user.email, template="password_changed", language=user.language or _language(), user=user)
    event_record(kind="password.changed", actor=user, obj=user, ip=ip)
    return user


@transaction.atomic
def email_change_request(*, user: User, new_email: str, password: str, ip: str | None = None) -> None:
    """Send a confirmation link to the new address and tell the old one. The address changes
    only when the link is followed."""
    new_email = new_email.strip()
    if not user.check_password(password):
        raise ApplicationError(
            "wrong_password", _("Your current password is wrong. Please enter it again."), field="password"
        )
    if new_email.lower() == user.email.lower():
        raise ApplicationError("same_email", _("This is already your e-mail address."), field="email")
    language = user.language or _language()
    owner = _email_owner(new_email)
    if owner is not None:
        # Tell the address's owner, not the person asking: the page answers the same.
        _mail(to=new_email, template="email_in_use", language=language, user=owner)
    else:
        _mail(
            to=new_email,
            template="email_change",
            language=language,
            user=user,
            new_email=new_email,
            token=token_make(Purpose.EMAIL, user=user, e=new_email),
        )
    if user.email:
        _mail(to=user.email, template="email_change_notice", language=language, user=user, new_email=new_email)
    event_record(kind="email.change_requested", actor=user, obj=user, ip=ip, data={"new_email": new_email})


@transaction.atomic
def email_change_confirm(*, token: str, ip: str | None = None) -> User:
    user, data = _user_for_token(Purpose.EMAIL, token)
    user = User.objects.select_for_update().get(pk=user.pk)
    new_email = str(data.payload.get("e", ""))
    if not new_email or not fingerprint_matches(user, data):
        raise ApplicationError("link_used", LINK_USED)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ApplicationError("email_in_use", _("This e-mail address is already used by another login."))
    old_email = user.email
    user.email = new_email
    if user.username.lower() == old_email.lower():
        user.username = _free_username(new_email)
    user.save()
    language = user.language or _language()
    if old_email:
        _mail(to=old_email, template="email_changed", language=language, user=user, new_email=new_email)
    event_record(
        kind="email.changed", actor=user, obj=user, ip=ip, data={"old_email": old_email, "new_email": new_email}
    )
    return user


# --- several premises, co-users ---------------------------------------------------------

PREMISES_REFUSED = gettext_lazy(
    "We could not add these premises: the account number and the invoice details do not match. "
    "If the premises belong to another customer, ask the account holder to invite you."
)


@transaction.atomic
def premises_add(
    *, user: User, account_number: str, proof: str, ip: str | None = None, invoice_proof: InvoiceProof
) -> AccountAccess:
    """Add another account of the same customer to this login, proven by its latest invoice."""
    account = Account.objects.filter(number=account_number.strip(), closed_on__isnull=True).first()
    if (
        account is None
        or user.customer_id is None
        or account.customer_id != user.customer_id
        or not invoice_proof([account.id], proof)
    ):
        event_record(kind="premises.refused", actor=user, ip=ip, data={"account_number": account_number[:20]})
        raise ApplicationError("premises_refused", PREMISES_REFUSED)
    access, created = AccountAccess.objects.get_or_create(
        user=user, account=account, defaults={"role": AccessRole.HOLDER, "granted_by": user}
    )
    if not created:
        raise ApplicationError("already_added", _("These premises are already in your list."))
    event_record(kind="access.granted", actor=user, obj=access, ip=ip, data={"account": account.number, "by": "proof"})
    return access


def _holder_access(actor: User, account: Account) -> AccountAccess:
    access = AccountAccess.objects.filter(user=actor, account=account, role=AccessRole.HOLDER).first()
    if access is None:
        raise ApplicationError("not_holder", _("Only the account holder can manage who has access."))
    return access


@transaction.atomic
def invitation_send(*, account: Account, email: str, role: str, actor: User, ip: str | None = None) -> Invitation:
    _holder_access(actor, account)
    email = email.strip()
    if role not in (AccessRole.READINGS, AccessRole.READINGS_INVOICES):
        raise ApplicationError("bad_role", _("Choose what the person may do."), field="role")
    if email.lower() == actor.email.lower():
        raise ApplicationError("self_invite", _("You already have access to this account."), field="email")
    if AccountAccess.objects.filter(account=account, user__email__iexact=email).exists():
        raise ApplicationError("has_access", _("This person already has access to this account."), field="email")
    if Invitation.objects.filter(
        account=account, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).exists():
        raise ApplicationError(
            "already_invited", _("An invitation to this address is already waiting to be accepted."), field="email"
        )
    invitation = Invitation.objects.create(account=account, email=email, role=role, invited_by=actor)
    _mail(
        to=email,
        template="invitation",
        language=actor.language or _language(),
        customer_id=account.customer_id,
        inviter=actor,
        invitation=invitation,
        account=account,
        address=account.premises.address,
        token=token_make(Purpose.INVITE, i=invitation.pk),
    )
    event_record(kind="invitation.sent", actor=actor, obj=invitation, ip=ip, data={"email": email, "role": role})
    return invitation


def invitation_check(*, token: str) -> Invitation:
    data = token_read(Purpose.INVITE, token)
    invitation = (
        Invitation.objects.select_related("account__premises__building", "invited_by")
        .filter(pk=data.payload.get("i"))
        .first()
    )
    if invitation is None:
        raise ApplicationError("link_invalid", LINK_INVALID)
    if not invitation.is_open:
        raise ApplicationError("link_used", LINK_USED)
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    ip: str | None = None,
) -> AccountAccess:
    """Accept as the logged-in login with the invited address, or create a login for it."""
    invitation = invitation_check(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ApplicationError("link_used", LINK_USED)
    owner = _email_owner(invitation.email)
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise ApplicationError(
                "wrong_login", _("This invitation was sent to another e-mail address. Log out and open the link again.")
            )
    elif owner is not None:
        raise ApplicationError("login_to_accept", _("This address already has a login. Log in to accept."))
    else:
        if not first_name.strip() or not last_name.strip():
            raise ApplicationError("name_required", _("Enter your first and last name."), field="first_name")
        user = User(
            username=_free_username(invitation.email),
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            language=_language(),
        )
        _password_check(password, user)
        user.set_password(password)
        user.save()
        event_record(kind="user.activated", actor=user, obj=user, ip=ip, data={"by": "invitation"})
    access, created = AccountAccess.objects.get_or_create(
        user=user,
        account=invitation.account,
        defaults={"role": invitation.role, "granted_by": invitation.invited_by},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(
        kind="access.granted",
        actor=user,
        obj=access,
        ip=ip,
        data={"account": invitation.account.number, "role": access.role, "by": "invitation"},
    )
    return access


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, ip: str | None = None) -> None:
    if not actor.is_staff:
        _holder_access(actor, invitation.account)
    if invitation.is_open:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        event_record(kind="invitation.revoked", actor=actor, obj=invitation, ip=ip, data={"email": invitation.email})


@transaction.atomic
def access_grant(*, user: User, account: Account, role: str, actor: User, ip: str | None = None) -> AccountAccess:
    """Staff give a login access to an account (the back office)."""
    access, created = AccountAccess.objects.update_or_create(
        user=user, account=account, defaults={"role": role, "granted_by": actor}
    )
    event_record(
        kind="access.granted",
        actor=actor,
        obj=access,
        ip=ip,
        data={"account": account.number, "user": user.pk, "role": role, "by": "staff"},
    )
    return access


@transaction.atomic
def access_revoke(*, access: AccountAccess, actor: User, ip: str | None = None) -> None:
    """The holder removes a co-user, or staff remove anyone. Holders are removed by staff."""
    if not actor.is_staff:
        _holder_access(actor, access.account)
        if access.role == AccessRole.HOLDER:
            raise ApplicationError("holder", _("An account holder's access can only be removed by the utility."))
    user, account = access.user, access.account
    access.delete()
    if user.email and user != actor:
        _mail(
            to=user.email,
            template="access_revoked",
            language=user.language or _language(),
            user=user,
            account=account,
            address=account.premises.address,
        )
    event_record(
        kind="access.revoked",
        actor=actor,
        obj=account,
        ip=ip,
        data={
            "account": account.number,
            "user": user.pk,
            "email": user.email,
            "by": "staff" if actor.is_staff else "holder",
        },
    )


# --- staff: opening access at the counter, applications ---------------------------------


class OpenMethod:
    LETTER = "letter"
    EMAIL = "email"


@transaction.atomic
def access_open(
    *,
    customer: Customer,
    method: str,
    email: str = "",
    phone: str = "",
    actor: User,
    language: str | None = None,
    ip: str | None = None,
) -> tuple[User, str | None]:
    """Open portal access for a customer: a printed letter with a one-time code, or an
    e-mailed set-password link. Returns the login and, for a letter, the code in clear."""
    accounts = _open_accounts(customer)
    if not accounts:
        raise ApplicationError("no_accounts", _("The customer has no open accounts."))
    if User.objects.filter(customer=customer, is_active=True, activation_pending=False).exists():
        raise ApplicationError(
            "already_registered",
            _("This customer already has an active login; the customer can reset the password."),
        )
    email = (email or "").strip()
    if method == OpenMethod.EMAIL and not email:
        raise ApplicationError("email_required", _("Enter the e-mail address to send the link to."), field="email")
    language = _language(language or customer.language)
    user = User.objects.filter(customer=customer, activation_pending=True).order_by("id").first()
    if email:
        owner = _email_owner(email)
        if owner is not None and owner != user:
            raise ApplicationError(
                "email_in_use", _("This e-mail address is already used by another login."), field="email"
            )
    if user is None:
        user = User(
            customer=customer,
            username=_free_username(email or f"c{customer.client_code}"),
            first_name=customer.first_name,
            last_name=customer.last_name,
        )
        user.set_unusable_password()
    if email:
        user.email = email
    if phone:
        user.phone = phone.strip()[:30]
    user.language = language
    user.is_active = False
    user.activation_pending = True
    user.save()
    _grant_holder(user, accounts, actor=actor)
    code = None
    if method == OpenMethod.LETTER:
        # One valid letter at a time: a reprint voids the previous code.
        ActivationCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
        code = code_generate()
        ActivationCode.objects.create(
            user=user,
            code_hash=code_hash(code),
            expires_at=timezone.now() + dt.timedelta(days=CODE_VALID_DAYS),
            created_by=actor,
        )
    else:
        _mail(
            to=email,
            template="access_opened",
            language=language,
            user=user,
            customer_id=customer.pk,
            token=token_make(Purpose.ACTIVATE, user=user),
            accounts=accounts,
        )
    event_record(kind="access.opened", actor=actor, obj=user, data={"customer": customer.client_code, "method": method})
    return user, code


def _application_set_status(application: RegistrationApplication, status: str, *, actor: User) -> None:
    if status not in RegistrationApplication.TRANSITIONS[application.status]:
        raise ApplicationError(
            "bad_transition",
            _("The application has already been decided (%(status)s).") % {"status": application.get_status_display()},
        )
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = actor


@transaction.atomic
def application_submit(
    *,
    full_name: str,
    account_number: str,
    address: str,
    email: str,
    client_code: str = "",
    phone: str = "",
    message: str = "",
    language: str | None = None,
    ip: str | None = None,
) -> RegistrationApplication:
    """An online application for portal access; staff decide on it in the back office."""
    account_number = account_number.strip()
    client_code = client_code.strip()
    matched = Account.objects.filter(number=account_number).select_related("customer").first()
    customer = (
        matched.customer if matched and (not client_code or matched.customer.client_code == client_code) else None
    )
    application = RegistrationApplication.objects.create(
        full_name=full_name.strip(),
        client_code=client_code,
        account_number=account_number,
        address=address.strip(),
        email=email.strip(),
        phone=phone.strip(),
        message=message.strip(),
        language=_language(language),
        ip=ip,
        customer=customer,
    )
    _mail(
        to=application.email,
        template="application_received",
        language=application.language,
        customer_id=customer.pk if customer else None,
        application=application,
    )
    event_record(kind="application.submitted", obj=application, ip=ip, data={"account_number": account_number})
    return application


@transaction.atomic
def application_approve(*, application: RegistrationApplication, actor: User, ip: str | None = None) -> User:
    application = RegistrationApplication.objects.select_for_update().get(pk=application.pk)
    if application.customer_id is None:
        raise ApplicationError("no_customer", _("Choose the customer this application is for before approving it."))
    _application_set_status(application, ApplicationStatus.APPROVED, actor=actor)
    user, _code = access_open(
        customer=application.customer,
        method=OpenMethod.EMAIL,
        email=application.email,
        phone=application.phone,
        actor=actor,
        language=application.language,
        ip=ip,
    )
    application.user = user
    application.save()
    event_record(kind="application.approved", actor=actor, obj=application, ip=ip)
    return user


@transaction.atomic
def application_reject(
    *, application: RegistrationApplication, reason: str, actor: User, ip: str | None = None
) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", _("Give the reason for the rejection."), field="reason")
    application = RegistrationApplication.objects.select_for_update().get(pk=application.pk)
    _application_set_status(application, ApplicationStatus.REJECTED, actor=actor)
    application.reason = reason
    application.save()
    _mail(
        to=application.email,
        template="application_rejected",
        language=application.language,
        customer_id=application.customer_id,
        application=application,
    )
    event_record(kind="application.rejected", actor=actor, obj=application, ip=ip, data={"reason": reason})


# --- the audit of logins ----------------------------------------------------------------


def login_succeeded_record(*, user: User, ip: str | None = None) -> None:
    event_record(kind="login.succeeded", actor=user, obj=user, ip=ip)


def login_failed_record(*, identifier: str, ip: str | None = None) -> None:
    user = user_for_identifier(identifier) if identifier else None
    event_record(
        kind="login.failed",
        obj=user,
        ip=ip,
        data={"identifier": (identifier or "")[:80]},
    )
