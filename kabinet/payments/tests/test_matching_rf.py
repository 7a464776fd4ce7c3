def test_the_fast_rf_check_agrees_with_stdnum():
    from kabinet.lib.reference import account_from_reference, rf_reference
    from kabinet.payments.matching import _rf_account

    for ref in [rf_reference(str(n)) for n in range(100000, 100300)] + [
        "RF00100001",
        "RF9",
        "RFAB12",
        "RF18 5390 0754 7034",
    ]:
        assert _rf_account(ref) == account_from_reference(ref), ref
