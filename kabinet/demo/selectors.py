"""Reading the demo back from the database: its logins and a customer who may register."""

from kabinet.billing.models import Invoice
from kabinet.customers.models import Customer, User
from kabinet.demo import constants as c
from kabinet.utility.models import Currency, UtilityProfile


def demo_preset(profile: UtilityProfile) -> str:
    """Which preset built this utility (the Russian one bills in roubles)."""
    return "ru" if profile.currency == Currency.RUB else "lv"


def demo_summary() -> dict | None:
    """The demo logins and the unregistered customer's details, or None when this
    database holds no demo (no utility, or not the demo customers)."""
    profile = UtilityProfile.objects.filter(pk=1).first()
    if profile is None:
        return None
    preset = demo_preset(profile)
    customers = []
    for code, email in ((c.ALICE_CLIENT_CODE, c.ALICE_EMAIL), (c.BOB_CLIENT_CODE, c.BOB_EMAIL)):
        customer = Customer.objects.filter(client_code=code, users__email__iexact=email).distinct().first()
        if customer is None:
            return None
        accounts = list(customer.accounts.order_by("number").values_list("number", flat=True))
        customers.append(
            {
                "login": c.customer_login(preset, email, accounts),
                "email": email,
                "password": c.CUSTOMER_PASSWORD,
                "client_code": customer.client_code,
                "accounts": accounts,
                "name": customer.display_name,
            }
        )
    staff = []
    roles = {c.SUPERUSER: "superuser", c.READ_ONLY_STAFF: "read-only", c.INSPECTOR: "inspector"}
    for user in User.objects.filter(username__in=roles, is_staff=True).order_by("username"):
        staff.append({"username": user.username, "password": c.STAFF_PASSWORD, "role": roles[user.username]})
    return {
        "preset": preset,
        "utility": profile.name,
        "staff": staff,
        "customers": customers,
        "unregistered": unregistered_summary(),
    }


def unregistered_summary() -> dict | None:
    customer = Customer.objects.filter(email__iexact=c.UNREGISTERED_EMAIL, users__isnull=True).first()
    if customer is None:
        return None  # registered meanwhile
    account = customer.accounts.order_by("number").first()
    invoice = Invoice.objects.filter(account=account, status="issued").order_by("-period", "-id").first()
    return {
        "client_code": customer.client_code,
        "account_number": account.number,
        "last_invoice_number": invoice.number if invoice else "",
        "last_invoice_amount": f"{invoice.amount_due:.2f}" if invoice else "",
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
    }
