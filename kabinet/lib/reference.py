"""ISO 11649 RF creditor references built from account numbers.

Our invoices print RF<check><account number>; a bank statement's structured reference
is turned back into the account number with account_from_reference().
"""

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10


def rf_reference(account_number: str) -> str:
    """RF creditor reference for an account number, e.g. '100001' -> 'RF69100001' (ISO 11649:
    R=27, F=15, so 98 - 100001271500 mod 97 = 98 - 29 = 69)."""
    body = account_number.strip().upper()
    check = mod_97_10.calc_check_digits(body + "RF")
    return f"RF{check}{body}"


def account_from_reference(reference: str) -> str | None:
    """The account number inside a valid RF reference, or None for anything else."""
    compact = iso11649.compact(reference or "")
    if not compact.startswith("RF") or not iso11649.is_valid(compact):
        return None
    return compact[4:]
