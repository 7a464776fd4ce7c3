"""Customers, their premises and accounts, and who may use the portal for them.

A Customer (client code) holds one Account per premises contract. Portal logins are
Users; which accounts a login may see is AccountAccess, never inferred: the holder has
full rights, an invited person only the rights the holder gave.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

CLIENT_CODE_RE = r"^[0-9]{5}$"
ACCOUNT_NUMBER_RE = r"^[0-9]{6,20}$"


class User(AbstractUser):
    """A login: staff, or a customer's portal access (customer set)."""

    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("customer"),
    )
    # Registered online or opened by staff, but not yet activated from the e-mail link
    # or the letter's code. Such a login cannot log in (is_active is False).
    activation_pending = models.BooleanField(_("waiting for activation"), default=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.username


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Customer(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    client_code = models.CharField(_("client code"), max_length=5, unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    registration_number = models.CharField(_("personal or registration code"), max_length=40, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=5, default="lv")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["client_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(client_code__regex=CLIENT_CODE_RE), name="customer_client_code_5_digits"
            ),
            models.CheckConstraint(
                condition=Q(kind="person", last_name__gt="") | Q(kind="organisation", organisation_name__gt=""),
                name="customer_has_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_code} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION:
            return self.organisation_name
        return f"{self.first_name} {self.last_name}".strip()


class Building(models.Model):
    """A street address: outages and news are targeted by street and house."""

    city = models.CharField(_("city"), max_length=100)
    street = models.CharField(_("street"), max_length=150)
    house = models.CharField(_("house"), max_length=20)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["city", "street", "house"]
        constraints = [models.UniqueConstraint(fields=["city", "street", "house"], name="building_unique_address")]

    def __str__(self) -> str:
        return f"{self.street} {self.house}, {self.city}"


class Premises(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="premises", verbose_name=_("building")
    )
    apartment = models.CharField(_("apartment"), max_length=20, blank=True)
    area = models.DecimalField(_("area, m²"), max_digits=9, decimal_places=2, default=Decimal("0"))
    residents = models.PositiveSmallIntegerField(_("residents"), default=1)

    class Meta:
        verbose_name = _("premises")
        verbose_name_plural = _("premises")
        ordering = ["building", "apartment"]
        constraints = [
            models.UniqueConstraint(fields=["building", "apartment"], name="premises_unique_in_building"),
            models.CheckConstraint(condition=Q(area__gte=0), name="premises_area_not_negative"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        b = self.building
        flat = f"-{self.apartment}" if self.apartment else ""
        return f"{b.street} {b.house}{flat}, {b.city}"


class Account(models.Model):
    """A contract for one premises; its number is printed on every invoice."""

    number = models.CharField(_("account number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("customer")
    )
    premises = models.ForeignKey(
        Premises, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("premises")
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=ACCOUNT_NUMBER_RE), name="account_number_digits"),
            models.UniqueConstraint(
                fields=["premises"],
                condition=Q(closed_on__isnull=True),
                name="account_one_open_per_premises",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="account_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class AccessRole(models.TextChoices):
    HOLDER = "holder", _("Account holder")
    READINGS_INVOICES = "readings_invoices", _("Readings and invoices")
    READINGS = "readings", _("Readings only")


class AccountAccess(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_accesses")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="accesses")
    role = models.CharField(_("role"), max_length=20, choices=AccessRole.choices, default=AccessRole.HOLDER)
    created = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="access_unique_user_account")]

    def __str__(self) -> str:
        return f"{self.user} → {self.account} ({self.role})"

    @property
    def can_see_invoices(self) -> bool:
        return self.role in (AccessRole.HOLDER, AccessRole.READINGS_INVOICES)

    @property
    def can_manage(self) -> bool:
        return self.role == AccessRole.HOLDER


class MailPreference(models.Model):
    """A customer's choice for one kind of e-mail; no row means the default (on)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mail_preferences")
    kind = models.CharField(_("kind"), max_length=30)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="mail_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}={self.enabled}"


# --- Registration and access ------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RegistrationApplication(models.Model):
    """A request for portal access that staff decide on (modes "by application" and "staff only")."""

    TRANSITIONS = {
        ApplicationStatus.PENDING: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
        ApplicationStatus.APPROVED: set(),
        ApplicationStatus.REJECTED: set(),
    }

    created = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    full_name = models.CharField(_("name"), max_length=200)
    client_code = models.CharField(_("client code"), max_length=5, blank=True)
    account_number = models.CharField(_("account number"), max_length=20)
    address = models.CharField(_("address of the premises"), max_length=300)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="lv")
    ip = models.GenericIPAddressField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        verbose_name=_("customer"),
        help_text=_("Filled in when the account number matches; staff may correct it before approving."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason for rejection"), blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("login")
    )

    class Meta:
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="application_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.account_number})"


class ActivationCode(models.Model):
    """A one-time code printed in an activation letter handed over at the counter.

    Only a keyed hash is stored: the code exists in clear only on the printed letter."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user_id} until {self.expires_at:%Y-%m-%d}"


class Invitation(models.Model):
    """The holder invites another person to one account with limited rights."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=AccessRole.choices)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=~Q(role="holder"), name="invitation_not_holder"),
            models.UniqueConstraint(
                Lower("email"),
                "account",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.account_id} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


# --- personal API tokens ---------------------------------------------------------------
# The official way for a customer's own software (home automation, a spreadsheet script)
# to submit readings, instead of scraping the portal. Only a SHA-256 of the token is
# stored; the token itself is shown once, when created (customers.services.api_tokens).


class TokenScope(models.TextChoices):
    """What a personal token may do. A home-automation bridge that submits readings needs
    readings:write alone (and readings:read to find its meters). The scopes live in the
    token's JSON list: a new scope needs no migration."""

    READINGS_READ = "readings:read", _("See my meters and their readings")
    READINGS_WRITE = "readings:write", _("Submit readings of my meters")
    # The rest of the customer's capabilities in the API (kabinet/api), one scope per door.
    ACCOUNT_READ = "account:read", _("See my accounts, addresses, balance and debt")
    BILLING_READ = "billing:read", _("See my invoices, statement and payments")
    PAYMENTS_WRITE = "payments:write", _("Start online payments")
    REQUESTS_READ = "requests:read", _("See my service requests")
    REQUESTS_WRITE = "requests:write", _("File service requests, comment on and rate them")
    NEWS_READ = "news:read", _("See news and outages at my addresses")
    MESSAGES_READ = "messages:read", _("Read my messages to the utility and the replies")
    MESSAGES_WRITE = "messages:write", _("Write to the utility and reply")
    SETTINGS_WRITE = "settings:write", _("See and change my notification settings")
    HOUSEHOLD_WRITE = "household:write", _("Invite people to my accounts and remove their access")
    TOKENS_WRITE = "tokens:write", _("Make and revoke personal tokens")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    # TokenScope values; a request outside them is refused (403).
    scopes = models.JSONField(_("scopes"), default=list)
    # Only this premises' meters, if set (a bridge installed in one flat).
    premises = models.ForeignKey(
        Premises,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("premises"),
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The login's password when the token was made (password_stamp()): a token stops
    # working when the password changes, whichever door changed it, as Django's sessions do.
    password_stamp = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        db_table = "api_apitoken"  # made by the api app before tokens moved here
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked__isnull=True), name="api_token_active_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked is None


def password_stamp(user) -> str:
    """Changes whenever the login's password does; reveals nothing of it."""
    return salted_hmac("kabinet.api.token", user.password, algorithm="sha256").hexdigest()[:32]
