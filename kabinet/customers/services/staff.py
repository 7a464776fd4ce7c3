"""The back office: opening access at the counter, deciding applications."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import (
    Account,
    ActivationCode,
    ApplicationStatus,
    Customer,
    RegistrationApplication,
    User,
)
from kabinet.customers.services._common import (
    _email_owner,
    _free_username,
    _grant_holder,
    _language,
    _mail,
    _open_accounts,
    customer_language,
)
from kabinet.customers.tokens import (
    CODE_VALID_DAYS,
    Purpose,
    code_generate,
    code_hash,
    token_make,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

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
    language = _language(language or customer_language(customer))
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
    event_record(
        kind="access.opened", actor=actor, obj=user, ip=ip, data={"customer": customer.client_code, "method": method}
    )
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
