"""The fixed demo logins: printed by `seed_demo --logins`, shown on the login page in demo
mode and used by the end-to-end tests. Nobody else gets these passwords."""

PRESETS = ("lv", "ru")
DEFAULT_PRESET = "lv"

CUSTOMER_PASSWORD = "kabinet-demo"  # nosec B105  # the public demo, printed on its login page
STAFF_PASSWORD = "kabinet-staff"  # nosec B105  # the public demo, printed on its login page

SUPERUSER = "carol"
READ_ONLY_STAFF = "dave"
INSPECTOR = "ivo"  # walks today's inspection route at /inspection/ (kabinet/inspection)

ALICE_EMAIL = "alice@example.com"
BOB_EMAIL = "bob@example.com"
ALICE_CLIENT_CODE = "10001"
BOB_CLIENT_CODE = "10002"

# Account numbers are handed out in order, alice's two premises first, then bob's.
FIRST_ACCOUNT_NUMBER = {"lv": 100001, "ru": 4610000001}
ALICE_ACCOUNTS = {preset: [str(first), str(first + 1)] for preset, first in FIRST_ACCOUNT_NUMBER.items()}
BOB_ACCOUNTS = {preset: [str(first + 2)] for preset, first in FIRST_ACCOUNT_NUMBER.items()}

# The unregistered customer whose details the registration tests use; this address is
# free (no login has it) until that customer registers.
UNREGISTERED_EMAIL = "new.customer@example.com"


def customer_login(preset: str, email: str, accounts: list[str]) -> str:
    """What the customer types as the login: the e-mail in Latvia, the account number
    (лицевой счёт, printed on the receipt) in Russia. Both work in either preset."""
    return accounts[0] if preset == "ru" else email
