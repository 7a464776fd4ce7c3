"""Forgotten and changed passwords; a change of e-mail confirmed by a link."""

import re

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.customers import throttle
from kabinet.customers.models import (
    AccountAccess,
    User,
)
from kabinet.customers.services._common import (
    _email_owner,
    _free_username,
    _language,
    _mail,
    _password_check,
    _user_for_token,
)
from kabinet.customers.tokens import (
    LINK_USED,
    Purpose,
    fingerprint_matches,
    token_make,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

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
    """E-mail a reset link if the details match a customer's login; silent otherwise.

    With account_number and phone (the Russian utility's form) all three must match.
    Staff logins are never reset from the customers' form (a link for the back office
    would be a link to everything): an administrator sets a new one, or a superuser
    with `manage.py changepassword`."""
    make_password("")  # the same hashing work on every path
    user = (
        User.objects.select_related("customer")
        .filter(email__iexact=email.strip(), is_staff=False, is_superuser=False)
        .first()
    )
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
    # Whoever was guessing this person's password slowed the owner down; the owner has
    # just proved who they are by mail.
    throttle.login_unlock(f"user:{user.pk}")
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
