import pytest


@pytest.fixture(autouse=True)
def _ledger_agrees_with_displayed_balance(request):
    """After every payment test: each account's ledger sum equals the balance the portal
    shows, the statement's last running balance, and what allocation leaves owed."""
    uses_db = bool({"db", "transactional_db", "live_server"} & set(request.fixturenames))
    if uses_db:
        # Set the database up first, so it is still there when this fixture finishes.
        request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    yield
    if uses_db:
        from kabinet.payments.tests.checks import assert_balances_agree

        assert_balances_agree()
