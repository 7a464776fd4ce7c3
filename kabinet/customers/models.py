"""Customers, their premises and accounts, and who may use the portal for them.

A Customer (client code) holds one Account per premises contract. Portal logins are
Users; which accounts a login may see is AccountAccess, never inferred: the holder has
full rights, an invited person only the rights the holder gave.
"""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
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
