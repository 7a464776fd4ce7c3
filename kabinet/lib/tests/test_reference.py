from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from kabinet.lib.reference import account_from_reference, rf_reference


def test_it_builds_a_valid_iso11649_reference():
    reference = rf_reference("100001")
    assert iso11649.is_valid(reference)
    assert reference.endswith("100001")


def test_it_reads_the_account_back_from_a_spaced_reference():
    spaced = iso11649.format(rf_reference("3100012345"))
    assert " " in spaced
    assert account_from_reference(spaced) == "3100012345"


def test_it_rejects_a_mistyped_reference():
    reference = rf_reference("100001")
    assert account_from_reference(reference[:-1] + "2") is None
    assert account_from_reference("100001") is None
    assert account_from_reference("") is None


@given(st.from_regex(r"[0-9]{6,20}", fullmatch=True))
def test_it_round_trips_every_account_number(number):
    assert account_from_reference(rf_reference(number)) == number
