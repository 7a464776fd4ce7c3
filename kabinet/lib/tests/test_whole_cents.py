from decimal import Decimal

import pytest

from kabinet.lib.money import whole_cents


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", True),
        ("12.5", True),
        ("12.50", True),
        ("12.500", True),
        ("0.00", True),
        ("-3.10", True),
        ("1E+2", True),
        ("99999999999999999999.99", True),
        ("12.501", False),
        ("0.001", False),
        ("1E-3", False),
        ("1E+400", True),  # whole, and too big for any maximum: the caller's limit refuses it
        ("NaN", False),
        ("Infinity", False),
        ("-Infinity", False),
    ],
)
def test_whole_cents_reads_the_digits_and_never_raises(text, expected):
    assert whole_cents(Decimal(text)) is expected
